package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.DurableCallable;
import dev.bridge.api.NonDeterminismException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The shared replay cases of {@code tests/contract/durable}, run against Java's durable calls. */
class DurableContractTest {
    @TestFactory
    Stream<DynamicTest> theJavaDurableCallsReplayTheSharedCases() throws IOException {
        return ContractCases.of("durable", c -> {
            Map<String, Object> stored = new LinkedHashMap<>();
            stored.put("strict", c.get("strict"));
            stored.put("calls", c.get("records"));
            DurableRun run = new DurableRun("{}".getBytes(StandardCharsets.UTF_8), null,
                    Json.mapper().writeValueAsBytes(stored));
            DurableCalls calls = new DurableCalls("act", run);
            List<?> ids = (List<?>) c.get("calls");
            List<?> expected = (List<?>) c.get("expect");
            for (int i = 0; i < ids.size(); i++) {
                String id = (String) ids.get(i);
                Object expect = expected.get(i);
                AtomicBoolean ran = new AtomicBoolean();
                DurableCallable<Object> callable = DurableCallable.of(id, Object.class, () -> {
                    ran.set(true);
                    return "new " + id;
                });
                String where = "call " + i + " (" + id + ")";
                if ("runs".equals(expect)) {
                    assertEquals("new " + id, calls.execute(callable, false), where);
                    assertTrue(ran.get(), where + " should run");
                    continue;
                }
                Map<?, ?> e = (Map<?, ?>) expect;
                if (e.containsKey("replayed")) {
                    Object value = calls.execute(callable, false);
                    assertFalse(ran.get(), where + " should replay");
                    assertEquals(Json.mapper().writeValueAsString(e.get("replayed")),
                            Json.mapper().writeValueAsString(value), where);
                } else if (e.containsKey("nondeterminism")) {
                    NonDeterminismException error = assertThrows(NonDeterminismException.class,
                            () -> calls.execute(callable, false), where);
                    assertTrue(error.getMessage().contains((String) e.get("nondeterminism")), error.getMessage());
                    assertFalse(ran.get(), where);
                } else {
                    Exception error = assertThrows(Exception.class, () -> calls.execute(callable, false), where);
                    assertFalse(ran.get(), where);
                    for (Object part : (List<?>) e.get("raises")) {
                        assertTrue(error.getMessage().contains((String) part), error.getMessage());
                    }
                }
            }
        });
    }
}
