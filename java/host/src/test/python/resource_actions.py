"""Python actions of the Java host's resource tests (java/host/src/test/resources/plans/python_resource.yaml)."""

from __future__ import annotations

from bridge import Event, OutputEvent, RunnerContext


def answer(event: Event, ctx: RunnerContext) -> None:
    """Outputs the event's type and attributes."""
    ctx.send_event(OutputEvent(output={"type": event.type, **event.attributes}))
