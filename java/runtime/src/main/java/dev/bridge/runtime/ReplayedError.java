package dev.bridge.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bridge.api.BridgeException;

/**
 * A recorded durable call's exception, kept as its class name and message and raised again on a replay:
 * as the same class where it loads and takes a message, else as a {@link BridgeException} naming it.
 */
final class ReplayedError {
    private ReplayedError() {
    }

    static ObjectNode describe(Throwable error) {
        ObjectNode json = Json.mapper().createObjectNode();
        json.put("type", error.getClass().getName());
        json.put("message", error.getMessage() == null ? "" : error.getMessage());
        return json;
    }

    static Throwable rebuild(JsonNode recorded) {
        String type = recorded == null ? "?" : recorded.path("type").asText("?");
        String message = recorded == null ? "" : recorded.path("message").asText("");
        try {
            Class<?> cls = Class.forName(type, false, Thread.currentThread().getContextClassLoader());
            if (Throwable.class.isAssignableFrom(cls)) {
                return (Throwable) cls.getConstructor(String.class).newInstance(message);
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // not loadable here or no (String) constructor: reported as a BridgeException below
        }
        return new BridgeException("ReplayError: the recorded call failed with " + type + ": " + message);
    }
}
