package dev.bridge.examples;

import dev.bridge.api.BridgeException;
import dev.bridge.api.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The all-MiniLM-L6-v2 sentence embedding model, run in process through langchain4j and ONNX Runtime;
 * its weights ship in the langchain4j jar, so it works offline.
 *
 * <p>Loading it takes a second or more, so it starts when this class is initialized, on a thread of its own,
 * and {@link #embed} waits for it: a host that initializes the plan's resource classes once the JVM
 * runs (the Python host does) has it load while the first inputs' earlier actions run. The model file and
 * ONNX Runtime's native libraries are read from copies in bridge's cache folder ({@link CachedFiles}), made
 * by the first run: read from the jars they were inflated again on every start (90 MB of model), and ONNX
 * Runtime wrote its 16 MB library to a new temporary folder each time, left behind when the JVM ends without
 * running its shutdown hooks (as {@code bridge run} ends it). Without a usable cache folder it loads as
 * langchain4j does by itself.
 */
public final class MiniLmEmbeddingModel implements EmbeddingModel {
    /** The length of every vector. */
    public static final int DIMENSION = 384;

    private static final String MODEL = "all-minilm-l6-v2.onnx";
    private static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    private static final String ORT_NATIVE_PATH = "onnxruntime.native.path";
    private static final CompletableFuture<dev.langchain4j.model.embedding.EmbeddingModel> LOADED = startLoading();

    /** Creates the resource; the model loads in the background from the first use of this class. */
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
        return model().embed(text == null ? "" : text).content().vector();
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    private static dev.langchain4j.model.embedding.EmbeddingModel model() {
        try {
            return LOADED.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new BridgeException("loading the all-MiniLM-L6-v2 model failed: " + cause, cause);
        }
    }

    private static CompletableFuture<dev.langchain4j.model.embedding.EmbeddingModel> startLoading() {
        CompletableFuture<dev.langchain4j.model.embedding.EmbeddingModel> loaded = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                loaded.complete(load());
            } catch (Throwable e) {
                loaded.completeExceptionally(e);
            }
        }, "minilm-load");
        // Not a daemon: the JVM's orderly end (JPype's at Python's exit) waits the second or so until the load
        // is done. A daemon still inside ONNX Runtime when the process exits crashed it in native code.
        thread.setDaemon(false);
        thread.start();
        return loaded;
    }

    private static dev.langchain4j.model.embedding.EmbeddingModel load() {
        useCachedOnnxRuntime();
        Path files = CachedFiles.copy("minilm", MODEL, TOKENIZER);
        if (files == null) {
            return new AllMiniLmL6V2EmbeddingModel();
        }
        return new OnnxEmbeddingModel(files.resolve(MODEL), files.resolve(TOKENIZER), PoolingMode.MEAN);
    }

    /** Points ONNX Runtime at cached copies of its native libraries (unless something chose a folder already). */
    private static void useCachedOnnxRuntime() {
        String platform = onnxPlatform();
        if (System.getProperty(ORT_NATIVE_PATH) != null || platform == null) {
            return;
        }
        String base = "ai/onnxruntime/native/" + platform + "/";
        Path folder = CachedFiles.copy("onnxruntime", base + System.mapLibraryName("onnxruntime"),
                base + System.mapLibraryName("onnxruntime4j_jni"));
        if (folder != null) {
            System.setProperty(ORT_NATIVE_PATH, folder.toString());
        }
    }

    /** ONNX Runtime's name for this platform's folder of native libraries ({@code linux-x64}), or null. */
    private static String onnxPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.contains("mac") || os.contains("darwin") ? "osx"
                : os.contains("win") ? "win" : os.contains("nux") ? "linux" : null;
        String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : null;
        return osName == null || archName == null ? null : osName + "-" + archName;
    }
}
