package dev.bridge.examples;

import dev.bridge.api.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.Map;

/**
 * The all-MiniLM-L6-v2 sentence embedding model, run in process through langchain4j and ONNX Runtime;
 * its weights ship in the langchain4j jar, so it works offline. The model is loaded once per JVM, on
 * first use.
 */
public final class MiniLmEmbeddingModel implements EmbeddingModel {
    /** The length of every vector. */
    public static final int DIMENSION = 384;

    /** Creates the resource; the model itself loads on the first {@link #embed}. */
    public MiniLmEmbeddingModel() {
    }

    /**
     * Creates the resource from plan arguments.
     *
     * @param arguments ignored: the model has no options
     */
    public MiniLmEmbeddingModel(Map<String, Object> arguments) {
        this();
    }

    @Override
    public float[] embed(String text) {
        return Model.INSTANCE.embed(text == null ? "" : text).content().vector();
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    private static final class Model {
        static final AllMiniLmL6V2EmbeddingModel INSTANCE = new AllMiniLmL6V2EmbeddingModel();
    }
}
