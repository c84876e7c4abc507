"""Durable calls an action can wait on, and the record of their outcome.

An action waits by ``yield`` (generator actions) or ``await`` (``async def`` actions) on a
:class:`PendingCall` or on :func:`gather` of several. The host runs the calls on its workers and resumes the
suspended action by its ref when they are done; the action's own code never runs off the scheduler thread.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from bridge.errors import CallTimeoutError


class _RunAgain:
    __slots__ = ()

    def __repr__(self) -> str:
        return "RUN_AGAIN"


RUN_AGAIN: Any = _RunAgain()
"""What a ``reconciler=`` returns when the interrupted call did not take effect and must run again."""


@dataclass(frozen=True, slots=True)
class CallResult:
    """The outcome of one durable call: a value or an exception (never both)."""

    call_id: str
    value: Any = None
    error: BaseException | None = None

    def unwrap(self) -> Any:
        """Return the value or raise the call's exception."""
        if self.error is not None:
            raise self.error
        return self.value


class PendingCall:
    """``fn(*args, **kwargs)`` to be run by the host's workers when the action waits on it.

    ``timeout`` (seconds, or None for no limit) bounds how long the action waits: past it the action receives
    a :class:`CallTimeoutError`. ``reconciler`` and ``durable_id`` are kept for the durable store (upstream
    Flink Agents' names); none of the three is passed to ``fn``.
    """

    __slots__ = ("call_id", "fn", "args", "kwargs", "timeout", "reconciler", "durable_id", "index", "fid", "digest",
                 "replay", "reconcile")

    def __init__(self, call_id: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 *, timeout: float | None = None, reconciler: Callable[[], Any] | None = None,
                 durable_id: str | None = None) -> None:
        self.call_id = call_id
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.timeout = timeout
        self.reconciler = reconciler
        self.durable_id = durable_id
        # Set by a state store's call log: the call's position in its action, its identity, and, when an
        # earlier attempt of the action recorded it, that record (the call then returns it without running).
        self.index: int = -1
        self.fid: str | None = None
        self.digest: str | None = None
        self.replay: Any = None
        self.reconcile = False  # in flight when a process died: its reconciler decides

    def timed_out(self) -> CallTimeoutError:
        """The error an action receives when this call overran its timeout."""
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        return CallTimeoutError(f"durable call {name} did not finish within {self.timeout:g} s (timeout=); it "
                                "was abandoned")

    @property
    def calls(self) -> tuple[PendingCall, ...]:
        """The calls this wait needs (itself)."""
        return (self,)

    def outcome(self, results: dict[str, CallResult]) -> Any:
        """What the action gets back once every call is done."""
        return results[self.call_id].unwrap()

    def __await__(self) -> Generator[Any, Any, Any]:
        return (yield self)

    def __repr__(self) -> str:
        return f"PendingCall({self.call_id}, {getattr(self.fn, '__qualname__', self.fn)!r})"


class Gather:
    """Several pending calls awaited at once; resumes with their results in order."""

    __slots__ = ("_calls",)

    def __init__(self, calls: tuple[PendingCall, ...]) -> None:
        for c in calls:
            if not isinstance(c, PendingCall):
                raise TypeError(f"gather() takes ctx.durable_execute_async(...) calls, got {type(c).__name__}")
        self._calls = calls

    @property
    def calls(self) -> tuple[PendingCall, ...]:
        """The calls this wait needs."""
        return self._calls

    def outcome(self, results: dict[str, CallResult]) -> list[Any]:
        """The results in the order given; the first failed call's exception is raised."""
        return [results[c.call_id].unwrap() for c in self._calls]

    def __await__(self) -> Generator[Any, Any, list[Any]]:
        return (yield self)


def gather(*calls: PendingCall) -> Gather:
    """Wait on several ``ctx.durable_execute_async`` calls at once; they run concurrently."""
    return Gather(calls)
