package dev.bridge.examples;

import dev.bridge.api.ChatModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deterministic, offline stand-in for a chat model, for tests and demos; it understands nothing.
 *
 * <p>After a tool result it reports that result. A last user message mentioning "convert" with a value
 * and two units ("convert 10 km to mi") gets a {@code convert} tool call. Anything else is echoed with
 * a word count.
 */
public final class DeterministicLocalChatModel implements ChatModel {
    private static final Pattern CONVERSION =
            Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]+)\\s+(?:to|in|into)\\s+([a-zA-Z]+)");

    /** Creates the model. */
    public DeterministicLocalChatModel() {
    }

    /**
     * Creates the model from plan arguments.
     *
     * @param arguments ignored: the model has no options
     */
    public DeterministicLocalChatModel(Map<String, Object> arguments) {
        this();
    }

    @Override
    public Map<String, Object> chat(List<Map<String, Object>> messages) {
        Map<String, Object> last = messages.isEmpty() ? Map.of() : messages.get(messages.size() - 1);
        if ("tool".equals(last.get("role"))) {
            return reply("The result is " + last.get("content") + ".", List.of());
        }
        String text = "";
        for (Map<String, Object> message : messages) {
            if ("user".equals(message.get("role"))) {
                text = String.valueOf(message.get("content"));
            }
        }
        Matcher conversion = CONVERSION.matcher(text);
        if (text.toLowerCase(Locale.ROOT).contains("convert") && conversion.find()) {
            Map<String, Object> arguments = new LinkedHashMap<>();
            arguments.put("value", Double.parseDouble(conversion.group(1)));
            arguments.put("from", conversion.group(2).toLowerCase(Locale.ROOT));
            arguments.put("to", conversion.group(3).toLowerCase(Locale.ROOT));
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("id", "call_convert_" + messages.size());
            call.put("name", "convert");
            call.put("arguments", arguments);
            return reply("", List.of(call));
        }
        int words = text.isBlank() ? 0 : text.trim().split("\\s+").length;
        return reply("You said: \"" + text + "\" (" + words + " words).", List.of());
    }

    /** The assistant message both example chat models answer with: role, content and tool calls. */
    static Map<String, Object> reply(String content, List<Map<String, Object>> toolCalls) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", content);
        message.put("tool_calls", toolCalls);
        return message;
    }
}
