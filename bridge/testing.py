"""bridge's pytest plugin: run a plan in a test, under the Python host (JPype or py4j) or the Java host.

Installed with the package (the ``pytest11`` entry point), so a project that depends on bridge has it in its
own suite without a ``conftest.py``::

    def test_orders_are_confirmed(bridge_run):
        result = bridge_run("plan.yaml", [("order-1", {"qty": 2}), ("order-2", {"qty": 0})])
        result.assert_outputs({"order-1": [{"confirmed": True}], "order-2": []})
        result.assert_memory({"order-1": {"qty": 2}}, only=True)

``bridge_run(plan, inputs, state=None, **runtime_options)`` takes a plan file path, an
:class:`~bridge.AgentPlan` or an :class:`~bridge.Agent` class and ``(key, input)`` pairs, and returns a
:class:`BridgeResult`: outputs, final short-term memory, errors per key; the events each key's actions sent
(Python host); the durable calls each key recorded (when ``state`` names a state file).

A test marked ``@pytest.mark.bridge_hosts`` runs once per host that ``--bridge-host python,java,py4j`` names
(default: python); ``@pytest.mark.bridge_hosts("python")`` limits it to those hosts. ``py4j`` is the Python
host with its JVM in a child process (``Runtime(jvm="py4j")``), in this process. Under the Java host the
plan runs as users run it, ``bridge run --host java`` in a child process; when the Java host is not built the
test is skipped, saying how to build it.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bridge import AgentPlan, Event, Runtime
from bridge._report import KeysSeen, build_report
from bridge.api._values import dumps, loads
from bridge.store import kid_of, open_store

HOSTS = ("python", "java", "py4j")
BRIDGE = (sys.executable, "-m", "bridge.cli")
RUN_TIMEOUT = 120.0  # seconds a ``bridge run`` child may take; only guards against a hang
JAVA_HOST_MAIN = "dev/bridge/host/Main.class"

__all__ = ["BridgeResult", "CliRun", "HOSTS", "java_host_missing", "run_cli", "run_plan"]


# -- one run -----------------------------------------------------------------------------------------------
@dataclass
class BridgeResult:
    """What a run left, per key in the order of each key's first input.

    ``errors`` are ``{"action", "error": "<type>: <message>"}`` (the form of ``bridge run --report``, alike
    under every host). ``sent`` is None under a host that does not expose them (Java), ``calls`` None without
    a state. Keys are dict keys here, so ``1``, ``1.0`` and ``True`` (three keys to a run) share one entry.
    """

    host: str
    outputs: dict[Any, list[Any]]
    memory: dict[Any, dict[str, Any]]
    errors: dict[Any, list[dict[str, str]]]
    sent: dict[Any, list[Event]] | None = None
    calls: dict[Any, list[dict[str, Any]]] | None = None

    def assert_outputs(self, expected: dict[Any, list[Any]]) -> None:
        """Every key's outputs, in order, are ``expected``'s (a key with none may be left out)."""
        __tracebackhide__ = True  # the failure points at the test's line, not here
        _assert_per_key("outputs", expected, self.outputs, self.host, empty=[])

    def assert_memory(self, expected: dict[Any, dict[str, Any]], *, only: bool = False) -> None:
        """The keys of ``expected`` ended with that short-term memory (with ``only``: and no other key has any)."""
        __tracebackhide__ = True  # the failure points at the test's line, not here
        got = self.memory if only else {k: v for k, v in self.memory.items() if k in expected}
        _assert_per_key("short-term memory", expected, got, self.host, empty={})

    def assert_no_errors(self) -> None:
        """No action failed."""
        __tracebackhide__ = True  # the failure points at the test's line, not here
        _assert_per_key("errors", {}, self.errors, self.host, empty=[])

    def assert_sent(self, expected: dict[Any, list[str]]) -> None:
        """The types of the events each key's actions sent, in order, are ``expected``'s."""
        __tracebackhide__ = True  # the failure points at the test's line, not here
        if self.sent is None:
            pytest.skip(f"the {self.host} host does not expose the events its actions send")
        got = {key: [event.type for event in events] for key, events in self.sent.items()}
        _assert_per_key("sent event types", expected, got, self.host, empty=[])


def _assert_per_key(what: str, expected: dict[Any, Any], got: dict[Any, Any], host: str, *, empty: Any) -> None:
    """Fail with each key that differs, expected beside got, in the order of ``expected`` then of ``got``."""
    __tracebackhide__ = True  # the failure points at the test's line, not here
    keys = list(expected) + [k for k in got if k not in expected]
    lines = []
    for key in keys:
        want, have = expected.get(key, empty), got.get(key, empty)
        if not _same(want, have):
            lines += [f"  key {key!r}:", f"    expected: {want!r}", f"    got:      {have!r}"]
    if lines:
        differing = len(lines) // 3
        raise AssertionError(f"{what} differ for {differing} of {len(keys)} key(s) under the {host} host:\n"
                             + "\n".join(lines))


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same JSON type all the way down (``1``, ``1.0`` and ``True`` differ)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def run_plan(plan: str | os.PathLike[str] | AgentPlan | type, inputs: Iterable[tuple[Any, Any]], *,
             host: str = "python", state: str | os.PathLike[str] | None = None, work: Path | None = None,
             **runtime_options: Any) -> BridgeResult:
    """Run ``plan`` over ``(key, input)`` pairs under ``host``; ``runtime_options`` go to :class:`~bridge.Runtime`.

    Under the Java host ``work`` is the folder of the child's files (a temporary one when None); the test is
    skipped when that host is not built.
    """
    pairs = list(inputs)
    if host in ("python", "py4j"):
        if host == "py4j":
            runtime_options = {**runtime_options, "jvm": "py4j"}
        return _run_in_process(plan, pairs, state, runtime_options, host)
    if host != "java":
        raise ValueError(f"host is one of {', '.join(HOSTS)}, got {host!r}")
    if runtime_options:
        raise TypeError(f"the Java host takes no Runtime options ({', '.join(sorted(runtime_options))}): "
                        "mark the test @pytest.mark.bridge_hosts('python')")
    if work is not None:
        return _run_java(plan, pairs, state, work)
    with tempfile.TemporaryDirectory(prefix="bridge-java-") as folder:
        return _run_java(plan, pairs, state, Path(folder))


def _run_in_process(plan: Any, pairs: list[tuple[Any, Any]], state: Any, options: dict[str, Any],
                    host: str = "python") -> BridgeResult:
    options.setdefault("keep_action_log", True)
    with Runtime(plan, state=state, **options) as runtime:
        seen = KeysSeen(pairs)
        run = runtime.run(seen)
        report = build_report(runtime, seen.keys, run.errors)
    sent: dict[Any, list[Event]] = {key: [] for key in seen.keys.values()}
    for record in run.actions:
        sent.setdefault(record.key, []).extend(record.sent)
    result = _result(host, run.outputs, report)
    result.sent = sent if options["keep_action_log"] else None
    result.calls = _calls(state, result.memory) if state is not None else None
    return result


def _run_java(plan: Any, pairs: list[tuple[Any, Any]], state: Any, work: Path) -> BridgeResult:
    reason = java_host_missing()
    if reason is not None:
        pytest.skip(reason)
    if isinstance(plan, str | os.PathLike):
        plan_file = Path(plan).resolve()
    else:
        plan_file = work / "plan.json"
        plan_file.write_text((plan if isinstance(plan, AgentPlan) else AgentPlan.from_agent(plan)).to_json(),
                             encoding="utf-8")
    (work / "input.jsonl").write_bytes(b"".join(dumps({"key": k, "input": v}) + b"\n" for k, v in pairs))
    extra = ("--state", str(Path(state).resolve())) if state is not None else ()
    run = run_cli(plan_file, work / "input.jsonl", work, "--host", "java", *extra)
    if run.report is None:
        raise AssertionError(f"bridge run --host java wrote no report (exit code {run.exit_code}):\n{run.stderr}")
    result = _result("java", run.outputs, run.report)
    result.calls = _calls(state, result.memory) if state is not None else None
    return result


def _result(host: str, outputs: list[tuple[Any, Any]], report: dict[str, Any]) -> BridgeResult:
    by_key: dict[Any, list[Any]] = {entry["key"]: [] for entry in report["keys"]}
    for key, value in outputs:
        by_key.setdefault(key, []).append(value)
    return BridgeResult(host, by_key, {e["key"]: e["short_term_memory"] for e in report["keys"]},
                        {e["key"]: e["errors"] for e in report["keys"] if e["errors"]})


def _calls(state: str | os.PathLike[str], keys: Iterable[Any]) -> dict[Any, list[dict[str, Any]]]:
    store = open_store(state)
    try:
        return {key: store.key_calls(kid_of(key)) for key in keys}
    finally:
        store.close()


# -- the command line, in a child process (the Java host, the conformance suite) ---------------------------
@dataclass
class CliRun:
    """What one ``bridge run`` child left: exit code, standard error, outputs in order, the report (or None)."""

    exit_code: int
    stderr: str
    outputs: list[tuple[Any, Any]]
    report: dict[str, Any] | None


def run_cli(plan: Path, inputs: Path, work: Path, *extra: str, env: dict[str, str] | None = None,
            timeout: float = RUN_TIMEOUT, portable: bool = True) -> CliRun:
    """``bridge run PLAN --input INPUTS`` with ``extra`` arguments in ``work``, writing its files there.

    The child imports what this process imports (``sys.path`` on its ``PYTHONPATH``) unless ``env`` is given.
    Outputs and report are read as portable values (``{"$bytes": ...}`` back to bytes), or with
    ``portable=False`` as the plain JSON they are written in (what the conformance suite compares).
    """
    decode = loads if portable else json.loads
    output, report = work / "out.jsonl", work / "report.json"
    args = [*BRIDGE, "run", str(plan), "--input", str(inputs), "--output", str(output), "--report", str(report),
            *extra]
    try:
        proc = subprocess.run(args, cwd=work, env=env or _environment(), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return CliRun(-1, f"the run took longer than {timeout:g} s and was killed\n{exc.stderr or ''}", [], None)
    outputs = []
    if output.exists():
        for line in output.read_bytes().splitlines():
            record = decode(line)
            outputs.append((record["key"], record["output"]))
    loaded = decode(report.read_bytes()) if report.exists() else None
    return CliRun(proc.returncode, proc.stderr, outputs, loaded)


def _environment() -> dict[str, str]:
    # absolute: the child runs in another folder, where '' and '.' (this process's working folder) differ
    path = os.pathsep.join(dict.fromkeys(os.path.abspath(p) for p in sys.path))
    return {**os.environ, "PYTHONPATH": path}


@functools.cache
def java_host_missing() -> str | None:
    """Why the Java host cannot run here (its main class is on no entry of ``bridge classpath``), or None."""
    try:
        proc = subprocess.run([*BRIDGE, "classpath"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the Java host cannot be looked for: `bridge classpath` failed ({exc})"
    entries = [Path(p) for p in proc.stdout.strip().split(os.pathsep) if p] if proc.returncode == 0 else []
    if any(_holds(entry, JAVA_HOST_MAIN) for entry in entries):
        return None
    return ("the Java host is not built: dev.bridge.host.Main is on no entry of `bridge classpath` "
            "(in a clone of bridge, `make jars` builds it)")


def _holds(entry: Path, member: str) -> bool:
    if entry.is_dir():
        return (entry / member).is_file()
    if entry.suffix == ".jar" and entry.is_file():
        try:
            with zipfile.ZipFile(entry) as jar:
                return member in jar.namelist()
        except zipfile.BadZipFile:
            return False
    return False


# -- the pytest hooks and fixtures -------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    """``--bridge-host``: the hosts a ``bridge_hosts`` test runs under."""
    parser.getgroup("bridge").addoption(
        "--bridge-host", default="python", metavar="HOSTS",
        help=f"comma-separated hosts ({', '.join(HOSTS)}) each test marked bridge_hosts runs under "
             "(default: python)")


def pytest_configure(config: pytest.Config) -> None:
    """Check ``--bridge-host`` and declare the marker."""
    config.addinivalue_line("markers", "bridge_hosts(*hosts): run the test once per host of --bridge-host "
                                       "(only these hosts when named); the bridge_run fixture uses it")
    _chosen_hosts(config)


def _chosen_hosts(config: pytest.Config) -> list[str]:
    names = [h.strip() for h in str(config.getoption("--bridge-host")).split(",") if h.strip()]
    unknown = [h for h in names if h not in HOSTS]
    if unknown or not names:
        raise pytest.UsageError(f"--bridge-host takes hosts among {', '.join(HOSTS)} separated by commas, "
                                f"got {config.getoption('--bridge-host')!r}")
    return list(dict.fromkeys(names))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``bridge_hosts`` runs once per chosen host (``[python]``, ``[java]`` in its id)."""
    marker = metafunc.definition.get_closest_marker("bridge_hosts")
    if marker is None or "bridge_host" not in metafunc.fixturenames:
        return
    hosts = [h for h in _chosen_hosts(metafunc.config) if not marker.args or h in marker.args]
    metafunc.parametrize("bridge_host", hosts, indirect=True, ids=hosts)


@pytest.fixture
def bridge_host(request: pytest.FixtureRequest) -> str:
    """The host this test runs under: ``python`` unless the test is marked ``bridge_hosts``."""
    host = getattr(request, "param", "python")
    if host == "java":
        reason = java_host_missing()
        if reason is not None:
            pytest.skip(reason)
    return host


@pytest.fixture
def bridge_run(bridge_host: str, tmp_path: Path) -> Callable[..., BridgeResult]:
    """Run a plan (file path, AgentPlan or Agent class) over ``(key, input)`` pairs under this test's host."""

    def run(plan: Any, inputs: Iterable[tuple[Any, Any]], *, state: str | os.PathLike[str] | None = None,
            **runtime_options: Any) -> BridgeResult:
        work = Path(tempfile.mkdtemp(prefix="run-", dir=tmp_path))
        return run_plan(plan, inputs, host=bridge_host, state=state, work=work, **runtime_options)

    return run

