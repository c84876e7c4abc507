"""The agent demo's pieces: the script library's choice of script, the support action, the OpenAI-compatible plan."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from _fake_llm_server import FakeLLMServer, json_reply, openai_completion
from conftest import java_plan, py_fn
from test_agents import _model, _provider

from bridge import Runtime
from bridge.api import VectorStore
from bridge.errors import ResourceError
from bridge.plan import plan_from_data
from python_actions.support_agent import ScriptLibrary

HERE = "test_support_agent"
SYSTEM = {"role": "system", "content": "You are the support desk."}
LIBRARY = ScriptLibrary([
    {"when": ["ORD-1", "[returns]"], "script": [{"tool_calls": [{"name": "lookupOrder"}]}, {"content": "returns"}]},
    {"when": ["ORD-1"], "script": [{"content": "any other question about ORD-1"}]},
])


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def test_the_first_script_whose_strings_all_open_the_conversation_answers() -> None:
    assert LIBRARY.chat([SYSTEM, _user("[returns] 30 days. Question: ORD-1?")])["tool_calls"][0]["name"] == (
        "lookupOrder")
    assert LIBRARY.chat([SYSTEM, _user("[shipping] two days. Question: ORD-1?")])["content"] == (
        "any other question about ORD-1")


def test_later_messages_do_not_change_the_script_a_conversation_follows() -> None:
    talk = [SYSTEM, _user("[shipping] Question: ORD-1?"), {"role": "assistant", "content": "hm", "tool_calls": []},
            _user("[returns] by the way")]
    with pytest.raises(ValueError, match="asks for turn 2"):  # still the one-turn script, now used up
        LIBRARY.chat(talk)


def test_a_conversation_no_script_matches_is_an_error_quoting_the_question() -> None:
    with pytest.raises(ValueError, match=r"no script's 'when'.*first user message: 'Where is ORD-2\?'"):
        LIBRARY.chat([SYSTEM, _user("Where is ORD-2?")])


@pytest.mark.parametrize(("scripts", "message"), [
    ([], "non-empty list"),
    ([{"script": [{"content": "x"}]}], "needs 'when'"),
    ([{"when": ["a", ""], "script": [{"content": "x"}]}], "needs 'when'"),
])
def test_a_malformed_library_is_refused_when_built(scripts: Any, message: str) -> None:
    with pytest.raises(ResourceError, match=message):
        ScriptLibrary(scripts)


def test_a_malformed_script_is_refused_by_the_scripted_model_rules() -> None:
    with pytest.raises(ValueError, match="script turn 1 has unknown field"):
        ScriptLibrary([{"when": ["a"], "script": [{"text": "x"}]}])


class Faq(VectorStore):
    """A Python stand-in for the Java FAQ store (no JVM needed to test the action's settings)."""

    def query(self, text: str, k: int = 3) -> list[dict[str, Any]]:
        return [{"id": "returns", "content": "Send it back within 30 days.", "score": 0.5, "metadata": {}}][:k]


RESOURCES = {
    "vector_store": {"faq": _provider("python", "vector_store", "faq", f"{HERE}.Faq")},
    "prompt": {"q": _provider("python", "prompt", "q", "python_actions.prompts.Prompt",
                              {"template": "{passage}\nQ: {question} ({source})"})},
    "chat_model": {"m": _model("python", [
        {"content": "ok", "expect_last": "[returns] Send it back within 30 days.\nQ: can I return it? (returns)"}])},
}
CONFIG = {"model": "m", "vector_store": "faq", "question_prompt": "q"}


def _run(config: dict, question: Any = "can I return it?") -> Any:
    plan = java_plan({
        "support": (py_fn("python_actions.support_agent", "support"), ["_input_event"], config),
        "react": (py_fn("python_actions.react", "react"), ["_chat_response_event"]),
        "chat": (py_fn("python_actions.agents", "chat"), ["_chat_request_event", "_tool_response_event"]),
    }, RESOURCES)
    with Runtime(plan) as runtime:
        return runtime.run([("k", question)])


@pytest.mark.parametrize("question", ["can I return it?", {"question": "can I return it?"}])
def test_the_support_action_puts_the_retrieved_passage_in_the_prompt_and_hands_on_to_react(question) -> None:
    report = _run(CONFIG, question)
    assert report.errors == [] and report.outputs == [("k", "ok")]


@pytest.mark.parametrize(("config", "question", "message"), [
    ({**CONFIG, "vector_store": None}, "q?", "needs 'vector_store'"),
    ({**CONFIG, "question_prompt": ""}, "q?", "needs 'question_prompt'"),
    ({**CONFIG, "top_k": 0}, "q?", "top_k"),
    (CONFIG, "  ", "the input is the customer's question"),
    (CONFIG, 42, "the input is the customer's question"),
])
def test_a_misconfigured_support_action_says_what_to_set(config: dict, question: Any, message: str) -> None:
    report = _run(config, question)
    [error] = report.errors
    assert message in str(error.cause) and report.outputs == []


DEMO = Path(__file__).resolve().parents[2] / "examples" / "agent"


@pytest.mark.usefixtures("java_built")
def test_the_openai_demo_plan_runs_the_agent_through_an_openai_compatible_server() -> None:
    data = yaml.safe_load((DEMO / "plan.openai.yaml").read_text())
    [ada] = [json.loads(line)["input"] for line in (DEMO / "questions.jsonl").read_text().splitlines()
             if json.loads(line)["key"] == "ada"]
    answer = {"answer": "Not yet: ORD-1001 is pending. 620 km is about 385 miles.", "source": "shipping",
              "order_id": "ORD-1001", "order_status": "pending", "converted": {"value": 385.25, "unit": "mi"}}
    with FakeLLMServer() as server:
        server.reply(json_reply(openai_completion(tool_calls=[  # two calls in one turn, as models do
            {"id": "a", "name": "lookupOrder", "arguments": '{"orderId": "ORD-1001"}'},
            {"id": "b", "name": "convert", "arguments": '{"value": 620, "from": "km", "to": "mi"}'}])),
            json_reply(openai_completion(content=f"```json\n{json.dumps(answer)}\n```")))
        connection = data["resource_providers"]["chat_model_connection"]["server"]["descriptor"]["arguments"]
        connection.update(base_url=f"{server.url}/v1", retries=0)
        with Runtime(plan_from_data(data)) as runtime:
            report = runtime.run([("ada", ada)])
    assert report.errors == [] and report.outputs == [("ada", answer)]
    first, second = server.bodies()
    assert (first["model"], first["temperature"]) == ("qwen2.5:7b", 0)
    assert sorted(tool["function"]["name"] for tool in first["tools"]) == ["convert", "lookupOrder"]
    system, user, schema = first["messages"]
    assert system["role"] == "system" and "support desk" in system["content"]
    assert "[shipping] Orders ship within two business days" in user["content"] and ada in user["content"]
    assert "order_status" in schema["content"]
    order, distance = second["messages"][-2:]  # the Java tools' results, answering the calls by id
    assert (order["role"], order["tool_call_id"], distance["tool_call_id"]) == ("tool", "a", "b")
    assert '"status": "pending"' in order["content"] and distance["content"].startswith("385.25")
