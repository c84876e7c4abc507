package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** The event that carries a run's result out: type {@value #TYPE}, its payload in attribute {@value #OUTPUT}. */
public class OutputEvent extends Event {
    /** The wire type name of output events. */
    public static final String TYPE = "_output_event";
    /** The attribute holding the output. */
    public static final String OUTPUT = "output";

    /**
     * Creates an output event with a fresh id.
     *
     * @param output the portable output value
     */
    public OutputEvent(Object output) {
        super(null, TYPE, singleAttribute(OUTPUT, output));
    }

    @JsonCreator
    OutputEvent(
            @JsonProperty("id") String id,
            @JsonProperty("type") String type,
            @JsonProperty("attributes") Map<String, Object> attributes) {
        super(id, requireType(TYPE, type), attributes);
    }

    /** Returns the output value. */
    @JsonIgnore
    public Object getOutput() {
        return getAttr(OUTPUT);
    }
}
