"""The crash test at scale: 200 kill -9s of ``bridge run --state`` over 300 inputs, on SQLite (and PostgreSQL).

The scenario, its checks and their meaning are those of ``tests/runtime/crash_driver.py``; this prints how
long the kills and restarts took. Run: python bench/bench_crash.py [--kills 200] [--inputs 300] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(HERE / "tests" / "runtime"), str(HERE / "tests")]

from crash_driver import crash_and_recover  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--inputs", type=int, default=300)
    parser.add_argument("--postgres", action="store_true", help="also on the tests' throwaway PostgreSQL")
    args = parser.parse_args()
    states = {"SQLite": lambda work: str(work / "runs.db")}
    server = None
    if args.postgres:
        import postgres_server

        server = postgres_server.PostgresServer(postgres_server.server_programs())
        server.start()
        states["PostgreSQL"] = lambda work: (server.reset(), server.url)[1]
    try:
        for name, make in states.items():
            work = Path(tempfile.mkdtemp(prefix="bench-crash-"))
            figures = crash_and_recover(work, make(work), inputs=args.inputs, kills=args.kills)
            print(f"{name}: {figures['kills']} kills, {figures['restarts']} starts, {figures['seconds']:.0f} s; "
                  "every output once, no finished call repeated, memory as without crashes")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
