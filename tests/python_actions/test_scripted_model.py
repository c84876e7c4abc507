"""The scripted chat model: the shared cases against the Python model and, through the JVM, the Java one."""

import json

import pytest
from conftest import ROOT, java_plan, py_fn

from bridge import ResourceType, Runtime
from python_actions.models import ScriptedChatModel

CASES = json.loads((ROOT / "tests/contract/chat_scripts/turns.json").read_text())["cases"]
JAVA_MODEL = "dev.bridge.examples.ScriptedChatModel"


def _java_model(script: list) -> object:
    resources = {"chat_model": {"m": {"name": "m", "type": "chat_model",
                                      "__resource_provider_type__": "JavaResourceProvider",
                                      "descriptor": {"target_clazz": JAVA_MODEL, "arguments": {"script": script}}}}}
    plan = java_plan({"noop": (py_fn("python_actions.demo", "enrich"), ["never"])}, resources)
    return Runtime(plan)._resources.get("m", ResourceType.CHAT_MODEL)


def _models(script: list) -> list:
    return [ScriptedChatModel(script=script), _java_model(script)]


@pytest.mark.usefixtures("java_built")
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_both_languages_answer_a_shared_case_alike(case) -> None:
    for model in _models(case["script"]):
        if case.get("error"):
            with pytest.raises(Exception, match=r"script has 1 turn\(s\) and this conversation asks for turn 2"):
                model.chat(case["messages"])
        else:
            assert model.chat(case["messages"]) == case["expect"], model


@pytest.mark.parametrize(("script", "message"), [
    ({"content": "x"}, "'script' must be a list"),
    ([{"contnet": "x"}], "turn 1 has unknown field"),
    ([{"content": 3}], "'content' must be a string"),
    ([{"tool_calls": [{"id": "x"}]}], "each tool call is"),
    ([{"tool_calls": [{"name": "t", "arguments": [1]}]}], "arguments must be an object"),
])
def test_a_malformed_script_is_refused_when_the_model_is_built(script, message) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        ScriptedChatModel(script=script)


@pytest.mark.usefixtures("java_built")
def test_the_java_model_refuses_a_malformed_script_when_built() -> None:
    with pytest.raises(Exception, match="turn 1 has unknown field 'contnet'"):
        _java_model([{"contnet": "x"}])


def test_a_tool_call_id_that_is_not_a_string_is_refused_when_the_model_is_built() -> None:
    from python_actions.models import ScriptedChatModel

    with pytest.raises(ValueError, match='"id"\\?: str'):
        ScriptedChatModel(script=[{"tool_calls": [{"id": 0, "name": "t"}]}])
