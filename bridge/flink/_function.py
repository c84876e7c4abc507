"""The keyed function a Flink job runs a plan with: bridge's Python host inside PyFlink's Python worker.

Process mode only: the function runs in the Python worker Flink starts beside each TaskManager slot, where
the plan's Java actions get their own JPype JVM (started with ``-Xrs``, so SIGTERM reaches the worker's
Python and Flink's own shutdown, never JPype's signal thread). Thread mode (CPython inside the TaskManager
through pemja) crashes with JPype and is not offered.

Each key's short-term memory and its input count live in Flink keyed state as JSON text (never pickle), so a
checkpoint holds them and a restore hands them back; they are written back in the same call that emits the
input's outputs, so a checkpoint barrier sees either the whole input (state and outputs) or none of it: a call
of the key (its next element, or its timer), while the inputs taken but not written back wait in the key's
state too (:mod:`bridge.flink._live`: the host's scheduler runs inside the operator, so keys do not wait for
each other). With a call store (``--state``) each input's durable calls are filed by the key, the input's
digest and its number among the key's inputs (its written-back count plus its place among the pending ones),
which a restore gives each input again, so their finished calls replay (:mod:`bridge.flink._store`).

Elements are JSONL input lines, ``{"key": ..., "input": ...}``, keyed by their key's JSON text in the
TaskManager's JVM (:func:`bridge.flink._job.key_lines`) at their input's parallelism, so each key's lines keep
their order.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from pyflink.common import Types
from pyflink.datastream import KeyedProcessFunction, OutputTag, RuntimeContext
from pyflink.datastream.state import ValueStateDescriptor
from pyflink.datastream.time_domain import TimeDomain

from bridge._jsonl import parse_line
from bridge.api._values import dumps, loads
from bridge.errors import InputError
from bridge.flink._live import LiveHost
from bridge.plan import AgentPlan

_OPENING = threading.Lock()
_POLL_MS = 20  # how soon a key's timer looks again for its finished inputs while some are under way
_END_OF_INPUT = 2**63 - 2  # an event-time timer the watermark at the end of a bounded input fires
_NONE: Any = object()  # no input of the key had finished

#: Failed events and the other problems a job reports: one JSON object per line (see :func:`error_record`).
ERRORS = OutputTag("bridge-errors", Types.STRING())


def error_record(error: Any) -> str:
    """One failed event as a line of the errors stream: ``{"error": ..., "details": ...}``."""
    return dumps({"error": str(error), "details": getattr(error, "details", "") or ""}).decode()


class PlanFunction(KeyedProcessFunction):
    """Runs each input line through one :class:`~bridge.runtime.Runtime` per worker, built in ``open()``.

    The function object is pickled into the job, so it carries only the plan as JSON and plain options; the
    runtime (and its JVM) exists only in the worker.

    The runtime's own scheduler runs inside the operator (see :class:`LiveHost`), so a key waiting on a durable
    call does not hold up the other keys of its slot, with or without a call store (``--state``).
    """

    def __init__(self, plan: AgentPlan, options: dict[str, Any] | None = None) -> None:
        self._plan_json = plan.to_json(indent=None)
        self._options = dict(options or {})
        self._runtime: Any = None
        self._calls: Any = None
        self._key_state: Any = None
        self._live: LiveHost | None = None
        self._under: dict[str, _Under] = {}
        self._polls: dict[str, int] = {}

    def open(self, runtime_context: RuntimeContext) -> None:  # noqa: D102 - Flink's lifecycle
        from bridge.flink._store import FlinkCallStore
        from bridge.runtime import Runtime

        plan = AgentPlan.from_data(loads(self._plan_json))
        options = dict(self._options)
        # Flink may open several subtasks of the job in one worker process at once, on threads of its own;
        # the first runtime that needs Java starts the process's one JVM, the others must find it started.
        state = options.pop("state", None)
        with _OPENING:
            # Without a store there is nothing to replay after a restore (the records would die with the worker),
            # so no call is recorded at all.
            self._calls = FlinkCallStore(state) if state is not None else None
            self._runtime = Runtime(plan, state=self._calls, **options)
        # One value per key: {"seq": inputs written back, "memory": the short-term memory's stored form, "pending":
        # the input records taken and not written back yet, oldest first}, as JSON text. One value, not one per
        # part: Flink's Python worker sends each state a key changed at each bundle's end, and a second state cost
        # two more requests (clear, append) per key and bundle.
        self._key_state = runtime_context.get_state(ValueStateDescriptor("bridge.key", Types.STRING()))
        self._live = LiveHost(self._runtime, options.get("window", 4096))
        _leave_without_waiting_for_java()
        # JPype runs a full collection of Python's garbage after collections of its JVM's, and a worker's heap holds
        # PyFlink, Beam and gRPC besides the plan: walking all of that took 13 % of a worker's time on the mixed
        # plan (2 % once frozen). What exists by now lives as long as the worker: the collector need not look again.
        gc.freeze()

    def process_element(self, value: str, ctx: KeyedProcessFunction.Context) -> Any:  # noqa: D102
        kid = ctx.get_current_key()
        try:
            key, input_value = parse_line(value.encode(), file="<stream>", number=0)
            if not kid:  # Java could not key a line Python reads (a lone surrogate, bytes in non-canonical base64)
                raise InputError("its key could not be read by the job's key selector (Jackson): write the line as "
                                 "plain JSON, bytes as canonical base64", file="<stream>", line=0)
        except InputError as exc:  # the same rule as bridge run: a bad line is reported and skipped
            yield ERRORS, error_record(exc)
            return
        yield from self._take_in(kid, key, value, input_value, ctx)

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Any:
        """Write back the key's finished inputs: its memory and input count to keyed state, its outputs downstream.

        In the key's context, so state and outputs of an input reach a checkpoint together. A timer of a key this
        worker has nothing under way for (after a restore) submits the key's pending inputs first. The end-of-input
        timer waits for the key's last input; the others come back later while the key has inputs under way.
        """
        if self._live is None:
            return
        kid = ctx.get_current_key()
        final = ctx.time_domain() == TimeDomain.EVENT_TIME
        if not final and self._polls.get(kid) == timestamp:
            del self._polls[kid]
        under = self._under.get(kid) or self._resume(kid, ctx)
        if under is None:
            return  # a stale timer of a key with nothing under way
        if (yield from self._write_back(under, wait=final)) is not _NONE:
            self._save(under)
        if not under.lines:
            del self._under[kid]  # the key's state has all of it now
        self._look_again(kid, under, ctx)

    # -- the live run (see bridge.flink._live) -------------------------------------------------------------
    def _take_in(self, kid: str, key: Any, line: str, input_value: Any, ctx: Any) -> Any:
        """One input line of the key: noted in its pending list, submitted to the live run.

        A key with inputs under way here needs no state read: the worker knows its pending lines, its input count
        and its memory's JSON text, and writes the key's value from them (pending lines are JSON records already:
        joined, not encoded again). Its inputs finished by now are written back in this call too (it is the key's
        context), so a key with a steady stream of lines seldom needs its timer.
        """
        under = self._under.get(kid)
        if under is None:
            under = self._resume(kid, ctx, line, input_value)
            assert under is not None  # it has the new line at least
        else:
            memory = yield from self._write_back(under, wait=False)
            # Once every input under way is written back, the worker holds nothing more of the key: the new input
            # starts from the memory just written.
            if self._calls is not None:  # the key's input number: those written back, then those under way
                self._calls.expect(under.rid, under.seq + len(under.lines), [input_value])
            under.lines.append(line)
            self._live.submit(under.rid, key, [input_value], None if memory is _NONE else memory)  # type: ignore[union-attr]
        self._save(under)
        self._look_again(kid, under, ctx)

    def _resume(self, kid: str, ctx: Any, line: str | None = None, input_value: Any = None) -> _Under | None:
        """Start a key that has nothing under way in this worker from its keyed state, plus ``line`` if given.

        Its pending lines (inputs an earlier worker took, after a restore) are submitted first, in order, from the
        memory and input count in its state. None when there is nothing to run.
        """
        kept = self._kept()
        earlier = kept.get("pending") or []
        if line is None and not earlier:
            return None
        # The runtime names a key by its value's JSON text as bridge writes it; the Flink key is Java's text of the
        # same value (1e20 is "1.0E20" there), so the two are told apart.
        key = loads(kid)
        under = self._under[kid] = _Under(dumps(key).decode(), kept["seq"], dumps(kept["memory"]).decode(),
                                          [dumps(record).decode() for record in earlier])
        inputs = [record["input"] for record in earlier]
        if line is not None:
            under.lines.append(line)
            inputs.append(input_value)
        if self._calls is not None:  # numbered from the key's inputs written back: after a restore, as before it
            self._calls.expect(under.rid, kept["seq"], inputs)
        self._live.submit(under.rid, key, inputs, kept["memory"])  # type: ignore[union-attr]
        # Fired by the end of a bounded input's watermark: the key's last inputs are written back then. Timers are
        # checkpointed with the state; registering it again each time the key starts here costs a message, not a
        # second timer (Flink keeps one per key and time).
        ctx.timer_service().register_event_time_timer(_END_OF_INPUT)
        return under

    def _write_back(self, under: _Under, *, wait: bool) -> Any:
        """Emit the key's finished inputs and write its input count and memory; with ``wait``, every input.

        Returns the memory after them (``_NONE`` when no input had finished); the caller writes the key's value.
        """
        live = self._live
        assert live is not None
        taken = 0
        memory = _NONE
        while True:
            for outputs, errors, after in live.take(under.rid, wait=wait and taken < len(under.lines)):
                taken += 1
                memory = after
                yield from _lines(outputs, errors)
            if not wait or taken >= len(under.lines):
                break
        if taken:
            under.seq += taken
            del under.lines[:taken]
            under.memory = dumps(memory).decode()
        return memory

    def _save(self, under: _Under) -> None:
        """Write the key's value from what the worker knows of it (see ``open``)."""
        self._key_state.update(f'{{"seq":{under.seq},"memory":{under.memory},"pending":[{",".join(under.lines)}]}}')

    def _look_again(self, kid: str, under: _Under, ctx: Any) -> None:
        """While the key has inputs under way, one timer of it looks again a moment later (not one per input)."""
        if under.lines and kid not in self._polls:
            timers = ctx.timer_service()
            self._polls[kid] = timers.current_processing_time() + _POLL_MS
            timers.register_processing_time_timer(self._polls[kid])

    def _kept(self) -> dict[str, Any]:
        saved = self._key_state.value()
        return loads(saved) if saved else {"seq": 0, "memory": None}

    def close(self) -> None:  # noqa: D102
        if self._live is not None:
            self._live.close()
            self._live = None
        if self._runtime is not None:
            with contextlib.suppress(Exception):
                self._runtime.close()
            self._runtime = None


@dataclass
class _Under:
    """A key with inputs under way in this worker: what its keyed value holds, known here without reading it.

    The key's name in the runtime (its JSON text as bridge writes it), its input count and memory (JSON text) as
    last written back, and its pending input lines (JSON records).
    """

    rid: str
    seq: int
    memory: str
    lines: list[str] = field(default_factory=list)


def _lines(outputs: Any, errors: Any) -> Any:
    for out_key, output in outputs:
        yield dumps({"key": out_key, "output": output}).decode()
    for error in errors:
        yield ERRORS, error_record(error)


_LEAVE_REGISTERED = False


def _leave_without_waiting_for_java() -> None:
    """Let the worker process end when Flink is done with it, whatever threads a Java action left behind.

    JPype's exit hook shuts the JVM down and waits for its non-daemon threads, so a worker whose plan left
    one running (a pool, a model loader) never exits and the job's process waits for it (the hang after the
    last output). This hook, registered after the JVM's, runs first at interpreter exit and ends the process
    once Python's own streams are flushed; Flink has taken every result by then.
    """
    global _LEAVE_REGISTERED
    if _LEAVE_REGISTERED:
        return
    _LEAVE_REGISTERED = True

    def leave() -> None:
        import sys

        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(0)

    atexit.register(leave)
