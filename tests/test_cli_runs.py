"""``bridge runs``: list, show, retry, resume, stop and prune the runs a state keeps."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import HANG_GUARD, Child, jsonl, plan_file, py
from click.testing import CliRunner, Result

import bridge.store._sql as sql
from bridge import OutputEvent
from bridge.cli import main
from bridge.store import open_store


# -- actions the plans name -------------------------------------------------------------------------------
def _lookup(order: str) -> dict:
    return {"order": order, "total": 42}


def _gate(marker: str, release: str) -> None:
    Path(marker).write_text("started")
    deadline = time.monotonic() + HANG_GUARD
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.02)


async def desk(event, ctx):
    """One action for every case: fail while a flag file exists, wait for approval, or look an order up."""
    data = event.input
    ctx.short_term_memory.set("seen", (ctx.short_term_memory.get("seen") or 0) + 1)
    if data.get("gate"):
        await ctx.durable_execute_async(_gate, data["gate"], data["release"])
    order = await ctx.durable_execute_async(_lookup, data.get("order", "o-1"))
    if data.get("flag") and Path(data["flag"]).exists():
        raise RuntimeError("the flag file is there")
    if data.get("ask"):
        answer = await ctx.wait_for_input("approval")
        ctx.send_event(OutputEvent(output={"approved": answer, "order": order["order"]}))
        return
    ctx.send_event(OutputEvent(output={"order": order["order"], "n": data.get("n")}))


# -- helpers ------------------------------------------------------------------------------------------------
class State:
    """A plan, a state and the commands on them."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.plan = plan_file(tmp_path, {"desk": (py("desk", "test_cli_runs"), ["_input_event"])})
        self.path = tmp_path / "runs.db"
        self.flag = tmp_path / "flag"

    def run(self, records: list[dict], *extra: str, name: str = "in.jsonl") -> Result:
        inputs = jsonl(self.dir / name, records)
        return CliRunner().invoke(main, ["run", str(self.plan), "-i", str(inputs), "--state", str(self.path),
                                         *extra])

    def runs(self, *args: str) -> Result:
        return CliRunner().invoke(main, ["runs", *args, "--state", str(self.path)])

    def drive(self, *args: str) -> Result:
        """``bridge runs retry|resume ...`` with the plan."""
        return self.runs(*args, "--plan", str(self.plan))

    def listed(self, *args: str) -> list[dict[str, Any]]:
        result = self.runs("list", "--json", *args)
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.stdout.splitlines()]

    def status(self, key: str) -> str:
        return {r["key"]: r["status"] for r in self.listed()}[key]


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> State:
    monkeypatch.delenv("BRIDGE_STATE", raising=False)
    return State(tmp_path)


@pytest.fixture
def mixed(state: State) -> State:
    """A state with a done key "ok", a key "bad" in error (one later input held) and a key "ask" waiting."""
    state.flag.write_text("")
    result = state.run([{"key": "ok", "input": {"n": 1}},
                        {"key": "bad", "input": {"flag": str(state.flag), "n": 2}},
                        {"key": "bad", "input": {"n": 3}},
                        {"key": "ask", "input": {"ask": True, "order": "o-7"}}])
    assert result.exit_code == 1, result.output
    return state


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float | None], None]:
    """Sets the time the store writes, in seconds before now (None: the real time)."""
    real = sql.now

    def set_(ago: float | None) -> None:
        monkeypatch.setattr(sql, "now", real if ago is None else (lambda: time.time() - ago))

    return set_


# -- list -------------------------------------------------------------------------------------------------
def test_list_json_gives_each_key_with_its_status_and_iso_times(mixed: State) -> None:
    rows = {r["key"]: r for r in mixed.listed()}
    assert {k: r["status"] for k, r in rows.items()} == {"ok": "done", "bad": "error", "ask": "waiting"}
    assert rows["bad"]["error"] == "RuntimeError: the flag file is there"
    assert rows["ask"]["wait"] == "approval"
    assert rows["ok"]["last_action"] == "desk"
    for r in rows.values():
        assert r["started_at"].endswith("Z") and "T" in r["started_at"]
        assert abs(_epoch(r["updated_at"]) - time.time()) < 60


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_list_filters_by_status(mixed: State) -> None:
    assert [r["key"] for r in mixed.listed("--status", "error")] == ["bad"]
    assert [r["key"] for r in mixed.listed("--status", "waiting")] == ["ask"]
    assert mixed.listed("--status", "stopped") == []


def test_list_filters_by_age(state: State, clock) -> None:
    clock(3 * 3600)
    assert state.run([{"key": "old", "input": {}}]).exit_code == 0
    clock(None)
    assert state.run([{"key": "new", "input": {}}], name="more.jsonl").exit_code == 0
    assert [r["key"] for r in state.listed("--older-than", "2h")] == ["old"]
    assert [r["key"] for r in state.listed("--older-than", "10m", "--status", "done")] == ["old"]
    assert [r["key"] for r in state.listed("--older-than", "1d")] == []
    assert sorted(r["key"] for r in state.listed("--older-than", "30s")) == ["old"]
    bad = state.runs("list", "--older-than", "soon")
    assert bad.exit_code == 2 and "not a duration" in bad.output


def test_list_prints_a_table_for_people(mixed: State) -> None:
    result = mixed.runs("list")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split()[:2] == ["KEY", "STATUS"]
    assert any('"bad"' in r and "error" in r and "RuntimeError: the flag file is there" in r for r in rows)
    assert any('"ask"' in r and "waiting" in r and "waits for 'approval'" in r for r in rows)


def test_the_state_may_come_from_the_environment(mixed: State) -> None:
    result = CliRunner().invoke(main, ["runs", "list", "--json"], env={"BRIDGE_STATE": str(mixed.path)})
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3


def test_a_state_that_does_not_exist_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    result = CliRunner().invoke(main, ["runs", "list", "--state", str(missing)])
    assert result.exit_code == 2
    assert f"there is no state at {missing}" in result.output
    assert not missing.exists()


# -- show -------------------------------------------------------------------------------------------------
def test_show_gives_the_error_with_its_stack_and_the_held_input(mixed: State) -> None:
    result = mixed.runs("show", "bad")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "status       error" in text
    assert "error        action 'desk' on event '_input_event': RuntimeError: the flag file is there" in text
    assert "Traceback (most recent call last)" in text and "test_cli_runs.py" in text
    assert "queued       1 input" in text
    assert "test_cli_runs:_lookup  done" in text  # the call made before the failure is kept for the retry


def test_show_json_decodes_memory_and_lists_calls_and_actions(mixed: State) -> None:
    result = mixed.runs("show", "ok", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["key"] == "ok" and info["status"] == "done"
    assert info["memory"] == {"seen": 1}
    assert [(c["fid"], c["status"], c["result"]) for c in info["calls"]] == [
        ("test_cli_runs:_lookup", "done", {"order": "o-1", "total": 42})]
    assert [a["action"] for a in info["actions"]] == ["desk"]
    assert info["actions"][0]["at"].endswith("Z")


def test_show_of_a_waiting_key_says_what_it_waits_for(mixed: State) -> None:
    result = mixed.runs("show", "ask")
    assert result.exit_code == 0, result.output
    assert "waits for    'approval' in action 'desk' (bridge runs resume ask --input JSON" in result.stdout


def test_a_key_is_json_when_it_parses_as_json_else_a_string(state: State) -> None:
    assert state.run([{"key": "42", "input": {}}, {"key": 7, "input": {}}]).exit_code == 0
    assert json.loads(state.runs("show", '"42"', "--json").stdout)["key"] == "42"
    assert json.loads(state.runs("show", "7", "--json").stdout)["key"] == 7
    missing = state.runs("show", "42")
    assert missing.exit_code == 2
    assert "has no key 42; there is a string key \"42\": write it in JSON quotes, '\"42\"'" in missing.output


def test_show_of_an_unknown_key_is_a_clear_error(mixed: State) -> None:
    result = mixed.runs("show", "nobody")
    assert result.exit_code == 2
    assert 'has no key "nobody"' in result.output and "Traceback" not in result.output


# -- retry ------------------------------------------------------------------------------------------------
def test_retry_runs_the_failed_input_and_the_held_ones_appending_their_outputs(mixed: State) -> None:
    out = mixed.dir / "out.jsonl"
    out.write_text('{"key":"earlier","output":1}\n')
    again = mixed.drive("retry", "bad", "--output", str(out))
    assert again.exit_code == 1  # the flag file is still there
    assert "the flag file is there" in again.output and 'key "bad" is in error' in again.output
    assert mixed.status("bad") == "error"

    mixed.flag.unlink()
    result = mixed.drive("retry", "bad", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in out.read_text().splitlines()] == [
        {"key": "earlier", "output": 1},
        {"key": "bad", "output": {"order": "o-1", "n": 2}},
        {"key": "bad", "output": {"order": "o-1", "n": 3}}]
    assert 'key "bad" is done; 2 inputs finished, 2 outputs, 0 failed events' in result.output
    assert mixed.status("bad") == "done"


def test_retry_of_a_key_not_in_error_is_refused(mixed: State) -> None:
    result = mixed.drive("retry", "ok")
    assert result.exit_code == 2
    assert "key 'ok' is done, not in error" in result.output


def test_retry_needs_the_plan(mixed: State) -> None:
    result = mixed.runs("retry", "bad")
    assert result.exit_code == 2 and "Missing option '--plan'" in result.output


# -- resume -----------------------------------------------------------------------------------------------
def test_a_run_lists_the_keys_left_waiting_and_exits_0(state: State) -> None:
    result = state.run([{"key": "ask", "input": {"ask": True}}])
    assert result.exit_code == 0, result.output
    assert "1 key waiting for input; hand it in with: bridge runs resume KEY --input JSON" in result.output
    assert "  ask waits for 'approval' (action 'desk'); 0 later inputs queued" in result.output


def test_resume_hands_the_value_to_the_waiting_action(mixed: State) -> None:
    result = mixed.drive("resume", "ask", "--input", '{"by": "ana"}')
    assert result.exit_code == 0, result.output
    assert '{"key":"ask","output":{"approved":{"by":"ana"},"order":"o-7"}}' in result.stdout
    assert mixed.status("ask") == "done"
    calls = json.loads(mixed.runs("show", "ask", "--json").stdout)["calls"]
    assert [c["status"] for c in calls] == ["done", "done"]  # the lookup ran once, then the input was handed in


def test_resume_of_a_key_not_waiting_is_refused(mixed: State) -> None:
    result = mixed.drive("resume", "ok", "--input", "1")
    assert result.exit_code == 2
    assert "key 'ok' is done, not waiting for input" in result.output


def test_resume_input_must_be_json(mixed: State) -> None:
    result = mixed.drive("resume", "ask", "--input", "yes")
    assert result.exit_code == 2
    assert "a string needs JSON quotes: --input '\"yes\"'" in result.output
    assert mixed.status("ask") == "waiting"


# -- stop -------------------------------------------------------------------------------------------------
def test_stop_without_a_running_process_stops_the_key_at_once(mixed: State) -> None:
    result = mixed.runs("stop", "ask")
    assert result.exit_code == 0, result.output
    assert 'stopped key "ask" (it was waiting for input)' in result.output
    assert mixed.status("ask") == "stopped"
    assert mixed.runs("stop", "ask").output.startswith('key "ask" is already stopped')
    resumed = mixed.drive("resume", "ask", "--input", "1")
    assert resumed.exit_code == 2 and "not waiting" in resumed.output


def test_stop_asks_a_running_process_which_stops_the_key_before_its_next_action(state: State) -> None:
    gate, release = state.dir / "gate", state.dir / "release"
    inputs = jsonl(state.dir / "in.jsonl", [
        {"key": "k", "input": {"gate": str(gate), "release": str(release), "n": 1}},
        {"key": "k", "input": {"n": 2}},
        {"key": "other", "input": {"n": 3}}])
    out = state.dir / "out.jsonl"
    child = Child(state.dir, [str(state.plan), "-i", str(inputs), "-o", str(out), "--state", str(state.path)])
    child.wait_for_file(gate)
    result = state.runs("stop", "k")
    assert result.exit_code == 0, result.output
    assert 'asked the bridge process running on' in result.output and 'to stop key "k"' in result.output
    release.write_text("")
    code, err = child.finish()
    assert code == 0, err
    outputs = [json.loads(line) for line in out.read_text().splitlines()]
    assert {"key": "k", "output": {"order": "o-1", "n": 1}} in outputs  # the action under way finished
    assert all(o["output"]["n"] != 2 for o in outputs)  # nothing more ran for k
    assert state.status("k") == "stopped"
    queued = json.loads(state.runs("show", "k", "--json").stdout)["queued"]
    assert {"seq": 1, "status": "queued", "input": {"n": 2}} in [
        {k: q[k] for k in ("seq", "status", "input")} for q in queued]  # the next input stays in the state


# -- prune ------------------------------------------------------------------------------------------------
def test_prune_deletes_old_keys_of_one_status(state: State, clock) -> None:
    clock(8 * 86400)
    assert state.run([{"key": "old", "input": {}}]).exit_code == 0
    clock(None)
    assert state.run([{"key": "new", "input": {}}], name="more.jsonl").exit_code == 0
    result = state.runs("prune", "--done", "--older-than", "7d")
    assert result.exit_code == 0, result.output
    assert "deleted 1 done run unchanged for 7d or more" in result.output
    assert [r["key"] for r in state.listed()] == ["new"]
    assert "deleted 0 error runs" in state.runs("prune", "--status", "error", "--older-than", "0s").output


def test_prune_needs_a_status_and_an_age(mixed: State) -> None:
    assert "--done, or --status" in mixed.runs("prune", "--older-than", "1d").output
    assert "Missing option '--older-than'" in mixed.runs("prune", "--done").output
    assert "two statuses" in mixed.runs("prune", "--done", "--status", "error", "--older-than", "1d").output
    assert len(mixed.listed()) == 3


# -- help -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["list", "show", "retry", "resume", "stop", "prune"])
def test_each_command_teaches_with_examples(command: str) -> None:
    result = CliRunner().invoke(main, ["runs", command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and f"bridge runs {command}" in result.output
    assert "BRIDGE_STATE" in result.output


def test_the_key_help_explains_json_keys() -> None:
    result = CliRunner().invoke(main, ["runs", "show", "--help"])
    assert "'\"42\"'    the string \"42\"" in result.output


def test_a_store_is_left_closed(mixed: State) -> None:
    store = open_store(str(mixed.path))
    try:
        store.lock_runner()  # no command left the runner lock held
    finally:
        store.close()
