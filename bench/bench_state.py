"""What a state store costs per action: no store, SQLite and PostgreSQL, measured in one run.

The plan is one async Python action per input that makes one durable call, writes short-term memory and
sends an output: under a store that is one recorded call and one committed action (plus the input taken and
finished). Each configuration runs in this process over the same inputs, interleaved over rounds; the figure
is the best round's wall time per input, and the store's cost is its difference to no store.

PostgreSQL runs when Debian's server programs are installed (the tests' throwaway server on a loopback
port, fsync off as in the tests; a production server with fsync on costs more per commit).

``--instructions`` also counts the CPU instructions per action of one run without a store and with SQLite,
under valgrind's callgrind (switched on only while the measured run goes): repeatable whatever else the machine
does, so it judges small changes that wall time on a busy machine cannot. It does not count the time spent in
the kernel (the WAL's writes).

Fifteen rounds by default: on a shared two-core machine a run's best of five still moved by +-10 us per action between
runs (the machine's speed drifts), fifteen by a few.

Run: python bench/bench_state.py [--inputs 3000] [--rounds 15] [--instructions]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "tests"))

from bench_plan import _wait_for, count_instructions  # noqa: E402

from bridge import Agent, InputEvent, OutputEvent, Runtime, action  # noqa: E402


def price(n: int) -> int:
    return n * 2


class OneCall(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        value = await ctx.durable_execute_async(price, event.input)
        ctx.short_term_memory.set("last", value)
        ctx.send_event(OutputEvent(output=value))


def measure(state, inputs: list) -> float:
    with Runtime(OneCall, state=state) as rt:
        start = time.perf_counter()
        report = rt.run(inputs)
        elapsed = time.perf_counter() - start
    assert report.ok and len(report.outputs) == len(inputs), report.errors[:1]
    return elapsed / len(inputs) * 1e6


def counted_child(state: str, n: int, flag: Path) -> None:
    """Under callgrind: warm up, then let the parent switch counting on around one run (``-``: no store)."""
    inputs = [(f"k{i % 20}", i) for i in range(n)]
    with Runtime(OneCall, state=None if state == "-" else state) as rt:
        rt.run([(f"w{i % 20}", i) for i in range(200)])
        Path(f"{flag}.ready").touch()
        _wait_for(Path(f"{flag}.go"))
        report = rt.run(inputs)
        Path(f"{flag}.done").touch()
        _wait_for(Path(f"{flag}.end"))
    assert report.ok and len(report.outputs) == n


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        counted_child(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--instructions", action="store_true",
                        help="also count CPU instructions per action with callgrind (no store, SQLite)")
    args = parser.parse_args()
    inputs = [(f"k{i % 20}", i) for i in range(args.inputs)]
    folder = Path(tempfile.mkdtemp(prefix="bench-state-"))
    server = None
    try:
        import postgres_server

        bindir = postgres_server.server_programs()
        if bindir is not None:
            server = postgres_server.PostgresServer(bindir)
            server.start()
    except Exception as exc:  # noqa: BLE001 - the bench still reports the other stores
        print(f"(PostgreSQL not measured: {exc})")
        server = None
    configs = {"no store": lambda r: None, "SQLite": lambda r: folder / f"s{r}.db"}
    if server is not None:
        def pg(r: int) -> str:
            server.reset()
            return server.url
        configs["PostgreSQL"] = pg
    best = {name: float("inf") for name in configs}
    measure(None, inputs[:200])  # warm up imports and threads
    for r in range(args.rounds):
        for name, make in configs.items():
            best[name] = min(best[name], measure(make(r), inputs))
    base = best["no store"]
    print(f"{args.inputs} inputs on 20 keys, one durable call per action, best of {args.rounds} rounds")
    for name, us in best.items():
        extra = "" if name == "no store" else f"   +{us - base:6.1f} µs per action ({us / base:.2f}x)"
        print(f"  {name:<11} {us:7.1f} µs per action{extra}")
    if server is not None:
        server.stop()
    if args.instructions:
        none = count_instructions(__file__, "-", 2000)
        sqlite = count_instructions(__file__, str(folder / "counted.db"), 2000)
        print("CPU instructions per action (callgrind, 2000 inputs):")
        print(f"  {'no store':<11} {none:9,.0f}")
        print(f"  {'SQLite':<11} {sqlite:9,.0f}   +{sqlite - none:8,.0f} ({sqlite / none:.2f}x)")


if __name__ == "__main__":
    main()
