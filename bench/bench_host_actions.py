"""Python actions of ``bench/bench_hosts.py``, imported by both hosts (the Java host embeds them through pemja).

``hop`` is the action hop ``bench/bench_jvm.py`` times as a Java action (10 memory writes, 1 sent event);
``noop`` times a start and ``wait_once`` a resume by ref. ``fill_or_read`` gives a key a memory of
``-input`` entries (a negative input) or reads one of them and outputs it: the Java host's memory reads, for
small and large memories.
"""

from __future__ import annotations

from bridge import Event, OutputEvent, RunnerContext


def hop(event: Event, ctx: RunnerContext) -> None:
    """10 memory writes and 1 sent event that triggers nothing."""
    memory = ctx.short_term_memory
    for i in range(10):
        memory.set(f"bench.k{i}", i)
    ctx.send_event(Event(type="bench_hop_done", attributes={"writes": 10}))


def fill_or_read(event: Event, ctx: RunnerContext) -> None:
    """A negative input fills ``big.k0 .. big.k<n-1>``; else output ``big.k<input mod size>``."""
    memory = ctx.short_term_memory
    n = event.input
    if n < 0:
        memory.set("size", -n)
        big = memory.new_object("big")
        for i in range(-n):
            big.set(f"k{i}", i)
        return
    ctx.send_event(OutputEvent(output=memory.get(f"big.k{n % memory.get('size')}")))


def noop(event: Event, ctx: RunnerContext) -> None:
    """Nothing: the cost of starting a Python action."""


def _echo(value: object) -> object:
    return value


async def wait_once(event: Event, ctx: RunnerContext) -> None:
    """Waits on one durable call (a Python worker runs it), then ends: one resume by ref."""
    await ctx.durable_execute_async(_echo, event.input)
