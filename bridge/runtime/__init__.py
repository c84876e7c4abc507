"""The Python host: scheduler, action executor (refs), context, memory, resources."""

from bridge.runtime._executor import ActionExecutor, ActionState
from bridge.runtime._memory import MemoryStore, MemoryUpdate
from bridge.runtime._runtime import RunReport, Runtime
from bridge.runtime._scheduler import ActionRecord

__all__ = ["ActionExecutor", "ActionRecord", "ActionState", "MemoryStore", "MemoryUpdate", "RunReport", "Runtime"]
