"""The built-in chat ↔ tool loop in real runs: models and tools in both languages, every tool outcome, limits."""

import pytest
from conftest import java_plan, py_fn

from bridge import AgentLoopError, OutputEvent, Runtime
from bridge.api import ChatRequestEvent, Tool, ToolMetadata, ToolRequestEvent
from python_actions.agents import conversation

pytestmark = pytest.mark.usefixtures("java_built")
HERE = "test_agents"
CONVERT_10_KM = {"name": "convert", "arguments": {"value": 10, "from": "km", "to": "mi"}}


def _provider(kind: str, rtype: str, name: str, cls: str, arguments: dict | None = None) -> dict:
    if kind == "java":
        descriptor = {"target_clazz": cls, "arguments": arguments or {}}
        provider_type = "JavaResourceProvider"
    else:
        module, _, clazz = cls.rpartition(".")
        descriptor = {"target_module": module, "target_clazz": clazz, "arguments": arguments or {}}
        provider_type = "PythonResourceProvider"
    return {"name": name, "type": rtype, "__resource_provider_type__": provider_type, "descriptor": descriptor}


def _model(kind: str, script: list) -> dict:
    cls = "dev.bridge.examples.ScriptedChatModel" if kind == "java" else "python_actions.models.ScriptedChatModel"
    return _provider(kind, "chat_model", "m", cls, {"script": script})


JAVA_CONVERT = _provider("java", "tool", "convert", "dev.bridge.examples.UnitTools")


class Lookup(Tool):
    metadata = ToolMetadata("lookup", "Looks an order up.", {
        "type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]})

    def call(self, order_id: str) -> dict:
        if order_id == "ORD-0":
            raise KeyError(f"no order {order_id}")
        return {"order_id": order_id, "status": "shipped"}


PY_LOOKUP = _provider("python", "tool", "lookup", f"{HERE}.Lookup")


def _run(plan, inputs):
    with Runtime(plan) as rt:
        return rt.run(inputs)


def start_chat(event, ctx):
    ctx.send_event(ChatRequestEvent(model="m", messages=[{"role": "user", "content": event.input}]))


def show_conversation(event, ctx):
    ctx.send_event(OutputEvent(output=conversation(ctx, event.request_id)))


def _loop_plan(model: dict, tools: list[dict], chat_config: dict | None = None):
    return java_plan({
        "start": (py_fn(HERE, "start_chat"), ["_input_event"]),
        "chat": (py_fn("python_actions.agents", "chat"), ["_chat_request_event", "_tool_response_event"],
                 chat_config or {}),
        "tools": (py_fn("python_actions.agents", "tools"), ["_tool_request_event"]),
        "show": (py_fn(HERE, "show_conversation"), ["_chat_response_event"]),
    }, {"chat_model": {"m": model}, "tool": {t["name"]: t for t in tools}})


def test_a_missing_tool_and_arguments_breaking_the_schema_are_results_the_model_reads() -> None:
    script = [
        {"tool_calls": [{"id": "c1", "name": "teleport", "arguments": {}}]},
        {"tool_calls": [{"id": "c2", "name": "convert", "arguments": {"value": "ten", "from": "km", "to": "mi"}}],
         "expect_last": "there is no tool named 'teleport'"},
        {"content": "I cannot convert that.", "expect_last": "invalid arguments for tool 'convert'"},
    ]
    for kind in ("python", "java"):
        report = _run(_loop_plan(_model(kind, script), [JAVA_CONVERT]), [("k", "teleport me")])
        assert report.errors == [], kind
        [(_, talk)] = report.outputs
        assert [m["role"] for m in talk["messages"]] == ["user", "assistant", "tool", "assistant", "tool", "assistant"]
        assert talk["messages"][-1]["content"] == "I cannot convert that."
        assert "expected number" in talk["messages"][4]["content"] and talk["messages"][4]["tool_call_id"] == "c2"
        assert talk["model_calls"] == 3 and talk["model"] == "m"


def test_the_conversation_in_sensory_memory_holds_the_tool_result() -> None:
    script = [{"tool_calls": [{"id": "c1", **CONVERT_10_KM}]}, {"content": "done"}]
    [(_, talk)] = _run(_loop_plan(_model("python", script), [JAVA_CONVERT]), [("k", "go")]).outputs
    tool_message = talk["messages"][2]
    assert tool_message["role"] == "tool" and tool_message["name"] == "convert"
    assert float(tool_message["content"]) == pytest.approx(6.21371192)


@pytest.mark.parametrize(("chat_config", "limit"), [({"max_iterations": 3}, 3), ({}, 10)])
def test_a_model_that_never_answers_stops_at_max_iterations_naming_the_key(chat_config, limit) -> None:
    script = [{"tool_calls": [CONVERT_10_KM]}] * 12
    report = _run(_loop_plan(_model("python", script), [JAVA_CONVERT], chat_config), [("stuck", "x"), ("other", "x")])
    assert report.outputs == [] and len(report.errors) == 2
    error = next(e for e in report.errors if e.key == "stuck")
    assert isinstance(error.cause, AgentLoopError) and error.action == "chat"
    assert "check why the model keeps asking for tools" in str(error.cause)
    assert "key 'stuck'" in str(error.cause) and f"max_iterations={limit}" in str(error.cause)


@pytest.mark.parametrize(("arguments", "expected"), [
    ({"value": 10, "from": "km", "to": "mi", "unit": "x"}, "unknown argument"),  # the Java tool's own check
    ({"value": 10, "from": "km", "to": "parsec"}, "tool 'convert' failed"),  # the Java tool throws
    ('{"value": 10, "from": "km", "to": "mi"}', "6.21"),  # arguments as JSON text, as OpenAI sends them
    ("{not json", "not valid JSON"),
    ([1, 2], "must be a JSON object"),
])
def test_every_tool_outcome_reaches_the_model_as_a_tool_message(arguments, expected) -> None:
    if not isinstance(arguments, dict):  # the scripted model only sends objects: hand the tool action the call
        plan = java_plan({
            "start": (py_fn(HERE, "raw_tool_request"), ["_input_event"]),
            "tools": (py_fn("python_actions.agents", "tools"), ["_tool_request_event"]),
            "show": (py_fn(HERE, "show_tool_response"), ["_tool_response_event"]),
        }, {"tool": {"convert": JAVA_CONVERT}})
        [(_, response)] = _run(plan, [("k", arguments)]).outputs
        text = response["error"].get("c1") or str(response["responses"]["c1"])
    else:
        script = [{"tool_calls": [{"id": "c1", "name": "convert", "arguments": arguments}]}, {"content": "ok"}]
        [(_, talk)] = _run(_loop_plan(_model("python", script), [JAVA_CONVERT]), [("k", "go")]).outputs
        text = talk["messages"][2]["content"]
    assert expected in text


def raw_tool_request(event, ctx):
    ctx.send_event(ToolRequestEvent(model="m", tool_calls=[{"id": "c1", "name": "convert", "arguments": event.input}]))


def show_tool_response(event, ctx):
    ctx.send_event(OutputEvent(output=dict(event.attributes)))


def test_the_schema_check_names_each_problem_by_path() -> None:
    from python_actions._schema import schema_errors
    schema = {"type": "object", "required": ["a"], "additionalProperties": False,
              "properties": {"a": {"type": "array", "items": {"type": "integer"}}, "b": {"enum": ["x"]}}}
    assert schema_errors({"a": [1, 2]}, schema) == []
    assert schema_errors({"a": [1, "2"], "b": "y", "c": 0}, schema) == [
        "$.a[1]: expected integer, got str '2'", "$.b: expected one of ['x'], got 'y'",
        "$: unknown field 'c' (allowed: a, b)"]
    assert schema_errors({}, schema) == ["$: missing required field 'a'"]
    assert schema_errors(True, {"type": ["integer", "null"]}) == ["$: expected integer or null, got bool True"]


def test_a_python_scripted_model_drives_the_java_convert_tool() -> None:
    script = [{"tool_calls": [CONVERT_10_KM]}, {"content": "10 km is 6.21 mi.", "expect_last": "6.21"}]
    report = _run(_loop_plan(_model("python", script), [JAVA_CONVERT]), [("a", "10 km?"), ("b", "again")])
    assert report.errors == []
    assert sorted((k, t["messages"][-1]["content"]) for k, t in report.outputs) == [
        ("a", "10 km is 6.21 mi."), ("b", "10 km is 6.21 mi.")]


def test_a_java_scripted_model_drives_a_python_tool_and_recovers_from_its_errors() -> None:
    script = [
        {"tool_calls": [{"id": "bad", "name": "lookup", "arguments": {"order": 7}},
                        {"id": "raises", "name": "lookup", "arguments": {"order_id": "ORD-0"}}]},
        {"tool_calls": [{"name": "lookup", "arguments": {"order_id": "ORD-7"}}], "expect_last": "KeyError"},
        {"content": "ORD-7 has shipped.", "expect_last": "shipped"},
    ]
    [(_, talk)] = _run(_loop_plan(_model("java", script), [PY_LOOKUP]), [("k", "where is ORD-7?")]).outputs
    assert [m.get("tool_call_id") for m in talk["messages"] if m["role"] == "tool"] == ["bad", "raises", "call_2_1"]
    assert "missing required field 'order_id'" in talk["messages"][2]["content"]
    assert talk["messages"][-1]["content"] == "ORD-7 has shipped."


class ToolListingModel:
    """A Python chat model that takes tools=: answers with the names and required arguments it was offered."""

    def chat(self, messages, tools=None):
        return {"content": "; ".join(f"{t['name']}({', '.join(t['parameters'].get('required', []))})"
                                     for t in tools or [])}


def test_the_chat_action_offers_the_configured_tool_schemas_to_a_python_model_taking_tools() -> None:
    model = _provider("python", "chat_model", "m", f"{HERE}.ToolListingModel")
    [(_, talk)] = _run(_loop_plan(model, [JAVA_CONVERT, PY_LOOKUP], {"tools": ["convert", "lookup"]}),
                       [("k", "which tools?")]).outputs
    assert talk["messages"][-1] == {"role": "assistant", "content": "convert(value, from, to); lookup(order_id)",
                                    "tool_calls": []}


def start_chat_with_a_plain_event(event, ctx):
    from bridge import Event

    ctx.send_event(Event(type="_chat_request_event",
                         attributes={"model": "m", "messages": [{"role": "user", "content": event.input}]}))


def test_a_chat_request_sent_as_a_plain_event_is_served_like_a_typed_one() -> None:
    plan = _loop_plan(_model("python", [{"tool_calls": [{"id": "c1", **CONVERT_10_KM}]}, {"content": "done"}]),
                      [JAVA_CONVERT])
    plan.actions["start"].exec.qualname = "start_chat_with_a_plain_event"
    report = _run(plan, [("k", "go")])
    assert report.errors == []
    [(_, talk)] = report.outputs
    assert talk["messages"][-1]["content"] == "done"


@pytest.mark.parametrize("bad", ["5", None, True, 0])
def test_a_bad_max_iterations_is_an_error_naming_the_setting(bad) -> None:
    from bridge import PlanError

    plan = _loop_plan(_model("python", [{"content": "hi"}]), [], {"max_iterations": bad})
    report = _run(plan, [("k", "go")])
    [error] = report.errors
    assert isinstance(error.cause, PlanError) and "max_iterations" in str(error.cause)


class Anything(Tool):
    metadata = ToolMetadata("anything", "Takes anything as x.", {
        "type": "object", "properties": {"x": True, "never": False}})

    def call(self, x=None, never=None) -> str:
        return f"got {x!r}"


def test_boolean_schemas_in_a_tool_schema_are_checked_not_crashed_on() -> None:
    script = [{"tool_calls": [{"id": "c1", "name": "anything", "arguments": {"x": 1}}]},
              {"tool_calls": [{"id": "c2", "name": "anything", "arguments": {"never": 1}}],
               "expect_last": "got 1"},
              {"content": "done", "expect_last": "no value is allowed here"}]
    plan = _loop_plan(_model("python", script), [_provider("python", "tool", "anything", f"{HERE}.Anything")])
    report = _run(plan, [("k", "go")])
    assert report.errors == []
    [(_, talk)] = report.outputs
    assert talk["messages"][-1]["content"] == "done"


def test_tool_calls_with_one_id_twice_each_get_their_result() -> None:
    script = [{"tool_calls": [{"id": "same", **CONVERT_10_KM},
                              {"id": "same", "name": "convert", "arguments": {"value": 1, "from": "km", "to": "m"}}]},
              {"content": "done"}]
    [(_, talk)] = _run(_loop_plan(_model("python", script), [JAVA_CONVERT]), [("k", "go")]).outputs
    results = [m for m in talk["messages"] if m["role"] == "tool"]
    assert len({m["tool_call_id"] for m in results}) == 2
    assert float(results[0]["content"]) == pytest.approx(6.21371192) and float(results[1]["content"]) == 1000.0


def test_a_tool_request_answered_twice_continues_the_conversation_once() -> None:
    script = [{"tool_calls": [{"id": "c1", **CONVERT_10_KM}]}, {"content": "done"}, {"content": "a fork"}]
    plan = _loop_plan(_model("python", script), [JAVA_CONVERT])
    second = java_plan({"tools_again": (py_fn("python_actions.agents", "tools"), ["_tool_request_event"])})
    plan.actions["tools_again"] = second.actions["tools_again"]
    report = _run(plan, [("k", "go")])
    assert report.errors == []
    assert [talk["messages"][-1]["content"] for _, talk in report.outputs] == ["done"]
