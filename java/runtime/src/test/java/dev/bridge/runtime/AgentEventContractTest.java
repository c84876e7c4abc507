package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bridge.api.BridgeException;
import dev.bridge.api.ChatRequestEvent;
import dev.bridge.api.ChatResponseEvent;
import dev.bridge.api.Event;
import dev.bridge.api.ToolRequestEvent;
import dev.bridge.api.ToolResponseEvent;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs {@code tests/contract/events/agent_events.json} (also run by pytest's
 * {@code test_agent_event_contract.py}) on the Java typed events: reading gives the {@code typed} class, and
 * so does {@code fromEvent} on a plain {@link Event}; the getters in Java casing return {@code get}; an
 * event built from {@code build} writes {@code write}. {@link EventContractTest} runs the same file as plain
 * wire cases.
 */
class AgentEventContractTest {
    @TestFactory
    Stream<DynamicTest> shouldFollowEverySharedAgentEventCase() throws IOException {
        return ContractCases.of("events", "agent_events.json", AgentEventContractTest::run);
    }

    @Test
    void shouldRefuseToReadAnEventOfAnotherTypeAsATypedOne() {
        Event other = new Event(ToolRequestEvent.TYPE, Map.of("model", "m", "tool_calls", List.of()));

        BridgeException error = assertThrows(BridgeException.class, () -> ChatRequestEvent.fromEvent(other));
        assertTrue(error.getMessage().contains("_chat_request_event") && error.getMessage().contains("_tool_request_event"),
                error.getMessage());
    }

    @Test
    void shouldNameTheAttributeWhenAGetterFindsTheWrongKind() {
        ChatRequestEvent event = ChatRequestEvent.fromEvent(new Event(ChatRequestEvent.TYPE,
                Map.of("model", 7, "messages", List.of())));

        BridgeException error = assertThrows(BridgeException.class, event::getModel);
        assertTrue(error.getMessage().contains("'model' must be a string"), error.getMessage());
    }

    @Test
    void shouldKeepIdAndLineageWhenReadingAPlainEvent() {
        Event plain = new Event(ToolResponseEvent.TYPE, Map.of("request_id", "t-1", "responses", Map.of()));
        plain.setUpstreamEventId("e-0");
        plain.setUpstreamActionName("tools");

        ToolResponseEvent typed = ToolResponseEvent.fromEvent(plain);
        assertEquals(plain.getId(), typed.getId());
        assertEquals("e-0", typed.getUpstreamEventId());
        assertEquals("tools", typed.getUpstreamActionName());
        assertSame(typed, ToolResponseEvent.fromEvent(typed));
    }

    @Test
    void shouldRefuseToBuildAnEventWithoutItsRequiredAttributes() {
        BridgeException error = assertThrows(BridgeException.class, () -> new ToolRequestEvent("m", null));
        assertTrue(error.getMessage().contains("'tool_calls'"), error.getMessage());
    }

    private static void run(Map<?, ?> c) throws Exception {
        String typed = (String) c.get("typed");
        Map<?, ?> read = (Map<?, ?>) c.get("read");
        Event event = Json.mapper().readValue(PortableValues.toJson(read), Event.class);
        assertEquals(typed, event.getClass().getSimpleName());
        Event plain = new Event((String) read.get("type"), portable(read.get("attributes")));
        Event converted = fromEvent(typed, plain);
        assertEquals(typed, converted.getClass().getSimpleName());
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) c.get("get")).entrySet()) {
            String getter = getter((String) entry.getKey());
            JsonNode expected = tree(entry.getValue());
            assertEquals(expected, tree(event.getClass().getMethod(getter).invoke(event)), getter);
            assertEquals(expected, tree(converted.getClass().getMethod(getter).invoke(converted)), getter);
        }
        if (c.containsKey("build")) {
            ObjectNode written = (ObjectNode) Json.mapper().readTree(Json.mapper().writeValueAsString(
                    build(typed, portable(c.get("build")))));
            assertTrue(written.remove("id").isTextual());
            ObjectNode expected = (ObjectNode) tree(c.get("write"));
            expected.remove("id");
            expected.remove("upstream_event_id");
            assertEquals(expected, written);
        }
    }

    /** The case's value as the runtime holds it (ints as Integer, objects as maps), not as the case parser did. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> portable(Object value) {
        return (Map<String, Object>) PortableValues.fromJson(PortableValues.toJson(value));
    }

    private static Event fromEvent(String typed, Event plain) {
        return switch (typed) {
            case "ChatRequestEvent" -> ChatRequestEvent.fromEvent(plain);
            case "ChatResponseEvent" -> ChatResponseEvent.fromEvent(plain);
            case "ToolRequestEvent" -> ToolRequestEvent.fromEvent(plain);
            case "ToolResponseEvent" -> ToolResponseEvent.fromEvent(plain);
            default -> throw new AssertionError("unknown typed event " + typed);
        };
    }

    /** The Java constructor for the case's named arguments: the short one when only the required ones are given. */
    @SuppressWarnings("unchecked")
    private static Event build(String typed, Map<String, Object> a) {
        return switch (typed) {
            case "ChatRequestEvent" -> a.size() == 2
                    ? new ChatRequestEvent((String) a.get("model"), (List<Map<String, Object>>) a.get("messages"))
                    : new ChatRequestEvent((String) a.get("model"), (List<Map<String, Object>>) a.get("messages"),
                            (Map<String, Object>) a.get("prompt_args"), a.get("output_schema"));
            case "ChatResponseEvent" -> a.size() == 2
                    ? new ChatResponseEvent((String) a.get("request_id"), (Map<String, Object>) a.get("response"))
                    : new ChatResponseEvent((String) a.get("request_id"), (Map<String, Object>) a.get("response"),
                            ((Number) a.get("retry_count")).intValue(), (Number) a.get("total_retry_wait_sec"));
            case "ToolRequestEvent" -> new ToolRequestEvent((String) a.get("model"),
                    (List<Map<String, Object>>) a.get("tool_calls"));
            case "ToolResponseEvent" -> new ToolResponseEvent((String) a.get("request_id"),
                    (Map<String, Object>) a.get("responses"), (Map<String, Boolean>) a.get("success"),
                    (Map<String, String>) a.get("error"), (Map<String, Object>) a.get("external_ids"));
            default -> throw new AssertionError("unknown typed event " + typed);
        };
    }

    /** {@code prompt_args} → {@code getPromptArgs}: Java casing of the Python name, as the style guide asks. */
    private static String getter(String attribute) {
        StringBuilder name = new StringBuilder("get");
        for (String part : attribute.split("_")) {
            name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return name.toString();
    }

    private static JsonNode tree(Object value) throws Exception {
        return Json.mapper().readTree(PortableValues.toJson(value));
    }
}
