package dev.bridge.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.bridge.api.Event;
import dev.bridge.api.InputEvent;
import dev.bridge.api.OutputEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class EventJsonTest {
    private static final String SNAPSHOTS = "fixtures/flink-agents/e2e-test/cross-language-event-snapshots";

    @Test
    void shouldWriteExactlyIdTypeAndAttributes() throws Exception {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("k", 1);
        Event event = new Event("my_event", attributes);

        JsonNode json = Json.mapper().readTree(Json.mapper().writeValueAsString(event));

        assertEquals(List.of("id", "type", "attributes"), fieldNames(json));
        assertEquals("my_event", json.get("type").asText());
        assertEquals(1, json.get("attributes").get("k").asInt());
    }

    @Test
    void shouldGenerateUuidWhenIdIsAbsent() throws Exception {
        Event created = new Event("t", null);
        Event read = Json.mapper().readValue("{\"type\":\"t\",\"attributes\":{}}", Event.class);

        UUID.fromString(created.getId());
        UUID.fromString(read.getId());
        assertTrue(read.getAttributes().isEmpty());
    }

    @Test
    void shouldReadInputAndOutputEventsAsTheirSubclasses() throws Exception {
        Event input = Json.mapper().readValue(
                "{\"id\":\"1\",\"type\":\"_input_event\",\"attributes\":{\"input\":\"hello\"}}", Event.class);
        Event output = Json.mapper().readValue(
                "{\"id\":\"2\",\"type\":\"_output_event\",\"attributes\":{\"output\":[1,2]}}", Event.class);

        assertEquals("hello", assertInstanceOf(InputEvent.class, input).getInput());
        assertEquals(List.of(1, 2), assertInstanceOf(OutputEvent.class, output).getOutput());
    }

    @Test
    void shouldNotWriteSubclassGettersAsProperties() throws Exception {
        JsonNode json = Json.mapper().readTree(Json.mapper().writeValueAsString(new OutputEvent("world")));

        assertEquals(List.of("id", "type", "attributes"), fieldNames(json));
        assertEquals(OutputEvent.TYPE, json.get("type").asText());
        assertEquals("world", json.get("attributes").get(OutputEvent.OUTPUT).asText());
    }

    @Test
    void shouldRejectInputEventJsonOfAnotherType() {
        assertThrows(ValueInstantiationException.class, () -> Json.mapper().readValue(
                "{\"id\":\"1\",\"type\":\"other\",\"attributes\":{}}", InputEvent.class));
    }

    @Test
    void shouldCarryBytesAttributesAsBase64Objects() throws Exception {
        Event event = new Event("blob", Map.of("data", new byte[] {1, 2, 3}));

        String json = Json.mapper().writeValueAsString(event);
        Event read = Json.mapper().readValue(json, Event.class);

        assertTrue(json.contains("{\"$bytes\":\"AQID\"}"), json);
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) read.getAttr("data"));
    }

    @Test
    void shouldRoundTripEveryJavaEventSnapshot() throws Exception {
        assertSnapshotsRoundTrip(SharedFixtures.require(SNAPSHOTS + "/java"));
    }

    @Test
    void shouldRoundTripEveryPythonEventSnapshot() throws Exception {
        assertSnapshotsRoundTrip(SharedFixtures.require(SNAPSHOTS + "/python"));
    }

    private static void assertSnapshotsRoundTrip(Path folder) throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(folder)) {
            files = listing.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no snapshots in " + folder);
        for (Path file : files) {
            JsonNode original = Json.mapper().readTree(file.toFile());
            Event event = Json.mapper().readValue(file.toFile(), Event.class);
            JsonNode written = Json.mapper().readTree(Json.mapper().writeValueAsString(event));
            assertEquals(original, written, "round trip of " + file);
        }
    }

    private static List<String> fieldNames(JsonNode json) {
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
