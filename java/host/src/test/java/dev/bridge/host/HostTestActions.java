package dev.bridge.host;

import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.RunnerContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** Java actions of the Java host's JUnit tests. */
public final class HostTestActions {
    private HostTestActions() {
    }

    /** Reads what Python wrote, adds to {@code java.total}, sends {@code from_java} with the value doubled. */
    public static void middle(Event event, RunnerContext ctx) {
        MemoryObject memory = ctx.getShortTermMemory();
        Object count = memory.get("py.count");
        if (!(count instanceof Number)) {
            throw new IllegalStateException("Python's py.count is not in memory: " + count);
        }
        Number value = (Number) event.getAttr("value");
        Object total = memory.get("java.total");
        memory.set("java.total", (total instanceof Number ? ((Number) total).longValue() : 0L) + value.longValue());
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("value", value);
        attributes.put("doubled", value.longValue() * 2);
        ctx.sendEvent(new Event("from_java", attributes));
    }

    /** Writes an object that is not a portable value. */
    public static void writesAThread(Event event, RunnerContext ctx) {
        ctx.getShortTermMemory().set("bad.thread", Thread.currentThread());
    }
}
