"""The hosts a conformance scenario runs under, and one run of a scenario under a host.

Every host is driven the same way, through the command line users have: ``bridge run PLAN --input IN --output
OUT --report REPORT`` in a child process (``--host java`` for the Java host, ``--jvm py4j`` for the Python host
with its JVM in a child process through py4j). The run's outputs and report
are then compared with the scenario's expectations by :mod:`tests.conformance.compare`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.testing import BRIDGE, java_host_missing, run_cli

ROOT = Path(__file__).resolve().parents[2]
JARS = ROOT / "java" / "dist" / "target" / "jars"
JAVA_HOST_MODULE = ROOT / "java" / "host"
RUN_TIMEOUT = 120.0  # seconds; a scenario takes about one; this only guards against a hang


@dataclass(frozen=True)
class Host:
    """A host: its name (a test id's first part), the ``bridge run`` arguments that select it, and the runtime
    that owns the run (what its report's ``host`` names)."""

    name: str
    args: tuple[str, ...]
    runtime: str = "python"


HOSTS = {"python": Host("python", ()), "java": Host("java", ("--host", "java"), "java"),
         "py4j": Host("py4j", ("--jvm", "py4j"))}


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
    run = run_cli(folder / "plan.json", folder / "input.jsonl", work, *host.args, *extra, env=env or environment(),
                  timeout=RUN_TIMEOUT, portable=False)
    return Run(host.name, run.exit_code, run.stderr, run.outputs, run.report)


def missing(host: Host) -> str | None:
    """Why ``host`` cannot run here, or None when it can (the pytest plugin's check of the Java host)."""
    if host.name == "py4j":
        import importlib.util

        return None if importlib.util.find_spec("py4j") else "py4j is not installed (make install)"
    return java_host_missing() if host.name == "java" else None


def must_run(host: Host) -> bool:
    """Whether a missing ``host`` fails the suite instead of skipping it: under CI, once its module exists."""
    return os.environ.get("CI") == "true" and (host.name in ("python", "py4j") or JAVA_HOST_MODULE.is_dir())
