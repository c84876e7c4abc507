"""Scenarios as data, and what a host's run must match: the form README.md describes, in plain JSON.

A difference is said per key and per place (``outputs[1].trail[0]``, ``short_term_memory.values.big``), with
both values and their JSON types, so a failure says what differs without a second run. Values are compared
strictly: ``1``, ``1.0`` and ``true`` differ, and so do ``0.0`` and ``-0.0``; object member order does not count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conformance.crash import Crash, parse
from tests.conformance.hosts import HOSTS, Run

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SHOWN = 12  # differences listed per key before the rest are counted


@dataclass
class ExpectedKey:
    """What one key must end with."""

    key: Any
    outputs: list[Any]
    memory: dict[str, Any]
    errors: list[dict[str, str]] = field(default_factory=list)  # {"action", "error" (type), "message"?}


@dataclass
class Scenario:
    """A scenario folder: ``plan.json``, ``input.jsonl`` and ``expected.json``."""

    name: str
    folder: Path
    about: str
    keys: list[ExpectedKey]
    pending: dict[str, str] = field(default_factory=dict)  # host -> why it does not conform yet
    crash: Crash | None = None  # kill points and side effects of a crash-and-resume scenario (crash.py)

    @property
    def needs_java(self) -> bool:
        """Whether the plan names Java code (actions or resources), so the Python host needs the Java build."""
        text = (self.folder / "plan.json").read_text(encoding="utf-8")
        return "JavaFunction" in text or "JavaResourceProvider" in text


def load(name: str) -> Scenario:
    """Read a scenario; a malformed expected file fails with its path and what is wrong."""
    folder = SCENARIOS / name
    path = folder / "expected.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    keys = []
    for i, entry in enumerate(data["keys"]):
        unknown = set(entry) - {"key", "outputs", "short_term_memory", "errors", "why"}
        if unknown or "key" not in entry:
            raise ValueError(f"{path}: keys[{i}] has unknown fields {sorted(unknown)} or no 'key'")
        keys.append(ExpectedKey(entry["key"], entry.get("outputs", []), entry.get("short_term_memory", {}),
                                entry.get("errors", [])))
    ids = [key_id(k.key) for k in keys]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: a key is listed twice")
    pending = data.get("pending", {})
    if not isinstance(pending, dict) or not all(isinstance(v, str) and v for v in pending.values()):
        raise ValueError(f"{path}: 'pending' maps a host name to why it does not conform yet")
    crash = parse(data["crash"], path) if "crash" in data else None
    if crash is not None and any(k.errors for k in keys):
        raise ValueError(f"{path}: a crash scenario expects no errors (a failure a killed run reported is not in "
                         "the report of the run that completes)")
    return Scenario(name, folder, data.get("about", ""), keys, pending, crash)


def names() -> list[str]:
    """Every scenario folder, in name order."""
    return sorted(p.parent.name for p in SCENARIOS.glob("*/expected.json"))


def key_id(key: Any) -> str:
    """A key's identity: its canonical JSON text, so 1, 1.0, true and "1" are four keys."""
    return json.dumps(key, sort_keys=True, ensure_ascii=False)


def differences(scenario: Scenario, run: Run) -> list[str]:
    """Everything in which ``run`` differs from the scenario's expectations; empty when it conforms."""
    found: list[str] = list(run.findings)
    report = run.report
    if report is None:
        return [*found, f"the {run.host} host wrote no report (exit code {run.exit_code})"]
    runtime = HOSTS[run.host].runtime if run.host in HOSTS else run.host
    if report.get("host") != runtime:
        found.append(f"the report names host {report.get('host')!r}, not {runtime!r}")
    failing = any(k.errors for k in scenario.keys)
    if run.exit_code != (1 if failing else 0):
        found.append(f"exit code {run.exit_code}, expected {1 if failing else 0} "
                     f"({'some' if failing else 'no'} action fails in this scenario)")
    reported = {key_id(entry["key"]): entry for entry in report.get("keys", [])}
    outputs: dict[str, list[Any]] = {}
    for key, output in run.outputs:
        outputs.setdefault(key_id(key), []).append(output)
    expected_ids = {key_id(k.key) for k in scenario.keys}
    for kid in reported.keys() - expected_ids:
        found.append(f"key {kid}: in the report but not expected (a key that had no input?)")
    for kid in outputs.keys() - expected_ids:
        found.append(f"key {kid}: has outputs but is not expected: {_show(outputs[kid])}")
    for expected in scenario.keys:
        kid = key_id(expected.key)
        entry = reported.get(kid)
        if entry is None:
            found.append(f"key {kid}: missing from the report (it had input)")
            continue
        diffs = value_differences(expected.outputs, outputs.get(kid, []), "outputs")
        diffs += value_differences(expected.memory, entry.get("short_term_memory"), "short_term_memory")
        diffs += _error_differences(expected, entry)
        found += [f"key {kid}: {d}" for d in diffs[:SHOWN]]
        if len(diffs) > SHOWN:
            found.append(f"key {kid}: ... and {len(diffs) - SHOWN} more differences")
    return found


def _error_differences(expected: ExpectedKey, entry: dict[str, Any]) -> list[str]:
    found = []
    status = "error" if expected.errors else "ok"
    if entry.get("status") != status:
        found.append(f"status {entry.get('status')!r}, expected {status!r}")
    actual = entry.get("errors", [])
    if len(actual) != len(expected.errors):
        found.append(f"errors: expected {'; '.join(map(_wanted, expected.errors)) or 'none'}, got "
                     f"{'; '.join(map(_got, actual)) or 'none'}")
        return found
    for i, (want, got) in enumerate(zip(expected.errors, actual, strict=True)):
        kind, _, message = str(got.get("error", "")).partition(": ")
        if got.get("action") != want["action"] or kind != want["error"] or want.get("message", "") not in message:
            found.append(f"errors[{i}]: expected {_wanted(want)}, got {_got(got)}")
    return found


def _wanted(error: dict[str, str]) -> str:
    message = f" containing {error['message']!r}" if error.get("message") else ""
    return f"action {error['action']!r} failing with {error['error']}{message}"


def _got(error: dict[str, Any]) -> str:
    text = str(error.get("error"))
    if len(text) > 200:
        text = text[:200] + "..."
    return f"action {error.get('action')!r} failing with {text!r}"


def value_differences(expected: Any, actual: Any, path: str) -> list[str]:
    """Where two JSON values differ, strictly (types included), each as ``path: expected X, got Y``."""
    if type(expected) is not type(actual):
        return [f"{path}: expected {_show(expected)}, got {_show(actual)}"]
    if isinstance(expected, dict):
        found = [f"{path}.{name}: expected {_show(expected[name])}, missing" for name in expected if name not in actual]
        found += [f"{path}.{name}: not expected, got {_show(actual[name])}" for name in actual if name not in expected]
        for name in expected:
            if name in actual:
                found += value_differences(expected[name], actual[name], f"{path}.{name}")
        return found
    if isinstance(expected, list):
        found = []
        if len(expected) != len(actual):
            found.append(f"{path}: expected {len(expected)} items, got {len(actual)}: {_show(actual)}")
        for i, (want, got) in enumerate(zip(expected, actual, strict=False)):
            found += value_differences(want, got, f"{path}[{i}]")
        return found
    if (isinstance(expected, float) and repr(expected) != repr(actual)) or expected != actual:
        return [f"{path}: expected {_show(expected)}, got {_show(actual)}"]
    return []


_KINDS = {dict: "object", list: "array", str: "string", int: "integer", float: "float", bool: "boolean",
          type(None): "null"}


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > 160:
        text = text[:150] + "..."
    return f"{text} ({_KINDS.get(type(value), type(value).__name__)})"
