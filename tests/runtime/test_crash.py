"""kill -9 at random moments, restart, and every promise of a durable run still holds (SQLite and PostgreSQL).

The scenario and its checks are in ``crash_driver``; ``bench/bench_crash.py`` runs it with 200 kills.
"""

from __future__ import annotations

import pytest
from crash_driver import crash_and_recover
from postgres_server import postgres_server  # noqa: F401  (a fixture, used by name)

pytestmark = pytest.mark.usefixtures("java_built")


def test_twenty_kills_lose_and_repeat_nothing_on_sqlite(tmp_path) -> None:
    figures = crash_and_recover(tmp_path, str(tmp_path / "runs.db"), inputs=200, kills=20)
    assert figures["kills"] >= 20


def test_twenty_kills_lose_and_repeat_nothing_on_postgresql(tmp_path, postgres_server) -> None:  # noqa: F811
    postgres_server.reset()
    figures = crash_and_recover(tmp_path, postgres_server.url, inputs=200, kills=20, seed=11)
    assert figures["kills"] >= 20
