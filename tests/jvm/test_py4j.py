"""The py4j mode: the same plans, with the JVM in a child process reached through py4j (``Runtime(jvm="py4j")``)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, java_fn, java_plan, py_fn

from bridge import Event, JavaError, OutputEvent, PlanError, Runtime
from bridge.api import Tool, ToolMetadata
from bridge.jvm import JvmOptions, default_bridge
from bridge.jvm._py4j_host import Py4JHostAccess
from bridge.testing import run_plan

pytestmark = pytest.mark.usefixtures("java_built")
HERE = "test_py4j"
CROSSING = "dev.bridge.examples.CrossingActions"
ORDERS = "dev.bridge.examples.OrderActions"
DURABLE = "dev.bridge.examples.DurableActions"
DEMO = ROOT / "examples" / "demo"


def py4j_bridge():
    """The process's py4j bridge (the one ``Runtime(jvm="py4j")`` uses), started."""
    return default_bridge({"bridge.jvm.mode": "py4j"})


def _demo_inputs() -> list[tuple[object, object]]:
    lines = (DEMO / "orders.jsonl").read_text(encoding="utf-8").splitlines()
    return [(row["key"], row["input"]) for row in map(json.loads, lines)]


def _run(plan, inputs, jvm: str):
    """Outputs, final short-term memory and errors per key (the pytest plugin's result) under one JVM mode."""
    result = run_plan(plan, inputs, host="python" if jvm == "jpype" else "py4j")
    return result.outputs, result.memory, result.errors


def route(event, ctx):
    if event.input == "fail":
        ctx.send_event(Event(type="must_fail"))
    else:
        ctx.send_event(OutputEvent(output=event.input))


def test_the_demo_plan_gives_the_same_outputs_and_memory_under_jpype_and_py4j() -> None:
    plan = str(DEMO / "plan.yaml")
    jpype_run = _run(plan, _demo_inputs(), "jpype")
    py4j_run = _run(plan, _demo_inputs(), "py4j")
    assert py4j_run == jpype_run
    outputs, _, errors = py4j_run
    assert sum(map(len, outputs.values())) == len(_demo_inputs()) and not errors
    assert {o["decision"] for out in outputs.values() for o in out} >= {"approve", "hold", "reject"}


def test_a_java_exception_fails_its_key_the_same_way_under_both_and_other_keys_go_on() -> None:
    plan = java_plan({"route": (py_fn(HERE, "route"), ["_input_event"]),
                      "fail": (java_fn(ORDERS, "fail"), ["must_fail"])})
    inputs = [("bad", "fail"), ("good", "fine")]
    assert _run(plan, inputs, "py4j") == _run(plan, inputs, "jpype")
    with Runtime(plan, jvm="py4j") as rt:
        report = rt.run(inputs)
    (error,) = report.errors
    assert (error.key, error.action) == ("bad", "fail")
    assert isinstance(error.cause, JavaError)
    assert error.cause.java_class == "java.lang.IllegalStateException"
    assert "at dev.bridge.examples.OrderActions.fail(OrderActions.java" in error.cause.stack


class ThreadNoting(Tool):
    """A Python tool for a Java action that notes the thread each call runs on."""

    metadata = ToolMetadata("noting", "Greets and notes its thread.", {
        "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]})
    threads: list[str] = []

    def __init__(self, greeting: str = "Hi") -> None:
        self.greeting = greeting

    def call(self, name: str) -> str:
        ThreadNoting.threads.append(threading.current_thread().name)
        return f"{self.greeting}, {name}!"


def answer(event, ctx):
    ctx.send_event(OutputEvent(output=dict(event.attributes)))


def test_a_java_action_calls_a_python_resource_back_on_the_thread_that_called_java() -> None:
    resources = {"tool": {"greeter": {
        "name": "greeter", "type": "tool", "__resource_provider_type__": "PythonResourceProvider",
        "descriptor": {"target_module": HERE, "target_clazz": "ThreadNoting", "arguments": {"greeting": "Hello"}}}}}
    plan = java_plan({"ask": (java_fn(CROSSING, "askPythonTool"), ["_input_event"]),
                      "answer": (py_fn(HERE, "answer"), ["greeted"])}, resources)
    ThreadNoting.threads.clear()
    with Runtime(plan, jvm="py4j") as rt:
        report = rt.run([("k", "Ada"), ("j", "Grace")])
    assert sorted(report.outputs) == [("j", {"json": '"Hello, Grace!"'}), ("k", {"json": '"Hello, Ada!"'})]
    # py4j's pinned threads: the callback ran on the scheduler thread that was waiting for Java, not on a
    # thread of py4j's server (the scheduler thread owns memory; JPype behaves the same way).
    # (The scheduler runs on the thread that called run(): this one.)
    assert ThreadNoting.threads == [threading.current_thread().name] * 2, ThreadNoting.threads


def test_durable_calls_of_a_java_action_run_and_wake_the_host_under_py4j(tmp_path: Path) -> None:
    plan = java_plan({"counted": (java_fn(DURABLE, "counted"), ["_input_event"])})
    inputs = [("a", {"n": 1, "work": str(tmp_path)}), ("b", {"n": 2, "work": str(tmp_path)})]
    outputs, memory, errors = _run(plan, inputs, "py4j")
    assert not errors
    assert outputs == {"a": [{"n": 1, "a": 10, "b": 10, "total": 10}], "b": [{"n": 2, "a": 20, "b": 20, "total": 20}]}
    assert memory == {"a": {"jtotal": 10}, "b": {"jtotal": 20}}
    assert sorted((tmp_path / "effects.log").read_text().split()) == ["ja:1", "ja:2", "jb:1", "jb:2"]


_finished: list[object] = []


def note_done(event, ctx):
    _finished.append(event.get("value"))
    ctx.send_event(OutputEvent(output=ctx.short_term_memory.get("out")))


def _kill_own_jvm_when_two_keys_are_done() -> None:
    deadline = time.monotonic() + 60
    while len(_finished) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    bridge = py4j_bridge()
    os.kill(bridge.pid, signal.SIGKILL)
    bridge.process.wait(timeout=30)


async def kill_the_jvm_when_others_are_done(event, ctx):
    """Other keys copy through Java; ``boom`` waits (off the scheduler) until two finished, kills the JVM, goes on."""
    ctx.short_term_memory.set("in", event.input)
    if event.input == "boom":
        await ctx.durable_execute_async(_kill_own_jvm_when_two_keys_are_done)
    ctx.send_event(Event(type="to_java", attributes={"from": "in", "to": "out"}))


def test_a_child_jvm_killed_mid_run_fails_the_events_in_flight_naming_key_and_action_and_keeps_finished_work() -> None:
    script = f"""
import json, sys
sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parent.parent)!r}]
from bridge import Runtime
import test_py4j
with Runtime(test_py4j._kill_plan(), jvm="py4j") as rt:
    report = rt.run([("a", 1), ("b", 2), ("boom", "boom")])
print(json.dumps({{"outputs": report.outputs,
                  "errors": [[e.key, e.action, str(e)] for e in report.errors]}}))
"""
    # In a child process: the JVM killed is that process's own py4j JVM, not this test session's.
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=ROOT,
                          check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(result["outputs"]) == [["a", 1], ["b", 2]]
    ((key, action, message),) = result["errors"]
    assert (key, action) == ("boom", "java_copies")
    assert "py4j JVM" in message and "killed by signal 9" in message, message


def _kill_plan():
    return java_plan({"start": (py_fn(HERE, "kill_the_jvm_when_others_are_done"), ["_input_event"]),
                      "java_copies": (java_fn(CROSSING, "copyMemory"), ["to_java"]),
                      "done": (py_fn(HERE, "note_done"), ["copied"])})


def test_a_child_jvm_dying_during_a_java_durable_call_fails_that_event_instead_of_leaving_it_waiting(
        tmp_path: Path) -> None:
    (tmp_path / "kill-ja-2").touch()  # DurableActions' call ja for n=2 kills its own JVM (SIGKILL)
    script = f"""
import json, sys
sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parent.parent)!r}]
from conftest import java_fn, java_plan
from bridge import Runtime
plan = java_plan({{"counted": (java_fn({DURABLE!r}, "counted"), ["_input_event"])}})
with Runtime(plan, jvm="py4j") as rt:
    first = rt.run([("a", {{"n": 1, "work": {str(tmp_path)!r}}})])
    second = rt.run([("b", {{"n": 2, "work": {str(tmp_path)!r}}})])
print(json.dumps({{"outputs": first.outputs + second.outputs,
                  "errors": [[e.key, e.action, str(e)] for e in first.errors + second.errors]}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=ROOT,
                          check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outputs"] == [["a", {"n": 1, "a": 10, "b": 10, "total": 10}]]
    ((key, action, message),) = result["errors"]
    assert (key, action) == ("b", "counted")
    assert "py4j JVM" in message and "killed by signal 9" in message, message


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_kill_9_of_the_host_leaves_no_jvm_behind_even_with_a_forked_process_still_running() -> None:
    script = f"""
import os, time
from bridge import Runtime
from bridge.jvm import JvmOptions, default_bridge
with Runtime({str(DEMO / "plan.yaml")!r}, jvm="py4j") as rt:
    rt.run([("ada", {{"order_id": "ORD-1001", "message": "hi"}})])
    forked = os.fork()  # as multiprocessing's fork start method does: it must not keep the JVM alive
    if forked == 0:
        time.sleep(120)
        os._exit(0)
    print(default_bridge({{"bridge.jvm.mode": "py4j"}}).pid, forked, flush=True)
    time.sleep(120)
"""
    host = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    forked = None
    try:
        assert host.stdout is not None
        jvm_pid, forked = map(int, host.stdout.readline().split())
        with open(f"/proc/{jvm_pid}/cmdline", "rb") as cmdline:
            assert b"dev.bridge.runtime.py4j.Py4JGateway" in cmdline.read()
        host.send_signal(signal.SIGKILL)
        host.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _alive(jvm_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(jvm_pid), f"the py4j JVM (pid {jvm_pid}) outlived its host's kill -9"
        assert _alive(forked)  # the forked process still runs: it did not hold the JVM's stdin open
    finally:
        host.kill()
        host.wait()
        if forked is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(forked, signal.SIGKILL)


def test_the_child_listens_on_loopback_only_and_refuses_a_client_without_the_token() -> None:
    from py4j.clientserver import ClientServer, JavaParameters, PythonParameters

    bridge = py4j_bridge()
    port = bridge.gateway.java_parameters.port
    for server in (port, bridge.gateway.get_callback_server().get_listening_port()):  # the child's, the host's
        listening = [row[1].split(":")[0] for table in ("tcp", "tcp6")
                     for row in (line.split() for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:])
                     if row[3] == "0A" and int(row[1].split(":")[1], 16) == server]
        # 127.0.0.1 (a Java socket on a dual-stack machine shows it as ::ffff:127.0.0.1); never a wildcard address
        assert listening and set(listening) <= {"0100007F", "0000000000000000FFFF00000100007F"}, listening
    stranger = ClientServer(JavaParameters(port=port, auth_token="not-the-token"),
                            PythonParameters(port=0, eager_load=False))
    try:
        with pytest.raises(Exception, match="(?i)auth"):
            stranger.jvm.java.lang.System.getProperty("user.home")
    finally:
        stranger.shutdown()


def test_an_unknown_jvm_mode_is_refused_naming_the_choices() -> None:
    plan = java_plan({"fail": (java_fn(ORDERS, "fail"), ["_input_event"])})
    with pytest.raises(ValueError, match="'jpype' or 'py4j'"):
        Runtime(plan, jvm="rmi")
    with pytest.raises(PlanError, match="bridge.jvm.mode: unknown JVM mode 'rmi': use one of jpype, py4j"):
        default_bridge({"bridge.jvm.mode": "rmi"})


def test_bridge_run_with_jvm_py4j_writes_what_the_jpype_run_writes(tmp_path: Path) -> None:
    outs = {}
    for jvm in ("jpype", "py4j"):
        done = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(DEMO / "plan.yaml"), "--input",
                               str(DEMO / "orders.jsonl"), "--output", str(tmp_path / f"{jvm}.jsonl"), "--report",
                               str(tmp_path / f"{jvm}.json"), "--jvm", jvm], capture_output=True, text=True,
                              timeout=180, cwd=ROOT, check=False)
        assert done.returncode == 0, done.stderr
        outs[jvm] = ((tmp_path / f"{jvm}.jsonl").read_bytes(), (tmp_path / f"{jvm}.json").read_bytes())
    assert outs["py4j"] == outs["jpype"]


def test_the_plan_setting_bridge_jvm_mode_runs_its_java_parts_in_the_py4j_child() -> None:
    resources = {"tool": {"greeter": {
        "name": "greeter", "type": "tool", "__resource_provider_type__": "PythonResourceProvider",
        "descriptor": {"target_module": HERE, "target_clazz": "ThreadNoting", "arguments": {}}}}}
    plan = java_plan({"ask": (java_fn(CROSSING, "askPythonTool"), ["_input_event"]),
                      "answer": (py_fn(HERE, "answer"), ["greeted"])}, resources, conf={"bridge.jvm.mode": "py4j"})
    served = py4j_bridge().gateway.get_callback_server().pool  # py4j's registry of the Python objects Java holds

    def host_accesses() -> set[int]:
        return {id(o) for o in list(served.dict.values()) if isinstance(o, Py4JHostAccess)}

    before = host_accesses()
    with Runtime(plan) as rt:
        assert rt.run([("k", "Ada")]).outputs == [("k", {"json": '"Hi, Ada!"'})]
        assert host_accesses() - before  # this runtime's host access was handed to the py4j child


def test_describe_reports_the_child_jvm_and_a_round_trip() -> None:
    facts = py4j_bridge().describe()
    assert facts["round_trip_ok"] is True
    assert facts["jvm_pid"] == py4j_bridge().pid and facts["java_version"]


def test_a_child_jvm_that_cannot_start_is_a_jvm_error_saying_what_to_check() -> None:
    from bridge import JvmError
    from bridge.jvm._py4j import Py4JBridge

    running = py4j_bridge().options
    bad = JvmOptions(running.java_home, running.classpath, ("-XX:+NoSuchOptionForBridge",))
    bridge = Py4JBridge()
    with pytest.raises(JvmError, match=r"the py4j JVM exited with status 1 .*check JAVA_HOME"):
        bridge.ensure_started(bad)


def test_the_child_jvm_ends_when_its_host_exits_normally() -> None:
    script = """
from bridge.jvm import JvmOptions, default_bridge
print(default_bridge({"bridge.jvm.mode": "py4j"}).pid, flush=True)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          check=True)
    jvm_pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 30
    while _alive(jvm_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(jvm_pid)


def _other_bridge(*flags: str):
    """A second py4j bridge of this process (its own child JVM), with the session's options plus ``flags``."""
    from bridge.jvm._py4j import Py4JBridge

    running = py4j_bridge().options
    bridge = Py4JBridge()
    bridge.ensure_started(JvmOptions(running.java_home, running.classpath, (*running.jvm_args, *flags)))
    return bridge


def test_what_the_jvm_writes_to_standard_output_goes_to_standard_error_and_never_blocks_it(capfd) -> None:
    # -Xlog writes to standard output before the gateway prints its port line; FileDescriptor.out after it.
    bridge = _other_bridge("-Xlog:gc")
    try:
        assert bridge.entry.pid() == bridge.pid
        jvm = bridge.gateway.jvm
        written = threading.Event()

        def write_past_a_pipe_buffer() -> None:
            out = jvm.java.io.FileOutputStream(jvm.java.io.FileDescriptor.out)
            out.write(bytearray(b"x" * 99 + b"\n") * 3000)  # 300 KB: a pipe nobody reads holds 64 KB
            out.flush()
            written.set()

        threading.Thread(target=write_past_a_pipe_buffer, daemon=True).start()
        assert written.wait(60), "the JVM blocked writing to its standard output"
    finally:
        bridge.close()
    err = capfd.readouterr().err
    assert "[info][gc]" in err and err.count("x" * 99 + "\n") == 3000
    assert bridge.process.poll() is not None and bridge.process.stdout.closed


def _fake_java(home: Path, body: str) -> None:
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text("#!/bin/sh\n" + body)
    java.chmod(0o755)


def test_a_child_that_fails_its_start_is_stopped_and_the_callback_server_closed(tmp_path: Path, monkeypatch) -> None:
    from bridge import JvmError
    from bridge.jvm import _py4j

    monkeypatch.setattr(_py4j, "START_TIMEOUT", 3.0)
    pid_file = tmp_path / "pid"
    _fake_java(tmp_path / "silent", f'echo $$ > {pid_file}\necho "BRIDGE_PY4J_PORT not-a-port"\nexec sleep 120\n')
    _fake_java(tmp_path / "ending", "exit 3\n")
    threads = set(threading.enumerate())
    with pytest.raises(JvmError, match=r"the py4j JVM did not start within 3 s .*check JAVA_HOME, the JVM options"):
        _py4j.Py4JBridge().ensure_started(JvmOptions(str(tmp_path / "silent"), ()))
    assert not _alive(int(pid_file.read_text()))
    with pytest.raises(JvmError, match=r"the py4j JVM exited with status 3 "):
        _py4j.Py4JBridge().ensure_started(JvmOptions(str(tmp_path / "ending"), ()))
    deadline = time.monotonic() + 10
    while set(threading.enumerate()) - threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not set(threading.enumerate()) - threads  # py4j's callback server stopped with its threads


def test_the_auth_token_never_reaches_the_childs_command_line_nor_the_logs(caplog) -> None:
    bridge = py4j_bridge()
    token = bridge.gateway.java_parameters.auth_token
    for shown in ("cmdline", "environ"):  # what ps and other processes of the user may read
        assert token.encode() not in Path(f"/proc/{bridge.pid}/{shown}").read_bytes()
    caplog.set_level("DEBUG", logger="py4j")
    # A new Python thread opens its own connection, which authenticates first.
    caller = threading.Thread(target=lambda: bridge.entry.pid())
    caller.start()
    caller.join(30)
    assert "Command to send: A\n" in caplog.text  # the auth command was logged ...
    assert token not in caplog.text  # ... without the token


def test_the_hosts_callback_server_refuses_a_connection_without_the_token() -> None:
    import socket

    bridge = py4j_bridge()
    port = bridge.gateway.get_callback_server().get_listening_port()
    token = bridge.gateway.java_parameters.auth_token
    answers = {}
    for name, first in (("token", f"A\n{token}\ne\n"), ("wrong", "A\nnot-the-token\ne\n"),
                        ("none", "c\np0\nwake\ne\n")):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(first.encode())
            try:
                answers[name] = sock.recv(100)
            except ConnectionResetError:
                answers[name] = b"(reset)"
    assert answers["token"] == b"!yv\n"
    assert answers["wrong"] in (b"!xn\n", b"(reset)"), answers  # py4j's error answer, then the connection ends
    assert answers["none"] in (b"", b"(reset)"), answers  # a command before the token: closed, no answer


def test_closed_runtimes_are_not_kept_alive_by_the_objects_the_py4j_child_holds() -> None:
    import gc
    import weakref

    plan = java_plan({"java_copies": (java_fn(CROSSING, "copyMemory"), ["_input_event"])})
    runtimes, hosts = [], []
    for _ in range(5):
        with Runtime(plan, jvm="py4j") as rt:
            assert rt.run([("a", {"from": "x", "to": "y"})]).ok
        runtimes.append(weakref.ref(rt))
        hosts.append(weakref.ref(rt._services.extras["py4j.host_access"][0]))
        del rt
    gc.collect()
    # py4j's callback server holds each runtime's host object while Java holds its proxy: that must not hold
    # the runtime (its plan, memory, resources) too.
    assert not [r for r in runtimes if r() is not None]
    jvm = py4j_bridge().gateway.jvm
    deadline = time.monotonic() + 60
    while any(h() is not None for h in hosts) and time.monotonic() < deadline:
        jvm.System.gc()  # Java drops its proxies of the host objects, then tells py4j's server to drop them
        time.sleep(0.2)
        gc.collect()
    assert not [h for h in hosts if h() is not None]


def _gateway_children() -> set[int]:
    """The pids of this process's children that run the py4j gateway."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == os.getpid() and \
                    b"Py4JGateway" in (stat.parent / "cmdline").read_bytes():
                found.add(int(stat.parent.name))
    return found


def test_runtimes_built_on_two_threads_at_once_start_one_child_jvm() -> None:
    script = """
import os, threading
from pathlib import Path
from bridge.jvm import default_bridge
both = threading.Barrier(2)
def start():
    both.wait()
    default_bridge({"bridge.jvm.mode": "py4j"})
threads = [threading.Thread(target=start) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
children = 0
for proc in Path("/proc").glob("[0-9]*"):
    try:
        mine = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == os.getpid()
        children += mine and b"Py4JGateway" in (proc / "cmdline").read_bytes()
    except OSError:  # a process that ended meanwhile
        pass
print(children)
"""
    # In a child process: this session's py4j bridge already runs.
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=ROOT,
                          check=True)
    assert done.stdout.split() == ["1"], done.stdout


def test_one_bridge_asked_to_start_on_two_threads_at_once_starts_one_child_jvm() -> None:
    from bridge.jvm._py4j import Py4JBridge

    options = py4j_bridge().options
    before = _gateway_children()
    bridge = Py4JBridge()
    both = threading.Barrier(2)

    def start() -> None:
        both.wait()
        bridge.ensure_started(options)

    threads = [threading.Thread(target=start) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert _gateway_children() - before == {bridge.pid}
    finally:
        bridge.close()


def test_a_forked_process_leaves_the_parents_jvm_alone_and_starts_its_own() -> None:
    script = f"""
import json, os, sys
from bridge import Runtime
from bridge.jvm import default_bridge
PLAN, ORDER = {str(DEMO / "plan.yaml")!r}, {{"order_id": "ORD-1001", "message": "hi"}}
with Runtime(PLAN, jvm="py4j") as rt:
    first = rt.run([("ada", ORDER)]).outputs
    parent_jvm = default_bridge({{"bridge.jvm.mode": "py4j"}}).pid
    ended = os.fork()
    if ended == 0:
        sys.exit(0)  # a fork ending normally runs its atexit handlers (the bridge's close among them)
    os.waitpid(ended, 0)
    read, write = os.pipe()
    forked = os.fork()
    if forked == 0:
        os.close(read)
        old = rt.run([("bob", ORDER)])  # the parent's runtime: its JVM connection is not this process's
        with Runtime(PLAN, jvm="py4j") as own:
            mine = own.run([("ada", ORDER)]).outputs
        with os.fdopen(write, "w") as out:
            json.dump({{"jvm": default_bridge({{"bridge.jvm.mode": "py4j"}}).pid, "same": mine == first,
                       "old": [[e.key, e.action, str(e)] for e in old.errors]}}, out)
        sys.exit(0)
    os.close(write)
    with os.fdopen(read) as got:
        child = json.load(got)
    os.waitpid(forked, 0)
    again = rt.run([("cy", ORDER)]).outputs  # a key of its own: the same output as ada's first
print(json.dumps({{"parent_jvm": parent_jvm, "child": child, "again": [v for _, v in again] == [v for _, v in first]}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=ROOT,
                          check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["again"] is True  # the parent's JVM still answers after both forks ended
    child = result["child"]
    assert child["same"] is True and child["jvm"] not in (None, result["parent_jvm"])
    ((key, action, message),) = child["old"]
    assert key == "bob" and "a forked process cannot use; make the Runtime after the fork" in message
