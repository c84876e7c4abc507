package dev.bridge.models;

import dev.bridge.api.BridgeException;
import dev.bridge.api.ChatModel;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import dev.bridge.runtime.JavaTool;
import dev.bridge.runtime.PortableValues;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A {@code chat_model} resource: which model, on which {@link ChatModelConnection}, with which settings and
 * tools (upstream Flink Agents' chat model setup).
 *
 * <p>The mirror of Python's {@code python_actions.chat_models.ChatModelSetup}. <b>Plan arguments</b>:
 * {@code connection} (the name of a {@code chat_model_connection} resource), {@code model},
 * {@code temperature} (default: the server's) and {@code tools} (names of Java tool resources; a Python
 * tool is refused, since its schema cannot be read from Java: name it in the chat action's {@code tools}
 * setting instead). Python's {@code stream} and {@code options} are not offered. The connection and the
 * tools are looked up once, when the setup is built, so a wrong name fails its first use.
 *
 * <p><b>Tools</b>: the model is offered the chat action's tools (the {@code tools} argument of
 * {@link #chat(List, List)}) first, then this setup's that the action did not name, each name once.
 */
public final class ChatModelSetup implements ChatModel {
    private static final Set<String> ARGUMENTS = Set.of("connection", "model", "temperature", "tools");

    private final ChatModelConnection connection;
    private final String model;
    private final Double temperature;
    private final List<Map<String, Object>> tools;

    /**
     * Creates the setup from plan arguments, looking its connection and tools up with {@code getResource}
     * (the host passes it; see {@code JavaResources.create}).
     *
     * @throws BridgeException for a missing connection or model, an unknown argument, a value of the wrong
     *     kind, or a connection or tool that is not one
     */
    public ChatModelSetup(Map<String, Object> arguments, BiFunction<String, ResourceType, Resource> getResource) {
        Map<String, Object> args = arguments == null ? Map.of() : arguments;
        OpenAIChatModelConnection.checkNames(args, ARGUMENTS, "ChatModelSetup");
        String connectionName = Arguments.text(args, "connection", null, "ChatModelSetup");
        this.model = Arguments.text(args, "model", null, "ChatModelSetup");
        if (connectionName == null || connectionName.isBlank() || model == null || model.isBlank()) {
            throw new BridgeException("ChatModelSetup needs 'connection' (a chat_model_connection resource) and"
                    + " 'model' (the model name the server knows); got " + args.keySet());
        }
        String what = "chat model '" + model + "'";
        Number given = Arguments.number(args, "temperature", null, what);
        this.temperature = given == null ? null : given.doubleValue();
        Resource found = getResource.apply(connectionName, ResourceType.CHAT_MODEL_CONNECTION);
        if (!(found instanceof ChatModelConnection)) {
            throw new BridgeException(what + ": connection '" + connectionName + "' is a " + found.getClass().getName()
                    + ", not a " + ChatModelConnection.class.getName() + " (e.g. " + OpenAIChatModelConnection.class.getName()
                    + ")");
        }
        this.connection = (ChatModelConnection) found;
        this.tools = tools(what, args.get("tools"), getResource);
    }

    /** A setup over a connection it was given, for {@link OpenAIChatModel}, which builds its own. */
    ChatModelSetup(ChatModelConnection connection, String model, Double temperature) {
        this.connection = connection;
        this.model = model;
        this.temperature = temperature;
        this.tools = List.of();
    }

    @Override
    public Map<String, Object> chat(List<Map<String, Object>> messages) {
        return chat(messages, List.of());
    }

    @Override
    public Map<String, Object> chat(List<Map<String, Object>> messages, List<Map<String, Object>> offered) {
        List<Map<String, Object>> all = new ArrayList<>(offered == null ? List.of() : offered);
        Set<Object> named = new HashSet<>();
        all.forEach(tool -> named.add(tool == null ? null : tool.get("name")));
        for (Map<String, Object> tool : tools) {
            if (!named.contains(tool.get("name"))) {
                all.add(tool);
            }
        }
        return connection.chat(model, temperature, messages, all);
    }

    @Override
    public String toString() {
        return "ChatModelSetup{'" + model + "' on " + connection + "}";
    }

    /** The schemas {@code {name, description, parameters}} of the named Java tools, as the chat action sends them. */
    private static List<Map<String, Object>> tools(String what, Object names,
            BiFunction<String, ResourceType, Resource> getResource) {
        if (names == null) {
            return List.of();
        }
        if (!(names instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw new BridgeException(what + ": 'tools' must be a list of tool resource names, got " + names);
        }
        List<Map<String, Object>> schemas = new ArrayList<>();
        for (Object name : list) {
            Resource tool = getResource.apply((String) name, ResourceType.TOOL);
            if (!(tool instanceof JavaTool javaTool)) {
                throw new BridgeException(what + ": tool '" + name + "' is not a Java tool, whose schema a Java setup"
                        + " can read; offer it through the chat action's 'tools' setting instead");
            }
            Map<String, Object> schema = new LinkedHashMap<>();
            schema.put("name", name);
            schema.put("description", javaTool.getDescription());
            schema.put("parameters", PortableValues.fromJson(javaTool.getSchemaJson()));
            schemas.add(schema);
        }
        return List.copyOf(schemas);
    }
}
