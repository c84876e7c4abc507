"""Compiling a plan from a Python ``Agent`` class: each ``@action`` static method becomes a PythonFunction.

It produces the plan's wire-form data only; ``AgentPlan.from_agent`` validates it. Returning data rather than
a model keeps this module below the models, so the plan package has no import circle.
"""

from __future__ import annotations

import inspect
from typing import Any

from bridge.api._agent import TRIGGERS_ATTR
from bridge.errors import PlanError


def agent_plan_data(agent: type) -> tuple[dict[str, Any], str | None]:
    """The plan data of ``agent``'s marked static methods, config and resource providers, and its source file.

    The file lets a validation error point at the agent's source.
    """
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
    return data, inspect.getsourcefile(agent) if inspect.isclass(agent) else None
