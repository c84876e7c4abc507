"""The actions of the Java host's lifecycle test (``test_foreign_state.py``): a failing key and two keys that wait."""

from __future__ import annotations

from bridge import Event, OutputEvent


def route(event, ctx):
    """An input ``{"ask": "python"|"java", ...}`` goes to the action that waits for approval; others to ``picky``."""
    asked = event.input.get("ask") if isinstance(event.input, dict) else None
    kind = {"python": "ask", "java": "ask_java"}.get(asked, "plain")
    ctx.send_event(Event(type=kind, attributes={"input": event.input}))


def picky(event, ctx):
    """Fails on "boom"; else counts the key's inputs in memory and outputs the input with the count."""
    if event.get("input") == "boom":
        raise ValueError("boom on purpose")
    seen = (ctx.short_term_memory.get("seen") or 0) + 1
    ctx.short_term_memory.set("seen", seen)
    ctx.send_event(OutputEvent(output={"input": event.get("input"), "seen": seen}))


async def approve(event, ctx):
    """Waits for outside input "approval" (a Python action), then outputs it with the input."""
    decision = await ctx.wait_for_input("approval")
    ctx.send_event(OutputEvent(output={"input": event.get("input"), "approval": decision}))
