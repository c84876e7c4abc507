package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A host with a state store: calls are reported as they end, replayed from its records, and waits park the key. */
class DurableStateTest {
    private static final byte[] EVENT = JavaActionTest.EVENT.getBytes(StandardCharsets.UTF_8);

    /** Records what the action reports, as the Python host's state store would. */
    static final class RecordingHost extends InMemoryHost {
        final List<String> reported = new ArrayList<>();

        @Override
        public void recordCall(String recordJson) {
            reported.add(recordJson);
        }
    }

    private static Map<String, Object> invoke(RecordingHost host, String records) {
        byte[] out = JavaActionTest.action("waitForApproval").invokeUtf8(EVENT, host, null,
                records.getBytes(StandardCharsets.UTF_8));
        return JavaActionTest.parse(new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void aWaitIsReportedAsWaitingAfterTheCallBeforeItWasRecorded() {
        RecordingHost host = new RecordingHost();
        Map<String, Object> result = invoke(host, "{\"strict\": false, \"calls\": [], \"token\": \"t\"}");
        assertEquals("waiting", result.get("status"));
        assertEquals("approval", result.get("name"));
        assertEquals(1, ((Number) result.get("index")).intValue());
        assertEquals(1, host.reported.size());
        Map<String, Object> record = JavaActionTest.parse(host.reported.get(0));
        assertEquals("price", record.get("id"));
        assertEquals("done", record.get("status"));
        assertEquals("t", record.get("token"));
        assertTrue(((String) record.get("result")).startsWith("p"));
    }

    @Test
    void aResumedRunReplaysTheRecordedCallAndTheHandedInValueWithoutCallingAgain() {
        RecordingHost host = new RecordingHost();
        int before = TestActions.WAIT_CALLS.get();
        Map<String, Object> result = invoke(host, "{\"calls\": [{\"id\": \"price\", \"status\": \"done\", "
                + "\"result\": \"p-old\"}, {\"id\": \"bridge.wait_for_input\", \"status\": \"done\", "
                + "\"result\": {\"ok\": true}}]}");
        assertEquals("done", result.get("status"));
        assertEquals(before, TestActions.WAIT_CALLS.get());
        assertEquals(List.of(), host.reported);
        Map<?, ?> event = (Map<?, ?>) ((List<?>) result.get("events")).get(0);
        assertEquals("p-old:{ok=true}", ((Map<?, ?>) event.get("attributes")).get("output"));
    }

    @Test
    void aRecordedFailureIsRaisedAgainAsItsClassWhenItLoads() {
        RecordingHost host = new RecordingHost();
        Map<String, Object> result = invoke(host, "{\"calls\": [{\"id\": \"price\", \"status\": \"failed\", "
                + "\"result\": {\"type\": \"java.lang.IllegalStateException\", \"message\": \"no price\"}}]}");
        assertEquals("failed", result.get("status"));
        Map<?, ?> error = (Map<?, ?>) result.get("error");
        assertEquals("java.lang.IllegalStateException", error.get("class"));
        assertEquals("no price", error.get("message"));
    }

    @Test
    void aReplayThatMakesAnotherCallFailsInStrictModeAsNonDeterminism() {
        Map<String, Object> result = invoke(new RecordingHost(), "{\"strict\": true, \"calls\": [{\"id\": "
                + "\"other\", \"status\": \"done\", \"result\": \"x\"}]}");
        assertEquals("failed", result.get("status"));
        assertEquals("dev.bridge.api.NonDeterminismException", ((Map<?, ?>) result.get("error")).get("class"));
    }

    @Test
    void aReplayThatMakesAnotherCallRunsItAnewAndReportsTheDivergenceWhenNotStrict() {
        RecordingHost host = new RecordingHost();
        Map<String, Object> result = invoke(host, "{\"strict\": false, \"calls\": [{\"id\": \"other\", "
                + "\"status\": \"done\", \"result\": \"x\"}]}");
        assertEquals("waiting", result.get("status"));
        Map<String, Object> record = JavaActionTest.parse(host.reported.get(0));
        assertEquals("price", record.get("id"));
        assertEquals(Boolean.TRUE, record.get("diverged"));
    }
}
