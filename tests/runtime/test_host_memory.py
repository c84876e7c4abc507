"""A host that keeps each key's memory itself while one live run goes on (bridge.flink's keyed state)."""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

from bridge.runtime import Runtime

PLAN = Path(__file__).resolve().parents[1] / "conformance" / "scenarios" / "python_only" / "plan.json"
_END = object()


def test_each_finished_input_hands_the_keys_memory_out_on_the_scheduler_thread_and_memory_of_gives_it_back() -> None:
    feed: queue.Queue[Any] = queue.Queue()
    kept: dict[Any, Any] = {}  # the host's copy of each key's memory
    ended: list[tuple[Any, Any, str]] = []
    asked: list[tuple[Any, str]] = []
    finished = threading.Event()

    def on_input_end(key: Any, stored: Any) -> None:
        ended.append((key, stored, threading.current_thread().name))
        kept[key] = stored
        if len(ended) == 3:
            finished.set()

    def memory_of(key: Any) -> Any:
        asked.append((key, threading.current_thread().name))
        return kept.get(key)

    with Runtime(PLAN) as runtime:
        result: list[Any] = []
        thread = threading.Thread(target=lambda: result.append(runtime.run(
            iter(feed.get, _END), live=True, on_input_end=on_input_end, memory_of=memory_of)), name="host-sched")
        thread.start()
        feed.put(("a", "hello world"))
        feed.put(("b", "one"))
        feed.put(("a", "again"))
        assert finished.wait(30)
        feed.put(_END)
        thread.join(30)
        (report,) = result
        assert report.inputs == 3 and report.ok
        assert report.outputs == [], "a run as long as its stream keeps no outputs: the host took them"
        assert {name for _, _, name in ended} == {"host-sched"}, "handed out by the thread that owns memory"
        a_ends = [stored for key, stored, _ in ended if key == "a"]
        assert [s["stats"]["inputs"] for s in a_ends] == [1, 2], "a's second input saw its first input's memory"
        assert kept["b"]["stats"]["inputs"] == 1
        assert runtime._scheduler.key_count == 0, "the host has every key's memory: the runtime keeps no copy"
        assert {key for key, _ in asked} >= {"a", "b"} and {name for _, name in asked} == {"host-sched"}


def test_memory_of_fills_a_key_the_runtime_has_not_seen_and_outputs_and_failures_go_to_their_callbacks() -> None:
    stored = {"stats": {"inputs": 5, "words": 9}}
    ends: list[Any] = []
    outputs: list[Any] = []
    with Runtime(PLAN) as runtime:
        runtime.run([("k", "x y"), ("j", "z")], memory_of=lambda key: stored if key == "k" else None,
                    on_input_end=lambda key, memory: ends.append((key, memory)),
                    on_output=lambda key, value: outputs.append(key))
    assert dict(ends)["k"]["stats"] == {"inputs": 6, "words": 11}
    assert dict(ends)["j"]["stats"] == {"inputs": 1, "words": 1}
    assert sorted(outputs) == ["j", "k"]


def test_on_input_end_without_memory_of_keeps_each_keys_memory_in_the_runtime() -> None:
    # A host that only listens (no memory_of to hand memory back) must not make a key's next input start empty.
    ends: list[Any] = []
    with Runtime(PLAN) as runtime:
        report = runtime.run([("k", "x y"), ("k", "z")], on_input_end=lambda key, memory: ends.append(memory))
        assert report.inputs == 2 and report.ok
        assert [memory["stats"]["inputs"] for memory in ends] == [1, 2], "the second input saw the first's memory"
        assert runtime.dump_memory("k")["stats"] == {"inputs": 2, "words": 3}


def test_a_run_that_hands_each_input_out_still_reports_its_failures_as_not_ok() -> None:
    # Such a run keeps no failures in its report (the host took them through on_error), but its report must not
    # say every action succeeded: count_words fails on a word count that is not a number.
    failures: list[Any] = []
    with Runtime(PLAN) as runtime:
        report = runtime.run([("k", "a b"), ("j", "c")], on_error=failures.append,
                             on_input_end=lambda key, memory: None,
                             memory_of=lambda key: {"stats": {"words": "many"}} if key == "k" else None)
    assert [failure.key for failure in failures] == ["k"] and report.errors == []
    assert report.failures == 1 and not report.ok, "one action failed: the report says so"
