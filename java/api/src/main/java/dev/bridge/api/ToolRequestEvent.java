package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tool calls a chat model asked for: type {@value #TYPE}; the built-in tool action runs each one.
 *
 * <p>The mirror of Python's {@code bridge.api.ToolRequestEvent}: attributes {@code model} (the chat model
 * that asked) and {@code tool_calls}, each {@code {"id", "name", "arguments"}} with the arguments an object
 * (or the JSON text an OpenAI-style model sent).
 */
public class ToolRequestEvent extends Event {
    /** The wire type name. */
    public static final String TYPE = "_tool_request_event";
    /** The attribute naming the chat model that asked. */
    public static final String MODEL = "model";
    /** The attribute holding the calls. */
    public static final String TOOL_CALLS = "tool_calls";

    /**
     * Creates a request with a fresh id.
     *
     * @param model the chat model resource that asked
     * @param toolCalls the calls {@code {"id", "name", "arguments"}}
     * @throws BridgeException when model or toolCalls is null
     */
    public ToolRequestEvent(String model, List<Map<String, Object>> toolCalls) {
        super(null, TYPE, attributes(model, toolCalls));
    }

    @JsonCreator
    ToolRequestEvent(
            @JsonProperty("id") String id,
            @JsonProperty("type") String type,
            @JsonProperty("attributes") Map<String, Object> attributes) {
        super(id, requireType(TYPE, type), attributes);
    }

    /**
     * Reads a plain event of type {@value #TYPE} as this type.
     *
     * @param event an event of this type; returned as it is when it already is a {@code ToolRequestEvent}
     * @return a typed copy: same id, attributes and lineage
     * @throws BridgeException when the event has another type
     */
    public static ToolRequestEvent fromEvent(Event event) {
        return typedCopy(event, TYPE, ToolRequestEvent::new, ToolRequestEvent.class);
    }

    /** Returns the chat model resource that asked. */
    @JsonIgnore
    public String getModel() {
        return typedAttr(MODEL, String.class, "a string");
    }

    /** Returns the calls, the live list. */
    @JsonIgnore
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> getToolCalls() {
        return typedAttr(TOOL_CALLS, List.class, "a list of tool calls");
    }

    private static Map<String, Object> attributes(String model, List<Map<String, Object>> toolCalls) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put(MODEL, required(TYPE, MODEL, model));
        attributes.put(TOOL_CALLS, required(TYPE, TOOL_CALLS, toolCalls));
        return attributes;
    }
}
