package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The kinds of resources, with the names the plan and the Python side use on the wire. */
public enum ResourceType {
    CHAT_MODEL("chat_model"),
    CHAT_MODEL_CONNECTION("chat_model_connection"),
    EMBEDDING_MODEL("embedding_model"),
    EMBEDDING_MODEL_CONNECTION("embedding_model_connection"),
    VECTOR_STORE("vector_store"),
    PROMPT("prompt"),
    TOOL("tool"),
    MCP_SERVER("mcp_server");

    private final String value;

    ResourceType(String value) {
        this.value = value;
    }

    /** Returns the wire name, e.g. {@code "chat_model"}. */
    @JsonValue
    public String getValue() {
        return value;
    }

    /**
     * Returns the type with a wire name.
     *
     * @param value a wire name such as {@code "vector_store"}
     * @return the matching type
     * @throws BridgeException naming the allowed names when none matches
     */
    @JsonCreator
    public static ResourceType fromValue(String value) {
        for (ResourceType type : values()) {
            if (type.value.equals(value)) {
                return type;
            }
        }
        String allowed = Arrays.stream(values()).map(ResourceType::getValue).collect(Collectors.joining(", "));
        throw new BridgeException("unknown resource type '" + value + "' (allowed: " + allowed + ")");
    }
}
