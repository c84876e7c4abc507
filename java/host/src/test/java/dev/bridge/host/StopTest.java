package dev.bridge.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link BridgeHost#requestStop}: what a signal does to a run of the Java host, through its API. */
class StopTest {
    @Test
    void shouldTakeNoMoreInputsOnceAStopIsAskedAndKeepWhatFinished() {
        try (BridgeHost host = BridgeHostTest.builder("durable.yaml").open()) {
            List<BridgeHost.Input> inputs = new ArrayList<>();
            for (int n = 0; n < 20; n++) {
                inputs.add(new BridgeHost.Input("k", Map.of("n", n, "max_sleep", 0.001)));
            }
            BridgeHost.Result result = host.run(inputs.iterator(), new BridgeHost.Listener() {
                @Override
                public void output(Object key, Object output) {
                    host.requestStop(60);  // on the first output: its input ends, the key's next ones never start
                }
            });
            assertTrue(result.ok(), () -> "failures: " + result.failures());
            assertTrue(host.stopped());
            assertEquals(1, result.inputs());
            assertEquals(List.of(new BridgeHost.Output("k", Map.of("n", 0))), result.outputs());
            assertEquals(List.of(0), host.shortTermMemory("k").get("log"));
        }
    }

    @Test
    void shouldRunToTheEndWhenNoStopIsAsked() {
        try (BridgeHost host = BridgeHostTest.builder("durable.yaml").open()) {
            BridgeHost.Result result = host.run(List.of(new BridgeHost.Input("k", Map.of("n", 1, "max_sleep", 0.001))));
            assertTrue(result.ok(), () -> "failures: " + result.failures());
            assertFalse(host.stopped());
            assertEquals(1, result.outputs().size());
        }
    }
}
