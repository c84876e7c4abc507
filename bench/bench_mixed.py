"""A Python -> Java -> Python plan against the same work as a hand loop over raw JPype, in one run and one JVM.

The plan (``python_actions/bench.py`` and ``dev.bridge.examples.BenchActions``): ``first`` (Python) writes
the input to short-term memory and sends ``to_java``; ``relay`` (Java) reads it, writes ``java`` and sends
``from_java``; ``last`` (Python) reads what Java wrote and sends the output. The hand loop does the same per
input with no runtime: a Python dict per key, a ``java.util.HashMap`` per key passed to the static
``BenchActions.relayRaw`` through JPype, and one more JPype call to read the Java-written value back.

Rows: the plan at 100 keys and at 10,000 keys (20,000 inputs each), each against the hand loop over the same
keys. Targets: at most 1.5x the hand loop; the 10,000-key time within 1.2x of the 100-key time.

Run: python bench/bench_mixed.py [--inputs 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bridge import Runtime
from bridge.plan import plan_from_data

PLAN = {
    "agent_name": "bench_mixed",
    "actions": {
        "first": {"name": "first", "exec": {"func_type": "PythonFunction", "module": "python_actions.bench",
                                              "qualname": "first"}, "trigger_conditions": ["_input_event"]},
        "relay": {"name": "relay", "exec": {
            "func_type": "JavaFunction", "qualname": "dev.bridge.examples.BenchActions", "method_name": "relay",
            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]},
            "trigger_conditions": ["to_java"]},
        "last": {"name": "last", "exec": {"func_type": "PythonFunction", "module": "python_actions.bench",
                                            "qualname": "last"}, "trigger_conditions": ["from_java"]},
    },
}


def through_runtime(rt: Runtime, inputs: list[tuple[Any, Any]]) -> float:
    start = time.perf_counter()
    report = rt.run(inputs)
    elapsed = time.perf_counter() - start
    assert report.ok and len(report.outputs) == len(inputs), report.errors[:1]
    assert report.outputs[-1][1] == [inputs[-1][1] * 2] * 2, report.outputs[-1]
    return elapsed / len(inputs)


def by_hand(inputs: list[tuple[Any, Any]]) -> float:
    """The same work as a loop over raw JPype (the JVM the runtime started)."""
    import jpype

    relay_raw = jpype.JClass("dev.bridge.examples.BenchActions").relayRaw
    hash_map = jpype.JClass("java.util.HashMap")
    py_memory: dict[Any, dict[str, Any]] = {}
    java_memory: dict[Any, Any] = {}
    outputs = []
    start = time.perf_counter()
    for key, n in inputs:
        memory = py_memory.get(key)
        if memory is None:
            memory = py_memory[key] = {}
            java_memory[key] = hash_map()
        memory["py"] = n
        jmap = java_memory[key]
        value = int(relay_raw(jmap, n))
        outputs.append((key, [value, int(jmap.get("java"))]))
    elapsed = time.perf_counter() - start
    assert outputs[-1][1] == [inputs[-1][1] * 2] * 2
    return elapsed / len(inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    plan = plan_from_data(PLAN)
    few = [(i % 100, i) for i in range(args.inputs)]
    many = [(i % 10_000, i) for i in range(args.inputs)]
    best = {"hand 100": float("inf"), "bridge 100": float("inf"), "hand 10k": float("inf"),
            "bridge 10k": float("inf")}
    with Runtime(plan) as rt:
        rt.run(few[:2000])  # starts the JVM and warms both paths
        by_hand(few[:2000])
        for _ in range(args.rounds):
            # a fresh runtime's keys each round: 10,000 keys' memory must be made, as in a real run
            with Runtime(plan) as fresh:
                best["bridge 100"] = min(best["bridge 100"], through_runtime(fresh, few))
            best["hand 100"] = min(best["hand 100"], by_hand(few))
            with Runtime(plan) as fresh:
                best["bridge 10k"] = min(best["bridge 10k"], through_runtime(fresh, many))
            best["hand 10k"] = min(best["hand 10k"], by_hand(many))
    us = {name: value * 1e6 for name, value in best.items()}
    print(f"Python -> Java -> Python, {args.inputs} inputs, best of {args.rounds} rounds")
    print(f"{'keys':<10}{'bridge us/input':>18}{'hand JPype us/input':>22}{'ratio':>8}")
    for keys in ("100", "10k"):
        print(f"{keys:<10}{us['bridge ' + keys]:>18.1f}{us['hand ' + keys]:>22.1f}"
              f"{us['bridge ' + keys] / us['hand ' + keys]:>7.2f}x   (target 1.5x)")
    print(f"10,000 keys against 100 keys: {us['bridge 10k'] / us['bridge 100']:.2f}x   (target at most 1.2x)")


if __name__ == "__main__":
    main()
