"""The state store's interface, the records it keeps, and the identity of durable calls.

A store keeps what a run needs to continue after the process dies (kill -9, OOM, a deploy) and what people
need to see and steer long runs: per key its short-term memory, its status and the state of its current
input's run (events and actions still to do, sensory memory) as of its last finished action; each input with
its sequence number and status; a record per finished action; the durable calls of the running action; the
outputs. Every value is JSON (``bridge.api`` portable values), never pickle: opening a state runs no code.

The scheduler's thread writes, and call workers record the outcomes of durable calls (a store is thread-safe).
Each finished action's writes are all or nothing; during a run they are grouped (see :meth:`StateStore.batch`)
so many actions share one transaction. Readers (``bridge runs`` in another process) see committed ones only.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from bridge.api._values import _default, dumps, loads
from bridge.errors import StateError

FORMAT = 3  # the layout version written in every state; another one is refused (3: fewer rows per action)
STATUSES = ("running", "waiting", "done", "error", "stopped")
Status = Literal["running", "waiting", "done", "error", "stopped"]


def canonical(value: Any) -> bytes:
    """The canonical JSON of a portable value: sorted keys, no spaces, so equal values give equal bytes.

    orjson sorts keys itself (the fast path); a value it cannot write (an int beyond 64 bits, bytes) takes the
    slow path of :func:`bridge.api._values.dumps` on a sorted copy, which writes the same text.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        return dumps(_sorted(value))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(v) for v in value]
    return value


def digest(value: Any) -> str:
    """A short, stable digest of a portable value (what a durable call's arguments are compared by).

    Canonical JSON shorter than 32 bytes is its own digest (it reads better in a divergence message, and hashing
    costs more than the rest of a call's bookkeeping); a longer one gives the first 32 hex digits of its SHA-256.
    The lengths differ, so the two forms never meet.
    """
    text = canonical(value)
    return text.decode() if len(text) < 32 else digest_text(text)


def digest_text(text: bytes) -> str:
    """:func:`digest` of canonical JSON of 32 bytes or more: the first 32 hex digits of its SHA-256."""
    import hashlib  # here, not at the top: a run without long arguments never needs it

    return hashlib.sha256(text).hexdigest()[:32]


now = time.time
"""Seconds since the epoch, the unit every time in a state is kept in (the builtin itself: no frame per call)."""


@dataclass(slots=True)
class CallRecord:
    """One durable call of an action run: which function with which arguments, and how it ended.

    ``status`` is ``pending`` (recorded before it ran: it has a reconciler, or it waits for outside input),
    ``done`` (``result`` holds the value) or ``failed`` (``result`` holds ``{"type", "message"}``).
    """

    index: int
    fid: str
    digest: str
    status: Literal["pending", "done", "failed"]
    result: Any = None


@dataclass(slots=True)
class KeyRecord:
    """What a store holds for one key."""

    kid: str
    key: Any
    status: Status
    started_at: float
    updated_at: float
    memory: Any = None  # the encoded short-term memory (see MemoryStore.dump)
    run: dict[str, Any] | None = None  # the current input's run as of the last finished action
    last_action: str | None = None
    error: dict[str, Any] | None = None
    wait: dict[str, Any] | None = None  # what a waiting key waits for: {"name", "action"}
    next_seq: int = 0
    stop: bool = False
    done_seq: int = -1  # its last finished input: its inputs finish in their order
    queued: list[InputRecord] = field(default_factory=list)  # its inputs not yet finished, by seq


@dataclass(slots=True)
class InputRecord:
    """One input of a key, by its per-key sequence number."""

    kid: str
    seq: int
    event_id: str
    payload: Any
    status: str = "queued"  # queued, done, error
    source: str | None = None


@dataclass(slots=True)
class Commit:
    """The effects of one finished action, written in one transaction."""

    kid: str
    key: Any
    seq: int
    step: int
    action: str
    event: dict[str, Any]
    updates: list[Any]
    sent: list[dict[str, Any]]
    memory: Any  # the key's short-term memory after the action (stored form), or a function that gives it then:
    # called when the key's row is written, so a group commit dumps only a key's last memory
    run: dict[str, Any] | None  # the run state after the action (None: the input's run ended with it)
    outputs: list[Any]  # outputs the action sent, in order
    source: str | None
    status: Status


def kid_of(key: Any) -> str:
    """A key's identity in a store: its JSON text, so ``1``, ``1.0`` and ``true`` stay three keys."""
    return dumps(key).decode()


def encode(value: Any) -> str:
    """JSON text of a portable value (None stays SQL NULL).

    :func:`bridge.api._values.dumps`'s fast path inline (a run encodes a few values per action); what orjson
    refuses (an int beyond 64 bits, a value that is not portable) goes through ``dumps`` for its exact form or
    its error.
    """
    try:
        return orjson.dumps(value, default=_default).decode()
    except orjson.JSONEncodeError:
        return dumps(value).decode()


def decode(text: str | bytes | None) -> Any:
    """The value of JSON text written by :func:`encode`."""
    return None if text is None else loads(text)


class StateStore(ABC):
    """Where a runtime's state lives; see the module docstring. Methods are called from one thread at a time."""

    url: str  # where it is, for messages (a password is never in it)
    next_seq: int = 0  # the sequence number the next input taken gets (one counter for all keys)
    keeps_runs: bool = True
    """Whether the store keeps what runs do (inputs, finished actions, memory, outputs, key status) besides calls.

    False for a host that keeps those itself (a Flink job: its keyed state and sinks) and wants only durable
    calls recorded: then the scheduler hands each action's outputs on as it finishes, a failed input does not
    hold its key, and every input's actions look for recorded calls (the host may run an input again).
    """

    # -- opening ------------------------------------------------------------------------------------
    @abstractmethod
    def bind(self, plan_identity: dict[str, Any], *, force: bool = False) -> None:
        """Record the plan this state belongs to, or refuse another plan (naming what differs) unless ``force``."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @abstractmethod
    def batch(self, enabled: bool) -> None:
        """Group commit on or off (off flushes): while on, writes wait for :meth:`flush`, one transaction for many.

        A run turns it on so the many small writes of finished actions cost one transaction per group; it
        flushes before it waits for anything and before it hands outputs on, so nothing handed on is unrecorded.
        """

    @property
    @abstractmethod
    def pending(self) -> bool:
        """Whether writes wait for the group commit."""

    @abstractmethod
    def flush(self) -> None:
        """Commit the writes waiting for the group commit, in the order they were made, in one transaction."""

    @abstractmethod
    def lock_runner(self) -> None:
        """Become the one process that runs actions on this state, or raise :class:`StateError` naming it."""

    # -- recovery -----------------------------------------------------------------------------------
    @abstractmethod
    def source_count(self, source: str) -> int:
        """How many inputs of ``source`` (an input file, standard input) were taken in earlier runs."""

    @abstractmethod
    def unfinished(self) -> list[KeyRecord]:
        """Keys with an input not finished (running, or waiting), with their queued inputs."""

    @abstractmethod
    def get(self, kid: str, *, inputs: bool = False) -> KeyRecord | None:
        """One key's record (with its queued inputs when ``inputs``)."""

    @abstractmethod
    def memory(self, kid: str) -> Any:
        """The encoded short-term memory of a key (None when it has none)."""

    # -- the run's writes ---------------------------------------------------------------------------
    @abstractmethod
    def add_inputs(self, rows: list[tuple[Any, InputRecord]], source: str | None) -> None:
        """Take inputs (``(key, record)`` pairs) in one transaction; the source's count grows by their number."""

    @abstractmethod
    def commit(self, commit: Commit) -> None:
        """One finished action: memory, run state, action record, outputs, input status, in one transaction."""

    @abstractmethod
    def finish_input(self, kid: str, seq: int, status: Status, error: dict[str, Any] | None = None) -> None:
        """An input's run ended (``done``) or failed (``error``, with the error): its key's status follows."""

    @abstractmethod
    def set_wait(self, kid: str, wait: dict[str, Any] | None, status: Status) -> None:
        """A key starts or stops waiting for outside input."""

    @abstractmethod
    def calls(self, kid: str, seq: int, step: int) -> list[CallRecord]:
        """The durable calls recorded for an action run, by index."""

    @abstractmethod
    def record_call(self, kid: str, seq: int, step: int, call: CallRecord) -> None:
        """Record (or update) one durable call, in its own transaction: it must outlive a crash right after."""

    @abstractmethod
    def drop_calls(self, kid: str, seq: int, step: int, from_index: int) -> None:
        """Forget the calls of an action run from ``from_index`` on (a replay that diverged)."""

    @abstractmethod
    def stop_requested(self) -> set[str]:
        """Keys someone asked to stop (``bridge runs stop``) that are not stopped yet."""

    @abstractmethod
    def set_status(self, kid: str, status: Status, *, stop: bool | None = None, error: Any = None) -> None:
        """Change a key's status (and its stop flag); a ``running`` key also loses its error."""

    @abstractmethod
    def request_stop(self, kid: str) -> None:
        """Ask the process running the key to stop it before its next action (only the stop flag changes)."""

    @abstractmethod
    def check_format(self) -> None:
        """Refuse a state of another layout version (:class:`StateError`)."""

    @abstractmethod
    def requeue(self, kid: str, seq: int) -> None:
        """Mark an errored input queued again (a retry)."""

    # -- people's view ------------------------------------------------------------------------------
    @abstractmethod
    def runs(self, status: str | None = None, updated_before: float | None = None) -> list[KeyRecord]:
        """Keys, optionally of one status and not changed since ``updated_before``, oldest change first."""

    @abstractmethod
    def actions(self, kid: str, limit: int = 20) -> list[dict[str, Any]]:
        """The key's last finished actions, newest first."""

    @abstractmethod
    def key_calls(self, kid: str) -> list[dict[str, Any]]:
        """Every durable call recorded for the key, in order."""

    @abstractmethod
    def outputs(self, source: str | None) -> Iterator[tuple[Any, Any]]:
        """Outputs of inputs from ``source``, in the order they were committed."""

    @abstractmethod
    def prune(self, status: str, updated_before: float) -> int:
        """Delete keys of ``status`` not changed since ``updated_before`` (and their records); how many."""


def check_format(found: Any, url: str) -> None:
    """Refuse a state of another layout version."""
    if found != FORMAT:
        raise StateError(f"{url}: this state has layout version {found!r}; this bridge reads version {FORMAT} "
                         "(use the bridge version that wrote it, or start a new state)")


def plan_difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    """What differs between two plan identities, in words (empty when they are the same)."""
    parts: list[str] = []
    old_actions, new_actions = old.get("actions", {}), new.get("actions", {})
    added = sorted(set(new_actions) - set(old_actions))
    removed = sorted(set(old_actions) - set(new_actions))
    changed = sorted(n for n in set(old_actions) & set(new_actions) if old_actions[n] != new_actions[n])
    if added:
        parts.append(f"actions added: {', '.join(added)}")
    if removed:
        parts.append(f"actions removed: {', '.join(removed)}")
    if changed:
        parts.append(f"actions changed: {', '.join(changed)}")
    if old.get("resources") != new.get("resources"):
        parts.append("resources changed")
    return "; ".join(parts)
