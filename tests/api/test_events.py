import json

import pytest
from conftest import FIXTURES, shared_path

from bridge.api import ChatRequestEvent, Event, InputEvent, OutputEvent, ToolRequestEvent

SNAPSHOTS = "fixtures/flink-agents/e2e-test/cross-language-event-snapshots"


def _snapshot_files() -> list[str]:
    base = FIXTURES / "flink-agents/e2e-test/cross-language-event-snapshots"
    return sorted(str(p.relative_to(base)) for p in base.glob("*/*.json")) or ["<missing>"]


@pytest.mark.parametrize("name", _snapshot_files())
def test_every_event_snapshot_reads_and_writes_back_equal(name: str) -> None:
    path = shared_path(SNAPSHOTS, name)
    data = json.loads(path.read_text())
    event = Event.from_json(path.read_bytes())
    assert event.type == data["type"]
    assert json.loads(event.to_json()) == data


def test_known_event_types_come_back_as_typed_views() -> None:
    event = Event.from_dict({"id": "1", "type": "_input_event", "attributes": {"input": "hello"}})
    assert isinstance(event, InputEvent)
    assert event.input == "hello"


def test_typed_views_fill_defaults_and_reject_unknown_fields() -> None:
    request = ChatRequestEvent(model="m", messages=[{"role": "user", "content": "hi"}])
    assert request.to_dict()["attributes"] == {
        "model": "m", "messages": [{"role": "user", "content": "hi"}], "prompt_args": {}, "output_schema": None}
    with pytest.raises(TypeError, match="no field 'modle'"):
        ToolRequestEvent(modle="m", tool_calls=[])
    with pytest.raises(TypeError, match="needs output"):
        OutputEvent()


def test_a_custom_event_needs_no_subclass() -> None:
    event = Event(type="order_placed", attributes={"order": 7})
    back = Event.from_json(event.to_json())
    assert type(back) is Event
    assert back == event
    assert back.get("order") == 7


def test_an_event_without_a_type_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a type"):
        Event()
