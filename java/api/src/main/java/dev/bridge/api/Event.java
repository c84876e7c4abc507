package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * An event flowing between actions: an id, a type name and portable attributes.
 *
 * <p>Its JSON form is exactly {@code {"id": .., "type": .., "attributes": {..}}}, the wire format both
 * languages read and write. Reading JSON whose type is {@link InputEvent#TYPE} or {@link OutputEvent#TYPE}
 * yields the matching subclass.
 */
@JsonPropertyOrder({"id", "type", "attributes"})
public class Event {
    private final String id;
    private final String type;
    private final Map<String, Object> attributes;

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
            @JsonProperty("attributes") Map<String, Object> attributes) {
        if (InputEvent.TYPE.equals(type)) {
            return new InputEvent(id, type, attributes);
        }
        if (OutputEvent.TYPE.equals(type)) {
            return new OutputEvent(id, type, attributes);
        }
        return new Event(id, type, attributes);
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
