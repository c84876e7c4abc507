package dev.bridge.api;

import java.util.List;
import java.util.Map;

/** A vector store: finds the documents closest in meaning to a text. */
public interface VectorStore extends Resource {
    /**
     * Finds the closest documents.
     *
     * @param text the query text
     * @param k the most hits to return
     * @return hits, best first, each {@code {"id", "content", "score", "metadata"}}
     */
    List<Map<String, Object>> query(String text, int k);

    @Override
    default ResourceType getResourceType() {
        return ResourceType.VECTOR_STORE;
    }
}
