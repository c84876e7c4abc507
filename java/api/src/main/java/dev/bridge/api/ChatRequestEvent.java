package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks the chat model resource {@link #getModel() model} to answer {@link #getMessages() messages}: type
 * {@value #TYPE}, upstream Flink Agents' name, so the built-in chat action (in either language) picks it up.
 *
 * <p>The mirror of Python's {@code bridge.api.ChatRequestEvent}: the same attributes ({@code model},
 * {@code messages}, {@code prompt_args}, {@code output_schema}), the same defaults filled by the
 * constructor, none filled on reading ({@code tests/contract/events/agent_events.json} holds both).
 * A message is a map {@code {"role", "content", "tool_calls"?, "tool_call_id"?, ...}}.
 */
public class ChatRequestEvent extends Event {
    /** The wire type name. */
    public static final String TYPE = "_chat_request_event";
    /** The attribute naming the chat model resource. */
    public static final String MODEL = "model";
    /** The attribute holding the conversation, oldest message first. */
    public static final String MESSAGES = "messages";
    /** The attribute holding prompt variables (default empty). */
    public static final String PROMPT_ARGS = "prompt_args";
    /** The attribute holding the answer's output schema, when the caller wants one (default null). */
    public static final String OUTPUT_SCHEMA = "output_schema";

    /**
     * Creates a request with a fresh id, no prompt variables and no output schema.
     *
     * @param model the chat model resource name
     * @param messages the conversation; portable maps
     */
    public ChatRequestEvent(String model, List<Map<String, Object>> messages) {
        this(model, messages, null, null);
    }

    /**
     * Creates a request with a fresh id.
     *
     * @param model the chat model resource name
     * @param messages the conversation; portable maps
     * @param promptArgs prompt variables; null for none (written as an empty object)
     * @param outputSchema a JSON schema (or a name) the answer must follow; null for none
     * @throws BridgeException when model or messages is null
     */
    public ChatRequestEvent(String model, List<Map<String, Object>> messages, Map<String, Object> promptArgs,
            Object outputSchema) {
        super(null, TYPE, attributes(model, messages, promptArgs, outputSchema));
    }

    @JsonCreator
    ChatRequestEvent(
            @JsonProperty("id") String id,
            @JsonProperty("type") String type,
            @JsonProperty("attributes") Map<String, Object> attributes) {
        super(id, requireType(TYPE, type), attributes);
    }

    /**
     * Reads a plain event of type {@value #TYPE} as this type, the way Python's chat action does (a custom
     * event needs no subclass).
     *
     * @param event an event of this type; returned as it is when it already is a {@code ChatRequestEvent}
     * @return a typed copy: same id, attributes and lineage
     * @throws BridgeException when the event has another type
     */
    public static ChatRequestEvent fromEvent(Event event) {
        return typedCopy(event, TYPE, ChatRequestEvent::new, ChatRequestEvent.class);
    }

    /** Returns the chat model resource name. */
    @JsonIgnore
    public String getModel() {
        return typedAttr(MODEL, String.class, "a string");
    }

    /** Returns the conversation, the live list. */
    @JsonIgnore
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> getMessages() {
        return typedAttr(MESSAGES, List.class, "a list of messages");
    }

    /** Returns the prompt variables; null when the event was read without them. */
    @JsonIgnore
    @SuppressWarnings("unchecked")
    public Map<String, Object> getPromptArgs() {
        return typedAttr(PROMPT_ARGS, Map.class, "an object");
    }

    /** Returns the output schema, or null for none. */
    @JsonIgnore
    public Object getOutputSchema() {
        return getAttr(OUTPUT_SCHEMA);
    }

    private static Map<String, Object> attributes(String model, List<Map<String, Object>> messages,
            Map<String, Object> promptArgs, Object outputSchema) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put(MODEL, required(TYPE, MODEL, model));
        attributes.put(MESSAGES, required(TYPE, MESSAGES, messages));
        attributes.put(PROMPT_ARGS, promptArgs != null ? promptArgs : new LinkedHashMap<>());
        attributes.put(OUTPUT_SCHEMA, outputSchema);
        return attributes;
    }
}
