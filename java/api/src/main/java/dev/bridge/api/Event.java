package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * An event flowing between actions: an id, a type name and portable attributes.
 *
 * <p>Its JSON form is exactly {@code {"id": .., "type": .., "attributes": {..}}}, the wire format both
 * languages read and write, plus upstream Flink Agents' optional lineage fields {@code upstream_event_id} and
 * {@code upstream_action_name} (read in either casing, kept, written in snake case as Python does). Any
 * other field is refused, in both languages. Reading JSON whose type is one of the typed events' (input,
 * output, chat request/response, tool request/response) yields that subclass, as Python's
 * {@code Event.from_dict} yields its typed view; any other type a plain {@code Event}. Reading checks the
 * envelope only, never the attributes: a typed getter refuses an attribute of the wrong kind when called.
 */
@JsonPropertyOrder({"id", "type", "attributes", "upstream_event_id", "upstream_action_name"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Event {
    private static final Set<String> WIRE_FIELDS = Set.of("id", "type", "attributes", "upstream_event_id",
            "upstreamEventId", "upstream_action_name", "upstreamActionName");
    private static final String FORM = "an event is {id, type, attributes} plus optional upstream_event_id and"
            + " upstream_action_name (put other data in attributes)";
    /** The typed events by wire type: what {@link #fromJson} builds for each (Python's registry of views). */
    private static final Map<String, Typed> TYPED = Map.of(
            InputEvent.TYPE, InputEvent::new,
            OutputEvent.TYPE, OutputEvent::new,
            ChatRequestEvent.TYPE, ChatRequestEvent::new,
            ChatResponseEvent.TYPE, ChatResponseEvent::new,
            ToolRequestEvent.TYPE, ToolRequestEvent::new,
            ToolResponseEvent.TYPE, ToolResponseEvent::new);
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

    /**
     * Reads the wire form, refusing what Python's {@code Event.from_dict} refuses (the shared cases in
     * {@code tests/contract/events}).
     *
     * <p>It takes the whole JSON object as plain values rather than typed properties: Jackson would otherwise
     * turn {@code "id": 5} into {@code "5"}, read {@code "attributes": null} and a missing one differently from
     * other mistakes, and report unknown fields with its own exception instead of a {@link BridgeException}.
     *
     * @param data the event's JSON object, read as portable values
     * @throws BridgeException for a missing, blank or non-string type, a non-string id (null: a fresh one),
     *     attributes that are not an object (null: none), a lineage field that is not a string or null or is
     *     given in both casings, and any other field
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    @SuppressWarnings("unchecked")
    static Event fromJson(Object data) {
        if (!(data instanceof Map)) {
            throw new BridgeException(FORM + "; got " + describe(data));
        }
        Map<String, Object> fields = (Map<String, Object>) data;
        Object type = fields.get("type");
        if (!(type instanceof String) || ((String) type).isBlank()) {
            throw new BridgeException("an event needs 'type', a non-blank string naming the event, e.g."
                    + " \"order_placed\" (got " + (fields.containsKey("type") ? describe(type) : "(missing)") + ")");
        }
        for (String name : fields.keySet()) {
            if (!WIRE_FIELDS.contains(name)) {
                throw new BridgeException("event '" + type + "' has unknown field '" + name + "'; " + FORM);
            }
        }
        Object id = fields.get("id");
        if (id != null && !(id instanceof String)) {
            throw new BridgeException("event '" + type + "': 'id' must be a string (or absent, for a fresh one), not "
                    + describe(id));
        }
        Object attributes = fields.get("attributes");
        if (attributes != null && !(attributes instanceof Map)) {
            throw new BridgeException("event '" + type + "': 'attributes' must be an object of named values (or null"
                    + " for none), not " + describe(attributes));
        }
        String upstreamEventId = lineage(fields, (String) type, "upstream_event_id", "upstreamEventId");
        String upstreamActionName = lineage(fields, (String) type, "upstream_action_name", "upstreamActionName");
        Event event = TYPED.getOrDefault(type, Event::new).make((String) id, (String) type,
                (Map<String, Object>) attributes);
        event.upstreamEventId = upstreamEventId;
        event.upstreamActionName = upstreamActionName;
        return event;
    }

    private static String lineage(Map<String, Object> fields, String type, String snake, String camel) {
        if (fields.containsKey(snake) && fields.containsKey(camel)) {
            throw new BridgeException("event '" + type + "' gives " + snake + " twice, as '" + snake + "' and '" + camel
                    + "'; write it once (upstream_event_id / upstream_action_name)");
        }
        String name = fields.containsKey(camel) ? camel : snake;
        Object value = fields.get(name);
        if (value != null && !(value instanceof String)) {
            throw new BridgeException("event '" + type + "': '" + name + "' must be a string or null, not "
                    + describe(value));
        }
        return (String) value;
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        String text = value instanceof byte[] ? "byte[" + ((byte[]) value).length + "]" : String.valueOf(value);
        return value.getClass().getSimpleName() + " " + (text.length() <= 100 ? text : text.substring(0, 100) + "...");
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

    /**
     * The typed copy of {@code event}: the same id, attributes (copied) and lineage, made by {@code typed}.
     *
     * @throws BridgeException when the event has another type
     */
    static <E extends Event> E typedCopy(Event event, String expected, Typed typed, Class<E> kind) {
        if (event == null) {
            throw new BridgeException("expected an event of type '" + expected + "' but got null");
        }
        if (kind.isInstance(event)) {
            return kind.cast(event);
        }
        E copy = kind.cast(typed.make(event.getId(), requireType(expected, event.getType()), event.getAttributes()));
        copy.setUpstreamEventId(event.getUpstreamEventId());
        copy.setUpstreamActionName(event.getUpstreamActionName());
        return copy;
    }

    /**
     * One attribute of a typed event, checked against the kind its getter returns.
     *
     * @return the value, or null when absent (as Python's typed views give None)
     * @throws BridgeException naming the event type, the attribute and what it holds instead
     */
    <T> T typedAttr(String name, Class<T> kind, String what) {
        Object value = attributes.get(name);
        if (value == null || kind.isInstance(value)) {
            return kind.cast(value);
        }
        throw new BridgeException("event '" + type + "': attribute '" + name + "' must be " + what + ", not "
                + describe(value));
    }

    /** Builds an event of one type from its wire parts; each typed event's reading constructor is one. */
    @FunctionalInterface
    interface Typed {
        Event make(String id, String type, Map<String, Object> attributes);
    }

    /** A constructor argument an event cannot do without: null is refused naming the event and attribute. */
    static <T> T required(String type, String attribute, T value) {
        if (value == null) {
            throw new BridgeException("an event of type '" + type + "' needs '" + attribute + "', got null");
        }
        return value;
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
