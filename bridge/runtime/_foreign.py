"""The Python half of a foreign host (the Java host): the one action executor behind plain values.

A host written in another language (``java/host``, through pemja) owns the scheduler, memory and run state;
this module gives it the plan and the Python actions, and nothing crosses but ``str`` (JSON) values:

- :meth:`ForeignHost.describe` is the plan, loaded and validated by :mod:`bridge.plan` (the one loader and
  validator), as JSON: each action's language and target, its event types, whether any trigger is an
  expression (then the host asks :meth:`ForeignHost.route`, the one trigger implementation), resources, config.
- :meth:`ForeignHost.start` runs a Python action through the one :class:`ActionExecutor` for a key and an
  event. The host sends a small memory whole with the start (a plain :class:`MemoryStore` holds it); a larger
  one is a :class:`LazyMemoryStore`, read from the host as the action reaches it (``memory.read``/``memory.fields``,
  calls into the host on the scheduler thread, see :mod:`bridge.runtime._foreign_memory`); the action's
  writes stay in the store, so Python's memory rules apply at each write exactly as under the Python host.
  What comes back is one JSON document per step: ``done`` with the memory updates (wire form) and the sent
  events, ``failed`` with the error, or ``suspended`` with a ref and the durable calls it waits on. The host
  applies the updates and events all or nothing, as the Python scheduler's settle step does.
- :meth:`ForeignHost.resume` continues a suspended action by ref when the host has taken a durable call's
  completion from its queue; :meth:`ForeignHost.expire` when the call's timeout passed first.

Threads. The embedded interpreter is entered only from the host's scheduler thread. A durable call's
function runs on a Python daemon thread (the runtime's :class:`WorkerPool`): pemja releases the GIL when a
call from Java returns, so Python threads run between the host's calls. When the function returns, its
outcome stays here (it may be any Python object, it never crosses) and the worker posts ``(ref, call id)`` to
the host through ``wakes.post`` (a Java object; pemja attaches the worker thread to the JVM for that call),
which only queues it: the host's scheduler thread later calls :meth:`resume`. Running the functions on Java
threads instead would enter the interpreter from many Java threads, which crashed the JVM upstream.

Under this host nothing starts JPype (a JVM already runs this process; JPype inside a pemja-embedded
interpreter crashes it): Java resources reach Java through the host's ``resources`` object (JSON in and out).
"""

from __future__ import annotations

import math
import sys
import threading
import traceback
from typing import Any

from bridge.api._calls import CallResult, PendingCall
from bridge.api._events import Event
from bridge.api._values import dumps_str, loads
from bridge.errors import ActionError, BridgeError, JavaError, StepLimitError
from bridge.plan._allow import check_allowed, check_resolved, named_code
from bridge.plan._load import load_plan
from bridge.plan._models import JavaFunction, JavaResourceProvider, PythonFunction, PythonResourceProvider
from bridge.plan._triggers import TriggerSet
from bridge.runtime._context import HostRunnerContext
from bridge.runtime._durable import WAIT_FID, CallLog, reconcile
from bridge.runtime._executor import ActionExecutor, ActionState, PythonActionKind
from bridge.runtime._foreign_memory import LazyMemoryStore
from bridge.runtime._foreign_resources import foreign_resource
from bridge.runtime._functions import resolve_python_action
from bridge.runtime._memory import SCOPES, MemoryStore
from bridge.runtime._resources import ResourceRegistry
from bridge.runtime._routing import Router
from bridge.runtime._runtime import _timeout
from bridge.runtime._workers import Job, WorkerPool


def _error_text(kind: str, message: str | None) -> str:
    """``<type>: <message>`` as ``bridge run --report`` writes a failure (a Java throwable by its Java class)."""
    return f"{kind}: {message}" if message else kind


class ForeignHost:
    """One plan's Python actions, driven by a foreign host through JSON strings; see the module docstring.

    ``wakes`` is the host's queue: ``wakes.post(ref, call_id)`` is called from worker threads. ``resources``
    builds and calls the host's Java resources (``info(type, name)`` and ``call(type, name, method, json)``);
    None when the plan has none. ``memory`` answers ``read(memory, path)`` and ``fields(memory, path)`` about
    the committed memory of the key whose action runs (see :mod:`bridge.runtime._foreign_memory`).
    """

    def __init__(self, plan_path: str, wakes: Any, resources: Any = None, *, memory: Any = None,
                 allow: list[str] | None = None, workers: int = 8, call_timeout: float | None = None) -> None:
        self.plan = load_plan(plan_path)
        check_allowed(self.plan, allow or None)
        named = {code.path: code for code in named_code(self.plan)}
        self._wakes = wakes
        self._memory = memory
        self._router = Router(self.plan)
        self._config = self.plan.conf_data
        self._call_timeout = _timeout(call_timeout if call_timeout is not None
                                      else self._config.get("bridge.call_timeout"))

        def vet(obj: Any, field: str) -> None:
            check_resolved(obj, named[field], allow or None)

        def java_resource(provider: Any) -> Any:
            if resources is None:
                raise BridgeError("this host lends no Java resources")
            return foreign_resource(resources, provider)

        self._resources = ResourceRegistry(self.plan, java_factory=java_resource, vet=vet)
        self._executor = ActionExecutor(self._dispatch)
        for name, action in self.plan.actions.items():
            if isinstance(action.exec, PythonFunction):
                try:
                    fn = resolve_python_action(name, action.exec.module, action.exec.qualname)
                except BridgeError as exc:
                    raise type(exc)(f"{exc} [Python {sys.executable}, sys.path {sys.path}]") from None
                vet(fn, f"actions.{name}.exec.module")
                self._executor.register(name, PythonActionKind(fn))
        self._pool = WorkerPool(workers)
        # Suspended runs by ref, with the event they run on (a failure after the suspension names its type).
        self._runs: dict[str, tuple[HostRunnerContext, MemoryStore, Event]] = {}
        self._calls: dict[tuple[str, str], tuple[PendingCall, Job | None]] = {}  # calls in flight
        self._outcomes: dict[tuple[str, str], CallResult] = {}  # finished calls the host has not resumed yet
        self._lock = threading.Lock()
        self._dispatched: list[PendingCall] = []
        # Under a state (bridge.runtime._foreign_state): the call log of the next start, and a wait for outside input
        # the running step dispatched.
        self.next_log: CallLog | None = None
        self._wait: dict[str, Any] | None = None

    # -- the plan --------------------------------------------------------------------------------------
    def describe(self) -> str:
        """The plan as the host needs it (JSON)."""
        actions = []
        for name, action in self.plan.actions.items():
            entry: dict[str, Any] = {"name": name, "config": action.config or {}}
            if isinstance(action.exec, JavaFunction):
                entry.update(language="java", clazz=action.exec.qualname, method=action.exec.method_name,
                             parameter_types=list(action.exec.parameter_types or []))
            else:
                entry.update(language="python", module=action.exec.module, qualname=action.exec.qualname)
            actions.append(entry)
        routes: dict[str, list[str]] = {}
        expressions = False
        for name, action in self.plan.actions.items():
            triggers = TriggerSet(action.triggers)  # as the Router compiles them (it validated them already)
            expressions = expressions or bool(triggers.expressions)
            for event_type in triggers.event_types:
                routes.setdefault(event_type, []).append(name)
        java_resources = {rtype: {name: {"clazz": p.descriptor.target_clazz,
                                         "arguments": getattr(p.descriptor, "arguments", None) or {},
                                         "method": (p.descriptor.model_extra or {}).get("method")}
                                  for name, p in providers.items() if isinstance(p, JavaResourceProvider)}
                          for rtype, providers in self.plan.resource_providers.items()}
        python_resources = {rtype: [name for name, p in providers.items() if isinstance(p, PythonResourceProvider)]
                            for rtype, providers in self.plan.resource_providers.items()}
        timeout = None if self._call_timeout == math.inf else self._call_timeout
        return dumps_str({"agent_name": self.plan.agent_name, "actions": actions, "routes": routes,
                          "expressions": expressions, "java_resources": java_resources,
                          "python_resources": python_resources,
                          "config": {**self._config, "bridge.call_timeout": timeout}})

    def route(self, event_json: str) -> str:
        """The actions an event triggers, in the plan's order (for plans with expression triggers)."""
        return dumps_str(self._router.actions_for(Event.from_dict(loads(event_json))))

    # -- resources -------------------------------------------------------------------------------------
    def invoke_resource(self, rtype: str, name: str, method: str, args_json: str) -> str:
        """A Java action calls a Python resource (on the scheduler thread): ``{"result"}`` or ``{"error"}`` JSON.

        As under the Python host (``bridge.jvm._jpype``'s proxy): the method is a public method of the resource
        the plan builds once, called with the JSON object's keyword arguments.
        """
        try:
            resource = self._resources.get(name, rtype)
            if method.startswith("_") or not callable(getattr(resource, method, None)):
                raise AttributeError(f"Python resource {type(resource).__name__} has no method '{method}'")
            return dumps_str({"result": getattr(resource, method)(**(loads(args_json) if args_json else {}))})
        except Exception as exc:  # noqa: BLE001 - thrown in the Java action, which decides
            return dumps_str({"error": {"class": type(exc).__name__, "message": str(exc),
                                        "stack": traceback.format_exc()}})

    # -- actions ---------------------------------------------------------------------------------------
    def start(self, action: str, key_json: str, event_json: str, memory_json: str = "") -> str:
        """Run a Python action until it is done, fails or suspends.

        ``memory_json`` is the key's whole memory when the host found it small (``{"short_term": tree,
        "sensory": tree}`` in :meth:`MemoryStore.dump` form), else "": then it is read from the host as the
        action reaches it.
        """
        key = loads(key_json)
        store: MemoryStore
        if memory_json:  # small enough to come whole: a plain store, no reads back (bench/README.md)
            store = MemoryStore()
            memory = loads(memory_json)
            for scope in SCOPES:
                store.load(scope, memory.get(scope))
        else:
            store = LazyMemoryStore(self._memory)
        store.begin()
        ctx = HostRunnerContext(key, store, self._resources, self._config, self.plan.actions[action].config,
                                self._call_timeout)
        ctx.action = action
        ctx.log, self.next_log = self.next_log, None
        event = Event.from_dict(loads(event_json))
        self._dispatched = []
        try:
            state = self._executor.start(action, event, ctx)
        except Exception as exc:  # noqa: BLE001 - an unknown action: the host's bug, reported as a failure
            state = ActionState("failed", error=exc, details=traceback.format_exc())
        return self._answer(state, ctx, store, event)

    def resume(self, ref: str, call_id: str) -> str:
        """Continue the action under ``ref`` with the outcome of its durable call ``call_id``."""
        with self._lock:
            result = self._outcomes.pop((ref, call_id), None)
            entry = self._calls.pop((ref, call_id), None)
        if result is None:
            raise KeyError(f"no finished durable call {call_id!r} of ref {ref!r}")
        return self._continue(ref, call_id, self._recorded(ref, entry, result))

    def expire(self, ref: str, call_id: str) -> str:
        """The durable call's timeout passed: the action gets a :class:`CallTimeoutError` it may catch."""
        with self._lock:
            entry = self._calls.pop((ref, call_id), None)
            self._outcomes.pop((ref, call_id), None)
        if entry is None:
            raise KeyError(f"no durable call {call_id!r} of ref {ref!r} in flight")
        call, job = entry
        if job is not None:
            job.abandon()
        return self._continue(ref, call_id, self._recorded(ref, entry, CallResult(call_id, error=call.timed_out())))

    def _recorded(self, ref: str, entry: tuple[PendingCall, Job | None] | None, result: CallResult) -> CallResult:
        """Under a state, a call's outcome is recorded as the host takes it, before the action goes on."""
        run = self._runs.get(ref)
        log = run[0].log if run is not None else None
        return result if log is None or entry is None else log.settle(entry[0], result)

    def abandon(self, ref: str) -> None:
        """The host gives up the run under ``ref`` (its input failed or the run stopped)."""
        run = self._runs.pop(ref, None)
        if run is not None:
            run[0].close()
        with self._lock:
            for token in [t for t in self._calls if t[0] == ref]:
                job = self._calls.pop(token)[1]
                if job is not None:
                    job.abandon()
                self._outcomes.pop(token, None)
        self._executor.forget(ref)

    def _continue(self, ref: str, call_id: str, result: CallResult) -> str:
        ctx, store, event = self._runs.pop(ref)
        if isinstance(store, LazyMemoryStore):
            store.attach(self._memory)
        self._dispatched = []
        try:
            state = self._executor.resume(ref, (call_id, result))
        except Exception as exc:  # noqa: BLE001 - reported as the action's failure
            state = ActionState("failed", error=exc, details=traceback.format_exc())
        return self._answer(state, ctx, store, event)

    def _answer(self, state: ActionState, ctx: HostRunnerContext, store: MemoryStore, event: Event) -> str:
        if isinstance(store, LazyMemoryStore):
            store.detach()
        if state.status == "suspended":
            assert state.ref is not None
            self._runs[state.ref] = (ctx, store, event)
            calls = [{"id": c.call_id, "timeout": None if c.timeout in (None, math.inf) else c.timeout}
                     for c in self._dispatched]
            answer: dict[str, Any] = {"status": "suspended", "ref": state.ref, "calls": calls}
            if self._wait is not None:  # the key waits for outside input (bridge runs resume hands it in)
                answer["wait"], self._wait = self._wait, None
            return dumps_str(answer)
        ctx.close()
        if state.status == "done":
            try:
                return dumps_str({"status": "done", "updates": [u.to_wire() for u in store.commit()],
                                  "events": [e.to_dict() for e in ctx.sent]})
            except (TypeError, ValueError) as exc:  # checked where they entered; this is the last guard
                state = ActionState("failed", error=exc, details=traceback.format_exc())
        assert state.error is not None
        return dumps_str({"status": "failed", **self._error(ctx.key, ctx.action, event, state.error,
                                                            state.details)})

    @staticmethod
    def _error(key: Any, action: str, event: Event, error: BaseException, details: str) -> dict[str, Any]:
        line = str(ActionError(key=key, action=action, event_type=event.type, cause=error, details=details))
        return {"error": _error_text(type(error).__name__, str(error)), "line": line, "details": details}

    def failure(self, key_json: str, action: str, event_type: str, error_json: str) -> str:
        """An error line for a failure the host met (a Java action's throwable, a step limit), as Python prints it.

        ``error_json`` is the Java action's ``{"class", "message", "stack"}`` or ``{"step_limit": N}``.
        """
        data = loads(error_json)
        error: BaseException
        if "step_limit" in data:
            error, details = StepLimitError(data["step_limit"], event_type), ""
        else:
            error = JavaError(data.get("class", "java.lang.Throwable"), data.get("message"),
                              context=f"Java action '{action}'")
            details = data.get("stack", "")
        line = str(ActionError(key=loads(key_json), action=action, event_type=event_type, cause=error))
        text = (_error_text(error.java_class, error.java_message) if isinstance(error, JavaError)
                else _error_text(type(error).__name__, str(error)))
        return dumps_str({"error": text, "line": line, "details": details})

    # -- durable calls ---------------------------------------------------------------------------------
    def _dispatch(self, ref: str, call: PendingCall) -> None:
        """Run a durable call on a Python worker thread; its completion is posted to the host's queue."""
        token = (ref, call.call_id)
        wakes, outcomes, lock = self._wakes, self._outcomes, self._lock
        if call.fid is not None and self._replayed_or_waits(ref, call):  # under a state
            return

        def work() -> None:
            try:
                done = False
                if call.reconcile:  # in flight when an earlier process died: its reconciler decides
                    done, value = reconcile(call)
                if not done:
                    value = call.fn(*call.args, **call.kwargs)
                result = CallResult(call.call_id, value=value)
            except BaseException as exc:  # noqa: BLE001 - handed to the action, which decides
                result = CallResult(call.call_id, error=exc)
            with lock:
                if token not in self._calls:  # expired or abandoned meanwhile: nobody waits for it
                    return
                outcomes[token] = result
            wakes.post(ref, call.call_id)

        with lock:
            self._calls[token] = (call, None)  # before the work can finish: it looks for its token
        job = self._pool.submit(work)
        with lock:
            if token in self._calls:
                self._calls[token] = (call, job)
        self._dispatched.append(call)

    def _replayed_or_waits(self, ref: str, call: PendingCall) -> bool:
        """Whether a call needs no worker, and if so, deal with it.

        A call recorded by an earlier attempt has its outcome posted at once, unrun; a wait for outside input is
        told to the host with the suspension (it parks the key).
        """
        if call.fid == WAIT_FID:
            self._wait = {"name": call.args[0], "index": call.index, "digest": call.digest}
            return True
        if call.replay is None:
            return False
        value, error = CallLog.outcome(call.replay)
        token = (ref, call.call_id)
        with self._lock:
            self._calls[token] = (call, None)
            self._outcomes[token] = CallResult(call.call_id, value=value, error=error)
        self._dispatched.append(call)
        self._wakes.post(ref, call.call_id)
        return True

    def close(self) -> None:
        """Stop the worker threads (daemons: a blocked call cannot hold the process's exit)."""
        self._pool.shutdown()
