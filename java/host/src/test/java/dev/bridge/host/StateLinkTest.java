package dev.bridge.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.BridgeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durable runs of the Java host: the run kept in the one state store (SQLite here) through the embedded Python. */
class StateLinkTest {
    private static final List<BridgeHost.Input> FIRST = List.of(new BridgeHost.Input("a", 5),
            new BridgeHost.Input("b", 7));

    private static List<String> lines(List<BridgeHost.Output> outputs) {
        List<String> lines = new ArrayList<>();
        for (BridgeHost.Output output : outputs) {
            lines.add(output.key() + "=" + output.output());
        }
        return lines;
    }

    @Test
    void shouldSkipWhatEarlierRunsTookAndGoOnWithTheMemoryTheStateKept(@TempDir Path dir) {
        String state = dir.resolve("runs.db").toString();
        try (BridgeHost host = BridgeHostTest.builder("mixed.yaml").state(state).open()) {
            BridgeHost.Result result = host.run(FIRST.iterator(), new BridgeHost.Listener() { }, "in.jsonl");
            assertTrue(result.ok(), () -> "failures: " + result.failures());
            assertEquals(2, result.inputs());
        }
        // Another host on the same state: the two inputs taken are skipped, the third runs on the kept memory.
        try (BridgeHost host = BridgeHostTest.builder("mixed.yaml").state(state).open()) {
            List<BridgeHost.Output> earlier = new ArrayList<>();
            assertEquals(2, host.takenBefore("in.jsonl"));
            assertEquals(2, host.earlierOutputs("in.jsonl", new BridgeHost.Listener() {
                @Override
                public void output(Object key, Object output) {
                    earlier.add(new BridgeHost.Output(key, output));
                }
            }));
            assertEquals(List.of("a={value=5, doubled=10, java_total=5, py_count=1, seen_by=[first]}",
                    "b={value=7, doubled=14, java_total=7, py_count=1, seen_by=[first]}"), lines(earlier));
            List<BridgeHost.Input> all = new ArrayList<>(FIRST);
            all.add(new BridgeHost.Input("a", 10));
            BridgeHost.Result result = host.run(all.iterator(), new BridgeHost.Listener() { }, "in.jsonl");
            assertEquals(1, result.inputs());
            assertEquals(List.of("a={value=10, doubled=20, java_total=15, py_count=2, seen_by=[first]}"),
                    lines(result.outputs()));
            assertEquals(Map.of("py", Map.of("count", 2, "last", 10), "java", Map.of("total", 15)),
                    host.shortTermMemory("a"));
        }
    }

    @Test
    void shouldRefuseAStateAnotherPlanWroteNamingTheDifference(@TempDir Path dir) {
        String state = dir.resolve("runs.db").toString();
        try (BridgeHost host = BridgeHostTest.builder("mixed.yaml").state(state).open()) {
            host.run(FIRST);
        }
        BridgeException error = assertThrows(BridgeException.class,
                () -> BridgeHostTest.builder("durable.yaml").state(state).open().close());
        assertTrue(error.getMessage().contains("actions added: durable"), error.getMessage());
        assertTrue(error.getMessage().contains("actions removed: first, last, middle"), error.getMessage());
    }
}
