"""Inputs/s of the mixed plan (Python -> Java -> Python, bench_mixed's) in-process and as a Flink job, one run.

Rows: ``Runtime.run`` in this process (what ``bridge run`` does, without its file reading and writing: the median
of three runs), then ``bridge flink run`` on a local MiniCluster with 1 and 2 slots. A job's wall time includes
starting the py4j gateway, the MiniCluster, one Python worker per slot and its JVM; to leave that out, each
parallelism runs twice, with ``--small`` and with ``--inputs`` inputs, and the rate is the extra inputs over the
extra time. The ratio column is against the
in-process rate measured in the same run (issue 13's target: a slot at >= 25 %, and growing with slots).

Rounds (``--rounds``, 3): the machine's speed drifts between minutes, so each slot count's pair of jobs is set
against the mean of the in-process rates measured right before and right after it; the median ratio per slot count
over the rounds comes last.

Run from the Flink venv (make flink-venv): .venv-flink/bin/python bench/bench_flink.py [--inputs 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_mixed import PLAN

from bridge import Runtime


def inputs_for(n: int, keys: int) -> list[tuple[str, int]]:
    return [(f"k{i % keys}", i) for i in range(n)]


def in_process(items: list[tuple[str, int]], runs: int = 3) -> float:
    """Inputs/s of ``Runtime.run`` over ``items`` (the median of ``runs`` runs in one warm runtime)."""
    rates = []
    with Runtime(PLAN_OBJ) as rt:
        rt.run(items[:200])  # the JVM and the plan's classes warm
        for _ in range(runs):
            start = time.perf_counter()
            report = rt.run(items)
            rates.append(len(items) / (time.perf_counter() - start))
            assert report.ok and len(report.outputs) == len(items), report.errors[:1]
    return statistics.median(rates)


def flink_job(folder: Path, plan: Path, items: list[tuple[str, int]], parallelism: int) -> float:
    """Wall seconds of one ``bridge flink run`` over ``items``, checked for one output per input."""
    source = folder / f"in-{len(items)}.jsonl"
    source.write_text("".join(json.dumps({"key": k, "input": v}) + "\n" for k, v in items))
    out = folder / "out.jsonl"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bridge.cli", "flink", "run", str(plan), "-i", str(source),
                           "-o", str(out), "--parallelism", str(parallelism)], capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-3000:]
    lines = out.read_text().count("\n")
    assert lines == len(items), f"{lines} outputs for {len(items)} inputs"
    return elapsed


def _load() -> str:
    """The 1, 5 and 15 minute load averages: the job takes both cores of a 2-core machine, so anything else shows."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of (1 slot, 2 slots), each between in-process runs it is set against; the "
                             "median ratio over the rounds is printed last")
    args = parser.parse_args()
    items = inputs_for(args.inputs, args.keys)
    small = inputs_for(args.small, args.keys)
    print(f"load before the runs: {_load()} (wall figures mean little above 1)")
    print(f"{'round':<7}{'where':<28}{'inputs/s':>10}{'vs in-process':>15}")
    ratios: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plan = folder / "plan.json"
        plan.write_text(json.dumps(PLAN))
        for round_ in range(1, args.rounds + 1):
            # The machine's speed drifts here, at times by 2x within minutes with nothing else running: each pair of
            # jobs is set against the mean of in-process rates measured right before and right after it.
            for parallelism in (1, 2):
                before = in_process(items)
                t_small = flink_job(folder, plan, small, parallelism)
                t_big = flink_job(folder, plan, items, parallelism)
                after = in_process(items)
                base = (before + after) / 2
                rate = (len(items) - len(small)) / max(t_big - t_small, 1e-9)
                ratios[parallelism].append(rate / base)
                print(f"{round_:<7}{'in-process (bridge run)':<28}{base:>10.0f}{1:>14.2f}x"
                      f"   (before {before:.0f}, after {after:.0f})")
                print(f"{round_:<7}{f'flink, {parallelism} slot(s)':<28}{rate:>10.0f}{rate / base:>14.2f}x"
                      f"   (wall {t_small:.1f} s for {len(small)}, {t_big:.1f} s for {len(items)})")
    for parallelism, got in ratios.items():
        print(f"median of {len(got)} rounds, {parallelism} slot(s): {statistics.median(got):.2f}x of in-process "
              f"(each round: {', '.join(f'{r:.2f}' for r in got)})")
    print(f"machine: {os.cpu_count()} cores, load {_load()} after the runs; {args.inputs} inputs over {args.keys} keys")


if __name__ == "__main__":
    from bridge.plan import plan_from_data

    PLAN_OBJ = plan_from_data(PLAN)
    main()
