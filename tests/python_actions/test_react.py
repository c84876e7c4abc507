"""The ReAct agent in real runs: input to answer through the loop, output schemas, an Agent class."""

import pytest
from conftest import java_plan, py_fn
from pydantic import BaseModel
from test_agents import CONVERT_10_KM, JAVA_CONVERT, PY_LOOKUP, _model, _run

from bridge import OutputSchemaError, Runtime
from python_actions.react import ReActAgent

pytestmark = pytest.mark.usefixtures("java_built")
HERE = "test_react"


def _react_plan(model: dict, tools: list[dict], react_config: dict | None = None, chat_config: dict | None = None):
    resources = {"chat_model": {"m": model}, "tool": {t["name"]: t for t in tools}}
    return java_plan({
        "react": (py_fn("python_actions.react", "react"), ["_input_event", "_chat_response_event"],
                  {"model": "m", **(react_config or {})}),
        "chat": (py_fn("python_actions.agents", "chat"), ["_chat_request_event", "_tool_response_event"],
                 chat_config or {}),
        "tools": (py_fn("python_actions.agents", "tools"), ["_tool_request_event"]),
    }, resources)


def test_the_react_agent_answers_with_a_python_model_and_the_java_tool() -> None:
    script = [{"tool_calls": [CONVERT_10_KM]}, {"content": "10 km is 6.21 mi.", "expect_last": "6.21"}]
    report = _run(_react_plan(_model("python", script), [JAVA_CONVERT]), [("a", "convert 10 km"), ("b", "again")])
    assert report.errors == []
    assert sorted(report.outputs) == [("a", "10 km is 6.21 mi."), ("b", "10 km is 6.21 mi.")]


def test_the_react_agent_answers_with_a_java_model_and_a_python_tool() -> None:
    script = [
        {"tool_calls": [{"id": "bad", "name": "lookup", "arguments": {"order": 7}},
                        {"id": "raises", "name": "lookup", "arguments": {"order_id": "ORD-0"}}]},
        {"tool_calls": [{"name": "lookup", "arguments": {"order_id": "ORD-7"}}], "expect_last": "KeyError"},
        {"content": "ORD-7 has shipped.", "expect_last": "shipped"},
    ]
    report = _run(_react_plan(_model("java", script), [PY_LOOKUP]), [("k", "where is ORD-7?")])
    assert report.errors == [] and report.outputs == [("k", "ORD-7 has shipped.")]


class Answer(BaseModel):
    miles: float
    unit: str


GOOD = '{"miles": 6.21, "unit": "mi"}'


@pytest.mark.parametrize("schema", [f"{HERE}.Answer", Answer.model_json_schema()], ids=["pydantic", "json"])
@pytest.mark.parametrize("kind", ["python", "java"])
def test_an_answer_passing_the_output_schema_is_the_output(schema, kind) -> None:
    script = [{"tool_calls": [CONVERT_10_KM]}, {"content": GOOD, "expect_last": "6.21"}]
    report = _run(_react_plan(_model(kind, script), [JAVA_CONVERT], {"output_schema": schema}), [("k", "10 km?")])
    assert report.errors == [] and report.outputs == [("k", {"miles": 6.21, "unit": "mi"})]


@pytest.mark.parametrize("schema", [f"{HERE}.Answer", Answer.model_json_schema()], ids=["pydantic", "json"])
def test_an_answer_failing_the_schema_is_retried_once_with_the_validation_error(schema) -> None:
    script = [{"content": "about six miles"},
              {"content": f"```json\n{GOOD}\n```", "expect_last": "does not match the output schema"}]
    report = _run(_react_plan(_model("python", script), [], {"output_schema": schema}), [("k", "10 km?")])
    assert report.errors == [] and report.outputs == [("k", {"miles": 6.21, "unit": "mi"})]


@pytest.mark.parametrize(("schema", "message"), [(f"{HERE}.Answer", "miles"), (Answer.model_json_schema(), "miles")],
                         ids=["pydantic", "json"])
def test_an_answer_failing_the_schema_twice_is_an_error_with_the_validation_message(schema, message) -> None:
    script = [{"content": '{"unit": "mi"}'}, {"content": '{"unit": "mi", "miles": "many"}'}]
    report = _run(_react_plan(_model("java", script), [], {"output_schema": schema}), [("k", "10 km?")])
    [error] = report.errors
    assert isinstance(error.cause, OutputSchemaError) and error.action == "react"
    assert "key 'k'" in str(error.cause) and "twice" in str(error.cause) and message in str(error.cause)
    assert report.outputs == []


class UnitAgent(ReActAgent):
    config = {"agents.model": "m", "agents.max_iterations": 2, "agents.system_prompt": "Use the tools."}
    resource_providers = {"chat_model": {"m": _model("python", [
        {"tool_calls": [CONVERT_10_KM]}, {"content": "6.21 mi", "expect_last": "6.21"}])},
        "tool": {"convert": JAVA_CONVERT}}


def test_an_agent_class_inherits_the_react_chat_and_tool_actions() -> None:
    with Runtime(UnitAgent) as rt:
        report = rt.run([("k", "convert 10 km to mi")])
    assert report.errors == [] and report.outputs == [("k", "6.21 mi")]


@pytest.mark.parametrize(("react_config", "message"), [
    ({"model": ""}, "the react action needs a chat model"),
    ({"output_schema": "no_such_module.Answer"}, "cannot be imported"),
    ({"output_schema": "pytest.approx"}, "not a pydantic model class"),
])
def test_a_misconfigured_react_action_says_what_to_set(react_config, message) -> None:
    report = _run(_react_plan(_model("python", [{"content": "x"}]), [], react_config), [("k", "hi")])
    [error] = report.errors
    assert message in str(error.cause) and report.outputs == []


def test_the_react_action_leaves_chat_responses_it_did_not_ask_for_alone() -> None:
    plan = java_plan({  # another action starts a conversation of its own beside react's
        "react": (py_fn("python_actions.react", "react"), ["_input_event", "_chat_response_event"], {"model": "m"}),
        "other": (py_fn("test_agents", "start_chat"), ["_input_event"]),
        "chat": (py_fn("python_actions.agents", "chat"), ["_chat_request_event", "_tool_response_event"]),
    }, {"chat_model": {"m": _model("python", [{"content": "mine"}])}})
    report = _run(plan, [("k", "hi")])
    assert report.errors == [] and report.outputs == [("k", "mine")]


@pytest.mark.parametrize("schema", [f"{HERE}.Answer", Answer.model_json_schema()], ids=["pydantic", "json"])
def test_a_nan_in_the_answer_is_a_schema_failure_the_model_retries(schema) -> None:
    script = [{"content": '{"miles": NaN, "unit": "mi"}'}, {"content": GOOD, "expect_last": "NaN"}]
    report = _run(_react_plan(_model("python", script), [], {"output_schema": schema}), [("k", "10 km?")])
    assert report.errors == [] and report.outputs == [("k", {"miles": 6.21, "unit": "mi"})]


def test_a_prompt_resource_makes_the_opening_messages_with_the_input() -> None:
    prompt = {"name": "p", "type": "prompt", "__resource_provider_type__": "PythonResourceProvider",
              "descriptor": {"target_module": "python_actions.prompts", "target_clazz": "Prompt", "arguments": {
                  "messages": [{"role": "system", "content": "You convert units."},
                               {"role": "user", "content": "Please: {input}"}]}}}
    script = [{"content": "6.21 mi", "expect_last": "Please: convert 10 km"}]
    plan = java_plan({
        "react": (py_fn("python_actions.react", "react"), ["_input_event", "_chat_response_event"],
                  {"model": "m", "prompt": "p"}),
        "chat": (py_fn("python_actions.agents", "chat"), ["_chat_request_event", "_tool_response_event"]),
    }, {"chat_model": {"m": _model("python", script)}, "prompt": {"p": prompt}})
    report = _run(plan, [("k", "convert 10 km")])
    assert report.errors == [] and report.outputs == [("k", "6.21 mi")]
