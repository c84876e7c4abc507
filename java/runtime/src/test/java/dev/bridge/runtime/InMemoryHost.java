package dev.bridge.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A {@link HostAccess} over in-memory maps, standing in for the Python host in tests: nested maps are
 * object nodes, anything else a value. It records every call and can commit a done result's updates.
 */
public class InMemoryHost implements HostAccess {
    private final Map<String, Map<String, Object>> memories = new HashMap<>();
    private final Map<String, Object> resources = new HashMap<>();
    /** Each readMemory call as {@code memory:path}. */
    public final List<String> reads = new ArrayList<>();
    /** The threads that called readMemory or getResource. */
    public final List<Thread> callbackThreads = new ArrayList<>();
    /** Each wake as {@code ref@thread-name}. */
    public final BlockingQueue<String> wakes = new LinkedBlockingQueue<>();

    public InMemoryHost() {
        memories.put("short_term", new LinkedHashMap<>());
        memories.put("sensory", new LinkedHashMap<>());
    }

    /** Sets a committed value, creating parent objects. */
    public InMemoryHost put(String memory, String path, Object value) {
        String[] parts = path.split("\\.");
        Map<String, Object> node = memories.get(memory);
        for (int i = 0; i < parts.length - 1; i++) {
            Object child = node.get(parts[i]);
            if (!(child instanceof Map)) {
                child = new LinkedHashMap<String, Object>();
                node.put(parts[i], child);
            }
            node = cast(child);
        }
        node.put(parts[parts.length - 1], value);
        return this;
    }

    /** Returns a committed value or object (as a map), or null. */
    public Object value(String memory, String path) {
        Object node = memories.get(memory);
        for (String part : path.isEmpty() ? new String[0] : path.split("\\.")) {
            if (!(node instanceof Map) || !((Map<?, ?>) node).containsKey(part)) {
                return null;
            }
            node = ((Map<?, ?>) node).get(part);
        }
        return node;
    }

    /** Registers a resource for {@link #getResource}. */
    public InMemoryHost resource(String name, String type, Object resource) {
        resources.put(type + "/" + name, resource);
        return this;
    }

    /** Commits the updates of a {@code done} result, as the Python host would; returns the parsed result. */
    public Map<String, Object> commit(String resultJson) {
        Map<String, Object> result = cast(PortableValues.fromJson(resultJson));
        if (!"done".equals(result.get("status"))) {
            throw new AssertionError("expected a done result, got " + resultJson);
        }
        for (Object item : (List<?>) result.get("updates")) {
            List<?> update = (List<?>) item;
            String memory = (String) update.get(0);
            String path = (String) update.get(2);
            put(memory, path, "new_object".equals(update.get(1)) ? new LinkedHashMap<>() : update.get(3));
        }
        return result;
    }

    @Override
    public String readMemory(String memory, String path) {
        reads.add(memory + ":" + path);
        callbackThreads.add(Thread.currentThread());
        Object node = path.isEmpty() ? memories.get(memory) : value(memory, path);
        if (node == null && (path.isEmpty() || !exists(memory, path))) {
            return "null";
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        if (node instanceof Map) {
            answer.put("o", new ArrayList<>(((Map<?, ?>) node).keySet()));
            List<Object> objects = new ArrayList<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) node).entrySet()) {
                if (e.getValue() instanceof Map) {
                    objects.add(e.getKey());
                }
            }
            answer.put("n", objects);
        } else {
            answer.put("v", node);
        }
        return PortableValues.toJson(answer);
    }

    @Override
    public Object getResource(String name, String type) {
        callbackThreads.add(Thread.currentThread());
        return resources.get(type + "/" + name);
    }

    @Override
    public void wake(String ref) {
        wakes.add(ref + "@" + Thread.currentThread().getName());
    }

    private boolean exists(String memory, String path) {
        int dot = path.lastIndexOf('.');
        Object parent = dot < 0 ? memories.get(memory) : value(memory, path.substring(0, dot));
        return parent instanceof Map && ((Map<?, ?>) parent).containsKey(path.substring(dot + 1));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object value) {
        return (Map<String, Object>) value;
    }
}
