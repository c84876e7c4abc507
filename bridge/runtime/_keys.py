"""Per-key state: the memory of every key that has some, and the work queues of keys that have work.

A million keys that each ran once must not cost a million work records: a key's queues exist only while it
has queued, running or waiting work (and are then reused for the next key), and its memory store only while
it holds short-term memory. An idle key with empty memory costs nothing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bridge.api._events import Event
from bridge.runtime._context import HostRunnerContext
from bridge.runtime._memory import MemoryStore

_SPARE = 256  # idle work records kept for reuse (their deques are the costly part to make)
_LOOKED_AT = 1024  # stores made for inspection before the empty ones are dropped


def key_id(key: Any) -> Any:
    """The identity of a key: its JSON value exactly, so ``1``, ``1.0`` and ``true`` are three keys."""
    t = type(key)
    if t is str:
        return key
    if t is float and key == 0.0:  # -0.0 == 0.0 in Python, but they are two JSON values
        return (t, key, str(key))
    return (t, key)


@dataclass(slots=True)
class KeyWork:
    """A key with work: its queued inputs, the events and actions of its current input's run."""

    key: Any
    kid: Any
    store: MemoryStore
    inputs: deque[Any] = field(default_factory=deque)
    events: deque[Event] = field(default_factory=deque)
    todo: deque[tuple[str, Event]] = field(default_factory=deque)
    running: HostRunnerContext | None = None
    running_action: tuple[str, Event] | None = None
    in_run: bool = False  # an input's run is under way
    steps: int = 0  # action steps of the current input's run
    # Under a state store: the key's id there, the current input's sequence number, and which of its
    # inputs (by sequence number, up to ``replay``) may have been run by an earlier process whose work was not all
    # committed: its actions then look for recorded durable calls to replay (-1: none).
    skid: str | None = None
    seq: int = -1
    replay: int = -1
    source: str | None = None  # where the current input came from (its outputs are filed under it)


class KeyTable:
    """Memory stores by key, and work records of the keys that have work."""

    __slots__ = ("_work", "_stores", "_spare", "_looked_at", "loader")

    def __init__(self) -> None:
        self.loader: Any = None  # called as loader(key, store) when a key's memory store is made: fills it
        self._work: dict[Any, KeyWork] = {}
        self._stores: dict[Any, MemoryStore] = {}
        self._spare: list[KeyWork] = []
        self._looked_at: set[Any] = set()

    def __len__(self) -> int:
        """Keys whose state is held: those with work or with short-term memory."""
        return len(self._stores)

    def work_for(self, key: Any) -> tuple[KeyWork, bool]:
        """The key's work record, and whether it was just made (the key had no work)."""
        kid = key_id(key)
        ks = self._work.get(kid)
        if ks is not None:
            return ks, False
        store = self._stores.get(kid)
        if store is None:
            store = self._stores[kid] = MemoryStore()
            if self.loader is not None:
                self.loader(key, store)
        if self._spare:
            ks = self._spare.pop()
            ks.key, ks.kid, ks.store = key, kid, store
            ks.skid, ks.seq, ks.replay, ks.source = None, -1, -1, None
        else:
            ks = KeyWork(key, kid, store)
        self._work[kid] = ks
        return ks, True

    def idle(self, ks: KeyWork) -> None:
        """The key has no work left (its queues are empty): keep only its memory, if it has any."""
        del self._work[ks.kid]
        if ks.store.empty:
            self._stores.pop(ks.kid, None)
        if len(self._spare) < _SPARE:
            ks.key = ks.kid = ks.store = None  # type: ignore[assignment]
            self._spare.append(ks)

    def store_for(self, key: Any) -> MemoryStore:
        """The key's memory store (for inspection between runs; a write through it is kept).

        A store made here for a key with no memory is dropped again if it stays empty, so looking at keys
        does not grow the state.
        """
        kid = key_id(key)
        store = self._stores.get(kid)
        if store is None:
            if len(self._looked_at) > _LOOKED_AT:
                self._drop_empty_looked_at()
            store = self._stores[kid] = MemoryStore()
            if self.loader is not None:
                self.loader(key, store)
            self._looked_at.add(kid)
        return store

    def forget(self, key: Any) -> None:
        """Empty the key's short-term memory, and hold nothing for it when it has no work.

        For a host that keeps each key's memory itself between inputs (bridge.flink: Flink keyed state): once it
        took the memory, the runtime need not hold a copy for every key it ever ran.
        """
        kid = key_id(key)
        store = self._stores.get(kid)
        if store is not None and kid in self._work:
            store.load("short_term", None)
        elif store is not None:
            del self._stores[kid]

    def reset(self) -> None:
        """End of a run that raised or stopped: roll back running actions, drop every work record."""
        for ks in self._work.values():
            if ks.running is not None:
                ks.running.close()
                ks.store.rollback()
            ks.store.clear_sensory()
            if ks.store.empty:
                self._stores.pop(ks.kid, None)
        self._work.clear()
        self._drop_empty_looked_at()

    def _drop_empty_looked_at(self) -> None:
        for kid in self._looked_at:
            store = self._stores.get(kid)
            if store is not None and store.empty and kid not in self._work:
                del self._stores[kid]
        self._looked_at.clear()
