"""The shared event case files (tests/contract/events): read the wire form, optionally ``set_attr``, write it
back. JUnit runs the same files against the Java ``Event`` (``EventContractTest``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bridge import Event, EventError
from bridge.api._values import dumps, loads

CASES = [(f"{p.stem}: {c['name']}", c) for p in sorted((Path(__file__).parent / "events").glob("*.json"))
         for c in json.loads(p.read_text(encoding="utf-8"))["cases"]]


def _portable(value: Any) -> Any:
    """A case's JSON as the values an event holds: ``{"$bytes": ..}`` as bytes, big integers exact."""
    return loads(json.dumps(value))


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_python_events_follow_the_shared_case(case: dict[str, Any]) -> None:
    read = _portable(case["read"])
    if "error" in case:
        assert case["error"] == "event", f"unknown error kind {case['error']!r}"
        with pytest.raises(EventError):
            Event.from_dict(read)
        return
    event = Event.from_dict(read)
    assert event.get_type() == event.type == read["type"]
    for name, value in _portable(case.get("set_attr", {})).items():
        event.set_attr(name, value)
        assert event.get_attr(name) == value
    written = json.loads(event.to_json())
    expected = case["write"]
    if "id" not in expected:  # a fresh id: any non-empty string
        assert isinstance(written.pop("id"), str) and event.id
    assert written == expected
    assert json.loads(dumps(written)) == json.loads(json.dumps(expected))  # exact: 2**70 stays an int
    for name, value in _portable(expected["attributes"]).items():
        assert event.get_attr(name) == value and type(event.get_attr(name)) is type(value)


def test_get_attr_is_none_for_an_absent_attribute_as_in_java() -> None:
    event = Event("x", {"a": 1})
    assert event.get_attr("missing") is None and event.get_attr("a") == 1
