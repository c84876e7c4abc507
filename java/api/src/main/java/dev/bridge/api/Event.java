package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * An event flowing between actions: an id, a type name and portable attributes.
 *
 * <p>Its JSON form is exactly {@code {"id": .., "type": .., "attributes": {..}}}, the wire format both
 * languages read and write, plus upstream Flink Agents' optional lineage fields {@code upstream_event_id} and
 * {@code upstream_action_name} (read in either casing, kept, written in snake case as Python does). Any
 * other field is refused, in both languages. Reading JSON whose type is {@link InputEvent#TYPE} or
 * {@link OutputEvent#TYPE} yields the matching subclass.
 */
@JsonPropertyOrder({"id", "type", "attributes", "upstream_event_id", "upstream_action_name"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Event {
    private final String id;
    private final String type;
    private final Map<String, Object> attributes;
    private String upstreamEventId;
    private String upstreamActionName;

    /**
     * Creates an event with a fresh UUID.
     *
     * @param type the event type name, not blank
     * @param attributes portable attribute values; copied, may be null for none
     */
    public Event(String type, Map<String, Object> attributes) {
        this(null, type, attributes);
    }

    /**
     * Creates an event with a given id.
     *
     * @param id the event id; a fresh UUID when null
     * @param type the event type name, not blank
     * @param attributes portable attribute values; copied, may be null for none
     */
    protected Event(String id, String type, Map<String, Object> attributes) {
        if (type == null || type.isBlank()) {
            throw new BridgeException("an event needs a non-blank type (attributes: " + attributes + ")");
        }
        this.id = id != null ? id : UUID.randomUUID().toString();
        this.type = type;
        this.attributes = attributes != null ? new LinkedHashMap<>(attributes) : new LinkedHashMap<>();
    }

    @JsonCreator
    static Event fromJson(
            @JsonProperty("id") String id,
            @JsonProperty("type") String type,
            @JsonProperty("attributes") Map<String, Object> attributes,
            @JsonProperty("upstream_event_id") @JsonAlias("upstreamEventId") String upstreamEventId,
            @JsonProperty("upstream_action_name") @JsonAlias("upstreamActionName") String upstreamActionName) {
        Event event;
        if (InputEvent.TYPE.equals(type)) {
            event = new InputEvent(id, type, attributes);
        } else if (OutputEvent.TYPE.equals(type)) {
            event = new OutputEvent(id, type, attributes);
        } else {
            event = new Event(id, type, attributes);
        }
        event.upstreamEventId = upstreamEventId;
        event.upstreamActionName = upstreamActionName;
        return event;
    }

    /** Returns the id of the event whose action sent this one, when the sender recorded it; else null. */
    @JsonProperty("upstream_event_id")
    public String getUpstreamEventId() {
        return upstreamEventId;
    }

    /** Records the id of the event whose action sends this one. */
    public void setUpstreamEventId(String upstreamEventId) {
        this.upstreamEventId = upstreamEventId;
    }

    /** Returns the name of the action that sent this event, when recorded; else null. */
    @JsonProperty("upstream_action_name")
    public String getUpstreamActionName() {
        return upstreamActionName;
    }

    /** Records the name of the action that sends this event. */
    public void setUpstreamActionName(String upstreamActionName) {
        this.upstreamActionName = upstreamActionName;
    }

    /** Returns the event id, a UUID string unless the event was read with another id. */
    @JsonProperty("id")
    public String getId() {
        return id;
    }

    /** Returns the event type name. */
    @JsonProperty("type")
    public String getType() {
        return type;
    }

    /** Returns the live, insertion-ordered attribute map. */
    @JsonProperty("attributes")
    public Map<String, Object> getAttributes() {
        return attributes;
    }

    /**
     * Returns one attribute.
     *
     * @param name the attribute name
     * @return its value, or null when absent
     */
    public Object getAttr(String name) {
        return attributes.get(name);
    }

    /**
     * Sets one attribute.
     *
     * @param name the attribute name
     * @param value a portable value
     */
    public void setAttr(String name, Object value) {
        attributes.put(name, value);
    }

    static Map<String, Object> singleAttribute(String name, Object value) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put(name, value);
        return attributes;
    }

    static String requireType(String expected, String type) {
        if (type != null && !expected.equals(type)) {
            throw new BridgeException("expected an event of type '" + expected + "' but got '" + type + "'");
        }
        return expected;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{id=" + id + ", type=" + type + ", attributes=" + attributes + "}";
    }
}
