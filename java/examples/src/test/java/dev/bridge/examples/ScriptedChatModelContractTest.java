package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.runtime.ContractCases;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Runs the shared scripted-model cases ({@code tests/contract/chat_scripts/*.json}, which pytest runs too). */
class ScriptedChatModelContractTest {
    @TestFactory
    Stream<DynamicTest> shouldAnswerEverySharedCaseAsPythonDoes() throws IOException {
        return ContractCases.of("chat_scripts", ScriptedChatModelContractTest::run);
    }

    @SuppressWarnings("unchecked")
    private static void run(Map<?, ?> c) {
        ScriptedChatModel model = new ScriptedChatModel(Map.of("script", c.get("script")));
        List<Map<String, Object>> messages = (List<Map<String, Object>>) c.get("messages");
        if (Boolean.TRUE.equals(c.get("error"))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.chat(messages));
            assertTrue(e.getMessage().contains("add turns to the script"), e.getMessage());
        } else {
            assertEquals(c.get("expect"), model.chat(messages));
        }
    }

    @Test
    void shouldRefuseAMalformedScriptNamingTheTurn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ScriptedChatModel(Map.of("script", List.of(Map.of("content", "a"), Map.of("say", "b")))));
        assertTrue(e.getMessage().contains("turn 2 has unknown field 'say'"), e.getMessage());
        IllegalArgumentException id = assertThrows(IllegalArgumentException.class, () -> new ScriptedChatModel(
                Map.of("script", List.of(Map.of("tool_calls", List.of(Map.of("id", 0, "name", "t")))))));
        assertTrue(id.getMessage().contains("\"id\"?: string"), id.getMessage());
    }
}
