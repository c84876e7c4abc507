"""What the scheduler keeps in a state store: inputs taken, finished actions, waits, stops, and recovery.

The scheduler decides what runs when; a :class:`StateKeeper` records it so that a later process can go on:
it numbers and records each input taken, turns a finished action into one :class:`~bridge.store.Commit` of the
group commit and hands its outputs on once the group is written, parks a key that waits for outside input,
notes keys someone asked to stop, and rebuilds a key's queues from its last finished action after a restart.
It runs on the scheduler's thread only (call outcomes are recorded by :mod:`bridge.runtime._durable`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from typing import Any

from bridge.api._events import Event, random_id
from bridge.runtime._durable import CallLog
from bridge.runtime._keys import KeyTable, KeyWork
from bridge.runtime._memory import MemoryStore
from bridge.runtime._routing import Router
from bridge.store import Commit, InputRecord, KeyRecord, StateStore, kid_of

STOP_POLL = 0.25  # seconds between looks at the state for keys someone asked to stop
GROUP = 256  # finished actions per group commit while the scheduler never waits


class StateKeeper:
    """The scheduler's bookkeeping in one state store; see the module docstring."""

    def __init__(self, state: StateStore, router: Router, strict: bool) -> None:
        self.state = state
        self._router = router
        self._strict = strict
        self._keeps_runs = state.keeps_runs  # False: a host keeps runs itself, only calls are recorded here
        self.source: str | None = None
        self.on_output: Callable[[Any, Any], None] = lambda key, output: None
        self.held: set[str] = set()  # keys whose inputs queue without running: in error, stopped or waiting
        self.stopping: set[str] = set()  # keys asked to stop: they stop before their next action
        self.next_stop_poll = 0.0
        self.unflushed = 0  # actions committed to the group-commit buffer, not yet flushed
        self._new_inputs: list[tuple[Any, InputRecord]] = []
        self._outputs: list[tuple[Any, Any]] = []  # outputs of those actions, handed on at the flush
        # An input's event id: a random UUID's first 24 characters, fresh per process, and the input's sequence
        # number (unique in the state) as its last 12 hex digits: unique, and a quarter of a random id's cost.
        self._id_prefix = random_id()[:24]

    # -- a run's start and end ----------------------------------------------------------------------
    def begin(self, source: str | None, on_output: Callable[[Any, Any], None]) -> None:
        self.source, self.on_output = source, on_output
        self.state.batch(True)

    def end(self) -> None:
        """The run ended (or raised): write what it finished; outputs not handed on stay recorded."""
        self._outputs.clear()
        self._new_inputs.clear()
        self.state.batch(False)

    def due(self) -> bool:
        """Whether there is bookkeeping to do before the next step."""
        return bool(self._new_inputs) or self.unflushed >= GROUP or time.monotonic() >= self.next_stop_poll

    def tend(self) -> None:
        """Record the inputs just read, flush a full group, look for stop requests: what ``due`` asked for."""
        if self._new_inputs:
            self.flush_inputs()
        if self.unflushed >= GROUP:
            self.flush()
        if time.monotonic() >= self.next_stop_poll:
            self.poll_stops()

    def dirty(self) -> bool:
        """Whether a flush has something to write or hand on."""
        return bool(self.unflushed or self._outputs or self.state.pending)

    # -- inputs -------------------------------------------------------------------------------------
    def take(self, ks: KeyWork, key: Any, payload: Any) -> InputRecord | None:
        """Number and record an input (recorded at the next ``tend``); None when its key holds its inputs."""
        skid = ks.skid
        if skid is None:
            skid = ks.skid = kid_of(key)
        state = self.state  # take_input's body: this runs once per input
        seq = state.next_seq
        record = InputRecord(skid, seq, f"{self._id_prefix}{seq:012x}", payload, "queued", self.source)
        state.next_seq = seq + 1
        self._new_inputs.append((key, record))
        return None if skid in self.held else record

    def take_input(self, skid: str, key: Any, payload: Any) -> InputRecord:
        """Number an input of the key ``skid`` and keep it for the next ``tend`` (any scheduler's keys)."""
        seq = self.state.next_seq
        record = InputRecord(skid, seq, f"{self._id_prefix}{seq:012x}", payload, source=self.source)
        self.state.next_seq = seq + 1
        self._new_inputs.append((key, record))
        return record

    def flush_inputs(self) -> None:
        """Record the inputs just read, at once: their calls' records refer to them, and a restart skips them.

        What the group commit holds goes first, so a key's rows change in the order the run changed them.
        """
        self.flush()
        rows, self._new_inputs = self._new_inputs, []
        self.state.add_inputs(rows, self.source)

    def load_key(self, key: Any, store: MemoryStore) -> None:
        """A key's memory store was made in this process: fill it from the state, and learn if the key is held."""
        record = self.known_key(kid_of(key))
        if record is not None:
            store.load("short_term", record.memory)

    def known_key(self, skid: str) -> KeyRecord | None:
        """What the state holds of a key this process has not seen yet; a key in error, stopped or waiting is held."""
        record = self.state.get(skid)
        if record is not None and record.status in ("error", "stopped", "waiting"):
            self.held.add(record.kid)
        return record

    # -- actions ------------------------------------------------------------------------------------
    def call_log(self, ks: KeyWork, action: str) -> CallLog:
        """The durable calls of the action starting now: replayed when its input may have run before."""
        seq = ks.seq  # log_for's body: this runs once per action
        return CallLog(self.state, ks.skid, seq, ks.steps, ks.key, action, self._strict,  # type: ignore[arg-type]
                       seq <= ks.replay or not self._keeps_runs)

    def log_for(self, skid: str, seq: int, step: int, key: Any, action: str, replay: bool) -> CallLog:
        """The call log of action step ``step`` of input ``seq`` (``replay``: an earlier attempt may have recorded)."""
        return CallLog(self.state, skid, seq, step, key, action, self._strict, replay)

    def commit(self, ks: KeyWork, name: str, event: Event, updates: list[Any], sent: list[Event],
               outputs: list[Any]) -> None:
        """A finished action and the key's run state after it go into the group; its outputs follow the flush."""
        # The input's run ends with this action when nothing is left to do and what it sent triggers nothing (the
        # common last action): then the same commit finishes the input.
        done = self.ends_run(bool(ks.todo), ks.events)
        if not self._keeps_runs:  # the host keeps runs: outputs go now, the store hears only of inputs ending
            for output in outputs:
                self.on_output(ks.key, output)
            if done:
                self.state.finish_input(ks.skid, ks.seq, "done")  # type: ignore[arg-type]
                ks.seq = -1
            return
        run = None if done else run_state(ks.seq, ks.steps, [e.to_dict() for e in ks.events],
                                          [[n, e.to_dict()] for n, e in ks.todo], ks.store.dump("sensory"))
        self.keep(Commit(ks.skid, ks.key, ks.seq, ks.steps, name, event.to_dict(),  # type: ignore[arg-type]
                         [list(u) for u in updates], [e.to_dict() for e in sent], ks.store.committed,
                         run, outputs, ks.source, "done" if done and not ks.inputs else "running"))
        if done:
            ks.seq = -1  # finished: the end of the run has nothing more to record

    def ends_run(self, todo: bool, events: Collection[Event]) -> bool:
        """Whether the input's run ends with the action just finished.

        It does when no action is left (``todo`` says whether one is) and the events it left trigger nothing (the
        common last action).
        """
        return not todo and self._router.trigger_nothing(events)

    def keep(self, commit: Commit) -> None:
        """A finished action into the group commit (any scheduler's); its outputs are handed on at the flush."""
        self.state.commit(commit)
        self.unflushed += 1
        for output in commit.outputs:  # most actions send none or one: no generator made for them
            self._outputs.append((commit.key, output))

    def flush(self) -> None:
        """Group commit: record what finished since the last one, then hand its outputs on."""
        self.state.flush()
        self.unflushed = 0
        outputs, self._outputs = self._outputs, []
        for key, output in outputs:
            self.on_output(key, output)

    def input_ended(self, ks: KeyWork) -> None:
        """The input's run ended after its last commit (what that commit sent triggered more actions)."""
        if ks.seq >= 0:
            self.end_input(ks.skid, ks.seq, bool(ks.inputs))  # type: ignore[arg-type]

    def end_input(self, skid: str, seq: int, more: bool) -> None:
        """Input ``seq`` of the key finished; the key runs on when it has ``more`` inputs, else it is done."""
        self.state.finish_input(skid, seq, "running" if more else "done")

    def input_failed(self, ks: KeyWork, name: str, event: Event, error: BaseException, details: str) -> int:
        """The key waits in error, its later inputs queued in the state, until a retry; how many it held."""
        if not self._keeps_runs:  # the host reports it; the key goes on with its next input, as without a store
            self.state.finish_input(ks.skid, ks.seq, "error")  # type: ignore[arg-type]
            ks.seq = -1
            return 0
        self.fail_input(ks.skid, ks.seq, name, event.type, f"{type(error).__name__}: {error}", details)  # type: ignore[arg-type]
        ks.seq = -1
        held = len(ks.inputs)
        ks.inputs.clear()
        return held

    def fail_input(self, skid: str, seq: int, action: str, event_type: str, message: str, details: str) -> None:
        """Input ``seq`` failed in ``action`` (``message``: ``<type>: <message>``): the key is held in error."""
        self.state.finish_input(skid, seq, "error", {"action": action, "event_type": event_type, "message": message,
                                                     "details": details})
        self.held.add(skid)

    # -- waits and stops ----------------------------------------------------------------------------
    def park(self, ks: KeyWork, name: str, index: int, digest: str) -> None:
        """Record that the key waits for outside input ``name`` (the running action's durable call ``index``)."""
        assert ks.running_action is not None
        self.park_key(ks.skid, ks.running_action[0], ks.seq, ks.steps, name, index, digest)  # type: ignore[arg-type]

    def park_key(self, skid: str, action: str, seq: int, step: int, name: str, index: int, digest: str) -> None:
        """:meth:`park` for any scheduler's key: ``action`` (step ``step`` of input ``seq``) waits for ``name``."""
        self.held.add(skid)
        self.flush()
        self.state.set_wait(skid, {"name": name, "action": action, "seq": seq, "step": step, "index": index,
                                   "digest": digest}, "waiting")

    def poll_stops(self) -> None:
        """Honour ``bridge runs stop`` from another process: a key stops before its next action."""
        self.next_stop_poll = time.monotonic() + STOP_POLL
        for skid in self.state.stop_requested():
            self.state.set_status(skid, "stopped")
            self.stop(skid)

    def stop(self, skid: str) -> None:
        self.held.add(skid)
        self.stopping.add(skid)

    def stopped(self, ks: KeyWork) -> None:
        """The scheduler stopped the key before its next action."""
        self.stopped_key(ks.skid)  # type: ignore[arg-type]

    def stopped_key(self, skid: str) -> None:
        """:meth:`stopped` for any scheduler's key."""
        self.stopping.discard(skid)
        self.held.add(skid)
        self.state.set_status(skid, "stopped")

    def release(self, skid: str) -> None:
        """A retried or resumed key runs again: its inputs are taken up by the next run's recovery."""
        self.held.discard(skid)
        self.stopping.discard(skid)

    # -- recovery -----------------------------------------------------------------------------------
    def recover(self, keys: KeyTable) -> Iterator[tuple[KeyWork, int]]:
        """Yield the keys an earlier process left unfinished, rebuilt from their last finished action.

        Each comes with the number of its inputs not finished (the scheduler counts them as pending).
        """
        for record, replay in self.recoverable():
            ks, new = keys.work_for(record.key)
            if not new:
                continue
            ks.skid = record.kid
            run = record.run
            ks.replay = replay
            pending = 0
            if run is not None:
                ks.seq, ks.steps, ks.in_run = run["seq"], run["steps"], True
                ks.events.extend(Event.from_dict(e) for e in run["events"])
                ks.todo.extend((name, Event.from_dict(e)) for name, e in run["todo"])
                ks.store.load("sensory", run.get("sensory"))
                pending += 1
            for queued in record.queued:
                if run is None or queued.seq != run["seq"]:
                    ks.inputs.append(queued)
                    pending += 1
                else:
                    ks.source = queued.source
            yield ks, pending

    def recoverable(self) -> Iterator[tuple[KeyRecord, int]]:
        """The keys to take up (running, not asked to stop), each with the last of its inputs whose actions replay.

        Any of its inputs may have run in the dead process (a group commit lost): their actions look for recorded
        calls. The other unfinished keys (waiting, in error, stopped) are held.
        """
        for record in self.state.unfinished():
            if record.status != "running" or record.stop:
                self.held.add(record.kid)
                continue
            run = record.run
            yield record, max([q.seq for q in record.queued] + [run["seq"] if run else -1])


def run_state(seq: int, steps: int, events: list[dict[str, Any]], todo: list[list[Any]], sensory: Any
              ) -> dict[str, Any]:
    """The stored form of an input's run as of its last finished action (what recovery rebuilds a key from)."""
    return {"seq": seq, "steps": steps, "events": events, "todo": todo, "sensory": sensory}
