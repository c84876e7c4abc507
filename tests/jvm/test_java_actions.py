"""Java actions in a Python-hosted plan, with a real JVM."""

import jpype
import pytest
from conftest import java_fn, java_plan, py_fn

from bridge import BridgeError, Event, JavaError, OutputEvent, Runtime

pytestmark = pytest.mark.usefixtures("java_built")
ORDERS = "dev.bridge.examples.OrderActions"
CROSSING = "dev.bridge.examples.CrossingActions"
GATES = "dev.bridge.examples.GateActions"
HERE = "test_java_actions"


def python_writes(event, ctx):
    ctx.short_term_memory.set("from_python.value", event.input)
    ctx.send_event(Event(type="to_java", attributes={"from": "from_python.value", "to": "from_java.copy"}))


def python_reads(event, ctx):
    ctx.send_event(OutputEvent(output={
        "copy": ctx.short_term_memory.get("from_java.copy"),
        "java_class": event.get("java_class"),
        "event_value": event.get("value"),
    }))


def _crossing_plan():
    return java_plan({
        "python_writes": (py_fn(HERE, "python_writes"), ["_input_event"]),
        "java_copies": (java_fn(CROSSING, "copyMemory"), ["to_java"]),
        "python_reads": (py_fn(HERE, "python_reads"), ["copied"]),
    })


def test_memory_written_in_python_is_read_by_java_and_java_writes_are_seen_by_the_next_python_action() -> None:
    value = {"order": "ORD-1", "lines": [1, 2.5, None, True], "note": "ünïcode"}
    with Runtime(_crossing_plan(), keep_action_log=True) as rt:
        report = rt.run([("k", value)])
        assert rt.short_term_memory("k").get("from_java.copy") == value
    assert report.ok, report.errors
    (output,) = report.outputs
    assert output == ("k", {"copy": value, "java_class": "java.util.LinkedHashMap", "event_value": value})
    java_record = next(r for r in report.actions if r.action == "java_copies")
    assert [(u.memory, u.op, u.path) for u in java_record.updates] == [("short_term", "set", "from_java.copy")]
    assert [e.type for e in java_record.sent] == ["copied"]


def test_bytes_survive_python_to_java_to_python() -> None:
    blob = bytes(range(256))
    with Runtime(_crossing_plan()) as rt:
        report = rt.run([("k", blob)])
    assert report.ok, report.errors
    (_, output), = report.outputs
    assert output["copy"] == blob and output["event_value"] == blob
    assert output["java_class"] == "[B"


def test_a_java_exception_fails_the_event_with_the_java_stack_and_other_keys_go_on() -> None:
    plan = java_plan({
        "route": (py_fn(HERE, "route"), ["_input_event"]),
        "fail": (java_fn(ORDERS, "fail"), ["must_fail"]),
    })
    with Runtime(plan) as rt:
        report = rt.run([("bad", "fail"), ("good", "fine")])
    assert report.outputs == [("good", "fine")]
    (error,) = report.errors
    assert (error.key, error.action) == ("bad", "fail")
    cause = error.cause
    assert isinstance(cause, JavaError)
    assert cause.java_class == "java.lang.IllegalStateException"
    assert cause.java_message == "order service unavailable"
    assert "at dev.bridge.examples.OrderActions.fail(OrderActions.java" in cause.stack
    assert "Java stack" in str(cause)


def route(event, ctx):
    if event.input == "fail":
        ctx.send_event(Event(type="must_fail"))
    else:
        ctx.send_event(OutputEvent(output=event.input))


def route_to_gate(event, ctx):
    """``{"gate": name}`` goes to the Java call that waits at the gate; any other input to a barrier."""
    ctx.send_event(Event(type="await_gate" if "gate" in event.input else "meet", attributes={"input": event.input}))


def _gate_plan():
    return java_plan({"route": (py_fn(HERE, "route_to_gate"), ["_input_event"]),
                      "await_gate": (java_fn(GATES, "awaitGate"), ["await_gate"]),
                      "meet": (java_fn(GATES, "meetAtBarrier"), ["meet"])})


def test_durable_execute_async_in_java_lets_another_key_finish_while_its_call_waits(request) -> None:
    # The slow key's Java call waits at a Java gate that only the fast key's output opens: the slow output
    # can only come second, and only if the fast key ran to its end while the slow call was in flight.
    # A call never released fails after GateActions.WAIT_SECONDS instead of hanging the test.
    gate = request.node.name
    finished: list[str] = []

    def on_output(key, output) -> None:
        finished.append(key)
        if key == "fast":
            jpype.JClass(GATES).openGate(gate)

    with Runtime(_gate_plan()) as rt:
        report = rt.run([("slow", {"gate": gate}), ("fast", {"barrier": f"{gate}-alone", "parties": 1})],
                        on_output=on_output)
    assert report.ok, report.errors
    assert finished == ["fast", "slow"]
    assert dict(report.outputs) == {"slow": f"passed gate {gate}", "fast": f"met 1 at {gate}-alone"}


def test_two_keys_java_durable_calls_are_in_flight_at_once(request) -> None:
    # Each Java call returns only when both wait at one Java barrier together: both succeed only if the
    # second key's action ran and started its call while the first key's call was still waiting.
    barrier = {"barrier": request.node.name, "parties": 2}
    with Runtime(_gate_plan()) as rt:
        report = rt.run([("a", barrier), ("b", barrier)])
    assert report.ok, report.errors
    assert dict(report.outputs) == {k: f"met 2 at {request.node.name}" for k in ("a", "b")}


def test_a_non_portable_value_written_from_java_fails_the_event_naming_path_and_class() -> None:
    with Runtime(java_plan({"bad": (java_fn(ORDERS, "writeDate"), ["_input_event"])})) as rt:
        (error,) = rt.run([("k", 1)]).errors
    assert "order.when" in str(error) and "java.util.Date" in str(error)


def test_a_java_action_business_logic_writes_memory_and_sends_its_event() -> None:
    plan = java_plan({
        "review": (java_fn(ORDERS, "reviewOrder"), ["_input_event"]),
        "answer": (py_fn(HERE, "answer"), ["order_reviewed"]),
    })
    with Runtime(plan) as rt:
        report = rt.run([("c", {"order_id": "ORD-1001"}), ("c", {"order_id": "ORD-1002"})])
        memory = rt.short_term_memory("c")
        assert memory.get("orders.ORD-1001.decision") == "approve"
        assert memory.get("stats.reviewed") == 2
    assert [o["decision"] for _, o in report.outputs] == ["approve", "hold"]


def answer(event, ctx):
    ctx.send_event(OutputEvent(output=dict(event.attributes)))


def test_a_java_action_reads_its_action_config_and_the_plan_config() -> None:
    plan = java_plan({"conf": (java_fn(CROSSING, "echoConfig"), ["_input_event"], {"threshold": 7}),
                      "answer": (py_fn(HERE, "answer"), ["configured"])}, conf={"region": "eu"})
    with Runtime(plan) as rt:
        assert rt.run([("k", 1)]).outputs == [("k", {"threshold": 7, "region": "eu"})]


def test_a_java_action_uses_a_python_resource() -> None:
    resources = {"tool": {"greeter": {
        "name": "greeter", "type": "tool", "__resource_provider_type__": "PythonResourceProvider",
        "descriptor": {"target_module": "python_actions.conformance", "target_clazz": "Greeter",
                       "arguments": {"greeting": "Hello"}}}}}
    plan = java_plan({"ask": (java_fn(CROSSING, "askPythonTool"), ["_input_event"]),
                      "answer": (py_fn(HERE, "answer"), ["greeted"])}, resources)
    with Runtime(plan) as rt:
        assert rt.run([("k", "Ada")]).outputs == [("k", {"json": '"Hello, Ada!"'})]


@pytest.mark.parametrize(("exec_", "expected"), [
    (java_fn("dev.bridge.examples.NoSuchActions", "handle"), "dev.bridge.examples.NoSuchActions"),
    (java_fn(ORDERS, "noSuchMethod"), "noSuchMethod"),
    ({**java_fn(ORDERS, "reviewOrder"), "parameter_types": ["java.lang.String"]}, "reviewOrder"),
])
def test_an_unknown_java_class_or_method_or_wrong_parameter_types_names_what_was_looked_up(exec_, expected) -> None:
    with pytest.raises(BridgeError) as info:
        Runtime(java_plan({"broken": (exec_, ["_input_event"])}))
    message = str(info.value)
    assert "broken" in message and expected in message
    assert "classpath" in message.lower() or "parameter" in message.lower()
