package dev.bridge.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.runtime.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java host with a real embedded CPython (pemja) and the project's Python: plans end to end. */
class BridgeHostTest {
    static final Path ROOT = Path.of(System.getProperty("bridge.root", "../..")).toAbsolutePath().normalize();
    static final Path PLANS = Path.of("src/test/resources/plans").toAbsolutePath();
    static final String PYTHON_PATH = Path.of("src/test/python").toAbsolutePath().toString();

    static BridgeHost.Builder builder(String plan) {
        return BridgeHost.builder(PLANS.resolve(plan)).pythonPath(PYTHON_PATH);
    }

    static BridgeHost open(String plan) {
        return builder(plan).open();
    }

    private static BridgeHost demo;

    @BeforeAll
    static void openDemo() {
        demo = BridgeHost.builder(ROOT.resolve("examples/demo/plan.yaml")).open();
    }

    @AfterAll
    static void closeDemo() {
        demo.close();
    }

    @Test
    void shouldRunTheDemoPlanAsThePythonHostDoes() throws Exception {
        List<BridgeHost.Input> inputs = new ArrayList<>();
        for (String line : Files.readAllLines(ROOT.resolve("examples/demo/orders.jsonl"))) {
            Map<String, Object> record = Scheduler.parseMap(line);
            inputs.add(new BridgeHost.Input(record.get("key"), record.get("input")));
        }
        BridgeHost.Result result = demo.run(inputs);

        List<Object> expected = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("src/test/resources/demo-expected.jsonl"))) {
            expected.add(Json.mapper().readValue(line, Object.class));
        }
        List<Object> actual = new ArrayList<>();
        for (BridgeHost.Output output : result.outputs()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("key", output.key());
            line.put("output", output.output());
            actual.add(Json.mapper().readValue(Json.mapper().writeValueAsString(line), Object.class));
        }
        assertTrue(result.ok(), () -> "failures: " + result.failures());
        assertEquals(6, result.inputs());
        assertEquals(expected, actual);
        assertEquals(2, ((Map<?, ?>) demo.shortTermMemory("ada").get("stats")).get("reviewed"));
    }

    @Test
    void shouldRefuseToEnterPythonFromAnotherThreadThanTheHostsSayingWhatToDo() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        List<Runnable> calls = List.of(() -> demo.heldLines(Path.of("plan.yaml")), () -> demo.takenBefore("in.jsonl"),
                () -> demo.earlierOutputs("in.jsonl", new BridgeHost.Listener() { }), () -> demo.shortTermMemory("ada"),
                () -> demo.run(List.of()), demo::close);
        for (Runnable call : calls) {
            thrown.set(null);
            Thread other = new Thread(() -> {
                try {
                    call.run();
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "not-the-host");
            other.start();
            other.join();
            Throwable error = thrown.get();
            assertTrue(error instanceof dev.bridge.api.BridgeException, () -> "got " + error);
            assertTrue(error.getMessage().contains("called on thread 'not-the-host'"), error.getMessage());
            assertTrue(error.getMessage().contains("may only be entered from that thread"), error.getMessage());
        }
        assertEquals(Map.of(), demo.shortTermMemory("nobody"));  // still usable on its own thread
    }
}
