"""A throwaway PostgreSQL server for the tests: Debian's server programs, a temp folder, a free loopback port.

``initdb`` and ``postgres`` refuse to run as root, so when the tests run as root the server runs as the
``postgres`` system user that Debian's package creates (``nobody`` where it is missing), its folder given to
that user. The cluster is made for speed, not safety (no fsync): it lives as long as the test session.

Use the ``postgres_server`` fixture (session scope): importing it into a ``conftest.py`` makes it available
there. Without the server programs the tests that need it skip, and fail when ``CI=true``: ``make test``
installs Debian's ``postgresql`` package first.
"""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ADMIN, ADMIN_PASSWORD = "admin", "admin-secret"
USER, PASSWORD, DATABASE = "bridge", "s3cret-pw", "bridge"
_SETTINGS = {"listen_addresses": "127.0.0.1", "unix_socket_directories": "", "fsync": "off",
             "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "40",
             "shared_buffers": "32MB", "log_min_messages": "warning"}


def server_programs() -> Path | None:
    """The folder of the newest installed PostgreSQL's ``initdb`` and ``postgres``, or None."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/postgres")]
    found.sort(key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0), reverse=True)
    if not found and shutil.which("pg_config"):
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        found = [Path(bindir)] if bindir else []
    return next((p for p in found if (p / "initdb").exists() and (p / "postgres").exists()), None)


class PostgresServer:
    """One running server; ``url`` reaches database ``bridge`` as the ordinary (not super) user ``bridge``."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._admin: psycopg.Connection | None = None
        self._user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="bridge-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def admin_url(self) -> str:
        return f"postgresql://{ADMIN}:{ADMIN_PASSWORD}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        (self.folder / "pw").write_text(ADMIN_PASSWORD)
        if self._user is not None:
            for path in (self.folder, self.folder / "pw"):
                os.chown(path, self._user.pw_uid, self._user.pw_gid)
        self._run([str(self.bindir / "initdb"), "-D", str(self.data), "-U", ADMIN, f"--pwfile={self.folder / 'pw'}",
                   "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"])
        for _ in range(3):  # the free port may be taken between choosing it and the server binding it
            self.port = _free_port()
            if self._launch():
                break
        else:
            raise RuntimeError(f"PostgreSQL did not start; its log:\n{self.log.read_text()[-3000:]}")
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
            conn.execute(f"CREATE DATABASE {DATABASE} OWNER {USER}")

    def reset(self) -> None:
        """Empty database ``bridge``: its other sessions ended (their locks with them), its tables emptied.

        The ``bridge_`` tables are kept and emptied rather than dropped: making them again costs a store
        opening a tenth of a second, and an empty set of them is what a new state holds. Other tables go.
        """
        if self._admin is None:
            self._admin = psycopg.connect(f"{self.admin_url.rsplit('/', 1)[0]}/{DATABASE}", autocommit=True)
        conn = self._admin
        others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        conn.execute(f"SELECT pg_terminate_backend(pid) {others}")
        deadline = time.monotonic() + 10
        while conn.execute(f"SELECT count(*) {others}").fetchone()[0] and time.monotonic() < deadline:
            time.sleep(0.01)
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        with conn.transaction():
            for table in tables:
                conn.execute(f"DELETE FROM {table}" if table.startswith("bridge_") else f"DROP TABLE {table} CASCADE")

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)  # "fast" shutdown: end the sessions, checkpoint, exit
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _launch(self) -> bool:
        """Start ``postgres`` on ``self.port``; True once it takes connections, False when it exited."""
        settings = [arg for name, value in _SETTINGS.items() for arg in ("-c", f"{name}={value}")]
        with open(self.log, "ab") as log:
            self._proc = subprocess.Popen([str(self.bindir / "postgres"), "-D", str(self.data),
                                           "-p", str(self.port), *settings],
                                          stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          cwd=self.folder, **self._as_user())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            try:
                psycopg.connect(self.admin_url, connect_timeout=2).close()
                return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"PostgreSQL took longer than 30 s to start; its log:\n{self.log.read_text()[-3000:]}")

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self.folder, stdin=subprocess.DEVNULL,
                              **self._as_user())
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")

    def _as_user(self) -> dict:
        """Popen arguments: as whom to run (see the module docstring), and to end with the test session."""
        arguments: dict = {"preexec_fn": _end_with_parent}
        if self._user is not None:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.folder), "LC_ALL": "C"}
            arguments.update(user=self._user.pw_uid, group=self._user.pw_gid, extra_groups=[], env=env)
        return arguments


def _end_with_parent() -> None:
    """In the child: a fast shutdown when the test session dies without stopping the server (kill -9, a timeout).

    Runs after the child changed user, which would clear the setting otherwise.
    """
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG


def _server_user() -> pwd.struct_passwd | None:
    """Whom the server runs as: None (ourselves) unless we are root, who may not run it."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session; skips (fails when CI=true) without the server programs."""
    bindir = server_programs()
    if bindir is None:
        message = ("PostgreSQL's server programs are missing (no /usr/lib/postgresql/*/bin/postgres); `make test` "
                   "installs them (apt-get install postgresql)")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
