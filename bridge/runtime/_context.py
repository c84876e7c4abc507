"""The Python host's RunnerContext: a thin front that delegates to memory, resources and durable calls.

A context belongs to one action run and to the scheduler thread that runs it. Writes and sends are checked
where they enter: a non-portable event attribute or memory value fails the action that made it (naming the
attribute or path), and a call from another thread (a durable call's worker) or after the action ended is a
:class:`ContextError` rather than a race with the scheduler.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable
from typing import Any

from bridge.api._calls import PendingCall
from bridge.api._context import RunnerContext
from bridge.api._events import Event
from bridge.api._memory import MemoryObject
from bridge.api._resources import ResourceType
from bridge.api._values import check_portable
from bridge.errors import ContextError, ValueContractError
from bridge.runtime._durable import WAIT_FID, CallLog, reconcile
from bridge.runtime._memory import READ_FROM_ANOTHER_THREAD, MemoryStore, MemoryView

_call_ids = itertools.count(1)


class HostRunnerContext(RunnerContext):
    """The context of one action run; lives across its suspensions, dies when it ends."""

    __slots__ = ("_key", "_store", "_resources", "_config", "_action_config", "sent", "_thread",
                 "_closed", "call_timeout", "log", "action")

    def __init__(self, key: Any, store: MemoryStore, resources: Any, config: dict[str, Any],
                 action_config: dict[str, Any] | None, call_timeout: float | None = None) -> None:
        self._key = key
        self._store = store
        self._resources = resources
        self._config = config
        self._action_config = action_config or None  # an empty one is made per run when asked for
        self.sent: list[Event] = []
        self._thread = threading.get_ident()
        self._closed = False
        self.call_timeout = call_timeout
        self.log: CallLog | None = None  # under a state store: records and replays this run's durable calls
        self.action = ""

    def check_owner(self) -> None:
        """Refuse a write from a thread other than the one running the action, or after the action ended."""
        if self._closed:
            raise ContextError("this action has finished: its RunnerContext (memory, send_event) cannot be used "
                               "any more; do the work inside the action")
        if threading.get_ident() != self._thread:
            raise ContextError("a RunnerContext was used from another thread (a durable call's worker?): memory "
                               "and send_event belong to the action, not to the functions it calls; return "
                               "the value from the call and write it in the action")

    def check_reader(self) -> None:
        """Refuse a memory read from a thread other than the one running the action (one rule for every host)."""
        if threading.get_ident() != self._thread:
            raise ContextError(READ_FROM_ANOTHER_THREAD)

    def close(self) -> None:
        """The action ended: later uses of this context raise :class:`ContextError`."""
        self._closed = True

    @property
    def key(self) -> Any:
        return self._key

    def send_event(self, event: Event) -> None:
        self.check_owner()
        if not isinstance(event, Event):
            raise ContextError(f"send_event takes an Event, got {type(event).__name__}")
        if type(event.type) is not str and not isinstance(event.type, str):
            raise ValueContractError(f"event '{event.type}' type", type(event.type), "an event type is a str")
        try:
            check_portable(event.attributes, "")
            portable = True
        except ValueContractError:
            portable = False
        if not portable:  # again, for the message: the path is spelled only when it is needed
            check_portable(event.attributes, f"event '{event.type}' attribute")
        self.sent.append(event)

    @property
    def sensory_memory(self) -> MemoryObject:
        return MemoryView(self._store, "sensory", "", self)  # its reads and writes check the thread

    @property
    def short_term_memory(self) -> MemoryObject:
        return MemoryView(self._store, "short_term", "", self)  # its reads and writes check the thread

    @property
    def store(self) -> MemoryStore:
        """The key's memory store (for action kinds that read memory on another language's behalf)."""
        return self._store

    def get_resource(self, name: str, type: ResourceType | str) -> Any:
        return self._resources.get(name, type)

    @property
    def config(self) -> dict[str, Any]:
        return self._config

    @property
    def action_config(self) -> dict[str, Any]:
        if self._action_config is None:  # most actions have none: the dict is made when asked for
            self._action_config = {}
        return self._action_config

    def durable_execute(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None,
                        reconciler: Callable[[], Any] | None = None, durable_id: str | None = None,
                        **kwargs: Any) -> Any:
        call = self._call(fn, args, kwargs, timeout, reconciler, durable_id)
        log = self.log
        if log is None:
            return _run_on_own_thread(call)
        if call.replay is not None:
            value, error = log.outcome(call.replay)
        else:
            done = False
            if call.reconcile:
                done, value = reconcile(call)
                error = None
            if not done:
                try:
                    value, error = _run_on_own_thread(call), None
                except Exception as exc:  # recorded, then raised in the action
                    value, error = None, exc
            value, error = log.finish(call, value, error)
        if error is not None:
            raise error
        return value

    def durable_execute_async(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None,
                              reconciler: Callable[[], Any] | None = None, durable_id: str | None = None,
                              **kwargs: Any) -> PendingCall:
        return self._call(fn, args, kwargs, timeout, reconciler, durable_id)

    def _call(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float | None,
              reconciler: Callable[[], Any] | None, durable_id: str | None) -> PendingCall:
        self.check_owner()
        if not callable(fn):
            raise ContextError(f"durable_execute takes a callable, got {type(fn).__name__}")
        if reconciler is not None and not callable(reconciler):
            raise ContextError(f"reconciler= takes a callable, got {type(reconciler).__name__}")
        if timeout is None:
            timeout = self.call_timeout
        elif not isinstance(timeout, int | float) or isinstance(timeout, bool) or not timeout > 0:
            raise ContextError(f"timeout= takes a positive number of seconds (math.inf for no limit), got "
                               f"{timeout!r}")
        call = PendingCall(f"c{next(_call_ids)}", fn, args, kwargs, timeout=timeout, reconciler=reconciler,
                           durable_id=durable_id)
        if self.log is not None:
            self.log.prepare(call)
        return call

    def wait_for_input(self, name: str) -> PendingCall:
        self.check_owner()
        if self.log is None:
            raise ContextError("wait_for_input needs a state store to keep the waiting run: Runtime(plan, "
                               "state='runs.db') or bridge run --state FILE")
        if not isinstance(name, str) or not name:
            raise ContextError(f"wait_for_input takes a non-empty name, got {name!r}")
        call = PendingCall(f"c{next(_call_ids)}", _outside_input, (name,), {}, timeout=math.inf,
                           durable_id=WAIT_FID)
        self.log.prepare(call)
        return call


def _outside_input(name: str) -> Any:
    """Stands for the value handed in by ``Runtime.resume``; never called."""
    raise ContextError(f"the input {name!r} is handed in by Runtime.resume, not computed")


def _run_on_own_thread(call: PendingCall) -> Any:
    """Run a synchronous durable call on a daemon thread and wait at most its timeout.

    On its own thread the call cannot use the action's context (the thread guard sees another thread), and
    a call that overruns is abandoned (Python cannot stop a thread): the action gets a
    :class:`CallTimeoutError` it may catch, and the thread cannot hold the process's exit.
    """
    box: list[Any] = []

    def work() -> None:
        try:
            box.append((True, call.fn(*call.args, **call.kwargs)))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the action
            box.append((False, exc))

    thread = threading.Thread(target=work, name=f"bridge-call-{call.call_id}", daemon=True)
    thread.start()
    thread.join(None if call.timeout is None or call.timeout == math.inf else call.timeout)
    if not box:
        raise call.timed_out()
    ok, value = box[0]
    if ok:
        return value
    raise value
