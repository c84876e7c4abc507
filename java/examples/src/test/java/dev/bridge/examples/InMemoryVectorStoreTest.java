package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.runtime.JavaResources;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InMemoryVectorStoreTest {

    @Test
    void shouldRankTheDocumentClosestInMeaningFirst() {
        InMemoryVectorStore store = (InMemoryVectorStore) JavaResources.create(InMemoryVectorStore.class.getName(),
                "{\"documents\":["
                        + "{\"id\":\"returns\",\"content\":\"Items can be returned within 30 days for a refund.\"},"
                        + "{\"id\":\"shipping\",\"content\":\"Orders ship within two business days.\","
                        + "\"metadata\":{\"team\":\"logistics\"}},"
                        + "{\"id\":\"warranty\",\"content\":\"Monitors carry a three-year warranty.\"}]}");

        List<Map<String, Object>> hits = store.query("How long until my order is sent out?", 2);

        assertEquals(2, hits.size());
        assertEquals(List.of("id", "content", "score", "metadata"), List.copyOf(hits.get(0).keySet()));
        assertEquals("shipping", hits.get(0).get("id"));
        assertEquals(Map.of("team", "logistics"), hits.get(0).get("metadata"));
        assertTrue((Double) hits.get(0).get("score") >= (Double) hits.get(1).get("score"));
    }

    @Test
    void shouldRejectDocumentsWithoutContent() {
        assertThrows(IllegalArgumentException.class,
                () -> new InMemoryVectorStore(Map.of("documents", List.of(Map.of("id", "x")))));
    }
}
