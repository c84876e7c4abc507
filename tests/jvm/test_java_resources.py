"""Java resources from Python: tools with schemas, the MiniLM model, chat model, vector store, failures."""

import pytest
from conftest import java_plan, py_fn

from bridge import JavaError, OutputEvent, ResourceError, ResourceType, Runtime, ToolArgumentError

pytestmark = pytest.mark.usefixtures("java_built")
HERE = "test_java_resources"


def _java(name: str, rtype: str, cls: str, arguments: dict | None = None, **extra) -> dict:
    return {rtype: {name: {"name": name, "type": rtype, "__resource_provider_type__": "JavaResourceProvider",
                           "descriptor": {"target_clazz": cls, "arguments": arguments or {}, **extra}}}}


def use_resource(event, ctx):
    spec = event.input
    resource = ctx.get_resource(spec["name"], spec["type"])
    result = getattr(resource, spec["method"])(*spec.get("args", []), **spec.get("kwargs", {}))
    ctx.send_event(OutputEvent(output=result))


def _runtime(resources: dict) -> Runtime:
    return Runtime(java_plan({"use": (py_fn(HERE, "use_resource"), ["_input_event"])}, resources))


def _resource(resources: dict, name: str, rtype: ResourceType):
    return _runtime(resources)._resources.get(name, rtype)


UNITS = _java("convert", "tool", "dev.bridge.examples.UnitTools")
FAULTY = {"tool": {**_java("recurse", "tool", "dev.bridge.examples.FaultyTools")["tool"],
                   **_java("exhaust_heap", "tool", "dev.bridge.examples.FaultyTools")["tool"],
                   **_java("refuse", "tool", "dev.bridge.examples.FaultyTools")["tool"]}}


def test_a_java_tool_called_from_python_honours_its_schema() -> None:
    tool = _resource(UNITS, "convert", ResourceType.TOOL)
    assert tool.metadata.name == "convert"
    assert tool.metadata.args_schema["required"] == ["value", "from", "to"]
    assert tool.metadata.args_schema["properties"]["value"]["type"] == "number"
    assert tool.call(value=10, **{"from": "km", "to": "mi"}) == pytest.approx(6.21371192)
    with pytest.raises(ToolArgumentError, match="tool 'convert': missing required argument.*to"):
        tool.call(value=10, **{"from": "km"})
    with pytest.raises(ToolArgumentError, match="argument 'value': expected number, got str"):
        tool.call(value="ten", **{"from": "km", "to": "mi"})
    with pytest.raises(ToolArgumentError, match="unknown argument.*unit"):
        tool.call(value=1, unit="km", **{"from": "km", "to": "mi"})


def test_a_java_tool_exception_keeps_its_class_message_and_stack_with_causes() -> None:
    tool = _resource(FAULTY, "refuse", ResourceType.TOOL)
    with pytest.raises(JavaError) as info:
        tool.call(reason="closed")
    assert info.value.java_class == "java.lang.IllegalStateException"
    assert info.value.java_message == "refused: closed"
    assert "UnsupportedOperationException: inner cause" in info.value.stack


@pytest.mark.parametrize(("tool", "kwargs", "java_class"), [
    ("recurse", {"depth": 0}, "java.lang.StackOverflowError"),
    ("exhaust_heap", {"chunk_mb": 64}, "java.lang.OutOfMemoryError"),
])
def test_stack_overflow_and_out_of_memory_in_a_tool_fail_the_event_not_the_process(tool, kwargs, java_class):
    with _runtime({"tool": {**FAULTY["tool"], **UNITS["tool"]}}) as rt:
        report = rt.run([("k", {"name": tool, "type": "tool", "method": "call", "kwargs": kwargs}),
                         ("k", {"name": "convert", "type": "tool", "method": "call",
                                "kwargs": {"value": 1, "from": "kg", "to": "lb"}})])
    (error,) = report.errors
    assert error.cause.java_class == java_class
    assert len(report.outputs) == 1, "the next input of the same key still runs"


def test_the_java_minilm_embedding_model_ranks_related_text_higher() -> None:
    model = _resource(_java("minilm", "embedding_model", "dev.bridge.examples.MiniLmEmbeddingModel"),
                      "minilm", ResourceType.EMBEDDING_MODEL)
    query, near, far = (model.embed(t) for t in (
        "How can I send an item back for a refund?", "You can return any item within 30 days for a full refund.",
        "The monitor ships from our warehouse in Leipzig."))
    assert len(query) == 384 and all(isinstance(x, float) for x in query)

    def cos(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True)) / (sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5

    assert cos(query, near) > cos(query, far) + 0.1


def test_a_java_vector_store_and_chat_model_are_usable_from_python() -> None:
    docs = [{"id": "returns", "content": "Returns are accepted within 30 days."},
            {"id": "shipping", "content": "Shipping takes five business days."}]
    store = _resource(_java("kb", "vector_store", "dev.bridge.examples.InMemoryVectorStore", {"documents": docs}),
                      "kb", ResourceType.VECTOR_STORE)
    hits = store.query("can I send it back?", 1)
    assert [h["id"] for h in hits] == ["returns"] and isinstance(hits[0]["score"], float)
    chat = _resource(_java("local", "chat_model", "dev.bridge.examples.DeterministicLocalChatModel"),
                     "local", ResourceType.CHAT_MODEL)
    answer = chat.chat([{"role": "user", "content": "hello"}])
    assert answer["role"] == "assistant" and isinstance(answer["content"], str)


def test_an_unknown_java_resource_class_names_the_class_and_the_classpath() -> None:
    with pytest.raises(JavaError) as info:
        _resource(_java("x", "tool", "dev.bridge.examples.NoSuchTools"), "x", ResourceType.TOOL)
    assert "dev.bridge.examples.NoSuchTools" in str(info.value)
    assert "resource_providers.tool.x" in str(info.value) and "classpath" in str(info.value).lower()


def test_a_tool_provider_naming_no_tool_of_its_class_lists_the_tools() -> None:
    with pytest.raises(ResourceError, match="no @Tool named 'nope'.*calculate, convert"):
        _resource(_java("nope", "tool", "dev.bridge.examples.UnitTools"), "nope", ResourceType.TOOL)
