package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.BridgeException;
import dev.bridge.api.ValueContractException;
import dev.bridge.api.ChatModel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JavaActionTest {
    static final String ACTIONS = TestActions.class.getName();
    static final String EVENT = "{\"id\":\"e-1\",\"type\":\"_input_event\",\"attributes\":{\"value\":7}}";

    static JavaAction action(String method) {
        return JavaAction.resolve(method, ACTIONS, method, null, null, null);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String json) {
        return (Map<String, Object>) PortableValues.fromJson(json);
    }

    @Test
    void shouldReturnMemoryUpdatesAsJson() {
        Map<String, Object> result = parse(action("writeAndSend").invoke(EVENT, new InMemoryHost()));

        assertEquals("done", result.get("status"));
        assertEquals(List.of(
                Arrays.asList("short_term", "set", "a.b", 7),
                Arrays.asList("sensory", "new_object", "scratch", null)), result.get("updates"));
    }

    @Test
    void shouldReturnSentEventsAsEventJson() {
        Map<String, Object> result = parse(action("writeAndSend").invoke(EVENT, new InMemoryHost()));

        List<?> events = (List<?>) result.get("events");
        Map<?, ?> event = (Map<?, ?>) events.get(0);
        assertEquals(1, events.size());
        assertEquals(List.of("id", "type", "attributes"), List.copyOf(event.keySet()));
        assertEquals("written", event.get("type"));
        assertEquals(Map.of("value", 7), event.get("attributes"));
        assertEquals(List.of(), result.get("calls"));
    }

    @Test
    void shouldAskTheHostForWhatItDidNotSendAndNotForWhatItSent() {
        InMemoryHost host = new InMemoryHost().put("short_term", "a.x", 1);
        JavaAction action = action("writeAndSend");

        Map<String, Object> first = parse(action.invoke(EVENT, host));
        assertEquals(Map.of("short_term", List.of("a"), "sensory", List.of("scratch")), first.get("asked"));
        int before = host.reads.size();

        byte[] known = "{\"short_term\": {\"a\": {\"o\": [\"x\"], \"n\": []}}, \"sensory\": {\"scratch\": null}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Map<String, Object> second = parse(new String(action.invokeUtf8(EVENT.getBytes(
                java.nio.charset.StandardCharsets.UTF_8), host, known), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("done", second.get("status"), second.toString());
        assertEquals(null, second.get("asked"));
        assertEquals(before, host.reads.size(), "the host sent every read the action needed");
    }

    @Test
    void shouldRefuseAWriteThatConflictsWithAReadTheHostSent() {
        byte[] known = "{\"short_term\": {\"a\": {\"v\": 5}}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Map<String, Object> result = parse(new String(action("writeAndSend").invokeUtf8(EVENT.getBytes(
                java.nio.charset.StandardCharsets.UTF_8), new InMemoryHost(), known), java.nio.charset.StandardCharsets.UTF_8));

        assertEquals("failed", result.get("status"));
        assertEquals("dev.bridge.api.MemoryPathException", ((Map<?, ?>) result.get("error")).get("class"));
    }

    @Test
    void shouldSeeOwnWritesBeforeTheyAreCommitted() {
        InMemoryHost host = new InMemoryHost().put("short_term", "user.name", "Ada").put("short_term", "user.tier", "gold");

        String json = action("readAfterWrite").invoke(EVENT, host);

        assertEquals("done", parse(json).get("status"), json);
        assertEquals("Ada", TestActions.SEEN.get("before"));
        assertEquals("Grace", TestActions.SEEN.get("after"));
        assertEquals(List.of("name", "tier"), TestActions.SEEN.get("fields"));
        assertEquals("gold", TestActions.SEEN.get("tier"));
        assertEquals(null, TestActions.SEEN.get("below value"));
        assertEquals(true, TestActions.SEEN.get("exists"));
        assertEquals("Ada", host.value("short_term", "user.name"), "nothing is applied on the Java side");
    }

    @Test
    void shouldCallTheHostOnlyFromTheInvokingThread() {
        InMemoryHost host = new InMemoryHost().put("short_term", "user.name", "Ada");

        action("readAfterWrite").invoke(EVENT, host);

        assertTrue(!host.callbackThreads.isEmpty());
        host.callbackThreads.forEach(thread -> assertSame(Thread.currentThread(), thread));
    }

    @Test
    void shouldPassPlanAndActionConfig() {
        JavaAction action = JavaAction.resolve("cfg", ACTIONS, "readConfig", null, "{\"limit\":3}",
                "{\"mode\":\"strict\"}");

        Map<?, ?> event = (Map<?, ?>) ((List<?>) parse(action.invoke(EVENT, new InMemoryHost())).get("events")).get(0);

        assertEquals(Map.of("plan", "strict", "action", 3), event.get("attributes"));
    }

    @Test
    void shouldAskTheHostForAResourceOncePerRun() {
        ChatModel model = messages -> Map.of("role", "assistant", "content", "hi");
        InMemoryHost host = new InMemoryHost().resource("model", "chat_model", model);

        action("useResource").invoke(EVENT, host);

        assertSame(model, TestActions.SEEN.get("first"));
        assertSame(model, TestActions.SEEN.get("second"));
        assertEquals(1, host.callbackThreads.size());
    }

    @Test
    void shouldFailNamingAMissingResource() {
        Map<?, ?> error = (Map<?, ?>) parse(action("missingResource").invoke(EVENT, new InMemoryHost())).get("error");

        assertEquals(BridgeException.class.getName(), error.get("class"));
        assertTrue(((String) error.get("message")).contains("no vector_store resource named 'nope'"), error.toString());
    }

    @Test
    void shouldReturnFailedWithFullStackWhenActionThrows() {
        Map<String, Object> result = parse(action("throwing").invoke(EVENT, new InMemoryHost()));

        Map<?, ?> error = (Map<?, ?>) result.get("error");
        assertEquals("failed", result.get("status"));
        assertEquals("java.lang.IllegalStateException", error.get("class"));
        assertEquals("order service unavailable", error.get("message"));
        String stack = (String) error.get("stack");
        assertTrue(stack.contains("at dev.bridge.runtime.TestActions.throwing"), stack);
        assertTrue(stack.contains("Caused by: java.lang.IllegalArgumentException: root cause"), stack);
    }

    @Test
    void shouldReturnFailedWhenTheStackOverflows() {
        Map<String, Object> result = parse(action("recurseForever").invoke(EVENT, new InMemoryHost()));

        assertEquals("failed", result.get("status"));
        assertEquals("java.lang.StackOverflowError", ((Map<?, ?>) result.get("error")).get("class"));
    }

    @Test
    void shouldFailNamingThePathOfANonPortableValue() {
        Map<?, ?> error = (Map<?, ?>) parse(action("writeNonPortable").invoke(EVENT, new InMemoryHost())).get("error");

        assertEquals(ValueContractException.class.getName(), error.get("class"));
        assertTrue(((String) error.get("message")).startsWith(
                "memory path 'order.when': java.util.Date is not a portable value"), error.toString());
    }

    @Test
    void shouldFailOnUnreadableEventJson() {
        Map<?, ?> error = (Map<?, ?>) parse(action("writeAndSend").invoke("{not json", new InMemoryHost())).get("error");

        assertTrue(((String) error.get("message")).contains("cannot read the event JSON"), error.toString());
    }

    @Test
    void shouldNameClassAndClasspathWhenTheClassIsUnknown() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> JavaAction.resolve("review", "com.example.Missing", "run", null, null, null));

        assertTrue(error.getMessage().startsWith("action 'review': cannot resolve com.example.Missing.run"),
                error.getMessage());
        assertTrue(error.getMessage().contains("class com.example.Missing not found"), error.getMessage());
        assertTrue(error.getMessage().contains("classpath searched: " + System.getProperty("java.class.path")),
                error.getMessage());
    }

    @Test
    void shouldNameTheMethodWhenItIsUnknown() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> JavaAction.resolve("review", ACTIONS, "nope", null, null, null));

        assertTrue(error.getMessage().contains("no public method nope(dev.bridge.api.Event, "
                + "dev.bridge.api.RunnerContext) in " + ACTIONS), error.getMessage());
        assertTrue(error.getMessage().contains("classpath searched: "), error.getMessage());
    }

    @Test
    void shouldRejectMethodsThatAreNotStaticVoid() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> JavaAction.resolve("w", ACTIONS, "wrongReturn", null, null, null));

        assertTrue(error.getMessage().contains("must be public static void"), error.getMessage());
    }

    @Test
    void shouldRejectParameterTypesOtherThanEventAndRunnerContext() {
        BridgeException error = assertThrows(BridgeException.class, () -> JavaAction.resolve("w", ACTIONS,
                "writeAndSend", new String[] {"java.lang.String", "dev.bridge.api.RunnerContext"}, null, null));

        assertTrue(error.getMessage().contains("are not (Event, RunnerContext)"), error.getMessage());
    }

    @Test
    void shouldAcceptFlinkAgentsParameterTypeNames() {
        JavaAction action = JavaAction.resolve("w", ACTIONS, "writeAndSend", new String[] {
            "org.apache.flink.agents.api.Event", "org.apache.flink.agents.api.context.RunnerContext"}, null, null);

        assertEquals("done", parse(action.invoke(EVENT, new InMemoryHost())).get("status"));
    }

    @Test
    void shouldRejectConfigThatIsNotAJsonObject() {
        BridgeException error = assertThrows(BridgeException.class,
                () -> JavaAction.resolve("w", ACTIONS, "writeAndSend", null, "[1]", null));

        assertTrue(error.getMessage().contains("action config must be a JSON object"), error.getMessage());
    }

    @Test
    void shouldLetTheHostCommitUpdatesForTheNextRun() {
        InMemoryHost host = new InMemoryHost();
        host.commit(action("writeAndSend").invoke(EVENT, host));

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("b", 7);
        assertEquals(expected, host.value("short_term", "a"));
        assertNotNull(host.value("sensory", "scratch"));
    }
}
