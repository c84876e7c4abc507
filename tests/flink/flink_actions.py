"""Actions the Flink tests' plans name; imported by the jobs' Python workers (tests/flink on PYTHONPATH)."""

from __future__ import annotations

import os
import time

from bridge import OutputEvent


def _effect(log: str, key: str, n: int, pause: float) -> int:
    """A side effect in the world: one line appended per run of the call (O_APPEND, one write)."""
    time.sleep(pause)
    _append(log, f"{key} {n}\n")
    return n * 2


def _append(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


async def effect(event, ctx):
    """Make the durable call, count the key's inputs in memory, output both; each run noted in ``<log>.actions``."""
    data = event.input
    _append(data["log"] + ".actions", f"{ctx.key} {data['n']}\n")
    doubled = await ctx.durable_execute_async(_effect, data["log"], ctx.key, data["n"], data["pause"])
    seen = (ctx.short_term_memory.get("seen") or 0) + 1
    ctx.short_term_memory.set("seen", seen)
    ctx.send_event(OutputEvent(output={"n": data["n"], "doubled": doubled, "seen": seen}))


def _wait_for_file(path: str, limit: float) -> str:
    deadline = time.monotonic() + limit
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared: another key of the slot could not run meanwhile")
        time.sleep(0.05)
    return "met"


async def meet(event, ctx):
    """``{"wait": path}``: a durable call that waits until ``path`` exists; ``{"make": path}``: make it."""
    data = event.input
    if "wait" in data:
        result = await ctx.durable_execute_async(_wait_for_file, data["wait"], 10.0)
    else:
        _append(data["make"], "made\n")
        result = "made"
    ctx.send_event(OutputEvent(output=result))
