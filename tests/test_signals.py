"""SIGTERM and Ctrl-C stop ``bridge run`` cleanly in every state: exit 143/130, finished outputs kept, a summary.

Each test starts a real ``bridge run`` child, waits for evidence that it reached the state under test (a
marker file an action writes when its slow part starts, or an output line), then sends the signal. Nothing
asserts on timings; waits only have hang guards.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from cli_support import Child, java, jsonl, output_values, plan_file, py

PY_SLOW = {"slow": (py("slow"), ["_input_event"])}
PY_CALL = {"slow": (py("slow_call"), ["_input_event"])}
JAVA_SLOW = {"slow": (java("sleep"), ["_input_event"])}
JAVA_CALL = {"slow": (java("slowDurableCall"), ["_input_event"])}
FOREVER = 3600  # seconds (Python) a stuck action would take; the grace period must cut it short


def _inputs(tmp_path: Path, marker: Path, *, sleep: float, ms: bool = False) -> Path:
    """Two quick inputs, then a slow one, all on one key: the quick ones finish before the slow one starts."""
    slow = {"value": "slow", "marker": str(marker), ("sleep_ms" if ms else "sleep"): sleep * (1000 if ms else 1)}
    return jsonl(tmp_path / "in.jsonl", [{"key": "k", "input": {"value": "one"}},
                                         {"key": "k", "input": {"value": "two"}},
                                         {"key": "k", "input": slow}])


def _stop_while_slow(tmp_path: Path, actions: dict, sig: int, *, grace: str = "1", ms: bool = False,
                     sleep: float = FOREVER) -> tuple[int, str, list, Child]:
    marker = tmp_path / "started"
    out = tmp_path / "out.jsonl"
    child = Child(tmp_path, [str(plan_file(tmp_path, actions)), "--input", str(_inputs(tmp_path, marker, sleep=sleep,
                             ms=ms)), "--output", str(out), "--grace", grace])
    child.wait_for_file(marker)
    child.proc.send_signal(sig)
    code, err = child.finish()
    return code, err, output_values(out), child


@pytest.mark.parametrize(("actions", "is_java"), [
    pytest.param(PY_SLOW, False, id="python-action-running"),
    pytest.param(PY_CALL, False, id="python-durable-call-blocked"),
    pytest.param(JAVA_SLOW, True, id="java-action-running"),
    pytest.param(JAVA_CALL, True, id="java-durable-call-blocked"),
])
def test_sigterm_while_work_runs_keeps_finished_outputs_and_exits_143(tmp_path: Path, actions: dict, is_java: bool,
                                                                      request) -> None:
    if is_java:
        request.getfixturevalue("java_built")
    code, err, outputs, child = _stop_while_slow(tmp_path, actions, signal.SIGTERM, ms=is_java)
    assert code == 143, err
    assert outputs == ["one", "two"]
    assert "stopped by SIGTERM" in err and "Traceback" not in err
    assert child.no_crash_report()


@pytest.mark.usefixtures("java_built")
def test_ctrl_c_while_a_java_action_runs_exits_130_with_finished_outputs(tmp_path: Path) -> None:
    code, err, outputs, child = _stop_while_slow(tmp_path, JAVA_SLOW, signal.SIGINT, ms=True)
    assert code == 130, err
    assert outputs == ["one", "two"]
    assert "stopped by SIGINT" in err and "Traceback" not in err and "interrupted" not in err.lower()
    assert child.no_crash_report()


@pytest.mark.parametrize(("actions", "is_java"), [
    pytest.param(PY_SLOW, False, id="python"),
    pytest.param(JAVA_SLOW, True, id="java"),
])
def test_a_running_input_that_ends_within_the_grace_period_keeps_its_output(tmp_path: Path, actions: dict,
                                                                            is_java: bool, request) -> None:
    if is_java:
        request.getfixturevalue("java_built")
    code, err, outputs, _ = _stop_while_slow(tmp_path, actions, signal.SIGTERM, grace="600", ms=is_java, sleep=1)
    assert code == 143, err
    assert outputs[:3] == ["one", "two", "slow"]
    assert "stopped by SIGTERM" in err and "abandoned" not in err


@pytest.mark.usefixtures("java_built")
def test_sigterm_with_the_jvm_loaded_and_idle_waiting_for_live_input(tmp_path: Path) -> None:
    plan = plan_file(tmp_path, {"echo": (java("sleep"), ["_input_event"])})
    child = Child(tmp_path, [str(plan), "--input", "-"], stdin=subprocess.PIPE)
    child.send('{"key": "a", "input": {"value": "first"}}')
    assert child.read_line() == b'{"key":"a","output":"first"}\n'  # the JVM ran it; now nothing runs
    child.proc.send_signal(signal.SIGTERM)
    code, err = child.finish()
    assert code == 143, err
    assert "stopped by SIGTERM: 1 inputs, 1 outputs" in err and "Traceback" not in err
    assert child.no_crash_report()


def test_sigterm_with_python_only_and_outputs_on_stdout_flushes_them(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    child = Child(tmp_path, [str(plan_file(tmp_path, PY_SLOW)), "--input",
                             str(_inputs(tmp_path, marker, sleep=FOREVER)), "--grace", "0"])
    child.wait_for_file(marker)
    child.proc.send_signal(signal.SIGTERM)
    lines = [child.read_line(), child.read_line()]
    code, err = child.finish()
    assert code == 143, err
    assert lines == [b'{"key":"k","output":"one"}\n', b'{"key":"k","output":"two"}\n']


def test_a_second_signal_stops_at_once_without_waiting_out_the_grace_period(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    out = tmp_path / "out.jsonl"
    child = Child(tmp_path, [str(plan_file(tmp_path, PY_SLOW)), "--input",
                             str(_inputs(tmp_path, marker, sleep=FOREVER)), "--output", str(out), "--grace", "3600"])
    child.wait_for_file(marker)
    child.proc.send_signal(signal.SIGINT)
    child.wait_for_stderr("SIGINT received")
    child.proc.send_signal(signal.SIGINT)
    code, err = child.finish()  # the hang guard is far below the hour of grace
    assert code == 130, err
    assert "stopping now" in err
    assert output_values(out) == ["one", "two"]


@pytest.mark.usefixtures("java_built")
def test_a_thread_a_java_action_leaves_running_does_not_keep_the_process_alive(tmp_path: Path) -> None:
    plan = plan_file(tmp_path, {"leave": (java("leaveThread"), ["_input_event"])})
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "a", "input": {"value": "done"}}])
    child = Child(tmp_path, [str(plan), "--input", str(inputs)])
    assert child.read_line() == b'{"key":"a","output":"done"}\n'
    code, err = child.finish()  # a non-daemon Java thread would hold a normal interpreter exit forever
    assert code == 0, err
    assert "1 inputs, 1 outputs, 0 failed events" in err


def test_the_watchdog_asks_the_run_to_stop_then_abandons_it_after_the_grace_period() -> None:
    import os
    import threading

    from bridge._signals import StopOnSignal

    stops: list[float] = []
    abandoned: list[int] = []
    done = threading.Event()
    before = signal.getsignal(signal.SIGTERM)
    with StopOnSignal(0.0, lambda code: (abandoned.append(code), done.set()), margin=0.0) as stopper:
        stopper.attach(stops.append)
        os.kill(os.getpid(), signal.SIGTERM)
        assert done.wait(60)
    assert (stops, abandoned, stopper.code) == ([0.0], [143], 143)
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_run_that_finished_is_not_abandoned_and_a_signal_before_attach_is_passed_on() -> None:
    import os
    import threading

    from bridge._signals import StopOnSignal

    stops: list[float] = []
    asked = threading.Event()
    with StopOnSignal(600.0, lambda code: pytest.fail("abandoned a finished run"), margin=0.0) as stopper:
        os.kill(os.getpid(), signal.SIGINT)
        while stopper.code is None:
            threading.Event().wait(0.01)
        stopper.attach(lambda grace: (stops.append(grace), asked.set()))
        assert asked.wait(60)
        stopper.finished()
    assert stops[0] == 600.0 and stopper.code == 130
