"""The scheduler: one thread that owns memory and run state, and steps keys round-robin.

Each key processes its inputs first in, first out; the events an input's actions send are processed before
the key's next input. Keys interleave at action granularity, and a key whose action waits on durable calls
steps aside until a worker's completion wakes the scheduler through its queue (a blocking ``get``, never a
polling loop). Worker threads only run the calls and post results; they never touch memory or plan state.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bridge.api._calls import CallResult, PendingCall
from bridge.api._events import Event, InputEvent, OutputEvent
from bridge.errors import ActionError
from bridge.runtime._context import HostRunnerContext
from bridge.runtime._executor import ActionExecutor, ActionState
from bridge.runtime._memory import MemoryStore, MemoryUpdate
from bridge.runtime._routing import Router


@dataclass(slots=True)
class ActionRecord:
    """What one finished action did: the memory updates it made and the events it sent."""

    key: Any
    action: str
    event_type: str
    updates: list[MemoryUpdate]
    sent: list[Event]


@dataclass(slots=True)
class _Key:
    key: Any
    store: MemoryStore
    inputs: deque[Any] = field(default_factory=deque)
    events: deque[Event] = field(default_factory=deque)
    todo: deque[tuple[str, Event]] = field(default_factory=deque)
    running: HostRunnerContext | None = None
    running_action: tuple[str, Event] | None = None
    active: bool = False  # queued in `ready` or suspended
    in_run: bool = False  # an input's run is under way


class Scheduler:
    """Runs inputs through the plan's actions; see the module docstring for the ordering rules."""

    def __init__(self, router: Router, executor_factory: Callable[[Callable[[str, PendingCall], None]],
                 ActionExecutor], make_context: Callable[[Any, MemoryStore, str], HostRunnerContext],
                 workers: int) -> None:
        self._router = router
        self._completions: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bridge-worker")
        self.executor = executor_factory(self._dispatch)
        self._make_context = make_context
        self._keys: dict[Any, _Key] = {}
        self._ready: deque[_Key] = deque()
        self._waiting: dict[str, _Key] = {}
        self._early: dict[str, list[Any]] = {}

    # -- wake-ups -----------------------------------------------------------------------------------
    def _dispatch(self, ref: str, call: PendingCall) -> None:
        """Run a durable call on a worker; its completion is posted to the scheduler's queue."""
        def work() -> None:
            try:
                result = CallResult(call.call_id, value=call.fn(*call.args, **call.kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the action, which decides
                result = CallResult(call.call_id, error=exc)
            self._completions.put((ref, (call.call_id, result)))

        self._pool.submit(work)

    def wake(self, ref: str, payload: Any = None) -> None:
        """Post a completion from any thread (used by the JVM's wake thread)."""
        self._completions.put((ref, payload))

    # -- state ------------------------------------------------------------------------------------
    def store_for(self, key: Any) -> MemoryStore:
        """The key's memory store, created on first use and kept across runs."""
        return self._key(key).store

    def _key(self, key: Any) -> _Key:
        ks = self._keys.get(key)
        if ks is None:
            ks = self._keys[key] = _Key(key, MemoryStore())
        return ks

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the loop -----------------------------------------------------------------------------------
    def run(self, inputs: Iterator[tuple[Any, Any]], window: int,
            on_output: Callable[[Any, Any], None], on_error: Callable[[ActionError], None],
            on_action: Callable[[ActionRecord], None] | None, on_input_done: Callable[[], None]) -> None:
        """Process every input; returns when all runs ended."""
        self._on_output, self._on_error, self._on_action = on_output, on_error, on_action
        self._on_input_done = on_input_done
        pending = 0  # inputs accepted and not finished
        exhausted = False
        while True:
            while not exhausted and pending < window:
                try:
                    key, payload = next(inputs)
                except StopIteration:
                    exhausted = True
                    break
                ks = self._key(key)
                ks.inputs.append(payload)
                pending += 1
                if not ks.active:
                    ks.active = True
                    self._ready.append(ks)
            if self._ready:
                ks = self._ready.popleft()
                pending -= self._step(ks)
                self._drain(block=False)
            elif self._waiting:
                self._drain(block=True)
            elif exhausted:
                return

    def _drain(self, block: bool) -> None:
        try:
            item = self._completions.get() if block else self._completions.get_nowait()
        except queue.Empty:
            return
        while True:
            ref, payload = item
            ks = self._waiting.pop(ref, None)
            if ks is not None:
                self._settle(ks, self.executor.resume(ref, payload))
            else:  # woken before its suspension was settled: keep it for then
                self._early.setdefault(ref, []).append(payload)
            try:
                item = self._completions.get_nowait()
            except queue.Empty:
                return

    def _step(self, ks: _Key) -> int:
        """Advance one key by one action; returns 1 when an input's run finished."""
        finished = 0
        while not ks.todo:
            if ks.events:
                event = ks.events.popleft()
                if isinstance(event, OutputEvent):
                    self._on_output(ks.key, event.output)
                ks.todo.extend((name, event) for name in self._router.actions_for(event))
                continue
            if ks.in_run:  # no events and no actions left: this input's run is over
                ks.store.clear_sensory()
                ks.in_run = False
                finished = 1
                self._on_input_done()
            if ks.inputs:
                ks.events.append(InputEvent(ks.inputs.popleft()))
                ks.in_run = True
                continue
            ks.active = False
            return finished
        name, event = ks.todo.popleft()
        ctx = self._make_context(ks.key, ks.store, name)
        ks.running, ks.running_action = ctx, (name, event)
        self._settle(ks, self.executor.start(name, event, ctx))
        return finished

    def _settle(self, ks: _Key, state: ActionState) -> None:
        """Act on an action's state: go on, wait for a wake-up, or fail the input's run."""
        while state.status == "suspended":
            assert state.ref is not None
            early = self._early.get(state.ref)
            if not early:
                self._waiting[state.ref] = ks
                return
            payload = early.pop(0)
            if not early:
                del self._early[state.ref]
            state = self.executor.resume(state.ref, payload)
        ctx, (name, event) = ks.running, ks.running_action  # type: ignore[misc]
        ks.running = ks.running_action = None
        updates = ks.store.take_log()
        if state.status == "done":
            ks.events.extend(ctx.sent)
            if self._on_action is not None:
                self._on_action(ActionRecord(ks.key, name, event.type, updates, list(ctx.sent)))
        else:
            assert state.error is not None
            self._on_error(ActionError(key=ks.key, action=name, event_type=event.type, cause=state.error,
                                       details=state.details))
            ks.events.clear()
            ks.todo.clear()
        self._ready.append(ks)
