package dev.bridge.api;

import java.util.List;
import java.util.Map;

/** A chat model: messages in, one assistant message out. */
public interface ChatModel extends Resource {
    /**
     * Answers a conversation.
     *
     * @param messages messages such as {@code {"role": "user", "content": ".."}}, oldest first
     * @return the assistant message: {@code role}, {@code content} and, when the model wants tools run,
     *     {@code tool_calls} entries {@code {"id", "name", "arguments"}}
     */
    Map<String, Object> chat(List<Map<String, Object>> messages);

    @Override
    default ResourceType getResourceType() {
        return ResourceType.CHAT_MODEL;
    }
}
