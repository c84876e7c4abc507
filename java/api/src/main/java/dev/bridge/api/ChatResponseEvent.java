package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A chat model's final answer to the chat request {@link #getRequestId() request_id}: type {@value #TYPE}.
 *
 * <p>The mirror of Python's {@code bridge.api.ChatResponseEvent}: attributes {@code request_id},
 * {@code response} (the assistant message map), {@code retry_count} and {@code total_retry_wait_sec}
 * (both default {@code 0}, an integer on the wire as in Python).
 */
public class ChatResponseEvent extends Event {
    /** The wire type name. */
    public static final String TYPE = "_chat_response_event";
    /** The attribute holding the id of the chat request answered. */
    public static final String REQUEST_ID = "request_id";
    /** The attribute holding the assistant message. */
    public static final String RESPONSE = "response";
    /** The attribute counting the retries the answer took. */
    public static final String RETRY_COUNT = "retry_count";
    /** The attribute holding the seconds spent waiting between retries. */
    public static final String TOTAL_RETRY_WAIT_SEC = "total_retry_wait_sec";

    /**
     * Creates a response with a fresh id and no retries.
     *
     * @param requestId the id of the chat request answered
     * @param response the assistant message {@code {"role": "assistant", "content", "tool_calls"}}
     */
    public ChatResponseEvent(String requestId, Map<String, Object> response) {
        this(requestId, response, 0, 0);
    }

    /**
     * Creates a response with a fresh id.
     *
     * @param requestId the id of the chat request answered
     * @param response the assistant message
     * @param retryCount how many retries the answer took
     * @param totalRetryWaitSec seconds spent waiting between them; null for {@code 0}
     * @throws BridgeException when requestId or response is null
     */
    public ChatResponseEvent(String requestId, Map<String, Object> response, int retryCount,
            Number totalRetryWaitSec) {
        super(null, TYPE, attributes(requestId, response, retryCount, totalRetryWaitSec));
    }

    @JsonCreator
    ChatResponseEvent(
            @JsonProperty("id") String id,
            @JsonProperty("type") String type,
            @JsonProperty("attributes") Map<String, Object> attributes) {
        super(id, requireType(TYPE, type), attributes);
    }

    /**
     * Reads a plain event of type {@value #TYPE} as this type.
     *
     * @param event an event of this type; returned as it is when it already is a {@code ChatResponseEvent}
     * @return a typed copy: same id, attributes and lineage
     * @throws BridgeException when the event has another type
     */
    public static ChatResponseEvent fromEvent(Event event) {
        return typedCopy(event, TYPE, ChatResponseEvent::new, ChatResponseEvent.class);
    }

    /** Returns the id of the chat request answered. */
    @JsonIgnore
    public String getRequestId() {
        return typedAttr(REQUEST_ID, String.class, "a string");
    }

    /** Returns the assistant message, the live map. */
    @JsonIgnore
    @SuppressWarnings("unchecked")
    public Map<String, Object> getResponse() {
        return typedAttr(RESPONSE, Map.class, "an object (the assistant message)");
    }

    /** Returns the retry count; {@code 0} when the event was read without one. */
    @JsonIgnore
    public int getRetryCount() {
        Number count = typedAttr(RETRY_COUNT, Number.class, "a number");
        return count == null ? 0 : count.intValue();
    }

    /** Returns the seconds spent waiting between retries, as carried (an integer or a float); null if absent. */
    @JsonIgnore
    public Number getTotalRetryWaitSec() {
        return typedAttr(TOTAL_RETRY_WAIT_SEC, Number.class, "a number");
    }

    private static Map<String, Object> attributes(String requestId, Map<String, Object> response, int retryCount,
            Number totalRetryWaitSec) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put(REQUEST_ID, required(TYPE, REQUEST_ID, requestId));
        attributes.put(RESPONSE, required(TYPE, RESPONSE, response));
        attributes.put(RETRY_COUNT, retryCount);
        attributes.put(TOTAL_RETRY_WAIT_SEC, totalRetryWaitSec != null ? totalRetryWaitSec : 0);
        return attributes;
    }
}
