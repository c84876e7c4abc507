"""The PostgreSQL store: errors name the URL but never its password; the tables live beside others."""

from __future__ import annotations

import socket
import threading
import traceback

import psycopg
import pytest
from postgres_server import PASSWORD, PostgresServer

from bridge.errors import StateError
from bridge.store import open_store
from bridge.store._postgres import PostgresStore, redact


@pytest.fixture
def server(postgres_server: PostgresServer) -> PostgresServer:
    postgres_server.reset()
    return postgres_server


def _refusal(url: str) -> StateError:
    with pytest.raises(StateError) as refused:
        open_store(url)
    error = refused.value
    shown = "".join(traceback.format_exception(error)) + repr(error)
    assert PASSWORD not in shown and "s3cret" not in shown
    return error


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_that_is_not_there_is_named_without_the_password() -> None:
    port = _unused_port()
    error = _refusal(f"postgresql://bridge:{PASSWORD}@127.0.0.1:{port}/bridge")
    assert f"postgresql://bridge@127.0.0.1:{port}/bridge" in str(error)
    assert "refused" in str(error).lower()


def test_a_wrong_password_is_named_without_either_password(server: PostgresServer) -> None:
    error = _refusal(server.url.replace(PASSWORD, "s3cret-wrong"))
    assert "password authentication failed" in str(error)
    assert f"postgresql://bridge@127.0.0.1:{server.port}/bridge" in str(error)


def test_a_missing_database_is_named(server: PostgresServer) -> None:
    error = _refusal(server.url.rsplit("/", 1)[0] + "/nosuchdb")
    assert "nosuchdb" in str(error) and "does not exist" in str(error)


def test_the_stores_url_never_holds_the_password(server: PostgresServer) -> None:
    store = open_store(server.url)
    try:
        assert store.url == f"postgresql://bridge@127.0.0.1:{server.port}/bridge"
    finally:
        store.close()


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://u:p%40ss@db.example:5432/runs", "postgresql://u@db.example:5432/runs"),
    ("postgresql://u@db/runs?password=pw&sslmode=require", "postgresql://u@db/runs?sslmode=require"),
    ("postgres://db/runs", "postgres://db/runs"),
    ("postgresql://u:pw@[::1]:5433/runs", "postgresql://u@[::1]:5433/runs"),
])
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_a_lost_connection_is_a_state_error_naming_the_url(server: PostgresServer) -> None:
    store = open_store(server.url)
    store.bind({"actions": {}})
    server.reset()  # ends every session on the database, the store's with it
    with pytest.raises(StateError, match=r"cannot read the PostgreSQL state postgresql://bridge@127\.0\.0\.1") as e:
        store.runs()
    assert PASSWORD not in str(e.value)
    with pytest.raises(StateError, match="cannot write to"):
        store.set_status("k", "running")
    store.close()


def test_the_tables_live_beside_the_databases_other_tables(server: PostgresServer) -> None:
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO orders VALUES (1)")
    store = open_store(server.url)
    store.bind({"actions": {}})
    store.close()
    with psycopg.connect(server.url) as conn:
        assert conn.execute("SELECT id FROM orders").fetchall() == [(1,)]


def test_processes_opening_a_new_database_at_once_make_its_tables_once(server: PostgresServer) -> None:
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    errors: list[BaseException] = []
    stores: list[PostgresStore] = []
    start = threading.Barrier(6)

    def open_() -> None:
        start.wait()
        try:
            stores.append(PostgresStore(server.url))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=open_) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == []
