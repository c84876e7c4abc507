package dev.bridge.models;

import dev.bridge.api.BridgeException;
import dev.bridge.api.ChatModel;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * An OpenAI-compatible chat model as one {@code chat_model} resource: an {@link OpenAIChatModelConnection}'s
 * arguments ({@code base_url}, {@code api_key} or {@code api_key_env}, {@code timeout}, {@code retries})
 * beside the setup's {@code model} and {@code temperature}, for a plan with one model.
 *
 * <p>Why it exists beside {@link ChatModelSetup}: a setup finds its connection through the lookup the host
 * passes while building resources, and a host that builds Java resources from their arguments alone (the
 * Python host today) cannot give one. This class needs none; it is a setup over a connection of its own, so
 * both forms send the same requests and fail with the same messages.
 */
public final class OpenAIChatModel implements ChatModel {
    private static final Set<String> SETUP = Set.of("model", "temperature");

    private final ChatModelSetup setup;

    /**
     * Creates the model from plan arguments (see the class comment).
     *
     * @throws BridgeException for a missing model, an unknown argument (a {@code connection} among them:
     *     that is {@link ChatModelSetup}'s), a value of the wrong kind, and what the connection refuses
     */
    public OpenAIChatModel(Map<String, Object> arguments) {
        this(arguments, System::getenv);
    }

    /** As {@link #OpenAIChatModel(Map)}, reading {@code api_key_env} from {@code environment} (tests). */
    OpenAIChatModel(Map<String, Object> arguments, Function<String, String> environment) {
        Map<String, Object> args = arguments == null ? Map.of() : arguments;
        String model = Arguments.text(args, "model", null, "OpenAIChatModel");
        if (model == null || model.isBlank()) {
            throw new BridgeException("OpenAIChatModel needs 'model', the model name the server knows (e.g."
                    + " \"gpt-4o-mini\" or a vLLM model path); got " + args.keySet());
        }
        String what = "chat model '" + model + "'";
        Set<String> allowed = new HashSet<>(SETUP);
        allowed.addAll(OpenAIChatModelConnection.ARGUMENTS);
        OpenAIChatModelConnection.checkNames(args, allowed, what + ("connection".equals(firstUnknown(args, allowed))
                ? " (a 'connection' is named by a ChatModelSetup, " + ChatModelSetup.class.getName() + ")" : ""));
        Number temperature = Arguments.number(args, "temperature", null, what);
        Map<String, Object> connectionArgs = new LinkedHashMap<>(args);
        connectionArgs.keySet().removeAll(SETUP);
        this.setup = new ChatModelSetup(new OpenAIChatModelConnection(connectionArgs, environment, what), model,
                temperature == null ? null : temperature.doubleValue());
    }

    @Override
    public Map<String, Object> chat(List<Map<String, Object>> messages) {
        return setup.chat(messages);
    }

    @Override
    public Map<String, Object> chat(List<Map<String, Object>> messages, List<Map<String, Object>> tools) {
        return setup.chat(messages, tools);
    }

    @Override
    public String toString() {
        return "OpenAIChatModel{" + setup + "}";
    }

    private static String firstUnknown(Map<String, Object> args, Set<String> allowed) {
        return args.keySet().stream().filter(name -> !allowed.contains(name)).findFirst().orElse(null);
    }
}
