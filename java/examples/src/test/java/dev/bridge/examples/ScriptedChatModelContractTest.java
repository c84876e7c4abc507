package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.runtime.PortableValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Runs the shared scripted-model cases ({@code tests/contract/chat_scripts/*.json}, which pytest runs too). */
class ScriptedChatModelContractTest {
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> shouldAnswerEverySharedCaseAsPythonDoes() throws IOException {
        Path folder = projectRoot().resolve("tests/contract/chat_scripts");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                Map<?, ?> data = (Map<?, ?>) PortableValues.fromJson(Files.readString(file, StandardCharsets.UTF_8));
                for (Object item : (List<?>) data.get("cases")) {
                    Map<String, Object> c = (Map<String, Object>) item;
                    tests.add(DynamicTest.dynamicTest(file.getFileName() + ": " + c.get("name"), () -> {
                        ScriptedChatModel model = new ScriptedChatModel(Map.of("script", c.get("script")));
                        List<Map<String, Object>> messages = (List<Map<String, Object>>) c.get("messages");
                        if (Boolean.TRUE.equals(c.get("error"))) {
                            IllegalStateException e = assertThrows(IllegalStateException.class,
                                    () -> model.chat(messages));
                            assertTrue(e.getMessage().contains("add turns to the script"), e.getMessage());
                        } else {
                            assertEquals(c.get("expect"), model.chat(messages));
                        }
                    }));
                }
            }
        }
        assertFalse(tests.isEmpty(), "no scripted-model cases in " + folder);
        return tests.stream();
    }

    @Test
    void shouldRefuseAMalformedScriptNamingTheTurn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ScriptedChatModel(Map.of("script", List.of(Map.of("content", "a"), Map.of("say", "b")))));
        assertTrue(e.getMessage().contains("turn 2 has unknown field 'say'"), e.getMessage());
    }

    private static Path projectRoot() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("tests/contract")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no project root with tests/contract above " + Paths.get("").toAbsolutePath());
    }
}
