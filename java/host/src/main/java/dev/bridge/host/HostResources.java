package dev.bridge.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.bridge.api.BridgeException;
import dev.bridge.api.ChatModel;
import dev.bridge.api.EmbeddingModel;
import dev.bridge.api.VectorStore;
import dev.bridge.runtime.HostAccess;
import dev.bridge.runtime.JavaResources;
import dev.bridge.runtime.JavaTool;
import dev.bridge.runtime.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The plan's Java resources, built once on first use and shared by Java actions (the objects themselves) and
 * Python actions (JSON calls through {@link #info} and {@link #call}, made by {@code
 * bridge/runtime/_foreign_resources.py}); and the plan's Python resources lent to Java actions ({@link #lend}:
 * {@link PythonResourceHandle}).
 *
 * <p>Thread-safe: a Python action calls Java resources inside its durable calls, that is on the Python worker
 * threads, while Java actions use them on the scheduler thread. Each resource is built once, under a lock of its
 * own (a build that looks up another resource, such as a chat model setup its connection, takes that one's lock
 * too, so resources that look each other up in a circle are refused rather than built for ever).
 */
public final class HostResources {
    private final Map<String, Map<String, Map<String, Object>>> providers;
    private final Map<String, List<String>> pythonResources;
    private final PythonSide python;
    private final Map<String, Object> built = new ConcurrentHashMap<>();
    private final Map<String, Object> buildLocks = new ConcurrentHashMap<>();
    /** The resources the current thread is building (a lookup of one of them is a circle). */
    private final ThreadLocal<Set<String>> building = ThreadLocal.withInitial(HashSet::new);
    /** What a resource being built sees of the host: the plan's other resources, as a Java action does. */
    private final HostAccess lookup = new HostAccess() {
        @Override
        public Object getResource(String name, String type) {
            return lend(name, type);
        }

        @Override
        public String readMemory(String memory, String path) {
            throw new BridgeException("a resource being built has no memory to read");
        }

        @Override
        public void wake(String ref) {
            throw new BridgeException("a resource being built cannot suspend");
        }
    };

    HostResources(Map<String, Map<String, Map<String, Object>>> providers, Map<String, List<String>> pythonResources,
            PythonSide python) {
        this.providers = providers;
        this.pythonResources = pythonResources;
        this.python = python;
    }

    /**
     * Returns a resource of the plan for a Java action: a Java resource (built on first use), or a
     * {@link dev.bridge.api.PythonResource} over a Python one; null when the plan has neither.
     */
    Object lend(String name, String type) {
        Object resource = get(name, type);
        if (resource == null && pythonResources.getOrDefault(type, List.of()).contains(name)) {
            resource = built.computeIfAbsent("python:" + type + "/" + name, k -> new PythonResourceHandle(python, type,
                    name));
        }
        return resource;
    }

    /**
     * Returns a Java resource of the plan, building it on first use.
     *
     * @param name the resource name
     * @param type the type's wire name ({@code "tool"}, {@code "embedding_model"}, ..)
     * @return the resource (a {@link JavaTool} for tools), or null when the plan has no such Java resource
     */
    Object get(String name, String type) {
        String key = type + "/" + name;
        Object resource = built.get(key);
        if (resource != null) {
            return resource;
        }
        Map<String, Object> provider = providers.getOrDefault(type, Map.of()).get(name);
        if (provider == null) {
            return null;
        }
        String where = "resource_providers." + type + "." + name;
        synchronized (buildLocks.computeIfAbsent(key, k -> new Object())) {
            resource = built.get(key);  // another thread may have built it while this one waited
            if (resource != null) {
                return resource;
            }
            Set<String> mine = building.get();
            if (!mine.add(key)) {
                throw new BridgeException(where + ": its build looks itself up, through " + mine
                        + " (resources that look each other up in a circle cannot be built)");
            }
            try {
                Object instance = JavaResources.create((String) provider.get("clazz"),
                        Json.mapper().writeValueAsString(provider.getOrDefault("arguments", Map.of())), lookup);
                resource = "tool".equals(type) ? pickTool(where, name, provider, instance) : instance;
            } catch (JsonProcessingException e) {
                throw new BridgeException(where + ": cannot write its arguments as JSON: " + e.getOriginalMessage(),
                        e);
            } finally {
                mine.remove(key);
            }
            built.put(key, resource);
            return resource;
        }
    }

    private static JavaTool pickTool(String where, String name, Map<String, Object> provider, Object instance) {
        List<JavaTool> tools = JavaResources.tools(instance);
        Object method = provider.get("method");
        String wanted = method != null ? method.toString() : name;
        List<String> names = new ArrayList<>();
        for (JavaTool tool : tools) {
            if (tool.getName().equals(wanted)) {
                return tool;
            }
            names.add(tool.getName());
        }
        if (tools.size() == 1 && method == null) {
            return tools.get(0);
        }
        throw new BridgeException(where + ": " + provider.get("clazz") + " has no @Tool named '" + wanted
                + "' (tools: " + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
    }

    /**
     * Describes a tool for Python's {@code ToolMetadata}.
     *
     * @param type the resource type's wire name
     * @param name the resource name
     * @return {@code {"name", "description", "schema"}} as JSON
     */
    public String info(String type, String name) throws JsonProcessingException {
        Object resource = get(name, type);
        Map<String, Object> info = new LinkedHashMap<>();
        if (resource instanceof JavaTool) {
            JavaTool tool = (JavaTool) resource;
            info.put("name", tool.getName());
            info.put("description", tool.getDescription());
            info.put("schema", Json.mapper().readValue(tool.getSchemaJson(), Object.class));
        } else {
            info.put("name", name);
        }
        return Json.mapper().writeValueAsString(info);
    }

    /**
     * Calls a Java resource for a Python action; never throws.
     *
     * @param type the resource type's wire name
     * @param name the resource name
     * @param method {@code call} (tool), {@code embed}, {@code chat} or {@code query}
     * @param argsJson the named arguments as a JSON object
     * @return {@code {"result": value}} or {@code {"error": {"class", "message", "stack"}}} as JSON
     */
    @SuppressWarnings("unchecked")
    public String call(String type, String name, String method, String argsJson) {
        try {
            Object resource = get(name, type);
            if (resource == null) {
                throw new BridgeException("the plan has no Java " + type + " resource named '" + name + "'");
            }
            Map<String, Object> args = (Map<String, Object>) Json.mapper().readValue(argsJson, Object.class);
            Object result;
            if (resource instanceof JavaTool && "call".equals(method)) {
                result = Json.mapper().readValue(((JavaTool) resource).callJson(argsJson), Object.class);
            } else if (resource instanceof EmbeddingModel && "embed".equals(method)) {
                float[] vector = ((EmbeddingModel) resource).embed((String) args.get("text"));
                List<Double> list = new ArrayList<>(vector.length);
                for (float f : vector) {
                    list.add((double) f);
                }
                result = list;
            } else if (resource instanceof ChatModel && "chat".equals(method)) {
                result = ((ChatModel) resource).chat((List<Map<String, Object>>) args.get("messages"),
                        (List<Map<String, Object>>) args.getOrDefault("tools", List.of()));
            } else if (resource instanceof VectorStore && "query".equals(method)) {
                result = ((VectorStore) resource).query((String) args.get("text"), ((Number) args.get("k")).intValue());
            } else {
                throw new BridgeException("Java " + type + " '" + name + "' (" + resource.getClass().getName()
                        + ") has no method '" + method + "' a Python action can call under the Java host");
            }
            Map<String, Object> answer = new HashMap<>();
            answer.put("result", result);
            return Json.mapper().writeValueAsString(answer);
        } catch (Throwable t) {
            return Failures.describe(t);
        }
    }

    /** A throwable as {@code {"class", "message", "stack"}}: how the Java runtime reports a failed action too. */
    static final class Failures {
        private Failures() {
        }

        static Map<String, Object> of(Throwable t) {
            StringWriter stack = new StringWriter();
            t.printStackTrace(new PrintWriter(stack));
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("class", t.getClass().getName());
            error.put("message", t.getMessage() != null ? t.getMessage() : "");
            error.put("stack", stack.toString());
            return error;
        }

        /** {@code {"error": {..}}} as JSON, what {@link #call} answers for a failure. */
        static String describe(Throwable t) {
            try {
                return Json.mapper().writeValueAsString(Map.of("error", of(t)));
            } catch (JsonProcessingException e) {
                return "{\"error\":{\"class\":\"" + t.getClass().getName() + "\",\"message\":\"\"}}";
            }
        }
    }
}
