"""The Python steps of the mixed-plan benchmark (``bench/bench_mixed.py``): Python -> Java -> Python.

``first`` writes the input to short-term memory and hands over to the Java action
``dev.bridge.examples.BenchActions.relay`` (reads it, writes ``java``); ``last`` reads what Java wrote and
sends the output.
"""

from __future__ import annotations

from bridge import Event, OutputEvent, RunnerContext


def first(event: Event, ctx: RunnerContext) -> None:
    """Write the input where the Java action reads it."""
    ctx.short_term_memory.set("py", event.input)
    ctx.send_event(Event(type="to_java", attributes={}))


def last(event: Event, ctx: RunnerContext) -> None:
    """Read what the Java action wrote and answer."""
    ctx.send_event(OutputEvent(output=[event.get("j"), ctx.short_term_memory.get("java")]))
