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
import uuid
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
from bridge.runtime._durable import WAIT_FID, CallLog, reconcile
from bridge.runtime._executor import ActionExecutor, ActionState
from bridge.runtime._keys import KeyTable, KeyWork
from bridge.runtime._memory import MemoryStore, MemoryUpdate
from bridge.runtime._routing import Router
from bridge.runtime._workers import Job, WorkerPool
from bridge.store import Commit, InputRecord, StateStore, kid_of

_INPUT = "\0input"  # a ref no action has: the queue item carries an input from a live source
_STOP = "\0stop"  # wakes a blocked scheduler after request_stop()
_END: Any = object()
_STOP_POLL = 0.25  # seconds between looks at the state for keys someone asked to stop
_GROUP = 256  # finished actions per group commit while the scheduler never waits
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
        self._state = state
        self._strict = strict
        self._source: str | None = None
        self._new_inputs: list[tuple[Any, InputRecord]] = []
        self._held: set[str] = set()  # keys whose inputs queue without running: in error, stopped or waiting
        self._stopping: set[str] = set()  # keys asked to stop: they stop before their next action
        self._parked: dict[str, KeyWork] = {}  # keys waiting for outside input, by ref of the waiting action
        self._current: KeyWork | None = None  # the key whose action is being started or resumed
        self._next_stop_poll = 0.0
        self._unflushed = 0  # actions committed to the state's group-commit buffer, not yet flushed
        self._held_outputs: list[tuple[Any, Any]] = []  # their outputs, handed on at the flush
        self._completions: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._pool = WorkerPool(workers)
        self.executor = executor_factory(self._dispatch)
        self._make_context = make_context
        self._max_steps = max_steps
        self._keys = KeyTable()
        if state is not None:
            self._keys.loader = self._load_key
        self._ready: deque[KeyWork] = deque()
        self._waiting: dict[str, KeyWork] = {}
        self._early: dict[str, list[Any]] = {}
        self._calls: dict[tuple[str, str], Job] = {}  # durable calls in flight by (ref, call id)
        self._call_logs: dict[tuple[str, str], CallLog] = {}  # and the logs that record them, under a state
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
                self._park(ref, call)
                return
            running = self._current.running if self._current is not None else None
            log = running.log if running is not None else None
            if log is not None:
                self._call_logs[(ref, call.call_id)] = log
        else:
            log = None

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
            if log is not None:  # recorded here, as soon as it ended: a crash must not lose a finished call
                value, error = log.finish(call, value, error)
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
            on_action: Callable[[ActionRecord], None] | None, on_input_done: Callable[[], None],
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
        self._source = source
        exhausted = stopped = False
        completions_empty = self._completions.empty
        state = self._state
        try:
            if state is not None:
                state.batch(True)
                self._recover(state)
            while True:
                if state is not None:
                    if self._new_inputs:
                        self._flush_inputs()
                    if self._unflushed >= _GROUP:
                        self._flush_state()
                    if time.monotonic() >= self._next_stop_poll:
                        self._poll_stops(state)
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
                    self._next_stop_poll = 0.0  # it was idle: see stop requests made meanwhile before acting
        finally:
            if state is not None:
                self._held_outputs.clear()  # recorded: a rebuilt output file has them
                state.batch(False)
            self._reset()

    def _accept(self, key: Any, payload: Any) -> None:
        ks, new = self._keys.work_for(key)
        if self._state is not None:
            if ks.skid is None:
                ks.skid = kid_of(key)
            record = InputRecord(ks.skid, self._state.next_seq, str(uuid.uuid4()), payload, source=self._source)
            self._state.next_seq += 1
            self._new_inputs.append((key, record))
            if ks.skid in self._held:  # in error, stopped or waiting: the input queues in the state
                if new:
                    self._keys.idle(ks)
                return
            payload = record
        if new:
            self._ready.append(ks)
        ks.inputs.append(payload)
        self._pending += 1

    # -- the state store ----------------------------------------------------------------------------
    def _load_key(self, key: Any, store: MemoryStore) -> None:
        """A key's memory store was made in this process: fill it from the state, and learn if the key is held."""
        assert self._state is not None
        record = self._state.get(kid_of(key))
        if record is not None:
            store.load("short_term", record.memory)
            if record.status in ("error", "stopped", "waiting"):
                self._held.add(record.kid)

    def _flush_state(self) -> None:
        """Group commit: record what finished since the last one, then hand its outputs on."""
        if self._state is None:
            return
        self._state.flush()
        self._unflushed = 0
        outputs, self._held_outputs = self._held_outputs, []
        for key, output in outputs:
            self._on_output(key, output)

    def _flush_inputs(self) -> None:
        """Record the inputs just read, at once: their calls' records refer to them, and a restart skips them.

        What the group commit holds goes first, so a key's rows change in the order the run changed them.
        """
        self._flush_state()
        rows, self._new_inputs = self._new_inputs, []
        self._state.add_inputs(rows, self._source)  # type: ignore[union-attr]

    def _recover(self, state: StateStore) -> None:
        """Take up the keys an earlier process left unfinished, from their last finished action."""
        for record in state.unfinished():
            if record.status != "running" or record.stop:
                self._held.add(record.kid)
                continue
            ks, new = self._keys.work_for(record.key)
            if not new:
                continue
            ks.skid = record.kid
            # Any of its inputs may have run in the dead process (a group commit lost): their actions replay.
            ks.replay = max([q.seq for q in record.queued] + [record.run["seq"] if record.run else -1])
            run = record.run
            if run is not None:
                ks.seq, ks.steps, ks.in_run = run["seq"], run["steps"], True
                ks.events.extend(Event.from_dict(e) for e in run["events"])
                ks.todo.extend((name, Event.from_dict(e)) for name, e in run["todo"])
                ks.store.load("sensory", run.get("sensory"))
                self._pending += 1
            for queued in record.queued:
                if run is None or queued.seq != run["seq"]:
                    ks.inputs.append(queued)
                    self._pending += 1
                else:
                    ks.source = queued.source
            self._ready.append(ks)

    def _poll_stops(self, state: StateStore) -> None:
        """Honour ``bridge runs stop`` from another process: a key stops before its next action."""
        self._next_stop_poll = time.monotonic() + _STOP_POLL
        for skid in state.stop_requested():
            state.set_status(skid, "stopped")
            self._held.add(skid)
            self._stopping.add(skid)

    def stop_key(self, skid: str) -> None:
        """Stop a key (from the scheduler's thread, between or during runs): see :meth:`_poll_stops`."""
        self._held.add(skid)
        self._stopping.add(skid)

    def release_key(self, skid: str) -> None:
        """A retried or resumed key runs again: its inputs are taken up by the next run's recovery."""
        self._held.discard(skid)
        self._stopping.discard(skid)

    def _park(self, ref: str, call: PendingCall) -> None:
        """The running action waits for outside input: its key waits; other keys go on."""
        ks = self._current
        assert ks is not None and ks.running is not None
        self._calls[(ref, call.call_id)] = _SETTLED
        self._park_key(ks, ref, call.args[0], call.index, call.digest)  # type: ignore[arg-type]

    def _park_key(self, ks: KeyWork, ref: str, name: str, index: int, digest: str) -> None:
        """Record that the key waits for outside input ``name`` (the action's durable call ``index``)."""
        assert self._state is not None and ks.running_action is not None
        self._parked[ref] = ks
        self._held.add(ks.skid)  # type: ignore[arg-type]
        self._flush_state()
        self._state.set_wait(ks.skid, {"name": name, "action": ks.running_action[0], "seq": ks.seq,  # type: ignore[arg-type]
                                       "step": ks.steps, "index": index, "digest": digest}, "waiting")

    def _parked_inputs(self) -> int:
        """Inputs of keys that wait for outside input: a run does not wait for them."""
        return sum(1 + len(ks.inputs) for ks in self._parked.values())

    def _persist(self, ks: KeyWork, name: str, event: Event, updates: list[Any], sent: list[Event],
                 outputs: list[Any]) -> None:
        """Commit a finished action and the key's run state after it, in one transaction."""
        # The input's run ends with this action when nothing is left to do and what it sent triggers nothing (the
        # common last action): then the same transaction finishes the input.
        done = not ks.todo and all(map(self._router.triggers_nothing, ks.events))
        run = None if done else {
            "seq": ks.seq, "steps": ks.steps, "events": [e.to_dict() for e in ks.events],
            "todo": [[n, e.to_dict()] for n, e in ks.todo], "sensory": ks.store.dump("sensory")}
        self._state.commit(Commit(  # type: ignore[union-attr]
            kid=ks.skid, key=ks.key, seq=ks.seq, step=ks.steps, action=name, event=event.to_dict(),  # type: ignore[arg-type]
            updates=[list(u) for u in updates], sent=[e.to_dict() for e in sent], memory=ks.store.dump("short_term"),
            run=run, outputs=outputs, source=ks.source, status="done" if done and not ks.inputs else "running"))
        if done:
            ks.seq = -1  # finished: the end of the run has nothing more to record
        self._unflushed += 1

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
            elif self._unflushed or self._held_outputs or (self._state is not None and self._state.pending):
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
                self._call_logs.pop(token, None)
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
                log = self._call_logs.get((ref, call.call_id))
                if log is not None:  # recorded as the action sees it; the call's late outcome is then ignored
                    _, error = log.finish(call, None, error)  # type: ignore[assignment]
                self._complete(ref, (call.call_id, CallResult(call.call_id, error=error)))

    def _step(self, ks: KeyWork) -> None:
        """Advance one key by one action."""
        if self._stopping and ks.skid in self._stopping:  # asked to stop: no further action for this key
            self._stop_key(ks)
            return
        while not ks.todo:
            if ks.events:  # (an output was handed on when the action that sent it finished)
                event = ks.events.popleft()
                ks.todo.extend((name, event) for name in self._router.actions_for(event))
                continue
            if ks.in_run:  # no events and no actions left: this input's run is over
                ks.store.clear_sensory()
                ks.in_run = False
                self._pending -= 1
                if self._slots is not None:
                    self._slots.release()
                if self._state is not None and ks.seq >= 0:
                    self._state.finish_input(ks.skid, ks.seq, "running" if ks.inputs else "done")  # type: ignore[arg-type]
                self._on_input_done()
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
        if self._state is not None:
            ctx.log = CallLog(self._state, ks.skid, ks.seq, ks.steps, ks.key, name, self._strict,  # type: ignore[arg-type]
                              ks.seq <= ks.replay)
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
        self._stopping.discard(ks.skid)  # type: ignore[arg-type]
        self._held.add(ks.skid)  # type: ignore[arg-type]
        self._state.set_status(ks.skid, "stopped")  # type: ignore[union-attr,arg-type]
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
                self._park_key(ks, state.ref, state.wait["name"], state.wait["index"], "-")
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
                if self._state is not None:  # handed on once recorded (see _flush_state)
                    self._persist(ks, name, event, updates, sent, outputs)
                    self._held_outputs.extend((ks.key, output) for output in outputs)
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
        if self._state is not None:  # the key waits in error, its later inputs queued, until a retry
            self._state.finish_input(ks.skid, ks.seq, "error", {  # type: ignore[arg-type]
                "action": name, "event_type": event.type, "message": f"{type(error).__name__}: {error}",
                "details": details})
            ks.seq = -1
            self._held.add(ks.skid)  # type: ignore[arg-type]
            self._pending -= len(ks.inputs)
            if self._slots is not None:
                for _ in range(len(ks.inputs)):
                    self._slots.release()
            ks.inputs.clear()
        self._on_error(ActionError(key=ks.key, action=name, event_type=event.type, cause=error, details=details))

    def _reset(self) -> None:
        """Drop every trace of the run's unfinished work; committed memory stays."""
        self._keys.reset()
        self._ready.clear()
        self._waiting.clear()
        self._parked.clear()
        self._new_inputs.clear()
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
