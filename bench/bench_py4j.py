"""The mixed plan through JPype (the JVM in this process) and through py4j (the JVM in a child), in one run.

The plan is ``bench_mixed.py``'s: ``first`` (Python) writes the input to short-term memory and sends
``to_java``; ``relay`` (Java) reads it, writes ``java`` and sends ``from_java``; ``last`` (Python) reads what
Java wrote and outputs. Three events per input, one Java action. The same inputs run through
``Runtime(plan, jvm="jpype")`` and ``Runtime(plan, jvm="py4j")``, interleaved round by round, best round of
each kept; the ratio is JPype's events/s over py4j's. Target: JPype at least 5x py4j (py4j pays a loopback
round trip per Java action, JPype a call in the same process).

A second plan shows the crossing itself: one Python action per input calling two Java tools (``convert``
and ``calculate`` of ``dev.bridge.examples.UnitTools``, ``python_actions.conformance.use_java_tools``), so
each event makes two Java calls and little else.

Run: python bench/bench_py4j.py [--inputs 5000] [--keys 100] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from bench_mixed import PLAN

from bridge import Runtime
from bridge.jvm import default_bridge
from bridge.plan import plan_from_data

TOOLS_PLAN = {
    "agent_name": "bench_py4j_tools",
    "actions": {"tools": {"name": "tools", "trigger_conditions": ["_input_event"], "exec": {
        "func_type": "PythonFunction", "module": "python_actions.conformance", "qualname": "use_java_tools"}}},
    "resource_providers": {"tool": {
        name: {"name": name, "type": "tool", "__resource_provider_type__": "JavaResourceProvider",
               "descriptor": {"target_clazz": "dev.bridge.examples.UnitTools", "arguments": {}}}
        for name in ("convert", "calculate")}},
}
EVENTS_PER_INPUT = {"mixed": 3, "tools": 1}  # mixed: _input_event, to_java, from_java


def cpu_seconds() -> float:
    """CPU time of this process (all its threads, JPype's JVM included) and of the py4j child JVM, if one runs.

    Wall-clock rates on this shared 2-core VM swing by 2x and more with other work; the CPU both JVM modes
    spend per event is the steadier figure.
    """
    times = os.times()
    total = times.user + times.system
    pid = default_bridge({"bridge.jvm.mode": "py4j"}).pid if "py4j" in _started else None
    if pid is not None:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return total


_started: set[str] = set()


def measure(plan: Any, jvm: str, inputs: list[tuple[Any, Any]], events: int) -> tuple[float, float]:
    """One fresh runtime's run of ``inputs`` (its JVM already started): events/s, and CPU microseconds an event."""
    with Runtime(plan, jvm=jvm) as rt:
        _started.add(jvm)
        cpu = cpu_seconds()
        start = time.perf_counter()
        report = rt.run(inputs)
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds() - cpu
    assert report.ok and len(report.outputs) == len(inputs), report.errors[:1]
    count = len(inputs) * events
    return count / elapsed, cpu / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=5000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    plans = {"mixed": plan_from_data(PLAN), "tools": plan_from_data(TOOLS_PLAN)}
    inputs = {"mixed": [(i % args.keys, i) for i in range(args.inputs)],
              "tools": [(i % args.keys, {"value": i, "from": "km", "to": "mi", "expression": "(2 + 3) * 4.5"})
                        for i in range(args.inputs)]}
    best = {(name, jvm): (0.0, float("inf")) for name in plans for jvm in ("jpype", "py4j")}
    for name, jvm in best:  # starts each JVM and warms each path
        measure(plans[name], jvm, inputs[name][:1000], EVENTS_PER_INPUT[name])
    for _ in range(args.rounds):
        for name, jvm in best:
            rate, cpu = measure(plans[name], jvm, inputs[name], EVENTS_PER_INPUT[name])
            best[(name, jvm)] = (max(best[(name, jvm)][0], rate), min(best[(name, jvm)][1], cpu))
    print(f"{args.inputs} inputs over {args.keys} keys, best of {args.rounds} rounds; mixed: Python -> Java -> "
          "Python, 3 events an input; tools: 1 event an input making 2 Java tool calls")
    print(f"{'plan':<7}{'jvm':<7}{'events/s':>11}{'us/event':>10}{'cpu us/event':>14}  (host + py4j child)")
    for (name, jvm), (rate, cpu) in best.items():
        print(f"{name:<7}{jvm:<7}{rate:>11,.0f}{1e6 / rate:>10.1f}{cpu:>14.1f}")
    for name in plans:
        (fast, fast_cpu), (slow, slow_cpu) = best[(name, "jpype")], best[(name, "py4j")]
        print(f"{name}: JPype / py4j {fast / slow:.2f}x in events/s, {slow_cpu / fast_cpu:.2f}x in CPU an event   "
              "(target: at least 5x)")

if __name__ == "__main__":
    main()
