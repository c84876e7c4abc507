"""The call store of a Flink worker's live run: calls filed by Flink's input numbers, replayed after a restore.

These need no PyFlink: they drive the worker's runtime as the keyed function does (``expect`` the inputs' Flink
numbers, then submit them to the live run) and read what it hands back.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bridge import Agent, InputEvent, OutputEvent, Runtime, action
from bridge.flink._live import LiveHost
from bridge.flink._store import FlinkCallStore
from bridge.store import kid_of

CHARGED: list[tuple[str, int]] = []
GATE = threading.Event()


def charge(key: str, n: int) -> int:
    """A side effect, counted; the key "slow" waits for the gate first."""
    if key == "slow":
        GATE.wait(30)
    CHARGED.append((key, n))
    return n * 10


class Charges(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        key, n = event.input["key"], event.input["n"]
        if n < 0:
            raise ValueError("a negative charge")
        total = (ctx.short_term_memory.get("total") or 0) + await ctx.durable_execute_async(charge, key, n)
        ctx.short_term_memory.set("total", total)
        ctx.send_event(OutputEvent(output={"n": n, "total": total}))


def _submit(store: FlinkCallStore, host: LiveHost, key: str, first: int, ns: list[int]) -> None:
    payloads = [{"key": key, "n": n} for n in ns]
    store.expect(kid_of(key), first, payloads)  # before submitting: the run files each input's calls by it
    host.submit(kid_of(key), key, payloads)


def _outputs(host: LiveHost, key: str, count: int) -> list:
    got: list = []
    while len(got) < count:
        for outputs, errors, _memory in host.take(kid_of(key), wait=True):
            got.append(([o for _, o in outputs], [str(e) for e in errors]))
    return got


def test_a_key_waiting_on_its_call_does_not_hold_up_the_other_keys_of_the_worker(tmp_path: Path) -> None:
    CHARGED.clear()
    GATE.clear()
    store = FlinkCallStore(str(tmp_path / "calls.db"))
    with Runtime(Charges, state=store) as runtime:
        host = LiveHost(runtime)
        try:
            _submit(store, host, "slow", 0, [1])
            _submit(store, host, "fast", 0, [1, 2, 3])
            assert [o for o, _ in _outputs(host, "fast", 3)] == [
                [{"n": 1, "total": 10}], [{"n": 2, "total": 30}], [{"n": 3, "total": 60}]]
            assert ("slow", 1) not in CHARGED  # still waiting: the fast key went on meanwhile
        finally:
            GATE.set()
        assert [o for o, _ in _outputs(host, "slow", 1)] == [[{"n": 1, "total": 10}]]
        host.close()


def test_inputs_run_again_after_a_restore_replay_their_finished_calls_and_a_failure_does_not_stop_the_key(
        tmp_path: Path) -> None:
    CHARGED.clear()
    GATE.set()
    path = str(tmp_path / "calls.db")
    store = FlinkCallStore(path)
    with Runtime(Charges, state=store) as runtime:
        host = LiveHost(runtime)
        _submit(store, host, "k", 0, [1, -1, 2])  # the second fails; the key's third input still runs
        first = _outputs(host, "k", 3)
        host.close()
    assert first[1][0] == [] and "a negative charge" in first[1][1][0]
    assert CHARGED == [("k", 1), ("k", 2)]
    # A restored job's worker takes another key's input first (so its runtime numbers the inputs otherwise), then
    # runs Flink's inputs 0-2 of the key again (same numbers, same lines) and its input 3: only the call never
    # made before runs. A later job's input 0 of the key with another line is another input: its call runs.
    store = FlinkCallStore(path)
    with Runtime(Charges, state=store) as runtime:
        host = LiveHost(runtime)
        _submit(store, host, "other", 0, [7])
        _outputs(host, "other", 1)
        _submit(store, host, "k", 0, [1, -1, 2, 5])
        again = _outputs(host, "k", 4)
        host.close()
    assert [o for o, _ in again] == [[{"n": 1, "total": 10}], [], [{"n": 2, "total": 30}], [{"n": 5, "total": 80}]]
    assert CHARGED == [("k", 1), ("k", 2), ("other", 7), ("k", 5)]
    store = FlinkCallStore(path)
    with Runtime(Charges, state=store) as runtime:
        host = LiveHost(runtime)
        _submit(store, host, "k", 0, [9])
        assert [o for o, _ in _outputs(host, "k", 1)] == [[{"n": 9, "total": 90}]]
        host.close()
    assert CHARGED[-1] == ("k", 9)


class Waits(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        if event.input == "wait":
            await ctx.wait_for_input("approval")
        ctx.send_event(OutputEvent(output=event.input))


def _java_waits():
    from bridge.plan import plan_from_data

    exec_ = {"func_type": "JavaFunction", "qualname": "dev.bridge.examples.DurableActions", "method_name": "approval",
             "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]}
    return plan_from_data({"agent_name": "waits", "actions": {
        "approval": {"name": "approval", "exec": exec_, "trigger_conditions": ["_input_event"]}}})


@pytest.mark.parametrize("plan", [Waits, "java"], ids=["python", "java"])
def test_wait_for_input_on_a_flink_worker_fails_the_action_saying_why_and_the_key_goes_on(plan, tmp_path: Path
                                                                                         ) -> None:
    # Flink owns the run state, so nothing could hand the input in: the action fails at once (a key parked for
    # ever would hold its later inputs and the job's end-of-input timer).
    store = FlinkCallStore(str(tmp_path / "calls.db"))
    waits = Waits if plan is Waits else _java_waits()
    inputs = ["wait", "after"] if plan is Waits else [{"n": 2, "work": str(tmp_path)}, {"n": 3, "work": str(tmp_path)}]
    with Runtime(waits, state=store) as runtime:
        host = LiveHost(runtime)
        store.expect(kid_of("k"), 0, inputs)
        host.submit(kid_of("k"), "k", inputs)
        [(outputs, errors), (after, later_errors)] = _outputs(host, "k", 2)
        host.close()
    assert outputs == [] and "wait_for_input needs a store that keeps the waiting run" in errors[0]
    if plan is Waits:
        assert "action 'handle'" in errors[0] and after == ["after"] and later_errors == []
    else:  # the Java action waits on each input: each fails the same way, none parks the key
        assert "action 'approval'" in errors[0] and after == [] and "keeps only durable calls" in later_errors[0]
