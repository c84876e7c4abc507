package dev.bridge.models;

import dev.bridge.api.BridgeException;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Where an OpenAI-compatible chat model is, and how to reach it: upstream Flink Agents' chat model
 * connection, resource type {@code chat_model_connection}. {@link OpenAiChatModel} (the setup: which model,
 * which temperature) names it by {@code connection}, or carries the same arguments itself.
 *
 * <p><b>Plan arguments</b>, the same names as the Python twin in {@code python_actions.chat_models}:
 * {@code base_url} (default {@code https://api.openai.com/v1}), {@code api_key} or {@code api_key_env} (the
 * name of an environment variable holding it; neither: no {@code Authorization} header, as a local server
 * wants), {@code timeout} (seconds per request, default 60) and {@code max_retries} (default 3: langchain4j
 * retries timeouts, 429 and 5xx answers with exponential backoff, then gives up).
 *
 * <p>Requests go over HTTP/1.1: the JDK client's default HTTP/2 sends an {@code h2c} upgrade on a cleartext
 * URL, which local servers on uvicorn (vLLM) answer by dropping the body. The key never appears in a
 * message: it is masked in what the server answers, and a cause whose message holds it is left out.
 */
public final class OpenAiChatModelConnection implements Resource {
    static final Set<String> ARGUMENTS = Set.of("base_url", "api_key", "api_key_env", "timeout", "max_retries");
    static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
    private static final double DEFAULT_TIMEOUT_SECONDS = 60;
    private static final int DEFAULT_MAX_RETRIES = 3;
    private static final int MAX_DETAIL = 500;

    private final String baseUrl;
    private final String key;
    private final Duration timeout;
    private final int maxRetries;

    /**
     * Creates the connection from plan arguments (see the class comment).
     *
     * @throws BridgeException for an unknown argument, a value of the wrong kind, both {@code api_key} and
     *     {@code api_key_env}, or an {@code api_key_env} variable that is not set
     */
    public OpenAiChatModelConnection(Map<String, Object> arguments) {
        this(checkNames(arguments, ARGUMENTS, "chat model connection"), System::getenv, "chat model connection");
    }

    /**
     * The connection part of some arguments; {@code what} names the resource in messages and
     * {@code environment} reads {@code api_key_env} (tests give their own).
     */
    OpenAiChatModelConnection(Map<String, Object> arguments, Function<String, String> environment, String what) {
        Map<String, Object> args = arguments == null ? Map.of() : arguments;
        this.baseUrl = Arguments.text(args, "base_url", DEFAULT_BASE_URL, what);
        String where = what + " at " + baseUrl;
        this.key = apiKey(args, environment, where);
        double seconds = Arguments.number(args, "timeout", DEFAULT_TIMEOUT_SECONDS, where).doubleValue();
        Number retries = Arguments.number(args, "max_retries", DEFAULT_MAX_RETRIES, where);
        if (!(seconds > 0)) {
            throw new BridgeException(where + ": 'timeout' is seconds per request and must be above 0, got " + seconds);
        }
        if (retries.doubleValue() != retries.intValue() || retries.intValue() < 0) {
            throw new BridgeException(where + ": 'max_retries' must be a whole number of at least 0, got " + retries);
        }
        this.timeout = Duration.ofMillis(Math.round(seconds * 1000));
        this.maxRetries = retries.intValue();
    }

    /** Refuses an argument that is not in {@code allowed}, naming the ones there are; returns the arguments. */
    static Map<String, Object> checkNames(Map<String, Object> args, Set<String> allowed, String where) {
        for (String name : args == null ? Set.<String>of() : args.keySet()) {
            if (!allowed.contains(name)) {
                throw new BridgeException(where + ": unknown argument '" + name + "'; the arguments are "
                        + String.join(", ", new TreeSet<>(allowed)));
            }
        }
        return args;
    }

    @Override
    public ResourceType getResourceType() {
        return ResourceType.CHAT_MODEL_CONNECTION;
    }

    /** The langchain4j model for one setup; thread-safe, shared by every key and worker. */
    dev.langchain4j.model.openai.OpenAiChatModel model(String modelName, Double temperature) {
        return dev.langchain4j.model.openai.OpenAiChatModel.builder()
                .httpClientBuilder(JdkHttpClient.builder()
                        .httpClientBuilder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)))
                .baseUrl(baseUrl)
                .apiKey(key)
                .modelName(modelName)
                .temperature(temperature)
                .timeout(timeout)
                .maxRetries(maxRetries)
                .build();
    }

    /** How messages name a model reached through this connection: {@code chat model 'm' at <url>}. */
    String where(String modelName) {
        return "chat model '" + modelName + "' at " + baseUrl;
    }

    /**
     * A failed request as the error the model throws: what failed, the HTTP status when there was one, the
     * server's or the JDK's words, the key masked; the cause kept unless its messages hold the key.
     */
    BridgeException failure(String where, RuntimeException e) {
        String message = where + ": the request failed: " + mask(describe(e));
        return leaksKey(e) ? new BridgeException(message) : new BridgeException(message, e);
    }

    @Override
    public String toString() {
        return "OpenAiChatModelConnection{" + baseUrl + (key == null ? "" : ", with an API key") + "}";
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
