package dev.bridge.models;

import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import java.util.List;
import java.util.Map;

/**
 * Where a chat model server is and how to reach it (upstream Flink Agents' chat model connection, resource
 * type {@code chat_model_connection}); a {@link ChatModelSetup} says which model to ask through it.
 *
 * <p>The mirror of Python's {@code python_actions.chat_models.ChatModelConnection}: one connection (one HTTP
 * client, one key) serves every setup that names it, from any thread.
 */
public interface ChatModelConnection extends Resource {
    /**
     * Asks one model on this connection.
     *
     * @param model the model name the server knows
     * @param temperature the sampling temperature; null for the server's
     * @param messages the conversation, as {@link dev.bridge.api.ChatModel#chat(List)} takes it
     * @param tools the offered tools {@code {"name", "description", "parameters"}}; empty for none
     * @return the assistant message {@code {"role", "content", "tool_calls"}}
     * @throws dev.bridge.api.BridgeException naming the model and the server's URL, never the key
     */
    Map<String, Object> chat(String model, Double temperature, List<Map<String, Object>> messages,
            List<Map<String, Object>> tools);

    @Override
    default ResourceType getResourceType() {
        return ResourceType.CHAT_MODEL_CONNECTION;
    }
}
