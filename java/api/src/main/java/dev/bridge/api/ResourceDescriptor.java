package dev.bridge.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to build a resource: a class name and the arguments given to it.
 *
 * <p>JSON form: {@code {"target_clazz": "com.example.MyModel", "arguments": {..}}}.
 */
@JsonPropertyOrder({"target_clazz", "arguments"})
public final class ResourceDescriptor {
    private final String className;
    private final Map<String, Object> arguments;

    /**
     * Creates a descriptor.
     *
     * @param className fully qualified class name of the resource
     * @param arguments portable arguments; copied, may be null for none
     */
    @JsonCreator
    public ResourceDescriptor(
            @JsonProperty("target_clazz") String className,
            @JsonProperty("arguments") Map<String, Object> arguments) {
        if (className == null || className.isBlank()) {
            throw new BridgeException("a resource descriptor needs a class name (target_clazz)");
        }
        this.className = className;
        this.arguments = Collections.unmodifiableMap(
                arguments != null ? new LinkedHashMap<>(arguments) : new LinkedHashMap<>());
    }

    /** Returns the fully qualified class name of the resource. */
    @JsonProperty("target_clazz")
    public String getClassName() {
        return className;
    }

    /** Returns the arguments, read-only. */
    @JsonProperty("arguments")
    public Map<String, Object> getArguments() {
        return arguments;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ResourceDescriptor
                && className.equals(((ResourceDescriptor) other).className)
                && arguments.equals(((ResourceDescriptor) other).arguments);
    }

    @Override
    public int hashCode() {
        return Objects.hash(className, arguments);
    }

    @Override
    public String toString() {
        return "ResourceDescriptor{" + className + ", " + arguments + "}";
    }
}
