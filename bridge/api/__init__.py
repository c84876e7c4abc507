"""What action authors code against. Imports nothing heavy: no JVM bridge, no runtime."""

from bridge.api._agent import Agent, action
from bridge.api._calls import RUN_AGAIN, CallResult, Gather, PendingCall, gather
from bridge.api._context import RunnerContext
from bridge.api._events import (
    ChatRequestEvent,
    ChatResponseEvent,
    ContextRetrievalRequestEvent,
    ContextRetrievalResponseEvent,
    Event,
    InputEvent,
    OutputEvent,
    ToolRequestEvent,
    ToolResponseEvent,
)
from bridge.api._memory import MemoryObject
from bridge.api._resources import (
    ChatModel,
    EmbeddingModel,
    Resource,
    ResourceType,
    Tool,
    ToolMetadata,
    VectorStore,
)
from bridge.api._values import check_portable

__all__ = [
    "RUN_AGAIN",
    "Agent",
    "CallResult",
    "ChatModel",
    "ChatRequestEvent",
    "ChatResponseEvent",
    "ContextRetrievalRequestEvent",
    "ContextRetrievalResponseEvent",
    "EmbeddingModel",
    "Event",
    "Gather",
    "InputEvent",
    "MemoryObject",
    "OutputEvent",
    "PendingCall",
    "Resource",
    "ResourceType",
    "RunnerContext",
    "Tool",
    "ToolMetadata",
    "ToolRequestEvent",
    "ToolResponseEvent",
    "VectorStore",
    "action",
    "check_portable",
    "gather",
]
