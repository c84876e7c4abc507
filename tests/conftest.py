"""Shared test helpers: where ``../shared`` is, and how its absence is handled (skip here, fail on CI).

Test modules do ``from conftest import ...``. The folders have no ``__init__.py``, so pytest imports a nested
conftest.py under the same module name and it shadows this one for every module collected after it
(``ImportError: cannot import name 'java_plan' from 'conftest'``): fixtures for a folder go here, or into that
folder's test modules (``from postgres_server import postgres_server``, as tests/flink/test_flink_run.py does:
not here, since action modules that import this one also run in child processes without tests/ on their path).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# One JVM serves the whole test session; a small heap keeps the out-of-memory test quick.
os.environ.setdefault("BRIDGE_JVM_OPTIONS", "-Xmx512m")
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; skips the test when missing (fails when CI=true, where it must exist)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"missing shared test data: {path} (the ../shared folder beside the project root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


JARS = ROOT / "java" / "dist" / "target" / "jars"



@pytest.fixture(scope="session")
def java_built() -> Path:
    """The built Java jars; skips (fails on CI, where `make test` builds them first) when absent."""
    if not any(JARS.glob("bridge-runtime-*.jar")):
        message = f"the Java build is missing: no bridge-runtime jar in {JARS} (run `make jars`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return JARS


def java_plan(actions: dict, resources: dict | None = None, conf: dict | None = None):
    """A plan from compact action specs: ``name -> (exec dict, [triggers])`` (config optional third)."""
    from bridge.plan import plan_from_data

    spec = {name: {"name": name, "exec": exec_, "trigger_conditions": triggers,
                   "config": rest[0] if rest else None}
            for name, (exec_, triggers, *rest) in actions.items()}
    return plan_from_data({"agent_name": "test", "actions": spec, "resource_providers": resources or {},
                           "config": {"conf_data": conf or {}}})


def java_fn(cls: str, method: str) -> dict:
    """A JavaFunction descriptor of a (Event, RunnerContext) method."""
    return {"func_type": "JavaFunction", "qualname": cls, "method_name": method,
            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]}


def py_fn(module: str, qualname: str) -> dict:
    """A PythonFunction descriptor."""
    return {"func_type": "PythonFunction", "module": module, "qualname": qualname}


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001 - pytest's hook
    """Which host ran which conformance scenario, and how it ended (``-q`` shows only dots otherwise)."""
    results: dict[str, dict[str, str]] = {}
    for outcome in ("passed", "failed", "skipped", "xfailed", "xpassed"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if "test_conformance.py::test_scenario[" not in nodeid or getattr(report, "when", "call") == "teardown":
                continue
            host, _, scenario = nodeid.split("[", 1)[1].rstrip("]").partition("-")
            results.setdefault(scenario, {})[host] = outcome
    if not results:
        return
    hosts = sorted({h for by_host in results.values() for h in by_host})
    terminalreporter.section("conformance scenarios by host")
    terminalreporter.write_line(f"{'scenario':<28}" + "".join(f"{h:<10}" for h in hosts))
    for scenario in sorted(results):
        terminalreporter.write_line(f"{scenario:<28}" + "".join(f"{results[scenario].get(h, '-'):<10}"
                                                                for h in hosts))
