"""A Java action's effects are all or nothing, and its values are checked where they enter (real JVM)."""

import pytest
from conftest import java_fn, java_plan, py_fn

from bridge import Event, JavaError, OutputEvent, Runtime
from bridge.errors import ValueContractError

pytestmark = pytest.mark.usefixtures("java_built")
EFFECTS = "dev.bridge.examples.EffectActions"
CROSSING = "dev.bridge.examples.CrossingActions"
HERE = "test_java_effects"


def route(event, ctx):
    """``{"seed": {path: value}}`` commits Python writes; anything else goes to the Java action."""
    if isinstance(event.input, dict) and "seed" in event.input:
        for path, value in event.input["seed"].items():
            ctx.short_term_memory.set(path, value)
        ctx.send_event(OutputEvent(output="seeded"))
    else:
        ctx.send_event(Event(type="to_java", attributes={"input": event.input}))


def report_memory(event, ctx):
    """After a failed input, a later one shows what memory holds (short-term and sensory)."""
    ctx.send_event(OutputEvent(output={"short_term": ctx.short_term_memory.get_fields(),
                                       "sensory": ctx.sensory_memory.get_fields()}))


def _plan(method: str):
    return java_plan({"route": (py_fn(HERE, "route"), ["_input_event"]),
                      "java": (java_fn(EFFECTS, method), ["to_java"])})


def _snapshot(rt, key):
    return rt._scheduler.store_for(key).snapshot("short_term")


def test_a_java_write_refused_half_way_fails_at_the_call_and_commits_nothing() -> None:
    with Runtime(_plan("halfWay"), keep_action_log=True) as rt:
        report = rt.run([("k", {"seed": {"kept": 1}}), ("k", "go")])
        assert _snapshot(rt, "k") == {"kept": 1}
        assert rt.short_term_memory("k").get("a") is None
        assert rt._scheduler.store_for("k").snapshot("sensory") == {}
    assert report.outputs == [("k", "seeded")]  # the output sent before the refused write is not emitted
    (error,) = report.errors
    assert (error.key, error.action, error.event_type) == ("k", "java", "to_java")
    cause = error.cause
    assert isinstance(cause, JavaError)
    # Refused in Java, at the set call itself (not when Python applied the log): the action's frame is on the
    # stack of a MemoryPathException.
    assert cause.java_class == "dev.bridge.api.MemoryPathException"
    assert "short_term.a" in cause.java_message and "a.b" in cause.java_message
    assert "at dev.bridge.examples.EffectActions.halfWay(EffectActions.java" in cause.stack
    assert [r.action for r in report.actions] == ["route", "route"]  # the Java action left no record


@pytest.mark.parametrize(("writes", "where"), [
    ([["fresh", 1], ["a.b", 2]], "short_term.a"),  # under a committed value
    ([["fresh", 1], ["obj", 3]], "short_term.obj"),  # a value over a committed object
])
def test_java_writes_that_conflict_with_committed_state_are_refused_and_nothing_is_committed(writes, where) -> None:
    with Runtime(_plan("writeAll")) as rt:
        before = rt.run([("k", {"seed": {"a": 5, "obj.x": 1}})])
        committed = _snapshot(rt, "k")
        report = rt.run([("k", {"writes": writes})])
        assert _snapshot(rt, "k") == committed == {"a": 5, "obj": {"x": 1}}
    assert before.ok and report.outputs == []
    (error,) = report.errors
    assert error.action == "java"
    assert error.cause.java_class == "dev.bridge.api.MemoryPathException"
    assert where in error.cause.java_message


def test_java_writes_that_fit_committed_state_are_committed() -> None:
    # The counterpart of the refusals above: the same action commits when nothing conflicts.
    with Runtime(_plan("writeAll")) as rt:
        report = rt.run([("k", {"seed": {"a": 5, "obj.x": 1}}), ("k", {"writes": [["fresh", 1], ["obj.y", 2]]})])
        assert _snapshot(rt, "k") == {"a": 5, "obj": {"x": 1, "y": 2}, "fresh": 1}
    assert report.ok, report.errors
    assert report.outputs == [("k", "seeded"), ("k", "written")]


@pytest.mark.parametrize(("kind", "offending"), [("nan", "NaN"), ("date", "java.util.Date")])
def test_a_java_event_with_a_non_portable_attribute_fails_the_action_naming_it_and_commits_nothing(
        kind, offending) -> None:
    with Runtime(_plan("sendNonPortable")) as rt:
        report = rt.run([("k", kind), ("other", {"seed": {"x": 1}})])
        assert _snapshot(rt, "k") == {}
        assert _snapshot(rt, "other") == {"x": 1}
    assert report.outputs == [("other", "seeded")]
    (error,) = report.errors
    assert (error.key, error.action) == ("k", "java")
    assert error.cause.java_class == "dev.bridge.api.ValueContractException"
    message = error.cause.java_message
    assert f"event 'bad_event' attribute '{kind}'" in message and offending in message


def test_java_writing_nan_to_memory_fails_the_action_naming_the_path_and_commits_nothing() -> None:
    with Runtime(_plan("writeNaN")) as rt:
        report = rt.run([("k", "go")])
        assert _snapshot(rt, "k") == {}
    (error,) = report.errors
    assert error.cause.java_class == "dev.bridge.api.ValueContractException"
    assert "bad.value" in str(error) and "NaN" in str(error)


def copy_back(event, ctx):
    ctx.short_term_memory.set("from_python.value", event.input)
    ctx.send_event(Event(type="to_java", attributes={"from": "from_python.value", "to": "from_java.copy"}))


def output_copy(event, ctx):
    ctx.send_event(OutputEvent(output={"copy": ctx.short_term_memory.get("from_java.copy"),
                                       "event_value": event.get("value"), "java_class": event.get("java_class")}))


def test_ints_beyond_64_bits_are_carried_exactly_through_a_java_action_that_copies_memory() -> None:
    plan = java_plan({"write": (py_fn(HERE, "copy_back"), ["_input_event"]),
                      "copy": (java_fn(CROSSING, "copyMemory"), ["to_java"]),
                      "read": (py_fn(HERE, "output_copy"), ["copied"])})
    big = 2**70 + 1
    value = {"big": big, "neg": -(2**100) - 3, "list": [2**64, 2**63 - 1, -(2**63)]}
    with Runtime(plan) as rt:
        report = rt.run([("k", big), ("j", value)])
        assert rt.short_term_memory("k").get("from_java.copy") == big
        assert rt.short_term_memory("j").get("from_java.copy") == value
    assert report.ok, report.errors
    outputs = dict(report.outputs)
    assert outputs["k"] == {"copy": big, "event_value": big, "java_class": "java.math.BigInteger"}
    assert type(outputs["k"]["copy"]) is int
    assert outputs["j"]["copy"] == value and outputs["j"]["event_value"] == value


def test_an_event_changed_after_java_sent_it_is_delivered_as_sent_or_fails_the_action() -> None:
    # sendEvent checks the attributes when it is called; a NaN put into the event afterwards must not cross
    # silently (as null or the string "NaN"): either the event arrives as it was sent, or the action fails.
    plan = java_plan({"route": (py_fn(HERE, "route"), ["_input_event"]),
                      "java": (java_fn(EFFECTS, "mutateAfterSend"), ["to_java"]),
                      "late": (py_fn(HERE, "echo_late"), ["late"])})
    with Runtime(plan) as rt:
        report = rt.run([("k", "go")])
        committed = _snapshot(rt, "k")
    if report.errors:
        assert report.outputs == [] and committed == {}
        assert "sneaked" in str(report.errors[0])
    else:
        assert report.outputs == [("k", {"fine": 1})]
        assert committed == {"before": 1}


def echo_late(event, ctx):
    ctx.send_event(OutputEvent(output=dict(event.attributes)))


def send_set_to_java(event, ctx):
    ctx.short_term_memory.set("written", True)
    ctx.send_event(Event("x", {"s": {1, 2}}))


def test_a_non_portable_attribute_sent_to_a_java_action_fails_the_python_sender() -> None:
    plan = java_plan({"sender": (py_fn(HERE, "send_set_to_java"), ["_input_event"]),
                      "java": (java_fn(CROSSING, "copyMemory"), ["x"])})
    with Runtime(plan) as rt:
        report = rt.run([("k", 1)])
        assert _snapshot(rt, "k") == {}
    (error,) = report.errors  # the Java action never ran, so it is not blamed
    assert (error.key, error.action, error.event_type) == ("k", "sender", "_input_event")
    assert isinstance(error.cause, ValueContractError)
    assert "event 'x' attribute.s" in str(error)


def test_a_run_that_raised_leaves_no_suspended_java_action_behind(java_built) -> None:
    import jpype

    from bridge import Runtime
    from tests.conftest import java_fn, java_plan

    gates = "dev.bridge.examples.GateActions"
    plan = java_plan({"await_gate": (java_fn(gates, "awaitGate"), ["_input_event"])})
    gate = "abandoned-by-a-raising-run"

    def inputs():
        yield "k", {"gate": gate}
        yield "other", {"gate": gate}
        raise OSError("the input source broke")

    with Runtime(plan) as rt:
        handle = rt._scheduler.executor._kinds["await_gate"].handle
        with pytest.raises(OSError):
            rt.run(inputs())
        try:
            assert handle.suspendedCount() == 0
            assert rt._scheduler.executor.suspended_count == 0
        finally:
            jpype.JClass(gates).openGate(gate)


def test_a_java_durable_call_cannot_use_the_actions_memory_from_its_thread(java_built) -> None:
    from bridge import Runtime
    from tests.conftest import java_fn, java_plan

    plan = java_plan({"peek": (java_fn("dev.bridge.examples.EffectActions", "memoryFromCallable"),
                               ["_input_event"])})
    with Runtime(plan) as rt:
        report = rt.run([("a", 1)])
    assert report.ok, report.errors
    assert report.outputs == [("a", "refused: ContextException")]


def test_a_java_durable_call_past_the_call_timeout_raises_a_catchable_timeout(java_built) -> None:
    from bridge import Runtime
    from tests.conftest import java_fn, java_plan

    plan = java_plan({"sleepy": (java_fn("dev.bridge.examples.EffectActions", "sleepyCall"), ["_input_event"])})
    with Runtime(plan, call_timeout=0.2) as rt:
        report = rt.run([("slow", {"millis": 60_000}), ("quick", {"millis": 0})])
    assert report.ok, report.errors
    assert sorted(report.outputs) == [("quick", "slept"), ("slow", "timed out")]


def send_with_lineage(event, ctx) -> None:
    sent = Event(type="with_lineage", attributes={"n": 1})
    sent.lineage = {"upstream_event_id": event.id, "upstream_action_name": "send_with_lineage"}
    ctx.send_event(sent)


def report_lineage(event, ctx) -> None:
    ctx.send_event(OutputEvent(output={"seen_by_java": event.get("seen"), "lineage": event.lineage}))


def test_lineage_fields_cross_to_java_and_back(java_built) -> None:
    from bridge import Runtime
    from tests.conftest import java_fn, java_plan, py_fn

    here = "test_java_effects"
    plan = java_plan({
        "send": (py_fn(here, "send_with_lineage"), ["_input_event"]),
        "echo": (java_fn("dev.bridge.examples.ContractActions", "echoLineage"), ["with_lineage"]),
        "report": (py_fn(here, "report_lineage"), ["lineage_seen"]),
    })
    with Runtime(plan) as rt:
        report = rt.run([("k", 1)])
    assert report.ok, report.errors
    [(_, output)] = report.outputs
    assert output["seen_by_java"]["upstream_action_name"] == "send_with_lineage"
    assert output["seen_by_java"]["upstream_event_id"]  # the input event's id, kept on the way to Java
    assert output["lineage"]["upstream_action_name"] == "echoLineage"
    assert output["lineage"]["upstream_event_id"]  # set by Java, kept on the way back
