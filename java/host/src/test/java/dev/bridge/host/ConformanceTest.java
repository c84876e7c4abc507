package dev.bridge.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.bridge.runtime.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance scenarios ({@code tests/conformance/scenarios}, the files pytest runs under every host) run
 * through the Java host's API: per key, the outputs in order, the final short-term memory and the failures
 * must be what {@code expected.json} lists. Comparisons are strict about JSON types ({@code 1}, {@code 1.0}
 * and {@code true} differ, so do {@code 0.0} and {@code -0.0}); object member order does not count. A scenario
 * {@code "pending"} under the java host must still differ: it is reported as aborted with the reason, and
 * fails once it conforms, until the entry is removed. The format is {@code tests/conformance/README.md}.
 *
 * <p>A scenario with a {@code "crash"} section runs here with a state but is not killed (killing the test's own
 * JVM is not practical): its outputs and memory through a state store are checked; pytest's runner
 * ({@code tests/conformance/crash.py}) kills and restarts both hosts on it.
 */
class ConformanceTest {
    private static final Path SCENARIOS = BridgeHostTest.ROOT.resolve("tests/conformance/scenarios");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @TestFactory
    Stream<DynamicTest> shouldEndEveryScenarioAsItsExpectedFileSays() throws IOException {
        List<Path> folders;
        try (Stream<Path> listed = Files.list(SCENARIOS)) {
            folders = listed.filter(f -> Files.isRegularFile(f.resolve("expected.json"))).sorted().toList();
        }
        assertFalse(folders.isEmpty(), "no scenarios in " + SCENARIOS);
        return folders.stream().map(f -> DynamicTest.dynamicTest("java-" + f.getFileName()
                + (crashes(f) ? " (with a state, not killed: pytest kills it)" : ""), () -> {
                    check(f);
                    // surefire's console names dynamic tests by number: say which host ran which scenario
                    System.out.println("conformance: scenario " + f.getFileName() + " passed under the java host"
                            + (crashes(f) ? " (with a state, not killed)" : ""));
                }));
    }

    @Test
    void shouldNameTheKeyThePlaceAndBothValuesOfADifference() throws IOException {
        List<String> found = new ArrayList<>();
        compare(Json.mapper().readTree("{\"a\": [1, 2.0, -0.0, 18446744073709551617], \"b\": true}"),
                Json.mapper().readTree("{\"a\": [1.0, 2.0, 0.0, 18446744073709551617], \"c\": 1}"), "memory", found);
        assertEquals(List.of("memory.a[0]: expected 1 (integer), got 1.0 (float)",
                "memory.a[2]: expected -0.0 (float), got 0.0 (float)",
                "memory.b: expected true (boolean), missing",
                "memory.c: not expected, got 1 (integer)"), found);
    }

    private static void check(Path folder) throws IOException {
        JsonNode expected = Json.mapper().readTree(folder.resolve("expected.json").toFile());
        List<String> found;
        try {
            found = differences(expected, expected.has("crash") ? runWithState(folder) : run(folder));
        } catch (RuntimeException e) {
            found = List.of("the run failed: " + e);
        }
        String name = folder.getFileName().toString();
        String pending = expected.path("pending").path("java").textValue();
        if (pending != null) {
            if (found.isEmpty()) {
                fail("scenario " + name + " now conforms under the java host: remove its 'pending' entry ('"
                        + pending + "') from expected.json");
            }
            Assumptions.abort("pending under the java host: " + pending + "; first difference: " + found.get(0));
        }
        List<String> differences = found;
        assertTrue(differences.isEmpty(), () -> "java host, scenario " + name + " ("
                + expected.path("about").asText() + "):\n  " + String.join("\n  ", differences));
    }

    private static boolean crashes(Path folder) {
        try {
            return Json.mapper().readTree(folder.resolve("expected.json").toFile()).has("crash");
        } catch (IOException e) {
            return false;  // check() reports the unreadable file
        }
    }

    /** A crash scenario's run, uncrashed, on a fresh SQLite state (removed afterwards). */
    private static BridgeHost.Result runWithState(Path folder) throws IOException {
        Path work = Files.createTempDirectory("conformance-state");
        try {
            Path state = work.resolve("state.db");
            BridgeHost.Result result = run(folder, state.toString());
            assertTrue(Files.isRegularFile(state), "the run made no state at " + state);
            return result;
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private static BridgeHost.Result run(Path folder) throws IOException {
        return run(folder, null);
    }

    private static BridgeHost.Result run(Path folder, String state) throws IOException {
        List<BridgeHost.Input> inputs = new ArrayList<>();
        for (String line : Files.readAllLines(folder.resolve("input.jsonl"))) {
            if (!line.isBlank()) {
                Map<String, Object> record = Scheduler.parseMap(line);
                inputs.add(new BridgeHost.Input(record.get("key"), record.get("input")));
            }
        }
        BridgeHost.Builder builder = BridgeHost.builder(folder.resolve("plan.json"))
                .pythonPath(BridgeHostTest.ROOT.toString());
        if (state != null) {
            builder.state(state);
        }
        try (BridgeHost host = builder.open()) {
            return host.run(inputs);
        }
    }

    /** Everything in which a run differs from a scenario's expected file, each naming the key and the place. */
    static List<String> differences(JsonNode expected, BridgeHost.Result result) {
        Map<String, ArrayNode> outputs = new LinkedHashMap<>();
        for (BridgeHost.Output output : result.outputs()) {
            outputs.computeIfAbsent(keyId(tree(output.key())), k -> NODES.arrayNode()).add(tree(output.output()));
        }
        Map<String, BridgeHost.KeyReport> reported = new LinkedHashMap<>();
        for (BridgeHost.KeyReport report : result.keys()) {
            reported.put(keyId(tree(report.key())), report);
        }
        Map<String, JsonNode> wanted = new LinkedHashMap<>();
        for (JsonNode entry : expected.path("keys")) {
            wanted.put(keyId(entry.path("key")), entry);
        }
        List<String> found = new ArrayList<>();
        reported.keySet().stream().filter(id -> !wanted.containsKey(id))
                .forEach(id -> found.add("key " + id + ": in the report but not expected (a key that had no input?)"));
        outputs.keySet().stream().filter(id -> !wanted.containsKey(id))
                .forEach(id -> found.add("key " + id + ": has outputs but is not expected: " + show(outputs.get(id))));
        for (Map.Entry<String, JsonNode> entry : wanted.entrySet()) {
            String id = entry.getKey();
            JsonNode want = entry.getValue();
            BridgeHost.KeyReport report = reported.get(id);
            if (report == null) {
                found.add("key " + id + ": missing from the report (it had input)");
                continue;
            }
            List<String> diffs = new ArrayList<>();
            compare(want.has("outputs") ? want.get("outputs") : NODES.arrayNode(),
                    outputs.getOrDefault(id, NODES.arrayNode()), "outputs", diffs);
            compare(want.has("short_term_memory") ? want.get("short_term_memory") : NODES.objectNode(),
                    tree(report.shortTermMemory()), "short_term_memory", diffs);
            compareErrors(want.path("errors"), report, diffs);
            diffs.forEach(d -> found.add("key " + id + ": " + d));
        }
        return found;
    }

    private static void compareErrors(JsonNode want, BridgeHost.KeyReport report, List<String> out) {
        String status = want.isEmpty() ? "ok" : "error";
        if (!status.equals(report.status())) {
            out.add("status '" + report.status() + "', expected '" + status + "'");
        }
        List<BridgeHost.Failure> got = report.failures();
        if (got.size() != want.size()) {
            out.add("errors: expected " + want + ", got " + got);
            return;
        }
        for (int i = 0; i < got.size(); i++) {
            JsonNode error = want.get(i);
            BridgeHost.Failure failure = got.get(i);
            String text = failure.error();
            int colon = text.indexOf(": ");
            String type = colon < 0 ? text : text.substring(0, colon);
            String message = colon < 0 ? "" : text.substring(colon + 2);
            if (!error.path("action").asText().equals(failure.action()) || !error.path("error").asText().equals(type)
                    || !message.contains(error.path("message").asText(""))) {
                out.add("errors[" + i + "]: expected " + error + ", got action '" + failure.action()
                        + "' failing with '" + text + "'");
            }
        }
    }

    /** Adds to {@code out} where two JSON values differ, strictly: types included, object member order not. */
    static void compare(JsonNode expected, JsonNode actual, String path, List<String> out) {
        boolean integral = expected.isIntegralNumber();
        boolean floating = expected.isFloatingPointNumber();
        if (integral != actual.isIntegralNumber() || floating != actual.isFloatingPointNumber()
                || expected.getNodeType() != actual.getNodeType()) {
            out.add(path + ": expected " + show(expected) + ", got " + show(actual));
        } else if (integral ? !expected.bigIntegerValue().equals(actual.bigIntegerValue())
                : floating ? Double.compare(expected.doubleValue(), actual.doubleValue()) != 0
                : !expected.isContainerNode() && !expected.equals(actual)) {
            out.add(path + ": expected " + show(expected) + ", got " + show(actual));
        } else if (expected.isObject()) {
            for (Iterator<String> names = expected.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (actual.has(name)) {
                    compare(expected.get(name), actual.get(name), path + "." + name, out);
                } else {
                    out.add(path + "." + name + ": expected " + show(expected.get(name)) + ", missing");
                }
            }
            for (Iterator<String> names = actual.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!expected.has(name)) {
                    out.add(path + "." + name + ": not expected, got " + show(actual.get(name)));
                }
            }
        } else if (expected.isArray()) {
            if (expected.size() != actual.size()) {
                out.add(path + ": expected " + expected.size() + " items, got " + actual.size() + ": " + show(actual));
            }
            for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
                compare(expected.get(i), actual.get(i), path + "[" + i + "]", out);
            }
        }
    }

    /** A key's identity: 1, 1.0, true and "1" are four keys; an integer by its exact value. */
    private static String keyId(JsonNode key) {
        if (key.isIntegralNumber()) {
            return key.bigIntegerValue().toString();
        }
        return key.isFloatingPointNumber() ? Double.toString(key.doubleValue()) : key.toString();
    }

    /** A value as the JSON the report writes (bytes tagged, big integers exact), read back as a tree. */
    private static JsonNode tree(Object value) {
        try {
            return Json.mapper().readTree(Json.mapper().writeValueAsString(value));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + value + " as JSON", e);
        }
    }

    private static String show(JsonNode value) {
        String text = value.toString();
        String kind = value.isIntegralNumber() ? "integer" : value.isFloatingPointNumber() ? "float"
                : value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        return (text.length() > 160 ? text.substring(0, 150) + "..." : text) + " (" + kind + ")";
    }
}
