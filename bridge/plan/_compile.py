"""Compiling a plan from a Python ``Agent`` class: each ``@action`` static method becomes a PythonFunction."""

from __future__ import annotations

import inspect
from typing import Any

from bridge.api._agent import TRIGGERS_ATTR
from bridge.errors import PlanError
from bridge.plan._load import plan_from_data


def compile_agent(agent: type) -> Any:
    """Build an ``AgentPlan`` from ``agent``'s marked static methods, config and resource providers."""
    actions: dict[str, Any] = {}
    for klass in reversed(agent.__mro__):
        for name, member in vars(klass).items():
            target = member.__func__ if isinstance(member, staticmethod) else member
            triggers = getattr(target, TRIGGERS_ATTR, None)
            if triggers is None:
                continue
            if not isinstance(member, staticmethod):
                raise PlanError(f"{agent.__qualname__}.{name}: actions must be static methods "
                                "(add @staticmethod); they get (event, ctx), not self")
            if "<locals>" in target.__qualname__:
                raise PlanError(f"{agent.__qualname__}.{name}: an agent defined inside a function cannot be "
                                "imported by name; define it at module level")
            actions[name] = {
                "name": name,
                "exec": {"func_type": "PythonFunction", "module": target.__module__,
                         "qualname": target.__qualname__},
                "trigger_conditions": list(triggers),
                "config": None,
            }
    if not actions:
        raise PlanError(f"{agent.__qualname__} has no @action static methods")
    data = {
        "agent_name": agent.__name__,
        "actions": actions,
        "resource_providers": dict(getattr(agent, "resource_providers", {}) or {}),
        "config": {"conf_data": dict(getattr(agent, "config", {}) or {})},
    }
    return plan_from_data(data, file=inspect.getsourcefile(agent) if inspect.isclass(agent) else None)
