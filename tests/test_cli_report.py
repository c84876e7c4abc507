"""``bridge run --report FILE``: each key's final memory and failures, in the form every host writes."""

import json
from pathlib import Path

from click.testing import CliRunner

from bridge import OutputEvent
from bridge.cli import main

BIG = 2**70 + 1


def remember(event, ctx):
    """Adds the input to ``seen`` and writes one value of every portable type; fails on input "fail"."""
    memory = ctx.short_term_memory
    memory.set("seen", [*(memory.get("seen") or []), event.input])
    memory.set("types", {"bytes": b"\x00\xff", "big": BIG, "text": "ünï 🚀", "float": 1.0, "int": 1, "none": None})
    if event.input == "fail":
        raise ValueError("refusing input 'fail'")
    ctx.send_event(OutputEvent(output=event.input))


def _plan(tmp_path: Path, exec_: dict) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"agent_name": "report", "actions": {
        "remember": {"name": "remember", "exec": exec_, "trigger_conditions": ["_input_event"]}}}))
    return path


PY = {"func_type": "PythonFunction", "module": "test_cli_report", "qualname": "remember"}


def _run(tmp_path: Path, plan: Path, lines: list[str], *extra: str) -> tuple[int, str, Path]:
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("\n".join(lines) + "\n")
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--output",
                                       str(tmp_path / "out.jsonl"), "--report", str(report), *extra])
    return result.exit_code, result.output, report


def test_the_report_lists_every_key_with_input_its_final_memory_and_its_failures(tmp_path: Path) -> None:
    lines = ['{"key": "a", "input": 1}', '{"key": 1, "input": 2}', '{"key": 1.0, "input": 3}',
             '{"key": true, "input": 4}', f'{{"key": {BIG}, "input": 5}}', '{"key": "a", "input": "fail"}',
             '{"key": "a", "input": 6}']
    code, output, report_path = _run(tmp_path, _plan(tmp_path, PY), lines)
    assert code == 1, output
    text = report_path.read_text()
    report = json.loads(text)
    assert report["host"] == "python"
    # Keys keep their JSON type and order of first input; 1, 1.0 and true are three keys.
    assert [(type(e["key"]), e["key"]) for e in report["keys"]] == [
        (str, "a"), (int, 1), (float, 1.0), (bool, True), (int, BIG)]
    a = report["keys"][0]
    # The failed action's writes were rolled back; the key's later input still ran.
    assert a["short_term_memory"]["seen"] == [1, 6]
    assert a["status"] == "error"
    assert a["errors"] == [{"action": "remember", "error": "ValueError: refusing input 'fail'"}]
    ok = report["keys"][1]
    assert ok["status"] == "ok" and ok["errors"] == [] and ok["short_term_memory"]["seen"] == [2]
    # Portable values in their JSON form: bytes tagged, big ints exact, 1.0 stays a float, unicode as text.
    assert ok["short_term_memory"]["types"] == {"bytes": {"$bytes": "AP8="}, "big": BIG, "text": "ünï 🚀",
                                                "float": 1.0, "int": 1, "none": None}
    assert type(ok["short_term_memory"]["types"]["float"]) is float
    assert str(BIG) in text


def test_a_java_action_failure_is_named_by_its_java_class_without_the_stack(tmp_path: Path, java_built) -> None:
    plan = _plan(tmp_path, {"func_type": "JavaFunction", "qualname": "dev.bridge.examples.OrderActions",
                            "method_name": "fail",
                            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]})
    code, output, report_path = _run(tmp_path, plan, ['{"key": "k", "input": 1}'])
    assert code == 1, output
    assert json.loads(report_path.read_text())["keys"] == [{
        "key": "k", "short_term_memory": {}, "status": "error",
        "errors": [{"action": "remember", "error": "java.lang.IllegalStateException: order service unavailable"}]}]


def test_a_report_in_a_missing_folder_fails_before_anything_runs(tmp_path: Path) -> None:
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"key": "a", "input": 1}\n')
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    result = CliRunner().invoke(main, ["run", str(_plan(tmp_path, PY)), "--input", str(inputs), "--output",
                                       str(out), "--report", str(tmp_path / "nowhere" / "report.json")])
    assert result.exit_code == 2
    assert "--report" in result.output and "does not exist" in result.output
    assert out.read_text() == "previous\n"


def test_run_help_explains_the_report() -> None:
    result = CliRunner().invoke(main, ["run", "--help"])
    assert "--report FILE" in result.output and "short_term_memory" in result.output
