import json
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, shared_path

from bridge import Agent, AgentPlan, InputEvent, PlanError, action, load_plan
from bridge.plan import JavaFunction, PythonFunction, PythonResourceProvider, plan_from_data


def _fixture_files() -> list[str]:
    files = [p for p in FIXTURES.glob("**/*.json") if "event-snapshots" not in str(p)
             and "trigger-condition" not in str(p)]
    return sorted(str(p.relative_to(FIXTURES)) for p in files) or ["<missing>"]


def _read_fixture(name: str):
    from bridge.plan import _models as m

    data = json.loads(shared_path("fixtures", name).read_text())
    kinds = {"action.json": m.Action, "python_function.json": m.PythonFunction}
    if name.endswith(("resource_provider.json",)):
        model = m.PythonSerializableResourceProvider if "serializable" in name else m.PythonResourceProvider
    else:
        model = kinds.get(Path(name).name, m.AgentPlan)
    return data, model


@pytest.mark.parametrize("name", _fixture_files())
def test_every_plan_fixture_reads_and_writes_back_equal(name: str) -> None:
    data, model = _read_fixture(name)
    parsed = model.model_validate(data)
    assert parsed.model_dump(mode="json", by_alias=True, exclude_unset=True) == data


@pytest.mark.parametrize("name", [n for n in _fixture_files() if "agent_plan" in n])
def test_whole_plans_round_trip_through_yaml_and_load_plan(name: str, tmp_path: Path) -> None:
    data = json.loads(shared_path("fixtures", name).read_text())
    plan = plan_from_data(data)
    target = tmp_path / "plan.yaml"
    target.write_text(plan.to_yaml())
    assert load_plan(target).to_dict() == data
    assert json.loads(plan.to_json()) == data


def test_function_descriptors_are_tagged_by_func_type() -> None:
    data = json.loads(shared_path(
        "fixtures/flink-agents/e2e-test/cross-language-agent-plan-snapshots/python/agent_plan_with_java_action.json"
    ).read_text())
    plan = plan_from_data(data)
    assert isinstance(plan.actions["handle"].exec, JavaFunction)
    assert plan.actions["handle"].exec.method_name == "handle"
    assert isinstance(plan.actions["tool_call_action"].exec, PythonFunction)


def test_a_provider_without_a_type_tag_is_a_python_provider_and_stays_untagged() -> None:
    data = json.loads(shared_path(
        "fixtures/flink-agents/python/flink_agents/plan/tests/resources/resource_provider.json").read_text())
    provider = PythonResourceProvider.model_validate(data)
    assert provider.descriptor.target_clazz == "MockChatModelImpl"
    assert "__resource_provider_type__" not in provider.model_dump(by_alias=True, exclude_unset=True)


class OrderAgent(Agent):
    config = {"greeting": "hi"}

    @action(InputEvent)
    @staticmethod
    def first(event, ctx):
        pass

    @staticmethod
    @action("_input_event", "custom")
    def second(event, ctx):
        pass


def test_a_plan_compiles_from_an_agent_class() -> None:
    plan = AgentPlan.from_agent(OrderAgent)
    assert plan.agent_name == "OrderAgent"
    assert plan.actions["first"].exec == PythonFunction(module=__name__, qualname="OrderAgent.first")
    assert plan.actions["second"].trigger_conditions == ["_input_event", "custom"]
    assert plan.conf_data == {"greeting": "hi"}
    assert plan_from_data(json.loads(plan.to_json())).to_dict() == plan.to_dict()


def test_an_agent_action_that_is_not_static_is_refused() -> None:
    class Bad(Agent):
        @action(InputEvent)
        def handle(self, event, ctx):
            pass

    with pytest.raises(PlanError, match="static methods"):
        AgentPlan.from_agent(Bad)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_malformed_plan_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.json", json.dumps({"actions": {"a": {
        "name": "a", "exec": {"func_type": "PythonFunction", "module": "m"}, "trigger_conditions": ["x"]}}}))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert str(path) in str(info.value)
    assert "actions.a.exec" in str(info.value) and "qualname" in str(info.value)


def test_an_unknown_func_type_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.yaml", yaml.safe_dump({"actions": {"a": {
        "name": "a", "exec": {"func_type": "RustFunction"}, "trigger_conditions": ["x"]}}}))
    with pytest.raises(PlanError, match="RustFunction|func_type"):
        load_plan(path)


def test_invalid_json_and_unknown_extensions_are_named(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="not valid JSON"):
        load_plan(_write(tmp_path, "p.json", "{nope"))
    with pytest.raises(PlanError, match=r"\.json, \.yaml"):
        load_plan(_write(tmp_path, "p.txt", "{}"))
    with pytest.raises(PlanError, match="cannot read"):
        load_plan(tmp_path / "absent.json")


def test_invalid_yaml_names_the_file_and_quotes_the_line_with_a_caret(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.yaml", "actions:\n  a: [1, 2\n  b: c\n")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    message = str(info.value)
    assert str(path) in message and "not valid YAML" in message
    assert "line 2" in message and "      a: [1, 2\n         ^" in message


def test_a_yaml_plan_reads_as_yaml_safe_load_reads_it(tmp_path: Path) -> None:
    text = ("actions:\n  a:\n    name: a\n    exec: {func_type: PythonFunction, module: m, qualname: f}\n"
            "    trigger_conditions: [x]\nconfig:\n  conf_data: {day: 2024-01-02, 'n': 1.5e3, yes_no: yes, e: ~}\n")
    plan = load_plan(_write(tmp_path, "p.yml", text))
    assert plan.conf_data == yaml.safe_load(text)["config"]["conf_data"]


def test_an_action_needs_a_trigger_and_its_key_must_match_its_name() -> None:
    with pytest.raises(PlanError, match="trigger_conditions"):
        plan_from_data({"actions": {"a": {"name": "a", "exec": {"func_type": "PythonFunction", "module": "m",
                                                                "qualname": "f"}}}})
    with pytest.raises(PlanError, match="differs"):
        plan_from_data({"actions": {"a": {"name": "b", "exec": {"func_type": "PythonFunction", "module": "m",
                                                                "qualname": "f"}, "trigger_conditions": ["x"]}}})


def test_an_invalid_trigger_expression_fails_plan_validation() -> None:
    with pytest.raises(PlanError, match="type =="):
        plan_from_data({"actions": {"a": {"name": "a", "exec": {"func_type": "PythonFunction", "module": "m",
                                                                "qualname": "f"}, "trigger_conditions": ["type =="]}}})
