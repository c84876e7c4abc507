"""Resource kinds actions use through ``ctx.get_resource(name, type)``, whatever language built them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ResourceType(StrEnum):
    """Resource types, with the wire names of the plan's ``resource_providers`` keys."""

    CHAT_MODEL = "chat_model"
    CHAT_MODEL_CONNECTION = "chat_model_connection"
    EMBEDDING_MODEL = "embedding_model"
    EMBEDDING_MODEL_CONNECTION = "embedding_model_connection"
    VECTOR_STORE = "vector_store"
    PROMPT = "prompt"
    TOOL = "tool"
    MCP_SERVER = "mcp_server"


class Resource(ABC):  # noqa: B024 - a marker base: any object with a resource type qualifies
    """Base of every resource; ``resource_type`` says which kind it is."""

    resource_type: ResourceType


@dataclass(frozen=True)
class ToolMetadata:
    """What a model needs to call a tool: its name, description and a JSON schema of its arguments."""

    name: str
    description: str
    args_schema: dict[str, Any] = field(default_factory=dict)


class Tool(Resource):
    """A callable tool with a JSON-schema contract."""

    resource_type = ResourceType.TOOL
    metadata: ToolMetadata

    @abstractmethod
    def call(self, **kwargs: Any) -> Any:
        """Run the tool with named arguments checked against ``metadata.args_schema``."""


class ChatModel(Resource):
    """A chat model: messages ``[{"role", "content"}]`` in, one message out."""

    resource_type = ResourceType.CHAT_MODEL

    @abstractmethod
    def chat(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """Answer the conversation with one message ``{"role": "assistant", "content": ..., ...}``."""


class EmbeddingModel(Resource):
    """Text to a dense vector."""

    resource_type = ResourceType.EMBEDDING_MODEL

    @abstractmethod
    def embed(self, text: str) -> list[float]:
        """The embedding of ``text``."""


class VectorStore(Resource):
    """Similarity search over stored documents."""

    resource_type = ResourceType.VECTOR_STORE

    @abstractmethod
    def query(self, text: str, k: int = 3) -> list[dict[str, Any]]:
        """The ``k`` closest documents: ``[{"id", "content", "score", "metadata"}]``."""
