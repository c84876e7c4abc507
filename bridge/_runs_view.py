"""What ``bridge run`` and ``bridge runs`` show of a state: keys as people type them, times, records as text/JSON.

Kept apart from the commands so ``bridge run`` (which lists the keys left waiting or in error when it ends)
and ``bridge runs`` describe a key the same way, and the hints they print are commands one can paste.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridge.api._values import dumps, loads
from bridge.errors import StateError
from bridge.store import KeyRecord, StateStore, kid_of, open_store

SHOW_HELD = 20  # keys listed one by one at the end of a run; the rest are counted
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", re.IGNORECASE)


# -- what people type ---------------------------------------------------------------------------------------
def parse_duration(text: str) -> float:
    """Seconds in ``30s``, ``10m``, ``2h``, ``7d``, ``1w`` (a bare number is seconds); ValueError otherwise."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration; write a number and a unit: 30s, 10m, 2h, 7d")
    return float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]


def parse_key(text: str) -> Any:
    """A key given on the command line: its JSON value if it parses as JSON, else the text as a string.

    ``42`` is the number 42 and ``'"42"'`` the string "42"; ``alice`` (not JSON) is the string "alice".
    A list or an object is refused: no input line can have such a key.
    """
    try:
        key = loads(text)
    except ValueError:
        return text
    if isinstance(key, dict | list):
        raise StateError(f"{text} is not a key: a key is a string, a number, true/false or null (write a string "
                         "that looks like JSON in JSON quotes: '\"[1]\"')")
    return key


def key_arg(key: Any) -> str:
    """The key as a shell argument that :func:`parse_key` reads back as the same key."""
    if isinstance(key, str):
        try:
            loads(key)
        except ValueError:
            return shlex.quote(key)
    return shlex.quote(dumps(key).decode())


def key_text(key: Any) -> str:
    """The key as people read it: JSON (``"a"``, ``42``), so the string "42" and the number 42 differ."""
    return dumps(key).decode()


# -- times ------------------------------------------------------------------------------------------------
def iso(t: float | None) -> str | None:
    """An epoch time as ISO 8601 UTC (``2026-12-02T07:00:01Z``)."""
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def age(t: float, now: float | None = None) -> str:
    """How long ago ``t`` was, rounded for reading: ``12s``, ``5m``, ``3h``, ``2d``."""
    seconds = max(0.0, (time.time() if now is None else now) - t)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


# -- the state --------------------------------------------------------------------------------------------
def open_existing(state: str) -> StateStore:
    """Open a state to read or steer it; a SQLite path that does not exist is an error, not a new empty state."""
    if not state.startswith(("postgresql://", "postgres://")) and state != ":memory:":
        if not Path(state).exists():
            raise StateError(f"there is no state at {state} (bridge run --state {state} creates it; check the path "
                             "or BRIDGE_STATE)")
    return open_store(state)


def find_key(store: StateStore, text: str, *, inputs: bool = False) -> KeyRecord:
    """The record of the key ``text`` names, or a :class:`StateError` (with a hint when the JSON reading missed)."""
    key = parse_key(text)
    record = store.get(kid_of(key), inputs=inputs)
    if record is not None:
        return record
    hint = ""
    if not isinstance(key, str) and store.get(kid_of(text)) is not None:
        hint = f"; there is a string key {key_text(text)}: write it in JSON quotes, '{key_text(text)}'"
    raise StateError(f"the state {store.url} has no key {key_text(key)}{hint} (bridge runs list shows the keys)")


def state_arg(store: StateStore) -> str:
    """``--state`` as a hint prints it: the path or the URL without its password."""
    return shlex.quote(store.url)


def held_lines(store: StateStore, plan: str | os.PathLike[str] | None) -> list[str]:
    """What a run leaves for people: keys waiting for input and keys in error holding their later inputs.

    Each with the command that moves it on; at most :data:`SHOW_HELD` keys of each kind are named.
    """
    lines: list[str] = []
    plan_part = f" --plan {shlex.quote(os.fspath(plan))}" if plan is not None else " --plan PLAN"
    where = f"{plan_part} --state {state_arg(store)}"
    waiting = store.runs("waiting")
    if waiting:
        lines.append(f"{plural(len(waiting), 'key')} waiting for input; hand it in with: bridge runs resume KEY "
                     f"--input JSON{where}")
        for r in waiting[:SHOW_HELD]:
            wait = r.wait or {}
            lines.append(f"  {key_arg(r.key)} waits for {wait.get('name')!r} (action {wait.get('action')!r}); "
                         f"{plural(_later(store, r, wait.get('seq')), 'later input')} queued")
        if len(waiting) > SHOW_HELD:
            lines.append(f"  ... and {len(waiting) - SHOW_HELD} more (bridge runs list --status waiting)")
    failed = store.runs("error")
    if failed:
        lines.append(f"{plural(len(failed), 'key')} in error; a key in error holds its later inputs (kept in the "
                     f"state) until it is retried: bridge runs retry KEY{where}")
        for r in failed[:SHOW_HELD]:
            action = (r.error or {}).get("action")
            lines.append(f"  {key_arg(r.key)}: action {action!r} failed; "
                         f"{plural(_later(store, r, None), 'later input')} held")
        if len(failed) > SHOW_HELD:
            lines.append(f"  ... and {len(failed) - SHOW_HELD} more (bridge runs list --status error)")
    return lines


def _later(store: StateStore, record: KeyRecord, running_seq: int | None) -> int:
    """Inputs of a key queued behind the one it is held on."""
    full = store.get(record.kid, inputs=True) or record
    return sum(1 for i in full.queued if i.status == "queued" and i.seq != running_seq)


def plural(n: int, noun: str) -> str:
    """``1 key``, ``2 keys``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


STATUS_WORDS = {"running": "running", "waiting": "waiting for input", "done": "done", "error": "in error",
                "stopped": "stopped"}


# -- records ----------------------------------------------------------------------------------------------
def summary(record: KeyRecord) -> dict[str, Any]:
    """One key as a ``bridge runs list --json`` line: identity, status, ISO times, what it did or waits for."""
    return {"key": record.key, "status": record.status, "started_at": iso(record.started_at),
            "updated_at": iso(record.updated_at), "last_action": record.last_action,
            "error": (record.error or {}).get("message"), "wait": (record.wait or {}).get("name"),
            "stop_requested": record.stop and record.status != "stopped"}


def memory_of(record: KeyRecord) -> dict[str, Any]:
    """The key's short-term memory as plain values (the stored form keeps objects and dict values apart)."""
    from bridge.runtime._memory import MemoryStore

    store = MemoryStore()
    store.load("short_term", record.memory)
    return store.snapshot("short_term")


def details(store: StateStore, record: KeyRecord, actions: int = 10) -> dict[str, Any]:
    """Everything ``bridge runs show`` tells of one key, as JSON-ready values."""
    return {**summary(record), "error": record.error, "wait": record.wait,
            "queued": [{"seq": i.seq, "status": i.status, "input": i.payload, "source": i.source}
                       for i in record.queued],
            "memory": memory_of(record), "calls": store.key_calls(record.kid),
            "actions": [{**a, "at": iso(a["at"])} for a in store.actions(record.kid, actions)]}


def json_line(value: Any) -> str:
    """A portable value as one line of JSON (bytes tagged, big integers exact)."""
    return dumps(value).decode()


def pretty(value: Any, indent: str = "  ", limit: int | None = None) -> str:
    """A portable value as indented JSON, each line prefixed with ``indent``; cut after ``limit`` characters."""
    text = json.dumps(json.loads(json_line(value)), indent=2, ensure_ascii=False)
    if limit is not None and len(text) > limit:
        text = text[:limit] + " ..."
    return indent + text.replace("\n", "\n" + indent)


def show_text(info: dict[str, Any], record: KeyRecord) -> list[str]:
    """``bridge runs show`` for people: status and times, then the error, the wait, memory, calls, actions."""
    status = info["status"] + (" (stop requested)" if info["stop_requested"] else "")
    lines = [f"key          {key_text(record.key)}",
             f"status       {status}",
             f"started      {info['started_at']} ({age(record.started_at)} ago)",
             f"updated      {info['updated_at']} ({age(record.updated_at)} ago)",
             f"last action  {info['last_action'] or '-'}"]
    if record.wait:
        lines.append(f"waits for    {record.wait.get('name')!r} in action {record.wait.get('action')!r} "
                     f"(bridge runs resume {key_arg(record.key)} --input JSON ...)")
    queued = [q for q in info["queued"] if q["status"] == "queued"]
    if queued:
        lines.append(f"queued       {plural(len(queued), 'input')} (seq {', '.join(str(q['seq']) for q in queued[:10])}"
                     f"{', ...' if len(queued) > 10 else ''})")
    if record.error:
        err = record.error
        lines += ["", f"error        action {err.get('action')!r} on event {err.get('event_type')!r}: "
                      f"{err.get('message')}"]
        if err.get("details"):
            lines.append("  " + str(err["details"]).rstrip().replace("\n", "\n  "))
    lines += ["", "short-term memory" + ("" if info["memory"] else "  (empty)")]
    if info["memory"]:
        lines.append(pretty(info["memory"]))
    lines += ["", "durable calls" + ("" if info["calls"] else "  (none recorded)")]
    for c in info["calls"]:
        result = "" if c["result"] is None else " -> " + json_line(c["result"])[:120]
        lines.append(f"  input {c['seq']} step {c['step']} #{c['index']}  {c['fid']}  {c['status']}{result}")
    lines += ["", "recent actions (newest first)" + ("" if info["actions"] else "  (none)")]
    for a in info["actions"]:
        sent = ", ".join(str(e.get("type")) for e in a["sent"] or []) or "nothing"
        event = (a["event"] or {}).get("type")
        lines.append(f"  {a['at']}  input {a['seq']} step {a['step']}  {a['action']} on {event!r}: "
                     f"{len(a['updates'] or [])} memory writes, sent {sent}")
    return lines
