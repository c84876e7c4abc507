"""Resolving the plan's Python function and class names to objects, with errors naming what was tried."""

from __future__ import annotations

import importlib
from typing import Any

from bridge.errors import PlanError


def import_qualified(module: str, qualname: str, *, what: str) -> Any:
    """Import ``module`` and walk ``qualname`` (``Outer.inner``); ``what`` names the action or resource."""
    try:
        obj: Any = importlib.import_module(module)
    except ImportError as exc:
        raise PlanError(f"{what}: cannot import module '{module}' ({exc}); is it installed or on PYTHONPATH?",
                        path=what) from None
    walked = module
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise PlanError(f"{what}: '{walked}' has no attribute '{part}' (looking up '{module}:{qualname}')",
                            path=what) from None
        walked = f"{walked}.{part}"
    if isinstance(obj, staticmethod):
        obj = obj.__func__
    return obj


def resolve_python_action(action_name: str, module: str, qualname: str) -> Any:
    """The callable behind a PythonFunction descriptor."""
    fn = import_qualified(module, qualname, what=f"action '{action_name}'")
    if not callable(fn):
        raise PlanError(f"action '{action_name}': '{module}:{qualname}' is a {type(fn).__name__}, not a function",
                        path=f"action '{action_name}'")
    return fn
