import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import main

PLAN = {
    "agent_name": "Echo",
    "actions": {
        "echo": {"name": "echo", "exec": {"func_type": "PythonFunction", "module": "test_cli",
                                          "qualname": "echo"}, "trigger_conditions": ["_input_event"]},
    },
}


def echo(event, ctx):
    from bridge import OutputEvent

    if event.input == "fail":
        raise RuntimeError("refusing to echo")
    ctx.send_event(OutputEvent(output={"echo": event.input}))


def _files(tmp_path: Path, lines: list[str], plan: dict = PLAN) -> tuple[Path, Path]:
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan))
    input_path = tmp_path / "in.jsonl"
    input_path.write_text("\n".join(lines) + "\n")
    return plan_path, input_path


def test_run_writes_one_output_line_per_output_event(tmp_path: Path) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}', "", '{"key": 2, "input": "x"}'])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--output", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines == [{"key": "a", "output": {"echo": 1}}, {"key": 2, "output": {"echo": "x"}}]
    assert "2 inputs, 2 outputs, 0 failed" in result.output


def test_a_failing_action_is_reported_at_the_end_and_the_exit_code_is_1(tmp_path: Path) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": "fail"}', '{"key": "b", "input": "ok"}'])
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs)])
    assert result.exit_code == 1
    assert "action 'echo' failed on event '_input_event' for key 'a'" in result.output
    assert "refusing to echo" in result.output
    assert '{"key":"b","output":{"echo":"ok"}}' in result.output


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "in.jsonl:2: not valid JSON"),
    ('{"key": "a"}', "in.jsonl:2: missing 'input'"),
    ("[1, 2]", "in.jsonl:2: each line is an object"),
])
def test_malformed_jsonl_names_the_line(tmp_path: Path, line: str, message: str) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}', line])
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs)])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(("exec_", "message"), [
    ({"module": "no_such_module_xyz", "qualname": "f"}, "action 'echo': cannot import module 'no_such_module_xyz'"),
    ({"module": "test_cli", "qualname": "missing_fn"}, "'test_cli' has no attribute 'missing_fn'"),
])
def test_an_unknown_module_or_qualname_names_the_action_and_what_was_tried(tmp_path, exec_, message) -> None:
    plan = json.loads(json.dumps(PLAN))
    plan["actions"]["echo"]["exec"].update(exec_)
    plan_path, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'], plan)
    result = CliRunner().invoke(main, ["run", str(plan_path), "--input", str(inputs)])
    assert result.exit_code == 2
    assert message in result.output


def test_validate_lists_the_actions(tmp_path: Path) -> None:
    plan, _ = _files(tmp_path, [])
    result = CliRunner().invoke(main, ["validate", str(plan)])
    assert result.exit_code == 0
    assert "echo" in result.output and "python" in result.output


def test_help_teaches_the_input_format_and_gives_examples() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert '{"key": ..., "input": ...}' in result.output and "Examples:" in result.output


def nap(event, ctx):
    import time

    time.sleep(0.05)
    ctx.send_event(__import__("bridge").OutputEvent(output=event.input))


@pytest.mark.parametrize("with_java", [False, True])
def test_ctrl_c_stops_a_run_cleanly_keeping_finished_outputs(tmp_path: Path, with_java: bool, request) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    plan = json.loads(json.dumps(PLAN))
    plan["actions"]["echo"]["exec"]["qualname"] = "nap"
    if with_java:
        request.getfixturevalue("java_built")
        plan["actions"]["convert_units"] = {
            "name": "convert_units", "trigger_conditions": ["never_sent"],
            "exec": {"func_type": "JavaFunction", "qualname": "dev.bridge.examples.OrderActions",
                     "method_name": "benchHop", "parameter_types": []}}
    plan_path, inputs = _files(tmp_path, [json.dumps({"key": i % 3, "input": i}) for i in range(2000)], plan)
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": f"{Path(__file__).parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen([sys.executable, "-m", "bridge.cli", "run", str(plan_path), "--input", str(inputs),
                             "--output", str(out)], stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(4)  # the run takes 100 s; by now it has started (and the JVM too)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted:" in err and "Traceback" not in err
    lines = out.read_text().splitlines()
    assert 0 < len(lines) < 2000
