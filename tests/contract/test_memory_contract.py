"""The shared memory case files (tests/contract/memory), run against the Python memory and, through the JVM,
against a Java action's memory committed by the Python host. JUnit runs the same files against Java alone.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import pytest

from bridge import MemoryObject, MemoryPathError, Runtime, ValueContractError
from bridge.runtime import MemoryStore
from bridge.runtime._memory import MemoryView
from tests.conftest import java_fn, java_plan

CASES_DIR = Path(__file__).parent / "memory"


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and isinstance(obj.get("$bytes"), str):
        return base64.b64decode(obj["$bytes"])
    if len(obj) == 1 and isinstance(obj.get("$float"), str):
        return float(obj["$float"])
    return obj


def _load() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"), object_hook=_decode)["cases"]:
            cases.append((f"{path.stem}: {case['name']}", case))
    return cases


CASES = _load()


def same(expected: Any, actual: Any) -> bool:
    """Equality that tells 1, 1.0 and True apart (and NaN from nothing)."""
    if type(expected) is not type(actual):
        return False
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(same(a, b) for a, b in zip(expected, actual, strict=True))
    if isinstance(expected, dict):
        return expected.keys() == actual.keys() and all(same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(actual)
    return expected == actual


def _describe(value: Any) -> Any:
    if isinstance(value, MemoryObject):
        return {"$object": value.get_field_names()}
    return value


def _python_step(store: MemoryStore, step: dict[str, Any]) -> dict[str, Any]:
    root = MemoryView(store, step.get("memory", "short_term"))
    try:
        if "set" in step:
            root.set(step["set"], step["value"])
        elif "new_object" in step:
            root.new_object(step["new_object"], overwrite=step.get("overwrite", False))
        elif "get" in step:
            return {"value": _describe(root.get(step["get"]))}
        elif "is_exist" in step:
            return {"value": root.is_exist(step["is_exist"])}
        elif "field_names" in step or "fields" in step:
            path = step.get("field_names", step.get("fields"))
            node = root if not path else root.get(path)
            if not isinstance(node, MemoryObject):
                return {"value": [] if "field_names" in step else {}}
            if "field_names" in step:
                return {"value": node.get_field_names()}
            return {"value": {k: _describe(v) for k, v in node.get_fields().items()}}
        else:
            raise AssertionError(f"unknown step {step}")
    except MemoryPathError:
        return {"error": "path"}
    except ValueContractError:
        return {"error": "value"}
    return {"ok": True}


def _check(case: dict[str, Any], step: dict[str, Any], result: dict[str, Any]) -> None:
    where = f"case {case['name']!r}, step {step}"
    if "error" in step:
        assert result.get("error") == step["error"], f"{where}: expected a {step['error']} error, got {result}"
    elif "expect" in step:
        assert "value" in result and same(step["expect"], result["value"]), f"{where}: read {result}"
    else:
        assert result == {"ok": True}, f"{where}: {result}"


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[name for name, _ in CASES])
def test_python_memory_follows_the_shared_case(case: dict[str, Any]) -> None:
    store = MemoryStore()
    store.begin()
    for step in case["steps"]:
        if "commit" in step:
            store.commit()
            store.begin()
            continue
        _check(case, step, _python_step(store, step))


def _chunks(steps: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    chunks: list[list[dict[str, Any]]] = [[]]
    for step in steps:
        if "commit" in step:
            chunks.append([])
        else:
            chunks[-1].append(step)
    return [c for c in chunks if c]


def _wire(value: Any) -> Any:
    """Case values as JSON can carry them to Java: bytes tagged, floats JSON lacks and lone surrogates marked."""
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value).replace("inf", "Infinity").replace("nan", "NaN")}
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "$json:" + json.dumps(value)
        return value
    if isinstance(value, list):
        return [_wire(v) for v in value]
    if isinstance(value, dict):
        return {_wire(k): _wire(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def java_runtime(java_built: Path) -> Runtime:
    plan = java_plan({"steps": (java_fn("dev.bridge.examples.ContractActions", "runSteps"), ["_input_event"])})
    with Runtime(plan) as runtime:
        yield runtime


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[name for name, _ in CASES])
def test_java_memory_committed_by_the_python_host_follows_the_shared_case(case: dict[str, Any],
                                                                          java_runtime: Runtime) -> None:
    key = f"contract {case['name']}"
    for chunk in _chunks(case["steps"]):
        report = java_runtime.run([(key, {"steps": [_wire(s) for s in chunk]})])
        assert report.ok, report.errors
        [(_, output)] = report.outputs
        for step, result in zip(chunk, output["results"], strict=True):
            if "expect" in result:
                result = dict(result)
            _check(case, step, result)
