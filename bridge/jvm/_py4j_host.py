"""The py4j backend's crossings: a Java action's kind, and the host objects Java calls back through py4j.

The action kind is JPype's :class:`~bridge.jvm._jpype.JavaActionKind` (one implementation of how a Java action
runs: known reads, replay records, results as UTF-8 JSON bytes, which py4j carries as ``byte[]``); only how
its calls fail differs, so the kind here turns py4j's failures into bridge's errors and remembers the Java
runs a durable call holds, which a dying child must fail instead of leaving them waiting.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable
from typing import Any

from bridge.api._events import Event
from bridge.api._values import dumps_str, loads
from bridge.errors import BridgeError, JvmError
from bridge.jvm import _names as names
from bridge.jvm._jpype import JavaActionKind
from bridge.runtime import FOREIGN_LOGS, ActionExecutor, ActionState, HostServices


class Py4JActionKind(JavaActionKind):
    """A Java action in the child JVM, as the executor sees it."""

    __slots__ = ("_bridge", "_wake")

    def __init__(self, bridge: Any, name: str, handle: Any, host: Any, java_host: Any,
                 services: HostServices) -> None:
        super().__init__(name, handle, host, java_host)
        self._bridge = bridge
        self._wake = services.wake
        self._invoke = self._guarded(handle.invokeUtf8)
        self._resume = self._guarded(handle.resumeUtf8)
        self._abandon = self._guarded(handle.abandon)

    def _guarded(self, method: Any) -> Callable[..., Any]:
        """``method`` with py4j's failures raised as :class:`JavaError` / :class:`JvmError` naming the action."""
        translate, context, pid = self._bridge.translate, self.context, os.getpid()

        def call(*args: Any) -> Any:
            if os.getpid() != pid:  # its connection is the parent's: a call would interleave with the parent's
                raise JvmError(f"{context}: this runtime was made in process {pid}, whose py4j JVM a forked "
                               "process cannot use; make the Runtime after the fork (it starts a JVM of its own)")
            try:
                return method(*args)
            except Exception as exc:
                raise translate(exc, context) from None

        return call

    def start(self, executor: ActionExecutor, event: Event, ctx: Any) -> ActionState:
        try:
            return self._track(super().start(executor, event, ctx))
        finally:
            self.host.ctx = None  # see Py4JHostAccess: py4j's registry holds the host, not the runtime

    def resume(self, executor: ActionExecutor, ref: str, payload: Any) -> ActionState:
        self._bridge.release(ref)
        try:
            return self._track(super().resume(executor, ref, payload))
        finally:
            self.host.ctx = None

    def abandon(self, ref: str) -> None:
        self._bridge.release(ref)
        with contextlib.suppress(BridgeError):  # a dead child has dropped it already
            super().abandon(ref)

    def _track(self, state: ActionState) -> ActionState:
        if state.status == "suspended" and state.ref and state.wait is None:  # a durable call runs in Java
            self._bridge.hold(state.ref, self._wake)
        return state


class Py4JHostAccess:
    """Java's ``HostAccess`` (py4j calls it back); ``ctx`` is the context of the action running on the scheduler.

    Pinned threads make a callback made while Java serves the scheduler's call run on the scheduler thread,
    which owns memory; ``wake`` and ``recordCall`` come from Java threads of their own, and are thread-safe.

    py4j's callback server keeps this object until the child's garbage collector drops Java's proxy of it,
    and Java holds the proxy as long as the runtime holds Java's objects: a strong path from here back to the
    runtime (its services, a context) would keep every closed runtime alive. So the services are held weakly
    and ``ctx`` only while an action's call runs.
    """

    class Java:
        implements = [names.HOST_ACCESS]

    def __init__(self, bridge: Any, services: HostServices) -> None:
        self.ctx: Any = None
        self._bridge = bridge
        self._services = weakref.ref(services)
        self._proxies: dict[tuple[str, str], Py4JPythonResource] = {}

    def readMemory(self, memory: str, path: str) -> str | None:  # noqa: N802 - Java name
        wire = self.ctx.store.read_wire(memory, path)
        return None if wire is None else dumps_str(wire)

    def getResource(self, name: str, type: str) -> Any:  # noqa: N802, A002 - Java names
        resource = self._live_services().resources.get(name, type)
        java = getattr(resource, "java", None)
        if java is not None:  # a Java resource: the object itself, by reference
            return java
        proxy = self._proxies.get((name, type))
        if proxy is None or proxy.resource is not resource:
            java_type = self._bridge.jclass(names.RESOURCE_TYPE).fromValue(type)
            proxy = self._proxies[(name, type)] = Py4JPythonResource(resource, java_type)
        return proxy

    def wake(self, ref: str) -> None:
        self._bridge.release(ref)
        services = self._services()
        if services is not None:  # else its runtime is gone, and with it the run to wake
            services.wake(ref)

    def _live_services(self) -> HostServices:
        services = self._services()
        if services is None:
            raise BridgeError("the runtime of this Java call has been closed and collected")
        return services

    def recordCall(self, record: str) -> None:  # noqa: N802 - Java name
        data = loads(record)  # may come from a background call's thread: the token names its log
        log = FOREIGN_LOGS.get(data.get("token", ""))
        if log is not None:
            log.record_foreign(data)


class Py4JPythonResource:
    """A plan's Python resource as Java's ``dev.bridge.api.PythonResource``: methods called with JSON arguments."""

    class Java:
        implements = [names.PYTHON_RESOURCE]

    def __init__(self, resource: Any, java_type: Any) -> None:
        self.resource = resource
        self._type = java_type

    def getResourceType(self) -> Any:  # noqa: N802 - Java name
        return self._type

    def invoke(self, method: str, args_json: str | None) -> str:
        target = getattr(self.resource, method, None) if not method.startswith("_") else None
        if not callable(target):
            raise AttributeError(f"Python resource {type(self.resource).__name__} has no method '{method}'")
        return dumps_str(target(**(loads(args_json) if args_json is not None else {})))


def make_host_access(bridge: Any, services: HostServices) -> Py4JHostAccess:
    """The host object of one runtime, for every Java action and resource it builds."""
    return Py4JHostAccess(bridge, services)
