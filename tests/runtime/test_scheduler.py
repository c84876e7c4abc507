import threading

import pytest

from bridge import Agent, Event, InputEvent, OutputEvent, Runtime, action, gather

LOG: list[tuple] = []


class OrderingAgent(Agent):
    @action(InputEvent)
    @staticmethod
    def first(event, ctx):
        LOG.append((ctx.key, "first", event.input))
        ctx.send_event(Event(type="followup", attributes={"n": event.input}))

    @action("followup")
    @staticmethod
    def followup(event, ctx):
        LOG.append((ctx.key, "followup", event.get("n")))
        ctx.send_event(OutputEvent(output=f"{ctx.key}:{event.get('n')}"))


def test_events_for_one_key_run_in_arrival_order_and_sent_events_run_before_the_next_input() -> None:
    LOG.clear()
    with Runtime(OrderingAgent) as rt:
        report = rt.run([("a", 1), ("a", 2), ("b", 1), ("a", 3)])
    assert report.ok and report.inputs == 4
    per_key = [entry for entry in LOG if entry[0] == "a"]
    assert per_key == [("a", "first", 1), ("a", "followup", 1), ("a", "first", 2), ("a", "followup", 2),
                       ("a", "first", 3), ("a", "followup", 3)]
    assert [o for k, o in report.outputs if k == "a"] == ["a:1", "a:2", "a:3"]
    assert ("b", "b:1") in report.outputs


# Durable calls that wait for each other or for the test prove that calls overlap by what happened in
# which order, not by how long it took. A wait that is never released fails its call after WAIT seconds,
# so a scheduler that does not overlap calls fails the test instead of hanging it.
WAIT = 20.0
GATES: dict[str, threading.Event] = {}
BARRIERS: dict[str, threading.Barrier] = {}


def wait_at_gate(gate: str, who: str) -> str:
    """Block until the test opens ``gate``."""
    if not GATES[gate].wait(WAIT):
        raise TimeoutError(f"{who}: gate {gate!r} was not opened within {WAIT} s")
    return f"{who} passed {gate}"


def meet_at_barrier(barrier: str, who: str) -> str:
    """Block until every party of ``barrier`` is waiting at once (BrokenBarrierError after WAIT s)."""
    BARRIERS[barrier].wait(WAIT)
    return f"{who} met at {barrier}"


def echo(who: str) -> str:
    return f"{who} answered"


def _call(event, ctx):
    """``{"gate": name}`` waits at a gate, ``{"barrier": name}`` at a barrier, anything else answers at once."""
    if "gate" in event.input:
        return ctx.durable_execute_async(wait_at_gate, event.input["gate"], ctx.key)
    if "barrier" in event.input:
        return ctx.durable_execute_async(meet_at_barrier, event.input["barrier"], ctx.key)
    return ctx.durable_execute_async(echo, ctx.key)


class WaitingAgent(Agent):
    @action(InputEvent)
    @staticmethod
    def generator_action(event, ctx):
        result = yield _call(event, ctx)
        ctx.send_event(OutputEvent(output=result))


class AsyncWaitingAgent(Agent):
    @action(InputEvent)
    @staticmethod
    async def async_action(event, ctx):
        result = await _call(event, ctx)
        ctx.send_event(OutputEvent(output=result))


@pytest.mark.parametrize("agent", [WaitingAgent, AsyncWaitingAgent])
def test_key_b_finishes_while_key_a_waits_on_a_blocked_call(agent, request) -> None:
    # a's call is released only when b's output arrives: a's output can only come second, and only if
    # the scheduler ran b to its end while a's call was still in flight.
    gate = GATES[request.node.name] = threading.Event()
    finished: list = []

    def on_output(key, output) -> None:
        finished.append(key)
        if key == "b":
            gate.set()

    with Runtime(agent) as rt:
        report = rt.run([("a", {"gate": request.node.name}), ("b", {})], on_output=on_output)
    assert report.ok, report.errors
    assert finished == ["b", "a"]
    assert dict(report.outputs) == {"a": f"a passed {request.node.name}", "b": "b answered"}


@pytest.mark.parametrize("agent", [WaitingAgent, AsyncWaitingAgent])
def test_two_keys_durable_calls_are_in_flight_at_once(agent, request) -> None:
    # Each call returns only when both wait at the barrier together: both succeed only if they overlap.
    BARRIERS[request.node.name] = threading.Barrier(2)
    with Runtime(agent, workers=2) as rt:
        report = rt.run([("a", {"barrier": request.node.name}), ("b", {"barrier": request.node.name})])
    assert report.ok, report.errors
    assert dict(report.outputs) == {k: f"{k} met at {request.node.name}" for k in ("a", "b")}


class GatherAgent(Agent):
    @action(InputEvent)
    @staticmethod
    async def fan_out(event, ctx):
        calls = [ctx.durable_execute_async(meet_at_barrier, event.input, f"call{i}") for i in range(4)]
        results = await gather(*calls)
        ctx.send_event(OutputEvent(output=results))


def test_gather_runs_several_calls_at_once_and_returns_results_in_order(request) -> None:
    # The four calls return only when all four wait at the barrier together, i.e. run at once.
    BARRIERS[request.node.name] = threading.Barrier(4)
    with Runtime(GatherAgent, workers=4) as rt:
        report = rt.run([("k", request.node.name)])
    assert report.ok, report.errors
    assert report.outputs == [("k", [f"call{i} met at {request.node.name}" for i in range(4)])]


def explode() -> None:
    raise LookupError("no such order")


class CatchingAgent(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        try:
            yield ctx.durable_execute_async(explode)
        except LookupError as exc:
            ctx.send_event(OutputEvent(output=f"caught {exc}"))


def test_a_failed_durable_call_raises_inside_the_waiting_action() -> None:
    with Runtime(CatchingAgent) as rt:
        assert rt.run([("k", 1)]).outputs == [("k", "caught no such order")]


class WrongWaitAgent(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        import asyncio

        await asyncio.sleep(0)


def test_waiting_on_asyncio_primitives_fails_the_event_with_a_hint() -> None:
    with Runtime(WrongWaitAgent) as rt:
        report = rt.run([("k", 1)])
    assert len(report.errors) == 1
    assert "durable_execute_async" in str(report.errors[0])


class FailingAgent(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        if event.input == "boom":
            raise ValueError("bad order")
        ctx.send_event(OutputEvent(output=event.input))


def test_an_action_that_raises_fails_its_event_names_key_and_action_and_others_go_on() -> None:
    with Runtime(FailingAgent) as rt:
        report = rt.run([("a", "boom"), ("a", "next"), ("b", "fine")])
    assert not report.ok
    (error,) = report.errors
    assert error.key == "a" and error.action == "handle" and error.event_type == "_input_event"
    assert "bad order" in str(error) and "ValueError" in error.details
    assert sorted(report.outputs) == [("a", "next"), ("b", "fine")]


class MemoryAgent(Agent):
    @action(InputEvent)
    @staticmethod
    def remember(event, ctx):
        count = ctx.short_term_memory.get("visits", 0) + 1
        ctx.short_term_memory.set("visits", count)
        ctx.short_term_memory.set("last.input", event.input)
        ctx.sensory_memory.set("scratch", event.input)
        ctx.send_event(Event(type="check"))

    @action("check")
    @staticmethod
    def check(event, ctx):
        ctx.send_event(OutputEvent(output={
            "visits": ctx.short_term_memory.get("visits"),
            "scratch": ctx.sensory_memory.get("scratch"),
            "scratch_seen_before": ctx.short_term_memory.get("seen"),
        }))
        ctx.short_term_memory.set("seen", ctx.sensory_memory.is_exist("scratch"))


@pytest.mark.bridge_hosts  # the bridge_run fixture: bridge/testing.py (under --bridge-host python,java, both)
def test_short_term_memory_is_kept_per_key_and_sensory_memory_is_cleared_after_each_input(bridge_run) -> None:
    result = bridge_run(MemoryAgent, [("a", "x"), ("a", "y"), ("b", "z")])
    result.assert_no_errors()
    result.assert_outputs({"a": [{"visits": 1, "scratch": "x", "scratch_seen_before": None},
                                 {"visits": 2, "scratch": "y", "scratch_seen_before": True}],
                           "b": [{"visits": 1, "scratch": "z", "scratch_seen_before": None}]})
    result.assert_memory({"a": {"visits": 2, "last": {"input": "y"}, "seen": True},
                          "b": {"visits": 1, "last": {"input": "z"}, "seen": True}}, only=True)


def test_the_action_log_holds_each_action_s_memory_updates_in_order_and_its_sent_events() -> None:
    with Runtime(MemoryAgent, keep_action_log=True) as rt:
        report = rt.run([("a", "x"), ("a", "y"), ("b", "z")])
    first = report.actions[0]
    assert (first.key, first.action) == ("a", "remember")
    assert [(u.memory, u.op, u.path, u.value) for u in first.updates] == [
        ("short_term", "set", "visits", 1), ("short_term", "set", "last.input", "x"),
        ("sensory", "set", "scratch", "x")]
    assert [e.type for e in first.sent] == ["check"]


class BadValueAgent(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.short_term_memory.set("order.when", threading.Lock())


def test_writing_a_non_portable_value_fails_the_event_naming_the_path_and_type() -> None:
    with Runtime(BadValueAgent) as rt:
        (error,) = rt.run([("k", 1)]).errors
    assert "short_term.order.when" in str(error) and "lock" in str(error).lower()


def test_many_keys_interleave_and_each_keeps_its_order() -> None:
    LOG.clear()
    inputs = [(f"k{i % 7}", i) for i in range(200)]
    with Runtime(OrderingAgent, window=16) as rt:
        report = rt.run(inputs)
    assert report.inputs == 200 and len(report.outputs) == 200
    for key in {k for k, _ in inputs}:
        expected = [f"{key}:{v}" for k, v in inputs if k == key]
        assert [o for k, o in report.outputs if k == key] == expected


class ConditionAgent(Agent):
    @action("never")
    @staticmethod
    def a_condition_only(event, ctx):
        ctx.send_event(OutputEvent(output="condition"))

    @action(InputEvent, "attributes.input.priority == 'high'")
    @staticmethod
    def b_typed(event, ctx):
        ctx.send_event(OutputEvent(output="typed"))


ConditionAgent.a_condition_only.__bridge_triggers__ = ["attributes.input.priority == 'high'"]


def test_expression_triggers_route_after_type_matches_each_action_once() -> None:
    with Runtime(ConditionAgent) as rt:
        report = rt.run([("k", {"priority": "high"}), ("k", {"priority": "low"})])
    assert [o for _, o in report.outputs] == ["typed", "condition", "typed"]
