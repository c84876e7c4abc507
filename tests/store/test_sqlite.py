"""The SQLite store: a file that is not its own is refused and left exactly as it was."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import mounted_tmpfs
from store_support import PLAN, finished, take

from bridge import Agent, InputEvent, OutputEvent, Runtime, action
from bridge.errors import StateError
from bridge.store import SQLiteStore, open_store
from bridge.store._base import FORMAT


@contextlib.contextmanager
def next_runner(dead: SQLiteStore, path: Path) -> Iterator[SQLiteStore]:
    """The store of the next process to run on ``path`` after ``dead``'s process died (its files left as they are)."""
    dead._closed = True  # noqa: SLF001 - as if the process had died: no flush, no close, its files stay
    again = open_store(path)
    try:
        again.lock_runner()  # replays what the dead one left in its journals
        yield again
    finally:
        again.close()


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
    refused_untouched(path, "SQLite database of another program .*customers")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_a_state_of_the_previous_layout_is_refused_untouched_naming_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with sqlite3.connect(path) as db:  # layout 1 kept each input's end in its own row, and an index on it
        db.execute("CREATE TABLE bridge_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO bridge_meta VALUES ('format', '1')")
        db.execute("CREATE TABLE bridge_keys (kid TEXT PRIMARY KEY, key TEXT NOT NULL, status TEXT NOT NULL)")
        db.execute("CREATE TABLE bridge_inputs (kid TEXT NOT NULL, seq INTEGER NOT NULL, status TEXT NOT NULL)")
    db.close()
    refused_untouched(path, f"layout version 1; this bridge reads version {FORMAT} .*start a new state")


def refused_untouched(path: Path, why: str) -> None:
    """Opening the state at ``path`` fails saying ``why`` (a regular expression), and leaves its bytes as they were."""
    content = path.read_bytes()
    with pytest.raises(StateError, match=why):
        open_store(path)
    assert path.read_bytes() == content


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


def test_the_calls_of_an_action_committed_in_the_same_group_are_kept_in_its_row(tmp_path: Path) -> None:
    from bridge.store import CallRecord

    store = open_store(tmp_path / "runs.db")
    store.bind(PLAN)
    store.lock_runner()
    kid = take(store, "a", "a0")
    store.batch(True)
    store.record_call(kid, 0, 0, CallRecord(0, "m:f", "d0", "pending"))
    store.record_call(kid, 0, 0, CallRecord(0, "m:f", "d0", "done", {"total": 3, "raw": b"\x00"}))
    failed = {"type": "builtins:KeyError", "message": "x"}
    store.record_call(kid, 0, 0, CallRecord(1, "m:g", "d1", "failed", failed))
    store.commit(finished("a", 0, 0, run={"seq": 0, "steps": 1, "events": [], "todo": [], "sensory": None}))
    store.record_call(kid, 0, 1, CallRecord(0, "m:h", "d2", "done", 5))  # its action still runs: a row of its own
    store.flush()
    assert store.calls(kid, 0, 0) == [CallRecord(0, "m:f", "d0", "done", {"total": 3, "raw": b"\x00"}),
                                      CallRecord(1, "m:g", "d1", "failed", failed)]
    assert store.calls(kid, 0, 1) == [CallRecord(0, "m:h", "d2", "done", 5)]
    assert [(c["step"], c["index"], c["fid"], c["status"]) for c in store.key_calls(kid)] == [
        (0, 0, "m:f", "done"), (0, 1, "m:g", "failed"), (1, 0, "m:h", "done")]
    assert store._read("SELECT step, idx FROM bridge_calls") == [(1, 0)]  # noqa: SLF001 - one row written, not three
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
    [journal] = tmp_path.glob("runs.db-calls.*")
    # The journal is a mapped file: its records are in the file as soon as they are recorded, then zero bytes.
    with journal.open("r+b") as f:
        end = f.read().index(b"\x00", 16)  # after its header (the lowest current line number: 0)
        f.seek(end)
        f.write(b'["r",9,"k",0,3')  # a record half copied when the process died
        f.seek(end + 100)
        f.write(b'"done",7]\n')  # or the end of one copied before its start
    # The process dies here: no flush, no close. A reader leaves the journal alone; the next runner replays it.
    reader = open_store(path)
    assert reader.calls("k", 0, 1) == [] and journal.exists()
    reader.close()
    with next_runner(store, path) as again:
        assert [(c.fid, c.result) for c in again.calls("k", 0, 1)] == [("m:g", 4)]
        assert [(c.fid, c.result) for c in again.calls("k", 0, 2)] == [("m:h", 5)]
        assert list(tmp_path.glob("runs.db-calls.*")) == []


def test_a_journal_starts_over_after_the_group_commit_and_its_old_lines_are_never_replayed(tmp_path: Path) -> None:
    from bridge.store import CallRecord

    path = tmp_path / "runs.db"
    store = open_store(path)
    store.batch(True)
    store.record_call("k", 0, 1, CallRecord(0, "m:f", "d0", "pending"))
    store.flush()
    store.record_call("k", 0, 1, CallRecord(0, "m:f", "d0", "done", 7))
    store.flush()
    for n in range(5):  # more groups: the same file, started over each time, not a file per group
        store.record_call("k", 0, 2, CallRecord(n, "m:g", "d1", "done", n))
        store.flush()
    journals = sorted(tmp_path.glob("runs.db-calls.*"))
    assert len(journals) == 1
    assert [c.result for c in store.calls("k", 0, 1)] == [7]
    # A crash while a file started over, after its lowest line number rose and before its old lines were
    # zeroed: the "pending" line (number 0) is still in it. Replaying it would undo the call's "done".
    for journal in journals:
        with journal.open("r+b") as f:
            f.seek(16)
            f.write(b'["c",0,"k",0,1,[0,"m:f","d0","pending",null]]\n')
    with next_runner(store, path) as again:
        assert [(c.status, c.result) for c in again.calls("k", 0, 1)] == [("done", 7)]
        assert list(tmp_path.glob("runs.db-calls.*")) == []


def test_closing_a_store_deletes_the_journals_whose_records_are_in(tmp_path: Path) -> None:
    from bridge.store import CallRecord

    store = open_store(tmp_path / "runs.db")
    store.batch(True)
    store.record_call("k", 0, 1, CallRecord(0, "m:f", "d0", "done", 1))
    store.batch(False)
    store.close()
    assert list(tmp_path.glob("runs.db-calls.*")) == []
    again = open_store(tmp_path / "runs.db")
    try:
        assert [c.result for c in again.calls("k", 0, 1)] == [1]
    finally:
        again.close()


def test_a_group_commit_that_fails_keeps_its_journal_until_a_later_one_writes_it(tmp_path: Path) -> None:
    from bridge.store import CallRecord

    store = open_store(tmp_path / "runs.db")
    try:
        store.batch(True)
        store.record_call("k", 0, 1, CallRecord(0, "m:f", "d0", "pending"))
        blocker = sqlite3.connect(tmp_path / "runs.db", timeout=0)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database: the group cannot be written
        store._db.execute("PRAGMA busy_timeout = 0")  # noqa: SLF001 - fail at once instead of after 10 s
        with pytest.raises(StateError):
            store.flush()
        assert len(list(tmp_path.glob("runs.db-calls.*"))) == 1  # still there: its record is not written
        store.record_call("k", 0, 1, CallRecord(0, "m:f", "d0", "done", 7))
        blocker.rollback()
        blocker.close()
        store.batch(False)
        assert [(c.status, c.result) for c in store.calls("k", 0, 1)] == [("done", 7)]
    finally:
        store.close()


def _double(n: int) -> int:
    return n * 2


class Doubler(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        ctx.send_event(OutputEvent(output=await ctx.durable_execute_async(_double, event.input)))


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 512 KiB filesystem: room for a state's database, not for a call journal's reserved megabyte."""
    yield from mounted_tmpfs(tmp_path / "small", "512k")


def test_a_full_disk_fails_the_action_whose_call_cannot_be_recorded_never_the_process(small_disk: Path) -> None:
    with Runtime(Doubler, state=small_disk / "runs.db") as rt:
        report = rt.run([("a", 1), ("b", 2)])
    assert report.outputs == []  # a call whose record has no room is not handed on as done
    assert {e.key for e in report.errors} == {"a", "b"}
    assert all("No space left on device" in str(e.cause) for e in report.errors), report.errors
    assert not list(small_disk.glob("runs.db-calls.*"))  # no journal half made


def test_a_journal_that_cannot_start_its_next_file_fails_each_record_with_why(small_disk: Path,
                                                                               monkeypatch) -> None:
    from bridge.store import CallRecord, _journal

    monkeypatch.setattr(_journal, "SIZE", 160 << 10)  # two journal files fit beside the database, not three
    store = open_store(small_disk / "runs.db")
    store.batch(True)
    errors = []
    for i in range(40):
        try:
            store.record_call("k", i, 1, CallRecord(0, "m:f", "d", "done", "x" * (20 << 10)))
        except OSError as exc:
            errors.append(exc)
    assert errors and all("No space left on device" in str(e) for e in errors), errors[:3]
    # Every record that returned is in the journals, in order (a restart replays them when there is room).
    kept = [params[1] for _, _, params in store._journal_lines()]  # noqa: SLF001
    assert kept == list(range(40 - len(errors)))


def test_where_a_shared_mapping_is_not_safe_records_are_written(tmp_path: Path, monkeypatch) -> None:
    from bridge.store import CallRecord, _journal

    monkeypatch.setattr(_journal, "_mappable", lambda folder: False)  # e.g. btrfs, NFS
    store = open_store(tmp_path / "runs.db")
    store.batch(True)
    store.record_call("k", 0, 1, CallRecord(0, "m:f", "d0", "done", {"total": 3}))
    [journal] = tmp_path.glob("runs.db-calls.*")
    assert journal.read_bytes().endswith(b"\n") and b"\x00" not in journal.read_bytes()  # written, not mapped
    with next_runner(store, tmp_path / "runs.db") as again:
        assert [(c.fid, c.result) for c in again.calls("k", 0, 1)] == [("m:f", {"total": 3})]


def test_the_runner_keeps_the_wal_bounded(tmp_path: Path, monkeypatch) -> None:
    from bridge.store import _sqlite

    limit = 128 << 10
    monkeypatch.setattr(_sqlite._Checkpointer, "WAL_BYTES", limit)
    wal, sizes = tmp_path / "runs.db-wal", []
    flushed = _sqlite.SQLiteStore._flushed

    def watched(self, token):
        flushed(self, token)
        sizes.append(wal.stat().st_size)

    monkeypatch.setattr(_sqlite.SQLiteStore, "_flushed", watched)
    with Runtime(Doubler, state=tmp_path / "runs.db") as rt:
        assert rt.run([(f"k{i % 20}", i) for i in range(6000)]).ok
    # ~40 group commits write several times the limit; the WAL is checkpointed and started over, never more
    # than CAP times the limit plus the group being written
    assert len(sizes) > 10 and max(sizes) <= _sqlite._Checkpointer.CAP * limit + (1 << 20), max(sizes)
    assert not wal.exists()  # the last connection's close checkpointed it all


def test_a_group_commit_dumps_only_each_keys_last_memory(tmp_path: Path) -> None:
    store = open_store(tmp_path / "runs.db")
    dumped: list[int] = []

    def memory_after(n: int):
        def dump() -> dict:
            dumped.append(n)
            return {"n": n}
        return dump

    try:
        store.bind(PLAN)
        take(store, "k", 0, 1, 2)
        store.batch(True)
        for seq in range(3):  # three actions of one key in one group: one row written, one memory dumped
            store.commit(finished("k", seq, memory=memory_after(seq)))
        store.flush()
        assert dumped == [2]
        assert store.memory(finished("k", 0).kid) == {"n": 2}
        store.batch(False)
        store.commit(finished("k", 3, memory=memory_after(3)))  # outside a group: dumped with its commit
        assert dumped == [2, 3]
    finally:
        store.close()


def test_a_journaled_result_replays_exactly_after_a_crash_big_ints_and_bytes_included(tmp_path: Path) -> None:
    from bridge.store import CallRecord

    path = tmp_path / "runs.db"
    store = open_store(path)
    store.batch(True)
    store.record_call("k", 0, 1, CallRecord(0, "m:f", "d0", "done", 2**70))
    store.record_call("k", 0, 1, CallRecord(1, "m:f", "d1", "done", {"n": -(2**65), "b": b"\x00\x01"}))
    with next_runner(store, path) as again:  # the first died before its group commit: only the journal has them
        assert [c.result for c in again.calls("k", 0, 1)] == [2**70, {"n": -(2**65), "b": b"\x00\x01"}]


def test_a_drop_made_while_a_failed_group_was_written_still_drops_its_records(tmp_path: Path, monkeypatch) -> None:
    from bridge.store import CallRecord
    from bridge.store._sql import SqlStore

    store = open_store(tmp_path / "runs.db")
    store.batch(True)
    for i in range(4):
        store.record_call("k", 0, 1, CallRecord(i, "m:f", f"d{i}", "done", i))
    write = SqlStore._apply

    def busy(self, cur, group):  # another thread reports a diverged re-run while the group is being written
        self.record_call("k", 0, 1, CallRecord(1, "m:g", "dX", "done", 99))
        self.drop_calls("k", 0, 1, 2)
        raise StateError("database is busy")

    monkeypatch.setattr(SqlStore, "_apply", busy)
    with pytest.raises(StateError):
        store.flush()
    monkeypatch.setattr(SqlStore, "_apply", write)
    try:
        store.batch(False)  # the failed group is written again, before what was made since
        assert [(c.index, c.fid, c.result) for c in store.calls("k", 0, 1)] == [(0, "m:f", 0), (1, "m:g", 99)]
    finally:
        store.close()
