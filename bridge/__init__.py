"""bridge: run agent plans that mix Java and Python actions, in one process, from Python."""

from bridge.api import (
    RUN_AGAIN,
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
    FlinkJobError,
    FlinkMissingError,
    InputError,
    JavaError,
    JvmError,
    MemoryPathError,
    NonDeterminismError,
    OutputSchemaError,
    PlanError,
    ReplayError,
    ResourceError,
    StateError,
    StepLimitError,
    ToolArgumentError,
    TriggerError,
    ValueContractError,
)
from bridge.plan import AgentPlan, load_plan
from bridge.runtime import ActionState, RunReport, Runtime
from bridge.runtime import register_java as _register_java


def _jpype_backend(conf: dict) -> object:
    """The JPype backend, imported when a plan first needs Java (a Python-only run never loads bridge.jvm)."""
    from bridge.jvm import default_bridge

    return default_bridge(conf)


_register_java(_jpype_backend)  # the runtime reaches Java through JPype unless given another (Runtime(java=...))

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
    "FlinkJobError",
    "FlinkMissingError",
    "InputError",
    "InputEvent",
    "JavaError",
    "JvmError",
    "MemoryObject",
    "MemoryPathError",
    "NonDeterminismError",
    "OutputEvent",
    "OutputSchemaError",
    "PlanError",
    "RUN_AGAIN",
    "ReplayError",
    "ResourceError",
    "ResourceType",
    "RunReport",
    "RunnerContext",
    "Runtime",
    "StateError",
    "StepLimitError",
    "ToolArgumentError",
    "TriggerError",
    "ValueContractError",
    "action",
    "gather",
    "load_plan",
]
__version__ = "0.1.0"
