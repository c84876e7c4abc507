"""Agents for the durable-run tests; a module of its own so a child process can import it by name."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from bridge import RUN_AGAIN, Agent, InputEvent, OutputEvent, action

# Where the side effects of durable calls are counted (one line per run of a call), and the switches the
# tests flip between attempts.
WORK = Path(os.environ.get("DURABLE_WORK", "/tmp"))
FLAGS: dict[str, object] = {"fail": False, "arg": 1}


def effect(name: str, n: int) -> int:
    """A side effect: appends a line, and kills the process when told to (once) by a marker file."""
    with open(WORK / "effects.log", "a") as f:
        f.write(f"{name}:{n}\n")
    kill = WORK / f"kill-{name}-{n}"
    if kill.exists():
        kill.unlink()
        os.kill(os.getpid(), signal.SIGKILL)
    return n * 10


def effects() -> list[str]:
    path = WORK / "effects.log"
    return path.read_text().split() if path.exists() else []


def fails(n: int) -> int:
    with open(WORK / "effects.log", "a") as f:
        f.write(f"fails:{n}\n")
    raise ValueError(f"no stock for {n}")


def already_done(n: int):
    """The reconciler: the effect's line is there, so it took effect; its result is n * 10."""
    return n * 10 if f"r:{n}" in effects() else RUN_AGAIN


class Counter(Agent):
    """Two durable calls per input (async then sync) and a running total in short-term memory."""

    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        n = event.input["n"]
        a = await ctx.durable_execute_async(effect, "a", n)
        ctx.short_term_memory.set("total", (ctx.short_term_memory.get("total") or 0) + a)
        b = ctx.durable_execute(effect, "b", n)
        if FLAGS["fail"]:
            raise RuntimeError("told to fail")
        ctx.send_event(OutputEvent(output={"n": n, "a": a, "b": b, "total": ctx.short_term_memory.get("total")}))


class Catcher(Agent):
    """Catches a durable call's exception and answers with its type."""

    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        try:
            await ctx.durable_execute_async(fails, event.input["n"])
        except ValueError as exc:
            caught = f"{type(exc).__name__}: {exc}"
        if FLAGS["fail"]:
            raise RuntimeError("told to fail")
        ctx.send_event(OutputEvent(output=caught))


class Changing(Agent):
    """Calls with an argument the test changes between attempts (a replay that diverges)."""

    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        value = await ctx.durable_execute_async(effect, "c", FLAGS["arg"])
        if FLAGS["fail"]:
            raise RuntimeError("told to fail")
        ctx.send_event(OutputEvent(output=value))


class Reconciled(Agent):
    """A call whose reconciler knows whether it took effect."""

    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        n = event.input["n"]
        value = await ctx.durable_execute_async(effect, "r", n, reconciler=lambda: already_done(n))
        ctx.send_event(OutputEvent(output=value))


def slow(seconds: float) -> str:
    """Returns late: after the action's timeout gave up on it."""
    import time

    time.sleep(seconds)
    with open(WORK / "effects.log", "a") as f:
        f.write("slow\n")
    return "late"


class TimesOut(Agent):
    """Takes the timeout branch of a durable call; a replay must take the same branch."""

    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        try:
            value = await ctx.durable_execute_async(slow, 0.5, timeout=0.1)
        except TimeoutError:
            value = "timed out"
        if FLAGS["fail"]:
            raise RuntimeError("told to fail")
        ctx.send_event(OutputEvent(output=value))


class Swallows(Agent):
    """Catches everything around its durable call, the strict divergence included."""

    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        try:
            value = await ctx.durable_execute_async(effect, "s", FLAGS["arg"])
        except Exception:  # noqa: BLE001 - the point of the test
            value = -1
        if FLAGS["fail"]:
            raise RuntimeError("told to fail")
        ctx.send_event(OutputEvent(output=value))


class Approval(Agent):
    """Waits for a person's approval, then answers with it."""

    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        price = await ctx.durable_execute_async(effect, "price", event.input["n"])
        ctx.short_term_memory.set("asked", True)
        answer = await ctx.wait_for_input("approval")
        ctx.send_event(OutputEvent(output={"n": event.input["n"], "price": price, "approval": answer}))


class Unnamed(Agent):
    """A durable call of a lambda with no id: refused, with a message saying what to do."""

    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        await ctx.durable_execute_async(lambda: 1)


def java_counted_plan(method: str = "counted"):
    """A plan of one Java action of ``DurableActions``: ``counted`` makes two side-effecting durable calls."""
    from bridge.plan import plan_from_data

    exec_ = {"func_type": "JavaFunction", "qualname": "dev.bridge.examples.DurableActions", "method_name": method,
             "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]}
    return plan_from_data({"agent_name": "durable-java", "actions": {
        method: {"name": method, "exec": exec_, "trigger_conditions": ["_input_event"]}}})
