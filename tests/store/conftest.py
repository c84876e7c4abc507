"""Every store test runs on each backend: a new SQLite file, and an emptied database of the session's PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from postgres_server import PostgresServer, postgres_server  # noqa: F401  (a fixture, used by name)
from store_support import PLAN

import bridge.store._sql as sql
from bridge.store import StateStore, open_store


@pytest.fixture(params=["sqlite", "postgres"])
def state(request: pytest.FixtureRequest, tmp_path) -> str:
    """Where a state lives, as ``--state`` names it: a new SQLite file, or the server's emptied database."""
    if request.param == "sqlite":
        return str(tmp_path / "runs.db")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    server.reset()
    return server.url


@pytest.fixture
def open_state(state: str) -> Iterator[Callable[[], StateStore]]:
    """Opens the state, as a new process would; every store it opened is closed after the test."""
    opened: list[StateStore] = []

    def open_() -> StateStore:
        opened.append(open_store(state))
        return opened[-1]

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_state: Callable[[], StateStore]) -> StateStore:
    """The state, opened and bound to :data:`PLAN`."""
    store = open_state()
    store.bind(PLAN)
    return store


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Sets the time the store writes (``now()``); it starts at 1000.0."""
    current = [1000.0]
    monkeypatch.setattr(sql, "now", lambda: current[0])

    def set_(t: float) -> None:
        current[0] = t

    return set_
