package dev.bridge.models;

import dev.bridge.api.BridgeException;
import dev.bridge.api.ChatModel;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A chat model behind an OpenAI-compatible HTTP endpoint (OpenAI, vLLM, llama.cpp's server, Ollama's
 * {@code /v1}), through langchain4j's {@code langchain4j-open-ai} module: upstream Flink Agents' chat model
 * setup, resource type {@code chat_model}.
 *
 * <p><b>Plan arguments</b>, the same names as the Python twin in {@code python_actions.chat_models}:
 * {@code model} (required), {@code temperature} (default: the server's), and where the model is: either
 * {@code connection}, the name of an {@link OpenAiChatModelConnection} resource of the plan, or that
 * connection's own arguments ({@code base_url}, {@code api_key} or {@code api_key_env}, {@code timeout},
 * {@code max_retries}) given here, for a plan with one model.
 *
 * <p>Messages and tools are converted by {@link LangChainMessages}; tools offered through
 * {@link #chat(List, List)} are sent as the request's {@code tools}. Every failure is a
 * {@link BridgeException} naming the model and the URL, never the key.
 */
public final class OpenAiChatModel implements ChatModel {
    private static final Set<String> SETUP = Set.of("model", "temperature", "connection");

    private final String where;
    private final OpenAiChatModelConnection connection;
    private final dev.langchain4j.model.openai.OpenAiChatModel model;

    /**
     * Creates the model from plan arguments, with the connection's arguments on the model itself.
     *
     * @throws BridgeException as {@link #OpenAiChatModel(Map, BiFunction)}, and for a {@code connection}
     */
    public OpenAiChatModel(Map<String, Object> arguments) {
        this(arguments, (name, type) -> {
            throw new BridgeException("OpenAiChatModel was built without access to other resources, so it cannot"
                    + " find the " + type.getValue() + " '" + name + "'; give the connection's arguments instead");
        }, System::getenv);
    }

    /**
     * Creates the model from plan arguments; the host passes {@code getResource} (see
     * {@code JavaResources.create}) so {@code connection} can name a connection resource.
     *
     * @throws BridgeException for a missing model, an unknown argument, a value of the wrong kind, a
     *     {@code connection} that is not an {@link OpenAiChatModelConnection} or that comes with connection
     *     arguments beside it, and what the connection refuses
     */
    public OpenAiChatModel(Map<String, Object> arguments, BiFunction<String, ResourceType, Resource> getResource) {
        this(arguments, getResource, System::getenv);
    }

    /** As the public constructors, reading {@code api_key_env} from {@code environment} (tests). */
    OpenAiChatModel(Map<String, Object> arguments, BiFunction<String, ResourceType, Resource> getResource,
            Function<String, String> environment) {
        Map<String, Object> args = arguments == null ? Map.of() : arguments;
        String modelName = Arguments.text(args, "model", null, "OpenAiChatModel");
        if (modelName == null || modelName.isBlank()) {
            throw new BridgeException("OpenAiChatModel needs 'model', the model name the server knows (e.g."
                    + " \"gpt-4o-mini\" or a vLLM model path); got " + args.keySet());
        }
        String what = "chat model '" + modelName + "'";
        String connectionName = Arguments.text(args, "connection", null, what);
        Set<String> allowed = new HashSet<>(SETUP);
        if (connectionName == null) {
            allowed.addAll(OpenAiChatModelConnection.ARGUMENTS);
        }
        OpenAiChatModelConnection.checkNames(args, allowed, what + (connectionName == null ? ""
                : " (with connection '" + connectionName + "', whose resource holds base_url, api_key, timeout ...)"));
        this.connection = connectionName == null ? new OpenAiChatModelConnection(args, environment, what)
                : connection(getResource.apply(connectionName, ResourceType.CHAT_MODEL_CONNECTION), connectionName, what);
        this.where = connection.where(modelName);
        Number temperature = Arguments.number(args, "temperature", null, where);
        this.model = connection.model(modelName, temperature == null ? null : temperature.doubleValue());
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
            throw connection.failure(where, e);
        }
    }

    @Override
    public String toString() {
        return "OpenAiChatModel{" + where + "}";
    }

    private static OpenAiChatModelConnection connection(Resource found, String name, String what) {
        if (!(found instanceof OpenAiChatModelConnection connection)) {
            throw new BridgeException(what + ": connection '" + name + "' is a " + found.getClass().getName()
                    + ", not a " + OpenAiChatModelConnection.class.getName());
        }
        return connection;
    }
}
