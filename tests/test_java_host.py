"""``bridge run --host java``: the Java host in a child process gives what ``--host python`` gives.

Both hosts run the same plan over the same input file in child processes; the output files, the reports, the
exit codes and the error lines must agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bridge import OutputEvent

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

pytestmark = pytest.mark.usefixtures("java_built")


def explode(event, ctx):
    """Fails on "boom"; else writes memory and outputs the input."""
    if event.input == "boom":
        raise ValueError("boom on purpose")
    ctx.short_term_memory.set("seen", event.input)
    ctx.send_event(OutputEvent(output=event.input))


def _run(host: str, plan: Path, inputs: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, str, dict]:
    out, report = tmp_path / f"out-{host}.jsonl", tmp_path / f"report-{host}.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(plan), "--input", str(inputs), "--output",
                           str(out), "--report", str(report), "--no-progress", "--host", host],
                          capture_output=True, text=True, env=env, timeout=300)
    return done, out.read_text() if out.exists() else "", json.loads(report.read_text()) if report.exists() else {}


def test_the_demo_under_the_java_host_writes_the_python_hosts_output_file(tmp_path: Path) -> None:
    plan, inputs = ROOT / "examples/demo/plan.yaml", ROOT / "examples/demo/orders.jsonl"
    py, py_out, py_report = _run("python", plan, inputs, tmp_path)
    jv, jv_out, jv_report = _run("java", plan, inputs, tmp_path)
    assert py.returncode == 0, py.stderr
    assert jv.returncode == 0, jv.stderr
    assert len(py_out.splitlines()) == 6
    assert jv_out == py_out
    assert jv_report["host"] == "java"
    assert jv_report["keys"] == py_report["keys"]
    assert jv.stderr.strip().splitlines()[-1] == "6 inputs, 6 outputs, 0 failed events"


def test_failures_and_bad_lines_give_the_same_error_lines_and_exit_code(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"agent_name": "failing", "actions": {
        "explode": {"name": "explode", "exec": {"func_type": "PythonFunction", "module": "test_java_host",
                                                "qualname": "explode"}, "trigger_conditions": ["_input_event"]},
        "half_way": {"name": "half_way", "exec": {
            "func_type": "JavaFunction", "qualname": "dev.bridge.examples.EffectActions", "method_name": "halfWay",
            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]},
            "trigger_conditions": ["java_turn"]},
        "hand_over": {"name": "hand_over", "exec": {"func_type": "PythonFunction", "module": "test_java_host",
                                                    "qualname": "hand_over"}, "trigger_conditions": ["_input_event"]},
    }}))
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"key": "a", "input": "boom"}\nnot json\n{"key": 1, "input": "java"}\n'
                      '{"key": "a", "input": "fine"}\n{"key": 1.0, "input": "fine"}\n')
    py, py_out, py_report = _run("python", plan, inputs, tmp_path)
    jv, jv_out, jv_report = _run("java", plan, inputs, tmp_path)
    assert py.returncode == 1, py.stderr
    assert jv.returncode == py.returncode, jv.stderr
    assert jv_out == py_out
    assert jv_report["keys"] == py_report["keys"]

    def lines(stderr: str) -> list[str]:
        return sorted(line for line in stderr.splitlines() if line.startswith(("error:", "skipped:")) or
                      line.endswith("failed events, 1 bad input lines skipped"))

    assert lines(jv.stderr) == lines(py.stderr)
    assert any("action 'explode' failed on event '_input_event' for key 'a': ValueError: boom on purpose" in line
               for line in lines(jv.stderr))


def hand_over(event, ctx):
    """Passes "java" inputs to the Java action ``half_way`` (which fails half way)."""
    if event.input == "java":
        ctx.short_term_memory.set("handed", True)
        ctx.send_event(OutputEvent(output="handed over"))
        from bridge import Event

        ctx.send_event(Event(type="java_turn", attributes={}))


def test_doctor_names_pemjas_two_halves_and_how_to_match_them() -> None:
    from importlib.metadata import version

    from bridge._java_host import pemja_check

    installed = version("pemja")
    same = pemja_check((f"/jars/pemja-{installed}.jar",))
    assert same == (True, f"{installed} (python and jar are one version)")
    ok, text = pemja_check(("/jars/pemja-0.5.5.jar",))
    assert not ok
    assert f"python {installed}, jar 0.5.5: the two halves differ" in text
    assert "pip install pemja==0.5.5" in text
    ok, text = pemja_check(("/jars/bridge-runtime.jar",))
    assert not ok and "the jar (run `make jars`) is missing" in text


def test_doctor_starts_the_java_host_with_this_python() -> None:
    from bridge._java_host import host_check

    ok, text = host_check({})
    assert ok, text
    assert text == f"starts with {sys.executable} (an empty run, exit 0)"


def test_a_missing_host_jar_is_an_error_that_says_how_to_build_it(tmp_path: Path, java_built: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    jars = tmp_path / "jars"
    jars.mkdir()
    for jar in java_built.glob("*.jar"):
        if not jar.name.startswith("bridge-host-"):
            (jars / jar.name).symlink_to(jar)
    plan = tmp_path / "plan.json"
    plan.write_text('{"agent_name": "t", "actions": {}}')
    (tmp_path / "in.jsonl").write_text("")
    env = {**os.environ, "BRIDGE_JARS_DIR": str(jars)}
    done = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(plan), "--input", str(tmp_path / "in.jsonl"),
                           "--no-progress", "--host", "java"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "error: the Java host (dev.bridge.host.Main) is not on the classpath" in done.stderr
    assert "make jars" in done.stderr and "Could not find or load main class" not in done.stderr
    from bridge._java_host import host_check

    monkeypatch.setenv("BRIDGE_JARS_DIR", str(jars))
    ok, text = host_check({})
    assert not ok and "is not on the classpath" in text


def test_a_python_without_pemja_is_named_with_advice_that_fits_how_the_host_was_started(tmp_path: Path) -> None:
    from bridge._java_host import _host_prefix
    from bridge.jvm import options_from_config

    base = Path(sys.base_prefix) / "bin" / "python3"
    if subprocess.run([str(base), "-c", "import pemja"], capture_output=True).returncode == 0:
        pytest.skip(f"{base} has pemja: no Python without it to embed")
    plan = tmp_path / "plan.json"
    plan.write_text('{"agent_name": "t", "actions": {}}')
    (tmp_path / "in.jsonl").write_text("")
    done = subprocess.run([*_host_prefix(options_from_config({})), "run", str(plan), "--input",
                           str(tmp_path / "in.jsonl"), "--python", str(base)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode != 0
    assert f"the Python at {base} has no pemja package" in done.stderr
    assert "`bridge run --host java` embeds the Python bridge runs on, so install pemja there" in done.stderr
