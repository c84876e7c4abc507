package dev.bridge.api;

import java.util.List;
import java.util.Map;

/** A chat model: messages in, one assistant message out. */
public interface ChatModel extends Resource {
    /**
     * Answers a conversation.
     *
     * @param messages messages such as {@code {"role": "user", "content": ".."}}, oldest first; an assistant
     *     message may carry {@code tool_calls} ({@code {"id", "name", "arguments"}}), a {@code "tool"} message
     *     answers one of them by {@code tool_call_id}
     * @return the assistant message: {@code role}, {@code content} and, when the model wants tools run,
     *     {@code tool_calls} entries {@code {"id", "name", "arguments"}}
     */
    Map<String, Object> chat(List<Map<String, Object>> messages);

    /**
     * Answers a conversation, offered the tools it may ask for.
     *
     * <p>The built-in chat action calls this one (through the host) with the schemas of the tools the agent
     * is configured with; a model that calls tools over its wire (an HTTP model) overrides it to send them.
     * The default ignores the tools and calls {@link #chat(List)}, so a model that decides on its own (the
     * scripted one) need not know about them.
     *
     * @param messages as for {@link #chat(List)}
     * @param tools the offered tools, {@code {"name", "description", "parameters"}} with {@code parameters}
     *     the JSON schema of the arguments; empty for none
     * @return as for {@link #chat(List)}
     */
    default Map<String, Object> chat(List<Map<String, Object>> messages, List<Map<String, Object>> tools) {
        return chat(messages);
    }

    @Override
    default ResourceType getResourceType() {
        return ResourceType.CHAT_MODEL;
    }
}
