package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** The event that starts a run: type {@value #TYPE}, its payload in attribute {@value #INPUT}. */
public class InputEvent extends Event {
    /** The wire type name of input events. */
    public static final String TYPE = "_input_event";
    /** The attribute holding the input. */
    public static final String INPUT = "input";

    /**
     * Creates an input event with a fresh id.
     *
     * @param input the portable input value
     */
    public InputEvent(Object input) {
        super(null, TYPE, singleAttribute(INPUT, input));
    }

    @JsonCreator
    InputEvent(
            @JsonProperty("id") String id,
            @JsonProperty("type") String type,
            @JsonProperty("attributes") Map<String, Object> attributes) {
        super(id, requireType(TYPE, type), attributes);
    }

    /** Returns the input value. */
    @JsonIgnore
    public Object getInput() {
        return getAttr(INPUT);
    }
}
