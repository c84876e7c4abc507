"""The Python host's RunnerContext: a thin front that delegates to memory, resources and durable calls."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from bridge.api._calls import PendingCall
from bridge.api._context import RunnerContext
from bridge.api._events import Event
from bridge.api._memory import MemoryObject
from bridge.api._resources import ResourceType
from bridge.runtime._memory import MemoryStore, MemoryView

_call_ids = itertools.count(1)


class HostRunnerContext(RunnerContext):
    """The context of one action run; lives across its suspensions, dies when it ends."""

    __slots__ = ("_key", "_store", "_resources", "_config", "_action_config", "sent", "calls")

    def __init__(self, key: Any, store: MemoryStore, resources: Any, config: dict[str, Any],
                 action_config: dict[str, Any] | None) -> None:
        self._key = key
        self._store = store
        self._resources = resources
        self._config = config
        self._action_config = action_config or {}
        self.sent: list[Event] = []
        self.calls: list[Callable[..., Any]] = []  # what ran, in order: the durable store's seam

    @property
    def key(self) -> Any:
        return self._key

    def send_event(self, event: Event) -> None:
        if not isinstance(event, Event):
            raise TypeError(f"send_event takes an Event, got {type(event).__name__}")
        self.sent.append(event)

    @property
    def sensory_memory(self) -> MemoryObject:
        return MemoryView(self._store, "sensory")

    @property
    def short_term_memory(self) -> MemoryObject:
        return MemoryView(self._store, "short_term")

    @property
    def store(self) -> MemoryStore:
        """The key's memory store (for action kinds that read memory on another language's behalf)."""
        return self._store

    def get_resource(self, name: str, type: ResourceType | str) -> Any:
        return self._resources.get(name, type)

    @property
    def config(self) -> dict[str, Any]:
        return self._config

    @property
    def action_config(self) -> dict[str, Any]:
        return self._action_config

    def durable_execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.calls.append(fn)
        return fn(*args, **kwargs)

    def durable_execute_async(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> PendingCall:
        if not callable(fn):
            raise TypeError(f"durable_execute_async takes a callable, got {type(fn).__name__}")
        self.calls.append(fn)
        return PendingCall(f"c{next(_call_ids)}", fn, args, kwargs)
