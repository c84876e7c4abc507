"""The plan: pure data in the Flink Agents wire format (plain models, hand-validated), loaded from JSON or YAML."""

from bridge.plan._allow import check_allowed
from bridge.plan._load import load_plan, plan_from_data
from bridge.plan._models import (
    Action,
    AgentPlan,
    JavaFunction,
    JavaResourceDescriptor,
    JavaResourceProvider,
    PlanConfig,
    PythonFunction,
    PythonResourceDescriptor,
    PythonResourceProvider,
    PythonSerializableResourceProvider,
)

__all__ = [
    "Action",
    "AgentPlan",
    "JavaFunction",
    "JavaResourceDescriptor",
    "JavaResourceProvider",
    "PlanConfig",
    "PythonFunction",
    "PythonResourceDescriptor",
    "PythonResourceProvider",
    "PythonSerializableResourceProvider",
    "check_allowed",
    "load_plan",
    "plan_from_data",
]
