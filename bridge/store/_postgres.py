"""The shared state store: a PostgreSQL database (psycopg 3), for runs kept by several processes or machines.

One connection in autocommit mode: each write is an explicit ``BEGIN … COMMIT`` (``conn.transaction()``) and
each read a statement of its own. Autocommit is what makes that safe: without it, any statement run outside a
transaction block would open an implicit transaction, every later ``transaction()`` would become a savepoint
inside it, and nothing would be committed until the connection closed.

The runtime records durable calls from its worker threads while the scheduler commits, so transactions and
reads take a lock: on one connection, a second thread's ``BEGIN`` would become a savepoint inside the first
thread's transaction and both commits would fail.

The URL is kept and shown without its password (``StateStore.url``); the full one is used only to connect.
A server that is down, unreachable or refuses the login, and a connection lost later, are a
:class:`~bridge.errors.StateError` naming that URL.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import conninfo

from bridge.errors import StateError, without_passwords
from bridge.store._sql import SqlStore

# Session-level advisory locks of this database: the runner's, and the one held while the schema is made
# (concurrent ``CREATE TABLE IF NOT EXISTS`` can fail in PostgreSQL). Fixed 64-bit keys ("bridgeRL", "bridgeSC").
RUNNER_LOCK = int.from_bytes(b"bridgeRL", "big")
_SCHEMA_LOCK = int.from_bytes(b"bridgeSC", "big")
_CONNECT_TIMEOUT = 10  # seconds; libpq waits forever on a host that drops packets unless told otherwise


def redact(url: str) -> str:
    """``url`` without its password (in the user part or a ``password=`` parameter), fit for messages."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.partition(':')[0]}@{host}"
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"],
                          safe="/:")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:  # not a URL one can take apart: show only its scheme
        return url.partition("://")[0] + "://…"


class PostgresStore(SqlStore):
    """State in a PostgreSQL database given by a ``postgresql://user:password@host:port/dbname`` URL."""

    def __init__(self, url: str) -> None:
        super().__init__(redact(url))
        self._secret = _password(url)
        self._locked = False
        self._lock = threading.RLock()  # one transaction or read at a time on the connection (see the docstring)
        try:
            params = conninfo.conninfo_to_dict(url)
            params.setdefault("connect_timeout", _CONNECT_TIMEOUT)
            params.setdefault("application_name", "bridge")
            self._conn = psycopg.connect(**params, autocommit=True)
        except psycopg.Error as exc:
            raise StateError(f"cannot open the PostgreSQL state {self.url}: {self._reason(exc)}") from None
        try:
            self._read("SELECT pg_advisory_lock(?)", (_SCHEMA_LOCK,))
            try:
                self._create()
            finally:
                self._read("SELECT pg_advisory_unlock(?)", (_SCHEMA_LOCK,))
        except BaseException:
            self._conn.close()
            raise

    @contextlib.contextmanager
    def _tx(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._lock:  # for the whole transaction (see the module docstring)
            try:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    yield cur
            except psycopg.Error as exc:
                raise self._failed("cannot write to", exc) from None

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:  # never inside another thread's transaction, whose uncommitted rows it would see
            try:
                return self._conn.execute(self._sql(sql), params).fetchall()
            except psycopg.Error as exc:
                raise self._failed("cannot read", exc) from None

    def _sql(self, sql: str) -> str:
        return _placeholders(sql)

    def lock_runner(self) -> None:
        """Be the one process that runs actions on this database; a second one fails at once, naming the first.

        A session-level advisory lock: it lasts as long as the connection, so :meth:`close` releases it and
        the server does when the process dies (kill -9, a lost machine) and its connection ends.
        """
        if self._locked:
            return
        if not self._read("SELECT pg_try_advisory_lock(?)", (RUNNER_LOCK,))[0][0]:
            holder = self._read(
                "SELECT a.pid, a.client_addr, a.application_name, a.backend_start FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND l.classid = ? AND l.objid = ? AND l.objsubid = 1",
                (RUNNER_LOCK >> 32, RUNNER_LOCK & 0xFFFFFFFF))
            who = ""
            if holder:
                pid, addr, app, since = holder[0]
                who = f" (server process {pid}, {app or 'client'} from {addr or 'a local socket'}"
                who += f", connected since {since:%Y-%m-%d %H:%M:%S %Z})" if since else ")"
            raise StateError(f"another bridge process is running actions on {self.url}{who}; wait for it to end "
                             "(bridge runs list reads the state meanwhile)")
        self._locked = True

    def close(self) -> None:
        self._locked = False
        self._conn.close()  # ends the session, and with it the runner's lock

    def _failed(self, doing: str, exc: psycopg.Error) -> StateError:
        lost = " (the connection to the server was lost)" if self._conn.closed else ""
        return StateError(f"{doing} the PostgreSQL state {self.url}: {self._reason(exc)}{lost}")

    def _reason(self, exc: BaseException) -> str:
        """The error's text on one line; a password it quotes (libpq's do not, but a server's might) masked.

        A URL libpq cannot parse is quoted whole in its message, password included, and then the password
        cannot be told apart: any ``scheme://user:secret@`` in the text loses its secret.
        """
        text = " ".join(str(exc).split())
        text = without_passwords(text)
        return text.replace(self._secret, "***") if len(self._secret) >= 4 else text


@functools.lru_cache(maxsize=256)
def _placeholders(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (the shared statements hold no ``%`` and no ``?`` in literals)."""
    return sql.replace("?", "%s")




def _password(url: str) -> str:
    try:
        return str(conninfo.conninfo_to_dict(url).get("password") or "")
    except psycopg.Error:
        return ""
