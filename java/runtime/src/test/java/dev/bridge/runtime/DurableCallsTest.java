package dev.bridge.runtime;

import static dev.bridge.runtime.JavaActionTest.EVENT;
import static dev.bridge.runtime.JavaActionTest.action;
import static dev.bridge.runtime.JavaActionTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DurableCallsTest {

    @BeforeEach
    void reset() {
        TestActions.CALLS.set(0);
        TestActions.asyncId = "lookup";
        TestActions.gate = new CountDownLatch(1);
    }

    @AfterEach
    void release() {
        TestActions.gate.countDown();
    }

    @Test
    void shouldSuspendOnAsyncCallThenResumeByReplayAndFinish() throws Exception {
        JavaAction action = action("syncThenAsync");
        InMemoryHost host = new InMemoryHost();

        Map<String, Object> first = parse(action.invoke(EVENT, host));
        assertEquals("suspended", first.get("status"));
        String ref = (String) first.get("ref");
        assertTrue(ref.matches("j-\\d+"), ref);

        TestActions.gate.countDown();
        assertEquals(ref + "@bridge-wake", host.wakes.poll(10, TimeUnit.SECONDS));

        Map<String, Object> done = parse(action.resume(ref, host));
        assertEquals("done", done.get("status"), done.toString());
        assertEquals(2, TestActions.CALLS.get(), "each call body runs once; the replay uses the records");
        assertEquals(List.of(Map.of("id", "first", "result", "one"), Map.of("id", "lookup", "result", "two")),
                done.get("calls"));
        assertEquals(List.of(
                Arrays.asList("short_term", "set", "progress", "started"),
                Arrays.asList("short_term", "set", "progress", "finished")),
                done.get("updates"), "the suspended attempt's updates are discarded");
        Map<?, ?> output = (Map<?, ?>) ((List<?>) done.get("events")).get(0);
        assertEquals(Map.of("output", List.of("one", "two")), output.get("attributes"));
    }

    @Test
    void shouldStaySuspendedWhenResumedBeforeTheCallFinishes() throws Exception {
        JavaAction action = action("syncThenAsync");
        InMemoryHost host = new InMemoryHost();
        String ref = (String) parse(action.invoke(EVENT, host)).get("ref");

        assertEquals(Map.of("status", "suspended", "ref", ref), parse(action.resume(ref, host)));

        TestActions.gate.countDown();
        assertNotNull(host.wakes.poll(10, TimeUnit.SECONDS));
        assertEquals("done", parse(action.resume(ref, host)).get("status"));
    }

    @Test
    void shouldRethrowARecordedExceptionOnReplay() throws Exception {
        JavaAction action = action("asyncFailure");
        InMemoryHost host = new InMemoryHost();
        String ref = (String) parse(action.invoke(EVENT, host)).get("ref");
        assertNotNull(host.wakes.poll(10, TimeUnit.SECONDS));

        Map<String, Object> done = parse(action.resume(ref, host));

        assertEquals(List.of(Map.of("id", "flaky", "error", "java.io.IOException: remote down")), done.get("calls"));
        Map<?, ?> output = (Map<?, ?>) ((List<?>) done.get("events")).get(0);
        assertEquals(Map.of("output", "recovered from remote down"), output.get("attributes"));
    }

    @Test
    void shouldFailANonDeterministicReplay() throws Exception {
        JavaAction action = action("syncThenAsync");
        InMemoryHost host = new InMemoryHost();
        String ref = (String) parse(action.invoke(EVENT, host)).get("ref");
        TestActions.gate.countDown();
        assertNotNull(host.wakes.poll(10, TimeUnit.SECONDS));

        TestActions.asyncId = "another-lookup";
        Map<String, Object> result = parse(action.resume(ref, host));

        Map<?, ?> error = (Map<?, ?>) result.get("error");
        assertEquals("failed", result.get("status"));
        assertTrue(((String) error.get("message")).startsWith("non-deterministic action 'syncThenAsync': durable "
                + "call #1 (counted from 0, as the Python host does) has id 'another-lookup' but the recorded call "
                + "had id 'lookup'"), error.toString());
    }

    @Test
    void shouldSuspendEvenWhenTheActionSwallowsTheSuspension() throws Exception {
        JavaAction action = action("swallowSuspension");
        InMemoryHost host = new InMemoryHost();

        Map<String, Object> first = parse(action.invoke(EVENT, host));
        assertEquals("suspended", first.get("status"));
        assertNotNull(host.wakes.poll(10, TimeUnit.SECONDS));

        Map<String, Object> done = parse(action.resume((String) first.get("ref"), host));
        assertEquals(List.of(), done.get("events"));
    }

    @Test
    void shouldFailForAnUnknownRef() {
        Map<?, ?> error = (Map<?, ?>) parse(action("syncThenAsync").resume("j-0", new InMemoryHost())).get("error");

        assertTrue(((String) error.get("message")).contains("no suspended run under ref 'j-0'"), error.toString());
    }
}
