"""Python host costs, measured side by side in one run (ratios, not absolute targets).

1. Resume by ref: a generator action suspended on a durable call, resumed through ActionExecutor.resume(ref)
   versus a bare ``generator.send`` (the floor).
2. Full-host resume: the same through the scheduler, where a worker thread runs the call and wakes the
   scheduler (includes the thread hop).
3. Events/s of a one-action plan (Python action that sends one OutputEvent) versus a plain Python loop
   calling the same function.

Run: python bench/bench_host.py [--n 200000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bridge import Agent, InputEvent, OutputEvent, Runtime, action
from bridge.api import CallResult, Event
from bridge.runtime import ActionExecutor, MemoryStore
from bridge.runtime._context import HostRunnerContext
from bridge.runtime._executor import PythonActionKind


def _best(fn, repeats: int = 5) -> float:
    return min(fn() for _ in range(repeats))


def bare_send(n: int) -> float:
    def gen():
        value = 0
        while True:
            value = yield value

    g = gen()
    next(g)
    start = time.perf_counter()
    for i in range(n):
        g.send(i)
    return (time.perf_counter() - start) / n


def looping_action(event, ctx):
    while True:
        yield ctx.durable_execute_async(int, 1)


def executor_resume(n: int) -> float:
    pending: list = []
    executor = ActionExecutor(lambda ref, call: pending.append(call))
    executor.register("loop", PythonActionKind(looping_action))
    ctx = HostRunnerContext("k", MemoryStore(), None, {}, None)
    ref = executor.start("loop", Event(type="go"), ctx).ref
    start = time.perf_counter()
    for _ in range(n):
        call = pending.pop()
        executor.resume(ref, (call.call_id, CallResult(call.call_id, 1)))
    return (time.perf_counter() - start) / n


class ResumeAgent(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        for _ in range(event.input):
            yield ctx.durable_execute_async(int, 1)


def host_resume(n: int) -> float:
    with Runtime(ResumeAgent, workers=1) as rt:
        start = time.perf_counter()
        rt.run([("k", n)])
        return (time.perf_counter() - start) / n


class OneActionAgent(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.send_event(OutputEvent(output=event.input))


def plan_throughput(n: int) -> float:
    inputs = [(i % 64, i) for i in range(n)]
    with Runtime(OneActionAgent) as rt:
        start = time.perf_counter()
        report = rt.run(inputs)
        elapsed = time.perf_counter() - start
    assert len(report.outputs) == n
    return n / elapsed


def plain_python_throughput(n: int) -> float:
    class Ctx:
        def __init__(self) -> None:
            self.out: list = []

        def send_event(self, e) -> None:
            self.out.append(e)

    ctx = Ctx()
    start = time.perf_counter()
    for i in range(n):
        OneActionAgent.handle(InputEvent(i), ctx)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200_000, help="iterations per measurement")
    n = parser.parse_args().n
    send = _best(lambda: bare_send(n))
    resume = _best(lambda: executor_resume(n))
    host = statistics.median(host_resume(n // 10) for _ in range(3))
    eps = max(plan_throughput(n // 4) for _ in range(3))
    plain = max(plain_python_throughput(n // 4) for _ in range(3))
    print(f"{'measurement':<52}{'value':>14}{'ratio':>10}")
    print(f"{'bare generator.send':<52}{send * 1e9:>11.0f} ns{1:>10.1f}")
    print(f"{'resume by ref (ActionExecutor.resume)':<52}{resume * 1e9:>11.0f} ns{resume / send:>10.1f}")
    print(f"{'resume through host (worker + wake-up)':<52}{host * 1e9:>11.0f} ns{host / send:>10.1f}")
    print(f"{'plain Python loop, events/s':<52}{plain:>14,.0f}{1:>10.1f}")
    print(f"{'one-action plan through Runtime, events/s':<52}{eps:>14,.0f}{plain / eps:>10.1f}x slower")


if __name__ == "__main__":
    main()
