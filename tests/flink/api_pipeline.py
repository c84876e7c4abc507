"""A user's own pipeline through bridge.flink's API, run by the Flink venv's Python (test_flink_api.py).

Argument: a plan file. Reads JSONL input lines from standard input, prints one JSON object:
{"outputs": [...output lines...], "errors": [...error lines...]}.
"""

from __future__ import annotations

import json
import sys

from pyflink.common import Types

from bridge.flink import JobOptions, environment, run_plan
from bridge.plan import load_plan


def main() -> None:
    plan = load_plan(sys.argv[1])
    lines = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    env = environment(JobOptions(parallelism=2))
    source = env.from_collection(lines, type_info=Types.STRING())
    outputs, errors = run_plan(source, plan)
    everything = outputs.map(lambda line: "o" + line, output_type=Types.STRING()).union(
        errors.map(lambda line: "e" + line, output_type=Types.STRING()))
    collected = list(everything.execute_and_collect())
    print(json.dumps({"outputs": [c[1:] for c in collected if c[0] == "o"],
                      "errors": [c[1:] for c in collected if c[0] == "e"]}))


if __name__ == "__main__":
    main()
