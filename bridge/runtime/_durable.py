"""Durable calls under a state store: each call's identity, its record, and its replay after a restart.

A call is identified by a stable *function id* (``durable_id=``, else the function's module and qualified
name: a lambda or a closure has no stable name, so it needs an explicit id) and a digest of its arguments
(canonical JSON; arguments that are not portable values need an explicit id, and are then not compared).
When an action runs again (the process died while it ran, a retry, a resume), its calls are matched to the
records of its earlier attempt by position: a match returns the recorded result (or raises the recorded
exception) without running the function; a mismatch is a divergence, a warning that drops the later records,
or :class:`~bridge.errors.NonDeterminismError` in strict mode. A call that was in flight when the process died
(recorded ``pending``) runs its ``reconciler=`` if one was given, else runs again.

Calls are identified, replayed and recorded on the scheduler thread: a call's outcome is recorded when the
scheduler takes its completion, before the action goes on (a worker that wrote it would give up the interpreter
for the write and wait a switch interval to get it back). A Java action's background call reports from its
own thread; the store is thread-safe.
"""

from __future__ import annotations

import itertools
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any

import orjson

from bridge.api._calls import RUN_AGAIN, CallResult, PendingCall
from bridge.api._values import check_portable
from bridge.errors import ContextError, NonDeterminismError, ReplayError, ValueContractError
from bridge.store import CallRecord, StateStore, digest, digest_text

WAIT_FID = "bridge.wait_for_input"


_tokens = itertools.count(1)
# A timed-out call's late outcome races the scheduler's record of the timeout: the first outcome wins. One lock
# for every log (held only to record an outcome) instead of one made per action run.
_FINISHING = threading.Lock()


def _warn(message: str, *args: Any) -> None:
    """Warn on the ``bridge.durable`` logger; logging is imported only for a warning (~3 ms of every start)."""
    import logging

    logging.getLogger("bridge.durable").warning(message, *args)


_FIDS: dict[Any, str] = {}  # function -> its id: a plan calls the same few functions over and over


def function_id(fn: Callable[..., Any], durable_id: str | None, action: str) -> str:
    """The stable id of a durable call's function, or a :class:`ContextError` saying why there is none."""
    if durable_id is not None:
        if not isinstance(durable_id, str) or not durable_id:
            raise ContextError(f"action '{action}': durable_id= takes a non-empty str, got {durable_id!r}")
        return durable_id
    func = getattr(fn, "__func__", fn)  # a bound method has its function's id (and must not keep its object)
    try:
        return _FIDS[func]
    except (KeyError, TypeError):
        pass
    fid = _name_id(fn, action)
    if len(_FIDS) >= 4096:  # only module-level names get here, but a program may make functions without end
        _FIDS.clear()
    try:
        _FIDS[func] = fid
    except TypeError:  # an unhashable callable object
        pass
    return fid


def _name_id(fn: Callable[..., Any], action: str) -> str:
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not module or not qualname:
        raise ContextError(f"action '{action}': the durable call {fn!r:.80} has no module and qualified name; "
                           "give it durable_id='...' so a restart can match its record")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise ContextError(f"action '{action}': the durable call {module}.{qualname} is a lambda or a closure, "
                           "whose name is not stable across restarts; give it durable_id='...' (or make it a "
                           "module-level function)")
    return f"{module}:{qualname}"


def arguments_digest(args: tuple[Any, ...], kwargs: dict[str, Any], explicit_id: bool, fid: str,
                     action: str) -> str:
    """The digest of a call's arguments; non-portable arguments are allowed only with an explicit id."""
    if not kwargs:  # the common call: a few plain arguments, checked and written inline
        for arg in args:
            t = type(arg)
            if not (t is int or t is bool or arg is None or (t is str and arg.isascii())):
                break
        else:
            try:
                text = orjson.dumps({"args": args, "kwargs": {}})  # canonical: its keys are in order
            except orjson.JSONEncodeError:  # an int beyond 64 bits: the general way below
                pass
            else:
                return text.decode() if len(text) < 32 else digest_text(text)
    value = {"args": list(args), "kwargs": kwargs}
    try:
        check_portable(value["args"], "arguments.args")
        if kwargs:
            check_portable(kwargs, "arguments.kwargs")
    except ValueContractError as exc:
        if explicit_id:
            return "-"
        raise ContextError(f"action '{action}': durable call {fid}: {exc}; arguments are recorded by their JSON "
                           "digest to match a replay, so pass portable values, or give the call durable_id='...' "
                           "(its arguments are then not compared)") from None
    return digest(value)


def no_waiting(action: str, store: StateStore) -> ContextError:
    """The error of a wait for outside input where the store does not keep runs (nothing could hand it in)."""
    return ContextError(f"action '{action}': wait_for_input needs a store that keeps the waiting run ({store.url} "
                        "keeps only durable calls: on a Flink job, Flink owns the run state); hand the input in "
                        "with the key's next input line instead")


def error_record(exc: BaseException) -> dict[str, str]:
    """An exception as it is recorded: its class's import path and its message."""
    cls = type(exc)
    return {"type": f"{cls.__module__}:{cls.__qualname__}", "message": str(exc)}


def replayed_error(record: dict[str, str]) -> BaseException:
    """The recorded exception raised again: the same class when its module is loaded and it takes a message."""
    name, message = record.get("type", "?"), record.get("message", "")
    module, _, qualname = name.partition(":")
    try:
        obj: Any = sys.modules[module]  # never imported on the state's word: opening a state runs no code
        for part in qualname.split("."):
            obj = getattr(obj, part)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            return obj(message)
    except Exception:  # noqa: BLE001 - any failure to rebuild it is reported as a ReplayError
        pass
    return ReplayError(name.replace(":", "."), message)


class CallLog:
    """The durable calls of one action run (one attempt), matched against the records of earlier attempts."""

    __slots__ = ("_store", "_where", "_key", "_action", "_strict", "_records", "_next", "_token",
                 "divergence", "__weakref__")

    def __init__(self, store: StateStore, kid: str, seq: int, step: int, key: Any, action: str, strict: bool,
                 replay: bool) -> None:
        self._store = store
        self._where = (kid, seq, step)
        self._key = key
        self._action = action
        self._strict = strict
        # By index: calls of one wait (gather) may have been recorded in any order, and a crash may leave a gap.
        self._records = {r.index: r for r in store.calls(kid, seq, step)} if replay else {}
        self._next = 0
        self._token: str | None = None  # named when another language's action first needs it (see token)
        self.divergence: NonDeterminismError | None = None  # kept even if the action swallows it

    def prepare(self, call: PendingCall) -> None:
        """Give ``call`` its place and identity; attach the recorded outcome when it replays one.

        Raises :class:`NonDeterminismError` (strict) when the call differs from the recorded one.
        """
        fid = function_id(call.fn, call.durable_id, self._action)
        if fid == WAIT_FID and not self._store.keeps_runs:
            raise no_waiting(self._action, self._store)
        dg = arguments_digest(call.args, call.kwargs, call.durable_id is not None, fid, self._action)
        index = self._next
        self._next += 1
        call.index, call.fid, call.digest = index, fid, dg
        record = self._records.get(index)
        if record is not None:
            if record.fid != fid or record.digest != dg:
                self._diverged(index, record, fid, dg)
            elif record.status in ("done", "failed"):
                call.replay = record
                return
            elif call.reconciler is not None:  # in flight when the process died: the reconciler decides
                call.reconcile = True
        if call.reconciler is not None or fid == WAIT_FID:  # on disk before the call can take effect: a call
            # record is written at once (a transaction, or SQLite's journal), never left to the group commit
            self._store.record_call(*self._where, CallRecord(index, fid, dg, "pending"))

    def _diverged(self, index: int, record: CallRecord, fid: str, dg: str) -> None:
        message = (f"key {self._key!r}, action '{self._action}', durable call #{index}: the run recorded "
                   f"{record.fid} (arguments {record.digest}) and now calls {fid} (arguments {dg})")
        if self._strict:
            self.divergence = NonDeterminismError(message + "; the action's code or its inputs changed since the "
                                                  "recorded run (strict mode: nothing was replayed or run)")
            raise self.divergence
        _warn("%s; the later records were dropped and the calls run anew (strict mode would fail the action)",
              message)
        self._store.drop_calls(*self._where, index)
        for later in [i for i in self._records if i >= index]:
            del self._records[later]

    def finish(self, call: PendingCall, value: Any, error: BaseException | None) -> tuple[Any, BaseException | None]:
        """Record how a call ended; a result that is not portable becomes the call's error (it cannot be kept)."""
        if error is None:
            try:
                check_portable(value, "")
                portable = True
            except ValueContractError:
                portable = False
            if not portable:
                try:  # again, for the message: the path is spelled only when it is needed
                    check_portable(value, f"the result of durable call {call.fid}")
                except ValueContractError as exc:
                    value, error = None, exc
        record = (CallRecord(call.index, call.fid, call.digest, "done", value) if error is None else
                  CallRecord(call.index, call.fid, call.digest, "failed", error_record(error)))
        with _FINISHING:  # the first outcome wins: a timeout recorded by the scheduler, or the call's own
            if call.replay is not None:
                return value, error
            call.replay = record
            self._store.record_call(*self._where, record)
        return value, error

    def settle(self, call: PendingCall, result: CallResult) -> CallResult:
        """Record a call's outcome as the scheduler takes it; returns what the action gets.

        An outcome the state refuses (a result that is not portable, a store error) reaches the action as the
        call's error, saying why.
        """
        try:
            value, error = self.finish(call, result.value, result.error)
        except Exception as exc:  # noqa: BLE001 - the state cannot record it: the action gets why
            value, error = None, exc
        if value is result.value and error is result.error:  # recorded as it was (the common case)
            return result
        return CallResult(result.call_id, value=value, error=error)

    def foreign_records(self) -> list[dict[str, Any]]:
        """The recorded calls in the form another language's action replays them (Java's ``DurableRun``)."""
        calls = []
        while len(calls) in self._records:  # Java replays by position: only the records up to the first gap
            r = self._records[len(calls)]
            calls.append({"id": r.fid, "status": r.status, "result": r.result})
        return calls

    @property
    def token(self) -> str:
        """A name for this log that another language sends back with its records (see :data:`FOREIGN_LOGS`).

        Never reused: a call of an abandoned Java run that reports late must not land in another run's log.
        """
        if self._token is None:
            self._token = f"log-{next(_tokens)}"
        return self._token

    def record_foreign(self, record: dict[str, Any]) -> None:
        """Record a call another language's action made (it matches and replays its calls itself, by id)."""
        index = record["index"]
        self._store.record_call(*self._where, CallRecord(index, record["id"], "-", record["status"],
                                                         record.get("result")))
        if record.get("diverged"):  # the action dropped the records from this one on and ran anew
            _warn("key %r, action '%s', durable call #%d: the re-run made call %s where another was recorded; "
                  "the later records were dropped and the calls run anew (strict mode would fail the action)",
                  self._key, self._action, index, record["id"])
            self._store.drop_calls(*self._where, index + 1)

    @property
    def strict(self) -> bool:
        """Whether a divergence fails the action."""
        return self._strict

    @staticmethod
    def outcome(record: CallRecord) -> tuple[Any, BaseException | None]:
        """A recorded call's value, or its exception rebuilt."""
        if record.status == "done":
            return record.result, None
        return None, replayed_error(record.result or {})


FOREIGN_LOGS: weakref.WeakValueDictionary[str, CallLog] = weakref.WeakValueDictionary()
"""Call logs of running foreign actions by token: a Java action's background call reports on its own thread."""


def reconcile(call: PendingCall) -> tuple[bool, Any]:
    """Ask a call's reconciler how the interrupted call ended: ``(True, result)``, or ``(False, None)`` to run."""
    result = call.reconciler()  # type: ignore[misc]
    if result is RUN_AGAIN:
        return False, None
    return True, result
