"""Python actions of the Java host's JUnit tests (java/host/src/test/resources/plans)."""

from __future__ import annotations

import random
import time
from typing import Any

from bridge import Event, OutputEvent, ResourceType, RunnerContext


def first(event: Event, ctx: RunnerContext) -> None:
    """Python -> Java: count inputs in short-term memory, pass the input on with the count."""
    count = ctx.short_term_memory.get("py.count", 0) + 1
    ctx.short_term_memory.set("py.count", count)
    ctx.short_term_memory.set("py.last", event.input)
    ctx.sensory_memory.set("seen_by", ["first"])
    ctx.send_event(Event(type="to_java", attributes={"value": event.input, "count": count}))


def last(event: Event, ctx: RunnerContext) -> None:
    """Java -> Python: read what Java wrote (memory and event) and emit one output."""
    ctx.send_event(OutputEvent(output={
        "value": event.get("value"),
        "doubled": event.get("doubled"),
        "java_total": ctx.short_term_memory.get("java.total"),
        "py_count": ctx.short_term_memory.get("py.count"),
        "seen_by": ctx.sensory_memory.get("seen_by"),
    }))


def slow_echo(value: int, seconds: float) -> int:
    """A blocking call: sleeps, then returns its value."""
    time.sleep(seconds)
    return value


async def durable(event: Event, ctx: RunnerContext) -> None:
    """Waits on a durable call (its function sleeps on a Python worker), appends to a per-key log, emits it."""
    data = event.input
    value = await ctx.durable_execute_async(slow_echo, data["n"], random.uniform(0, data.get("max_sleep", 0.01)))
    log = ctx.short_term_memory.get("log", [])
    ctx.short_term_memory.set("log", [*log, value])
    ctx.send_event(OutputEvent(output={"n": value}))
    if data.get("java"):  # then a Java action's durable call, on a Java worker thread
        ctx.send_event(Event(type="java_lookup", attributes={"sleep_ms": 0}))


def keeps_a_set(event: Event, ctx: RunnerContext) -> None:
    """Writes a value that cannot cross (a set): the write fails naming the path."""
    ctx.short_term_memory.set("bad.tags", {"a", "b"})


def fails(event: Event, ctx: RunnerContext) -> None:
    """Fails on "boom", hands "py_bad"/"java_bad" to the action of that name's event, else emits the input."""
    if event.input == "boom":
        raise ValueError("boom on purpose")
    ctx.short_term_memory.set("ok", event.input)
    if event.input in ("py_bad", "java_bad"):  # hand over to the action that writes a bad value
        ctx.send_event(Event(type=event.input, attributes={}))
        return
    ctx.send_event(OutputEvent(output=event.input))


def _scale(tool: Any, value: int) -> Any:
    """Calls a Java tool (on the Python worker thread that runs this durable call)."""
    return tool.call(value=value)


async def scales_in_a_durable_call(event: Event, ctx: RunnerContext) -> None:
    """Calls the Java tools ``scale`` and ``scale_twice`` in durable calls; logs the input per key; emits both."""
    n = event.input
    once = await ctx.durable_execute_async(_scale, ctx.get_resource("scale", ResourceType.TOOL), n)
    twice = await ctx.durable_execute_async(_scale, ctx.get_resource("scale_twice", ResourceType.TOOL), n)
    log = ctx.short_term_memory.get("log", [])
    ctx.short_term_memory.set("log", [*log, n])
    ctx.send_event(OutputEvent(output={"n": n, "once": once, "twice": twice}))
