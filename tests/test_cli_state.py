"""``bridge run --state``: a run continues where a killed one stopped, and its output file holds each output once."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from cli_support import HANG_GUARD, Child, jsonl, plan_file, py
from click.testing import CliRunner

from bridge import OutputEvent
from bridge.cli import main

KEYS = ["k0", "k1", "k2", "k3", "k4"]


# -- actions the plans name -------------------------------------------------------------------------------
def _count(path: str, key: str, value: int) -> int:
    """A side effect that must happen once per input: a line appended to a file."""
    with open(path, "a") as f:
        f.write(f"{key} {value}\n")
    return value


def _gate(marker: str, release: str) -> str:
    """Block until ``release`` exists, after writing ``marker`` (the test's sign that the call is under way)."""
    Path(marker).write_text("started")
    deadline = time.monotonic() + HANG_GUARD
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return "released"


async def tally(event, ctx):
    """Count the input with a durable call, wait at a gate when the input has one, output the key's tally."""
    data = event.input
    await ctx.durable_execute_async(_count, data["counter"], ctx.key, data["value"])
    if data.get("gate"):
        await ctx.durable_execute_async(_gate, data["gate"], data["release"])
    n = (ctx.short_term_memory.get("n") or 0) + 1
    ctx.short_term_memory.set("n", n)
    ctx.send_event(OutputEvent(output={"value": data["value"], "n": n}))


def fail_when_flagged(event, ctx):
    """Fail while the file the input names exists."""
    if Path(event.input["flag"]).exists():
        raise RuntimeError("the flag file is there")
    ctx.send_event(OutputEvent(output=event.input["value"]))


def echo(event, ctx):
    ctx.send_event(OutputEvent(output=event.input))


def _tally_plan(tmp_path: Path) -> Path:
    return plan_file(tmp_path, {"tally": (py("tally", "test_cli_state"), ["_input_event"])})


def _tally_inputs(tmp_path: Path, n: int, gate_at: int | None = None) -> Path:
    records = []
    for i in range(n):
        record = {"key": KEYS[i % len(KEYS)], "input": {"value": i, "counter": str(tmp_path / "calls.txt")}}
        if i == gate_at:
            record["input"].update(gate=str(tmp_path / "gate"), release=str(tmp_path / "release"))
        records.append(record)
    return jsonl(tmp_path / "in.jsonl", records)


def _expected(n: int) -> list[dict]:
    """The outputs of inputs ``0..n-1`` by key, as a run that never crashed makes them."""
    seen: Counter[str] = Counter()
    out = []
    for i in range(n):
        key = KEYS[i % len(KEYS)]
        seen[key] += 1
        out.append({"key": key, "output": {"value": i, "n": seen[key]}})
    return out


def _lines(path: Path) -> list[dict]:
    text = path.read_text()
    assert text == "" or text.endswith("\n"), "the file ends in a half line"
    return [json.loads(line) for line in text.splitlines()]


def _by_key(lines: list[dict]) -> dict[str, list[dict]]:
    """Lines grouped by key, in file order (keys interleave freely; each key's order is fixed)."""
    groups: dict[str, list[dict]] = {}
    for line in lines:
        groups.setdefault(line["key"], []).append(line)
    return groups


def _run(*args: str):
    return CliRunner().invoke(main, ["run", *args])


# -- the same command again ---------------------------------------------------------------------------------
def test_a_second_run_skips_the_inputs_the_first_took_and_rewrites_the_same_output(tmp_path: Path) -> None:
    plan, inputs = _tally_plan(tmp_path), _tally_inputs(tmp_path, 10)
    out, state = tmp_path / "out.jsonl", str(tmp_path / "runs.db")
    first = _run(str(plan), "-i", str(inputs), "-o", str(out), "--state", state)
    assert first.exit_code == 0, first.output
    written = out.read_text()
    assert _by_key(_lines(out)) == _by_key(_expected(10))

    again = _run(str(plan), "-i", str(inputs), "-o", str(out), "--state", state)
    assert again.exit_code == 0, again.output
    assert out.read_text() == written
    assert "0 inputs, 0 outputs" in again.output
    assert "10 inputs taken by earlier runs skipped, their 10 outputs written again" in again.output
    assert len((tmp_path / "calls.txt").read_text().splitlines()) == 10  # nothing ran twice


def test_new_lines_of_the_input_run_after_the_ones_earlier_runs_took(tmp_path: Path) -> None:
    plan, inputs = _tally_plan(tmp_path), _tally_inputs(tmp_path, 6)
    out, state = tmp_path / "out.jsonl", str(tmp_path / "runs.db")
    assert _run(str(plan), "-i", str(inputs), "-o", str(out), "--state", state).exit_code == 0
    _tally_inputs(tmp_path, 9)  # the same file, three lines longer
    result = _run(str(plan), "-i", str(inputs), "-o", str(out), "--state", state)
    assert result.exit_code == 0, result.output
    assert "3 inputs, 3 outputs" in result.output
    assert _by_key(_lines(out)) == _by_key(_expected(9))  # memory (n) went on from the first run


def test_without_output_a_second_run_prints_nothing_the_first_printed(tmp_path: Path) -> None:
    plan, inputs = _tally_plan(tmp_path), _tally_inputs(tmp_path, 4)
    state = str(tmp_path / "runs.db")
    first = CliRunner().invoke(main, ["run", str(plan), "-i", str(inputs), "--state", state])
    assert first.exit_code == 0, first.stderr
    assert len(first.stdout.splitlines()) == 4
    again = CliRunner().invoke(main, ["run", str(plan), "-i", str(inputs), "--state", state])
    assert again.exit_code == 0, again.stderr
    assert again.stdout == ""


def test_the_input_is_its_source_by_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan, inputs = _tally_plan(tmp_path), _tally_inputs(tmp_path, 3)
    state = str(tmp_path / "runs.db")
    assert _run(str(plan), "-i", str(inputs), "--state", state).exit_code == 0
    monkeypatch.chdir(tmp_path)
    again = _run(str(plan), "-i", "in.jsonl", "--state", state)  # the same file, named relatively
    assert again.exit_code == 0, again.output
    assert "3 inputs taken by earlier runs skipped" in again.output


# -- a killed run -----------------------------------------------------------------------------------------
def test_a_run_killed_mid_way_and_started_again_writes_every_output_once(tmp_path: Path) -> None:
    n = 40
    plan, inputs = _tally_plan(tmp_path), _tally_inputs(tmp_path, n, gate_at=22)
    out, state = tmp_path / "out.jsonl", str(tmp_path / "runs.db")
    out.write_text("results of some older run\n")
    args = [str(plan), "--input", str(inputs), "--output", str(out), "--state", state]
    child = Child(tmp_path, args)
    child.wait_for_file(tmp_path / "gate")  # key k2 waits at the gate; the other keys go on
    _wait_for_done_keys(state, len(KEYS) - 1, child)
    child.proc.send_signal(signal.SIGKILL)
    child.finish()
    assert out.read_text() == "results of some older run\n"  # the killed run's temp file was never put in place
    assert len(list(tmp_path.glob(".out.jsonl.*.state.tmp"))) == 1

    (tmp_path / "release").write_text("")
    code, err = Child(tmp_path, args).finish()
    assert code == 0, err
    # Every input was read before the kill; the outputs of finished actions were kept, the rest ran now:
    # the gated input and the three queued behind it on its key.
    assert f"4 inputs, 4 outputs, 0 failed events; {n} inputs taken by earlier runs skipped, their {n - 4} " \
        "outputs written again" in err
    lines = _lines(out)
    assert sorted(map(json.dumps, lines)) == sorted(map(json.dumps, _expected(n)))  # each exactly once
    assert _by_key(lines) == _by_key(_expected(n))  # each key's outputs in order, memory carried over
    calls = (tmp_path / "calls.txt").read_text().splitlines()
    assert sorted(calls) == sorted(f"{KEYS[i % 5]} {i}" for i in range(n))  # no completed call ran twice
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".lock"))] == []


def _wait_for_done_keys(state: str, count: int, child: Child) -> None:
    """Block until ``count`` keys finished every input (their outputs are committed in the state)."""
    from bridge.store import open_store

    deadline = time.monotonic() + HANG_GUARD
    store = open_store(state)
    try:
        while len(store.runs("done")) < count:
            assert child.proc.poll() is None and time.monotonic() < deadline, child.stderr
            time.sleep(0.02)
    finally:
        store.close()


# -- what is left for people ------------------------------------------------------------------------------
def test_a_key_in_error_holds_its_later_inputs_and_the_run_says_so(tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    flag.write_text("")
    plan = plan_file(tmp_path, {"f": (py("fail_when_flagged", "test_cli_state"), ["_input_event"])})
    never = str(tmp_path / "no-flag")
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "a", "input": {"flag": str(flag), "value": 1}},
                                           {"key": "a", "input": {"flag": never, "value": 2}},
                                           {"key": "b", "input": {"flag": never, "value": 3}}])
    result = _run(str(plan), "-i", str(inputs), "--state", str(tmp_path / "runs.db"))
    assert result.exit_code == 1, result.output
    assert "the flag file is there" in result.output
    assert "1 key in error; a key in error holds its later inputs (kept in the state) until it is retried: " \
        "bridge runs retry KEY --plan" in result.output
    assert "  a: action 'f' failed; 1 later input held" in result.output
    assert '{"key":"b","output":3}' in result.output and '"output":2' not in result.output


def test_an_output_a_retry_appended_stays_in_the_rebuilt_output_file(tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    flag.write_text("")
    plan = plan_file(tmp_path, {"f": (py("fail_when_flagged", "test_cli_state"), ["_input_event"])})
    records = [{"key": "a", "input": {"flag": str(flag), "value": 1}}]
    inputs = jsonl(tmp_path / "in.jsonl", records)
    out, state = tmp_path / "out.jsonl", str(tmp_path / "runs.db")
    assert _run(str(plan), "-i", str(inputs), "-o", str(out), "--state", state).exit_code == 1
    flag.unlink()
    retried = CliRunner().invoke(main, ["runs", "retry", "a", "--plan", str(plan), "--state", state, "-o", str(out)])
    assert retried.exit_code == 0, retried.output
    assert out.read_text() == '{"key":"a","output":1}\n'
    jsonl(inputs, [*records, {"key": "b", "input": {"flag": str(flag), "value": 2}}])
    assert _run(str(plan), "-i", str(inputs), "-o", str(out), "--state", state).exit_code == 0
    assert out.read_text() == '{"key":"a","output":1}\n{"key":"b","output":2}\n'


def test_strict_and_force_need_a_state(tmp_path: Path) -> None:
    plan = plan_file(tmp_path, {"echo": (py("echo", "test_cli_state"), ["_input_event"])})
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "a", "input": 1}])
    result = _run(str(plan), "-i", str(inputs), "--strict")
    assert result.exit_code == 2
    assert "add --state" in result.output


# -- states that cannot be used ---------------------------------------------------------------------------
def test_a_corrupt_state_is_a_clear_error_and_stays_as_it_was(tmp_path: Path) -> None:
    plan = plan_file(tmp_path, {"echo": (py("echo", "test_cli_state"), ["_input_event"])})
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "a", "input": 1}])
    state, out = tmp_path / "runs.db", tmp_path / "out.jsonl"
    garbage = b"this is not a database\x00\x01" * 100
    state.write_bytes(garbage)
    out.write_text("previous results\n")
    result = _run(str(plan), "-i", str(inputs), "-o", str(out), "--state", str(state))
    assert result.exit_code == 2
    assert f"error: {state} is not a bridge state" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert state.read_bytes() == garbage
    assert out.read_text() == "previous results\n"
    listed = CliRunner().invoke(main, ["runs", "list", "--state", str(state)])
    assert listed.exit_code == 2 and "is not a bridge state" in listed.output
    assert state.read_bytes() == garbage


def test_a_state_of_another_plan_is_refused_naming_the_difference_unless_forced(tmp_path: Path) -> None:
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "a", "input": 1}])
    state = str(tmp_path / "runs.db")
    first = plan_file(tmp_path, {"echo": (py("echo", "test_cli_state"), ["_input_event"])}, "one.json")
    assert _run(str(first), "-i", str(inputs), "--state", state).exit_code == 0
    other = plan_file(tmp_path, {"echo": (py("echo", "test_cli_state"), ["_input_event"]),
                                 "fail": (py("fail_when_flagged", "test_cli_state"), ["never"])}, "two.json")
    refused = _run(str(other), "-i", str(inputs), "--state", state)
    assert refused.exit_code == 2
    assert "holds runs of another plan (actions added: fail)" in refused.output and "--force" in refused.output
    forced = _run(str(other), "-i", str(inputs), "--state", state, "--force")
    assert forced.exit_code == 0, forced.output


def test_a_state_another_process_runs_on_is_refused_at_once(tmp_path: Path) -> None:
    from bridge.runtime import Runtime

    plan = plan_file(tmp_path, {"echo": (py("echo", "test_cli_state"), ["_input_event"])})
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "a", "input": 1}])
    state = str(tmp_path / "runs.db")
    with Runtime(plan, state=state):  # holds the runner lock, as a running bridge process does
        result = _run(str(plan), "-i", str(inputs), "--state", state)
    assert result.exit_code == 2
    assert "another bridge process is running actions on" in result.output


def test_run_help_teaches_durable_runs() -> None:
    result = CliRunner().invoke(main, ["run", "--help"])
    assert result.exit_code == 0
    for text in ("--state", "--strict", "--force", "postgresql://", "exactly once", "bridge runs"):
        assert text in result.output, text


@pytest.fixture(autouse=True)
def _no_state_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIDGE_STATE", raising=False)
