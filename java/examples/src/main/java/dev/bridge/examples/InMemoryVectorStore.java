package dev.bridge.examples;

import dev.bridge.api.VectorStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A vector store held in memory: documents embedded once with {@link MiniLmEmbeddingModel}, queries
 * ranked by cosine similarity.
 */
public final class InMemoryVectorStore implements VectorStore {
    private final MiniLmEmbeddingModel model = new MiniLmEmbeddingModel();
    private final List<Map<String, Object>> documents = new ArrayList<>();
    private final List<float[]> vectors = new ArrayList<>();

    /**
     * Creates the store.
     *
     * @param args {@code "documents"}: a list of {@code {"id", "content", "metadata"?}}
     */
    public InMemoryVectorStore(Map<String, Object> args) {
        Object given = args == null ? null : args.get("documents");
        if (given != null && !(given instanceof List)) {
            throw new IllegalArgumentException("InMemoryVectorStore: 'documents' must be a list, got " + given);
        }
        for (Object item : given == null ? List.of() : (List<?>) given) {
            if (!(item instanceof Map) || !(((Map<?, ?>) item).get("content") instanceof String)) {
                throw new IllegalArgumentException("InMemoryVectorStore: each document needs a string 'content', got "
                        + item);
            }
            Map<?, ?> document = (Map<?, ?>) item;
            Map<String, Object> stored = new LinkedHashMap<>();
            stored.put("id", document.get("id") != null ? String.valueOf(document.get("id")) : "doc-" + documents.size());
            stored.put("content", document.get("content"));
            stored.put("metadata", document.get("metadata") instanceof Map ? document.get("metadata") : Map.of());
            documents.add(stored);
            vectors.add(model.embed((String) document.get("content")));
        }
    }

    @Override
    public List<Map<String, Object>> query(String text, int k) {
        float[] query = model.embed(text);
        List<Map<String, Object>> hits = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            Map<String, Object> document = documents.get(i);
            Map<String, Object> hit = new LinkedHashMap<>();
            hit.put("id", document.get("id"));
            hit.put("content", document.get("content"));
            hit.put("score", cosine(query, vectors.get(i)));
            hit.put("metadata", document.get("metadata"));
            hits.add(hit);
        }
        hits.sort(Comparator.comparingDouble((Map<String, Object> hit) -> (Double) hit.get("score")).reversed());
        return new ArrayList<>(hits.subList(0, Math.min(Math.max(k, 0), hits.size())));
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }
        return normA == 0 || normB == 0 ? 0 : dot / Math.sqrt(normA * normB);
    }
}
