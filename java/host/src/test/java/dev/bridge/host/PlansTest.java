package dev.bridge.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.BridgeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Mixed plans, durable calls across interleaved keys and bad input under the Java host. */
class PlansTest {
    @Test
    void shouldPassMemoryAndEventsFromPythonToJavaAndBack() {
        try (BridgeHost host = BridgeHostTest.open("mixed.yaml")) {
            BridgeHost.Result result = host.run(List.of(new BridgeHost.Input("a", 5), new BridgeHost.Input("b", 7),
                    new BridgeHost.Input("a", 10)));
            assertTrue(result.ok(), () -> "failures: " + result.failures());
            List<String> outputs = new ArrayList<>();
            for (BridgeHost.Output output : result.outputs()) {
                outputs.add(output.key() + "=" + output.output());
            }
            assertEquals(List.of(
                    "a={value=5, doubled=10, java_total=5, py_count=1, seen_by=[first]}",
                    "b={value=7, doubled=14, java_total=7, py_count=1, seen_by=[first]}",
                    "a={value=10, doubled=20, java_total=15, py_count=2, seen_by=[first]}"), outputs);
            assertEquals(Map.of("py", Map.of("count", 2, "last", 10), "java", Map.of("total", 15)),
                    host.shortTermMemory("a"));
        }
    }

    @Test
    void shouldKeepEachKeysOrderWhileDurableCallsCompleteOnPythonWorkers() {
        try (BridgeHost host = BridgeHostTest.builder("durable.yaml").workers(8).open()) {
            List<BridgeHost.Input> inputs = new ArrayList<>();
            for (int n = 0; n < 40; n++) {
                inputs.add(new BridgeHost.Input("k" + (n % 4), Map.of("n", n, "max_sleep", 0.01)));
            }
            BridgeHost.Result result = host.run(inputs);
            assertTrue(result.ok(), () -> "failures: " + result.failures());
            Map<Object, List<Object>> byKey = new LinkedHashMap<>();
            for (BridgeHost.Output output : result.outputs()) {
                byKey.computeIfAbsent(output.key(), k -> new ArrayList<>()).add(((Map<?, ?>) output.output()).get("n"));
            }
            for (int k = 0; k < 4; k++) {
                List<Object> expected = new ArrayList<>();
                for (int n = k; n < 40; n += 4) {
                    expected.add(n);
                }
                assertEquals(expected, byKey.get("k" + k), "outputs of k" + k);
                assertEquals(expected, host.shortTermMemory("k" + k).get("log"), "memory log of k" + k);
            }
        }
    }

    @Test
    void shouldNameModuleActionAndPythonPathWhenAnActionCannotBeImported() {
        BridgeException error = assertThrows(BridgeException.class, () -> BridgeHostTest.open("bad_import.yaml"));
        String message = error.getMessage();
        assertTrue(message.contains("no_such_module_here"), message);
        assertTrue(message.contains("action 'missing'"), message);
        assertTrue(message.contains("sys.path") && message.contains(BridgeHostTest.PYTHON_PATH), message);
    }

    @Test
    void shouldFailOnlyTheEventWhoseValueCannotCrossNamingThePath() {
        try (BridgeHost host = BridgeHostTest.open("bad_values.yaml")) {
            BridgeHost.Result result = host.run(List.of(new BridgeHost.Input("p", "py_bad"),
                    new BridgeHost.Input("j", "java_bad"), new BridgeHost.Input("x", "boom"),
                    new BridgeHost.Input("ok", "fine")));
            Map<Object, String> errors = new LinkedHashMap<>();
            for (BridgeHost.Failure failure : result.failures()) {
                errors.put(failure.key(), failure.action() + ": " + failure.error());
            }
            assertTrue(errors.get("p").startsWith("keeps_a_set: ValueContractError"), errors.toString());
            assertTrue(errors.get("p").contains("short_term.bad.tags"), errors.toString());
            assertTrue(errors.get("j").startsWith("writes_a_thread: dev.bridge.api.ValueContractException"),
                    errors.toString());
            assertTrue(errors.get("j").contains("bad.thread"), errors.toString());
            assertEquals("fails: ValueError: boom on purpose", errors.get("x"));
            assertEquals(List.of(new BridgeHost.Output("ok", "fine")), result.outputs());
            assertEquals(Map.of("ok", "fine"), host.shortTermMemory("ok"));
            assertEquals(Map.of("ok", "py_bad"), host.shortTermMemory("p"));  // the failed action's write is gone
        }
    }

    @Test
    void shouldRunTenThousandEventsWithPythonAndJavaDurableCallsKeepingEachKeysOrder() {
        int events = 10_000;
        int keys = 50;
        try (BridgeHost host = BridgeHostTest.builder("ten_thousand.yaml").workers(8).open()) {
            List<BridgeHost.Input> inputs = new ArrayList<>();
            for (int n = 0; n < events; n++) {
                inputs.add(new BridgeHost.Input("k" + (n % keys), Map.of("n", n, "max_sleep", 0.0005, "java", true)));
            }
            BridgeHost.Result result = host.run(inputs);
            assertTrue(result.ok(), () -> "failures: " + result.failures().subList(0, 1));
            assertEquals(events, result.inputs());
            assertEquals(2 * events, result.outputs().size());
            Map<Object, List<Object>> byKey = new LinkedHashMap<>();
            for (BridgeHost.Output output : result.outputs()) {
                byKey.computeIfAbsent(output.key(), k -> new ArrayList<>()).add(output.output() instanceof Map
                        ? ((Map<?, ?>) output.output()).get("n") : output.output());
            }
            for (int k = 0; k < keys; k++) {
                List<Object> expected = new ArrayList<>();
                for (int n = k; n < events; n += keys) {
                    expected.add(n);
                    expected.add("looked up after 0 ms");  // the Java lookup ends before the key's next input
                }
                assertEquals(expected, byKey.get("k" + k), "outputs of k" + k);
            }
        }
    }

    @Test
    void shouldLetPythonDurableCallsUseJavaToolsOnWorkerThreadsKeepingEachKeysOrder() {
        int events = 2_000;
        int keys = 20;
        try (BridgeHost host = BridgeHostTest.builder("java_tools.yaml").workers(8).open()) {
            List<BridgeHost.Input> inputs = new ArrayList<>();
            for (int n = 0; n < events; n++) {
                inputs.add(new BridgeHost.Input("k" + (n % keys), n));
            }
            BridgeHost.Result result = host.run(inputs);
            assertTrue(result.ok(), () -> "failures: " + result.failures().subList(0, 1));
            assertEquals(events, result.outputs().size());
            Map<Object, List<Object>> byKey = new LinkedHashMap<>();
            for (BridgeHost.Output output : result.outputs()) {
                Map<?, ?> out = (Map<?, ?>) output.output();
                long n = ((Number) out.get("n")).longValue();
                assertEquals(n * 1000, ((Number) out.get("once")).longValue(), out::toString);
                assertEquals(n * 1_000_000, ((Number) out.get("twice")).longValue(), out::toString);
                byKey.computeIfAbsent(output.key(), k -> new ArrayList<>()).add(out.get("n"));
            }
            for (int k = 0; k < keys; k++) {
                List<Object> expected = new ArrayList<>();
                for (int n = k; n < events; n += keys) {
                    expected.add(n);
                }
                assertEquals(expected, byKey.get("k" + k), "outputs of k" + k);
                assertEquals(expected, host.shortTermMemory("k" + k).get("log"), "memory log of k" + k);
            }
        }
    }
}
