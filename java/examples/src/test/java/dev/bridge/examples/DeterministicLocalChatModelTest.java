package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeterministicLocalChatModelTest {
    private final DeterministicLocalChatModel model = new DeterministicLocalChatModel(Map.of());

    @Test
    void shouldAskForTheConvertToolWhenTheUserWantsAConversion() {
        Map<String, Object> reply = model.chat(List.of(Map.of("role", "user", "content", "Please convert 10 km to mi")));

        assertEquals(List.of(Map.of("id", "call_convert_1", "name", "convert",
                "arguments", Map.of("value", 10.0, "from", "km", "to", "mi"))), reply.get("tool_calls"));
    }

    @Test
    void shouldReportAToolResult() {
        Map<String, Object> reply = model.chat(List.of(
                Map.of("role", "user", "content", "convert 10 km to mi"),
                Map.of("role", "tool", "content", "6.21")));

        assertEquals("The result is 6.21.", reply.get("content"));
        assertEquals(List.of(), reply.get("tool_calls"));
    }

    @Test
    void shouldEchoOtherMessagesWithAWordCount() {
        Map<String, Object> reply = model.chat(List.of(Map.of("role", "user", "content", "hello there")));

        assertEquals(Map.of("role", "assistant", "content", "You said: \"hello there\" (2 words).",
                "tool_calls", List.of()), reply);
    }
}
