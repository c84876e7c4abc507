package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.BridgeException;
import dev.bridge.runtime.ContractCases;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Runs the shared prompt cases ({@code tests/contract/prompts/*.json}, which pytest runs too) on {@link Prompt}. */
class PromptContractTest {
    @TestFactory
    Stream<DynamicTest> shouldFillEverySharedCaseAsPythonDoes() throws IOException {
        return ContractCases.of("prompts", PromptContractTest::run);
    }

    @SuppressWarnings("unchecked")
    private static void run(Map<?, ?> c) {
        Map<String, Object> arguments = (Map<String, Object>) c.get("prompt");
        Map<String, Object> variables = (Map<String, Object>) c.get("vars");
        if (c.containsKey("error")) {
            BridgeException e = assertThrows(BridgeException.class, () -> {
                Prompt prompt = new Prompt(arguments);
                prompt.formatString(variables);
            });
            assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains((String) c.get("error")), e.getMessage());
            return;
        }
        Prompt prompt = new Prompt(arguments);
        assertEquals(c.get("string"), prompt.formatString(variables));
        assertEquals(c.get("messages"), prompt.formatMessages("user", variables));
    }
}
