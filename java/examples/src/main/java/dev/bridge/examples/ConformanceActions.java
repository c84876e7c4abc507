package dev.bridge.examples;

import dev.bridge.api.DurableCallable;
import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.OutputEvent;
import dev.bridge.api.RunnerContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java actions of the conformance scenarios ({@code tests/conformance/scenarios}): every host must run a
 * plan of them and end with the same outputs and memory. Their Python partners are in
 * {@code python_actions/conformance.py}; {@link #mark} has a Python twin of the same behaviour there.
 */
public final class ConformanceActions {
    /** The environment variable naming the effects log of {@link #chargeTwice}'s calls (none when unset). */
    public static final String EFFECTS = "CONFORMANCE_EFFECTS";

    private ConformanceActions() {
    }

    /**
     * Appends {@code "<mark>@<event type>"} to the list {@code trail} in short-term memory; then, per the
     * action config, sends an event of type {@code send} with the received event's attributes, and outputs
     * {@code {"by": mark, "trail": trail, "event": attributes}} when {@code output} is true. Which actions an
     * event triggers, and in which order, is then visible in the trail.
     */
    public static void mark(Event event, RunnerContext ctx) {
        String mark = String.valueOf(ctx.getActionConfigValue("mark"));
        MemoryObject memory = ctx.getShortTermMemory();
        List<Object> trail = new ArrayList<>();
        if (memory.get("trail") instanceof List<?> before) {
            trail.addAll(before);
        }
        trail.add(mark + "@" + event.getType());
        memory.set("trail", trail);
        Object send = ctx.getActionConfigValue("send");
        if (send != null) {
            ctx.sendEvent(new Event(String.valueOf(send), new LinkedHashMap<>(event.getAttributes())));
        }
        if (Boolean.TRUE.equals(ctx.getActionConfigValue("output"))) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("by", mark);
            out.put("trail", trail);
            out.put("event", new LinkedHashMap<>(event.getAttributes()));
            ctx.sendEvent(new OutputEvent(out));
        }
    }

    /**
     * One side of a Java/Python ping-pong: counts {@code java.pings}; on the input {@code {"hops": n}} or a
     * {@code pong} event {@code {"hops", "path"}} it sends {@code ping} with the path plus {@code "java"},
     * until no hops are left, then outputs the path and both sides' counts.
     */
    public static void ping(Event event, RunnerContext ctx) {
        MemoryObject memory = ctx.getShortTermMemory();
        long pings = increment(memory, "java.pings");
        boolean first = "_input_event".equals(event.getType());
        Map<?, ?> from = first ? (Map<?, ?>) event.getAttr("input") : event.getAttributes();
        long hops = ((Number) from.get("hops")).longValue();
        List<Object> path = new ArrayList<>();
        if (!first) {
            path.addAll((List<?>) from.get("path"));
        }
        if (hops <= 0) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("path", path);
            out.put("pings", pings);
            out.put("pongs", memory.get("py.pongs"));
            ctx.sendEvent(new OutputEvent(out));
            return;
        }
        path.add("java");
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("hops", hops);
        attributes.put("path", path);
        ctx.sendEvent(new Event("ping", attributes));
    }

    /**
     * Reads the object {@code values} in short-term memory, copies it (object nodes as object nodes, values
     * as they are) to {@code java_copy}, and sends {@code inspected} with {@code types}: how Java sees each
     * field ({@code {"object": {..}}} for an object node, {@code {"map": {..}}} for a map value, a list for a
     * list, {@code "null"}, {@code "byte[]"}, else the simple class name: Integer, Long, BigInteger, Double,
     * String, Boolean).
     */
    public static void inspectValues(Event event, RunnerContext ctx) {
        MemoryObject memory = ctx.getShortTermMemory();
        if (!(memory.get("values") instanceof MemoryObject values)) {
            throw new IllegalStateException("inspectValues needs an object node at 'values'");
        }
        copyNode(values, memory, "java_copy");
        ctx.sendEvent(new Event("inspected", Map.of("types", describe(values))));
    }

    /**
     * Counts {@code java.checked}, then fails with an {@link IllegalStateException} when the input says
     * {@code "fail": "java"} (the count is rolled back with the rest of the action), else passes the event's
     * attributes on as {@code to_python}.
     */
    public static void check(Event event, RunnerContext ctx) {
        increment(ctx.getShortTermMemory(), "java.checked");
        Map<?, ?> input = (Map<?, ?>) event.getAttr("input");
        if ("java".equals(input.get("fail"))) {
            throw new IllegalStateException("java refused input " + input.get("n"));
        }
        ctx.sendEvent(new Event("to_python", new LinkedHashMap<>(event.getAttributes())));
    }

    /**
     * On {@code to_java} {@code {"n", "py"}}: two durable calls with side effects, an async one {@code "ja:<n>"}
     * returning {@code n * 10}, then a sync one {@code "jb:<n>"} returning {@code n * 100}; adds both to
     * {@code java.total} and sends {@code to_python} {@code {"n", "py", "ja", "jb"}}. Each call appends its id
     * as one line to the file {@code $CONFORMANCE_EFFECTS} names (no line when unset), then takes the action
     * config's {@code seconds}; the lines are those of {@code python_actions.conformance.effect}, so a runner
     * counts how often each call of either language really ran. The calls have no reconciler: one in flight
     * when the process dies runs again.
     */
    public static void chargeTwice(Event event, RunnerContext ctx) throws Exception {
        long n = ((Number) event.getAttr("n")).longValue();
        long millis = Math.round((ctx.getActionConfigValue("seconds") instanceof Number s ? s.doubleValue() : 0)
                * 1000);
        long ja = ctx.durableExecuteAsync(DurableCallable.of("ja:" + n, Long.class,
                () -> effect("ja:" + n, n * 10, millis)));
        long jb = ctx.durableExecute(DurableCallable.of("jb:" + n, Long.class,
                () -> effect("jb:" + n, n * 100, millis)));
        MemoryObject memory = ctx.getShortTermMemory();
        memory.set("java.total", (memory.get("java.total") instanceof Number t ? t.longValue() : 0) + ja + jb);
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("n", n);
        attributes.put("py", event.getAttr("py"));
        attributes.put("ja", ja);
        attributes.put("jb", jb);
        ctx.sendEvent(new Event("to_python", attributes));
    }

    private static long effect(String id, long value, long millis) throws IOException, InterruptedException {
        String log = System.getenv(EFFECTS);
        if (log != null) {
            Files.writeString(Path.of(log), id + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        Thread.sleep(millis);
        return value;
    }

    private static long increment(MemoryObject memory, String path) {
        long value = memory.get(path) instanceof Number n ? n.longValue() + 1 : 1;
        memory.set(path, value);
        return value;
    }

    private static void copyNode(MemoryObject node, MemoryObject memory, String path) {
        memory.newObject(path, false);
        for (Map.Entry<String, Object> field : node.getFields().entrySet()) {
            String target = path + "." + field.getKey();
            if (field.getValue() instanceof MemoryObject child) {
                copyNode(child, memory, target);
            } else {
                memory.set(target, field.getValue());
            }
        }
    }

    private static Object describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof MemoryObject node) {
            Map<String, Object> fields = new LinkedHashMap<>();
            node.getFields().forEach((name, field) -> fields.put(name, describe(field)));
            return Map.of("object", fields);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> entries = new LinkedHashMap<>();
            map.forEach((name, item) -> entries.put(String.valueOf(name), describe(item)));
            return Map.of("map", entries);
        }
        if (value instanceof List<?> list) {
            List<Object> items = new ArrayList<>();
            list.forEach(item -> items.add(describe(item)));
            return items;
        }
        return value instanceof byte[] ? "byte[]" : value.getClass().getSimpleName();
    }
}
