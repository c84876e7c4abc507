"""The scheduler: one thread that owns memory and run state, and steps keys round-robin.

Each key processes its inputs first in, first out; the events an input's actions send are processed before
the key's next input. Keys interleave at action granularity, and a key whose action waits on durable calls
steps aside until a worker's completion wakes the scheduler through its queue (a blocking ``get``, never a
polling loop). Worker threads only run the calls and post results; they never touch memory or plan state.

An action's effects are all or nothing: its memory writes are journaled from its start and its sent events
are held by its context; :meth:`Scheduler._settle` is the one place that applies a finished action's effects
(a Java action's JSON update log included) or rolls them back when it failed.

Inputs are pulled only when no key is ready to step, at most ``window`` unfinished at a time; every input
read is run (at a stop, those not started yet are counted in ``not_started``). A *live* source (standard
input) is read by a thread that posts lines through the same queue as completions, so outputs of earlier
lines appear while later ones are awaited.
"""

from __future__ import annotations

import heapq
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from bridge.api._calls import CallResult, PendingCall
from bridge.api._events import Event, InputEvent, OutputEvent
from bridge.api._values import check_portable
from bridge.errors import ActionError, StepLimitError
from bridge.runtime._context import HostRunnerContext
from bridge.runtime._durable import WAIT_FID, CallLog, no_waiting, reconcile
from bridge.runtime._executor import ActionExecutor, ActionState
from bridge.runtime._keeping import StateKeeper
from bridge.runtime._keys import KeyTable, KeyWork
from bridge.runtime._memory import MemoryStore, MemoryUpdate
from bridge.runtime._routing import Router
from bridge.runtime._workers import Job, WorkerPool
from bridge.store import InputRecord, StateStore

_INPUT = "\0input"  # a ref no action has: the queue item carries an input from a live source
_STOP = "\0stop"  # wakes a blocked scheduler after request_stop()
_END: Any = object()
_LINGER = 0.002  # seconds an idle scheduler waits for more work before it commits the group it has


class _Settled:
    """Stands for the worker job of a call that needs none (replayed, or waiting for outside input)."""

    __slots__ = ()

    def abandon(self) -> None:
        pass


_SETTLED: Any = _Settled()


@dataclass(slots=True)
class ActionRecord:
    """What one finished action did: the memory updates it made and the events it sent."""

    key: Any
    action: str
    event_type: str
    updates: list[MemoryUpdate]
    sent: list[Event]


class _Raised:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Scheduler:
    """Runs inputs through the plan's actions; see the module docstring for the ordering rules."""

    def __init__(self, router: Router, executor_factory: Callable[[Callable[[str, PendingCall], None]],
                 ActionExecutor], make_context: Callable[[Any, MemoryStore, str], HostRunnerContext],
                 workers: int, max_steps: int = 10_000, state: StateStore | None = None,
                 strict: bool = False) -> None:
        self._router = router
        self._keeper = StateKeeper(state, router, strict) if state is not None else None
        self._parked: dict[str, KeyWork] = {}  # keys waiting for outside input, by ref of the waiting action
        self._current: KeyWork | None = None  # the key whose action is being started or resumed
        self._completions: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._pool = WorkerPool(workers)
        self.executor = executor_factory(self._dispatch)
        self._make_context = make_context
        self._max_steps = max_steps
        self._keys = KeyTable()
        if self._keeper is not None:
            self._keys.loader = self._keeper.load_key
        self._ready: deque[KeyWork] = deque()
        self._waiting: dict[str, KeyWork] = {}
        self._early: dict[str, list[Any]] = {}
        self._calls: dict[tuple[str, str], Job] = {}  # durable calls in flight by (ref, call id)
        # and, under a state, the log that records each and the call (recorded when its completion is taken)
        self._call_logs: dict[tuple[str, str], tuple[CallLog, PendingCall]] = {}
        self._deadlines: list[tuple[float, int, str, PendingCall]] = []
        self._seq = 0
        self._stop_at: float | None = None
        self._slots: threading.Semaphore | None = None  # read-ahead of a live source
        self._pending = 0
        self._run_id = 0
        self.not_started = 0  # inputs of the last run accepted but never started (it was stopped)

    # -- wake-ups -----------------------------------------------------------------------------------
    def _dispatch(self, ref: str, call: PendingCall) -> None:
        """Run a durable call on a worker; its completion is posted to the scheduler's queue."""
        post = self._completions.put
        if call.fid is not None:  # under a state store
            if call.replay is not None:  # recorded by an earlier attempt: its outcome, without running it
                value, error = CallLog.outcome(call.replay)
                self._calls[(ref, call.call_id)] = _SETTLED
                post((ref, (call.call_id, CallResult(call.call_id, value=value, error=error))))
                return
            if call.fid == WAIT_FID:  # outside input: the key waits until Runtime.resume hands it in
                self._calls[(ref, call.call_id)] = _SETTLED
                self._park(ref, self._current, call.args[0], call.index, call.digest)  # type: ignore[arg-type]
                return
            running = self._current.running if self._current is not None else None
            if running is not None and running.log is not None:
                self._call_logs[(ref, call.call_id)] = (running.log, call)

        def work() -> None:
            done = False
            try:
                if call.reconcile:
                    done, value = reconcile(call)
                if not done:
                    value = call.fn(*call.args, **call.kwargs)
                error = None
            except BaseException as exc:  # noqa: BLE001 - handed to the action, which decides
                value, error = None, exc
            post((ref, (call.call_id, CallResult(call.call_id, value=value, error=error))))

        job = self._pool.submit(work)
        self._calls[(ref, call.call_id)] = job
        if call.timeout is not None and call.timeout != math.inf:
            self._seq += 1
            heapq.heappush(self._deadlines, (time.monotonic() + call.timeout, self._seq, ref, call))

    def wake(self, ref: str, payload: Any = None) -> None:
        """Post a completion from any thread (used by the JVM's wake thread)."""
        self._completions.put((ref, payload))

    def request_stop(self, grace: float) -> None:
        """Stop taking inputs; accepted inputs may finish within ``grace`` seconds. Safe from any thread."""
        deadline = time.monotonic() + max(0.0, grace)
        if self._stop_at is None or deadline < self._stop_at:
            self._stop_at = deadline
        self._completions.put((_STOP, None))

    # -- state ------------------------------------------------------------------------------------
    def store_for(self, key: Any) -> MemoryStore:
        """The key's memory store, for inspection between runs (see :meth:`KeyTable.store_for`)."""
        return self._keys.store_for(key)

    def forget(self, key: Any) -> None:
        """Empty the key's memory and drop its store when it is idle (see :meth:`KeyTable.forget`)."""
        self._keys.forget(key)

    def host_memory(self, memory_of: Callable[[Any], Any] | None) -> None:
        """While set, a key's memory store made on this thread is filled with ``memory_of(key)`` (a stored form).

        After the state's own loader, if any: a host that keeps each key's memory itself hands it in here.
        """
        keeper = self._keeper.load_key if self._keeper is not None else None
        if memory_of is None:
            self._keys.loader = keeper
            return

        def load(key: Any, store: MemoryStore) -> None:
            if keeper is not None:
                keeper(key, store)
            stored = memory_of(key)
            if stored is not None:
                store.load("short_term", stored)

        self._keys.loader = load

    @property
    def key_count(self) -> int:
        """Keys whose state is held: those with work or with short-term memory."""
        return len(self._keys)

    def close(self) -> None:
        """Stop the workers (they are daemon threads: a blocked call cannot hold the process's exit)."""
        self._pool.shutdown()

    # -- the loop -----------------------------------------------------------------------------------
    def run(self, inputs: Iterator[tuple[Any, Any]], window: int,
            on_output: Callable[[Any, Any], None], on_error: Callable[[ActionError], None],
            on_action: Callable[[ActionRecord], None] | None, on_input_done: Callable[[KeyWork], None],
            live: bool = False, source: str | None = None) -> bool:
        """Process every input; returns when all runs ended (False) or a stop's grace period ran out (True).

        Under a state store, keys whose runs an earlier process left unfinished go first (their interrupted
        actions re-run with their durable calls replayed), inputs are recorded as read (``source`` names where
        they come from, so a restart can skip them), and the run also returns when every unfinished key waits
        for outside input.

        Whatever happens (an exception from an iterator or a callback, a stop), no queued input, suspended
        action or half-written memory is left behind for the next run.
        """
        self._on_output, self._on_error, self._on_action = on_output, on_error, on_action
        self._on_input_done = on_input_done
        self._stop_at = None
        self.not_started = 0
        slots = threading.Semaphore(window) if live else None
        self._slots = slots
        if live:
            self._start_reader(inputs, slots)  # type: ignore[arg-type]
        self._pending = 0  # inputs accepted and not finished
        exhausted = stopped = False
        completions_empty = self._completions.empty
        keeper = self._keeper
        try:
            if keeper is not None:
                keeper.begin(source, on_output)
                for ks, pending in keeper.recover(self._keys):
                    self._pending += pending
                    self._ready.append(ks)
            while True:
                if keeper is not None and keeper.due():
                    keeper.tend()
                if self._stop_at is not None:
                    exhausted = stopped = True
                    if self._pending == 0 or time.monotonic() >= self._stop_at:
                        self._flush_state()
                        return True
                if self._ready:
                    self._step(self._ready.popleft())
                    if not completions_empty() and self._drain(block=False):
                        exhausted = True
                elif not exhausted and not live and self._pending < window:
                    # Nothing is ready: read up to the window (a file or a list does not block; a live source is
                    # read by a thread instead); keys with several queued inputs run them in one step each.
                    got = 0
                    for key, payload in islice(inputs, window - self._pending):
                        self._accept(key, payload)
                        got += 1
                    exhausted = got == 0
                elif exhausted and (self._pending == 0 or self._pending == self._parked_inputs()):
                    self._flush_state()
                    return stopped
                else:
                    exhausted = self._drain(block=True) or exhausted
                    if keeper is not None:
                        keeper.next_stop_poll = 0.0  # it was idle: see stop requests made meanwhile before acting
        finally:
            if keeper is not None:
                keeper.end()
            self._reset()

    def _accept(self, key: Any, payload: Any) -> None:
        ks, new = self._keys.work_for(key)
        if self._keeper is not None:
            payload = self._keeper.take(ks, key, payload)
            if payload is None:  # in error, stopped or waiting: the input queues in the state
                if new:
                    self._keys.idle(ks)
                return
        if new:
            self._ready.append(ks)
        ks.inputs.append(payload)
        self._pending += 1

    # -- the state store ----------------------------------------------------------------------------
    def _flush_state(self) -> None:
        if self._keeper is not None:
            self._keeper.flush()

    def stop_key(self, skid: str) -> None:
        """Stop a key (between or during runs): it stops before its next action."""
        if self._keeper is not None:
            self._keeper.stop(skid)

    def release_key(self, skid: str) -> None:
        """A retried or resumed key runs again: its inputs are taken up by the next run's recovery."""
        if self._keeper is not None:
            self._keeper.release(skid)

    def _park(self, ref: str, ks: KeyWork, name: str, index: int, digest: str) -> None:
        """The running action waits for outside input: its key waits; other keys go on."""
        self._parked[ref] = ks
        self._keeper.park(ks, name, index, digest)  # type: ignore[union-attr]

    def _parked_inputs(self) -> int:
        """Inputs of keys that wait for outside input: a run does not wait for them."""
        return sum(1 + len(ks.inputs) for ks in self._parked.values())

    def _start_reader(self, inputs: Iterator[tuple[Any, Any]], slots: threading.Semaphore) -> None:
        """Read a live source on a daemon thread; at most ``window`` read inputs are unfinished at a time."""
        post = self._completions.put
        self._run_id += 1
        run = self._run_id

        def read() -> None:
            try:
                while True:
                    slots.acquire()
                    try:
                        item = next(inputs)
                    except StopIteration:
                        break
                    post((_INPUT, (run, item)))
            except BaseException as exc:  # noqa: BLE001 - re-raised on the scheduler thread
                post((_INPUT, (run, _Raised(exc))))
                return
            post((_INPUT, (run, _END)))

        threading.Thread(target=read, name="bridge-input", daemon=True).start()

    def _wait_time(self) -> float | None:
        """How long a blocking wait may last: to the next call or stop deadline (None: no limit)."""
        limit = self._stop_at
        if self._deadlines and (limit is None or self._deadlines[0][0] < limit):
            limit = self._deadlines[0][0]
        return None if limit is None else max(0.0, limit - time.monotonic())

    def _drain(self, block: bool) -> bool:
        """Handle queued completions and inputs; True when a live source reported its end.

        With ``block``, wait for the first item, at most until the next call or stop deadline.
        """
        ended = False
        try:
            if not block:
                item = self._completions.get_nowait()
            elif self._keeper is not None and self._keeper.dirty():
                # Work to record: a wake-up that comes within a moment joins this group commit; else flush first.
                try:
                    item = self._completions.get(timeout=_LINGER)
                except queue.Empty:
                    self._flush_state()
                    item = self._completions.get(timeout=self._wait_time())
            else:
                item = self._completions.get(timeout=self._wait_time())
        except queue.Empty:
            self._expire()
            return ended
        while True:
            ref, payload = item
            if ref is _INPUT:
                run, payload = payload
                if run != self._run_id or self._slots is None:
                    pass  # read for a run that has ended
                elif payload is _END:
                    ended = True
                elif isinstance(payload, _Raised):
                    raise payload.exc
                else:
                    self._accept(*payload)
            elif ref is not _STOP:
                self._complete(ref, payload)
            try:
                item = self._completions.get_nowait()
            except queue.Empty:
                break
        self._expire()
        return ended

    def _complete(self, ref: str, payload: Any) -> None:
        if type(payload) is tuple:  # a durable call's (call id, result)
            token = (ref, payload[0])
            if self._calls.pop(token, None) is None:  # timed out already, or left from an earlier run: dropped
                return
            if self._call_logs:
                logged = self._call_logs.pop(token, None)
                if logged is not None:  # recorded as the scheduler takes it, before the action goes on (on this
                    # thread: a worker that wrote it would give up the interpreter for the write and then wait a
                    # switch interval to get it back, holding the call's completion meanwhile)
                    payload = (payload[0], logged[0].settle(logged[1], payload[1]))
        ks = self._waiting.pop(ref, None)
        if ks is not None:
            self._current = ks
            self._settle(ks, self.executor.resume(ref, payload))
        elif self.executor.holds(ref):  # woken before its suspension was settled: keep it for then
            self._early.setdefault(ref, []).append(payload)

    def _expire(self) -> None:
        """Fail durable calls past their timeout; the action gets a CallTimeoutError it may catch."""
        deadlines = self._deadlines
        now = time.monotonic()
        while deadlines and deadlines[0][0] <= now:
            _, _, ref, call = heapq.heappop(deadlines)
            job = self._calls.get((ref, call.call_id))
            if job is not None:
                job.abandon()  # its thread stays busy; the pool lends a replacement
                error: BaseException = call.timed_out()
                logged = self._call_logs.pop((ref, call.call_id), None)
                if logged is not None:  # recorded as the action sees it; the call's late outcome is then ignored
                    error = logged[0].settle(logged[1], CallResult(call.call_id, error=error)).error  # type: ignore[assignment]
                self._complete(ref, (call.call_id, CallResult(call.call_id, error=error)))

    def _step(self, ks: KeyWork) -> None:
        """Advance one key by one action."""
        if self._keeper is not None and ks.skid in self._keeper.stopping:  # asked to stop: no further action
            self._stop_key(ks)
            return
        while not ks.todo:
            if ks.events:  # (an output was handed on when the action that sent it finished)
                event = ks.events.popleft()
                names = self._router.actions_for(event)
                if len(names) == 1:  # the common case, without a generator
                    ks.todo.append((names[0], event))
                else:
                    ks.todo.extend([(name, event) for name in names])
                continue
            if ks.in_run:  # no events and no actions left: this input's run is over
                ks.store.clear_sensory()
                ks.in_run = False
                self._pending -= 1
                if self._slots is not None:
                    self._slots.release()
                if self._keeper is not None:
                    self._keeper.input_ended(ks)
                self._on_input_done(ks)
            if ks.inputs and self._stop_at is None:
                item = ks.inputs.popleft()
                if type(item) is InputRecord:
                    ks.seq, ks.source = item.seq, item.source
                    ks.events.append(InputEvent(item.payload, id=item.event_id))
                else:
                    ks.events.append(InputEvent(item))
                ks.in_run = True
                ks.steps = 0
                continue
            self._idle(ks)
            return
        name, event = ks.todo.popleft()
        ks.steps += 1
        if ks.steps > self._max_steps:
            self._fail(ks, name, event, StepLimitError(self._max_steps, event.type), "")
            self._ready.append(ks)
            return
        ctx = self._make_context(ks.key, ks.store, name)
        ks.running, ks.running_action = ctx, (name, event)
        if self._keeper is not None:
            ctx.log = self._keeper.call_log(ks, name)
        ks.store.begin()
        self._current = ks
        self._settle(ks, self.executor.start(name, event, ctx))

    def _stop_key(self, ks: KeyWork) -> None:
        """A stop someone asked for: the key's run ends before its next action; its inputs stay queued."""
        dropped = len(ks.inputs) + (1 if ks.in_run else 0)
        self._pending -= dropped
        if self._slots is not None:
            for _ in range(dropped):
                self._slots.release()
        ks.inputs.clear()
        ks.events.clear()
        ks.todo.clear()
        ks.store.clear_sensory()
        ks.in_run = False
        self._keeper.stopped(ks)  # type: ignore[union-attr]
        self._keys.idle(ks)

    def _idle(self, ks: KeyWork) -> None:
        """The key has no work left: keep only its memory, and nothing at all when that is empty."""
        if ks.inputs:  # stopping: inputs not started are dropped with the run, and counted
            self._pending -= len(ks.inputs)
            self.not_started += len(ks.inputs)
            ks.inputs.clear()
        self._keys.idle(ks)

    def _settle(self, ks: KeyWork, state: ActionState) -> None:
        """Act on an action's state: wait for a wake-up, or commit its effects, or roll them back."""
        while state.status == "suspended":
            assert state.ref is not None
            if state.wait is not None:  # a foreign action waits for outside input
                keeper = self._keeper
                if keeper is not None and not keeper.state.keeps_runs:  # nothing could hand it in: it fails
                    self.executor.forget(state.ref)
                    state = ActionState("failed", error=no_waiting(ks.running_action[0], keeper.state))  # type: ignore[index]
                    break
                self._park(state.ref, ks, state.wait["name"], state.wait["index"], "-")
                self._waiting[state.ref] = ks
                return
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
        ctx.close()
        if state.status == "done" and ctx.log is not None and ctx.log.divergence is not None:
            state = ActionState("failed", error=ctx.log.divergence)  # strict: the action swallowed it, still failed
        if state.status == "done":
            try:
                sent = self._foreign_effects(ks.store, ctx, state) if state.updates or state.events else ctx.sent
            except Exception as exc:  # a bad update or event from another language: the action failed
                state = ActionState("failed", error=exc)
            else:
                updates = ks.store.commit()
                ks.events.extend(sent)
                outputs = [e.output for e in sent if isinstance(e, OutputEvent)]
                if self._keeper is not None:  # handed on once recorded (at the group commit)
                    self._keeper.commit(ks, name, event, updates, sent, outputs)
                else:
                    for output in outputs:  # handed on once the action's effects are kept, in the order sent
                        self._on_output(ks.key, output)
                if self._on_action is not None:
                    self._on_action(ActionRecord(ks.key, name, event.type, updates, list(sent)))
                self._ready.append(ks)
                return
        assert state.error is not None
        self._fail(ks, name, event, state.error, state.details)
        self._ready.append(ks)

    @staticmethod
    def _foreign_effects(store: MemoryStore, ctx: HostRunnerContext, state: ActionState) -> list[Event]:
        """Apply a Java action's update log and read its events, under the rules Python writes obey."""
        if state.updates:
            store.apply(state.updates)
        sent = list(ctx.sent)
        for data in state.events or ():
            event = Event.from_dict(data)
            check_portable(event.attributes, f"event '{event.type}' attribute")
            sent.append(event)
        return sent

    def _fail(self, ks: KeyWork, name: str, event: Event, error: BaseException, details: str) -> None:
        """Fail the input's run: the action's writes are rolled back, nothing it sent is delivered."""
        ks.store.rollback()
        ks.events.clear()
        ks.todo.clear()
        if self._keeper is not None:  # the key waits in error, its later inputs queued, until a retry
            held = self._keeper.input_failed(ks, name, event, error, details)
            self._pending -= held
            if self._slots is not None:
                for _ in range(held):
                    self._slots.release()
        self._on_error(ActionError(key=ks.key, action=name, event_type=event.type, cause=error, details=details))

    def _reset(self) -> None:
        """Drop every trace of the run's unfinished work; committed memory stays."""
        self._keys.reset()
        self._ready.clear()
        self._waiting.clear()
        self._parked.clear()
        self._current = None
        self._early.clear()
        for job in self._calls.values():
            job.abandon()
        self._calls.clear()
        self._call_logs.clear()
        self._deadlines.clear()
        self.executor.forget_all()
        self._slots = None
        self._stop_at = None
        while True:  # completions of abandoned calls would otherwise wake the next run
            try:
                self._completions.get_nowait()
            except queue.Empty:
                break
