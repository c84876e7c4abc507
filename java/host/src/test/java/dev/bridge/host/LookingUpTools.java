package dev.bridge.host;

import dev.bridge.api.BridgeException;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.bridge.api.Tool;
import dev.bridge.api.ToolParam;
import dev.bridge.runtime.JavaTool;
import java.util.Map;
import java.util.function.BiFunction;

/** A Java tool resource that looks up another tool of the plan while it is built, as a chat model setup does. */
public class LookingUpTools {
    private final JavaTool uses;

    /** Finds the tool named by the argument {@code uses}. */
    public LookingUpTools(Map<String, Object> arguments, BiFunction<String, ResourceType, Resource> getResource) {
        Resource found = getResource.apply((String) arguments.get("uses"), ResourceType.TOOL);
        if (!(found instanceof JavaTool tool)) {
            throw new BridgeException("expected a Java tool, got " + found);
        }
        this.uses = tool;
    }

    /** Calls the tool it looked up, twice over. */
    @Tool(name = "scale_twice", description = "Scale a value twice with the tool looked up")
    public long scaleTwice(@ToolParam(name = "value", description = "The value") long value) {
        long once = Long.parseLong(uses.callJson("{\"value\": " + value + "}"));
        return Long.parseLong(uses.callJson("{\"value\": " + once + "}"));
    }
}
