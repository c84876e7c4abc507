"""PlanFunction outside a job, run by the Flink venv's Python (test_flink_function.py): what a worker holds.

Argument: a plan file. Runs ``--keys`` keys' first inputs, then a second input of one of them, through one
PlanFunction whose keyed state is a dict per key (as Flink scopes a ValueState to the current key), and prints
{"held": keys the worker's runtime still holds, "again": the second input's output lines}.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pyflink.datastream.time_domain import TimeDomain

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


class Context:
    """The keyed function's context for the current key: timers are noted, the end-of-input one fired by hand."""

    def __init__(self, state: KeyedState) -> None:
        self.state = state

    def timer_service(self) -> Context:
        return self

    def current_processing_time(self) -> int:
        return 0

    def register_processing_time_timer(self, timestamp: int) -> None:
        pass

    def register_event_time_timer(self, timestamp: int) -> None:
        pass

    def get_current_key(self) -> str:
        return json.dumps(self.state.key)

    def time_domain(self) -> TimeDomain:
        return TimeDomain.EVENT_TIME


def run_input(function: PlanFunction, state: KeyedState, key: str, value: Any) -> list[Any]:
    """One input line of ``key`` in, then the key's end-of-input timer: the lines the key's timer emits."""
    state.key = key
    ctx = Context(state)
    list(function.process_element(json.dumps({"key": key, "input": value}), ctx))
    return list(function.on_timer(0, ctx))


def main() -> None:
    function = PlanFunction(load_plan(sys.argv[1]))
    state = KeyedState()
    function.open(state)  # type: ignore[arg-type]
    runtime = function._runtime
    for i in range(int(sys.argv[2])):
        run_input(function, state, f"k{i}", "a b")
    again = run_input(function, state, "k7", "c")
    function.close()  # the worker's live run ends: what its runtime still holds is what it kept
    print(json.dumps({"held": runtime._scheduler.key_count, "again": again}))


if __name__ == "__main__":
    main()
