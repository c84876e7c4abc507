import datetime

import pytest

from bridge import PlanError
from bridge.plan import JavaFunction, PythonFunction, plan_from_data
from bridge.runtime._runtime import plan_identity

PF = {"func_type": "PythonFunction", "module": "m", "qualname": "f"}


def _action(name: str = "a", **fields) -> dict:
    return {"name": name, "exec": dict(PF), "trigger_conditions": ["x"], **fields}


def _problems(data) -> list[str]:
    with pytest.raises(PlanError) as info:
        plan_from_data(data, file="p.json")
    head, *lines = str(info.value).split("\n  ")
    assert head == "file p.json, at " + lines[0].partition(": ")[0] + ": invalid plan:"
    return lines


def test_every_problem_is_listed_with_its_path_in_field_order_and_the_first_is_the_error_path() -> None:
    data = {"actions": {"a": _action(name=5, exec={"func_type": "PythonFunction"}),
                        "b": _action("b", trigger_conditions=None)}, "config": 3}
    assert _problems(data) == [
        "actions.a.name: Input should be a valid string",
        "actions.a.exec.module: Field required",
        "actions.a.exec.qualname: Field required",
        "actions.b: an action needs 'trigger_conditions' (or the 0.3.1 form 'listen_event_types')",
        "config: Input should be a valid dictionary or instance of PlanConfig",
    ]
    with pytest.raises(PlanError) as info:
        plan_from_data(data)
    assert info.value.path == "actions.a.name"


def test_a_models_own_rule_runs_only_once_its_fields_are_valid() -> None:
    # No trigger and a bad name: only the name is reported, the rule across fields needs valid fields.
    assert _problems({"actions": {"a": {"name": 1, "exec": PF}}}) == ["actions.a.name: Input should be a valid string"]
    assert _problems({"actions": {"a": _action(name="b")}}) == [
        "<root>: actions.a: the key differs from the action's name 'b'"]


def test_list_items_and_dict_keys_are_named_by_position_and_key() -> None:
    assert _problems({"actions": {"a": _action(trigger_conditions=["x", 3])}}) == [
        "actions.a.trigger_conditions[1]: Input should be a valid string"]
    assert _problems({"actions": {"a": _action(config={1: "one"})}}) == [
        "actions.a.config[1].[key]: Input should be a valid string"]


def test_function_descriptors_are_chosen_by_func_type_and_an_unknown_one_is_named() -> None:
    assert _problems({"actions": {"a": _action(exec={"func_type": "RustFunction"})}}) == [
        "actions.a.exec: Input tag 'RustFunction' found using 'func_type' does not match any of the expected tags: "
        "'PythonFunction', 'JavaFunction'"]
    assert _problems({"actions": {"a": _action(exec={"module": "m", "qualname": "f"})}}) == [
        "actions.a.exec: Unable to extract tag using discriminator 'func_type'"]
    assert _problems({"actions": {"a": _action(exec="m.f")}}) == [
        "actions.a.exec: Input should be a valid dictionary or object to extract fields from"]
    java = {"func_type": "JavaFunction", "qualname": "a.B", "method_name": "m", "parameter_types": "x"}
    assert _problems({"actions": {"a": _action(exec=java)}}) == [
        "actions.a.exec.parameter_types: Input should be a valid list"]


def test_resource_providers_are_chosen_by_their_type_tag_python_when_untagged() -> None:
    def plan(provider):
        return {"actions": {"a": _action()}, "resource_providers": {"tool": {"t": provider}}}

    tagged = {"name": "t", "type": "tool", "__resource_provider_type__": "RustResourceProvider"}
    assert _problems(plan(tagged)) == [
        "resource_providers.tool.t: Input tag 'RustResourceProvider' found using '__resource_provider_type__' does "
        "not match any of the expected tags: 'PythonResourceProvider', 'PythonSerializableResourceProvider', "
        "'JavaResourceProvider', 'JavaSerializableResourceProvider'"]
    untagged = {"name": "t", "type": "tool", "descriptor": {"target_clazz": "C"}}
    assert _problems(plan(untagged)) == ["resource_providers.tool.t.descriptor.target_module: Field required"]


def test_a_closed_model_refuses_unknown_keys_after_its_fields_problems() -> None:
    assert _problems({"actions": {"a": {**_action(), "bogus": 1, "name": 2}}}) == [
        "actions.a.name: Input should be a valid string", "actions.a.bogus: Extra inputs are not permitted"]


def test_an_open_model_keeps_unknown_keys_readable_and_writes_them_back() -> None:
    data = {"actions": {"a": _action()}, "top": {"k": [1]}, "resource_providers": {"tool": {"t": {
        "name": "t", "type": "tool", "__resource_provider_type__": "JavaResourceProvider",
        "descriptor": {"target_clazz": "a.B", "method": "m"}}}}}
    plan = plan_from_data(data)
    descriptor = plan.resource_providers["tool"]["t"].descriptor
    assert descriptor.model_extra == {"method": "m"} and descriptor.method == "m"
    assert plan.top == {"k": [1]}
    assert plan.to_dict() == data


def test_only_given_fields_are_written_back_and_a_field_set_by_code_is_written() -> None:
    data = {"actions": {"a": _action()}, "config": None}
    plan = plan_from_data(data)
    assert plan.resource_providers == {} and plan.agent_name is None
    assert plan.to_dict() == data  # no default written, the explicit null kept
    plan.agent_name = "named"
    assert plan.to_dict() == {"agent_name": "named", **data}


def test_the_plan_identity_a_state_compares_keeps_its_form() -> None:
    # States written earlier hold this form: field names (not aliases), defaults included, None left out.
    plan = plan_from_data({"actions": {"a": _action()}, "resource_providers": {"tool": {"t": {
        "name": "t", "type": "tool", "descriptor": {"target_module": "m", "target_clazz": "C"}}}}})
    assert plan_identity(plan) == {
        "actions": {"a": {"name": "a", "exec": PF, "trigger_conditions": ["x"]}},
        "resources": {"tool": {"t": {"name": "t", "type": "tool", "descriptor": {
            "target_module": "m", "target_clazz": "C", "arguments": {}}, "provider_type": "PythonResourceProvider"}}}}


def test_the_wire_form_is_json_values_even_for_yaml_dates() -> None:
    plan = plan_from_data({"actions": {"a": _action()}, "config": {"conf_data": {"day": datetime.date(2024, 1, 2)}}})
    assert plan.conf_data["day"] == datetime.date(2024, 1, 2)
    assert plan.to_dict()["config"] == {"conf_data": {"day": "2024-01-02"}}
    assert '"day": "2024-01-02"' in plan.to_json()
    assert '"day":"2024-01-02"' in plan.to_json(indent=None)


def test_models_built_in_code_are_validated_compared_and_shown_by_their_fields() -> None:
    function = JavaFunction(qualname="a.B", method_name="m")
    assert function.parameter_types == [] and function.func_type == "JavaFunction"
    assert function == JavaFunction(qualname="a.B", method_name="m", parameter_types=[])
    assert function != JavaFunction(qualname="a.B", method_name="n")
    assert repr(PythonFunction(module="m", qualname="f")) == (
        "PythonFunction(func_type='PythonFunction', module='m', qualname='f')")
    with pytest.raises(PlanError, match=r"module: Input should be a valid string\n  qualname: Field required"):
        PythonFunction(module=1)
