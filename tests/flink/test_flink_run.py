"""``bridge flink run`` on a local MiniCluster: the same outputs, error lines and exit codes as ``bridge run``.

PyFlink pins pemja 0.5.7 while the dev venv has the java-host's 0.6.0, so the jobs run from the Flink venv
(``make flink-venv``: .venv-flink) in child processes; these tests compare them with ``bridge run`` from this
venv. Each job costs a JVM gateway, a MiniCluster and a Python worker per slot (~30 s on 2 cores).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from postgres_server import postgres_server  # noqa: F401  (a fixture, used by name)

from tests.flink.procs import session_processes

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "conformance" / "scenarios"
FLINK_PYTHON = ROOT / ".venv-flink" / "bin" / "python"
HANG_GUARD = 300.0

pytestmark = pytest.mark.skipif(not FLINK_PYTHON.exists() and os.environ.get("CI") != "true",
                                reason="no .venv-flink (make flink-venv); CI makes it and runs these")


def _env() -> dict[str, str]:
    paths = (str(ROOT / "tests"), str(ROOT / "tests" / "flink"), os.environ.get("PYTHONPATH"))
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def bridge(python: Path | str, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``bridge`` in a session of its own; once it has exited, nothing it started may be left running."""
    proc = subprocess.Popen([str(python), "-m", "bridge.cli", *args], cwd=cwd, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"bridge {' '.join(args[:2])} hung:\n{proc.communicate()[1][-3000:]}") from None
    deadline = time.monotonic() + 30
    while (left := session_processes(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"left running after the command ended (the job's JVM or a Python worker): {left}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def per_key(path: Path) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for line in path.read_text().splitlines():
        record = json.loads(line)
        found[json.dumps(record["key"])].append(record["output"])
    return dict(found)


def one_action_plan(tmp_path: Path, action: str) -> Path:
    """A plan file of one Python action of flink_actions, triggered by each input."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"agent_name": action, "actions": {action: {
        "name": action, "exec": {"func_type": "PythonFunction", "module": "flink_actions", "qualname": action},
        "trigger_conditions": ["_input_event"]}}}))
    return plan


def problem_lines(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if line.startswith(("error:", "skipped:")))


def test_a_mixed_plan_gives_the_same_outputs_per_key_as_bridge_run_on_two_slots(tmp_path: Path) -> None:
    scenario = SCENARIOS / "mixed_memory"  # Python -> Java -> Python on each key's memory, across inputs
    plan, inputs = scenario / "plan.json", scenario / "input.jsonl"
    local = bridge(sys.executable, ["run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "local.jsonl")], tmp_path)
    assert local.returncode == 0, local.stderr
    job = bridge(FLINK_PYTHON, ["flink", "run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "flink.jsonl"),
                                "--parallelism", "2"], tmp_path)
    assert job.returncode == 0, job.stderr
    assert per_key(tmp_path / "flink.jsonl") == per_key(tmp_path / "local.jsonl")
    expected = json.loads((scenario / "expected.json").read_text())
    assert per_key(tmp_path / "flink.jsonl") == {json.dumps(k["key"]): k["outputs"] for k in expected["keys"]}
    assert job.stderr.splitlines()[-1] == "8 inputs, 8 outputs, 0 failed events"
    assert not list(tmp_path.glob(".bridge-flink-*")), "the job's work folder is removed"


def test_keys_of_every_kind_are_the_same_keys_on_flink_as_under_bridge_run(tmp_path: Path) -> None:
    """The job keys lines in Java (KeyLines): equal keys meet in one key's memory, different kinds stay apart."""
    plan = SCENARIOS / "python_only" / "plan.json"  # each output's trail holds one mark per input of its key so far
    keys = ['"a"', '"\\u00e9"', '"\u00e9"', '"q\\"\\\\"', "1", "1.0", "1.50", "1.5", "-0", "0", "0.0", "-0.0", "true",
            "null", "123456789012345678901234567890", "1e20", "100000000000000000000.0",
            "-1.6130484589462314e17", '{"$bytes": "AQI="}']
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(f'{{"key": {key}, "input": {n}}}\n' for n in range(3) for key in keys))
    local = bridge(sys.executable, ["run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "local.jsonl")], tmp_path)
    job = bridge(FLINK_PYTHON, ["flink", "run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "flink.jsonl"),
                                "--parallelism", "2"], tmp_path)
    assert (job.returncode, local.returncode) == (0, 0), job.stderr
    assert per_key(tmp_path / "flink.jsonl") == per_key(tmp_path / "local.jsonl")


def test_failed_events_and_bad_lines_are_reported_as_bridge_run_reports_them(tmp_path: Path) -> None:
    scenario = SCENARIOS / "failing_keys"  # one key fails in Java, one in Python; their next inputs run
    plan = scenario / "plan.json"
    inputs = tmp_path / "in.jsonl"
    inputs.write_text((scenario / "input.jsonl").read_text() + '{"key": [1], "input": 1}\nnot json\n')
    local = bridge(sys.executable, ["run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "local.jsonl")], tmp_path)
    job = bridge(FLINK_PYTHON, ["flink", "run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "flink.jsonl")],
                 tmp_path)
    assert (job.returncode, local.returncode) == (1, 1), job.stderr
    assert per_key(tmp_path / "flink.jsonl") == per_key(tmp_path / "local.jsonl")
    assert problem_lines(job.stderr) == problem_lines(local.stderr)
    assert len(problem_lines(job.stderr)) == 4  # two failed events, two skipped lines with file:line
    assert job.stderr.splitlines()[-1] == local.stderr.splitlines()[-1]


def test_two_slots_share_a_postgres_call_store_and_a_second_run_replays_every_completed_call(
        tmp_path: Path, postgres_server: Any) -> None:  # noqa: F811
    postgres_server.reset()
    log = tmp_path / "effects.log"
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps({"key": f"k{i % 6}", "input": {"n": i, "log": str(log), "pause": 0}}) + "\n"
                              for i in range(60)))
    plan = one_action_plan(tmp_path, "effect")
    args = ["flink", "run", str(plan), "-i", str(inputs), "--parallelism", "2", "--state", postgres_server.url]
    first = bridge(FLINK_PYTHON, [*args, "-o", str(tmp_path / "first.jsonl")], tmp_path)
    assert first.returncode == 0, first.stderr
    assert sorted(log.read_text().splitlines()) == sorted(f"k{i % 6} {i}" for i in range(60))
    # A job that starts again from nothing (as a restore from an early checkpoint would): Flink numbers each key's
    # inputs from 0 again, so every call finds its record in the shared store and none runs.
    second = bridge(FLINK_PYTHON, [*args, "-o", str(tmp_path / "second.jsonl")], tmp_path)
    assert second.returncode == 0, second.stderr
    assert log.read_text().count("\n") == 60, "a completed call ran again"
    assert per_key(tmp_path / "second.jsonl") == per_key(tmp_path / "first.jsonl")


def test_a_later_job_with_other_inputs_on_the_same_store_makes_its_calls_instead_of_replaying_the_old_ones(
        tmp_path: Path) -> None:
    # Tomorrow's inputs for the same keys: Flink numbers each key's inputs from 0 again, and a call whose arguments
    # happen to be the same (a price lookup of the same product) must not get yesterday's recorded outcome.
    log = tmp_path / "effects.log"
    plan = one_action_plan(tmp_path, "effect")
    state = str(tmp_path / "calls.db")
    for day in ("monday", "tuesday"):
        inputs = tmp_path / f"{day}.jsonl"
        inputs.write_text("".join(json.dumps({"key": f"k{i % 3}", "input": {
            "n": i, "log": str(log), "pause": 0, "day": day}}) + "\n" for i in range(9)))
        job = bridge(FLINK_PYTHON, ["flink", "run", str(plan), "-i", str(inputs), "-o", str(tmp_path / f"{day}.out"),
                                    "--state", state], tmp_path)
        assert job.returncode == 0, job.stderr
    assert Counter(log.read_text().splitlines()) == Counter({f"k{i % 3} {i}": 2 for i in range(9)}), \
        "tuesday's calls replayed monday's records instead of running"


@pytest.mark.parametrize("state", [False, True], ids=["without-state", "with-state"])
def test_a_key_waiting_on_a_durable_call_does_not_hold_up_another_key_of_its_slot(tmp_path: Path, state: bool) -> None:
    # One slot. Key "a" waits in a durable call until a file exists; key "b", whose line comes after, makes it.
    # Had "a" held the slot, "b" would not run meanwhile and "a"'s call would fail after 10 s. With a call store
    # too: its calls are recorded (a SQLite file, one slot) and the keys still do not wait for each other.
    meeting = tmp_path / "meeting"
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(json.dumps({"key": "a", "input": {"wait": str(meeting)}}) + "\n"
                      + json.dumps({"key": "b", "input": {"make": str(meeting)}}) + "\n")
    plan = one_action_plan(tmp_path, "meet")
    job = bridge(FLINK_PYTHON, ["flink", "run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "out.jsonl"),
                                *(["--state", str(tmp_path / "calls.db")] if state else [])], tmp_path)
    assert job.returncode == 0, job.stderr
    assert per_key(tmp_path / "out.jsonl") == {'"a"': ["met"], '"b"': ["made"]}


def test_inputs_still_under_way_when_the_input_ends_are_written_back_with_each_keys_memory(tmp_path: Path) -> None:
    # The file source ends long before the last calls return: the key's end-of-input timer waits for them, and
    # each key's second input sees the memory its first left (handed out by the runtime, kept in keyed state).
    log = tmp_path / "effects.log"
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps({"key": f"k{i % 3}", "input": {
        "n": i, "log": str(log), "pause": 3 * (i // 3)}}) + "\n" for i in range(6)))
    plan = one_action_plan(tmp_path, "effect")
    job = bridge(FLINK_PYTHON, ["flink", "run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "out.jsonl")],
                 tmp_path)
    assert job.returncode == 0, job.stderr
    assert per_key(tmp_path / "out.jsonl") == {f'"k{k}"': [{"n": k, "doubled": 2 * k, "seen": 1},
                                                           {"n": k + 3, "doubled": 2 * (k + 3), "seen": 2}]
                                               for k in range(3)}


def test_without_flink_the_command_names_the_extra_to_install(tmp_path: Path) -> None:
    if importlib.util.find_spec("pyflink") is not None:
        pytest.skip("this venv has PyFlink; the test needs one without it (the dev venv)")
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"key": 1, "input": 1}\n')
    result = bridge(sys.executable, ["flink", "run", str(SCENARIOS / "python_only" / "plan.json"), "-i", str(inputs)],
                    tmp_path)
    assert result.returncode == 2
    assert "No Flink installed" in result.stderr and "pip install 'bridge-agents[flink]'" in result.stderr


def test_a_python_action_that_cannot_be_imported_is_the_plans_error_before_the_job_starts(tmp_path: Path) -> None:
    # As bridge run: one error line and exit 2, not a job failing in its Python workers through every restart.
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"agent_name": "typo", "actions": {"a": {"name": "a", "exec": {
        "func_type": "PythonFunction", "module": "no_such_module_here", "qualname": "act"},
        "trigger_conditions": ["_input_event"]}}}))
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"key": 1, "input": 1}\n')
    local = bridge(sys.executable, ["run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "local.jsonl")], tmp_path)
    job = bridge(FLINK_PYTHON, ["flink", "run", str(plan), "-i", str(inputs), "-o", str(tmp_path / "flink.jsonl")],
                 tmp_path)
    assert (job.returncode, local.returncode) == (2, 2), job.stderr[-3000:]
    assert job.stderr == local.stderr
    assert "cannot import module 'no_such_module_here'" in job.stderr


def test_a_sqlite_state_on_a_multi_slot_job_is_refused_with_the_reason(tmp_path: Path) -> None:
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"key": 1, "input": 1}\n')
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    result = bridge(FLINK_PYTHON, ["flink", "run", str(SCENARIOS / "python_only" / "plan.json"), "-i", str(inputs),
                                   "-o", str(out), "--parallelism", "2", "--state", str(tmp_path / "runs.db")],
                    tmp_path)
    assert result.returncode == 2
    assert "SQLite" in result.stderr and "postgresql://" in result.stderr and "--parallelism 1" in result.stderr
    assert out.read_text() == "previous\n", "a refused job leaves the previous output as it was"


def test_a_job_without_bridges_flink_jar_says_how_to_build_it_and_keeps_the_previous_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The job keys its lines with bridge-flink's jar: a clone whose jars were never built gets told so, not a
    # ClassNotFoundException from the TaskManager.
    monkeypatch.setenv("BRIDGE_JARS_DIR", str(tmp_path / "no-jars"))
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"key": 1, "input": 1}\n')
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    result = bridge(FLINK_PYTHON, ["flink", "run", str(SCENARIOS / "python_only" / "plan.json"), "-i", str(inputs),
                                   "-o", str(out)], tmp_path)
    assert result.returncode == 2
    assert "bridge-flink-*.jar" in result.stderr and "make jars" in result.stderr
    assert out.read_text() == "previous\n"


def test_sigterm_cancels_the_job_and_leaves_no_jvm_or_python_worker(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    # A Java action too (never triggered), so the worker embeds a JVM: SIGTERM must not crash JPype's signal thread.
    plan.write_text(json.dumps({"agent_name": "slow", "actions": {"slow": {
        "name": "slow", "exec": {"func_type": "PythonFunction", "module": "cli_support", "qualname": "slow"},
        "trigger_conditions": ["_input_event"]}, "relay": {"name": "relay", "exec": {
            "func_type": "JavaFunction", "qualname": "dev.bridge.examples.BenchActions", "method_name": "relay",
            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]},
            "trigger_conditions": ["to_java"]}}}))
    marker = tmp_path / "started"
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(json.dumps({"key": "a", "input": {"value": 1, "marker": str(marker), "sleep": 600}}) + "\n")
    proc = subprocess.Popen([str(FLINK_PYTHON), "-m", "bridge.cli", "flink", "run", str(plan), "-i", str(inputs),
                             "-o", str(tmp_path / "out.jsonl"), "--grace", "20"], cwd=tmp_path, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + HANG_GUARD
        while not marker.exists():  # the action runs in the job's Python worker: the job is fully up
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the action never started"
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr
    assert "Fatal Python error" not in stderr and "SIGSEGV" not in stderr and not list(tmp_path.glob("hs_err_pid*.log"))
    deadline = time.monotonic() + 30
    while (left := list(session_processes(proc.pid).values())) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"left behind: {left}"
