"""The session's PostgreSQL server for the Flink tests' shared call store (tests/postgres_server.py)."""

from postgres_server import postgres_server  # noqa: F401  (a fixture, used by name)
