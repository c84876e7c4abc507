"""Durable runs on a SQLite state: recovery after kill -9, replay of durable calls, divergence, the lifecycle."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import durable_agents as agents
import pytest
from durable_agents import Approval, Catcher, Changing, Counter, Swallows, TimesOut, Unnamed, effects

from bridge import Agent, ContextError, InputEvent, NonDeterminismError, OutputEvent, Runtime, StateError, action
from bridge.store import digest, kid_of

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def work(tmp_path, monkeypatch):
    monkeypatch.setattr(agents, "WORK", tmp_path)
    monkeypatch.setitem(agents.FLAGS, "fail", False)
    monkeypatch.setitem(agents.FLAGS, "arg", 1)
    return tmp_path


def _child(work: Path, agent: str, inputs: list, source: str = "list") -> subprocess.CompletedProcess:
    """Run ``agent`` over ``inputs`` on the state in ``work`` in a child process (which a test may kill)."""
    code = textwrap.dedent(f"""
        import json, sys
        from bridge import Runtime
        import durable_agents
        plan = getattr(durable_agents, {agent!r})
        with Runtime(plan() if callable(plan) and not isinstance(plan, type) else plan,
                     state={str(work / 's.db')!r}) as rt:
            rt.run({inputs!r}, source={source!r},
                   on_output=lambda k, o: print(json.dumps([k, o]), flush=True))
    """)
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "DURABLE_WORK": str(work)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def _recorded(work: Path, name_of) -> set[str]:
    """The effects whose calls the state holds as finished (read right after the first, killed process)."""
    from bridge.store import open_store

    store = open_store(work / "s.db")  # as the next runner would: calls still in the journal count
    try:
        store.lock_runner()
        rows = [(c["fid"], c["digest"]) for r in store.runs() for c in store.key_calls(r.kid) if c["status"] == "done"]
    finally:
        store.close()
    return {name_of(fid, d) for fid, d in rows}


def _outputs(proc: subprocess.CompletedProcess) -> list:
    import json

    return [json.loads(line) for line in proc.stdout.splitlines()]


INPUTS = [(f"k{i % 2}", {"n": i}) for i in range(6)]
EXPECTED = {("k0", 0): 0, ("k1", 1): 10, ("k0", 2): 20, ("k1", 3): 40, ("k0", 4): 60, ("k1", 5): 90}


def _killed_then_continued(work: Path, plan: str, marker: str, name_of) -> tuple[list, set[str], list[str]]:
    """Run ``plan`` over INPUTS until the durable call ``marker`` kills it, then the same command to its end.

    Returns the outputs of both, the calls the state held as finished right after the kill, and every call run.
    """
    (work / f"kill-{marker}").touch()
    first = _child(work, plan, INPUTS)
    assert first.returncode == -9, first.stderr
    finished = _recorded(work, name_of)
    second = _child(work, plan, INPUTS)
    assert second.returncode == 0, second.stderr
    outputs = _outputs(first) + _outputs(second)
    # Every output exactly once, and the totals of a run that never crashed.
    assert sorted((k, o["n"]) for k, o in outputs) == sorted(EXPECTED)
    assert {(k, o["n"]): o["total"] for k, o in outputs} == EXPECTED
    runs = effects()
    # Every call the first process recorded as finished ran once; a call still in flight at the kill (the
    # other key's, racing the kill) may have run twice, and no call ran more than that.
    assert all(runs.count(name) == 1 for name in finished), runs
    assert all(runs.count(name) <= 2 for name in runs)
    return outputs, finished, runs


def test_a_killed_run_continues_where_it_stopped_without_repeating_finished_calls(work) -> None:
    # The sync call of input 3 kills the process: its async call had finished.
    _, finished, runs = _killed_then_continued(
        work, "Counter", "b-3", lambda fid, d: next(f"{name}:{n}" for name in "ab" for n in range(6)
                                                    if d == digest({"args": [name, n], "kwargs": {}})))
    assert runs.count("b:3") == 2  # in flight at the kill, no reconciler: runs again
    assert "a:3" in finished
    # A third run of the same command has nothing left to do.
    third = _child(work, "Counter", INPUTS)
    assert third.returncode == 0 and _outputs(third) == []
    with Runtime(Counter, state=work / "s.db") as rt:
        assert rt.short_term_memory("k1").get("total") == 90
        assert {r.key: r.status for r in rt.runs()} == {"k0": "done", "k1": "done"}


@pytest.mark.usefixtures("java_built")
def test_a_killed_run_replays_a_java_actions_finished_calls(work) -> None:
    # Java's sync call of input 3 kills the process: its async call had finished. Java ids: "ja-3" for ja:3.
    _, finished, runs = _killed_then_continued(work, "java_counted_plan", "jb-3",
                                               lambda fid, d: fid.replace("-", ":"))
    assert runs.count("jb:3") == 2  # in flight at the kill
    assert "ja:3" in finished  # recorded by the Java action before the kill: replayed from the state


def test_a_reconciler_decides_for_a_call_in_flight_at_the_crash(work) -> None:
    (work / "kill-r-1").touch()  # the effect happens, then the process dies before it is recorded
    first = _child(work, "Reconciled", [("k", {"n": 1})])
    assert first.returncode == -9
    second = _child(work, "Reconciled", [("k", {"n": 1})])
    assert second.returncode == 0, second.stderr
    assert _outputs(second) == [["k", 10]]
    assert effects() == ["r:1"]  # the reconciler saw it took effect: not run again


def test_a_recorded_exception_replays_as_the_same_type_without_running_again(work) -> None:
    with Runtime(Catcher, state=work / "s.db") as rt:
        agents.FLAGS["fail"] = True
        report = rt.run([("k", {"n": 7})])
        assert [type(e.cause) for e in report.errors] == [RuntimeError]
        agents.FLAGS["fail"] = False
        retried = rt.retry("k")
    assert retried.outputs == [("k", "ValueError: no stock for 7")]
    assert effects() == ["fails:7"]


def test_a_diverging_replay_warns_and_runs_anew(work, caplog) -> None:
    with Runtime(Changing, state=work / "s.db") as rt:
        agents.FLAGS["fail"] = True
        rt.run([("k", {})])
        agents.FLAGS.update(fail=False, arg=2)
        with caplog.at_level(logging.WARNING, logger="bridge.durable"):
            retried = rt.retry("k")
    assert retried.outputs == [("k", 20)]
    assert effects() == ["c:1", "c:2"]
    assert "durable call #0" in caplog.text and "durable_agents:effect" in caplog.text
    with Runtime(Changing, state=work / "s.db") as rt:  # the new call's record stayed (the drop came first)
        [call] = rt.state.key_calls(kid_of("k"))
        assert (call["index"], call["status"], call["result"]) == (0, "done", 20)


def test_a_timed_out_call_replays_as_timed_out_even_when_it_returned_later(work) -> None:
    import time

    with Runtime(TimesOut, state=work / "s.db") as rt:
        agents.FLAGS["fail"] = True
        rt.run([("k", {})])
        time.sleep(0.8)  # the abandoned call returns meanwhile
        assert effects() == ["slow"]
        agents.FLAGS["fail"] = False
        retried = rt.retry("k")
    assert retried.outputs == [("k", "timed out")]  # the branch the action took, not the late value
    assert effects() == ["slow"]


def test_strict_mode_fails_an_action_that_swallowed_the_divergence(work) -> None:
    with Runtime(Swallows, state=work / "s.db", strict=True) as rt:
        agents.FLAGS["fail"] = True
        rt.run([("k", {})])
        agents.FLAGS.update(fail=False, arg=2)
        [error] = rt.retry("k").errors
    assert isinstance(error.cause, NonDeterminismError)


def test_strict_mode_refuses_a_diverging_replay_naming_both_calls(work) -> None:
    with Runtime(Changing, state=work / "s.db", strict=True) as rt:
        agents.FLAGS["fail"] = True
        rt.run([("k", {})])
        agents.FLAGS.update(fail=False, arg=2)
        retried = rt.retry("k")
    [error] = retried.errors
    assert isinstance(error.cause, NonDeterminismError)
    assert "key 'k'" in str(error.cause) and "durable call #0" in str(error.cause)
    assert effects() == ["c:1"]  # nothing ran in strict mode


def test_wait_for_input_parks_the_key_and_resume_hands_the_value_in_a_later_process(work) -> None:
    with Runtime(Approval, state=work / "s.db") as rt:
        report = rt.run([("k", {"n": 3}), ("k", {"n": 4}), ("other", {"n": 5})])
        # Both keys wait (the run returned: nothing else to do); k's second input is queued behind its wait.
        assert report.outputs == [] and report.ok
        waiting = rt.runs(status="waiting")
        assert sorted((r.key, r.wait["name"]) for r in waiting) == [("k", "approval"), ("other", "approval")]
    with Runtime(Approval, state=work / "s.db") as rt:  # a later process
        resumed = rt.resume("k", "yes")
        assert resumed.outputs == [("k", {"n": 3, "price": 30, "approval": "yes"})]
        assert sorted(r.key for r in rt.runs(status="waiting")) == ["k", "other"]  # k's next input waits now
        assert rt.resume("k", "no").outputs == [("k", {"n": 4, "price": 40, "approval": "no"})]
        with pytest.raises(StateError, match="not waiting"):
            rt.resume("k", "again")
    assert effects().count("price:3") == 1  # the call before the wait was replayed, not run again


@pytest.mark.usefixtures("java_built")
def test_a_java_action_waits_for_input_and_resumes_in_a_later_process(work) -> None:
    plan = agents.java_counted_plan("approval")
    with Runtime(plan, state=work / "s.db") as rt:
        report = rt.run([("k", {"n": 2, "work": str(work)}), ("k", {"n": 3, "work": str(work)})])
        assert report.ok and report.outputs == []
        [waiting] = rt.runs(status="waiting")
        assert (waiting.key, waiting.wait["name"], waiting.wait["action"]) == ("k", "approval", "approval")
    with Runtime(plan, state=work / "s.db") as rt:
        assert rt.resume("k", {"ok": True}).outputs == [("k", {"n": 2, "price": 20, "approval": {"ok": True}})]
        assert rt.resume("k", "no").outputs == [("k", {"n": 3, "price": 30, "approval": "no"})]
    assert effects() == ["jp:2", "jp:3"]  # the call before the wait was replayed on the resume


def test_wait_for_input_without_a_state_fails_the_action_saying_so() -> None:
    with Runtime(Approval) as rt:
        [error] = rt.run([("k", {"n": 1})]).errors
    assert isinstance(error.cause, ContextError) and "state store" in str(error.cause)


def test_retry_of_a_key_not_in_error_and_unknown_keys_are_refused(work) -> None:
    with Runtime(Counter, state=work / "s.db") as rt:
        rt.run([("k", {"n": 1})])
        with pytest.raises(StateError, match="not in error"):
            rt.retry("k")
        with pytest.raises(StateError, match="no key 'nobody'"):
            rt.retry("nobody")


def test_a_failed_input_holds_the_keys_later_inputs_until_a_retry(work) -> None:
    with Runtime(Counter, state=work / "s.db") as rt:
        agents.FLAGS["fail"] = True
        report = rt.run([("k", {"n": 1}), ("k", {"n": 2}), ("j", {"n": 9})])
        assert len(report.errors) == 2  # k's first input and j's; k's second waits behind its error
        [k] = rt.runs(status="error")[:1] if rt.runs(status="error")[0].key == "k" else rt.runs(status="error")[1:]
        assert k.error["message"] == "RuntimeError: told to fail"
        agents.FLAGS["fail"] = False
        retried = rt.retry("k")
    assert [o["n"] for _, o in retried.outputs] == [1, 2]
    assert effects().count("a:1") == 1 and effects().count("b:1") == 1  # replayed on the retry


def test_a_stopped_key_runs_no_further_inputs(work) -> None:
    with Runtime(Counter, state=work / "s.db") as rt:
        rt.run([("k", {"n": 1})])
        rt.stop("k")
        report = rt.run([("k", {"n": 2}), ("j", {"n": 3})])
        assert [k for k, _ in report.outputs] == ["j"]
        assert [r.key for r in rt.runs(status="stopped")] == ["k"]


def test_runs_filter_by_age(work) -> None:
    with Runtime(Counter, state=work / "s.db") as rt:
        rt.run([("k", {"n": 1})])
        assert [r.key for r in rt.runs(older_than=3600)] == []
        assert [r.key for r in rt.runs(older_than=0)] == ["k"]


def test_a_lambda_without_an_id_fails_its_action_saying_what_to_do(work) -> None:
    with Runtime(Unnamed, state=work / "s.db") as rt:
        [error] = rt.run([("k", {})]).errors
    assert isinstance(error.cause, ContextError) and "durable_id=" in str(error.cause)


def test_a_state_of_another_plan_is_refused_naming_the_difference_unless_forced(work) -> None:
    with Runtime(Counter, state=work / "s.db") as rt:
        rt.run([("k", {"n": 1})])
    with pytest.raises(StateError, match="actions changed: handle"):
        Runtime(Catcher, state=work / "s.db")
    with Runtime(Catcher, state=work / "s.db", force=True) as rt:
        assert rt.runs()[0].key == "k"


def test_a_second_runtime_on_the_same_state_is_refused_while_the_first_runs(work) -> None:
    with Runtime(Counter, state=work / "s.db"):
        proc = _child(work, "Counter", [("k", {"n": 1})])
    assert proc.returncode != 0 and "another bridge process is running actions" in proc.stderr


def test_call_records_are_matched_by_index_so_a_gap_replays_only_what_was_recorded(work) -> None:
    # gather() of two calls whose second ended first, then a crash: only #1 was recorded.
    from bridge.api._calls import PendingCall
    from bridge.runtime._durable import CallLog
    from bridge.store import CallRecord, open_store

    store = open_store(work / "s.db")
    try:
        store.record_call("k", 0, 1, CallRecord(1, "durable_agents:effect", digest({"args": ["b", 2], "kwargs": {}}),
                                                "done", 20))
        log = CallLog(store, "k", 0, 1, "k", "handle", strict=True, replay=True)
        first = PendingCall("c1", agents.effect, ("a", 1), {})
        second = PendingCall("c2", agents.effect, ("b", 2), {})
        log.prepare(first)
        log.prepare(second)
        assert first.replay is None  # runs
        assert second.replay is not None and log.outcome(second.replay) == (20, None)
        assert log.foreign_records() == []  # Java replays by position: nothing past the gap
    finally:
        store.close()


GATE = threading.Event()


def gate() -> int:
    """A durable call that waits until the test opens the gate."""
    GATE.wait(30)
    return 0


class GatedTotal(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        total = (ctx.short_term_memory.get("total") or 0) + event.input
        ctx.short_term_memory.set("total", total)
        if event.input == 2:  # written, then waiting: not finished while the group commit is written
            await ctx.durable_execute_async(gate)
        ctx.send_event(OutputEvent(output=total))


def test_a_group_commit_stores_a_keys_memory_without_the_writes_of_its_unfinished_action(work) -> None:
    from bridge.store import open_store

    GATE.clear()
    path = work / "gated.db"
    result: list = []
    with Runtime(GatedTotal, state=path) as rt:
        runner = threading.Thread(target=lambda: result.append(rt.run([("k", 1), ("k", 2)])))
        runner.start()
        try:
            deadline = time.monotonic() + 20
            stored = None
            while stored is None and time.monotonic() < deadline:  # the scheduler flushes while the call waits
                reader = open_store(path)
                try:
                    stored = reader.memory(kid_of("k"))
                finally:
                    reader.close()
                time.sleep(0.02)
            assert stored == {"total": 1}  # input 2's write (total 3) is not the key's memory until it finishes
        finally:
            GATE.set()
            runner.join(30)
        assert [o for _, o in result[0].outputs] == [1, 3]
    after = open_store(path)
    try:
        assert after.memory(kid_of("k")) == {"total": 3}
    finally:
        after.close()
