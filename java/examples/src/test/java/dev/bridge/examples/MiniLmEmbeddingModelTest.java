package dev.bridge.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bridge.api.ResourceType;
import dev.bridge.runtime.JavaResources;
import org.junit.jupiter.api.Test;

class MiniLmEmbeddingModelTest {
    private final MiniLmEmbeddingModel model = new MiniLmEmbeddingModel();

    @Test
    void shouldReturn384Floats() {
        assertEquals(384, model.embed("The order shipped from Rotterdam.").length);
        assertEquals(384, model.dimension());
        assertEquals(ResourceType.EMBEDDING_MODEL, model.getResourceType());
    }

    @Test
    void shouldScoreSimilarSentencesHigherThanUnrelatedOnes() {
        float[] anchor = model.embed("My package has not arrived yet.");
        float[] similar = model.embed("Where is my parcel? It still hasn't been delivered.");
        float[] unrelated = model.embed("Photosynthesis converts light into chemical energy.");

        double close = InMemoryVectorStore.cosine(anchor, similar);
        double far = InMemoryVectorStore.cosine(anchor, unrelated);
        assertTrue(close > far + 0.2, "similar " + close + " vs unrelated " + far);
    }

    @Test
    void shouldBeCreatableByReflectionWithEmptyArguments() {
        Object created = JavaResources.create(MiniLmEmbeddingModel.class.getName(), "{}");

        assertEquals(MiniLmEmbeddingModel.class, created.getClass());
    }
}
