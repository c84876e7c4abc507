package dev.bridge.runtime;

import java.nio.charset.StandardCharsets;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the result JSON of {@link JavaAction#invoke} and {@link JavaAction#resume}:
 * {@code {"status": "done" | "suspended" | "failed", ..}}.
 */
final class ActionResults {
    private ActionResults() {
    }

    static byte[] done(List<List<Object>> updates, List<Map<String, Object>> events,
            List<DurableRun.CallRecord> records, Map<String, List<String>> asked)
            throws Exception {
        List<Map<String, Object>> calls = new ArrayList<>(records.size());
        for (DurableRun.CallRecord record : records) {
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("id", record.id());
            if (record.error() != null) {
                Throwable error = record.error();
                call.put("error", error.getClass().getName() + (error.getMessage() != null ? ": " + error.getMessage() : ""));
            } else {
                call.put("result", record.resultJson());
            }
            calls.add(call);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", "done");
        result.put("updates", updates);
        result.put("events", events);
        result.put("calls", calls);
        if (!asked.isEmpty()) {
            result.put("asked", asked);
        }
        return Json.mapper().writeValueAsBytes(result);
    }

    /** The action waits for outside input named {@code name}, recorded at durable call {@code index}. */
    static byte[] waiting(String name, int index) {
        com.fasterxml.jackson.databind.node.ObjectNode json = Json.mapper().createObjectNode();
        json.put("status", "waiting");
        json.put("name", name);
        json.put("index", index);
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] suspended(String ref) {
        return ("{\"status\":\"suspended\",\"ref\":\"" + ref + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Describes a failure; never throws, even when the JVM is short of memory. */
    static byte[] failed(Throwable failure) {
        String className = failure.getClass().getName();
        try {
            StringWriter stack = new StringWriter();
            failure.printStackTrace(new PrintWriter(stack));
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("class", className);
            error.put("message", failure.getMessage() != null ? failure.getMessage() : "");
            error.put("stack", stack.toString());
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("status", "failed");
            result.put("error", error);
            return Json.mapper().writeValueAsBytes(result);
        } catch (Throwable writing) {
            return ("{\"status\":\"failed\",\"error\":{\"class\":\"" + className
                    + "\",\"message\":\"(the failure could not be described: " + writing.getClass().getName()
                    + ")\",\"stack\":\"\"}}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
