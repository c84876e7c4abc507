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
    AgentLoopError,
    BridgeError,
    CallTimeoutError,
    ContextError,
    EventError,
    InputError,
    JavaError,
    JvmError,
    MemoryPathError,
    OutputSchemaError,
    PlanError,
    ResourceError,
    StepLimitError,
    ToolArgumentError,
    TriggerError,
    ValueContractError,
)
from bridge.jvm import register_default as _register_jvm
from bridge.plan import AgentPlan, load_plan
from bridge.runtime import ActionState, RunReport, Runtime

_register_jvm()  # the runtime reaches Java through the JPype backend unless given another (Runtime(java=...))

__all__ = [
    "ActionError",
    "ActionState",
    "Agent",
    "AgentLoopError",
    "AgentPlan",
    "BridgeError",
    "CallResult",
    "CallTimeoutError",
    "ContextError",
    "Event",
    "EventError",
    "InputError",
    "InputEvent",
    "JavaError",
    "JvmError",
    "MemoryObject",
    "MemoryPathError",
    "OutputEvent",
    "OutputSchemaError",
    "PlanError",
    "ResourceError",
    "ResourceType",
    "RunReport",
    "RunnerContext",
    "Runtime",
    "StepLimitError",
    "ToolArgumentError",
    "TriggerError",
    "ValueContractError",
    "action",
    "gather",
    "load_plan",
]
__version__ = "0.1.0"
