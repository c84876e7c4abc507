"""The interface an action receives as ``ctx``; each host implements it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from bridge.api._calls import PendingCall
from bridge.api._events import Event
from bridge.api._memory import MemoryObject
from bridge.api._resources import ResourceType


class RunnerContext(ABC):
    """What an action may do: send events, use memory and resources, read config, make durable calls.

    The mirror of the Java ``dev.bridge.api.RunnerContext``; members use each language's casing.
    """

    @property
    @abstractmethod
    def key(self) -> Any:
        """The key of the input being processed."""

    @abstractmethod
    def send_event(self, event: Event) -> None:
        """Queue ``event``; it is processed before the next input of this key."""

    @property
    @abstractmethod
    def sensory_memory(self) -> MemoryObject:
        """Memory for this input's run only; cleared when the run ends."""

    @property
    @abstractmethod
    def short_term_memory(self) -> MemoryObject:
        """Memory of this key, kept across inputs."""

    @abstractmethod
    def get_resource(self, name: str, type: ResourceType | str) -> Any:
        """The resource ``name`` of ``type`` declared in the plan, built once and shared."""

    @property
    @abstractmethod
    def config(self) -> dict[str, Any]:
        """The plan's ``config.conf_data``."""

    @property
    @abstractmethod
    def action_config(self) -> dict[str, Any]:
        """The ``config`` of this action in the plan (empty when none)."""

    @abstractmethod
    def durable_execute(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None,
                        reconciler: Callable[[], Any] | None = None, durable_id: str | None = None,
                        **kwargs: Any) -> Any:
        """Call ``fn(*args, **kwargs)`` and return its result; the call is recorded for the durable store.

        ``timeout`` (seconds; default: the runtime's ``call_timeout``) bounds the wait: past it the call is
        abandoned and :class:`~bridge.errors.CallTimeoutError` (a ``TimeoutError``) is raised here.
        Under a state store the call is recorded: after a restart, a re-run of the action gets the recorded
        result (or exception) without running ``fn`` again. ``durable_id`` names the function stably (needed
        for a lambda, a closure, or arguments that are not portable values); ``reconciler`` (no arguments)
        is asked about a call that was in flight when the process died: it returns the call's result, or
        ``RUN_AGAIN``. None of these three keywords is passed to ``fn``: wrap ``fn`` with
        ``functools.partial`` if it takes such a name.
        ``fn`` must not use this context (memory, events): it may run on another thread.
        """

    @abstractmethod
    def durable_execute_async(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None,
                              reconciler: Callable[[], Any] | None = None, durable_id: str | None = None,
                              **kwargs: Any) -> PendingCall:
        """A call the action waits on with ``yield``/``await``; it runs on a worker, not the scheduler.

        The keywords are those of :meth:`durable_execute`; a timed-out call raises ``CallTimeoutError`` at the
        ``await``/``yield``.
        """

    def wait_for_input(self, name: str) -> PendingCall:
        """Pause this action's key until outside input named ``name`` arrives; ``await``/``yield`` it for the value.

        The key's later inputs queue behind it while other keys go on; ``Runtime.resume(key, value)`` (or
        ``bridge runs resume KEY --input JSON``) hands the value in, possibly in a later process: the action
        then runs again from its start, its completed durable calls replayed. Needs a state store.
        """
        raise NotImplementedError("wait_for_input needs a host with a state store (Runtime(plan, state=...))")
