"""The Python host: scheduler, action executor (refs), context, memory, resources."""

from bridge.runtime._durable import FOREIGN_LOGS
from bridge.runtime._executor import ActionExecutor, ActionKind, ActionState
from bridge.runtime._java import HostServices, JavaHost, register_java
from bridge.runtime._memory import MemoryStore, MemoryUpdate
from bridge.runtime._runtime import RunReport, Runtime
from bridge.runtime._scheduler import ActionRecord

__all__ = ["FOREIGN_LOGS", "ActionExecutor", "ActionKind", "ActionRecord", "ActionState", "HostServices", "JavaHost",
           "MemoryStore", "MemoryUpdate", "RunReport", "Runtime", "register_java"]
