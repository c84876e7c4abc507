package dev.bridge.models;

import dev.bridge.api.BridgeException;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An OpenAI-compatible chat completions server (OpenAI, vLLM, llama.cpp's server, Ollama's {@code /v1}),
 * reached through langchain4j's {@code langchain4j-open-ai} module: a {@link ChatModelConnection}, named by
 * a {@link ChatModelSetup}'s {@code connection} (or built by {@link OpenAIChatModel} from its own arguments).
 *
 * <p><b>Plan arguments</b>, the names of the Python twin ({@code python_actions.chat_models
 * .OpenAIChatModelConnection}): {@code base_url} (default {@code https://api.openai.com/v1}), {@code api_key}
 * or {@code api_key_env} (the name of an environment variable holding it; neither: no {@code Authorization}
 * header, as a local server wants), {@code timeout} (seconds per request, default 60) and {@code retries}
 * (more attempts after the first, default 3: langchain4j retries timeouts, 429 and 5xx answers with its own
 * exponential backoff, then gives up). Python's {@code retry_wait} and {@code retry_max_wait} are refused:
 * langchain4j's backoff cannot be set per model.
 *
 * <p>Requests go over HTTP/1.1: the JDK client's default HTTP/2 sends an {@code h2c} upgrade on a cleartext
 * URL, which local servers on uvicorn (vLLM) answer by dropping the body. The key never appears in a
 * message: it is masked in what the server answers, and a cause whose message holds it is left out.
 */
public final class OpenAIChatModelConnection implements ChatModelConnection {
    static final Set<String> ARGUMENTS = Set.of("base_url", "api_key", "api_key_env", "timeout", "retries");
    private static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
    private static final double DEFAULT_TIMEOUT_SECONDS = 60;
    private static final int DEFAULT_RETRIES = 3;
    private static final int MAX_DETAIL = 500;

    private final String baseUrl;
    private final String key;
    private final Duration timeout;
    private final int retries;
    /** One langchain4j model per model name and temperature: built on first use, then shared. */
    private final Map<List<Object>, dev.langchain4j.model.openai.OpenAiChatModel> models = new ConcurrentHashMap<>();

    /**
     * Creates the connection from plan arguments (see the class comment).
     *
     * @throws BridgeException for an unknown argument, a value of the wrong kind, both {@code api_key} and
     *     {@code api_key_env}, or an {@code api_key_env} variable that is not set
     */
    public OpenAIChatModelConnection(Map<String, Object> arguments) {
        this(checkNames(arguments, ARGUMENTS, "chat model connection"), System::getenv, "chat model connection");
    }

    /**
     * The connection part of some arguments; {@code what} names the resource in messages and
     * {@code environment} reads {@code api_key_env} (tests give their own).
     */
    OpenAIChatModelConnection(Map<String, Object> arguments, Function<String, String> environment, String what) {
        Map<String, Object> args = arguments == null ? Map.of() : arguments;
        this.baseUrl = Arguments.text(args, "base_url", DEFAULT_BASE_URL, what);
        String where = what + " at " + baseUrl;
        this.key = apiKey(args, environment, where);
        double seconds = Arguments.number(args, "timeout", DEFAULT_TIMEOUT_SECONDS, where).doubleValue();
        Number retries = Arguments.number(args, "retries", DEFAULT_RETRIES, where);
        if (!(seconds > 0)) {
            throw new BridgeException(where + ": 'timeout' is seconds per request and must be above 0, got " + seconds);
        }
        if (retries.doubleValue() != retries.intValue() || retries.intValue() < 0) {
            throw new BridgeException(where + ": 'retries' must be a whole number of at least 0, got " + retries);
        }
        this.timeout = Duration.ofMillis(Math.round(seconds * 1000));
        this.retries = retries.intValue();
    }

    /** Refuses an argument that is not in {@code allowed}, naming the ones there are; returns the arguments. */
    static Map<String, Object> checkNames(Map<String, Object> args, Set<String> allowed, String where) {
        for (String name : args == null ? Set.<String>of() : args.keySet()) {
            if (!allowed.contains(name) && ("retry_wait".equals(name) || "retry_max_wait".equals(name))) {
                throw new BridgeException(where + ": 'retry_wait' and 'retry_max_wait' are not supported in Java:"
                        + " langchain4j retries with its own exponential backoff; set 'retries' only");
            }
            if (!allowed.contains(name)) {
                throw new BridgeException(where + ": unknown argument '" + name + "'; the arguments are "
                        + String.join(", ", new TreeSet<>(allowed)));
            }
        }
        return args;
    }

    /**
     * Sends the conversation and the offered tools in one chat-completions request.
     *
     * @throws BridgeException naming the model and URL: a message or tool that cannot be sent, or the
     *     request failing after its retries (the HTTP status and the server's message, the key masked)
     */
    @Override
    public Map<String, Object> chat(String model, Double temperature, List<Map<String, Object>> messages,
            List<Map<String, Object>> tools) {
        String where = where(model);
        ChatRequest request = ChatRequest.builder()
                .messages(LangChainMessages.toLangChain(where, messages))
                .toolSpecifications(LangChainMessages.toolSpecifications(where, tools))
                .build();
        try {
            return LangChainMessages.fromLangChain(models.computeIfAbsent(Arrays.asList(model, temperature),
                    k -> model(model, temperature)).chat(request).aiMessage());
        } catch (RuntimeException e) {
            throw failure(where, e);
        }
    }

    /** The langchain4j model for one setup; thread-safe, shared by every key and worker. */
    private dev.langchain4j.model.openai.OpenAiChatModel model(String modelName, Double temperature) {
        return dev.langchain4j.model.openai.OpenAiChatModel.builder()
                .httpClientBuilder(JdkHttpClient.builder()
                        .httpClientBuilder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)))
                .baseUrl(baseUrl)
                .apiKey(key)
                .modelName(modelName)
                .temperature(temperature)
                .timeout(timeout)
                .maxRetries(retries)
                .build();
    }

    /** How messages name a model reached through this connection: {@code chat model 'm' at <url>}. */
    private String where(String modelName) {
        return "chat model '" + modelName + "' at " + baseUrl;
    }

    /**
     * A failed request as the error the model throws: what failed, the HTTP status when there was one, the
     * server's or the JDK's words, the key masked; the cause kept unless its messages hold the key.
     */
    private BridgeException failure(String where, RuntimeException e) {
        String message = where + ": the request failed: " + mask(describe(e));
        return leaksKey(e) ? new BridgeException(message) : new BridgeException(message, e);
    }

    @Override
    public String toString() {
        return "OpenAIChatModelConnection{" + baseUrl + (key == null ? "" : ", with an API key") + "}";
    }

    private static String apiKey(Map<String, Object> args, Function<String, String> environment, String where) {
        String given = Arguments.text(args, "api_key", null, where);
        String variable = Arguments.text(args, "api_key_env", null, where);
        if (given != null && variable != null) {
            throw new BridgeException(where + ": give 'api_key' or 'api_key_env', not both");
        }
        if (variable == null) {
            return given == null || given.isEmpty() ? null : given;
        }
        String value = environment.apply(variable);
        if (value == null || value.isBlank()) {
            throw new BridgeException(where + ": the environment variable '" + variable + "' (api_key_env) is not set");
        }
        return value;
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.getClass().getSimpleName());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpException http) {
                text.append(" (HTTP ").append(http.statusCode()).append(')');
                break;
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String detail = e.getMessage() != null ? e.getMessage() : String.valueOf(root);
        if (root != e && root.getMessage() != null && !detail.contains(root.getMessage())) {
            detail += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        detail = detail.strip();
        return text + ": " + (detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL) + "...");
    }

    private String mask(String text) {
        return key == null ? text : text.replace(key, "***");
    }

    private boolean leaksKey(Throwable e) {
        for (Throwable t = e; key != null && t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(key)) {
                return true;
            }
        }
        return false;
    }
}
