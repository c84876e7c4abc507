package dev.bridge.examples;

import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.PythonResource;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.bridge.api.RunnerContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Java actions that move values across the language boundary, used by the cross-language tests and as
 * small examples of the Java side of a mixed plan.
 */
public final class CrossingActions {
    private CrossingActions() {
    }

    /**
     * Copies the short-term memory value at attribute {@code from} to the path at attribute {@code to},
     * and sends {@code copied} with the value and its Java class name.
     */
    public static void copyMemory(Event event, RunnerContext ctx) {
        MemoryObject memory = ctx.getShortTermMemory();
        Object value = memory.get(String.valueOf(event.getAttr("from")));
        memory.set(String.valueOf(event.getAttr("to")), value);
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("value", value);
        attributes.put("java_class", value == null ? null : value.getClass().getName());
        ctx.sendEvent(new Event("copied", attributes));
    }

    /** Calls the Python tool resource {@code greeter} with {@code {"name": <input>}} and sends its answer. */
    public static void askPythonTool(Event event, RunnerContext ctx) {
        Resource resource = ctx.getResource("greeter", ResourceType.TOOL);
        String answer = ((PythonResource) resource).invoke("call",
                "{\"name\": \"" + event.getAttr("input") + "\"}");
        ctx.getSensoryMemory().set("greeting", answer);
        ctx.sendEvent(new Event("greeted", Map.of("json", answer)));
    }

    /** Sends an event whose attributes mirror the action config and one plan config value. */
    public static void echoConfig(Event event, RunnerContext ctx) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("threshold", ctx.getActionConfigValue("threshold"));
        attributes.put("region", ctx.getConfig().get("region"));
        ctx.sendEvent(new Event("configured", attributes));
    }
}
