"""The SQLite store: a file that is not its own is refused and left exactly as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bridge.errors import StateError
from bridge.store import SQLiteStore, open_store


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    content = b'{"id": 1}\n{"id": 2}\n' * 100
    path.write_bytes(content)
    with pytest.raises(StateError, match="not a bridge state .*left as it was"):
        open_store(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.jsonl"]  # no journal, no WAL beside it


def test_a_database_of_another_program_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO customers (name) VALUES ('Ada')")
    db.close()
    content = path.read_bytes()
    with pytest.raises(StateError, match="SQLite database of another program .*customers"):
        open_store(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_a_truncated_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    SQLiteStore(path).close()
    content = path.read_bytes()[:200]  # the header survives, the pages do not
    path.write_bytes(content)
    with pytest.raises(StateError, match=str(path)):
        SQLiteStore(path).bind({"actions": {}})
    assert path.read_bytes() == content


def test_a_folder_or_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="is a folder"):
        open_store(tmp_path)
    with pytest.raises(StateError, match="does not exist"):
        open_store(tmp_path / "nowhere" / "runs.db")


def test_an_in_memory_state_needs_no_file(tmp_path: Path) -> None:
    store = open_store(":memory:")
    store.bind({"actions": {}})
    store.lock_runner()
    assert store.runs() == []
    store.close()


def test_a_call_recorded_while_a_run_groups_commits_survives_a_crash_before_the_group_commit(tmp_path: Path) -> None:
    from bridge.store import CallRecord

    path = tmp_path / "runs.db"
    store = open_store(path)
    store.batch(True)
    store.record_call("k", 0, 1, CallRecord(0, "m:f", "d0", "done", {"total": 3}))
    store.drop_calls("k", 0, 1, 0)  # a divergence, then the new call
    store.record_call("k", 0, 1, CallRecord(0, "m:g", "d1", "done", 4))
    store.record_call("k", 0, 2, CallRecord(0, "m:h", "d2", "done", 5))
    with (tmp_path / "runs.db-calls").open("ab") as journal:
        journal.write(b'["r", "k", 0, 3')  # a record half written when the process died
    # The process dies here: no flush, no close. The next process reads the journal, in order.
    again = open_store(path)
    try:
        assert [(c.fid, c.result) for c in again.calls("k", 0, 1)] == [("m:g", 4)]
        assert [(c.fid, c.result) for c in again.calls("k", 0, 2)] == [("m:h", 5)]
        assert (tmp_path / "runs.db-calls").read_bytes() == b""
    finally:
        again.close()
        store.close()


def test_the_journal_is_emptied_by_the_group_commit(tmp_path: Path) -> None:
    from bridge.store import CallRecord

    store = open_store(tmp_path / "runs.db")
    try:
        store.batch(True)
        store.record_call("k", 0, 1, CallRecord(0, "m:f", "d0", "done", 1))
        assert (tmp_path / "runs.db-calls").stat().st_size > 0
        store.flush()
        assert (tmp_path / "runs.db-calls").stat().st_size == 0
        assert [c.result for c in store.calls("k", 0, 1)] == [1]
    finally:
        store.close()
