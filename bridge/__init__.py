"""bridge: run agent plans that mix Java and Python actions, in one process, from Python."""

from bridge.api import (
    Agent,
    CallResult,
    Event,
    InputEvent,
    MemoryObject,
    OutputEvent,
    ResourceType,
    RunnerContext,
    action,
    gather,
)
from bridge.errors import (
    ActionError,
    BridgeError,
    InputError,
    JavaError,
    PlanError,
    ResourceError,
    ValueContractError,
)
from bridge.plan import AgentPlan, load_plan
from bridge.runtime import ActionState, RunReport, Runtime

__all__ = [
    "ActionError",
    "ActionState",
    "Agent",
    "AgentPlan",
    "BridgeError",
    "CallResult",
    "Event",
    "InputError",
    "InputEvent",
    "JavaError",
    "MemoryObject",
    "OutputEvent",
    "PlanError",
    "ResourceError",
    "ResourceType",
    "RunReport",
    "RunnerContext",
    "Runtime",
    "ValueContractError",
    "action",
    "gather",
    "load_plan",
]
__version__ = "0.1.0"
