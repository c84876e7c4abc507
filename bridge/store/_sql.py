"""The state store over SQL: one schema and one set of statements for SQLite and PostgreSQL.

Statements are written with ``?`` placeholders and portable SQL (``ON CONFLICT``, ``DOUBLE PRECISION``,
``TEXT`` holding JSON); a dialect only supplies the connection, transactions and placeholder style. Tables are
prefixed ``bridge_`` so a PostgreSQL database can hold them beside other tables.

Each finished action costs few rows, because a group commit writes thousands of them: its action row (the
event, memory updates and sent events in one JSON record, and its outputs with ``ord``, their place among
the outputs of their source) and its key's row (once per key and group). An input's end is not a write of
its own: a key's inputs finish in their order, so the key row's ``done_seq`` (the last finished input) says
which are done; an input row's status only ever says ``queued`` or ``error``. The records of durable calls
whose action commits in the same group go into the action row's ``calls`` (a finished action never runs
again, so they are kept for people only); ``bridge_calls`` holds the others: those of actions still
running, waiting or interrupted, which a replay needs.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from abc import abstractmethod
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from bridge.api._values import _default, dumps
from bridge.errors import StateError
from bridge.store._base import (
    FORMAT,
    CallRecord,
    Commit,
    InputRecord,
    KeyRecord,
    StateStore,
    Status,
    check_format,
    decode,
    encode,
    now,
    plan_difference,
)

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS bridge_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bridge_keys (kid TEXT PRIMARY KEY, key TEXT NOT NULL, status TEXT NOT NULL, "
    "started_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL, memory TEXT, run TEXT, "
    "last_action TEXT, error TEXT, wait TEXT, next_seq INTEGER NOT NULL DEFAULT 0, stop INTEGER NOT NULL DEFAULT 0, "
    "done_seq INTEGER NOT NULL DEFAULT -1)",
    "CREATE INDEX IF NOT EXISTS bridge_keys_status ON bridge_keys (status, updated_at)",
    "CREATE TABLE IF NOT EXISTS bridge_inputs (kid TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL, "
    "payload TEXT, status TEXT NOT NULL, source TEXT, PRIMARY KEY (kid, seq))",
    "CREATE TABLE IF NOT EXISTS bridge_sources (name TEXT PRIMARY KEY, taken INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bridge_actions (kid TEXT NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL, "
    "action TEXT NOT NULL, record TEXT NOT NULL, calls TEXT, ord DOUBLE PRECISION, source TEXT, outputs TEXT, "
    "at DOUBLE PRECISION NOT NULL, PRIMARY KEY (kid, seq, step))",
    # No index on (source, ord): only a restart with --output reads the outputs back, and it reads every one of its
    # source; an index would cost each action with outputs a sixth of its row's insert (the state's layout 3 had
    # one, and keeps it).
    "CREATE TABLE IF NOT EXISTS bridge_calls (kid TEXT NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL, "
    "idx INTEGER NOT NULL, fid TEXT NOT NULL, digest TEXT NOT NULL, status TEXT NOT NULL, result TEXT, "
    "PRIMARY KEY (kid, seq, step, idx))",
]
_UPSERT_CALL = ("INSERT INTO bridge_calls (kid, seq, step, idx, fid, digest, status, result) VALUES (?, ?, ?, ?, ?, ?, "
                "?, ?) ON CONFLICT (kid, seq, step, idx) DO UPDATE SET fid = excluded.fid, digest = excluded.digest, "
                "status = excluded.status, result = excluded.result")
_DROP_CALLS = "DELETE FROM bridge_calls WHERE kid = ? AND seq = ? AND step = ? AND idx >= ?"
_COMMIT_KEY = ("UPDATE bridge_keys SET memory = ?, run = ?, last_action = ?, updated_at = ?, status = ?, "
               "done_seq = COALESCE(?, done_seq) WHERE kid = ?")
_COMMIT_ACTION = ("INSERT INTO bridge_actions (kid, seq, step, action, record, calls, ord, source, outputs, at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kid, seq, step) DO UPDATE SET action = "
                  "excluded.action, record = excluded.record, calls = COALESCE(excluded.calls, bridge_actions.calls), "
                  "at = excluded.at, ord = COALESCE(bridge_actions.ord, excluded.ord), source = CASE WHEN "
                  "bridge_actions.ord IS NULL THEN excluded.source ELSE bridge_actions.source END, "
                  "outputs = COALESCE(bridge_actions.outputs, excluded.outputs)")  # outputs once written stay
_KEY_COLUMNS = ("kid, key, status, started_at, updated_at, memory, run, last_action, error, wait, next_seq, stop, "
                "done_seq")
_UPSERT_KEY = ("INSERT INTO bridge_keys (kid, key, status, started_at, updated_at, next_seq) VALUES (?, ?, ?, ?, ?, ?) "
               "ON CONFLICT (kid) DO UPDATE SET next_seq = excluded.next_seq, updated_at = excluded.updated_at, "
               "status = CASE WHEN bridge_keys.status = 'done' THEN 'running' ELSE bridge_keys.status END")


def _key(row: Any) -> KeyRecord:
    return KeyRecord(kid=row[0], key=decode(row[1]), status=row[2], started_at=row[3], updated_at=row[4],
                     memory=decode(row[5]), run=decode(row[6]), last_action=row[7], error=decode(row[8]),
                     wait=decode(row[9]), next_seq=row[10], stop=bool(row[11]), done_seq=row[12])


class _Group(NamedTuple):
    """What a group commit writes (see :meth:`SqlStore._apply`)."""

    ops: list[tuple[str, Any, bool]]  # statements, in the order they were made: (sql, params, executemany)
    keys: dict[str, tuple[Any, ...]]  # per key, its last run-state update (``_COMMIT_KEY``'s parameters)
    actions: list[tuple[Any, ...]]  # finished actions' rows (``_COMMIT_ACTION``'s parameters)
    calls: dict[tuple[str, int, int], dict[int, bytes]]  # journaled call records of actions not finished

    def __bool__(self) -> bool:
        return bool(self.ops or self.keys or self.actions or self.calls)


def _key_params(rows: dict[str, tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``_COMMIT_KEY``'s parameters of a group's key rows, each memory given as a function (see commit) dumped."""
    return [(encode(row[0]()), *row[1:]) if callable(row[0]) else row for row in rows.values()]


def call_json(call: CallRecord) -> bytes:
    """A call record as it is journaled and kept in its action's row: ``[index, fid, digest, status, result]``."""
    value = (call.index, call.fid, call.digest, call.status, call.result)
    try:
        return orjson.dumps(value, default=_default)
    except orjson.JSONEncodeError:  # an int beyond 64 bits: the exact form (or the error) of bridge's dumps
        return dumps(value)


def _call_rows(calls: dict[tuple[str, int, int], dict[int, bytes]]) -> list[tuple[Any, ...]]:
    """``bridge_calls`` rows of call records (:func:`call_json`) by action: ``(kid, seq, step, idx, fid, ...)``."""
    rows = []
    for where, records in calls.items():
        for record in records.values():
            index, fid, dg, status, result = decode(record)  # bridge's reader: big ints stay exact
            rows.append((*where, index, fid, dg, status, None if result is None else encode(result)))
    return rows


def embedded_calls(records: dict[int, bytes]) -> str:
    """An action's call records (by index) as its row's ``calls``: their JSON array, in index order."""
    return f"[{','.join(records[i].decode() for i in sorted(records))}]"


class _Buffer:
    """A cursor look-alike that keeps statements for the next group commit."""

    __slots__ = ("_ops",)

    def __init__(self, ops: list[tuple[str, Any, bool]]) -> None:
        self._ops = ops

    def execute(self, sql: str, params: Any = ()) -> None:
        self._ops.append((sql, params, False))

    def executemany(self, sql: str, rows: Any) -> None:
        self._ops.append((sql, list(rows), True))


class SqlStore(StateStore):
    """A :class:`StateStore` in SQL tables; subclasses give the connection (see the module docstring)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._ord = 0.0
        self._batching = False
        # The group being made: statements in their order, then (written after them) each key's last run-state
        # update, the finished actions' rows, and the journaled call records of actions not finished (see flush).
        self._pending: list[tuple[str, Any, bool]] = []
        self._key_rows: dict[str, tuple[Any, ...]] = {}
        self._action_rows: list[tuple[Any, ...]] = []
        self._open_calls: dict[tuple[str, int, int], dict[int, bytes]] = {}
        self._done: dict[str, int] = {}  # per key, the last input this process finished (see commit)
        self._buffer_lock = threading.RLock()
        self._flush_lock = threading.Lock()

    # -- dialect ------------------------------------------------------------------------------------
    @abstractmethod
    def _tx(self) -> contextlib.AbstractContextManager[Any]:
        """A transaction; yields a cursor-like object with ``execute``/``executemany``/``fetch*``."""

    @abstractmethod
    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Rows of one query, outside any write transaction."""

    def _sql(self, sql: str) -> str:
        return sql

    # -- group commit -------------------------------------------------------------------------------
    def batch(self, enabled: bool) -> None:
        with self._buffer_lock:  # no record slips between the last flush and the switch
            if not enabled:
                self.flush()
            self._batching = enabled

    def flush(self) -> None:
        with self._flush_lock:  # one group at a time, so groups reach the database in the order they were made
            with self._buffer_lock:  # only to take the group: writers go on buffering while it is written
                group = _Group(self._pending, self._key_rows, self._action_rows, self._open_calls)
                self._pending, self._key_rows, self._action_rows, self._open_calls = [], {}, [], {}
                token = self._next_group()
            try:
                if group:
                    with self._tx() as cur:
                        self._apply(cur, group)
            except BaseException:
                with self._buffer_lock:  # not written: back in front of what came since, never dropped
                    self._restore(group)
                    self._group_failed(token)
                raise
            self._flushed(token)

    def _restore(self, group: _Group) -> None:
        """Put a group that was not written back before the writes made since it was taken (holding the lock)."""
        ops = group.ops
        if group.keys:  # they came after the group's statements, before any made since
            ops = [*ops, (self._commit_sql[0], _key_params(group.keys), True)]
        if group.calls:  # as rows, before any statement made since: a drop of records made since comes after them
            ops = [*ops, (self._sql(_UPSERT_CALL), _call_rows(group.calls), True)]
        self._pending[:0] = ops
        self._action_rows[:0] = group.actions

    def _next_group(self) -> Any:
        """Called when a group is taken from the buffer (holding its lock); what ``_flushed`` gets back."""
        return None

    def _group_failed(self, token: Any) -> None:
        """The group taken with ``token`` was not written; it is back in the buffer (holding its lock)."""

    def _flushed(self, token: Any) -> None:
        """The group taken with ``token`` is in the database."""

    @contextlib.contextmanager
    def _writes(self) -> Iterator[Any]:
        """Where a write goes: the group-commit buffer while batching, else a transaction of its own."""
        if not self._batching:
            with self._tx() as cur:
                yield cur
            return
        ops: list[tuple[str, Any, bool]] = []
        yield _Buffer(ops)
        with self._buffer_lock:
            self._keys_in_order()
            self._pending.extend(ops)

    def _keys_in_order(self) -> None:
        """The key rows made so far join the group's statements: a statement made now comes after them."""
        if self._key_rows:
            self._pending.append((self._commit_sql[0], _key_params(self._key_rows), True))
            self._key_rows = {}

    def _apply(self, cur: Any, group: _Group) -> None:
        """Write a group in as few statements as it allows, to the same end as its writes one by one.

        Its statements first, in their order (a key's run-state updates among them once another statement on
        ``bridge_keys`` came after them); then each key's last run-state update (only the last counts), the rows
        of the finished actions (rows no statement of a group touches) and the call records of actions that did
        not finish in the group (their journal is deleted once the group is in, so they must be too). A drop of
        records among the group's statements came before the records kept, which are the newest.
        """
        for sql, params, many in group.ops:
            if many:
                cur.executemany(sql, params)
            else:
                cur.execute(sql, params)
        key_sql, action_sql = self._commit_sql
        if group.keys:
            cur.executemany(key_sql, _key_params(group.keys))
        if group.actions:
            cur.executemany(action_sql, group.actions)
        if group.calls:
            cur.executemany(self._sql(_UPSERT_CALL), _call_rows(group.calls))

    @functools.cached_property
    def _commit_sql(self) -> tuple[str, str]:
        return self._sql(_COMMIT_KEY), self._sql(_COMMIT_ACTION)

    @property
    def pending(self) -> bool:
        return bool(self._pending or self._key_rows or self._action_rows or self._open_calls)

    def _select(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """A read; outside a batch it sees every write made before it, inside one only what was flushed.

        A run's reads never force its group commit: the scheduler flushes and hands on the outputs of what it
        flushed together, so nothing is recorded as done whose output was not handed on.
        """
        if not self._batching and self.pending:
            self.flush()
        return self._read(sql, params)

    # -- opening ------------------------------------------------------------------------------------
    def _create(self) -> None:
        """Make the tables of a new state (a state of another layout is refused first, untouched)."""
        with self._tx() as cur:
            for statement in SCHEMA:
                cur.execute(self._sql(statement))
            cur.execute(self._sql("INSERT INTO bridge_meta (name, value) VALUES ('format', ?) ON CONFLICT (name) "
                                  "DO NOTHING"), (str(FORMAT),))

    def bind(self, plan_identity: dict[str, Any], *, force: bool = False) -> None:
        rows = self._read("SELECT name, value FROM bridge_meta")
        meta = {name: value for name, value in rows}
        check_format(int(meta["format"]) if meta.get("format", "").isdigit() else meta.get("format"), self.url)
        recorded = decode(meta["plan"]) if "plan" in meta else None
        if recorded is not None and recorded != plan_identity and not force:
            raise StateError(f"{self.url} holds runs of another plan ({plan_difference(recorded, plan_identity)}); "
                             "use the plan that wrote it, a new state, or --force / Runtime(force=True) to go on "
                             "with this plan")
        if recorded != plan_identity:
            with self._tx() as cur:
                cur.execute(self._sql("INSERT INTO bridge_meta (name, value) VALUES ('plan', ?) ON CONFLICT (name) "
                                      "DO UPDATE SET value = excluded.value"), (encode(plan_identity),))
        top = self._read("SELECT MAX(ord) FROM bridge_actions")
        self._ord = (top[0][0] or 0.0) if top else 0.0
        # actions too: prune keeps those with outputs (they record what the output files hold), and a seq taken
        # again would meet its old (kid, seq, step) there and lose the new outputs to the first ones kept
        top = self._read("SELECT MAX(seq) FROM (SELECT seq FROM bridge_inputs UNION ALL "
                         "SELECT seq FROM bridge_actions) AS taken")
        self.next_seq = (top[0][0] + 1) if top and top[0][0] is not None else 0

    # -- recovery -----------------------------------------------------------------------------------
    def source_count(self, source: str) -> int:
        rows = self._select("SELECT taken FROM bridge_sources WHERE name = ?", (source,))
        return rows[0][0] if rows else 0

    def unfinished(self) -> list[KeyRecord]:
        rows = self._select(f"SELECT {_KEY_COLUMNS} FROM bridge_keys WHERE status IN ('running', 'waiting')")
        keys = {row[0]: _key(row) for row in rows}
        if keys:
            for row in self._select("SELECT i.kid, i.seq, i.event_id, i.payload, i.status, i.source FROM "
                                    "bridge_inputs i JOIN bridge_keys k ON k.kid = i.kid WHERE k.status IN "
                                    "('running', 'waiting') AND i.status = 'queued' AND i.seq > k.done_seq "
                                    "ORDER BY i.kid, i.seq"):
                record = keys.get(row[0])
                if record is not None:
                    record.queued.append(InputRecord(row[0], row[1], row[2], decode(row[3]), row[4], row[5]))
        return list(keys.values())

    def get(self, kid: str, *, inputs: bool = False) -> KeyRecord | None:
        rows = self._select(f"SELECT {_KEY_COLUMNS} FROM bridge_keys WHERE kid = ?", (kid,))
        if not rows:
            return None
        record = _key(rows[0])
        if inputs:
            record.queued = [InputRecord(r[0], r[1], r[2], decode(r[3]), r[4], r[5]) for r in self._select(
                "SELECT kid, seq, event_id, payload, status, source FROM bridge_inputs WHERE kid = ? AND "
                "(status = 'error' OR seq > ?) ORDER BY seq", (kid, record.done_seq))]
        return record

    def memory(self, kid: str) -> Any:
        rows = self._select("SELECT memory FROM bridge_keys WHERE kid = ?", (kid,))
        return decode(rows[0][0]) if rows else None

    # -- the run's writes ---------------------------------------------------------------------------
    def add_inputs(self, rows: list[tuple[Any, InputRecord]], source: str | None) -> None:
        t = now()
        last: dict[str, tuple[Any, int]] = {}
        for key, record in rows:
            last[record.kid] = (key, record.seq + 1)
        try:  # encode's fast path, inline: once per input
            inputs = [(r.kid, r.seq, r.event_id, orjson.dumps(r.payload, default=_default).decode(), r.source)
                      for _, r in rows]
        except orjson.JSONEncodeError:  # an int beyond 64 bits (its exact form), or the error saying what is wrong
            inputs = [(r.kid, r.seq, r.event_id, encode(r.payload), r.source) for _, r in rows]
        with self._tx() as cur:  # at once: what the calls of these inputs record refers to them
            cur.executemany(self._sql(_UPSERT_KEY),
                            [(kid, encode(key), "running", t, t, nxt) for kid, (key, nxt) in last.items()])
            cur.executemany(self._sql("INSERT INTO bridge_inputs (kid, seq, event_id, payload, status, source) "
                                      "VALUES (?, ?, ?, ?, 'queued', ?)"), inputs)
            if source is not None:
                cur.execute(self._sql("INSERT INTO bridge_sources (name, taken) VALUES (?, ?) ON CONFLICT (name) "
                                      "DO UPDATE SET taken = bridge_sources.taken + excluded.taken"),
                            (source, len(rows)))

    def commit(self, c: Commit) -> None:
        t = now()
        kid = c.kid
        record = {"event": c.event, "updates": c.updates, "sent": c.sent}
        memory = c.memory
        if callable(memory):  # the key's memory, dumped when its row is written: only a group's last row is
            if not self._batching:
                memory = encode(memory())
        else:
            memory = encode(memory)
        try:  # encode's fast path, inline: twice per action
            record_text = orjson.dumps(record, default=_default).decode()
            outputs = orjson.dumps(c.outputs, default=_default).decode() if c.outputs else None
        except orjson.JSONEncodeError:  # an int beyond 64 bits (its exact form), or the error saying what is wrong
            record_text = encode(record)
            outputs = encode(c.outputs) if c.outputs else None
        if c.run is None:  # the input's run ended with this action: the key row says it is done
            done, run = c.seq, None
            self._done[kid] = done
        else:  # the last update of a key in a group is the one written: it carries the last input finished
            done, run = self._done.get(kid), encode(c.run)
        order = None
        if outputs is not None:  # in the action's row: ``ord`` orders the outputs of a source
            self._ord += 1
            order = self._ord
        calls = None
        if self._open_calls:  # its journaled call records go into its row (no thread records its calls now)
            records = self._open_calls.pop((kid, c.seq, c.step), None)
            if records:
                if len(records) == 1:
                    for one in records.values():
                        calls = f"[{one.decode()}]"
                else:
                    calls = embedded_calls(records)
        key_row = (memory, run, c.action, t, c.status, done, kid)
        action_row = (kid, c.seq, c.step, c.action, record_text, calls, order, c.source, outputs, t)
        if self._batching:  # the hot path of a run: straight into the group
            # No lock: only this (the scheduler's) thread makes these and takes groups (flush). A lock here would
            # wait whenever a call worker holding it lost the interpreter for a switch interval.
            self._key_rows[kid] = key_row
            self._action_rows.append(action_row)
            return
        key_sql, action_sql = self._commit_sql
        with self._tx() as cur:
            cur.execute(key_sql, key_row)
            cur.execute(action_sql, action_row)

    def finish_input(self, kid: str, seq: int, status: Status, error: dict[str, Any] | None = None) -> None:
        t = now()
        with self._writes() as cur:
            if status == "error":
                cur.execute(self._sql("UPDATE bridge_inputs SET status = 'error' WHERE kid = ? AND seq = ?"),
                            (kid, seq))
                cur.execute(self._sql("UPDATE bridge_keys SET status = 'error', error = ?, updated_at = ? "
                                      "WHERE kid = ?"), (encode(error), t, kid))
            else:  # an earlier failure of the key stays visible until it is retried
                self._done[kid] = seq
                cur.execute(self._sql("UPDATE bridge_keys SET run = NULL, done_seq = ?, updated_at = ?, status = "
                                      "CASE WHEN status = 'error' THEN 'error' ELSE ? END WHERE kid = ?"),
                            (seq, t, status, kid))

    def set_wait(self, kid: str, wait: dict[str, Any] | None, status: Status) -> None:
        with self._writes() as cur:
            cur.execute(self._sql("UPDATE bridge_keys SET wait = ?, status = ?, updated_at = ? WHERE kid = ?"),
                        (None if wait is None else encode(wait), status, now(), kid))

    def calls(self, kid: str, seq: int, step: int) -> list[CallRecord]:
        where = "kid = ? AND seq = ? AND step = ?"
        found = {(seq, step, r[0]): CallRecord(r[0], r[1], r[2], r[3], decode(r[4])) for r in self._select(
            f"SELECT idx, fid, digest, status, result FROM bridge_calls WHERE {where}", (kid, seq, step))}
        self._embedded(found, f"SELECT seq, step, calls FROM bridge_actions WHERE {where} AND calls IS NOT NULL",
                       (kid, seq, step))
        return [found[k] for k in sorted(found)]

    def _embedded(self, found: dict[tuple[int, int, int], CallRecord], sql: str, params: tuple[Any, ...]) -> None:
        """Add the call records kept in action rows (``seq, step, calls`` rows of ``sql``): they win over a row's."""
        for seq, step, embedded in self._select(sql, params):
            for index, fid, dg, status, result in decode(embedded):
                found[(seq, step, index)] = CallRecord(index, fid, dg, status, result)

    def record_call(self, kid: str, seq: int, step: int, call: CallRecord) -> None:
        self._call_write(_UPSERT_CALL, (kid, seq, step, call.index, call.fid, call.digest, call.status,
                                        None if call.result is None else encode(call.result)))

    def drop_calls(self, kid: str, seq: int, step: int, from_index: int) -> None:
        self._call_write(_DROP_CALLS, (kid, seq, step, from_index))

    def _call_write(self, sql: str, params: tuple[Any, ...]) -> None:
        """Write a durable call's record (or a drop of records) at once, never grouped.

        A finished call must survive a crash right after it. A dialect may make it durable more cheaply, as long
        as it keeps the order of the writes.
        """
        with self._tx() as cur:
            cur.execute(self._sql(sql), params)

    def stop_requested(self) -> set[str]:
        return {r[0] for r in self._select("SELECT kid FROM bridge_keys WHERE stop = 1 AND status <> 'stopped'")}

    def set_status(self, kid: str, status: Status, *, stop: bool | None = None, error: Any = None) -> None:
        with self._writes() as cur:
            if stop is not None:
                cur.execute(self._sql("UPDATE bridge_keys SET stop = ? WHERE kid = ?"), (int(stop), kid))
            if error is not None or status == "running":
                cur.execute(self._sql("UPDATE bridge_keys SET status = ?, updated_at = ?, error = ? WHERE kid = ?"),
                            (status, now(), None if error is None else encode(error), kid))
            else:  # a key stopped (or otherwise changed) keeps the error it had, for `bridge runs show`
                cur.execute(self._sql("UPDATE bridge_keys SET status = ?, updated_at = ? WHERE kid = ?"),
                            (status, now(), kid))
            if status == "stopped":
                cur.execute(self._sql("UPDATE bridge_keys SET wait = NULL WHERE kid = ?"), (kid,))

    def requeue(self, kid: str, seq: int) -> None:
        with self._writes() as cur:
            cur.execute(self._sql("UPDATE bridge_inputs SET status = 'queued' WHERE kid = ? AND seq = ?"), (kid, seq))

    # -- people's view ------------------------------------------------------------------------------
    def runs(self, status: str | None = None, updated_before: float | None = None) -> list[KeyRecord]:
        where, params = [], []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if updated_before is not None:
            where.append("updated_at < ?")
            params.append(updated_before)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return [_key(r) for r in self._select(f"SELECT {_KEY_COLUMNS} FROM bridge_keys{clause} ORDER BY updated_at",
                                            tuple(params))]

    def actions(self, kid: str, limit: int = 20) -> list[dict[str, Any]]:
        return [{"seq": r[0], "step": r[1], "action": r[2], **decode(r[3]), "at": r[4]}
                for r in self._select("SELECT seq, step, action, record, at FROM bridge_actions "
                                      "WHERE kid = ? AND action <> '' ORDER BY seq DESC, step DESC LIMIT ?",
                                      (kid, limit))]

    def key_calls(self, kid: str) -> list[dict[str, Any]]:
        found = {(r[0], r[1], r[2]): CallRecord(r[2], r[3], r[4], r[5], decode(r[6])) for r in self._select(
            "SELECT seq, step, idx, fid, digest, status, result FROM bridge_calls WHERE kid = ?", (kid,))}
        self._embedded(found, "SELECT seq, step, calls FROM bridge_actions WHERE kid = ? AND calls IS NOT NULL",
                       (kid,))
        return [{"seq": seq, "step": step, "index": c.index, "fid": c.fid, "digest": c.digest, "status": c.status,
                 "result": c.result} for (seq, step, _), c in sorted(found.items())]

    def outputs(self, source: str | None) -> Iterator[tuple[Any, Any]]:
        if source is None:
            rows = self._select("SELECT kid, outputs FROM bridge_actions WHERE ord IS NOT NULL AND source IS NULL "
                                "ORDER BY ord")
        else:
            rows = self._select("SELECT kid, outputs FROM bridge_actions WHERE ord IS NOT NULL AND source = ? "
                                "ORDER BY ord", (source,))
        for kid, outputs in rows:  # a key's id is its JSON
            key = decode(kid)
            for output in decode(outputs):
                yield key, output

    def prune(self, status: str, updated_before: float) -> int:
        with self._tx() as cur:  # chosen and deleted in one transaction: a key that changes meanwhile stays
            cur.execute(self._sql("DELETE FROM bridge_keys WHERE status = ? AND updated_at < ? RETURNING kid"),
                        (status, updated_before))
            kids = [r[0] for r in cur.fetchall()]
            rows = [(k,) for k in kids]
            for table in ("bridge_inputs", "bridge_calls"):
                cur.executemany(self._sql(f"DELETE FROM {table} WHERE kid = ?"), rows)
            cur.executemany(self._sql("DELETE FROM bridge_actions WHERE kid = ? AND ord IS NULL"), rows)
            # An action that sent outputs keeps them (they record what the output files hold), nothing else.
            cur.executemany(self._sql("UPDATE bridge_actions SET action = '', record = '{}', calls = NULL "
                                      "WHERE kid = ?"), rows)
        return len(kids)

    def request_stop(self, kid: str) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("UPDATE bridge_keys SET stop = 1 WHERE kid = ?"), (kid,))

    def check_format(self) -> None:
        """Refuse a state of another layout version (also for commands that read it without a plan)."""
        rows = self._read("SELECT value FROM bridge_meta WHERE name = 'format'")
        found = rows[0][0] if rows else None
        check_format(int(found) if isinstance(found, str) and found.isdigit() else found, self.url)
