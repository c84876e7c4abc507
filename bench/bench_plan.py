"""The Python host's hot path against the code a user would write by hand, measured side by side in one run.

1. A 2-action Python plan: the first action reads and writes short-term memory and sends a custom event, the
   second reads it and sends the output; 20,000 inputs over 100 keys through ``Runtime.run``. Baseline: a
   bare Python loop doing the same work (a dict per key, the two functions called in turn). Target: at most
   4x the loop.
2. ``await ctx.durable_execute_async(f)`` in an ``async def`` action, per call (one call per input, and a
   ``gather`` of 10 per input), minus the same action calling ``f`` directly. Target: at most 5 us per call.

Each configuration runs in this process, interleaved over rounds; the best round counts.

``--instructions`` also counts the CPU instructions per input of the 2-action plan and of the loop with
valgrind's callgrind, switched on (``callgrind_control -i on``) only while the measured run goes: repeatable to
a few instructions in ten million, whatever else the machine does, so it judges changes of a few per cent.

Run: python bench/bench_plan.py [--inputs 20000] [--rounds 5] [--instructions]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bridge import Agent, Event, InputEvent, OutputEvent, Runtime, action
from bridge.api import gather


class TwoActions(Agent):
    @action(InputEvent)
    @staticmethod
    def count(event, ctx):
        memory = ctx.short_term_memory
        seen = (memory.get("seen") or 0) + 1
        memory.set("seen", seen)
        ctx.send_event(Event(type="counted", attributes={"n": event.input, "seen": seen}))

    @action("counted")
    @staticmethod
    def answer(event, ctx):
        ctx.send_event(OutputEvent(output=[event.get("n"), ctx.short_term_memory.get("seen")]))


def by_hand(inputs: list[tuple[Any, Any]]) -> list[Any]:
    """The same work without a runtime: per-key memory in a dict, the two steps called in turn."""
    memory: dict[Any, dict[str, Any]] = {}
    outputs = []

    def count(key: Any, n: Any) -> dict[str, Any]:
        mem = memory.setdefault(key, {})
        seen = mem.get("seen", 0) + 1
        mem["seen"] = seen
        return {"type": "counted", "attributes": {"n": n, "seen": seen}}

    def answer(key: Any, event: dict[str, Any]) -> None:
        outputs.append((key, [event["attributes"]["n"], memory[key]["seen"]]))

    for key, n in inputs:
        answer(key, count(key, n))
    return outputs


def double(n: int) -> int:
    return n * 2


class DirectCall(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        ctx.send_event(OutputEvent(output=double(event.input)))


class OneCall(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        ctx.send_event(OutputEvent(output=await ctx.durable_execute_async(double, event.input)))


class DirectTen(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        ctx.send_event(OutputEvent(output=sum(double(event.input + i) for i in range(10))))


class GatherTen(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        values = await gather(*[ctx.durable_execute_async(double, event.input + i) for i in range(10)])
        ctx.send_event(OutputEvent(output=sum(values)))


def through_runtime(agent: type, inputs: list[tuple[Any, Any]]) -> float:
    """Seconds per input of ``Runtime.run`` over ``inputs`` (the runtime made and warmed outside the timing)."""
    with Runtime(agent) as rt:
        rt.run(inputs[:100])
        start = time.perf_counter()
        report = rt.run(inputs)
        elapsed = time.perf_counter() - start
    assert report.ok and len(report.outputs) == len(inputs), report.errors[:1]
    return elapsed / len(inputs)


def loop_time(inputs: list[tuple[Any, Any]]) -> float:
    start = time.perf_counter()
    outputs = by_hand(inputs)
    elapsed = time.perf_counter() - start
    assert len(outputs) == len(inputs)
    return elapsed / len(inputs)


def _wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.05)


def counted_child(what: str, n: int, flag: Path) -> None:
    """Under callgrind: warm up, then let the parent switch counting on around one run."""
    inputs = [(i % 100, i) for i in range(n)]
    with Runtime(TwoActions) as rt:
        rt.run(inputs[:200])
        by_hand(inputs[:200])
        Path(f"{flag}.ready").touch()
        _wait_for(Path(f"{flag}.go"))
        if what == "plan":
            rt.run(inputs)
        else:
            by_hand(inputs)
        Path(f"{flag}.done").touch()
        _wait_for(Path(f"{flag}.end"))


def instructions(what: str, n: int = 2000) -> float:
    """CPU instructions per input of one run of ``what`` (``plan`` or ``loop``), counted by callgrind."""
    return count_instructions(__file__, what, n)


def count_instructions(script: str, what: str, n: int) -> float:
    """CPU instructions per input of the run ``script --child what n FLAG`` makes between its flag files.

    The child warms up, touches ``FLAG.ready``, runs on ``FLAG.go``, touches ``FLAG.done`` and exits on
    ``FLAG.end`` (see :func:`counted_child`); callgrind counts only in between.
    """
    folder = Path(tempfile.mkdtemp(prefix="bench-count-"))
    flag, out = folder / "flag", folder / "callgrind.out"
    child = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                              sys.executable, script, "--child", what, str(n), str(flag)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(Path(f"{flag}.ready"))
    subprocess.run(["callgrind_control", "-i", "on", str(child.pid)], capture_output=True, check=True)
    Path(f"{flag}.go").touch()
    _wait_for(Path(f"{flag}.done"))
    subprocess.run(["callgrind_control", "-i", "off", str(child.pid)], capture_output=True, check=True)
    Path(f"{flag}.end").touch()
    if child.wait() != 0:
        raise SystemExit(f"the counted run ({script} {what}) failed: exit {child.returncode}")
    totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
    return int(totals[0].split()[1]) / n


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        counted_child(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="also count instructions with callgrind")
    args = parser.parse_args()
    inputs = [(i % 100, i) for i in range(args.inputs)]
    calls = [(i % 100, i) for i in range(args.inputs // 4)]
    measures = {
        "loop": lambda: loop_time(inputs),
        "plan": lambda: through_runtime(TwoActions, inputs),
        "direct": lambda: through_runtime(DirectCall, calls),
        "durable": lambda: through_runtime(OneCall, calls),
        "direct10": lambda: through_runtime(DirectTen, calls),
        "gather10": lambda: through_runtime(GatherTen, calls),
    }
    best = {name: float("inf") for name in measures}
    for _ in range(args.rounds):
        for name, measure in measures.items():
            best[name] = min(best[name], measure())
    us = {name: value * 1e6 for name, value in best.items()}
    print(f"best of {args.rounds} rounds")
    print(f"{'measure':<58}{'bridge':>12}{'baseline':>12}{'ratio':>9}")
    print(f"{'2-action plan, ' + str(args.inputs) + ' inputs / 100 keys (inputs/s)':<58}"
          f"{1e6 / us['plan']:>12,.0f}{1e6 / us['loop']:>12,.0f}{us['plan'] / us['loop']:>8.1f}x   (target 4x)")
    print(f"{'await durable_execute_async(f), per call (us added)':<58}"
          f"{us['durable'] - us['direct']:>12.1f}{'direct':>12}{'':>9}   (target 5 us)")
    print(f"{'gather of 10 durable calls, per call (us added)':<58}"
          f"{(us['gather10'] - us['direct10']) / 10:>12.1f}{'direct':>12}{'':>9}   (target 5 us)")
    if args.instructions:
        plan, loop = instructions("plan"), instructions("loop")
        print(f"{'2-action plan, CPU instructions per input (callgrind)':<58}{plan:>12,.0f}{loop:>12,.0f}"
              f"{plan / loop:>8.1f}x")


if __name__ == "__main__":
    main()
