"""Java resources seen from Python: tools, chat models, embedding models and vector stores.

Each wrapper keeps the Java object as ``.java`` so a Java action asking the host for the same resource gets
the object itself, not a round trip through Python.
"""

from __future__ import annotations

from typing import Any

from bridge.api._resources import ChatModel, EmbeddingModel, Resource, Tool, ToolMetadata, VectorStore
from bridge.api._values import dumps_str, loads
from bridge.errors import ResourceError
from bridge.jvm import _names as names
from bridge.jvm._schema import ArgumentChecker

_PLAIN = frozenset({str, int, float, bool, type(None)})


class JavaTool(Tool):
    """A ``@Tool`` Java method; arguments are checked against its schema before Java is called."""

    def __init__(self, bridge: Any, java_tool: Any) -> None:
        self.java = java_tool
        self._bridge = bridge
        name = str(java_tool.getName())
        schema = loads(str(java_tool.getSchemaJson()))
        self.metadata = ToolMetadata(name, str(java_tool.getDescription()), schema)
        self._checker = ArgumentChecker(name, schema, [str(p) for p in java_tool.getParameterNames()])
        target = java_tool.getTarget()
        self._method = getattr(target, str(java_tool.getMethodName())) if target is not None else None
        self._context = f"Java tool '{name}'"

    def call(self, **kwargs: Any) -> Any:
        args = self._checker.fast_positional(kwargs)
        if self._method is None:  # static tool: go through the JSON call
            return loads(str(self._bridge.call(self.java.callJson, dumps_str(kwargs), context=self._context)))
        try:
            result = self._method(*args)
        except Exception as exc:
            raise self._bridge.translate(exc, self._context) from None
        if type(result) in _PLAIN:
            return result
        return float(result) if isinstance(result, float) else self._bridge.to_python(result)

    def __repr__(self) -> str:
        return f"JavaTool({self.metadata.name!r})"


class JavaEmbeddingModel(EmbeddingModel):
    """A ``dev.bridge.api.EmbeddingModel``."""

    def __init__(self, bridge: Any, java: Any) -> None:
        self.java = java
        self._bridge = bridge

    def embed(self, text: str) -> list[float]:
        vector = self._bridge.call(self.java.embed, text, context="Java embedding model")
        return memoryview(vector).tolist()

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        return int(self.java.dimension())


class JavaChatModel(ChatModel):
    """A ``dev.bridge.api.ChatModel``; messages and tool schemas cross as portable values."""

    def __init__(self, bridge: Any, java: Any) -> None:
        self.java = java
        self._bridge = bridge

    def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Ask the Java model, offering ``tools`` (``{name, description, parameters}``) when there are any.

        They go to Java's two-argument ``chat``, whose default ignores them, so a model that calls tools over
        HTTP gets their schemas and one that decides alone (the scripted model) need not know about them.
        """
        to_java = self._bridge.to_java
        if tools:
            answer = self._bridge.call(self.java.chat, to_java(messages), to_java(tools), context="Java chat model")
        else:
            answer = self._bridge.call(self.java.chat, to_java(messages), context="Java chat model")
        return self._bridge.to_python(answer)


class JavaVectorStore(VectorStore):
    """A ``dev.bridge.api.VectorStore``."""

    def __init__(self, bridge: Any, java: Any) -> None:
        self.java = java
        self._bridge = bridge

    def query(self, text: str, k: int = 3) -> list[dict[str, Any]]:
        return self._bridge.to_python(self._bridge.call(self.java.query, text, k, context="Java vector store"))


class JavaResourceHandle(Resource):
    """Any other Java resource: use ``.java`` to call it directly."""

    def __init__(self, java: Any) -> None:
        self.java = java


_KINDS = {names.EMBEDDING_MODEL: JavaEmbeddingModel, names.CHAT_MODEL: JavaChatModel,
          names.VECTOR_STORE: JavaVectorStore}


def wrap_resource(bridge: Any, provider: Any, java_obj: Any, where: str) -> Any:
    """Pick the Python interface for a freshly built Java resource."""
    if provider.type == "tool":
        return JavaTool(bridge, _pick_tool(bridge, provider, java_obj, where))
    for interface, wrapper in _KINDS.items():
        if isinstance(java_obj, bridge.jclass(interface)):
            return wrapper(bridge, java_obj)
    return JavaResourceHandle(java_obj)


def _pick_tool(bridge: Any, provider: Any, java_obj: Any, where: str) -> Any:
    """The ``@Tool`` method a tool provider means: ``descriptor.method``, the resource name, or the only one."""
    tools = list(bridge.call(bridge.jclass(names.JAVA_RESOURCES).tools, java_obj, context=where))
    tool_names = [str(t.getName()) for t in tools]
    wanted = (provider.descriptor.model_extra or {}).get("method") or provider.name
    for tool, name in zip(tools, tool_names, strict=True):
        if name == wanted:
            return tool
    if len(tools) == 1 and "method" not in (provider.descriptor.model_extra or {}):
        return tools[0]
    raise ResourceError(f"{where}: {provider.descriptor.target_clazz} has no @Tool named '{wanted}' "
                        f"(tools: {', '.join(tool_names) or 'none'}); name the resource after one or set "
                        "descriptor.method")
