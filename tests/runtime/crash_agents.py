"""The plan of the crash tests: a Python action and a Java action per input, both with side-effecting durable calls.

Each side effect appends one line to ``effects.log`` in ``$DURABLE_WORK`` (the Java action's too, see
``dev.bridge.examples.DurableActions``), so a test can count how often each call really ran.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from bridge import RUN_AGAIN, Event

KEYS = 5


def _log() -> Path:
    return Path(os.environ["DURABLE_WORK"]) / "effects.log"


def charge(key: str, n: int) -> int:
    """The Python side effect: one line per run, then its result."""
    with open(_log(), "a") as f:
        f.write(f"p:{key}:{n}\n")
    return n * 3


def charged(key: str, n: int):
    """The reconciler: the line is there, so the charge took effect before the crash."""
    path = _log()
    lines = path.read_text().split() if path.exists() else []
    return n * 3 if f"p:{key}:{n}" in lines else RUN_AGAIN


async def handle(event, ctx):
    """Charge once (reconciled after a crash), keep a running total, then hand over to the Java action."""
    n = event.input["n"]
    value = await ctx.durable_execute_async(charge, ctx.key, n, reconciler=functools.partial(charged, ctx.key, n))
    ctx.short_term_memory.set("ptotal", (ctx.short_term_memory.get("ptotal") or 0) + value)
    ctx.send_event(Event(type="to_java", attributes={"input": {"n": n}}))


def plan_data() -> dict:
    java = {"func_type": "JavaFunction", "qualname": "dev.bridge.examples.DurableActions", "method_name": "counted",
            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]}
    python = {"func_type": "PythonFunction", "module": "crash_agents", "qualname": "handle"}
    return {"agent_name": "crash", "actions": {
        "handle": {"name": "handle", "exec": python, "trigger_conditions": ["_input_event"]},
        "counted": {"name": "counted", "exec": java, "trigger_conditions": ["to_java"]}}}


def expected(inputs: int) -> tuple[dict[tuple[str, int], dict], dict[str, dict]]:
    """The outputs by (key, n) and the short-term memory by key of a run that never crashed."""
    outputs: dict[tuple[str, int], dict] = {}
    memory: dict[str, dict] = {}
    for n in range(inputs):
        key = f"k{n % KEYS}"
        m = memory.setdefault(key, {"ptotal": 0, "jtotal": 0})
        m["ptotal"] += n * 3
        m["jtotal"] += n * 10
        outputs[(key, n)] = {"n": n, "a": n * 10, "b": n * 10, "total": m["jtotal"]}
    return outputs, memory
