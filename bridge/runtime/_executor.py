"""The action executor: starts actions and resumes suspended ones by a string ref.

Its API takes and returns plain values (action names, ref strings, call ids, JSON-able results) so a Java
host can drive the very same executor through pemja. A suspended Python action (a generator or coroutine
waiting on durable calls) sits in the registry under its ref until every call it waits on has reported;
nothing polls. Java actions plug in as another :class:`ActionKind`.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from bridge.api._calls import CallResult, Gather, PendingCall
from bridge.api._context import RunnerContext
from bridge.api._events import Event

Status = Literal["done", "suspended", "failed"]


@dataclass(slots=True)
class ActionState:
    """Where an action stands after a start or resume step."""

    status: Status
    ref: str | None = None
    waiting: tuple[str, ...] = ()
    error: BaseException | None = None
    details: str = ""
    # A foreign action's effects, applied by the scheduler when it settles the action (never by the kind):
    updates: list[list[Any]] | None = None  # memory updates in their wire form
    events: list[dict[str, Any]] | None = None  # sent events in their wire form
    wait: dict[str, Any] | None = None  # a foreign action waits for outside input: {"name", "index"}

    def to_dict(self) -> dict[str, Any]:
        """The plain form a foreign host receives."""
        d: dict[str, Any] = {"status": self.status}
        if self.ref:
            d["ref"] = self.ref
        if self.waiting:
            d["waiting"] = list(self.waiting)
        if self.error is not None:
            d["error"] = f"{type(self.error).__name__}: {self.error}"
        return d


DONE = ActionState("done")


class ActionKind(Protocol):
    """How one kind of action (Python, Java) is started; suspended ones are resumed through the executor."""

    def start(self, executor: ActionExecutor, event: Event, ctx: RunnerContext) -> ActionState:
        """Run the action until it finishes, fails or suspends."""
        ...

    def resume(self, executor: ActionExecutor, ref: str, payload: Any) -> ActionState:
        """Continue a suspended run."""
        ...


Dispatch = Callable[[str, PendingCall], None]
# What an action may raise and still only fail its event: sys.exit() in an action is the action's failure, not
# the end of every key's run. KeyboardInterrupt still stops the run (a signal, handled by the host).
ACTION_FAILURES = (Exception, SystemExit)
_WAITABLE = (PendingCall, Gather)


@dataclass(slots=True)
class _Waiting:
    coro: Any
    wait: PendingCall | Gather
    remaining: set[str]
    results: dict[str, CallResult] = field(default_factory=dict)


def _failed(exc: BaseException) -> ActionState:
    import traceback

    return ActionState("failed", error=exc, details="".join(traceback.format_exception(exc)))


class PythonActionKind:
    """A Python function, generator function or ``async def``, called as ``fn(event, ctx)``."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Event, RunnerContext], Any]) -> None:
        self.fn = fn

    def start(self, executor: ActionExecutor, event: Event, ctx: RunnerContext) -> ActionState:
        try:
            result = self.fn(event, ctx)
        except ACTION_FAILURES as exc:
            return _failed(exc)
        if result is None:  # a plain function's action (the common case)
            return DONE
        if inspect.isgenerator(result) or inspect.iscoroutine(result):
            return executor.advance(self, executor.new_ref("py"), result, None, None)
        return DONE

    def resume(self, executor: ActionExecutor, ref: str, payload: Any) -> ActionState:
        waiting: _Waiting = executor.suspended_entry(ref)
        call_id, result = payload
        waiting.results[call_id] = result
        waiting.remaining.discard(call_id)
        if waiting.remaining:
            return ActionState("suspended", ref, tuple(waiting.remaining))
        executor.forget(ref)
        try:
            value, error = waiting.wait.outcome(waiting.results), None
        except Exception as exc:
            value, error = None, exc
        return executor.advance(self, ref, waiting.coro, value, error)


class ActionExecutor:
    """Registry of actions by name and of suspended runs by ref."""

    def __init__(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        self._kinds: dict[str, ActionKind] = {}
        self._suspended: dict[str, tuple[ActionKind, Any]] = {}
        self._ids = itertools.count(1)

    def register(self, action_name: str, kind: ActionKind) -> None:
        """Make ``action_name`` startable."""
        self._kinds[action_name] = kind

    def start(self, action_name: str, event: Event, ctx: RunnerContext) -> ActionState:
        """Run ``action_name`` on ``event`` until it is done, fails or suspends (then a ref is returned)."""
        return self._kinds[action_name].start(self, event, ctx)

    def resume(self, ref: str, payload: Any) -> ActionState:
        """Continue the run held under ``ref``; ``payload`` is ``(call_id, CallResult)`` for Python runs."""
        try:
            kind, _ = self._suspended[ref]
        except KeyError:
            raise KeyError(f"no suspended action under ref {ref!r}") from None
        return kind.resume(self, ref, payload)

    @property
    def suspended_count(self) -> int:
        """How many runs wait for a wake-up."""
        return len(self._suspended)

    # -- for action kinds ----------------------------------------------------------------------------
    def new_ref(self, prefix: str) -> str:
        """A fresh ref string."""
        return f"{prefix}-{next(self._ids)}"

    def hold(self, ref: str, kind: ActionKind, entry: Any) -> None:
        """Keep a suspended run under ``ref``."""
        self._suspended[ref] = (kind, entry)

    def suspended_entry(self, ref: str) -> Any:
        """What a kind stored with :meth:`hold`."""
        return self._suspended[ref][1]

    def forget(self, ref: str) -> None:
        """Drop a ref whose run continues or ended."""
        self._suspended.pop(ref, None)

    def holds(self, ref: str) -> bool:
        """Whether a run is suspended under ``ref``."""
        return ref in self._suspended

    def forget_all(self) -> None:
        """Abandon every suspended run (a run that raised or was stopped).

        Coroutines are closed, and a kind that holds runs elsewhere (a Java action's suspended replay) is
        told to drop them.
        """
        for ref, (kind, entry) in self._suspended.items():
            try:
                abandon = getattr(kind, "abandon", None)
                if abandon is not None:
                    abandon(ref)
                coro = getattr(entry, "coro", None)
                if coro is not None:
                    coro.close()
            except ACTION_FAILURES:  # an action's cleanup failing must not mask the reset
                pass
        self._suspended.clear()

    def advance(self, kind: ActionKind, ref: str, coro: Any, value: Any, error: BaseException | None
                ) -> ActionState:
        """Drive a generator/coroutine to its next wait; hold it under ``ref`` and dispatch the calls."""
        while True:
            try:
                awaited = coro.send(value) if error is None else coro.throw(error)
            except StopIteration:
                return DONE
            except ACTION_FAILURES as exc:
                return _failed(exc)
            if isinstance(awaited, _WAITABLE):
                break
            value, error = None, TypeError(
                f"an action may only wait on ctx.durable_execute_async(...) or gather(...), not {awaited!r:.80} "
                "(asyncio primitives do not run here: wrap blocking work in durable_execute_async)")
        calls = awaited.calls
        if not calls:  # gather() of nothing: resume at once
            value, error = [], None
            return self.advance(kind, ref, coro, value, error)
        ids = tuple([c.call_id for c in calls])
        self.hold(ref, kind, _Waiting(coro, awaited, set(ids)))
        for call in calls:
            self._dispatch(ref, call)
        return ActionState("suspended", ref, ids)
