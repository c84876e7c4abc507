"""PlanFunction outside a job, run by the Flink venv's Python (test_flink_function.py): what a worker holds.

Argument: a plan file. Runs ``--keys`` keys' first inputs, then a second input of one of them, through one
PlanFunction whose keyed state is a dict per key (as Flink scopes a ValueState to the current key), and prints
{"held": keys the worker's runtime still holds, "again": the second input's output lines}.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bridge.flink import PlanFunction
from bridge.plan import load_plan


class KeyedState:
    """Flink's keyed state as the function sees it: one value for the current key."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.key = ""

    def get_state(self, descriptor: Any) -> KeyedState:
        return self

    def value(self) -> Any:
        return self.values.get(self.key)

    def update(self, value: Any) -> None:
        self.values[self.key] = value


def main() -> None:
    function = PlanFunction(load_plan(sys.argv[1]))
    state = KeyedState()
    function.open(state)  # type: ignore[arg-type]
    for i in range(int(sys.argv[2])):
        state.key = f"k{i}"
        list(function.process_element(json.dumps({"key": f"k{i}", "input": "a b"}), None))
    state.key = "k7"
    again = list(function.process_element(json.dumps({"key": "k7", "input": "c"}), None))
    print(json.dumps({"held": function._runtime._scheduler.key_count, "again": again}))
    function.close()


if __name__ == "__main__":
    main()
