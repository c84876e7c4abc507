"""The agent events' shared cases (``tests/contract/events/agent_events.json``) on the Python typed views.

``test_event_contract.py`` already runs every file in that folder as plain wire cases (read, write back). A
case here adds what the typed events promise, and JUnit's ``AgentEventContractTest`` checks the same on the
Java classes:

- ``typed``: the class reading gives (``Event.from_dict``; Java: the subclass Jackson reads and the one
  ``fromEvent`` makes of a plain ``Event``);
- ``get``: what the typed accessors return, by attribute name (Java: the getter in Java casing,
  ``prompt_args`` → ``getPromptArgs()``); ``null`` for an attribute the event was read without;
- ``build`` (optional): constructor arguments by attribute name; the event built from them writes ``write``
  (with a fresh id), so both languages fill the same defaults.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import bridge.api as api
from bridge import Event
from bridge.api._values import loads

FILE = Path(__file__).parent / "events" / "agent_events.json"
CASES = json.loads(FILE.read_text(encoding="utf-8"))["cases"]


def _portable(value: Any) -> Any:
    return loads(json.dumps(value))


def _strict(value: Any) -> str:
    """A value as JSON that keeps 0 and 0.0 apart, for comparisons where the type is part of the contract."""
    return json.dumps(value, sort_keys=True)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_python_agent_events_follow_the_shared_case(case: dict[str, Any]) -> None:
    cls = getattr(api, case["typed"])
    event = Event.from_dict(_portable(case["read"]))
    assert type(event) is cls
    for name, expected in case["get"].items():
        assert _strict(getattr(event, name)) == _strict(expected), name
    if "build" in case:
        built = cls(**_portable(case["build"]))
        written = json.loads(built.to_json())
        assert isinstance(written.pop("id"), str)
        expected = {k: v for k, v in case["write"].items() if k not in ("id", "upstream_event_id")}
        assert _strict(written) == _strict(expected)


def test_every_agent_event_type_has_a_case() -> None:
    covered = {c["typed"] for c in CASES}
    assert covered == {"ChatRequestEvent", "ChatResponseEvent", "ToolRequestEvent", "ToolResponseEvent"}
