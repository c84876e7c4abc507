"""The JPype backend: the JVM embedded in this process. Every JPype call of the project lives here.

Threading: Java actions run on the scheduler thread that calls ``invoke``/``resume``; the Java side calls
back into Python (memory reads, resources) only on that thread. The one exception is ``wake``, which the
Java runtime's single ``bridge-wake`` platform thread calls to post a ref to the scheduler's queue.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

from bridge.api._events import Event
from bridge.api._values import dumps, dumps_str, loads
from bridge.errors import JavaError, JvmError, NonDeterminismError
from bridge.jvm import _cds
from bridge.jvm import _names as names
from bridge.jvm._backend import JavaBridge, JvmOptions, check_same_options
from bridge.jvm._discovery import jdk_version, libjvm
from bridge.jvm._resources import wrap_resource
from bridge.runtime import FOREIGN_LOGS, ActionExecutor, ActionState, HostServices


def translate(exc: BaseException, context: str = "") -> BaseException:
    """The one place a Java throwable becomes a Python :class:`JavaError` (class, message, stack kept)."""
    import jpype

    if isinstance(exc, jpype.JException):
        java_class = str(exc.getClass().getName())
        message = exc.getMessage()
        return JavaError(java_class, None if message is None else str(message), str(exc.stacktrace()),
                         context=context)
    return exc


class JPypeBridge(JavaBridge):
    """Reaches Java through JPype in this process."""

    def __init__(self) -> None:
        self.options: JvmOptions | None = None
        self._classes: dict[str, Any] = {}
        self._jstring: Any = None  # jpype.JString, once the JVM runs

    # -- lifecycle -----------------------------------------------------------------------------------
    def ensure_started(self, options: JvmOptions) -> None:
        import jpype

        if check_same_options(self.options, options):
            return
        if jpype.isJVMStarted():
            raise JvmError("a JVM was started in this process outside bridge; bridge must start it to "
                           "load its runtime jars (start bridge's Runtime before other JPype users)")
        jvm = libjvm(Path(options.java_home))
        if jvm is None:
            raise JvmError(f"{options.java_home} has no libjvm; set JAVA_HOME to a JDK home")
        # -Xrs: the JVM installs no SIGTERM/SIGINT/SIGHUP handlers, so those signals reach Python's handlers
        # (or Python's default action). Without it SIGTERM ran the JVM's shutdown on its own thread while
        # Python kept going, which crashed the process in native code (hs_err file) or failed a running
        # Java action with InterruptedException.
        args = options.jvm_args if "-Xrs" in options.jvm_args else ("-Xrs", *options.jvm_args)
        # Class data sharing (bridge/jvm/_cds.py): the classes of earlier runs mapped from an archive. JPype
        # puts its own jar last on the classpath; the archive is made for that whole classpath.
        sharing = _cds.flags(options.java_home, _whole_classpath(options), list(args),
                             jdk_version(Path(options.java_home)))
        try:
            # interrupt=False: Ctrl-C reaches Python as KeyboardInterrupt instead of halting the process,
            # so a run can stop cleanly and report what it finished.
            jpype.startJVM(*args, *sharing, jvmpath=str(jvm), classpath=list(options.classpath),
                           convertStrings=False, interrupt=False)
        except Exception as exc:
            raise JvmError(f"starting the JVM at {jvm} failed: {exc}") from exc
        self.options = options
        self._jstring = jpype.JString
        if sharing:
            _cds.refused(sharing, str(jpype.JClass("java.lang.System").getProperty("java.vm.info")))

    def jclass(self, name: str) -> Any:
        """A Java class by name, cached; unknown names raise :class:`JavaError` naming the classpath."""
        cls = self._classes.get(name)
        if cls is None:
            import jpype

            try:
                cls = self._classes[name] = jpype.JClass(name)
            except Exception as exc:
                cp = ", ".join(self.options.classpath) if self.options else "(JVM not started)"
                raise JavaError("java.lang.ClassNotFoundException", name, "",
                                context=f"class not found on the classpath [{cp}]") from exc
        return cls

    translate = staticmethod(translate)

    def call(self, fn: Any, *args: Any, context: str = "") -> Any:
        """Call a Java method, translating a Java throwable."""
        try:
            return fn(*args)
        except Exception as exc:
            raise translate(exc, context) from None

    # -- actions -------------------------------------------------------------------------------------
    def java_action(self, name: str, function: Any, action_config: dict[str, Any] | None,
                    plan_config: dict[str, Any], services: HostServices) -> JavaActionKind:
        import jpype

        java_action = self.jclass(names.JAVA_ACTION)
        types = jpype.JArray(jpype.JString)(list(function.parameter_types))
        handle = self.call(java_action.resolve, name, function.qualname, function.method_name, types,
                           dumps_str(action_config or {}), dumps_str(plan_config or {}),
                           context=f"action '{name}'")
        host, java_host = self.host_access(services)
        return JavaActionKind(name, handle, host, java_host)

    def host_access(self, services: HostServices) -> tuple[Any, Any]:
        """The ``HostAccess`` proxy of one host, and the same already cast to the Java interface.

        One per runtime, reused by every action: passing the cast object saves JPype a proxy lookup per call.
        """
        pair = services.extras.get("jpype.host_access")
        if pair is None:
            import jpype

            proxy = _make_host_access(self, services)
            java = jpype.JObject(proxy, self.jclass(names.HOST_ACCESS))
            pair = services.extras["jpype.host_access"] = (proxy, java)
        return pair

    # -- resources -----------------------------------------------------------------------------------
    def create_resource(self, provider: Any, services: HostServices) -> Any:
        where = f"resource_providers.{provider.type}.{provider.name}"
        d = provider.descriptor
        resources = self.jclass(names.JAVA_RESOURCES)
        # The host access lets a resource look up the plan's other resources (a chat model setup its connection).
        java_obj = self.call(resources.create, d.target_clazz, dumps_str(d.arguments), self.host_access(services)[1],
                             context=where)
        return wrap_resource(self, provider, java_obj, where)

    def prepare_resources(self, providers: list[Any]) -> None:
        for provider in providers:
            # JPype initializes the class it loads. A missing class or a failing initializer is reported by
            # create_resource, with the classpath, when the plan uses the resource.
            with contextlib.suppress(Exception):
                self.jclass(provider.descriptor.target_clazz)

    def to_python(self, value: Any) -> Any:
        """A Java return value as a portable Python value."""
        if value is None or type(value) in (str, int, float, bool):
            return value
        if isinstance(value, self._jstring):
            return str(value)
        if isinstance(value, bool):  # Java primitives and boxes subclass Python's numbers
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        portable = self.jclass(names.PORTABLE_VALUES)
        return loads(str(self.call(portable.toJson, value, context="converting a Java value")))

    def to_java(self, value: Any) -> Any:
        """A portable Python value as Java objects (maps, lists, boxed scalars, byte[])."""
        portable = self.jclass(names.PORTABLE_VALUES)
        return self.call(portable.fromJson, dumps_str(value), context="converting a Python value")

    # -- diagnostics ---------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        import jpype

        system = self.jclass("java.lang.System")
        portable = self.jclass(names.PORTABLE_VALUES)
        sample = {"ping": [1, 2.5, "x", None, True], "blob": b"\x00\xff"}
        echoed = loads(str(portable.toJson(portable.fromJson(dumps_str(sample)))))
        return {
            "python": sys.version.split()[0],
            "jpype": jpype.__version__,
            "java_home": self.options.java_home if self.options else None,
            "jvm_path": jpype.getDefaultJVMPath() if self.options is None else str(
                libjvm(Path(self.options.java_home))),
            "java_version": str(system.getProperty("java.version")),
            "java_vendor": str(system.getProperty("java.vendor")),
            "classpath": list(self.options.classpath) if self.options else [],
            "round_trip_ok": echoed == sample,
            "class_data_sharing": _cds.status(self.options.java_home, _whole_classpath(self.options))
            if self.options else "JVM not started by bridge",
        }


def _whole_classpath(options: JvmOptions) -> list[str]:
    """The classpath the JVM gets: bridge's, then JPype's own jar, which JPype puts last (a folder when unknown)."""
    import jpype

    where = getattr(jpype, "__file__", None)
    support = Path(where).resolve().parent.parent / "org.jpype.jar" if where else Path.cwd()
    return [*options.classpath, str(support)]


_KNOWN_PATHS = 64  # per memory and action: committed reads sent with each invoke at most


class JavaActionKind:
    """A Java action as the executor sees it: started and resumed by ref.

    Its memory updates and events are handed to the scheduler in the returned state, which applies them
    (all or nothing) when it settles the action.

    Events go in and results come back as UTF-8 JSON bytes (``byte[]``), which JPype copies without the
    per-character conversion a ``str`` ↔ ``java.lang.String`` crossing costs.

    Java checks its memory writes against committed memory (the shared memory rules), which would cost a
    call back into Python per object written under. Such a call costs tens of microseconds here, so the
    kind remembers the paths an action asked for (``"asked"`` in its result) and sends their committed reads
    with the next invoke: an action that touches the same paths each time makes no call back at all.
    """

    __slots__ = ("name", "host", "handle", "_java_host", "_invoke", "_resume", "_abandon", "context", "_known")

    def __init__(self, name: str, handle: Any, host: Any, java_host: Any) -> None:
        self.name = name
        self.host = host
        self._java_host = java_host
        self._invoke = handle.invokeUtf8
        self._resume = handle.resumeUtf8
        self._abandon = handle.abandon
        self.handle = handle  # the dev.bridge.runtime.JavaAction
        self.context = f"Java action '{name}'"
        self._known: dict[str, list[str]] = {}  # memory -> paths to send committed reads of

    def start(self, executor: ActionExecutor, event: Event, ctx: Any) -> ActionState:
        self.host.ctx = ctx
        try:
            known = None
            if self._known:
                read = ctx.store.read_wire
                known = dumps({memory: {path: read(memory, path) for path in paths}
                               for memory, paths in self._known.items()})
            log = getattr(ctx, "log", None)
            if log is not None:  # under a state store: replay the recorded calls, report new ones
                FOREIGN_LOGS[log.token] = log
                records = dumps({"strict": log.strict, "calls": log.foreign_records(), "token": log.token})
                out = self._invoke(dumps(event.to_dict()), self._java_host, known, records)
            elif known is not None:
                out = self._invoke(dumps(event.to_dict()), self._java_host, known)
            else:
                out = self._invoke(dumps(event.to_dict()), self._java_host)
        except Exception as exc:  # a JPype-level failure (the Java side catches its own throwables)
            return ActionState("failed", error=translate(exc, self.context))
        return self._outcome(executor, out, ctx)

    def _remember(self, asked: dict[str, list[str]]) -> None:
        for memory, paths in asked.items():
            known = self._known.setdefault(memory, [])
            if len(known) + len(paths) > _KNOWN_PATHS:  # paths that change per event (orders.<id>): start over
                known.clear()
            known.extend(p for p in paths[:_KNOWN_PATHS] if p not in known)

    def resume(self, executor: ActionExecutor, ref: str, payload: Any) -> ActionState:
        ctx = executor.suspended_entry(ref)
        executor.forget(ref)
        self.host.ctx = ctx
        try:
            out = self._resume(ref, self._java_host)
        except Exception as exc:
            return ActionState("failed", error=translate(exc, self.context))
        return self._outcome(executor, out, ctx)

    def abandon(self, ref: str) -> None:
        """The run under ``ref`` will not be resumed (its run raised or was stopped): Java drops it."""
        self._abandon(ref)

    def _outcome(self, executor: ActionExecutor, out: Any, ctx: Any) -> ActionState:
        try:
            result = loads(bytes(out))
        except ValueError as exc:  # e.g. a lone surrogate Jackson wrote as invalid UTF-8
            return ActionState("failed", error=JavaError("dev.bridge.api.BridgeException", f"the action's result "
                                                         f"is not valid JSON: {exc}", context=self.context))
        status = result["status"]
        if status == "done":
            asked = result.get("asked")
            if asked:
                self._remember(asked)
            return ActionState("done", updates=result.get("updates") or None, events=result.get("events") or None)
        if status == "waiting":  # for outside input: the scheduler parks the key; a resume re-runs the action
            return ActionState("suspended", executor.new_ref("jw"), wait={"name": result["name"],
                                                                         "index": result["index"]})
        if status == "suspended":
            ref = result["ref"]
            executor.hold(ref, self, ctx)
            return ActionState("suspended", ref)
        data = result.get("error") or {}
        error = JavaError.from_dict(data, context=self.context)
        if data.get("class") == NON_DETERMINISM:  # strict mode, as a Python action's replay would fail
            return ActionState("failed", error=NonDeterminismError(
                f"key {ctx.key!r}, action '{self.name}': {data.get('message')}"), details=error.stack)
        return ActionState("failed", error=error, details=error.stack)


NON_DETERMINISM = "dev.bridge.api.NonDeterminismException"


def _make_host_access(bridge: JPypeBridge, services: HostServices) -> Any:
    import jpype

    @jpype.JImplements(names.HOST_ACCESS)
    class HostAccess:
        """Java's view of the host; ``ctx`` is the context of the action running on the scheduler."""

        def __init__(self) -> None:
            self.ctx: Any = None

        @jpype.JOverride
        def readMemory(self, memory: Any, path: Any) -> Any:  # noqa: N802 - Java name
            wire = self.ctx.store.read_wire(str(memory), str(path))
            return None if wire is None else dumps_str(wire)

        @jpype.JOverride
        def getResource(self, name: Any, type: Any) -> Any:  # noqa: N802 - Java name
            resource = services.resources.get(str(name), str(type))
            java = getattr(resource, "java", None)
            if java is not None:
                return java
            return _python_resource_proxy(bridge, resource, str(type))

        @jpype.JOverride
        def wake(self, ref: Any) -> None:
            services.wake(str(ref))

        @jpype.JOverride
        def recordCall(self, record: Any) -> None:  # noqa: N802 - Java name
            data = loads(str(record))  # may come from a background call's thread: the token names its log
            log = FOREIGN_LOGS.get(data.get("token", ""))
            if log is not None:
                log.record_foreign(data)

    return HostAccess()


def _python_resource_proxy(bridge: JPypeBridge, resource: Any, rtype: str) -> Any:
    """A ``dev.bridge.api.PythonResource`` proxy calling ``resource``'s methods with JSON arguments."""
    import jpype

    resource_type = bridge.jclass(names.RESOURCE_TYPE).fromValue(rtype)

    @jpype.JImplements(names.PYTHON_RESOURCE)
    class PythonResourceProxy:
        @jpype.JOverride
        def getResourceType(self) -> Any:  # noqa: N802 - Java name
            return resource_type

        @jpype.JOverride
        def invoke(self, method: Any, args_json: Any) -> Any:
            name = str(method)
            if name.startswith("_") or not callable(getattr(resource, name, None)):
                raise AttributeError(f"Python resource {type(resource).__name__} has no method '{name}'")
            kwargs = loads(str(args_json)) if args_json is not None else {}
            return dumps_str(getattr(resource, name)(**kwargs))

    return PythonResourceProxy()
