"""Runs end: step limits, call timeouts, stops, runs that raised, live sources, and idle keys held no longer.

Nothing here measures time: blocked calls wait on events the test controls (or never sets), with generous
timeouts that make a broken runtime fail the test instead of hanging it.
"""

import threading

import pytest

from bridge import Agent, Event, InputEvent, OutputEvent, Runtime, action
from bridge.errors import CallTimeoutError, StepLimitError

WAIT = 20.0
GATES: dict[str, threading.Event] = {}
STARTED: dict[str, threading.Event] = {}
RETURNED: dict[str, threading.Event] = {}


def blocked(gate: str) -> str:
    """Signal that the call started, then block until the test opens ``gate`` (at most WAIT s)."""
    STARTED[gate].set()
    opened = GATES[gate].wait(WAIT)
    RETURNED[gate].set()
    return f"passed {gate}" if opened else f"gate {gate} was never opened"


@pytest.fixture
def gate(request):
    """A gate named after the test, opened when the test ends so no worker stays blocked."""
    name = request.node.name
    GATES[name], STARTED[name], RETURNED[name] = threading.Event(), threading.Event(), threading.Event()
    yield name
    GATES[name].set()


# -- 6: a run that raised leaves nothing behind --------------------------------------------------------------
LOG: list = []


class Blocking(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        LOG.append((ctx.key, event.input))
        ctx.short_term_memory.set(f"seen.{event.input['name']}", True)
        if "gate" in event.input:
            ctx.short_term_memory.set("pending", "uncommitted")
            await ctx.durable_execute_async(blocked, event.input["gate"])
        ctx.send_event(OutputEvent(output=event.input["name"]))


def _raising_inputs(gate: str, wait_for_call: bool):
    yield "a", {"name": "first"}
    yield "a", {"name": "blocks", "gate": gate}  # suspends with a write pending
    yield "a", {"name": "queued"}  # waits behind a's blocked action
    yield "b", {"name": "other"}
    if wait_for_call and not STARTED[gate].wait(WAIT):
        raise AssertionError("the blocked call never started")
    raise OSError("the input source broke")


def _check_clean_after(rt, gate: str, outputs: list) -> None:
    assert rt._scheduler.executor.suspended_count == 0
    # Memory holds only committed writes: those of the actions whose outputs were emitted.
    committed = {o for k, o in outputs if k == "a"}
    assert committed <= {"first"}
    seen = rt.short_term_memory("a").get("seen")
    assert set(seen.get_field_names() if seen is not None else []) == committed
    assert rt.short_term_memory("a").get("pending") is None
    # Let the abandoned call return: its completion must not wake anything in the next run.
    GATES[gate].set()
    if STARTED[gate].is_set():
        assert RETURNED[gate].wait(WAIT)
    LOG.clear()
    report = rt.run([("a", {"name": "next"}), ("c", {"name": "new"})])
    assert report.ok, report.errors
    assert sorted(report.outputs) == [("a", "next"), ("c", "new")]
    assert LOG == [("a", {"name": "next"}), ("c", {"name": "new"})]  # no leftover input of the first run
    assert rt._scheduler.executor.suspended_count == 0
    assert set(rt.short_term_memory("a").get("seen").get_field_names()) == committed | {"next"}
    assert rt.short_term_memory("a").get("pending") is None


def test_a_run_whose_input_iterator_raised_leaves_nothing_for_the_next_run(gate) -> None:
    LOG.clear()
    outputs: list = []
    with Runtime(Blocking) as rt:
        with pytest.raises(OSError, match="source broke"):
            rt.run(_raising_inputs(gate, wait_for_call=False), on_output=lambda k, o: outputs.append((k, o)))
        assert ("a", "queued") not in outputs
        _check_clean_after(rt, gate, outputs)


def test_a_live_source_that_raised_while_a_call_was_blocked_leaves_nothing_for_the_next_run(gate) -> None:
    # Raised only once the blocked call runs: the action is suspended with a pending write at that moment.
    LOG.clear()
    outputs: list = []
    with Runtime(Blocking) as rt:
        with pytest.raises(OSError, match="source broke"):
            rt.run(_raising_inputs(gate, wait_for_call=True), on_output=lambda k, o: outputs.append((k, o)),
                   live=True)
        assert STARTED[gate].is_set() and ("a", "queued") not in outputs
        _check_clean_after(rt, gate, outputs)


def test_a_run_whose_on_output_raised_leaves_nothing_for_the_next_run(gate) -> None:
    LOG.clear()

    def on_output(key, output):
        if output == "other":
            raise RuntimeError("the output sink broke")

    # An output is handed on when the action that sent it finishes: a's call is dispatched before b's output.
    inputs = [("a", {"name": "blocks", "gate": gate}), ("a", {"name": "queued"}),
              ("b", {"name": "other"}), ("b", {"name": "b-queued"})]
    outputs: list = []
    with Runtime(Blocking) as rt:
        with pytest.raises(RuntimeError, match="sink broke"):
            rt.run(inputs, on_output=lambda k, o: (outputs.append((k, o)), on_output(k, o)))
        assert STARTED[gate].wait(WAIT)  # the call was dispatched before the sink broke
        assert ("b", {"name": "b-queued"}) not in LOG
        _check_clean_after(rt, gate, outputs)


# -- 7: bounded runs -------------------------------------------------------------------------------------------
class Loop(Agent):
    @action(InputEvent)
    @staticmethod
    def start(event, ctx):
        ctx.send_event(Event(type="loop" if event.input == "loop" else "finish", attributes={"n": 0}))

    @action("loop")
    @staticmethod
    def again(event, ctx):
        ctx.short_term_memory.set("n", event.get("n"))
        ctx.send_event(Event(type="loop", attributes={"n": event.get("n") + 1}))

    @action("finish")
    @staticmethod
    def finish(event, ctx):
        ctx.send_event(OutputEvent(output="finished"))


def test_an_event_that_triggers_itself_fails_its_input_at_the_step_limit_and_other_keys_finish() -> None:
    with Runtime(Loop, max_steps=50) as rt:
        report = rt.run([("looping", "loop"), ("a", "fine"), ("looping", "fine"), ("b", "fine")])
        assert rt.short_term_memory("looping").get("n") == 48  # steps 2..49 committed, step 51 refused
    (error,) = report.errors
    assert error.key == "looping"
    assert isinstance(error.cause, StepLimitError)
    assert error.cause.event_type == "loop" and error.cause.limit == 50
    assert "50" in str(error.cause) and "'loop'" in str(error.cause)
    assert sorted(report.outputs) == [("a", "finished"), ("b", "finished"), ("looping", "finished")]
    assert report.inputs == 4


def wait_forever(never: threading.Event) -> str:
    never.wait(WAIT)
    return "released"


NEVER = threading.Event()  # never set: a call waiting on it only ends by WAIT


class TimesOut(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        kwargs = {"timeout": event.input} if event.input is not None else {}
        try:
            result = await ctx.durable_execute_async(wait_forever, NEVER, **kwargs)
        except TimeoutError as exc:
            result = [type(exc).__name__, isinstance(exc, CallTimeoutError), "wait_forever" in str(exc)]
        ctx.send_event(OutputEvent(output=result))


def test_a_blocked_async_call_past_its_timeout_raises_a_catchable_timeout_in_the_action() -> None:
    with Runtime(TimesOut) as rt:
        report = rt.run([("k", 0.2), ("j", 0.2)])
    assert report.ok, report.errors
    assert sorted(report.outputs) == [(k, ["CallTimeoutError", True, True]) for k in ("j", "k")]


def test_the_runtime_call_timeout_is_the_default_timeout_of_durable_calls() -> None:
    with Runtime(TimesOut, call_timeout=0.2) as rt:
        report = rt.run([("k", None)])
    assert report.ok, report.errors
    assert report.outputs == [("k", ["CallTimeoutError", True, True])]


class SyncTimesOut(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        with pytest.raises(CallTimeoutError) as info:
            ctx.durable_execute(wait_forever, NEVER, timeout=0.2)
        assert isinstance(info.value, TimeoutError)
        ctx.send_event(OutputEvent(output="timed out"))


def test_a_sync_durable_call_past_its_timeout_raises_call_timeout_error() -> None:
    with Runtime(SyncTimesOut) as rt:
        report = rt.run([("k", 1)])
    assert report.ok, report.errors
    assert report.outputs == [("k", "timed out")]


class TimesOutThenQuick(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        if event.input == "block":
            try:
                await ctx.durable_execute_async(wait_forever, NEVER, timeout=0.2)
            except TimeoutError:
                pass
        result = await ctx.durable_execute_async(str.upper, "quick", timeout=WAIT)
        ctx.send_event(OutputEvent(output=result))


def test_calls_that_timed_out_do_not_starve_the_workers_of_later_calls() -> None:
    # Two workers, both held by abandoned calls: the later calls still run, on threads lent in their place.
    with Runtime(TimesOutThenQuick, workers=2) as rt:
        report = rt.run([("a", "block"), ("b", "block"), ("c", "go"), ("d", "go")])
    assert report.ok, report.errors
    assert sorted(report.outputs) == [(k, "QUICK") for k in "abcd"]


def test_durable_calls_have_a_finite_default_timeout() -> None:
    import math

    with Runtime(TimesOut) as rt:
        assert 0 < rt._call_timeout < math.inf


# -- 8: request_stop from another thread --------------------------------------------------------------------
class MaybeBlocks(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        if isinstance(event.input, dict):
            await ctx.durable_execute_async(blocked, event.input["gate"])
        ctx.send_event(OutputEvent(output=event.input))


def test_request_stop_from_another_thread_ends_a_run_held_by_a_blocked_call(gate) -> None:
    finished = threading.Event()

    def on_output(key, output):
        if key == "fast":
            finished.set()

    with Runtime(MaybeBlocks) as rt:
        def stopper():
            if STARTED[gate].wait(WAIT) and finished.wait(WAIT):
                rt.request_stop(grace=0)

        thread = threading.Thread(target=stopper, daemon=True)
        thread.start()
        report = rt.run([("fast", "done"), ("slow", {"gate": gate}), ("slow", "after")], on_output=on_output)
        thread.join(WAIT)
        assert rt._scheduler.executor.suspended_count == 0
    assert report.stopped is True
    assert report.outputs == [("fast", "done")]
    assert not RETURNED[gate].is_set()  # the run returned while the call was still blocked
    assert all(t.daemon for t in threading.enumerate() if t.name.startswith("bridge-"))
    assert any(t.name.startswith("bridge-worker") for t in threading.enumerate())


# -- 9: a line read is a line run --------------------------------------------------------------------------
class Echo(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.send_event(OutputEvent(output=event.input))


def test_a_live_source_gets_the_first_output_before_it_yields_the_second_input() -> None:
    first_output = threading.Event()
    saw: list = []

    def source():
        yield "a", 1
        saw.append(first_output.wait(WAIT))
        yield "b", 2

    with Runtime(Echo) as rt:
        report = rt.run(source(), live=True, on_output=lambda k, o: first_output.set())
    assert saw == [True]
    assert report.outputs == [("a", 1), ("b", 2)]


# -- 10: idle keys ----------------------------------------------------------------------------------------------
class NoShortTerm(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.sensory_memory.set("scratch", event.input)
        ctx.send_event(Event(type="done"))

    @action("done")
    @staticmethod
    def done(event, ctx):
        ctx.send_event(OutputEvent(output=ctx.sensory_memory.get("scratch")))


class OneValue(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.short_term_memory.set("last", event.input)


KEYS = 10_000


def test_keys_without_short_term_memory_are_not_held_after_their_inputs() -> None:
    with Runtime(NoShortTerm) as rt:
        report = rt.run((f"k{i}", i) for i in range(KEYS))
        assert rt._scheduler.key_count == 0
    assert report.ok and len(report.outputs) == KEYS


def test_keys_with_short_term_memory_are_held_and_readable() -> None:
    with Runtime(OneValue) as rt:
        report = rt.run((f"k{i}", i) for i in range(KEYS))
        assert rt._scheduler.key_count == KEYS
        assert [rt.short_term_memory(f"k{i}").get("last") for i in (0, 1, KEYS - 1)] == [0, 1, KEYS - 1]
        assert rt._scheduler.key_count == KEYS
    assert report.ok and report.inputs == KEYS


LIVE_RUNNING = threading.Event()
LIVE_SOURCE_DONE = threading.Event()


class WaitsForSourceEnd(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        LIVE_RUNNING.set()
        # Hold the scheduler until the reader has posted the source's end, so the end arrives while an action
        # runs (it is then read by a non-blocking drain) rather than while the scheduler waits.
        if LIVE_SOURCE_DONE.wait(WAIT):
            queue = ctx_queue()
            for _ in range(2000):
                if not queue.empty():
                    break
                threading.Event().wait(0.01)
        ctx.send_event(OutputEvent(output=event.input))


RUNTIMES: list = []


def ctx_queue():
    return RUNTIMES[-1]._scheduler._completions


def test_a_live_source_that_ends_while_an_action_runs_ends_the_run() -> None:
    LIVE_RUNNING.clear()
    LIVE_SOURCE_DONE.clear()

    def source():
        yield "a", 1
        LIVE_RUNNING.wait(WAIT)
        LIVE_SOURCE_DONE.set()

    result: list = []
    with Runtime(WaitsForSourceEnd) as rt:
        RUNTIMES.append(rt)
        thread = threading.Thread(target=lambda: result.append(rt.run(source(), live=True)), daemon=True)
        thread.start()
        thread.join(WAIT)
        hung = thread.is_alive()
        if hung:  # unblock the run so the test fails instead of hanging
            rt.request_stop(grace=0)
            thread.join(WAIT)
    assert not hung, "run() did not return after the live source ended"
    assert result[0].outputs == [("a", 1)] and not result[0].stopped
