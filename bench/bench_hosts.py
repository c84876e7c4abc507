"""The two hosts side by side, in one run: the same mixed plan under each, and what a crossing costs.

1. The mixed plan of ``bench/bench_mixed.py`` (Python ``first`` -> Java ``relay`` -> Python ``last``, 100 keys):
   inputs/s and events/s under the Python host (``Runtime.run``, in this process) and under the Java host
   (``dev.bridge.host.HostBench``, a child JVM that embeds this Python through pemja).
2. An action hop (10 memory writes, 1 sent event): a Java action under the Python host (``bench_jvm.py``'s
   measure: executor start + applying its JSON result) against a Python action under the Java host (the
   Java scheduler's timings: the start crossing + applying its answer). Target: at most 2x. The same Python
   action under the Python host (``bench_jvm.py``'s measure) shows what the Java host adds to it.
3. The Java host's cost per Python action start (an action that does nothing) and per resume by ref (an
   ``async`` action awaiting one durable call; the resume crossing only), as its scheduler times them.
4. Memory reads under the Java host: an action reading one value of a key holding 10, 100 or 1,000
   entries, with the memory sent whole at each start (``-Dbridge.host.eager_memory=1000000000``) and read
   through calls back into Java (``=0``); the host's default sends memories of up to 64 entries whole.

Timings inside the Java host are the scheduler's own (``BridgeHost.Builder.timings``); every figure is the
best of ``--rounds`` rounds, and the ratios compare figures of this one run (a shared 2-core VM drifts).

Run: python bench/bench_hosts.py [--inputs 10000] [--rounds 5] [--only hosts|memory] [--sizes 10,100,1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_jvm import batch_ns, hop_runner, per_call_ns, python_hop
from bench_mixed import PLAN as MIXED

from bridge import Runtime
from bridge.jvm import default_bridge, options_from_config
from bridge.plan import JavaFunction, plan_from_data
from bridge.runtime._executor import PythonActionKind

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ACTIONS = "bench_host_actions"
# Seconds of unreported rounds in the Java host before it is timed: its JIT needs ~100,000 inputs on this VM.
SETTINGS = {"warmup": 8.0}


def one_action(name: str, qualname: str) -> dict[str, Any]:
    """A plan with one Python action of ``bench_host_actions`` on each input."""
    return {"agent_name": name, "actions": {name: {
        "name": name, "exec": {"func_type": "PythonFunction", "module": ACTIONS, "qualname": qualname},
        "trigger_conditions": ["_input_event"]}}}


def write_inputs(path: Path, inputs: list[tuple[Any, Any]]) -> Path:
    path.write_text("".join(json.dumps({"key": k, "input": v}) + "\n" for k, v in inputs))
    return path


def java_host(folder: Path, plan: dict[str, Any], inputs: list[tuple[Any, Any]], rounds: int,
              setup: list[tuple[Any, Any]] | None = None, flags: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run ``plan`` under the Java host (HostBench); the best round's seconds per input and timings per call."""
    jvm = options_from_config({})
    plan_file = folder / f"{plan['agent_name']}.json"
    plan_file.write_text(json.dumps(plan))
    command = [str(Path(jvm.java_home) / "bin" / "java"), *jvm.jvm_args, *flags, "-cp", os.pathsep.join(jvm.classpath),
               "dev.bridge.host.HostBench", str(plan_file), "--input", str(write_inputs(folder / "in.jsonl", inputs)),
               "--rounds", str(rounds), "--warmup", str(SETTINGS["warmup"]), "--python", sys.executable,
               "--python-path", os.pathsep.join([str(BENCH), str(ROOT)])]
    if setup:
        command += ["--setup", str(write_inputs(folder / "setup.jsonl", setup))]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not rows or any(row["failures"] for row in rows):
        raise SystemExit(f"the Java host failed on {plan['agent_name']}:\n{done.stderr[-3000:]}\n{rows[:1]}")
    best = min(rows, key=lambda row: row["seconds"])
    per_call = {name: min(row["timings"][name][0] / row["timings"][name][1] for row in rows if name in row["timings"])
                for name in best["timings"]}
    return {"per_input": best["seconds"] / best["inputs"], "ns": per_call, "outputs": best["outputs"]}


def python_host(plan: dict[str, Any], inputs: list[tuple[Any, Any]], rounds: int) -> float:
    """Seconds per input of ``plan`` under the Python host, best of ``rounds`` fresh runtimes."""
    best = float("inf")
    with Runtime(plan_from_data(plan)) as warm:
        warm.run(inputs[:2000])
    for _ in range(rounds):
        with Runtime(plan_from_data(plan)) as rt:
            start = time.perf_counter()
            report = rt.run(inputs)
            best = min(best, (time.perf_counter() - start) / len(inputs))
            assert report.ok and len(report.outputs) == len(inputs), report.errors[:1]
    return best


def hops_under_python_host(n: int, rounds: int) -> tuple[float, float]:
    """``bench_jvm.py``'s Java and Python action hops (10 writes, 1 event): ns per hop, best mean of ``rounds``.

    A mean, as the Java host's timings are (medians would leave out the pauses those include).
    """
    bridge = default_bridge({})
    from bridge.jvm import HostServices

    kind = bridge.java_action(
        "hop", JavaFunction(qualname="dev.bridge.examples.OrderActions", method_name="benchHop",
                            parameter_types=["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]),
        None, {}, HostServices(resources=None, wake=lambda ref: None))
    java, python = hop_runner(kind), hop_runner(PythonActionKind(python_hop))
    per_call_ns(java, 20_000)  # the JIT compiles the Java side first
    best = {java: float("inf"), python: float("inf")}
    for _ in range(rounds):
        for hop in best:
            best[hop] = min(best[hop], batch_ns(hop, n, repeats=1))
    return best[java], best[python]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=SETTINGS["warmup"],
                        help="seconds the Java host warms up per plan")
    parser.add_argument("--only", choices=["hosts", "memory"], help="only rows 1-3 (hosts) or only rows 4 (memory)")
    parser.add_argument("--sizes", default="10,100,1000", help="memory sizes (entries) of rows 4, comma-separated")
    args = parser.parse_args()
    SETTINGS["warmup"] = args.warmup
    sys.path.insert(0, str(BENCH))  # bench_host_actions for the Python host
    inputs = [(i % 100, i) for i in range(args.inputs)]
    keyed = [(f"k{i % 20}", i) for i in range(args.inputs)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only != "memory":
            mixed_py = python_host(MIXED, inputs, args.rounds)
            mixed_jv = java_host(folder, MIXED, inputs, args.rounds)
            hop_jv = java_host(folder, one_action("hop", "hop"), keyed, args.rounds)
            noop_jv = java_host(folder, one_action("noop", "noop"), keyed, args.rounds)
            wait_jv = java_host(folder, one_action("wait", "wait_once"), keyed, args.rounds)
            java_hop, python_hop_ns = hops_under_python_host(max(args.inputs, 10_000), args.rounds)
        memory = {}
        sizes = [int(size) for size in args.sizes.split(",")]
        if args.only != "hosts":
            for size in sizes:
                setup = [(f"k{k}", -size) for k in range(20)]
                for mode, limit in (("whole", 1_000_000_000), ("read", 0)):
                    memory[size, mode] = java_host(folder, one_action("mem", "fill_or_read"), keyed, args.rounds,
                                                   setup, (f"-Dbridge.host.eager_memory={limit}",))

    if args.only != "memory":
        print_hosts(args, mixed_py, mixed_jv, hop_jv, noop_jv, wait_jv, java_hop, python_hop_ns)
    if memory:
        print("4. one memory read under the Java host: us per input (start crossing), memory sent whole vs read")
        for size in sizes:
            whole, read = memory[size, "whole"], memory[size, "read"]
            print(f"   {size:>5} entries   whole {whole['per_input'] * 1e6:>7.1f} "
                  f"({whole['ns']['python_start'] / 1000:.1f})   read {read['per_input'] * 1e6:>7.1f} "
                  f"({read['ns']['python_start'] / 1000:.1f})"
                  f"   read/whole {read['per_input'] / whole['per_input']:.2f}")


def print_hosts(args: Any, mixed_py: float, mixed_jv: dict[str, Any], hop_jv: dict[str, Any], noop_jv: dict[str, Any],
                wait_jv: dict[str, Any], java_hop: float, python_hop_ns: float) -> None:
    """Rows 1-3."""
    events = 4  # _input_event, to_java, from_java, _output_event
    print(f"1. mixed plan (Python -> Java -> Python), {args.inputs} inputs over 100 keys, best of {args.rounds}")
    print(f"   {'host':<14}{'us/input':>10}{'inputs/s':>12}{'events/s':>12}{'ratio':>8}")
    for host, per in (("python", mixed_py), ("java", mixed_jv["per_input"])):
        print(f"   {host:<14}{per * 1e6:>10.1f}{1 / per:>12,.0f}{events / per:>12,.0f}{per / mixed_py:>8.2f}")
    hop_ns = hop_jv["ns"]["python_start"] + hop_jv["ns"]["settle"]
    print("2. action hop (10 memory writes, 1 sent event)")
    print(f"   Java action under the Python host (mean)        {java_hop / 1000:>8.1f} us   1.00")
    print(f"   Python action under the Java host (start+apply) {hop_ns / 1000:>8.1f} us "
          f"{hop_ns / java_hop:>6.2f}   target <= 2")
    print(f"     of which the start crossing                   {hop_jv['ns']['python_start'] / 1000:>8.1f} us")
    print(f"   Python action under the Python host (mean)      {python_hop_ns / 1000:>8.1f} us "
          f"{python_hop_ns / java_hop:>6.2f}")
    print("3. the Java host's cost per crossing")
    print(f"   Python action start (an action doing nothing)   {noop_jv['ns']['python_start'] / 1000:>8.1f} us "
          f"{noop_jv['ns']['python_start'] / java_hop:>6.2f}")
    print(f"   resume by ref (async action, 1 durable call)    {wait_jv['ns']['python_resume'] / 1000:>8.1f} us "
          f"{wait_jv['ns']['python_resume'] / java_hop:>6.2f}")
    print(f"   whole input with one durable call              {wait_jv['per_input'] * 1e6:>8.1f} us")


if __name__ == "__main__":
    main()
