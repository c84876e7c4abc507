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
