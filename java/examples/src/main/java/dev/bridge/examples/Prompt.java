package dev.bridge.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bridge.api.BridgeException;
import dev.bridge.api.Resource;
import dev.bridge.api.ResourceType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A prompt resource: a text template or a message list with {@code {name}} variables, filled by the same rule
 * as Python's {@code python_actions.prompts.Prompt} (shared cases in {@code tests/contract/prompts}):
 * {@code {name}} takes the variable (a String as it is, any other portable value as its compact JSON),
 * {@code {{} and {@code }}} are literal braces, and a missing variable or a lone brace is an error naming it.
 * Plan arguments: {@code {"template": "..."}} or {@code {"messages": [{"role", "content"}, ...]}}.
 */
public final class Prompt implements Resource {
    private static final Pattern TOKEN = Pattern.compile("\\{\\{|\\}\\}|\\{([A-Za-z_][A-Za-z0-9_]*)\\}|[{}]");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String template;
    private final List<Map<String, String>> messages;

    /**
     * Creates the prompt from plan arguments.
     *
     * @param arguments {@code template} (a String) or {@code messages} (a list of {role, content}), not both
     * @throws BridgeException when neither or both are given, or they have the wrong shape
     */
    public Prompt(Map<String, Object> arguments) {
        Object text = arguments.get("template");
        Object list = arguments.get("messages");
        if ((text == null) == (list == null)) {
            throw new BridgeException("a prompt is either a 'template' string or a 'messages' list of {role, content},"
                    + " not both and not neither");
        }
        if (text != null && !(text instanceof String)) {
            throw new BridgeException("a prompt's 'template' is a string, not " + text.getClass().getName());
        }
        this.template = (String) text;
        if (list == null) {
            this.messages = null;
            return;
        }
        if (!(list instanceof List)) {
            throw new BridgeException("a prompt's 'messages' is a list of {\"role\": str, \"content\": str}");
        }
        List<Map<String, String>> parsed = new ArrayList<>();
        for (Object item : (List<?>) list) {
            if (!(item instanceof Map<?, ?> m) || !(m.get("role") instanceof String role)
                    || !(m.get("content") instanceof String content)) {
                throw new BridgeException("a prompt's 'messages' is a list of {\"role\": str, \"content\": str}");
            }
            Map<String, String> message = new LinkedHashMap<>();
            message.put("role", role);
            message.put("content", content);
            parsed.add(message);
        }
        this.messages = parsed;
    }

    @Override
    public ResourceType getResourceType() {
        return ResourceType.PROMPT;
    }

    /**
     * Returns the prompt as one text: the template filled, or the messages as {@code role: content} lines.
     *
     * @param variables the values of the prompt's variables
     */
    public String formatString(Map<String, Object> variables) {
        if (template != null) {
            return fill(template, variables);
        }
        List<String> lines = new ArrayList<>();
        for (Map<String, String> m : messages) {
            lines.add(m.get("role") + ": " + fill(m.get("content"), variables));
        }
        return String.join("\n", lines);
    }

    /**
     * Returns the prompt as chat messages: each message filled, or the template as one message from {@code role}.
     *
     * @param role the role of the one message a template makes
     * @param variables the values of the prompt's variables
     */
    public List<Map<String, Object>> formatMessages(String role, Map<String, Object> variables) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (template != null) {
            out.add(message(role, fill(template, variables)));
            return out;
        }
        for (Map<String, String> m : messages) {
            out.add(message(m.get("role"), fill(m.get("content"), variables)));
        }
        return out;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    static String fill(String text, Map<String, Object> variables) {
        Matcher matcher = TOKEN.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String token = matcher.group();
            String replacement;
            if ("{{".equals(token)) {
                replacement = "{";
            } else if ("}}".equals(token)) {
                replacement = "}";
            } else if (matcher.group(1) == null) {
                throw new BridgeException("prompt text has a lone brace at character " + matcher.start() + " of '"
                        + text + "'; write {{ or }} for a literal brace, {name} for a variable");
            } else {
                String name = matcher.group(1);
                if (!variables.containsKey(name)) {
                    throw new BridgeException("prompt variable '" + name + "' is not given (given: "
                            + (variables.isEmpty() ? "none" : String.join(", ", variables.keySet())) + ")");
                }
                replacement = text(variables.get(name));
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static String text(Object value) {
        if (value instanceof String) {
            return (String) value;
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new BridgeException("prompt variable value " + value + " cannot be written as JSON", e);
        }
    }
}
