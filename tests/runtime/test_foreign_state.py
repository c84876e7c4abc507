"""Durable runs under the Java host: ``bridge run --host java --state`` keeps the one state store, as the Python host.

kill -9 at random moments and restart: every output once, no completed durable call made twice, the memory of a
run that never crashed; a state either host wrote is taken up by the other; ``bridge runs`` reads what the Java
host wrote, and resumes a key it left waiting.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from crash_driver import crash_and_recover
from postgres_server import postgres_server  # noqa: F401  (a fixture, used by name)

TESTS = Path(__file__).resolve().parent

pytestmark = pytest.mark.usefixtures("java_built")


def test_kills_of_the_java_host_lose_and_repeat_nothing_on_sqlite(tmp_path: Path) -> None:
    figures = crash_and_recover(tmp_path, str(tmp_path / "runs.db"), inputs=40, kills=6, seed=5, hosts=("java",))
    assert figures["kills"] >= 5


def test_kills_of_the_java_host_lose_and_repeat_nothing_on_postgresql(tmp_path: Path,
                                                                        postgres_server) -> None:  # noqa: F811
    postgres_server.reset()
    figures = crash_and_recover(tmp_path, postgres_server.url, inputs=40, kills=5, seed=13, hosts=("java",))
    assert figures["kills"] >= 5


def test_each_host_takes_up_a_killed_run_of_the_other(tmp_path: Path) -> None:
    # Restarts alternate python, java, python, ...: each takes up what the other left at a kill -9, the last is java.
    figures = crash_and_recover(tmp_path, str(tmp_path / "runs.db"), inputs=40, kills=5, seed=3,
                                hosts=("python", "java"))
    assert figures["kills"] >= 5
    assert figures["restarts"] % 2 == 0, "the run that finished was not the Java host's"


def _plan(tmp_path: Path) -> Path:
    def python(name: str) -> dict:
        return {"func_type": "PythonFunction", "module": "foreign_state_agents", "qualname": name}

    java = {"func_type": "JavaFunction", "qualname": "dev.bridge.examples.DurableActions", "method_name": "approval",
            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]}
    actions = {"route": (python("route"), "_input_event"), "picky": (python("picky"), "plain"),
               "approve": (python("approve"), "ask"), "approval": (java, "ask_java")}
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"agent_name": "lifecycle", "actions": {
        name: {"name": name, "exec": exec_, "trigger_conditions": [trigger]}
        for name, (exec_, trigger) in actions.items()}}))
    return plan


def _bridge(*args: str, work: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DURABLE_WORK": str(work),
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=work)


def test_bridge_runs_reads_and_resumes_what_the_java_host_left(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps(line) + "\n" for line in [
        {"key": "ok", "input": "a"}, {"key": "bad", "input": "boom"}, {"key": "bad", "input": "later"},
        {"key": "py", "input": {"ask": "python", "n": 1}}, {"key": "py", "input": "queued behind the wait"},
        {"key": "jv", "input": {"ask": "java", "n": 7}}, {"key": "ok", "input": "b"}]))
    state = str(tmp_path / "runs.db")
    run = _bridge("run", str(plan), "--input", str(inputs), "--output", "out.jsonl", "--state", state,
                  "--no-progress", "--host", "java", work=tmp_path)
    assert run.returncode == 1, run.stderr  # the failing key
    assert "action 'picky' failed on event 'plain' for key 'bad': ValueError: boom on purpose" in run.stderr
    assert "2 keys waiting for input; hand it in with: bridge runs resume KEY" in run.stderr
    assert "  py waits for 'approval' (action 'approve'); 1 later input queued" in run.stderr
    assert "  jv waits for 'approval' (action 'approval'); 0 later inputs queued" in run.stderr
    assert "1 key in error" in run.stderr
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert lines == [{"key": "ok", "output": {"input": "a", "seen": 1}},
                     {"key": "ok", "output": {"input": "b", "seen": 2}}]

    # The same command again takes nothing new; both hosts report every key of the file with the state's memory.
    reports = {}
    for host in ("java", "python"):
        again = _bridge("run", str(plan), "--input", str(inputs), "--output", "out.jsonl", "--state", state,
                        "--no-progress", "--host", host, "--report", f"report-{host}.json", work=tmp_path)
        assert again.returncode == 0, again.stderr
        assert "0 inputs, 0 outputs, 0 failed events; 7 inputs taken by earlier runs skipped, their 2 outputs " \
               "written again" in again.stderr
        assert (tmp_path / "out.jsonl").read_text().count("\n") == 2
        reports[host] = json.loads((tmp_path / f"report-{host}.json").read_text())["keys"]
    assert reports["java"] == reports["python"]
    assert [(r["key"], r["short_term_memory"]) for r in reports["java"]] == [("ok", {"seen": 2}), ("bad", {}),
                                                                             ("py", {}), ("jv", {})]

    listed = _bridge("runs", "list", "--json", "--state", state, work=tmp_path)
    assert listed.returncode == 0, listed.stderr
    runs = {row["key"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert {key: row["status"] for key, row in runs.items()} == {"ok": "done", "bad": "error", "py": "waiting",
                                                                 "jv": "waiting"}
    shown = _bridge("runs", "show", "bad", "--json", "--state", state, work=tmp_path)
    assert json.loads(shown.stdout)["error"]["message"] == "ValueError: boom on purpose"
    shown = _bridge("runs", "show", "ok", "--json", "--state", state, work=tmp_path)
    assert json.loads(shown.stdout)["memory"] == {"seen": 2}

    # The Python host hands the values in: both waiting actions run again from their start and go on.
    for key, value in (("py", "yes"), ("jv", "fine")):
        resumed = _bridge("runs", "resume", key, "--input", json.dumps(value), "--plan", str(plan), "--state", state,
                          "--output", "resumed.jsonl", work=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
    resumed_lines = [json.loads(line) for line in (tmp_path / "resumed.jsonl").read_text().splitlines()]
    assert {"key": "py", "output": {"input": {"ask": "python", "n": 1}, "approval": "yes"}} in resumed_lines
    assert {"key": "py", "output": {"input": "queued behind the wait", "seen": 1}} in resumed_lines
    assert {"key": "jv", "output": {"n": 7, "price": 70, "approval": "fine"}} in resumed_lines
    assert (tmp_path / "effects.log").read_text().split() == ["jp:7"], "the recorded price was not replayed"
    listed = _bridge("runs", "list", "--json", "--state", state, work=tmp_path)
    statuses = {row["key"]: row["status"] for row in map(json.loads, listed.stdout.splitlines())}
    assert statuses == {"ok": "done", "bad": "error", "py": "done", "jv": "done"}


def test_the_java_host_refuses_a_state_another_process_runs_actions_on(tmp_path: Path) -> None:
    from bridge.store import open_store

    plan, state = _plan(tmp_path), str(tmp_path / "runs.db")
    (tmp_path / "in.jsonl").write_text('{"key": "ok", "input": "a"}\n')
    holder = open_store(state)
    try:
        holder.lock_runner()
        run = _bridge("run", str(plan), "--input", "in.jsonl", "--output", "out.jsonl", "--state", state,
                      "--no-progress", "--host", "java", work=tmp_path)
    finally:
        holder.close()
    assert run.returncode == 2
    assert f"error: another bridge process is running actions on {state}" in run.stderr
    assert not (tmp_path / "out.jsonl").exists()
