"""Helpers for end-to-end runs of the ``bridge`` command in a child process, and the plans they use.

Waiting is on evidence (a marker file an action writes, a line on a stream), never on a fixed sleep; every
wait has a generous deadline that only guards against a hang.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from bridge import OutputEvent

TESTS = Path(__file__).resolve().parent
HANG_GUARD = 180.0  # seconds; generous for a slow 2-core machine with a JVM per child
FAULTS = "dev.bridge.examples.FaultActions"


def plan_file(tmp_path: Path, actions: dict[str, tuple[dict, list[str]]], name: str = "plan.json") -> Path:
    """A plan file of ``name -> (exec descriptor, triggers)``."""
    spec = {n: {"name": n, "exec": ex, "trigger_conditions": trig} for n, (ex, trig) in actions.items()}
    path = tmp_path / name
    path.write_text(json.dumps({"agent_name": "test", "actions": spec}))
    return path


def py(qualname: str, module: str = "cli_support") -> dict:
    """A PythonFunction descriptor (default: a function of this module)."""
    return {"func_type": "PythonFunction", "module": module, "qualname": qualname}


def java(method: str, cls: str = FAULTS) -> dict:
    """A JavaFunction descriptor of a static ``(Event, RunnerContext)`` method."""
    return {"func_type": "JavaFunction", "qualname": cls, "method_name": method,
            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]}


def jsonl(path: Path, records: list[Any]) -> Path:
    """Write records (dicts are JSON-encoded, strings written as they are) one per line."""
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


# -- actions the plans name ------------------------------------------------------------------------------
def slow(event, ctx):
    """Output ``value``; with ``marker``, write it and then sleep ``sleep`` seconds first (on this thread)."""
    data = event.input
    if data.get("marker"):
        Path(data["marker"]).write_text("started")
        time.sleep(data.get("sleep", 0))
    ctx.send_event(OutputEvent(output=data["value"]))


def _nap(marker: str | None, seconds: float) -> None:
    if marker:
        Path(marker).write_text("started")
    time.sleep(seconds)


async def slow_call(event, ctx):
    """Like :func:`slow`, but the sleep is a durable call on a worker thread."""
    data = event.input
    await ctx.durable_execute_async(_nap, data.get("marker"), data.get("sleep", 0))
    ctx.send_event(OutputEvent(output=data["value"]))


def count(event, ctx):
    """Output how many inputs this key has seen, and the key as it arrived (type included)."""
    seen = (ctx.short_term_memory.get("seen") or 0) + 1
    ctx.short_term_memory.set("seen", seen)
    ctx.send_event(OutputEvent(output={"seen": seen, "key_type": type(ctx.key).__name__, "input": event.input}))


# -- the child process ------------------------------------------------------------------------------------
class Child:
    """``bridge run ...`` in a child process (cwd ``tmp_path``) with its stderr in a file that can be polled."""

    def __init__(self, tmp_path: Path, args: list[str], *, stdin: int | None = subprocess.DEVNULL,
                 stdout: int | None = subprocess.PIPE) -> None:
        self.cwd = tmp_path
        self.err_path = tmp_path / f"stderr-{time.monotonic_ns()}.txt"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH"))
                                                           if p)}
        env.pop("CI", None)
        self._err = open(self.err_path, "wb")  # noqa: SIM115 - closed in finish()
        self.proc = subprocess.Popen([sys.executable, "-m", "bridge.cli", "run", *args], cwd=tmp_path,
                                     stdin=stdin, stdout=stdout, stderr=self._err, env=env)
        self._lines: queue.Queue[bytes] | None = None

    @property
    def stderr(self) -> str:
        """What the child wrote to standard error so far."""
        return self.err_path.read_text(errors="replace")

    def wait_for_file(self, path: Path) -> None:
        """Block until ``path`` exists (an action wrote its marker); fail if the child ends first."""
        deadline = time.monotonic() + HANG_GUARD
        while not path.exists():
            assert self.proc.poll() is None, f"the run ended before {path.name} appeared:\n{self.stderr}"
            assert time.monotonic() < deadline, f"{path.name} never appeared:\n{self.stderr}"
            time.sleep(0.05)

    def wait_for_stderr(self, text: str) -> None:
        """Block until standard error contains ``text``."""
        deadline = time.monotonic() + HANG_GUARD
        while text not in self.stderr:
            assert self.proc.poll() is None, f"the run ended before printing {text!r}:\n{self.stderr}"
            assert time.monotonic() < deadline, f"never printed {text!r}:\n{self.stderr}"
            time.sleep(0.05)

    def read_line(self) -> bytes:
        """The next standard output line (read on a thread, so a silent child fails the test, not hangs it)."""
        if self._lines is None:
            self._lines = queue.Queue()
            threading.Thread(target=_pump, args=(self.proc.stdout, self._lines), daemon=True).start()
        try:
            return self._lines.get(timeout=HANG_GUARD)
        except queue.Empty:
            raise AssertionError(f"no output line came:\n{self.stderr}") from None

    def send(self, line: str) -> None:
        """Write one line to the child's standard input."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def finish(self) -> tuple[int, str]:
        """Wait for the end (killing the child after the hang guard); the exit code and standard error."""
        try:
            self.proc.wait(timeout=HANG_GUARD)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"the run hung:\n{self.stderr}") from None
        finally:
            self._err.close()
        return self.proc.returncode, self.stderr

    def no_crash_report(self) -> bool:
        """True when the JVM left no ``hs_err_pid*.log`` (its fatal-error file) in the working folder."""
        return not list(self.cwd.glob("hs_err_pid*.log"))


def _pump(stream: IO[bytes], lines: queue.Queue[bytes]) -> None:
    for line in iter(stream.readline, b""):
        lines.put(line)
    lines.put(b"")


def output_values(path: Path) -> list[Any]:
    """The ``output`` of each line of an output file."""
    return [json.loads(line)["output"] for line in path.read_text().splitlines()]


def mounted_tmpfs(folder: Path, size: str):  # noqa: ANN201 - a generator for pytest fixtures
    """Mount a tmpfs of ``size`` (``64k``, ``512k``) on ``folder`` for a test (needs root; skipped otherwise)."""
    import pytest

    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]).returncode:
        pytest.skip("no permission to mount a small tmpfs")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)
