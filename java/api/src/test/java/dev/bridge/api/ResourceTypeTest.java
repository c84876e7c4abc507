package dev.bridge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceTypeTest {

    @Test
    void shouldUseThePythonWireNames() {
        assertEquals(List.of("chat_model", "chat_model_connection", "embedding_model", "embedding_model_connection",
                "vector_store", "prompt", "tool", "mcp_server"),
                Arrays.stream(ResourceType.values()).map(ResourceType::getValue).toList());
    }

    @Test
    void shouldReadEveryWireNameBack() {
        for (ResourceType type : ResourceType.values()) {
            assertEquals(type, ResourceType.fromValue(type.getValue()));
        }
    }

    @Test
    void shouldListTheAllowedNamesForAnUnknownOne() {
        BridgeException error = assertThrows(BridgeException.class, () -> ResourceType.fromValue("llm"));

        assertEquals("unknown resource type 'llm' (allowed: chat_model, chat_model_connection, embedding_model, "
                + "embedding_model_connection, vector_store, prompt, tool, mcp_server)", error.getMessage());
    }
}
