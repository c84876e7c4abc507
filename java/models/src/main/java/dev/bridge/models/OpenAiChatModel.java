package dev.bridge.models;

import dev.bridge.api.BridgeException;
import dev.bridge.api.ChatModel;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A chat model behind an OpenAI-compatible HTTP endpoint (OpenAI, vLLM, llama.cpp's server, Ollama's
 * {@code /v1}), through langchain4j's {@code langchain4j-open-ai} module.
 *
 * <p><b>Plan arguments</b> (resource type {@code chat_model}), named as upstream Flink Agents splits a model
 * into a connection (where the model is) and a setup (which model, how):
 * <ul>
 *   <li>connection: {@code base_url} (default {@code https://api.openai.com/v1}), {@code api_key} or
 *       {@code api_key_env} (the name of an environment variable holding it; neither: no
 *       {@code Authorization} header, as a local server wants), {@code timeout} (seconds per request,
 *       default 60), {@code max_retries} (default 3: langchain4j retries timeouts, 429 and 5xx answers with
 *       exponential backoff, then gives up);</li>
 *   <li>setup: {@code model} (required), {@code temperature} (default: the server's).</li>
 * </ul>
 * The Python twin ({@code python_actions.chat_models}) takes the same names. Its split form (a
 * {@code chat_model_connection} resource named by the setup's {@code connection}) is not offered here: a
 * Java resource is built from its arguments alone and cannot look another resource up yet.
 *
 * <p>Messages and tools are converted by {@link LangChainMessages}; tools offered through
 * {@link #chat(List, List)} are sent as the request's {@code tools}. Requests go over HTTP/1.1: the JDK
 * client's default HTTP/2 sends an {@code h2c} upgrade on a cleartext URL, which local servers on uvicorn
 * (vLLM) answer by dropping the body.
 *
 * <p>Every failure is a {@link BridgeException} naming the model and the URL, never the key: the key is
 * masked in messages from the server, and a cause whose message holds it is left out.
 */
public final class OpenAiChatModel implements ChatModel {
    static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
    static final double DEFAULT_TIMEOUT_SECONDS = 60;
    static final int DEFAULT_MAX_RETRIES = 3;
    private static final Set<String> ARGUMENTS = Set.of("base_url", "api_key", "api_key_env", "timeout", "max_retries",
            "model", "temperature");
    private static final int MAX_DETAIL = 500;

    private final String where;
    private final String key;
    private final dev.langchain4j.model.openai.OpenAiChatModel model;

    /**
     * Creates the model from plan arguments (see the class comment).
     *
     * @param arguments the plan's arguments
     * @throws BridgeException for a missing model, an unknown argument, a value of the wrong kind, both
     *     {@code api_key} and {@code api_key_env}, or an {@code api_key_env} variable that is not set
     */
    public OpenAiChatModel(Map<String, Object> arguments) {
        this(arguments, System::getenv);
    }

    /** As {@link #OpenAiChatModel(Map)}, reading {@code api_key_env} from {@code environment} (tests). */
    OpenAiChatModel(Map<String, Object> arguments, Function<String, String> environment) {
        Map<String, Object> args = arguments == null ? Map.of() : arguments;
        String modelName = text(args, "model", null);
        String baseUrl = text(args, "base_url", DEFAULT_BASE_URL);
        this.where = "chat model '" + (modelName == null ? "?" : modelName) + "' at " + baseUrl;
        if (modelName == null || modelName.isBlank()) {
            throw new BridgeException("OpenAiChatModel needs 'model', the model name the server knows (e.g."
                    + " \"gpt-4o-mini\" or a vLLM model path); got " + args.keySet());
        }
        for (String name : args.keySet()) {
            if (!ARGUMENTS.contains(name)) {
                throw new BridgeException(where + ": unknown argument '" + name + "'" + ("connection".equals(name)
                        ? " (a Java chat model cannot look a chat_model_connection up yet: put base_url, api_key or"
                        + " api_key_env, timeout and max_retries on the model itself)" : "")
                        + "; the arguments are " + String.join(", ", ARGUMENTS.stream().sorted().toList()));
            }
        }
        this.key = apiKey(args, environment);
        double timeout = number(args, "timeout", DEFAULT_TIMEOUT_SECONDS).doubleValue();
        Number retries = number(args, "max_retries", DEFAULT_MAX_RETRIES);
        Number temperature = number(args, "temperature", null);
        if (!(timeout > 0)) {
            throw new BridgeException(where + ": 'timeout' is seconds per request and must be above 0, got " + timeout);
        }
        if (retries.doubleValue() != retries.intValue() || retries.intValue() < 0) {
            throw new BridgeException(where + ": 'max_retries' must be a whole number of at least 0, got " + retries);
        }
        this.model = dev.langchain4j.model.openai.OpenAiChatModel.builder()
                .httpClientBuilder(JdkHttpClient.builder()
                        .httpClientBuilder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)))
                .baseUrl(baseUrl)
                .apiKey(key)
                .modelName(modelName)
                .temperature(temperature == null ? null : temperature.doubleValue())
                .timeout(Duration.ofMillis(Math.round(timeout * 1000)))
                .maxRetries(retries.intValue())
                .build();
    }

    @Override
    public Map<String, Object> chat(List<Map<String, Object>> messages) {
        return chat(messages, List.of());
    }

    /**
     * Sends the conversation and the offered tools in one chat-completions request.
     *
     * @throws BridgeException naming the model and URL: a message or tool that cannot be sent, or the
     *     request failing after its retries (the HTTP status and the server's message, the key masked)
     */
    @Override
    public Map<String, Object> chat(List<Map<String, Object>> messages, List<Map<String, Object>> tools) {
        ChatRequest request = ChatRequest.builder()
                .messages(LangChainMessages.toLangChain(where, messages))
                .toolSpecifications(LangChainMessages.toolSpecifications(where, tools))
                .build();
        try {
            return LangChainMessages.fromLangChain(model.chat(request).aiMessage());
        } catch (RuntimeException e) {
            String message = where + ": the request failed: " + mask(describe(e));
            throw leaksKey(e) ? new BridgeException(message) : new BridgeException(message, e);
        }
    }

    @Override
    public String toString() {
        return "OpenAiChatModel{" + where + (key == null ? "" : ", with an API key") + "}";
    }

    private String apiKey(Map<String, Object> args, Function<String, String> environment) {
        String given = text(args, "api_key", null);
        String variable = text(args, "api_key_env", null);
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

    /** The failure in a line: its kind, the HTTP status when there was one, and the server's or the JDK's words. */
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
        return key == null || text == null ? text : text.replace(key, "***");
    }

    private boolean leaksKey(Throwable e) {
        for (Throwable t = e; key != null && t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(key)) {
                return true;
            }
        }
        return false;
    }

    private String text(Map<String, Object> args, String name, String fallback) {
        Object value = args.get(name);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String)) {
            throw new BridgeException(where() + ": '" + name + "' must be a string, not " + value.getClass().getSimpleName());
        }
        return (String) value;
    }

    private Number number(Map<String, Object> args, String name, Number fallback) {
        Object value = args.get(name);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number) || value instanceof Double d && (d.isNaN() || d.isInfinite())) {
            throw new BridgeException(where + ": '" + name + "' must be a number, not " + value);
        }
        return (Number) value;
    }

    /** During construction, before the model name is known, the message still says which class. */
    private String where() {
        return where != null ? where : "OpenAiChatModel";
    }
}
