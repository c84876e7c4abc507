package dev.bridge.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bridge.api.Event;
import dev.bridge.api.MemoryObject;
import dev.bridge.api.MemoryPathException;
import dev.bridge.api.OutputEvent;
import dev.bridge.api.RunnerContext;
import dev.bridge.api.ValueContractException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java leg of the shared memory contract ({@code tests/contract/memory/*.json}): runs a case's steps
 * against the action's own memory and reports what each step did, so pytest (through the JVM) and JUnit
 * compare Java's behaviour with the same expectations Python's memory meets.
 */
public final class ContractActions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ContractActions() {
    }

    /**
     * Runs {@code input.steps} (the steps between two commits of a case) and sends one output
     * {@code {"results": [..]}}: per step {@code {"ok": true}}, {@code {"error": "path" | "value" | "other: .."}}
     * or {@code {"value": ..}} for reads, object nodes as {@code {"$object": [field names]}}.
     */
    public static void runSteps(Event event, RunnerContext ctx) {
        Map<?, ?> input = (Map<?, ?>) event.getAttr("input");
        List<Object> results = new ArrayList<>();
        for (Object item : (List<?>) input.get("steps")) {
            results.add(step((Map<?, ?>) item, ctx));
        }
        ctx.sendEvent(new OutputEvent(Map.of("results", results)));
    }

    /**
     * Sends {@code lineage_seen} carrying the lineage the received event had, and the same lineage on the
     * new event: proves lineage fields survive the crossing both ways.
     */
    public static void echoLineage(Event event, RunnerContext ctx) {
        Map<String, Object> seen = new LinkedHashMap<>();
        seen.put("upstream_event_id", event.getUpstreamEventId());
        seen.put("upstream_action_name", event.getUpstreamActionName());
        Event echo = new Event("lineage_seen", Map.of("seen", seen));
        echo.setUpstreamEventId(event.getId());
        echo.setUpstreamActionName("echoLineage");
        ctx.sendEvent(echo);
    }

    /** Runs one step and describes its outcome. */
    public static Map<String, Object> step(Map<?, ?> step, RunnerContext ctx) {
        MemoryObject root = "sensory".equals(step.get("memory")) ? ctx.getSensoryMemory() : ctx.getShortTermMemory();
        Map<String, Object> result = new LinkedHashMap<>();
        try {
            if (step.containsKey("set")) {
                root.set((String) step.get("set"), decode(step.get("value")));
                result.put("ok", true);
            } else if (step.containsKey("new_object")) {
                root.newObject((String) step.get("new_object"), Boolean.TRUE.equals(step.get("overwrite")));
                result.put("ok", true);
            } else if (step.containsKey("get")) {
                result.put("value", describe(root.get((String) step.get("get"))));
            } else if (step.containsKey("is_exist")) {
                result.put("value", root.isExist((String) step.get("is_exist")));
            } else if (step.containsKey("field_names")) {
                result.put("value", node(root, (String) step.get("field_names")).getFieldNames());
            } else if (step.containsKey("fields")) {
                Map<String, Object> fields = new LinkedHashMap<>();
                for (Map.Entry<String, Object> e : node(root, (String) step.get("fields")).getFields().entrySet()) {
                    fields.put(e.getKey(), describe(e.getValue()));
                }
                result.put("value", fields);
            } else {
                result.put("error", "other: unknown step " + step);
            }
        } catch (MemoryPathException e) {
            result.put("error", "path");
        } catch (ValueContractException e) {
            result.put("error", "value");
        } catch (RuntimeException e) {
            result.put("error", "other: " + e);
        }
        return result;
    }

    private static MemoryObject node(MemoryObject root, String path) {
        if (path.isEmpty()) {
            return root;
        }
        Object found = root.get(path);
        return found instanceof MemoryObject ? (MemoryObject) found : EMPTY;
    }

    private static Object describe(Object value) {
        if (value instanceof MemoryObject) {
            return Map.of("$object", ((MemoryObject) value).getFieldNames());
        }
        return value;
    }

    /** Decodes the case files' markers: {@code $float} for NaN and infinities, {@code $json} for odd strings. */
    static Object decode(Object value) {
        if (value instanceof Map) {
            Map<?, ?> map = (Map<?, ?>) value;
            if (map.size() == 1 && map.get("$float") instanceof String) {
                return Double.valueOf((String) map.get("$float"));
            }
            if (map.size() == 1 && map.get("$json") instanceof String) {
                try {
                    return JSON.readValue((String) map.get("$json"), Object.class);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("bad $json marker " + map, e);
                }
            }
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put(decode(e.getKey()), decode(e.getValue()));
            }
            return out;
        }
        if (value instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object item : (List<?>) value) {
                out.add(decode(item));
            }
            return out;
        }
        if (value instanceof String && ((String) value).startsWith("$json:")) {
            return decode(Map.of("$json", ((String) value).substring(6)));
        }
        return value;
    }

    private static final MemoryObject EMPTY = new MemoryObject() {
        @Override
        public Object get(String path) {
            return null;
        }

        @Override
        public void set(String path, Object value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MemoryObject newObject(String path, boolean overwrite) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isExist(String path) {
            return false;
        }

        @Override
        public List<String> getFieldNames() {
            return List.of();
        }

        @Override
        public Map<String, Object> getFields() {
            return Map.of();
        }
    };
}
