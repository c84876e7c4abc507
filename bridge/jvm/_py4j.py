"""The py4j backend: the JVM in a child process, reached over loopback (py4j calls live here and in ``_py4j_host``).

For hosts that cannot load a JVM into their own process (one already embedded by something else, a policy).
The child runs ``dev.bridge.runtime.py4j.Py4JGateway``, a py4j ``ClientServer``: both sides listen on
127.0.0.1 only, both ask for the same random auth token, and threads are pinned, so Java's calls back into
the host while it serves a call (memory reads, the plan's Python resources) run on the Python thread that
made the call, as under JPype. Java threads of their own (a durable call's wake-up) reach the Python server.

What the JVM itself writes to standard output (``-Xlog``, ``-verbose``) a thread of this process copies to
standard error: a pipe nobody read would fill and stop the JVM.

The child halts when its standard input ends, which happens when this process closes it, exits, or dies
(``kill -9`` included: the kernel closes the pipe), so a child JVM never outlives its host. A child that dies
mid-run fails the actions in flight with a :class:`JvmError` naming its pid and exit status (durable calls
it was running are woken to fail too); what other keys finished is kept.

Works with py4j 0.10.9.7 (PyFlink's pin) and later: only the ClientServer API that release has is used.
"""

from __future__ import annotations

import array
import atexit
import contextlib
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bridge.api._values import dumps_str, loads
from bridge.errors import BridgeError, JavaError, JvmError
from bridge.jvm import _names as names
from bridge.jvm._backend import JavaBridge, JvmOptions, check_same_options
from bridge.jvm._py4j_host import Py4JActionKind, make_host_access
from bridge.jvm._resources import JavaTool, wrap_resource
from bridge.jvm._schema import ArgumentChecker
from bridge.runtime import HostServices

PORT_LINE = "BRIDGE_PY4J_PORT "  # the gateway's first line of output (Py4JGateway.PORT_LINE)
START_TIMEOUT = 120.0  # seconds for the child to print its port (a cold JVM on a busy machine)


class Py4JClass:
    """A Java class seen through py4j: its static members by attribute, ``isinstance`` through Java.

    Stands where JPype's class objects stand for the shared resource wrappers (``bridge/jvm/_resources.py``).
    """

    def __init__(self, bridge: Py4JBridge, name: str) -> None:
        self._bridge = bridge
        self.name = name
        self._members: dict[str, Any] = {}
        from py4j.java_gateway import JavaClass

        self._java = JavaClass(name, bridge.gateway._gateway_client)

    def __getattr__(self, member: str) -> Any:
        if member.startswith("_"):
            raise AttributeError(member)
        found = self._members.get(member)
        if found is None:  # py4j asks Java what the name is once per lookup: keep it
            found = self._members[member] = getattr(self._java, member)
        return found

    def __instancecheck__(self, value: Any) -> bool:
        return bool(self._bridge.entry.isInstance(self.name, value))


class Py4JBridge(JavaBridge):
    """Reaches Java in a child JVM through py4j."""

    def __init__(self) -> None:
        self.options: JvmOptions | None = None
        self.gateway: Any = None  # py4j.clientserver.ClientServer
        self.entry: Any = None  # the child's Py4JGateway instance
        self.process: subprocess.Popen[bytes] | None = None
        self._classes: dict[str, Py4JClass] = {}
        self._closing = False
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._pending: dict[str, Any] = {}  # ref of a suspended Java run -> its host's wake, for a dying child
        self._forward: threading.Thread | None = None  # copies the JVM's standard output to ours (stderr)
        self._inherited: list[Any] = []  # in a forked process: the parent's JVM objects, kept from collection
        atexit.register(self.close)
        os.register_at_fork(after_in_child=self._after_fork)

    @property
    def pid(self) -> int | None:
        """The child JVM's process id (None before it starts)."""
        return None if self.process is None else self.process.pid

    # -- lifecycle -----------------------------------------------------------------------------------
    def ensure_started(self, options: JvmOptions) -> None:
        with self._start_lock:  # runtimes built on two threads at once: one child, not one each
            if check_same_options(self.options, options):
                self.check_alive()
                return
            self._start(options)

    def _start(self, options: JvmOptions) -> None:
        from py4j.clientserver import ClientServer, JavaParameters, PythonParameters

        java = Path(options.java_home) / "bin" / "java"
        if not java.is_file():
            raise JvmError(f"{options.java_home} has no bin/java; set JAVA_HOME to a JDK home")
        token = secrets.token_urlsafe(32)
        java_params = JavaParameters(address="127.0.0.1", port=0, auth_token=token, auto_convert=False,
                                     eager_load=False, daemonize_memory_management=True)
        python_params = PythonParameters(address="127.0.0.1", port=0, auth_token=token, daemonize=True,
                                         daemonize_connections=True, eager_load=True)
        gateway = ClientServer(java_parameters=java_params, python_parameters=python_params)
        _hide_from_logs(token)
        python_port = gateway.get_callback_server().get_listening_port()
        command = [str(java), *options.jvm_args, "-cp", os.pathsep.join(options.classpath), names.PY4J_GATEWAY,
                   str(python_port)]
        process: subprocess.Popen[bytes] | None = None
        try:
            # Its own session: a Ctrl-C for the host does not kill the JVM under a running action; the host
            # stops it by closing its standard input.
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       start_new_session=True)
            assert process.stdin is not None and process.stdout is not None
            with contextlib.suppress(BrokenPipeError):  # a child that ended at once: _read_port says how
                process.stdin.write(token.encode() + b"\n")
                process.stdin.flush()
            port, early = _read_port(process)
        except BaseException as exc:  # a failed start (or a Ctrl-C during it) leaves no child and no server
            with contextlib.suppress(Exception):
                gateway.shutdown()  # the callback server and py4j's finalizer thread
            if process is not None:
                _stop(process)
            if isinstance(exc, OSError) and process is None:
                raise JvmError(f"starting the py4j JVM ({java}) failed: {exc}; set JAVA_HOME to a JDK home") from exc
            raise
        java_params.port = port  # each new connection reads it; none was made before
        gateway._gateway_client.port = port
        self.gateway, self.process, self.options = gateway, process, options
        self.entry = gateway.entry_point
        # What the JVM itself writes to standard output (-Xlog, -verbose:gc, FileDescriptor.out) goes on to
        # standard error: a pipe nobody reads would fill and stop the JVM at its next write.
        self._forward = threading.Thread(target=_forward_output, args=(process.stdout, early),
                                         name="bridge-py4j-stdout", daemon=True)
        self._forward.start()
        threading.Thread(target=self._watch, args=(process,), name="bridge-py4j-watch", daemon=True).start()

    def _after_fork(self) -> None:
        """In a forked process: the JVM, its py4j servers and connections stay the parent's; start afresh.

        Its copy of the JVM's stdin is closed, else it would keep the JVM alive after the parent dies; the
        parent's objects are kept, not collected or closed (shutting a shared socket down would cut the
        parent's connection, and a normal exit's close() did); the next start here starts its own JVM.
        """
        process = self.process
        if not self._closing and process is not None and process.stdin is not None and not process.stdin.closed:
            _close_quietly(process.stdin.fileno())
        self._inherited.append((self.gateway, self.entry, process, self._forward, self._classes))
        self.options = self.gateway = self.entry = self.process = self._forward = None
        self._classes, self._pending, self._closing = {}, {}, False
        self._lock, self._start_lock = threading.Lock(), threading.Lock()  # a parent's thread may have held one

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        """When the child dies unasked, wake the Java runs it was holding so that they fail, not hang."""
        process.wait()
        if not self._closing:
            self._wake_pending()

    def _wake_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for ref, wake in pending.items():
            with contextlib.suppress(Exception):  # a runtime that has finished no longer takes wake-ups
                wake(ref)

    def hold(self, ref: str, wake: Any) -> None:
        """A Java run suspended under ``ref``: if the child dies, ``wake(ref)`` so that its resume fails."""
        with self._lock:
            self._pending[ref] = wake
        if self.process is not None and self.process.poll() is not None:  # it died before the run was held
            self._wake_pending()

    def release(self, ref: str) -> None:
        """The run under ``ref`` was resumed or abandoned."""
        with self._lock:
            self._pending.pop(ref, None)

    def check_alive(self) -> None:
        """Raise :class:`JvmError` when the child JVM has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise JvmError(self.death_note())

    def death_note(self) -> str:
        """What became of the child JVM, for errors."""
        code = None if self.process is None else self.process.poll()
        if code is None:
            return f"the py4j JVM (pid {self.pid}) cannot be reached"
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        return (f"the py4j JVM (pid {self.pid}) {how}; Java actions and resources cannot run in this process any "
                "more (start a new process to run Java again)")

    def close(self) -> None:
        """Stop the child JVM (closing its standard input halts it) and the py4j servers. Idempotent."""
        self._closing = True
        process = self.process
        if process is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()  # type: ignore[union-attr]
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if self._forward is not None:  # it closes standard output at its end, when the JVM's last writer ends
                self._forward.join(timeout=5)
        if self.gateway is not None:
            with contextlib.suppress(Exception):
                self.gateway.shutdown()  # the callback server, the connections and py4j's finalizer thread

    # -- calling Java --------------------------------------------------------------------------------
    def jclass(self, name: str) -> Py4JClass:
        """A Java class by name, cached; unknown names raise :class:`JavaError` naming the classpath."""
        cls = self._classes.get(name)
        if cls is None:
            try:
                self.entry.loadClass(name)
            except Exception as exc:
                if not _is_java_error(exc):
                    raise self.translate(exc) from None
                cp = ", ".join(self.options.classpath) if self.options else "(JVM not started)"
                raise JavaError("java.lang.ClassNotFoundException", name, "",
                                context=f"class not found on the classpath [{cp}]") from None
            cls = self._classes[name] = Py4JClass(self, name)
        return cls

    def translate(self, exc: BaseException, context: str = "") -> BaseException:
        """The one place a py4j failure becomes a :class:`JavaError` (a Java throwable) or :class:`JvmError`."""
        if isinstance(exc, BridgeError):
            return exc
        if _is_java_error(exc):
            java = exc.java_exception  # type: ignore[attr-defined]
            try:
                java_class = str(java.getClass().getName())
                message = java.getMessage()
                stack = str(self.entry_stack(java))
            except Exception:  # the child died while we asked
                return JvmError(f"{context}: {self.death_note()}" if context else self.death_note())
            return JavaError(java_class, None if message is None else str(message), stack, context=context)
        from py4j.protocol import Py4JError

        if isinstance(exc, Py4JError | OSError):  # the connection, not Java code: py4j's errors, a refused connect
            note = self.death_note() if self._dead() else f"the py4j JVM (pid {self.pid}) failed a call: {exc}"
            return JvmError(f"{context}: {note}" if context else note)
        return exc

    def _dead(self) -> bool:
        """Whether the child has exited; a connection that just broke gives it a moment to be reaped."""
        if self.process is None:
            return False
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)
        return self.process.poll() is not None

    def entry_stack(self, throwable: Any) -> str:
        """A Java throwable's stack text (causes included), as JPype's ``stacktrace()`` gives it."""
        writer = self.gateway.jvm.java.io.StringWriter()
        throwable.printStackTrace(self.gateway.jvm.java.io.PrintWriter(writer))
        return str(writer.toString())

    def call(self, fn: Any, *args: Any, context: str = "") -> Any:
        """Call a Java method, translating failures; a ``float[]`` result comes back as an ``array('f')``."""
        try:
            result = fn(*args)
            if _is_array(result):
                packed = self.entry.floatsLittleEndian(result)
                if packed is not None:
                    floats = array.array("f", packed)
                    if sys.byteorder != "little":
                        floats.byteswap()
                    return floats
            return result
        except Exception as exc:
            raise self.translate(exc, context) from None

    # -- actions -------------------------------------------------------------------------------------
    def java_action(self, name: str, function: Any, action_config: dict[str, Any] | None,
                    plan_config: dict[str, Any], services: HostServices) -> Py4JActionKind:
        self.check_alive()
        types = self.call(self.entry.strings, self._list(function.parameter_types), context=f"action '{name}'")
        handle = self.call(self.jclass(names.JAVA_ACTION).resolve, name, function.qualname, function.method_name,
                           types, dumps_str(action_config or {}), dumps_str(plan_config or {}),
                           context=f"action '{name}'")
        host, java_host = self.host_access(services)
        return Py4JActionKind(self, name, handle, host, java_host, services)

    def _list(self, values: Any) -> Any:
        java_list = self.gateway.jvm.java.util.ArrayList()
        for value in values:
            java_list.add(value)
        return java_list

    def host_access(self, services: HostServices) -> tuple[Any, Any]:
        """The host's ``HostAccess`` (a Python object) and the Java object that holds it, one per runtime.

        Java gets the held object with every invoke: a py4j reference costs nothing, where passing the
        Python object would make Java build a new proxy each time.
        """
        pair = services.extras.get("py4j.host_access")
        if pair is None:
            host = make_host_access(self, services)
            pair = services.extras["py4j.host_access"] = (host, self.call(self.entry.hold, host))
        return pair

    # -- resources -----------------------------------------------------------------------------------
    def create_resource(self, provider: Any, services: HostServices) -> Any:
        self.check_alive()
        where = f"resource_providers.{provider.type}.{provider.name}"
        d = provider.descriptor
        resources = self.jclass(names.JAVA_RESOURCES)
        java_obj = self.call(resources.create, d.target_clazz, dumps_str(d.arguments), self.host_access(services)[1],
                             context=where)
        resource = wrap_resource(self, provider, java_obj, where)
        if isinstance(resource, JavaTool) and resource._method is not None:
            resource._method = _numbers_as_doubles(resource._method, resource._checker)
        return resource

    def prepare_resources(self, providers: list[Any]) -> None:
        for provider in providers:
            with contextlib.suppress(Exception):  # create_resource reports a missing class, with the classpath
                self.jclass(provider.descriptor.target_clazz)

    def to_python(self, value: Any) -> Any:
        """A Java return value as a portable Python value (py4j already gives strings and numbers)."""
        if value is None or type(value) in (str, int, float, bool):
            return value
        return loads(str(self._portable("toJson", value)))

    def to_java(self, value: Any) -> Any:
        """A portable Python value as Java objects (maps, lists, boxed scalars, byte[]), held by reference."""
        return self._portable("fromJson", dumps_str(value))

    def _portable(self, method: str, value: Any) -> Any:
        converter = getattr(self.jclass(names.PORTABLE_VALUES), method)
        return self.call(converter, value, context=f"converting a value ({names.PORTABLE_VALUES}.{method})")

    # -- diagnostics ---------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        import py4j.version

        system = self.gateway.jvm.java.lang.System
        portable = self.jclass(names.PORTABLE_VALUES)
        sample = {"ping": [1, 2.5, "x", None, True], "blob": b"\x00\xff"}
        echoed = loads(str(portable.toJson(portable.fromJson(dumps_str(sample)))))
        return {
            "python": sys.version.split()[0],
            "py4j": py4j.version.__version__,
            "java_home": self.options.java_home if self.options else None,
            "jvm_pid": int(self.entry.pid()),  # asked of the JVM: the process the host talks to is its child
            "java_version": str(system.getProperty("java.version")),
            "java_vendor": str(system.getProperty("java.vendor")),
            "classpath": list(self.options.classpath) if self.options else [],
            "round_trip_ok": echoed == sample,
        }


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _is_java_error(exc: BaseException) -> bool:
    from py4j.protocol import Py4JJavaError

    return isinstance(exc, Py4JJavaError)


def _numbers_as_doubles(method: Any, checker: ArgumentChecker) -> Any:
    """A tool method taking an int where its schema says ``number``, as a ``double``.

    JPype widens a Python int to a Java ``double`` parameter; py4j finds no method for an ``Integer`` there.
    """
    numbers = [i for i, name in enumerate(checker.order)
               if (checker.properties.get(name) or {}).get("type") == "number"]
    if not numbers:
        return method

    def call(*args: Any) -> Any:
        values = list(args)
        for i in numbers:
            if type(values[i]) is int:
                values[i] = float(values[i])
        return method(*values)

    return call


def _is_array(value: Any) -> bool:
    from py4j.java_collections import JavaArray

    return isinstance(value, JavaArray)


def _read_port(process: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    """The Java server's port from the child's port line, and what it wrote after it.

    Lines the JVM writes before it (``-Xlog``, ``-verbose:class``, ``-XX:+PrintFlagsFinal`` print to standard
    output) go to standard error. A child that ends or stays silent is a JvmError; the caller stops it.
    """
    import selectors

    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + START_TIMEOUT
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            *lines, pending = pending.split(b"\n")
            for i, line in enumerate(lines):
                text = line.decode("utf-8", "replace").strip()
                if text.startswith(PORT_LINE) and text[len(PORT_LINE):].isdigit():
                    return int(text[len(PORT_LINE):]), b"\n".join([*lines[i + 1:], pending])
                _to_stderr(line + b"\n")
            left = deadline - time.monotonic()
            chunk = os.read(fd, 65536) if left > 0 and selector.select(left) else None
            if not chunk:
                break
            pending += chunk
    _to_stderr(pending)
    if chunk is None:
        status = f"did not start within {START_TIMEOUT:.0f} s"
    else:
        try:
            status = f"exited with status {process.wait(timeout=10)}"
        except subprocess.TimeoutExpired:
            status = "closed its standard output without printing its port"
    raise JvmError(f"the py4j JVM {status} (its errors are above, on standard error); check JAVA_HOME, the JVM "
                   f"options (BRIDGE_JVM_OPTIONS, the plan's bridge.jvm.options) and that `make jars` built "
                   f"{names.PY4J_GATEWAY}")


def _forward_output(stdout: Any, early: bytes) -> None:
    """Copy the child's standard output to standard error until it ends, then close the pipe."""
    _to_stderr(early)
    fd = stdout.fileno()
    try:
        while chunk := os.read(fd, 65536):
            _to_stderr(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            stdout.close()


def _to_stderr(data: bytes) -> None:
    """Write to file descriptor 2, ignoring a closed one (the JVM's output must be read either way)."""
    with contextlib.suppress(OSError):
        while data:
            data = data[os.write(2, data):]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a child that failed to start and close its pipes."""
    with contextlib.suppress(OSError):
        process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout):
        with contextlib.suppress(OSError):
            pipe.close()  # type: ignore[union-attr]


class _HideToken(logging.Filter):
    """py4j logs each command it sends at DEBUG, the auth command with the token in it: write a mark instead."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<auth token>"), ()
        return True


def _hide_from_logs(token: str) -> None:
    for name in ("py4j.clientserver", "py4j.java_gateway"):
        logging.getLogger(name).addFilter(_HideToken(token))
