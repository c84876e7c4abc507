package dev.bridge.host;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bridge.api.BridgeException;
import dev.bridge.api.PythonResource;
import dev.bridge.api.ResourceType;
import dev.bridge.runtime.Json;
import java.io.IOException;

/**
 * A Python resource of the plan lent to Java actions under the Java host: each {@link #invoke} is one call into
 * the embedded Python ({@code ForeignHost.invoke_resource}), which builds the resource once and calls its method
 * with the JSON object's keyword arguments, as the Python host's proxy does.
 *
 * <p>The interpreter is entered only from the scheduler thread, the thread Java actions run on; a call from
 * another thread (a durable call's worker) is refused with what to do instead, never made.
 */
final class PythonResourceHandle implements PythonResource {
    private final PythonSide python;
    private final ResourceType type;
    private final String name;
    private final Thread scheduler;

    PythonResourceHandle(PythonSide python, String type, String name) {
        this.python = python;
        this.type = ResourceType.fromValue(type);
        this.name = name;
        this.scheduler = Thread.currentThread();
    }

    @Override
    public ResourceType getResourceType() {
        return type;
    }

    @Override
    public String invoke(String method, String argsJson) {
        if (Thread.currentThread() != scheduler) {
            throw new BridgeException("Python " + type.getValue() + " '" + name + "' was called from thread '"
                    + Thread.currentThread().getName() + "': under the Java host the embedded Python is entered only"
                    + " from the scheduler thread, so call Python resources in the action itself (not inside a"
                    + " durable call), or run the plan with --host python");
        }
        String answer = python.call("invoke_resource", type.getValue(), name, method, argsJson == null ? "" : argsJson);
        JsonNode node;
        try {
            node = Json.mapper().readTree(answer);
        } catch (IOException e) {
            throw new BridgeException("Python " + type.getValue() + " '" + name + "' answered no JSON: " + e.getMessage(), e);
        }
        JsonNode error = node.get("error");
        if (error != null) {
            throw new BridgeException("Python " + type.getValue() + " '" + name + "' ." + method + "() raised "
                    + error.path("class").asText() + ": " + error.path("message").asText());
        }
        return node.get("result").toString();
    }
}
