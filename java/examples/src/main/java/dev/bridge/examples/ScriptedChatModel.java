package dev.bridge.examples;

import dev.bridge.api.ChatModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A chat model that answers from a script: deterministic, offline, for tests; it understands nothing.
 *
 * <p>The Python twin is {@code python_actions.models.ScriptedChatModel}; both read the same script and answer
 * a conversation with the same message ({@code tests/contract/chat_scripts/*.json} holds the cases both run),
 * so a test can move the model across the language line without changing its script.
 *
 * <p><b>Script format</b> (plan arguments {@code {"script": [TURN, ...]}}). Each turn is the assistant
 * message to return next: {@code {"content": "..."}} or
 * {@code {"tool_calls": [{"id": "c1", "name": "convert", "arguments": {...}}]}}, optionally with
 * {@code "expect_last": "..."}.
 * <ul>
 *   <li>{@code content} (default {@code ""}) and {@code tool_calls} (default empty; each call needs
 *       {@code name}; {@code id} defaults to {@code call_<turn>_<n>}, 1-based; {@code arguments} to
 *       {@code {}}) are returned as {@code {"role": "assistant", "content", "tool_calls"}}, always all
 *       three keys.</li>
 *   <li>{@code expect_last}: a substring the content of the last message must contain; when it does not,
 *       the answer is an error message as content (no tool calls), so the mistake shows in the output
 *       instead of crashing the run.</li>
 * </ul>
 *
 * <p><b>Which turn</b>: the number of {@code assistant} messages already in the conversation. The model
 * keeps no state, so it answers alike for every key, in any order, and after a replay; a conversation that
 * has used up the script is an {@link IllegalStateException} saying how many turns the script has.
 */
public final class ScriptedChatModel implements ChatModel {
    private static final Set<String> TURN_KEYS = Set.of("content", "tool_calls", "expect_last");
    private static final Set<String> CALL_KEYS = Set.of("id", "name", "arguments");

    private final List<Map<?, ?>> script;

    /**
     * Creates the model from plan arguments.
     *
     * @param arguments {@code {"script": [TURN, ...]}} in the format above
     * @throws IllegalArgumentException when the script is not in that format, naming the turn at fault
     */
    public ScriptedChatModel(Map<String, Object> arguments) {
        Object script = arguments == null ? null : arguments.get("script");
        if (!(script instanceof List<?> turns)) {
            throw new IllegalArgumentException("ScriptedChatModel: 'script' must be a list of turns, not " + script);
        }
        List<Map<?, ?>> checked = new ArrayList<>();
        int n = 0;
        for (Object turn : turns) {
            checked.add(check(++n, turn));
        }
        this.script = List.copyOf(checked);
    }

    @Override
    public Map<String, Object> chat(List<Map<String, Object>> messages) {
        int turn = 0;
        for (Map<String, Object> message : messages) {
            if (message != null && "assistant".equals(message.get("role"))) {
                turn++;
            }
        }
        if (turn >= script.size()) {
            throw new IllegalStateException("scripted chat model: the script has " + script.size()
                    + " turn(s) and this conversation asks for turn " + (turn + 1) + "; add turns to the script");
        }
        Map<?, ?> step = script.get(turn);
        Object expected = step.get("expect_last");
        if (expected != null) {
            Map<String, Object> last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
            Object content = last == null ? null : last.get("content");
            String text = content == null ? "" : String.valueOf(content);
            if (!text.contains((String) expected)) {
                return DeterministicLocalChatModel.reply("scripted chat model, turn " + (turn + 1)
                        + ": expected the last message to contain \"" + expected + "\" but it was: " + text, List.of());
            }
        }
        List<Map<String, Object>> calls = new ArrayList<>();
        Object stepCalls = step.get("tool_calls");
        if (stepCalls != null) {
            int i = 0;
            for (Object item : (List<?>) stepCalls) {
                Map<?, ?> call = (Map<?, ?>) item;
                i++;
                Object id = call.get("id");
                Object args = call.get("arguments");
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("id", id == null || "".equals(id) ? "call_" + (turn + 1) + "_" + i : id);
                out.put("name", call.get("name"));
                out.put("arguments", args == null ? new LinkedHashMap<>() : args);
                calls.add(out);
            }
        }
        Object content = step.get("content");
        return DeterministicLocalChatModel.reply(content == null ? "" : (String) content, calls);
    }

    private static Map<?, ?> check(int n, Object turn) {
        String where = "ScriptedChatModel: script turn " + n;
        if (!(turn instanceof Map<?, ?> step)) {
            throw new IllegalArgumentException(where + " must be an object like {\"content\": \"...\"}, not " + turn);
        }
        for (Object key : step.keySet()) {
            if (!TURN_KEYS.contains(key)) {
                throw new IllegalArgumentException(where + " has unknown field '" + key
                        + "'; use content, expect_last, tool_calls");
            }
        }
        for (String name : List.of("content", "expect_last")) {
            Object value = step.get(name);
            if (value != null && !(value instanceof String)) {
                throw new IllegalArgumentException(where + ": '" + name + "' must be a string, not " + value);
            }
        }
        Object calls = step.get("tool_calls");
        if (calls != null && !(calls instanceof List<?>)) {
            throw new IllegalArgumentException(where + ": 'tool_calls' must be a list of {id, name, arguments}, not "
                    + calls);
        }
        for (Object item : calls == null ? List.of() : (List<?>) calls) {
            if (!(item instanceof Map<?, ?> call) || !(call.get("name") instanceof String)
                    || !CALL_KEYS.containsAll(call.keySet())
                    || call.get("id") != null && !(call.get("id") instanceof String)) {
                throw new IllegalArgumentException(where + ": each tool call is {\"name\": string, \"id\"?: string,"
                        + " \"arguments\"?: object}, got " + item);
            }
            Object args = call.get("arguments");
            if (args != null && !(args instanceof Map<?, ?>)) {
                throw new IllegalArgumentException(where + ": tool call '" + call.get("name")
                        + "' arguments must be an object, not " + args);
            }
        }
        return step;
    }
}
