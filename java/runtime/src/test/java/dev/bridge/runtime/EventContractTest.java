package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bridge.api.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Runs the shared event case files ({@code tests/contract/events/*.json}, also run by pytest) on {@link Event}. */
class EventContractTest {
    @TestFactory
    Stream<DynamicTest> shouldFollowEverySharedEventCase() throws IOException {
        Path folder = SharedFixtures.projectRoot().resolve("tests/contract/events");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                Map<?, ?> data = (Map<?, ?>) PortableValues.fromJson(Files.readString(file, StandardCharsets.UTF_8));
                for (Object item : (List<?>) data.get("cases")) {
                    Map<?, ?> c = (Map<?, ?>) item;
                    tests.add(DynamicTest.dynamicTest(file.getFileName() + ": " + c.get("name"), () -> run(c)));
                }
            }
        }
        assertFalse(tests.isEmpty(), "no event cases in " + folder);
        return tests.stream();
    }

    private static void run(Map<?, ?> c) throws Exception {
        String read = PortableValues.toJson(c.get("read"));
        if (Boolean.TRUE.equals(c.get("error"))) {
            assertThrows(Exception.class, () -> Json.mapper().readValue(read, Event.class));
            return;
        }
        Event event = Json.mapper().readValue(read, Event.class);
        Object written = PortableValues.fromJson(Json.mapper().writeValueAsString(event));
        assertEquals(c.get("write"), written);
        assertEquals(((Map<?, ?>) c.get("read")).get("type"), event.getType());
    }
}
