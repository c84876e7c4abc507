"""Actions the host parity tests (``tests/test_java_host_parity.py``) run under both hosts."""

from __future__ import annotations

import sys
import time

from bridge import OutputEvent


def python_facts(event, ctx):
    """Output which Python runs the action: its executable, prefixes and module search path."""
    ctx.send_event(OutputEvent(output={"executable": sys.executable, "prefix": sys.prefix,
                                       "base_prefix": sys.base_prefix, "path": sys.path}))


def _nothing() -> None:
    return None


async def fail_after_call(event, ctx):
    """Raise once a durable call has come back (the action was suspended and resumed in between)."""
    await ctx.durable_execute_async(_nothing)
    raise ValueError("failed after the call")


async def outlast_the_timeout(event, ctx):
    """A durable call that takes longer than ``--call-timeout``; its CallTimeoutError is not caught."""
    await ctx.durable_execute_async(time.sleep, 20)


def _read_memory(ctx) -> object:
    return ctx.short_term_memory.get("n0")


async def read_memory_in_call(event, ctx):
    """``fill``: write ``count`` entries; else read memory from the durable call's worker thread (refused)."""
    if event.input.get("fill"):
        for i in range(event.input["fill"]):
            ctx.short_term_memory.set(f"n{i}", i)
        return
    ctx.send_event(OutputEvent(output=await ctx.durable_execute_async(_read_memory, ctx)))
