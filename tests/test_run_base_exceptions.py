"""``bridge run`` keeps its outputs when the plan's code raises ``SystemExit``, ``KeyboardInterrupt`` or
another ``BaseException``: the output file is still renamed into place (no temp file left) and the summary
printed, whether the exception fails one event (the executor treats ``SystemExit`` as the action's failure)
or escapes the run. Runs are child processes, as a user runs them (``os._exit`` at the end included).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cli_support import Child, jsonl, plan_file, py

from bridge import OutputEvent

MODULE = "test_run_base_exceptions"
OLD = '{"key": "old", "output": "from an earlier run"}\n'


def exit_on_boom(event, ctx):
    """``sys.exit(3)`` for key ``boom``; echo the input for every other key."""
    if ctx.key == "boom":
        sys.exit(3)
    ctx.send_event(OutputEvent(output=event.input))


def interrupt_on_raise(event, ctx):
    """``KeyboardInterrupt`` for the input ``"raise"`` (no signal: the action raises it itself); echo the others."""
    if event.input == "raise":
        raise KeyboardInterrupt("raised by the action")
    ctx.send_event(OutputEvent(output=event.input))


def _run(tmp_path: Path, qualname: str, records: list[dict]) -> tuple[int, str, Path]:
    plan = plan_file(tmp_path, {"act": (py(qualname, MODULE), ["_input_event"])})
    inputs = jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.jsonl"
    out.write_text(OLD)
    code, err = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(out)]).finish()
    return code, err, out


def _no_temp_files(tmp_path: Path) -> None:
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))
    assert not left, f"temp files left behind: {left}"


def test_sys_exit_in_an_action_fails_that_event_and_every_other_key_keeps_its_output(tmp_path: Path) -> None:
    keys = [f"k{i}" for i in range(5)] + ["boom"] + [f"k{i}" for i in range(5, 10)]
    code, err, out = _run(tmp_path, "exit_on_boom", [{"key": k, "input": f"in-{k}"} for k in keys])
    assert code == 1, err
    outputs = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((o["key"], o["output"]) for o in outputs) == sorted((k, f"in-{k}") for k in keys if k != "boom")
    assert "'act'" in err and "'boom'" in err and "SystemExit" in err
    assert "11 inputs, 10 outputs, 1 failed events" in err
    _no_temp_files(tmp_path)


def test_a_base_exception_escaping_the_run_still_puts_the_outputs_in_place(tmp_path: Path) -> None:
    # Key "last" raises on its third input. Keys take one step per round, so by then the other keys' runs have
    # ended and their outputs are written: the file must keep them. (Were the executor to fail the event
    # instead, every output is there and the exit code is 1.)
    others = [{"key": f"k{i}", "input": f"in-k{i}"} for i in range(10)]
    records = [{"key": "last", "input": "first"}, *others, {"key": "last", "input": "second"},
               {"key": "last", "input": "raise"}]
    code, err, out = _run(tmp_path, "interrupt_on_raise", records)
    assert code in (1, 2), err  # 2: the exception ended the run, reported; 1: it failed one event
    assert "KeyboardInterrupt" in err
    text = out.read_text()
    assert OLD not in text  # the new output replaced the old file
    outputs = [(o["key"], o["output"]) for o in map(json.loads, text.splitlines())]
    assert set(outputs) >= {(r["key"], r["input"]) for r in others}
    assert ("last", "raise") not in outputs
    assert f"{len(outputs)} outputs" in err  # the summary is printed and counts what the file holds
    _no_temp_files(tmp_path)


def test_sys_exit_while_loading_the_plan_leaves_the_old_output_and_no_temp_file(tmp_path: Path) -> None:
    (tmp_path / "exits_on_import.py").write_text("import sys\nsys.exit(4)\n\ndef act(event, ctx):\n    pass\n")
    plan = plan_file(tmp_path, {"act": (py("act", "exits_on_import"), ["_input_event"])})
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "a", "input": 1}])
    out = tmp_path / "out.jsonl"
    out.write_text(OLD)
    code, err = Child(tmp_path, [str(plan), "--input", str(inputs), "--output", str(out)]).finish()
    assert code == 2, err
    assert "SystemExit" in err and "nothing ran" in err
    assert out.read_text() == OLD
    _no_temp_files(tmp_path)
