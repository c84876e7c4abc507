"""``bridge run --host java`` stops, reads standard input and locks its output as ``--host python`` does.

Each test runs the same plan under both hosts in child processes (``tests/cli_support.py``) and holds them to
the same exit code, outputs and lines: SIGTERM/SIGINT with ``--grace`` (exit 143/130, every finished output
kept, the running input finished within the grace or abandoned after it), a second signal, ``--input -`` read
as it comes, and the lock that keeps a second run off an output another run writes. Waits are on evidence (a
marker file, a line), never on timings.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import Child, jsonl, output_values, plan_file, py

from bridge import OutputEvent

pytestmark = pytest.mark.usefixtures("java_built")

HOSTS = ["python", "java"]
FOREVER = 3600  # seconds a stuck action would take; the grace period must cut it short


def _slow_run(tmp_path: Path, host: str, qualname: str, *, sleep: float = FOREVER, grace: str = "1",
              out: Path | None = None) -> tuple[Child, Path, Path]:
    """Two quick inputs, then a slow one (it writes a marker first), all on one key, under ``host``."""
    marker = tmp_path / f"started-{host}"
    out = out or tmp_path / f"out-{host}.jsonl"
    inputs = jsonl(tmp_path / f"in-{host}.jsonl", [
        {"key": "k", "input": {"value": "one"}}, {"key": "k", "input": {"value": "two"}},
        {"key": "k", "input": {"value": "slow", "marker": str(marker), "sleep": sleep}}])
    plan = plan_file(tmp_path, {"slow": (py(qualname), ["_input_event"])}, name=f"plan-{host}.json")
    child = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(out), "--grace", grace,
                             "--no-progress", "--host", host])
    return child, marker, out


def _stopped(tmp_path: Path, host: str, qualname: str, sig: int, **kwargs) -> tuple[int, list[str], list, str]:
    child, marker, out = _slow_run(tmp_path, host, qualname, **kwargs)
    child.wait_for_file(marker)
    child.proc.send_signal(sig)
    code, err = child.finish()
    assert child.no_crash_report()
    return code, err.splitlines(), output_values(out) if out.exists() else [], err


@pytest.mark.parametrize("host", HOSTS)
def test_sigterm_while_a_durable_call_waits_ends_at_the_grace_period_with_finished_outputs(tmp_path: Path,
                                                                                          host: str) -> None:
    code, lines, outputs, err = _stopped(tmp_path, host, "slow_call", signal.SIGTERM)
    assert code == 143, err
    assert outputs == ["one", "two"]
    assert lines[-1] == "stopped by SIGTERM: 2 inputs, 2 outputs, 0 failed events", err
    assert ("bridge: SIGTERM received: taking no more inputs; running ones get up to 1 s to finish (send it again "
            "to stop now)") in lines


@pytest.mark.parametrize("host", HOSTS)
def test_sigterm_while_an_action_is_stuck_abandons_it_after_the_grace_and_keeps_finished_outputs(
        tmp_path: Path, host: str) -> None:
    code, lines, outputs, err = _stopped(tmp_path, host, "slow", signal.SIGTERM)
    assert code == 143, err
    assert outputs == ["one", "two"]
    assert "bridge: the run did not end within the 1 s grace period; abandoning what runs" in lines
    assert lines[-1] == ("stopped by SIGTERM: 2 inputs finished, 2 outputs written; inputs still running were "
                         "abandoned (raise --grace to give them longer)"), err


@pytest.mark.parametrize("host", HOSTS)
def test_an_input_that_ends_within_the_grace_period_keeps_its_output(tmp_path: Path, host: str) -> None:
    code, lines, outputs, err = _stopped(tmp_path, host, "slow_call", signal.SIGTERM, sleep=1, grace="600")
    assert code == 143, err
    assert outputs == ["one", "two", "slow"]
    assert lines[-1] == "stopped by SIGTERM: 3 inputs, 3 outputs, 0 failed events", err


@pytest.mark.parametrize("host", HOSTS)
def test_sigint_stops_the_run_with_exit_130(tmp_path: Path, host: str) -> None:
    code, lines, outputs, err = _stopped(tmp_path, host, "slow_call", signal.SIGINT)
    assert code == 130, err
    assert outputs == ["one", "two"]
    assert lines[-1] == "stopped by SIGINT: 2 inputs, 2 outputs, 0 failed events", err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


@pytest.mark.parametrize("host", HOSTS)
def test_a_second_signal_stops_at_once_without_waiting_out_the_grace_period(tmp_path: Path, host: str) -> None:
    child, marker, out = _slow_run(tmp_path, host, "slow_call", grace="600")
    child.wait_for_file(marker)
    child.proc.send_signal(signal.SIGTERM)
    child.wait_for_stderr("SIGTERM received: taking no more inputs")
    child.proc.send_signal(signal.SIGTERM)
    code, err = child.finish()
    assert code == 143, err
    assert output_values(out) == ["one", "two"]
    assert "bridge: SIGTERM received again: stopping now" in err
    assert err.splitlines()[-1].startswith("stopped by SIGTERM: 2 inputs finished, 2 outputs written"), err


@pytest.mark.parametrize("host", HOSTS)
def test_standard_input_is_read_as_it_comes_and_each_output_is_written_at_once(tmp_path: Path, host: str) -> None:
    plan = plan_file(tmp_path, {"count": (py("count"), ["_input_event"])}, name=f"plan-{host}.json")
    child = Child(tmp_path, [str(plan), "--input", "-", "--no-progress", "--host", host], stdin=subprocess.PIPE)
    child.send('{"key": "a", "input": 1}')
    first = child.read_line()  # the first output comes before the second line is written
    child.send('{"key": "a", "input": 2}')
    second = child.read_line()
    assert child.proc.stdin is not None
    child.proc.stdin.close()
    code, err = child.finish()
    assert code == 0, err
    assert first == b'{"key":"a","output":{"seen":1,"key_type":"str","input":1}}\n'
    assert second == b'{"key":"a","output":{"seen":2,"key_type":"str","input":2}}\n'
    assert err.splitlines()[-1] == "2 inputs, 2 outputs, 0 failed events"


@pytest.mark.parametrize(("first", "second"), [("python", "java"), ("java", "python"), ("java", "java")])
def test_a_second_run_on_an_output_another_run_writes_fails_with_exit_2(tmp_path: Path, first: str,
                                                                        second: str) -> None:
    out = tmp_path / "out.jsonl"
    running, marker, _ = _slow_run(tmp_path, first, "slow_call", out=out)
    running.wait_for_file(marker)
    plan = plan_file(tmp_path, {"count": (py("count"), ["_input_event"])}, name="plan-count.json")
    inputs = jsonl(tmp_path / "in-count.jsonl", [{"key": "a", "input": 1}])
    late = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(out), "--no-progress", "--host",
                            second])
    code, err = late.finish()
    running.proc.send_signal(signal.SIGTERM)
    first_code, first_err = running.finish()
    assert code == 2, err
    assert f"is writing {out}; wait for it to end or choose another --output" in err
    assert f"another bridge run (process {running.proc.pid if first == 'python' else ''}" in err or first == "java"
    assert first_code == 143, first_err
    assert output_values(out) == ["one", "two"]  # the first run's finished outputs, untouched by the second
    assert not Path(f"{out}.lock").exists()


def _refused_by_both(tmp_path: Path, conf: dict, extra: list[str]) -> list[tuple[int, str]]:
    """Run a plan with ``conf`` under both hosts; each host's exit code and last error line."""
    results = []
    for host in HOSTS:
        plan = plan_file(tmp_path, {"count": (py("count"), ["_input_event"])}, name=f"plan-{host}.json")
        spec = json.loads(plan.read_text())
        plan.write_text(json.dumps({**spec, "config": {"conf_data": conf}}))
        inputs = jsonl(tmp_path / f"in-{host}.jsonl", [{"key": "a", "input": 1}])
        code, err = Child(tmp_path, [str(plan), "--input", str(inputs), "--no-progress", "--host", host,
                                     *extra]).finish()
        results.append((code, err))
    return results


def test_a_plan_s_code_running_jvm_flag_is_refused_by_both_hosts_before_any_jvm_starts(tmp_path: Path) -> None:
    marker = tmp_path / "agent-ran"
    agent = tmp_path / "agent.sh"  # what a plan would run through the flag, were it passed on
    agent.write_text(f"#!/bin/sh\ntouch {marker}\n")
    agent.chmod(0o755)
    (py_code, py_err), (java_code, java_err) = _refused_by_both(
        tmp_path, {"bridge.jvm.options": [f"-XX:OnError={agent}", "-javaagent:/x.jar"]}, [])
    assert py_code == java_code == 2, (py_err, java_err)
    assert "a plan may not set it" in py_err
    assert java_err == py_err
    assert not marker.exists()


def test_a_plan_s_java_home_under_an_allow_list_is_refused_by_both_hosts_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "fake-java-ran"
    fake = tmp_path / "fake-jdk" / "bin" / "java"
    fake.parent.mkdir(parents=True)
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 0\n")
    fake.chmod(0o755)
    (py_code, py_err), (java_code, java_err) = _refused_by_both(
        tmp_path, {"bridge.jvm.java_home": str(tmp_path / "fake-jdk")}, ["--allow", "cli_support"])
    assert py_code == java_code == 2, (py_err, java_err)
    assert "a plan run with an allow list may not choose it" in py_err
    assert java_err == py_err
    assert not marker.exists()


def test_python_actions_run_in_the_same_python_with_the_same_module_path_under_both_hosts(tmp_path: Path) -> None:
    facts = {}
    for host in HOSTS:
        plan = plan_file(tmp_path, {"facts": (py("python_facts", "parity_actions"), ["_input_event"])},
                         name=f"plan-{host}.json")
        inputs = jsonl(tmp_path / f"in-{host}.jsonl", [{"key": "a", "input": 1}])
        out = tmp_path / f"out-{host}.jsonl"
        code, err = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(out), "--no-progress",
                                     "--host", host]).finish()
        assert code == 0, err
        facts[host] = output_values(out)[0]
    python, java = facts["python"], facts["java"]
    assert java["executable"] == python["executable"] == sys.executable
    assert (java["prefix"], java["base_prefix"]) == (python["prefix"], python["base_prefix"])
    # `python -m bridge.cli` puts the working directory first; the Java host puts no working directory at all.
    assert python["path"][0] == str(tmp_path)
    assert java["path"] == python["path"][1:]
    assert "" not in java["path"] and str(tmp_path) not in java["path"]


@pytest.mark.parametrize(("qualname", "error"), [("fail_after_call", "ValueError: failed after the call"),
                                                 ("outlast_the_timeout", "CallTimeoutError")])
def test_a_failure_after_a_durable_call_names_the_event_type_under_both_hosts(tmp_path: Path, qualname: str,
                                                                              error: str) -> None:
    lines = {}
    for host in HOSTS:
        plan = plan_file(tmp_path, {"act": (py(qualname, "parity_actions"), ["_input_event"])},
                         name=f"plan-{host}.json")
        inputs = jsonl(tmp_path / f"in-{host}.jsonl", [{"key": "a", "input": 1}])
        code, err = Child(tmp_path, [str(plan), "--input", str(inputs), "--no-progress", "--call-timeout", "0.5",
                                     "--host", host]).finish()
        assert code == 1, err
        lines[host] = [line for line in err.splitlines() if "failed on event" in line]
    assert lines["java"] == lines["python"]
    assert len(lines["java"]) == 1 and "failed on event '_input_event'" in lines["java"][0], lines
    assert error in lines["java"][0]


def interrupted(event, ctx):
    """Raise KeyboardInterrupt from the plan's code on input "stop" (it ends the run), else output the input."""
    if event.input == "stop":
        raise KeyboardInterrupt("pressed in an action")
    ctx.send_event(OutputEvent(output=event.input))


def awkward_values(event, ctx):
    """Output floats whose shortest form Jackson writes otherwise, and strings beyond ASCII and with escapes."""
    ctx.send_event(OutputEvent(output={
        "floats": [1e16, 123456789.125, 5e-324, 1.5e-7, 1e-5, 0.0001234, 1.0, -0.0, 0.1, 2e-3, 1e22, 1e15,
                   9999999999999998.0, 1.7976931348623157e308, 1.2345678901234568e17, 100.0, 2.0 ** 0.5],
        "ints": [0, -1, 2 ** 63 - 1, -(2 ** 63)],
        "text": "\U0001F680 ключ \u2028\x7f\x00\x1f\b\t\n\f\r\"\\/ é", "input": event.input}))


@pytest.mark.parametrize("host", HOSTS)
def test_keyboard_interrupt_raised_by_an_action_ends_the_run_with_exit_2_and_the_same_error_line(
        tmp_path: Path, host: str) -> None:
    inputs = jsonl(tmp_path / f"in-{host}.jsonl", [{"key": "a", "input": "one"}, {"key": "a", "input": "stop"}])
    plan = plan_file(tmp_path, {"act": (py("interrupted", "test_java_host_parity"), ["_input_event"])},
                     name=f"plan-{host}.json")
    child = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(tmp_path / f"out-{host}.jsonl"),
                             "--no-progress", "--host", host])
    code, err = child.finish()
    assert child.no_crash_report()
    assert code == 2, err
    first = next(line for line in err.splitlines() if line.startswith("error:"))
    assert first == ("error: the run was ended by KeyboardInterrupt: pressed in an action raised in the plan's code "
                     "(raise an ordinary exception to fail one event instead):"), err
    assert "Exception in thread" not in err


def _both_outputs(tmp_path: Path, plan: Path, inputs: Path) -> dict[str, bytes]:
    written = {}
    for host in HOSTS:
        out = tmp_path / f"out-{host}.jsonl"
        child = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(out), "--no-progress",
                                 "--host", host])
        code, err = child.finish()
        assert code == 0, err
        written[host] = out.read_bytes()
    return written


def test_both_hosts_write_the_same_output_bytes_for_awkward_floats_and_strings(tmp_path: Path) -> None:
    plan = plan_file(tmp_path, {"act": (py("awkward_values", "test_java_host_parity"), ["_input_event"])})
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "k \U0001F511", "input": 1.5e-7}, {"key": 7, "input": "x"}])
    written = _both_outputs(tmp_path, plan, inputs)
    assert b"1e+16,123456789.125,5e-324,1.5e-7" in written["python"]  # what the Java host must match
    assert "\U0001F680".encode() in written["python"]
    assert written["java"] == written["python"]


def test_both_hosts_write_the_same_output_bytes_for_the_portable_values_scenario(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parent / "conformance" / "scenarios" / "portable_values"
    written = _both_outputs(tmp_path, scenario / "plan.json", scenario / "input.jsonl")
    assert written["python"]
    assert written["java"] == written["python"]


@pytest.mark.parametrize("entries", [1, 200])  # the Java host hands small memories whole, large ones as asked
def test_memory_read_from_a_durable_call_s_thread_is_refused_alike_under_both_hosts(tmp_path: Path,
                                                                                   entries: int) -> None:
    lines = {}
    for host in HOSTS:
        plan = plan_file(tmp_path, {"act": (py("read_memory_in_call", "parity_actions"), ["_input_event"])},
                         name=f"plan-{host}.json")
        inputs = jsonl(tmp_path / f"in-{host}.jsonl", [{"key": "a", "input": {"fill": entries}},
                                                         {"key": "a", "input": {"read": True}}])
        out = tmp_path / f"out-{host}.jsonl"
        code, err = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(out), "--no-progress",
                                     "--host", host]).finish()
        assert code == 1, err
        assert output_values(out) == []
        lines[host] = [line for line in err.splitlines() if "failed on event" in line]
    assert lines["java"] == lines["python"]
    assert len(lines["java"]) == 1, lines
    assert "ContextError: memory was read from another thread" in lines["java"][0]
    assert "read it in the action and pass the value to the call" in lines["java"][0]
