package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The results of the tool request {@link #getRequestId() request_id}, keyed by call id: type {@value #TYPE}.
 *
 * <p>The mirror of Python's {@code bridge.api.ToolResponseEvent}: attributes {@code request_id},
 * {@code responses} (call id → result), {@code success} (call id → whether the call gave a result),
 * {@code error} (call id → what went wrong) and {@code external_ids}, the last three default {@code {}}.
 */
public class ToolResponseEvent extends Event {
    /** The wire type name. */
    public static final String TYPE = "_tool_response_event";
    /** The attribute holding the id of the tool request answered. */
    public static final String REQUEST_ID = "request_id";
    /** The attribute holding the results by call id. */
    public static final String RESPONSES = "responses";
    /** The attribute telling, by call id, whether the call gave a result. */
    public static final String SUCCESS = "success";
    /** The attribute holding, by call id, what went wrong. */
    public static final String ERROR = "error";
    /** The attribute holding ids an external system gave the calls, by call id. */
    public static final String EXTERNAL_IDS = "external_ids";

    /**
     * Creates a response with a fresh id.
     *
     * @param requestId the id of the tool request answered
     * @param responses results by call id
     * @param success by call id, whether the call gave a result; null for none
     * @param error by call id, what went wrong; null for none
     * @param externalIds by call id, an external system's id; null for none
     * @throws BridgeException when requestId or responses is null
     */
    public ToolResponseEvent(String requestId, Map<String, Object> responses, Map<String, Boolean> success,
            Map<String, String> error, Map<String, Object> externalIds) {
        super(null, TYPE, attributes(requestId, responses, success, error, externalIds));
    }

    @JsonCreator
    ToolResponseEvent(
            @JsonProperty("id") String id,
            @JsonProperty("type") String type,
            @JsonProperty("attributes") Map<String, Object> attributes) {
        super(id, requireType(TYPE, type), attributes);
    }

    /**
     * Reads a plain event of type {@value #TYPE} as this type.
     *
     * @param event an event of this type; returned as it is when it already is a {@code ToolResponseEvent}
     * @return a typed copy: same id, attributes and lineage
     * @throws BridgeException when the event has another type
     */
    public static ToolResponseEvent fromEvent(Event event) {
        return typedCopy(event, TYPE, ToolResponseEvent::new, ToolResponseEvent.class);
    }

    /** Returns the id of the tool request answered. */
    @JsonIgnore
    public String getRequestId() {
        return typedAttr(REQUEST_ID, String.class, "a string");
    }

    /** Returns the results by call id, the live map. */
    @JsonIgnore
    @SuppressWarnings("unchecked")
    public Map<String, Object> getResponses() {
        return typedAttr(RESPONSES, Map.class, "an object of results by call id");
    }

    /** Returns, by call id, whether the call gave a result; null when the event was read without it. */
    @JsonIgnore
    @SuppressWarnings("unchecked")
    public Map<String, Boolean> getSuccess() {
        return typedAttr(SUCCESS, Map.class, "an object of booleans by call id");
    }

    /** Returns, by call id, what went wrong; null when the event was read without it. */
    @JsonIgnore
    @SuppressWarnings("unchecked")
    public Map<String, String> getError() {
        return typedAttr(ERROR, Map.class, "an object of messages by call id");
    }

    /** Returns the external ids by call id; null when the event was read without them. */
    @JsonIgnore
    @SuppressWarnings("unchecked")
    public Map<String, Object> getExternalIds() {
        return typedAttr(EXTERNAL_IDS, Map.class, "an object by call id");
    }

    private static Map<String, Object> attributes(String requestId, Map<String, Object> responses,
            Map<String, Boolean> success, Map<String, String> error, Map<String, Object> externalIds) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put(REQUEST_ID, required(TYPE, REQUEST_ID, requestId));
        attributes.put(RESPONSES, required(TYPE, RESPONSES, responses));
        attributes.put(SUCCESS, success != null ? success : new LinkedHashMap<>());
        attributes.put(ERROR, error != null ? error : new LinkedHashMap<>());
        attributes.put(EXTERNAL_IDS, externalIds != null ? externalIds : new LinkedHashMap<>());
        return attributes;
    }
}
