package dev.bridge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventTest {

    @Test
    void shouldCopyAttributesAndKeepThemMutableThroughSetAttr() {
        Map<String, Object> given = new HashMap<>(Map.of("a", 1));
        Event event = new Event("t", given);
        given.put("b", 2);
        event.setAttr("c", 3);

        assertEquals(Map.of("a", 1, "c", 3), event.getAttributes());
        assertEquals(3, event.getAttr("c"));
    }

    @Test
    void shouldGiveEveryEventItsOwnId() {
        assertNotEquals(new Event("t", null).getId(), new Event("t", null).getId());
    }

    @Test
    void shouldRejectABlankType() {
        assertThrows(BridgeException.class, () -> new Event(" ", Map.of()));
    }

    @Test
    void shouldPutInputAndOutputInTheirAttributes() {
        InputEvent input = new InputEvent(List.of(1));
        OutputEvent output = new OutputEvent("done");

        assertEquals("_input_event", input.getType());
        assertEquals(Map.of("input", List.of(1)), input.getAttributes());
        assertEquals("_output_event", output.getType());
        assertEquals("done", output.getOutput());
    }
}
