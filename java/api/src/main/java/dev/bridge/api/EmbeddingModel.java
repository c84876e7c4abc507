package dev.bridge.api;

/** An embedding model: text in, a fixed-size vector out. */
public interface EmbeddingModel extends Resource {
    /**
     * Embeds a text.
     *
     * @param text the text
     * @return a vector of {@link #dimension()} floats
     */
    float[] embed(String text);

    /** Returns the length of every vector this model returns. */
    int dimension();

    @Override
    default ResourceType getResourceType() {
        return ResourceType.EMBEDDING_MODEL;
    }
}
