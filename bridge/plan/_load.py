"""Reading plans from JSON or YAML files, with errors that name the file and the field path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import ValidationError

from bridge.errors import PlanError
from bridge.plan._models import AgentPlan


def _loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif isinstance(item, str) and (item.startswith("function-") or item[:1].isupper() and "Provider" in item):
            continue  # pydantic's union-branch labels, not fields of the plan
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "<root>"


def plan_from_data(data: Any, *, file: str | None = None) -> AgentPlan:
    """Validate already-parsed plan data; every problem is listed with its path."""
    if not isinstance(data, dict):
        raise PlanError(f"a plan is a JSON/YAML object, got {type(data).__name__}", file=file)
    try:
        return AgentPlan.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_loc(err['loc'])}: {err['msg']}" for err in exc.errors()]
        first_path = _loc(exc.errors()[0]["loc"]) if exc.errors() else None
        raise PlanError("invalid plan:\n  " + "\n  ".join(problems), file=file, path=first_path) from None


def load_plan(path: str | Path) -> AgentPlan:
    """Read a plan from ``.json``, ``.yaml`` or ``.yml``."""
    p = Path(path)
    name = str(p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PlanError(f"cannot read the plan: {exc.strerror}", file=name) from None
    suffix = p.suffix.lower()
    if suffix == ".json":
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise PlanError(f"not valid JSON: {exc}", file=name) from None
    elif suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise PlanError(f"not valid YAML: {exc}", file=name) from None
    else:
        raise PlanError("unknown plan format: use a .json, .yaml or .yml file", file=name)
    return plan_from_data(data, file=name)
