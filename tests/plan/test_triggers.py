"""Trigger conditions behave as the cross-language conformance fixture states."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bridge.plan._triggers import (
    TriggerError,
    TriggerSet,
    classify,
    compile_condition,
    event_type_of,
    ordered_entries,
    ordered_matches,
    validate,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FIXTURE = (
    SHARED
    / "fixtures/flink-agents/e2e-test/cross-language-trigger-condition-fixtures"
    / "trigger_condition_conformance.json"
)


def _read_fixture() -> dict[str, Any] | None:
    return json.loads(FIXTURE.read_text(encoding="utf-8")) if FIXTURE.is_file() else None


_FIXTURE = _read_fixture()
_CASES = (
    [pytest.param(case, id=case["name"]) for case in _FIXTURE["cases"]]
    if _FIXTURE
    else [pytest.param(None, id="fixture-missing")]
)


@pytest.fixture(scope="module")
def conformance() -> dict[str, Any]:
    """The shared fixture: skipped when ../shared is absent, a failure when CI is "true"."""
    if _FIXTURE is None:
        missing = SHARED if not SHARED.is_dir() else FIXTURE
        message = f"trigger-condition conformance fixture unavailable: {missing} is missing"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return _FIXTURE


@pytest.mark.parametrize("case", _CASES)
def test_each_entry_behaves_as_the_conformance_fixture_states(
    case: dict[str, Any], conformance: dict[str, Any]
) -> None:
    entry = case["entry"]
    assert classify(entry) == case["classification"]

    if case["plan_validation"] == "pass":
        validate(entry)
    else:
        with pytest.raises(TriggerError) as planned:
            validate(entry)
        assert planned.value.category == case["error_category"]
        assert planned.value.entry == entry
        assert entry.strip() in str(planned.value)

    runtime = case["runtime_compilation"]
    if runtime == "fail":
        with pytest.raises(TriggerError) as compiled:
            compile_condition(entry)
        assert compiled.value.category == case["error_category"]
        assert case["runtime_error_fragment"] in str(compiled.value)
        assert entry.strip() in str(compiled.value)
        with pytest.raises(TriggerError):
            TriggerSet([entry])
    elif runtime == "pass" or case["plan_validation"] == "pass":
        compile_condition(entry)
    else:  # not applicable because the plan already rejects it: the runtime rejects it the same way
        with pytest.raises(TriggerError) as compiled:
            compile_condition(entry)
        assert compiled.value.category == case["error_category"]

    if "matches_probe" in case:
        triggers = TriggerSet([entry])
        probe = (case["probe_event_type"], case["probe_attributes"])
        assert triggers.matches(*probe) is case["matches_probe"]
        assert compile_condition(entry)(*probe) is case["matches_probe"]
        if case["classification"] == "event_type" and case["matches_probe"]:
            assert event_type_of(entry) == case["probe_event_type"]


def test_actions_run_type_hits_first_then_condition_hits_each_once(
    conformance: dict[str, Any],
) -> None:
    scenario = conformance["ordering_dedupe_type_first"]
    actions = {action["name"]: TriggerSet(action["entries"]) for action in scenario["actions"]}

    matched = ordered_matches(actions, scenario["probe_event_type"], {})

    assert matched == scenario["expected_matches"]


def test_an_actions_entries_are_deduplicated_with_event_types_first() -> None:
    entries = [
        "type == EventType.InputEvent",
        " _input_event ",
        "'_input_event'",
        "score > 1",
        "type == EventType.InputEvent",
        '"other"',
    ]

    assert ordered_entries(entries) == [
        " _input_event ",
        '"other"',
        "type == EventType.InputEvent",
        "score > 1",
    ]
    assert TriggerSet(entries).event_types == frozenset({"_input_event", "other"})
    assert len(TriggerSet(entries).expressions) == 2


def test_a_trigger_set_with_mixed_entries_matches_on_either() -> None:
    triggers = TriggerSet(["_input_event", "score > 10"])

    assert triggers.matches("_input_event", {})
    assert triggers.matches("other", {"score": 20})
    assert not triggers.matches("other", {"score": 5})


@pytest.mark.parametrize(
    "entry",
    [
        "attributes.missing > 0",
        "missing == true",
        "a.b.c == true",
        "attributes['a'].b == 1",
        "!(missing > 0)",
        "has(missing) && missing > 0",
    ],
)
def test_a_missing_attribute_path_does_not_match(entry: str) -> None:
    assert not TriggerSet([entry]).matches("other", {"a": {"b": {}}})


def test_a_missing_path_in_one_branch_does_not_hide_a_match_in_the_other() -> None:
    assert TriggerSet(["missing > 0 || score == 7"]).matches("other", {"score": 7})
    assert not TriggerSet(["missing > 0 && score == 7"]).matches("other", {"score": 7})


@pytest.mark.parametrize(
    ("entry", "event_type", "attributes", "expected"),
    [
        ("attributes['a.b'] == 'x'", "e", {"a.b": "x"}, True),
        ("'a.b' in attributes", "e", {"a.b": 1}, True),
        ("region in ['eu', \"us\"]", "e", {"region": "us"}, True),
        ("score >= 1.5 && score < 10", "e", {"score": 2}, True),
        ("flag == 1", "e", {"flag": True}, False),
        ("has(a.b) && a.b != null", "e", {"a": {"b": 0}}, True),
        ("type != EventType.OutputEvent", "_output_event", {}, False),
        ("name == 'caf\\u00e9\\n'", "e", {"name": "café\n"}, True),
        ("delta > -3", "e", {"delta": -2}, True),
        ("tags == [] || 'a' in tags", "e", {"tags": ["a"]}, True),
        ("items[1] == 2", "e", {"items": [1, 2]}, True),
    ],
)
def test_expressions_evaluate_like_cel(
    entry: str, event_type: str, attributes: dict[str, Any], expected: bool
) -> None:
    assert TriggerSet([entry]).matches(event_type, attributes) is expected


@pytest.mark.parametrize(
    ("entry", "category", "fragment"),
    [
        ("score > 1 +", "unsupported_construct", "arithmetic '+'"),
        ("a == {}", "unsupported_construct", "map literal"),
        ("a ? b : c", "unsupported_construct", "'?:'"),
        ("has(type)", "unsupported_construct", "has()"),
        ("a = 1", "syntax", "did you mean '=='"),
        ("a == 'open", "syntax", "unterminated string"),
        ("a == '\\q'", "syntax", "invalid escape"),
        ("(" * 80 + "true" + ")" * 80, "syntax", "nests deeper"),
        ("!" * 80 + "true", "syntax", "nests deeper"),
    ],
)
def test_plan_errors_quote_the_entry_and_say_what_is_wrong(
    entry: str, category: str, fragment: str
) -> None:
    with pytest.raises(TriggerError) as raised:
        validate(entry)

    assert raised.value.category == category
    assert fragment in str(raised.value)
    assert f'"{entry}"' in str(raised.value)


@pytest.mark.parametrize(
    ("entry", "category", "fragment"),
    [
        ("size(attributes) > 0", "type_check", "unknown function 'size'"),
        ("key_name in attributes", "referenced_attributes", "whole 'attributes' map"),
        ("attributes == 'x'", "referenced_attributes", "whole 'attributes' map"),
        ("score > 1 && 'x'", "type_check", "'&&' does not apply to bool and string"),
        ("1 < 'a'", "type_check", "'<' does not apply to int and string"),
        ("id == 'x'", "unsupported_construct", "attributes.id"),
        ("EventType == 'x'", "unsupported_construct", "EventType.InputEvent"),
    ],
)
def test_runtime_errors_quote_the_entry_and_say_what_is_wrong(
    entry: str, category: str, fragment: str
) -> None:
    validate(entry)
    with pytest.raises(TriggerError) as raised:
        TriggerSet([entry])

    assert raised.value.category == category
    assert fragment in str(raised.value)
    assert raised.value.entry == entry


def test_an_error_carries_the_entry_as_the_plan_wrote_it() -> None:
    with pytest.raises(TriggerError) as raised:
        TriggerSet(["_input_event", "  score >  "])

    assert raised.value.entry == "  score >  "
    assert raised.value.category == "syntax"


def test_a_long_chain_of_conditions_evaluates_without_deep_recursion() -> None:
    entry = " && ".join(f"k{i} == {i}" for i in range(2000))

    assert TriggerSet([entry]).matches("e", {f"k{i}": i for i in range(2000)})


@pytest.mark.parametrize("entries", [[""], ["  "], [None]])
def test_a_blank_entry_is_rejected(entries: list[Any]) -> None:
    with pytest.raises(TriggerError, match="non-blank"):
        TriggerSet(entries)


def test_an_expression_names_no_event_type() -> None:
    with pytest.raises(ValueError, match="is an expression"):
        event_type_of("score > 1")


def test_the_language_raises_the_trigger_error_callers_catch() -> None:
    # Routing catches TriggerError from _triggers; a second class defined there would let
    # parse errors raised by _cel escape that handler.
    from bridge.plan import _cel

    assert _cel.TriggerError is TriggerError
    with pytest.raises(TriggerError):
        _cel.parse("a ==")
