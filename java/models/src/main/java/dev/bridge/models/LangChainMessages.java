package dev.bridge.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.bridge.api.BridgeException;
import dev.bridge.runtime.Json;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our message maps ↔ langchain4j's chat messages, and our tool schemas → its tool specifications.
 *
 * <p>Ours are the portable maps the chat loop keeps in memory and sends across the language line:
 * {@code {"role", "content", "tool_calls": [{"id", "name", "arguments"}], "tool_call_id", "name"}}. A call's
 * arguments are an object in our messages and JSON text on the wire; an answer's arguments that are not a
 * JSON object stay text, so the tool action tells the model what was wrong instead of the model crashing.
 */
final class LangChainMessages {
    private LangChainMessages() {
    }

    /**
     * Converts a conversation.
     *
     * @param where the model, for messages: {@code "chat model 'gpt-4o' at http://.."}
     * @throws BridgeException naming the message (1-based) and what is wrong with it
     */
    static List<ChatMessage> toLangChain(String where, List<Map<String, Object>> messages) {
        List<ChatMessage> out = new ArrayList<>(messages.size());
        int n = 0;
        for (Map<String, Object> message : messages) {
            n++;
            Object role = message == null ? null : message.get("role");
            try {
                out.add(switch (role instanceof String r ? r : "") {
                    case "system" -> SystemMessage.from(text(message.get("content")));
                    case "user" -> UserMessage.from(text(message.get("content")));
                    case "assistant" -> assistant(message);
                    case "tool" -> ToolExecutionResultMessage.from(string(message.get("tool_call_id")),
                            string(message.get("name")), text(message.get("content")));
                    default -> throw new IllegalArgumentException("role " + (role == null ? "missing" : "'" + role + "'")
                            + "; the roles are system, user, assistant and tool");
                });
            } catch (RuntimeException e) {
                throw new BridgeException(where + ": message " + n + " cannot be sent: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Converts the offered tools {@code {"name", "description", "parameters"}}.
     *
     * <p>langchain4j wants the parameters as its own schema tree; each property's schema is passed through as
     * raw JSON, so a tool's schema reaches the server as the tool wrote it (enums, nested objects, formats),
     * with no conversion to lose a keyword. At the top level the object's {@code properties},
     * {@code required}, {@code description} and {@code $defs} are sent; {@code additionalProperties} is
     * handed on too, but langchain4j's OpenAI mapping sends it for strict tools only, so the server may not
     * see it: the tool action checks the arguments against the whole schema either way and tells the model.
     *
     * @throws BridgeException naming the tool whose schema is not an object schema
     */
    static List<ToolSpecification> toolSpecifications(String where, List<Map<String, Object>> tools) {
        List<ToolSpecification> out = new ArrayList<>();
        for (Map<String, Object> tool : tools == null ? List.<Map<String, Object>>of() : tools) {
            Object name = tool == null ? null : tool.get("name");
            if (!(name instanceof String) || ((String) name).isBlank()) {
                throw new BridgeException(where + ": a tool needs a name, got " + tool);
            }
            Object description = tool.get("description");
            out.add(ToolSpecification.builder()
                    .name((String) name)
                    .description(description == null || "".equals(description) ? null : String.valueOf(description))
                    .parameters(parameters(where + ": tool '" + name + "'", tool.get("parameters")))
                    .build());
        }
        return out;
    }

    /** The assistant message as our map: always role, content (text, {@code ""} for none) and tool_calls. */
    static Map<String, Object> fromLangChain(AiMessage message) {
        List<Map<String, Object>> calls = new ArrayList<>();
        if (message.hasToolExecutionRequests()) {
            for (ToolExecutionRequest request : message.toolExecutionRequests()) {
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("id", request.id());
                call.put("name", request.name());
                call.put("arguments", arguments(request.arguments()));
                calls.add(call);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("role", "assistant");
        out.put("content", message.text() == null ? "" : message.text());
        out.put("tool_calls", calls);
        return out;
    }

    private static AiMessage assistant(Map<String, Object> message) {
        List<ToolExecutionRequest> requests = new ArrayList<>();
        Object calls = message.get("tool_calls");
        if (calls != null && !(calls instanceof List)) {
            throw new IllegalArgumentException("tool_calls must be a list of {id, name, arguments}, not " + calls);
        }
        int n = 0;
        for (Object item : calls == null ? List.of() : (List<?>) calls) {
            n++;
            if (!(item instanceof Map<?, ?> call) || !(call.get("name") instanceof String)) {
                throw new IllegalArgumentException("tool call " + n + " needs a name: " + item);
            }
            requests.add(ToolExecutionRequest.builder()
                    .id(string(call.get("id")))
                    .name((String) call.get("name"))
                    .arguments(call.get("arguments") instanceof String s ? s : json(call.get("arguments"), "{}"))
                    .build());
        }
        String text = message.get("content") == null || "".equals(message.get("content"))
                ? null : text(message.get("content"));
        return requests.isEmpty() ? AiMessage.from(text == null ? "" : text) : AiMessage.from(text, requests);
    }

    private static JsonObjectSchema parameters(String where, Object parameters) {
        JsonObjectSchema.Builder schema = JsonObjectSchema.builder();
        if (parameters == null) {
            return schema.build();
        }
        if (!(parameters instanceof Map<?, ?> map) || map.containsKey("type") && !"object".equals(map.get("type"))) {
            throw new BridgeException(where + ": 'parameters' must be a JSON schema of type object, got "
                    + parameters);
        }
        if (map.get("description") instanceof String description) {
            schema.description(description);
        }
        if (map.get("properties") instanceof Map<?, ?> properties) {
            schema.addProperties(raw(properties));
        }
        if (map.get("required") instanceof List<?> required) {
            schema.required(required.stream().map(String::valueOf).toList());
        }
        if (map.get("additionalProperties") instanceof Boolean additional) {
            schema.additionalProperties(additional);
        }
        if (map.get("$defs") instanceof Map<?, ?> definitions) {
            schema.definitions(raw(definitions));
        }
        return schema.build();
    }

    private static Map<String, JsonSchemaElement> raw(Map<?, ?> schemas) {
        Map<String, JsonSchemaElement> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : schemas.entrySet()) {
            out.put(String.valueOf(entry.getKey()), JsonRawSchema.from(json(entry.getValue(), "{}")));
        }
        return out;
    }

    /** Arguments JSON text as an object when it is one (the tool action checks it); otherwise the text. */
    private static Object arguments(String text) {
        if (text == null || text.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            Object parsed = Json.mapper().readValue(text, Object.class);
            return parsed instanceof Map ? parsed : text;
        } catch (JsonProcessingException e) {
            return text;
        }
    }

    /** Message content as text: a string as it is, anything else (a tool result object) as JSON. */
    private static String text(Object content) {
        return content == null ? "" : content instanceof String s ? s : json(content, "null");
    }

    private static String string(Object value) {
        return value == null ? null : String.valueOf(value);
    }

    private static String json(Object value, String none) {
        if (value == null) {
            return none;
        }
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not writable as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
