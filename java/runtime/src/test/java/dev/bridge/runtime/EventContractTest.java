package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bridge.api.BridgeException;
import dev.bridge.api.Event;
import java.io.IOException;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the shared event case files ({@code tests/contract/events/*.json}, also run by pytest) on {@link Event}:
 * read, apply {@code set_attr}, write; a case with {@code "error": "event"} must be refused with a
 * {@link BridgeException}.
 */
class EventContractTest {
    @TestFactory
    Stream<DynamicTest> shouldFollowEverySharedEventCase() throws IOException {
        return ContractCases.of("events", EventContractTest::run);
    }

    private static void run(Map<?, ?> c) throws Exception {
        String read = PortableValues.toJson(c.get("read"));
        if (c.containsKey("error")) {
            assertEquals("event", c.get("error"), "unknown error kind");
            assertThrows(BridgeException.class, () -> readEvent(read));
            return;
        }
        Event event = readEvent(read);
        assertEquals(((Map<?, ?>) c.get("read")).get("type"), event.getType());
        Map<?, ?> setAttr = c.containsKey("set_attr") ? (Map<?, ?>) c.get("set_attr") : Map.of();
        for (Map.Entry<?, ?> entry : setAttr.entrySet()) {
            event.setAttr((String) entry.getKey(), entry.getValue());
            assertEquals(tree(entry.getValue()), tree(event.getAttr((String) entry.getKey())));
        }
        JsonNode written = Json.mapper().readTree(Json.mapper().writeValueAsString(event));
        Map<?, ?> expected = (Map<?, ?>) c.get("write");
        if (!expected.containsKey("id")) { // a fresh id: any non-empty string
            JsonNode id = ((ObjectNode) written).remove("id");
            assertTrue(id != null && id.isTextual() && !id.asText().isEmpty(), "a fresh id, got " + id);
        }
        assertEquals(tree(expected), written); // a tree, so byte[] and BigInteger compare by value
    }

    /** Reads as the runtime does ({@code JavaAction}): a refusal is the {@link BridgeException} Event threw. */
    private static Event readEvent(String json) throws Exception {
        try {
            return Json.mapper().readValue(json, Event.class);
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof BridgeException) {
                throw (BridgeException) e.getCause();
            }
            throw e;
        }
    }

    private static JsonNode tree(Object value) throws Exception {
        return Json.mapper().readTree(PortableValues.toJson(value));
    }
}
