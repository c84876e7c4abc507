"""The embedded state store: one SQLite file (stdlib ``sqlite3``), in WAL mode.

WAL lets ``bridge runs`` read while a run writes; ``synchronous=NORMAL`` makes each commit a write to the WAL
without an fsync, which survives the death of the process (kill -9, OOM) though not of the machine's power,
at a few microseconds per transaction. A file that is not a SQLite database, or a database another program
made, is refused before anything is written to it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from bridge.api._values import _default, loads
from bridge.errors import StateError
from bridge.store._base import CallRecord, encode
from bridge.store._journal import JournalFile, WrittenJournal, open_journal, read_lines
from bridge.store._sql import _DROP_CALLS, _UPSERT_CALL, SqlStore, call_json

_HEADER = b"SQLite format 3\x00"

# The sqlite3 module binds None as NULL only after looking for an adapter for it: with none registered, that is
# two failed attribute lookups (``__adapt__``, ``__conform__``), each an AttributeError made and dropped, ~1.3k
# instructions per None bound (an action's row and its input's row hold a few). An adapter that hands None back
# is a dictionary hit and a C call; the value bound is the same NULL, for every sqlite3 user of the process.
sqlite3.register_adapter(type(None), {}.get)  # {}.get(None) is None: a builtin, no Python frame


class SQLiteStore(SqlStore):
    """State in one SQLite file (or ``:memory:``, for tests and short-lived runtimes)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        path = str(path)
        super().__init__(path)
        # The files beside the state are named from its absolute path: an action may change the working folder.
        self._path = path if path == ":memory:" else os.path.abspath(path)
        self._lock_fd: int | None = None
        self._late_fds: list[int] = []  # descriptors of the database file closed only after the connection
        self._lock = threading.RLock()  # one connection, used by the scheduler and by call workers
        if path != ":memory:":
            _refuse_foreign(Path(path))
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "bridge_meta" not in tables:
                self._db.close()
                raise StateError(f"{path} is a SQLite database of another program (tables: "
                                 f"{', '.join(sorted(tables)[:5])}); give bridge a file of its own with --state")
            if tables:  # a state of another layout is refused before anything (WAL mode included) is written
                try:
                    self.check_format()
                except StateError:
                    self._db.close()
                    raise
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._create()
            self._journal = None if path == ":memory:" else Path(self._path)
            self._journal_files: list[JournalFile | WrittenJournal] = []  # journals of records not in the database
            self._spare: list[JournalFile] = []  # journals whose records are in, started over for the next groups
            self._generations = itertools.count()
            self._line_numbers = itertools.count()  # taken as a line is appended (holding the buffer lock)
            self._journal_file: JournalFile | WrittenJournal | None = None  # the open journal of the group being made
            self._checkpointer: _Checkpointer | None = None  # the runner's, started with its lock
            self._closed = False
        except sqlite3.DatabaseError as exc:
            raise StateError(f"cannot use {path} as a bridge state: {exc} (is it a bridge state file? the file "
                             "was left as it was)") from None

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._db.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StateError(f"{self.url} is busy ({exc}); another process holds it for writing") from None
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")

    # -- durable call records: an append-only journal while a run groups its commits ----------------------
    def record_call(self, kid: str, seq: int, step: int, call: CallRecord) -> None:
        """While a run groups commits, a call's record is one line in a journal beside the state.

        That is as durable as a WAL commit with ``synchronous=NORMAL`` (it survives the death of the process,
        not of the machine), costs a memory copy into a mapped file (:mod:`bridge.store._journal`) instead of a
        transaction, and the record joins the group commit: in its action's row when the action finishes in the
        group, else in ``bridge_calls``. Each group has journal files of its own (``<state>-calls.<n>``): a group
        commit starts the next group in another file and starts its own over once the group is in the database
        (a group that fails keeps them as they are). Every line carries a sequence number; the process that takes
        the runner lock replays them all in that order, and deletes them.
        """
        value = (call.index, call.fid, call.digest, call.status, call.result)  # call_json's, inline: once per call
        try:
            record = orjson.dumps(value, default=_default)
        except orjson.JSONEncodeError:
            record = call_json(call)
        body = orjson.dumps([kid, seq, step, orjson.Fragment(record)])  # encoded before the lock
        with self._buffer_lock:
            if not self._journaled(b'["c",', body):
                super().record_call(kid, seq, step, call)
                return
            where = (kid, seq, step)
            records = self._open_calls.get(where)
            if records is None:
                records = self._open_calls[where] = {}
            records[call.index] = record

    def drop_calls(self, kid: str, seq: int, step: int, from_index: int) -> None:
        body = orjson.dumps([kid, seq, step, from_index])
        with self._buffer_lock:
            if not self._journaled(b'["d",', body):
                super().drop_calls(kid, seq, step, from_index)
                return
            records = self._open_calls.get((kid, seq, step))
            for index in [i for i in records or () if i >= from_index]:
                del records[index]  # type: ignore[index]
            # and those an earlier group wrote: before the group's call records, which are newer
            self._pending.append((_DROP_CALLS, (kid, seq, step, from_index), False))

    def _journaled(self, kind: bytes, body: bytes) -> bool:
        """Append a line ``kind``, its number, ``body``'s items (holding the buffer lock); False if not journaled.

        Records are not journaled outside a run's group commits, on ``:memory:`` and once the store is closing:
        there a record is a transaction of its own. The number is taken here, so a file's lines are numbered in
        the order they were appended (what starting a file over relies on).
        """
        if not self._batching or self._journal is None or self._closed:
            return False
        line = b"%b%d,%b\n" % (kind, next(self._line_numbers), body[1:])
        journal = self._journal_file
        if journal is None or not journal.room(len(line)):
            if journal is not None:
                self._journal_file = None  # full: its records stay in it until the group is written
            spare = self._spare
            journal = spare.pop() if spare and spare[-1].room(len(line)) else open_journal(
                Path(f"{self._journal}-calls.{next(self._generations)}"), len(line))
            self._journal_file = journal
            self._journal_files.append(journal)
        journal.append(line)
        return True

    def _next_group(self) -> Any:
        files, self._journal_files = self._journal_files, []
        self._journal_file = None  # the next records start a file of their own
        return files

    def _group_failed(self, token: Any) -> None:
        self._journal_files[:0] = token  # their records are back in the buffer: the files stay until written

    def _flushed(self, token: Any) -> None:
        for journal in token:  # their records are in the database: a mapped file starts over, two at most kept
            if isinstance(journal, JournalFile) and len(self._spare) < 2 and not self._closed:
                journal.start_over(next(self._line_numbers))
                with self._buffer_lock:
                    self._spare.append(journal)
            else:
                journal.close()
                journal.path.unlink(missing_ok=True)
        if self._checkpointer is not None:
            if self._checkpointer.overdue():  # the thread's checkpoints never caught up: one here, between writes
                with self._checkpointer.running, self._lock:  # after the thread's own, so this one can finish
                    self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._checkpointer.nudge()

    def _journal_lines(self) -> list[tuple[int, str, tuple[Any, ...]]]:
        lines = []
        for journal in sorted(self._journal.parent.glob(self._journal.name + "-calls.*")):  # type: ignore[union-attr]
            first, raws = read_lines(journal)
            for raw in raws:
                try:  # bridge's reader: a result's ints beyond 64 bits come back exact (orjson's would be floats)
                    kind, number, *params = loads(raw)
                except (ValueError, TypeError):
                    continue  # an empty or half-written last line: that record was not finished
                if number < first:
                    continue  # a line of the file's earlier records, already in the database
                if kind == "c":  # kid, seq, step, [index, fid, digest, status, result]
                    index, fid, dg, status, result = params.pop()
                    params += [index, fid, dg, status, None if result is None else encode(result)]
                # "r": a record in bridge_calls's columns (as an earlier bridge wrote it); "d": a drop
                lines.append((number, _DROP_CALLS if kind == "d" else _UPSERT_CALL, tuple(params)))
        return sorted(lines, key=lambda line: line[0])

    def _replay_journal(self) -> None:
        """Records a dead runner wrote to its journals but not to the database, in their order; then none.

        Only the runner (holding the lock) does this: a reader must not take the journals from under a live run.
        """
        if self._journal is None:
            return
        lines = self._journal_lines()
        if lines:
            with self._tx() as cur:
                for _, sql, params in lines:
                    cur.execute(sql, params)
        for journal in self._journal.parent.glob(self._journal.name + "-calls.*"):
            journal.unlink(missing_ok=True)

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def lock_runner(self) -> None:
        """Be the one process that runs actions on this state; a second one fails at once, naming the first.

        ``flock`` on the database file: SQLite's own locks are POSIX record locks, which do not interact with
        it, and the kernel drops it when the process dies, so a killed run leaves no stale lock.
        """
        if self.url == ":memory:" or self._lock_fd is not None:
            return
        fd = os.open(self._path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            # Not closed before the database: closing any descriptor of the file drops this process's POSIX
            # locks on it, SQLite's among them (then another process's close could take the WAL from under us).
            self._late_fds.append(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise StateError(f"another bridge process is running actions on {self.url}; wait for it to end "
                                 "(bridge runs list reads the state meanwhile)") from None
            raise
        self._lock_fd = fd
        self._replay_journal()
        self._checkpointer = _Checkpointer(self._path)
        with self._lock:
            self._db.execute("PRAGMA wal_autocheckpoint = 0")  # the checkpointer's work from now on
            # The writer cuts the WAL file back when it starts it over after a complete checkpoint.
            self._db.execute(f"PRAGMA journal_size_limit = {_Checkpointer.WAL_BYTES}")

    def close(self) -> None:
        with self._buffer_lock:  # a late record from a call worker goes to the database, never to a closed file
            self._closed = True
            self._journal_file = None
            spare, self._spare = self._spare, []
            for journal in spare:
                journal.close()
                journal.path.unlink(missing_ok=True)
            if not self.pending:  # everything journaled is in the database
                self._flushed(self._journal_files)
            else:
                for journal in self._journal_files:
                    journal.close()
            self._journal_files = []
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self._db.close()
        # Only now: closing a descriptor of the database file drops every POSIX lock this process holds on it.
        for fd in [*self._late_fds, *([self._lock_fd] if self._lock_fd is not None else [])]:
            os.close(fd)
        self._late_fds, self._lock_fd = [], None


class _Checkpointer:
    """Copies the runner's WAL back into the database on a thread of its own, off the scheduler's path.

    SQLite checkpoints a WAL when it passes 1,000 pages, inside the commit that passed it, and with
    ``synchronous=NORMAL`` that is where its fsyncs happen: about a third of a group commit's time here. The
    runner turns that off and this thread checkpoints (``PASSIVE``: it never holds up a writer) on its own
    connection after a group commit has grown the WAL past :attr:`WAL_BYTES`. SQLite releases the interpreter
    lock while it works, so the copy and its fsyncs overlap the run. Once a checkpoint has copied all of the
    WAL, the writer starts it over from its beginning and cuts the file back to :attr:`WAL_BYTES` (its
    ``journal_size_limit``); a checkpoint beside a busy writer may never copy all of it, so past :attr:`CAP`
    times that size the writer runs one itself between two group commits.
    """

    WAL_BYTES = 4 << 20
    CAP = 4  # times WAL_BYTES: past it, the writer checkpoints once itself (see ``overdue``)

    def __init__(self, path: str) -> None:
        self._wal = path + "-wal"
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self._wake = threading.Event()
        self.running = threading.Lock()  # held while a checkpoint runs, by this thread or by the writer
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="bridge-checkpoint", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """A group was committed: look at the WAL's size."""
        self._wake.set()

    def overdue(self) -> bool:
        """Whether the WAL grew past :attr:`CAP` times its size.

        A checkpoint that runs beside the writer may never copy all of it, and only a complete one lets the
        writer start the WAL over.
        """
        try:
            return os.path.getsize(self._wal) > self.CAP * self.WAL_BYTES
        except OSError:
            return False

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                if os.path.getsize(self._wal) > self.WAL_BYTES:
                    with self.running:
                        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except (OSError, sqlite3.Error):  # the next nudge tries again; the last connection's close checkpoints
                pass

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()
        self._db.close()


def _refuse_foreign(path: Path) -> None:
    """A file that exists and is not a SQLite database is refused untouched."""
    if path.is_dir():
        raise StateError(f"--state {path} is a folder; give a file path such as {path / 'runs.db'}")
    if not path.parent.is_dir():
        raise StateError(f"cannot create the state {path}: the folder {path.parent} does not exist")
    try:
        with open(path, "rb") as f:
            head = f.read(len(_HEADER))
    except FileNotFoundError:
        return
    if head and head != _HEADER:
        raise StateError(f"{path} is not a bridge state (not a SQLite database); the file was left as it was — "
                         "give --state a new path or the file a previous bridge run wrote")
