"""What atomic effects, one memory rule and checked values cost: this tree against another checkout, one run.

Each measure runs in a fresh subprocess per tree, interleaved (old, new, old, new, ...), best of the rounds:
1. the one-action Python plan through ``Runtime.run`` (the action reads and writes memory, sends an output);
2. a Java action hop through ``Runtime.run`` (``OrderActions.benchHop``: 10 memory writes and one event,
   applied by the Python host);
3. memory per idle key: 1,000,000 distinct keys through a plan that writes no short-term memory, and 100,000
   keys that each keep one value (bytes of traced Python memory per key after the run).

Run: python bench/bench_effects.py --baseline /path/to/other/checkout   (e.g. a `git worktree` of an older
commit with its jars built by `make jars`); without --baseline only this tree is measured.
``--instructions`` also counts the one-action plan's CPU instructions per input with valgrind's callgrind
(repeatable to the instruction, unlike wall time on a shared 2-core VM): the runs of 1,000 and 6,000 inputs
are subtracted, which removes start-up.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

CHILD = r'''
import json, sys, time, tracemalloc
from bridge import Agent, InputEvent, OutputEvent, Runtime, action
from bridge.plan import plan_from_data

what, n = sys.argv[1], int(sys.argv[2])
if what.endswith("-nojournal"):  # the same tree with the undo journal switched off: what atomicity costs
    from bridge.runtime import MemoryStore
    what = what[: -len("-nojournal")]
    _begin = MemoryStore.begin
    def begin(self):
        _begin(self)
        self._undo = None
    MemoryStore.begin = begin

class OneAction(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        memory = ctx.short_term_memory
        memory.set("count", (memory.get("count") or 0) + 1)
        ctx.send_event(OutputEvent(output=event.input))

class Stateless(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.send_event(OutputEvent(output=event.input))

class KeepsOne(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.short_term_memory.set("v", 1)

def timed(runtime, inputs):
    start = time.perf_counter()
    report = runtime.run(inputs)
    elapsed = time.perf_counter() - start
    assert report.ok and report.inputs == len(inputs), report.errors[:1]
    return elapsed

if what == "python":
    inputs = [(i % 100, i) for i in range(n)]
    if len(sys.argv) > 3:  # counted under callgrind: one pass, no warm-up
        with Runtime(OneAction) as rt:
            timed(rt, inputs)
        raise SystemExit(0)
    with Runtime(OneAction) as rt:
        timed(rt, inputs[:2000])
        print(json.dumps(n / min(timed(rt, inputs) for _ in range(3))))
elif what == "java":
    plan = plan_from_data({"agent_name": "b", "actions": {"hop": {"name": "hop", "exec": {
        "func_type": "JavaFunction", "qualname": "dev.bridge.examples.OrderActions", "method_name": "benchHop",
        "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]},
        "trigger_conditions": ["_input_event"]}}})
    inputs = [(i % 100, i) for i in range(n)]
    with Runtime(plan) as rt:
        timed(rt, inputs[:5000])
        print(json.dumps(n / min(timed(rt, inputs) for _ in range(3))))
else:
    agent = Stateless if what == "idle" else KeepsOne
    with Runtime(agent) as rt:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for start in range(0, n, 100_000):
            rt.run((f"key-{i}", i) for i in range(start, min(n, start + 100_000)))
        print(json.dumps((tracemalloc.get_traced_memory()[0] - before) / n))
'''


def measure(tree: Path, what: str, n: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix="_bench_child.py", delete=False) as f:
        f.write(CHILD)  # a file, not -c: agent classes are compiled from their source
    out = subprocess.run([sys.executable, f.name, what, str(n)], cwd=tree, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
                         timeout=900)
    if out.returncode != 0:
        raise SystemExit(f"{tree} {what}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def instructions(tree: Path, what: str, n: int) -> int:
    """Instructions callgrind counts for a whole child run of ``n`` inputs."""
    with tempfile.TemporaryDirectory() as tmp:
        child = Path(tmp) / "bench_child.py"
        child.write_text(CHILD)
        out = Path(tmp) / "cg.out"
        run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
                              str(child), what, str(n), "count"], cwd=tree, capture_output=True, text=True,
                             env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
                             timeout=1800)
        found = re.search(r"Collected : (\d+)", run.stderr)
        if run.returncode != 0 or found is None:
            raise SystemExit(f"{tree} {what} under callgrind: {run.stderr[-2000:]}")
        return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", type=Path, help="another checkout of bridge, with its jars built")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--instructions", action="store_true", help="count instructions with callgrind too")
    args = parser.parse_args()
    trees = {"this tree": HERE}
    if args.baseline:
        trees = {"baseline": args.baseline.resolve(), "this tree": HERE}
    rows = [("python", 40_000, "one-action Python plan (read+write+output), inputs/s", max),
            ("java", 20_000, "Java action hop (10 writes + 1 event), inputs/s", max)]
    journal = [("python-nojournal", 40_000, "  the same without the undo journal (this tree)", max),
               ("java-nojournal", 20_000, "  the same without the undo journal (this tree)", max)]
    print(f"{'measure':<58}" + "".join(f"{name:>14}" for name in trees) + (f"{'new/base':>10}" if args.baseline
                                                                          else ""))
    for (what, n, label, best), (plain, _, plain_label, _) in zip(rows, journal, strict=True):
        results = {name: [] for name in trees}
        without: list[float] = []
        for _ in range(args.rounds):  # interleaved, so a busy moment hits every variant alike
            for name, tree in trees.items():
                results[name].append(measure(tree, what, n))
            without.append(measure(HERE, plain, n))
        values = {name: best(v) for name, v in results.items()}
        line = f"{label:<58}" + "".join(f"{v:>14,.0f}" for v in values.values())
        if args.baseline:
            line += f"{values['this tree'] / values['baseline']:>10.2f}"
        print(line, flush=True)
        off = best(without)
        print(f"{plain_label:<58}" + " " * (14 * (len(trees) - 1)) + f"{off:>14,.0f}"
              f"{values['this tree'] / off:>10.2f}", flush=True)
    if args.instructions:
        per_input = {}
        for name, tree in trees.items():
            per_input[name] = (instructions(tree, "python", 6000) - instructions(tree, "python", 1000)) / 5000
        line = f"{'one-action Python plan, instructions per input':<58}" + "".join(
            f"{v:>14,.0f}" for v in per_input.values())
        if args.baseline:
            line += f"{per_input['this tree'] / per_input['baseline']:>10.2f}"
        print(line, flush=True)
    for what, n, label in (("idle", 1_000_000, "bytes per idle key, empty memory (1M keys)"),
                           ("one", 100_000, "bytes per idle key holding one value (100k keys)")):
        line = f"{label:<58}" + "".join(f"{measure(tree, what, n):>14,.0f}" for tree in trees.values())
        print(line, flush=True)


if __name__ == "__main__":
    main()
