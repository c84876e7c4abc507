"""The hosts a conformance scenario runs under, and one run of a scenario under a host.

Every host is driven the same way, through the command line users have: ``bridge run PLAN --input IN --output
OUT --report REPORT`` in a child process (``--host java`` for the Java host). The run's outputs and report
are then compared with the scenario's expectations by :mod:`tests.conformance.compare`.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
JARS = ROOT / "java" / "dist" / "target" / "jars"
JAVA_HOST_MODULE = ROOT / "java" / "host"
JAVA_HOST_MAIN = "dev/bridge/host/Main.class"
BRIDGE = [sys.executable, "-m", "bridge.cli"]
RUN_TIMEOUT = 120.0  # seconds; a scenario takes about one; this only guards against a hang


@dataclass(frozen=True)
class Host:
    """A host: its name (as in ``--host``) and the ``bridge run`` arguments that select it."""

    name: str
    args: tuple[str, ...]


HOSTS = {"python": Host("python", ()), "java": Host("java", ("--host", "java"))}


@dataclass
class Run:
    """What one ``bridge run`` of a scenario under a host left: exit code, standard error, outputs, report."""

    host: str
    exit_code: int
    stderr: str
    outputs: list[tuple[Any, Any]]  # (key, output) in the order written
    report: dict[str, Any] | None  # None when the run wrote none
    findings: list[str] = field(default_factory=list)  # what went wrong between runs (crash.py: kills, effects)


def command(host: Host, folder: Path, work: Path, *extra: str) -> list[str]:
    """The ``bridge run`` of the scenario in ``folder`` under ``host``, writing ``out.jsonl`` and ``report.json``."""
    return [*BRIDGE, "run", str(folder / "plan.json"), "--input", str(folder / "input.jsonl"), "--output",
            str(work / "out.jsonl"), "--report", str(work / "report.json"), *host.args, *extra]


def environment(**extra: str) -> dict[str, str]:
    """The environment of a run: this one, the project root on ``PYTHONPATH`` (the actions' modules), ``extra``."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def run_scenario(host: Host, folder: Path, work: Path, *extra: str, env: dict[str, str] | None = None) -> Run:
    """Run the scenario in ``folder`` under ``host``, in ``work`` (the JVM writes any crash file there).

    ``extra`` are more ``bridge run`` arguments (``--state FILE``), ``env`` the environment (:func:`environment`).
    """
    output, report = work / "out.jsonl", work / "report.json"
    try:
        proc = subprocess.run(command(host, folder, work, *extra), cwd=work, env=env or environment(),
                              capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        return Run(host.name, -1, f"the run took longer than {RUN_TIMEOUT:g} s and was killed\n{exc.stderr or ''}",
                   [], None)
    outputs = []
    if output.exists():
        for line in output.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            outputs.append((record["key"], record["output"]))
    loaded = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return Run(host.name, proc.returncode, proc.stderr, outputs, loaded)


def missing(host: Host) -> str | None:
    """Why ``host`` cannot run here, or None when it can."""
    if host.name == "java" and not _java_host_built():
        return ("the Java host is not built yet: dev.bridge.host.Main is on no entry of `bridge classpath` "
                f"(the module {JAVA_HOST_MODULE.relative_to(ROOT)} builds it: `make jars`)")
    return None


def must_run(host: Host) -> bool:
    """Whether a missing ``host`` fails the suite instead of skipping it: under CI, once its module exists."""
    return os.environ.get("CI") == "true" and (host.name == "python" or JAVA_HOST_MODULE.is_dir())


@functools.cache
def _java_host_built() -> bool:
    return any(_holds(entry, JAVA_HOST_MAIN) for entry in _classpath())


def _classpath() -> list[Path]:
    """The entries ``bridge classpath`` prints; before that command exists, the jars ``make jars`` copies."""
    try:
        proc = subprocess.run([*BRIDGE, "classpath"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired):
        proc = None
    if proc is not None and proc.returncode == 0 and proc.stdout.strip():
        return [Path(p) for p in proc.stdout.strip().split(os.pathsep) if p]
    return sorted(JARS.glob("*.jar"))


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
