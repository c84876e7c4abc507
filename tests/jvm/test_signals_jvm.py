"""SIGTERM with the JVM loaded reaches Python: a handler runs, the default kills cleanly, and nothing crashes.

Each test starts bridge's JVM in a child process (a JVM cannot be stopped inside the test session), waits for
the child to say "ready" once the JVM runs, then sends SIGTERM. Ordering comes from that line, not from sleeps.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.jvm import JvmOptions

CHILD = """
import signal, sys, threading

import bridge.jvm

stop = threading.Event()
if sys.argv[1] == "handler":  # installed first, as a host does before the JVM is started on demand
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
bridge.jvm.default_bridge({})
print("ready", flush=True)
stop.wait()
print("handled SIGTERM", flush=True)
sys.exit(42)
"""


def _start_then_sigterm(tmp_path: Path, mode: str) -> tuple[int, str, str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen([sys.executable, str(script), mode], cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        first = child.stdout.readline()
        assert first == "ready\n", first + child.stderr.read()
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=120)  # a hang guard, not a timing assertion
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode, out, err


@pytest.mark.usefixtures("java_built")
def test_sigterm_runs_the_python_handler_while_the_jvm_is_loaded(tmp_path: Path) -> None:
    code, out, err = _start_then_sigterm(tmp_path, "handler")
    assert (code, out) == (42, "handled SIGTERM\n"), err
    assert "fatal error" not in out + err
    assert list(tmp_path.glob("hs_err_pid*.log")) == []


@pytest.mark.usefixtures("java_built")
def test_sigterm_without_a_handler_ends_the_process_by_the_signal_without_a_crash_report(tmp_path: Path) -> None:
    code, out, err = _start_then_sigterm(tmp_path, "default")
    assert code == -signal.SIGTERM, out + err
    assert "fatal error" not in out + err
    assert list(tmp_path.glob("hs_err_pid*.log")) == []


class _FakeJPype:
    """Records the arguments ``startJVM`` gets, so the flags can be checked without a second JVM."""

    def __init__(self) -> None:
        self.args: tuple[str, ...] = ()
        self.kwargs: dict = {}
        self.JString = str

    def isJVMStarted(self) -> bool:  # noqa: N802 - JPype's name
        return False

    def startJVM(self, *args: str, **kwargs) -> None:  # noqa: N802 - JPype's name
        self.args, self.kwargs = args, kwargs


@pytest.mark.parametrize(("user_flags", "expected"), [
    (("-Xmx1g",), ("-Xrs", "-Xmx1g")),
    (("-Xrs", "-Xmx1g"), ("-Xrs", "-Xmx1g")),
])
def test_the_jvm_starts_with_reduced_signal_use_once_and_without_interrupt(monkeypatch, user_flags, expected) -> None:
    from bridge.jvm._discovery import JARS_DIR, find_java_home
    from bridge.jvm._jpype import JPypeBridge

    fake = _FakeJPype()
    monkeypatch.setitem(sys.modules, "jpype", fake)
    JPypeBridge().ensure_started(JvmOptions(str(find_java_home()), (str(JARS_DIR),), user_flags))
    assert fake.args == expected
    assert fake.kwargs["interrupt"] is False
