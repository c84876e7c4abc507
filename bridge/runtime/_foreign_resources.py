"""Java resources seen from Python under a foreign (Java) host: JSON through the host's ``resources`` object.

Under the Python host, JPype wraps the Java objects (``bridge.jvm._resources``). Under the Java host JPype must
not start, so each wrapper here names the resource and calls ``resources.call(type, name, method, args_json)``,
which the host answers with ``{"result": value}`` or ``{"error": {"class", "message"}}`` as JSON. The host
builds each Java resource once and keeps it; Java actions get the same object.
"""

from __future__ import annotations

from typing import Any

from bridge.api._resources import (
    ChatModel,
    EmbeddingModel,
    Resource,
    ResourceType,
    Tool,
    ToolMetadata,
    VectorStore,
)
from bridge.api._values import dumps_str, loads
from bridge.errors import JavaError


class _Remote:
    """Calls one Java resource of the host by type and name."""

    def __init__(self, resources: Any, rtype: str, name: str) -> None:
        self._resources = resources
        self._type = rtype
        self._name = name

    def _call(self, method: str, **kwargs: Any) -> Any:
        answer = loads(str(self._resources.call(self._type, self._name, method, dumps_str(kwargs))))
        error = answer.get("error")
        if error is not None:
            raise JavaError.from_dict(error, context=f"Java {self._type} '{self._name}'")
        return answer.get("result")


class ForeignTool(_Remote, Tool):
    """A Java ``@Tool``; the Java side checks the arguments against its schema."""

    def __init__(self, resources: Any, name: str) -> None:
        super().__init__(resources, ResourceType.TOOL.value, name)
        info = loads(str(resources.info(self._type, name)))
        self.metadata = ToolMetadata(info["name"], info.get("description", ""), info.get("schema") or {})

    def call(self, **kwargs: Any) -> Any:
        return self._call("call", **kwargs)


class ForeignEmbeddingModel(_Remote, EmbeddingModel):
    """A ``dev.bridge.api.EmbeddingModel``."""

    def embed(self, text: str) -> list[float]:
        return self._call("embed", text=text)


class ForeignChatModel(_Remote, ChatModel):
    """A ``dev.bridge.api.ChatModel``."""

    def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return self._call("chat", messages=messages, tools=tools or [])


class ForeignVectorStore(_Remote, VectorStore):
    """A ``dev.bridge.api.VectorStore``."""

    def query(self, text: str, k: int = 3) -> list[dict[str, Any]]:
        return self._call("query", text=text, k=k)


class ForeignResource(_Remote, Resource):
    """Any other Java resource: ``invoke(method, **kwargs)`` is not offered under this host yet."""


_KINDS: dict[str, type[_Remote]] = {
    ResourceType.EMBEDDING_MODEL.value: ForeignEmbeddingModel,
    ResourceType.CHAT_MODEL.value: ForeignChatModel,
    ResourceType.VECTOR_STORE.value: ForeignVectorStore,
}


def foreign_resource(resources: Any, provider: Any) -> Any:
    """The Python face of the plan's Java resource ``provider``, built (once) by the host."""
    if provider.type == ResourceType.TOOL.value:
        return ForeignTool(resources, provider.name)
    return _KINDS.get(provider.type, ForeignResource)(resources, provider.type, provider.name)
