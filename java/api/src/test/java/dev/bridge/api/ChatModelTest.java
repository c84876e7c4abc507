package dev.bridge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatModelTest {

    @Test
    void shouldAnswerWithToolsOfferedThroughTheOneArgumentChatByDefault() {
        List<List<Map<String, Object>>> seen = new ArrayList<>();
        ChatModel model = messages -> {
            seen.add(messages);
            return Map.of("role", "assistant", "content", "ok");
        };
        List<Map<String, Object>> messages = List.of(Map.of("role", "user", "content", "hi"));

        Map<String, Object> answer = model.chat(messages, List.of(Map.of("name", "convert", "parameters", Map.of())));

        assertEquals("ok", answer.get("content"));
        assertEquals(List.of(messages), seen);
        assertEquals(ResourceType.CHAT_MODEL, model.getResourceType());
    }
}
