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
import time
from typing import Any

from bench_mixed import PLAN

from bridge import Runtime
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


def events_per_second(plan: Any, jvm: str, inputs: list[tuple[Any, Any]], events: int) -> float:
    """One fresh runtime's run of ``inputs`` (its JVM already started by the warm-up), as events/s."""
    with Runtime(plan, jvm=jvm) as rt:
        start = time.perf_counter()
        report = rt.run(inputs)
        elapsed = time.perf_counter() - start
    assert report.ok and len(report.outputs) == len(inputs), report.errors[:1]
    return len(inputs) * events / elapsed


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
    best = {(name, jvm): 0.0 for name in plans for jvm in ("jpype", "py4j")}
    for name, jvm in best:  # starts each JVM and warms each path
        events_per_second(plans[name], jvm, inputs[name][:1000], EVENTS_PER_INPUT[name])
    for _ in range(args.rounds):
        for name, jvm in best:
            rate = events_per_second(plans[name], jvm, inputs[name], EVENTS_PER_INPUT[name])
            best[(name, jvm)] = max(best[(name, jvm)], rate)
    print(f"{args.inputs} inputs over {args.keys} keys, best of {args.rounds} rounds; mixed: Python -> Java -> "
          "Python, 3 events an input; tools: 1 event an input making 2 Java tool calls")
    print(f"{'plan':<7}{'jvm':<7}{'events/s':>11}{'us/event':>10}")
    for (name, jvm), rate in best.items():
        print(f"{name:<7}{jvm:<7}{rate:>11,.0f}{1e6 / rate:>10.1f}")
    for name in plans:
        print(f"{name}: JPype / py4j {best[(name, 'jpype')] / best[(name, 'py4j')]:.2f}x   (target: at least 5x)")


if __name__ == "__main__":
    main()
