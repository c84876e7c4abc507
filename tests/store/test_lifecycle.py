"""Steering runs: waiting, stopping, the people's view, pruning, and one runner per state; on both backends."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from store_support import PLAN, SOURCE, finished, take

from bridge.errors import StateError
from bridge.store import CallRecord, StateStore, kid_of


# -- waiting and stopping ---------------------------------------------------------------------------------
def test_a_waiting_key_is_unfinished_until_it_stops_waiting(store: StateStore) -> None:
    kid = take(store, "k", "in")
    store.set_wait(kid, {"name": "approval", "action": "classify"}, "waiting")
    [record] = store.unfinished()
    assert (record.status, record.wait) == ("waiting", {"name": "approval", "action": "classify"})
    assert [r.kid for r in store.runs("waiting")] == [kid]
    store.set_wait(kid, None, "running")
    assert (store.get(kid).status, store.get(kid).wait) == ("running", None)


def test_a_stop_request_is_seen_until_the_key_is_stopped(store: StateStore, open_state) -> None:
    kid = take(store, "k", "in")
    take(store, "other", "in")
    store.set_wait(kid, {"name": "approval", "action": "classify"}, "waiting")
    assert store.stop_requested() == set()
    people = open_state()  # `bridge runs stop k`, from another process
    people.set_status(kid, "waiting", stop=True)
    assert store.stop_requested() == {kid}
    store.set_status(kid, "stopped")
    record = store.get(kid)
    assert (record.status, record.stop, record.wait) == ("stopped", True, None)
    assert store.stop_requested() == set()


def test_running_again_clears_the_keys_error(store: StateStore) -> None:
    kid = take(store, "k", "in")
    store.set_status(kid, "error", error={"type": "E", "message": "boom"})
    assert store.get(kid).error == {"type": "E", "message": "boom"}
    store.set_status(kid, "running", stop=False)
    assert (store.get(kid).status, store.get(kid).error, store.get(kid).stop) == ("running", None, False)


def test_stopping_a_failed_key_keeps_its_error(store: StateStore) -> None:
    kid = take(store, "k", "in")
    store.finish_input(kid, 0, "error", {"type": "E", "message": "boom"})
    store.set_status(kid, "stopped", stop=True)
    assert (store.get(kid).status, store.get(kid).error) == ("stopped", {"type": "E", "message": "boom"})


# -- people's view ----------------------------------------------------------------------------------------
def test_runs_are_listed_oldest_change_first_filtered_by_status_and_age(store: StateStore, clock) -> None:
    times = itertools.count(100.0, 100.0)
    for key in ("c", "a", "b", "d"):
        clock(next(times))
        take(store, key, "in")
    clock(next(times))  # 500
    store.finish_input(kid_of("a"), 0, "done")
    store.finish_input(kid_of("d"), 0, "error", {"type": "E", "message": "m"})
    assert [r.key for r in store.runs()] == ["c", "b", "a", "d"]
    assert [r.key for r in store.runs("running")] == ["c", "b"]
    assert [r.key for r in store.runs("done")] == ["a"]
    assert [r.key for r in store.runs(updated_before=300.0)] == ["c"]
    assert [r.key for r in store.runs(updated_before=300.1)] == ["c", "b"]
    assert [r.key for r in store.runs("error", updated_before=600.0)] == ["d"]
    assert store.runs("waiting") == []


def test_prune_deletes_old_keys_of_one_status_with_their_records(store: StateStore, clock) -> None:
    for key in ("old", "new", "failed"):
        kid = take(store, key, "in")
        store.record_call(kid, 0, 0, CallRecord(0, "f", "d", "done", 1))
        store.commit(finished(key, 0, run=None, status="done"))
        store.finish_input(kid, 0, "error" if key == "failed" else "done", {"type": "E", "message": "m"})
        clock(2000.0)
    assert store.prune("done", updated_before=1500.0) == 1
    assert store.get(kid_of("old")) is None
    assert store.actions(kid_of("old")) == [] and store.key_calls(kid_of("old")) == []
    assert sorted(r.key for r in store.runs()) == ["failed", "new"]
    assert store.prune("done", updated_before=1500.0) == 0
    assert store.prune("error", updated_before=3000.0) == 1
    assert [r.key for r in store.runs()] == ["new"]
    assert len(store.actions(kid_of("new"))) == 1 and len(store.key_calls(kid_of("new"))) == 1


def test_a_second_opening_reads_what_the_first_committed(store: StateStore, open_state) -> None:
    reader = open_state()  # `bridge runs list` while a run goes on
    reader.bind(PLAN)
    kid = take(store, "k", "in")
    store.commit(finished("k", 0, memory={"n": 1}, run={"events": []}))
    assert reader.get(kid).memory == {"n": 1}
    assert [r.kid for r in reader.runs("running")] == [kid]


def test_a_key_that_was_never_seen_has_no_record(store: StateStore) -> None:
    assert store.get(kid_of("ghost")) is None
    assert store.memory(kid_of("ghost")) is None
    assert store.key_calls(kid_of("ghost")) == []


def test_a_key_that_comes_back_after_prune_gets_its_outputs_written(store: StateStore, open_state, clock) -> None:
    take(store, "k", "first")
    store.commit(finished("k", 0, outputs=("first-out",), status="done"))
    store.finish_input(kid_of("k"), 0, "done")
    clock(2000.0)
    assert store.prune("done", updated_before=1500.0) == 1
    store.close()
    again = open_state()
    again.bind(PLAN)
    seq = again.next_seq  # the runtime numbers the next input so
    take(again, "k", "second", start=seq)
    again.commit(finished("k", seq, outputs=("second-out",), status="done"))
    assert list(again.outputs(SOURCE)) == [("k", "first-out"), ("k", "second-out")]
    assert [a["seq"] for a in again.actions(kid_of("k"))] == [seq]  # of the pruned run, only its outputs stay


# -- one runner per state -----------------------------------------------------------------------------------
def test_a_second_runner_is_refused_until_the_first_closes(store: StateStore, open_state) -> None:
    store.lock_runner()
    store.lock_runner()  # taking it again is a no-op
    second = open_state()
    with pytest.raises(StateError, match="another bridge process is running actions on") as refused:
        second.lock_runner()
    assert store.url in str(refused.value)
    store.close()
    _eventually(second.lock_runner)


_HOLD = """
import sys
from bridge.store import open_store
store = open_store(sys.argv[1])
store.lock_runner()
print("locked", flush=True)
sys.stdin.read()
"""
_TRY = """
import sys
from bridge.errors import StateError
from bridge.store import open_store
try:
    open_store(sys.argv[1]).lock_runner()
except StateError as exc:
    sys.exit(f"refused: {exc}")
print("locked")
"""


def test_the_runner_lock_dies_with_its_process(state: str) -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, state], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        refused = subprocess.run([sys.executable, "-c", _TRY, state], capture_output=True, text=True, timeout=60)
        assert refused.returncode == 1, refused
        assert "refused: another bridge process is running actions on" in refused.stderr
    finally:
        holder.kill()  # kill -9: no close, no cleanup
        holder.wait()
    _eventually(lambda: subprocess.run([sys.executable, "-c", _TRY, state], capture_output=True, text=True,
                                       timeout=60, check=True))


def _eventually(attempt: Callable[[], Any], seconds: float = 10.0) -> None:
    """PostgreSQL frees a dead session's locks once its server process sees the connection end: not at once."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            attempt()
            return
        except (StateError, subprocess.CalledProcessError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
