"""The README's agent demo, end to end and offline: a Python ReAct agent with Java tools and Java retrieval."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from bridge import OutputEvent, Runtime
from bridge.cli import main
from bridge.plan import plan_from_data
from python_actions.agents import conversation

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "agent"
pytestmark = pytest.mark.usefixtures("java_built")


def _plan_data() -> dict[str, Any]:
    return yaml.safe_load((DEMO / "plan.yaml").read_text())


def _questions() -> list[tuple[str, str]]:
    return [(r["key"], r["input"]) for r in map(json.loads, (DEMO / "questions.jsonl").read_text().splitlines())]


def test_the_agent_demo_answers_each_question_from_the_java_tools_and_the_retrieved_faq(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["run", str(DEMO / "plan.yaml"), "--input", str(DEMO / "questions.jsonl"),
                                       "--output", str(out)])
    assert result.exit_code == 0, result.output
    answers = {r["key"]: r["output"] for r in map(json.loads, out.read_text().splitlines())}
    assert sorted(answers) == ["ada", "alan", "grace", "katherine"]
    # lookupOrder (Java) gave the statuses; the scripts only answer after reading them (expect_last)
    assert {k: answers[k]["order_status"] for k in ("ada", "alan", "grace")} == {
        "ada": "pending", "alan": "shipped", "grace": "pending"}
    # convert (Java): 620 km and 11 lb
    assert answers["ada"]["converted"] == {"value": pytest.approx(385.25), "unit": "mi"}
    assert answers["katherine"]["converted"] == {"value": pytest.approx(4.99), "unit": "kg"}
    assert answers["katherine"]["order_id"] is None
    # the FAQ passage MiniLM ranked first is the one each answer rests on
    assert {k: a["source"] for k, a in answers.items()} == {
        "ada": "shipping", "alan": "returns", "grace": "approval", "katherine": "weight"}
    assert "30 days" in answers["alan"]["answer"]


def opening_messages(event: Any, ctx: Any) -> None:
    """Test action: output what the model was first shown and what retrieval found, beside the answer."""
    talk = conversation(ctx, event.request_id)
    ctx.send_event(OutputEvent(output={"retrieved": ctx.sensory_memory.get("support.retrieved"),
                                       "opening": talk["messages"][:3]}))


def test_the_retrieved_passage_and_the_question_open_the_conversation() -> None:
    data = _plan_data()
    data["actions"]["inspect"] = {"name": "inspect", "trigger_conditions": ["_chat_response_event"], "exec": {
        "func_type": "PythonFunction", "module": "test_agent_demo", "qualname": "opening_messages"}}
    with Runtime(plan_from_data(data)) as runtime:
        report = runtime.run([q for q in _questions() if q[0] == "alan"])
    assert report.errors == []
    [seen] = [output for _, output in report.outputs if "opening" in output]
    system, user, schema = seen["opening"]
    assert [m["role"] for m in (system, user, schema)] == ["system", "user", "user"]
    assert [hit["id"] for hit in seen["retrieved"]] == ["returns"]
    assert "[returns] Not happy with an item? Send it back within 30 days" in user["content"]
    assert "Customer question: The headset from order ORD-1003" in user["content"]
    assert '"order_status"' in schema["content"]  # the output schema's instruction, from SupportAnswer


def test_a_question_whose_passage_is_not_retrieved_fails_instead_of_getting_a_canned_answer() -> None:
    data = _plan_data()
    documents = data["resource_providers"]["vector_store"]["faq"]["descriptor"]["arguments"]["documents"]
    documents[:] = [d for d in documents if d["id"] != "returns"]
    with Runtime(plan_from_data(data)) as runtime:
        report = runtime.run([q for q in _questions() if q[0] == "alan"])
    assert report.outputs == []
    [error] = report.errors
    assert "no script's 'when' strings" in str(error.cause) and "ORD-1003" in str(error.cause)


def test_the_openai_plan_is_the_scripted_plan_with_another_chat_model() -> None:
    scripted, openai = _plan_data(), yaml.safe_load((DEMO / "plan.openai.yaml").read_text())
    for data in (scripted, openai):
        data["resource_providers"].pop("chat_model_connection", None)
        assert set(data["resource_providers"].pop("chat_model")) == {"llm"}
    assert openai == scripted
