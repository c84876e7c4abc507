"""The shared event case files (tests/contract/events): read the wire form, write it back. JUnit runs the same
files against the Java ``Event`` (``EventContractTest``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bridge import Event

CASES = [(f"{p.stem}: {c['name']}", c) for p in sorted((Path(__file__).parent / "events").glob("*.json"))
         for c in json.loads(p.read_text(encoding="utf-8"))["cases"]]


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_python_events_follow_the_shared_case(case: dict[str, Any]) -> None:
    if case.get("error"):
        with pytest.raises(ValueError):
            Event.from_dict(case["read"])
        return
    event = Event.from_dict(case["read"])
    assert json.loads(event.to_json()) == case["write"]
    assert event.type == case["read"]["type"]
    for name, value in case["read"]["attributes"].items():
        assert event.get(name) == value
