import json
from pathlib import Path

import pytest
from cli_support import mounted_tmpfs
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


# -- outputs are never destroyed --------------------------------------------------------------------------
def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".lock")))


def test_the_output_replaces_the_old_file_at_the_end_and_leaves_nothing_behind(tmp_path: Path) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'])
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n")
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == '{"key":"a","output":{"echo":1}}\n'
    assert _leftovers(tmp_path) == []


def test_a_missing_input_file_leaves_the_previous_output_untouched(tmp_path: Path) -> None:
    plan, _ = _files(tmp_path, [])
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n")
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(tmp_path / "typo.jsonl"), "--output",
                                       str(out)])
    assert result.exit_code == 2
    assert "typo.jsonl: cannot read the input: No such file or directory" in result.output
    assert "Traceback" not in result.output
    assert out.read_text() == "previous results\n"
    assert _leftovers(tmp_path) == []


def test_a_missing_output_folder_is_a_clear_error_before_anything_runs(tmp_path: Path) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'])
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--output",
                                       str(tmp_path / "no" / "such" / "out.jsonl")])
    assert result.exit_code == 2
    assert "the folder" in result.output and "does not exist (create it first" in result.output
    assert "Traceback" not in result.output and "inputs" not in result.output


def test_a_second_run_on_a_locked_output_fails_clearly(tmp_path: Path) -> None:
    import fcntl

    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'])
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n")
    with open(tmp_path / "out.jsonl.lock", "w") as held:  # as a running bridge holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--output", str(out)])
    assert result.exit_code == 2
    assert f"another bridge run is writing {out}" in result.output
    assert out.read_text() == "previous results\n"


def test_a_lock_file_left_by_a_killed_run_does_not_block_the_next(tmp_path: Path) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'])
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.lock").write_text("12345\n")  # no process holds it
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert _leftovers(tmp_path) == []


def test_two_real_runs_on_one_output_do_not_interleave(tmp_path: Path) -> None:
    import signal

    from cli_support import Child, jsonl, output_values, plan_file, py

    marker = tmp_path / "started"
    plan = plan_file(tmp_path, {"slow": (py("slow"), ["_input_event"])})
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "k", "input": {"value": "one"}},
                                           {"key": "k", "input": {"value": "x", "marker": str(marker), "sleep": 3600}}])
    out = tmp_path / "out.jsonl"
    first = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(out), "--grace", "0"])
    first.wait_for_file(marker)
    second = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(out)])
    code, err = second.finish()
    assert code == 2, err
    assert f"another bridge run (process {first.proc.pid}) is writing {out}" in err
    first.proc.send_signal(signal.SIGTERM)
    code, err = first.finish()
    assert code == 143, err
    assert output_values(out) == ["one"]


@pytest.fixture
def read_only_dir(tmp_path: Path):
    """A folder nobody may write in (a read-only tmpfs when tests run as root, who ignores permissions)."""
    import os
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)]).returncode:
        pytest.skip("running as root without permission to mount a read-only folder")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_read_only_output_folder_is_a_clear_error(tmp_path: Path, read_only_dir: Path) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'])
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--output",
                                       str(read_only_dir / "out.jsonl")])
    assert result.exit_code == 2
    assert f"cannot write in {read_only_dir}:" in result.output and "choose another --output" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 64 KiB filesystem to fill up (needs root to mount; skipped otherwise)."""
    yield from mounted_tmpfs(tmp_path / "tiny", "64k")


def test_a_full_disk_keeps_the_whole_lines_written_and_the_old_file(tmp_path: Path, tiny_disk: Path) -> None:
    plan, inputs = _files(tmp_path, [json.dumps({"key": i, "input": "x" * 200}) for i in range(2000)])
    out = tiny_disk / "out.jsonl"
    out.write_text("previous results\n")
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--output", str(out)])
    assert result.exit_code == 2, result.output
    assert f"writing {out} failed: No space left on device" in result.output
    assert "Traceback" not in result.output
    assert out.read_text() == "previous results\n"
    (kept,) = tiny_disk.glob(".out.jsonl.*.tmp")
    assert f"are in {kept}" in result.output
    lines = kept.read_text().splitlines()
    assert lines and all(json.loads(line)["output"] == {"echo": "x" * 200} for line in lines)


def test_a_full_standard_output_is_one_clear_error(tmp_path: Path) -> None:
    from cli_support import Child, jsonl, plan_file, py

    plan = plan_file(tmp_path, {"slow": (py("slow"), ["_input_event"])})
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": i, "input": {"value": i}} for i in range(100)])
    with open("/dev/full", "wb") as full:
        child = Child(tmp_path, [str(plan), "--input", str(inputs)], stdout=full)
        code, err = child.finish()
    assert code == 2, err
    assert "writing standard output failed: No space left on device" in err
    assert "Traceback" not in err


# -- options ---------------------------------------------------------------------------------------------
def test_zero_workers_is_a_usage_error(tmp_path: Path) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'])
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--workers", "0"])
    assert result.exit_code == 2
    assert "Invalid value for '--workers'" in result.output and "Traceback" not in result.output


def loop(event, ctx):
    from bridge import Event

    ctx.send_event(Event(type="again"))


LOOP_PLAN = {"agent_name": "Loop", "actions": {"loop": {"name": "loop", "exec": {
    "func_type": "PythonFunction", "module": "test_cli", "qualname": "loop"},
    "trigger_conditions": ["_input_event", "again"]}}}


def test_max_steps_bounds_an_event_that_loops(tmp_path: Path) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'], LOOP_PLAN)
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--max-steps", "5"])
    assert result.exit_code == 1, result.output
    assert "exceeded 5 action steps" in result.output


def wait_long(event, ctx):
    import time

    from bridge import OutputEvent

    def nap() -> str:
        time.sleep(3600)
        return "woke"

    try:
        result = yield ctx.durable_execute_async(nap)
    except TimeoutError as exc:
        result = f"timed out: {type(exc).__name__}"
    ctx.send_event(OutputEvent(output=result))


def test_call_timeout_ends_a_durable_call_that_takes_too_long(tmp_path: Path) -> None:
    plan = json.loads(json.dumps(PLAN))
    plan["actions"]["echo"]["exec"]["qualname"] = "wait_long"
    plan_path, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'], plan)
    result = CliRunner().invoke(main, ["run", str(plan_path), "--input", str(inputs), "--call-timeout", "0.2"])
    assert result.exit_code == 0, result.output
    assert '{"key":"a","output":"timed out: CallTimeoutError"}' in result.output


def test_allow_refuses_plan_code_outside_the_prefixes(tmp_path: Path) -> None:
    plan, inputs = _files(tmp_path, ['{"key": "a", "input": 1}'])
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--allow", "myco.agents"])
    assert result.exit_code == 2, result.output
    assert "test_cli" in result.output and "Traceback" not in result.output
    ok = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--allow", "test_cli"])
    assert ok.exit_code == 0, ok.output


def test_run_help_teaches_exit_codes_signals_and_bad_lines() -> None:
    result = CliRunner().invoke(main, ["run", "--help"])
    assert result.exit_code == 0
    for text in ("--grace", "--on-bad-input", "--max-steps", "--call-timeout", "--allow", "130", "143",
                 "SIGTERM", "file:line"):
        assert text in result.output, text
