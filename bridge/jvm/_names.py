"""Every Java name the Python side calls or implements, in one place.

A rename on the Java side otherwise breaks only at run time; ``tests/jvm/test_names.py`` resolves each entry
against the built jars (``EntryPointsTest`` is the Java-side mirror).
"""

from __future__ import annotations

API = "dev.bridge.api"
RUNTIME = "dev.bridge.runtime"

JAVA_ACTION = f"{RUNTIME}.JavaAction"
JAVA_RESOURCES = f"{RUNTIME}.JavaResources"
JAVA_TOOL = f"{RUNTIME}.JavaTool"
PORTABLE_VALUES = f"{RUNTIME}.PortableValues"
HOST_ACCESS = f"{RUNTIME}.HostAccess"
PYTHON_RESOURCE = f"{API}.PythonResource"
RESOURCE_TYPE = f"{API}.ResourceType"
EMBEDDING_MODEL = f"{API}.EmbeddingModel"
CHAT_MODEL = f"{API}.ChatModel"
VECTOR_STORE = f"{API}.VectorStore"
PY4J_GATEWAY = f"{RUNTIME}.py4j.Py4JGateway"  # the py4j mode's child JVM: its main and its entry point's methods

#: Java class -> methods Python calls on it.
CALLED: dict[str, tuple[str, ...]] = {
    JAVA_ACTION: ("resolve", "invokeUtf8", "resumeUtf8"),
    JAVA_RESOURCES: ("create", "tools"),
    JAVA_TOOL: ("getName", "getDescription", "getSchemaJson", "getParameterNames", "getTarget", "getMethodName",
                "callJson"),
    PORTABLE_VALUES: ("toJson", "fromJson"),
    RESOURCE_TYPE: ("fromValue",),
    EMBEDDING_MODEL: ("embed", "dimension"),
    CHAT_MODEL: ("chat",),
    VECTOR_STORE: ("query",),
    PY4J_GATEWAY: ("main", "isInstance", "loadClass", "floatsLittleEndian", "hold", "strings", "pid"),
}

#: Java interface -> methods Python implements through proxies.
IMPLEMENTED: dict[str, tuple[str, ...]] = {
    HOST_ACCESS: ("readMemory", "getResource", "wake"),
    PYTHON_RESOURCE: ("getResourceType", "invoke"),
}
