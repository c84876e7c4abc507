"""Where runs are kept: the state store interface, SQLite (embedded) and PostgreSQL (shared) stores."""

from __future__ import annotations

import os

from bridge.store._base import (
    CallRecord,
    Commit,
    InputRecord,
    KeyRecord,
    StateStore,
    canonical,
    decode,
    digest,
    digest_text,
    encode,
    kid_of,
    now,
)


def open_store(state: str | os.PathLike[str] | StateStore) -> StateStore:
    """The store ``state`` names: a file path (SQLite), ``:memory:``, or a ``postgresql://`` URL."""
    if isinstance(state, StateStore):
        return state
    text = os.fspath(state)
    if text.startswith(("postgresql://", "postgres://")):
        from bridge.store._postgres import PostgresStore

        store: StateStore = PostgresStore(text)
    else:
        from bridge.store._sqlite import SQLiteStore  # only runs with a state pay for sqlite3 and the SQL

        store = SQLiteStore(text)
    try:
        store.check_format()
    except BaseException:
        store.close()
        raise
    return store


def __getattr__(name: str) -> object:
    """``SQLiteStore``, imported on first use: a run without a state never needs it."""
    if name == "SQLiteStore":
        from bridge.store._sqlite import SQLiteStore

        return SQLiteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CallRecord", "Commit", "InputRecord", "KeyRecord", "SQLiteStore", "StateStore", "canonical", "decode",
           "digest", "digest_text", "encode", "kid_of", "now", "open_store"]
