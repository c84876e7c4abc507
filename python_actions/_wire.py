"""The loop's messages to and from the OpenAI and Ollama wire formats: pure functions, no I/O.

The loop (``python_actions.agents``) speaks one format: ``{"role", "content", "tool_calls": [{"id", "name",
"arguments"}], "tool_call_id", "name"}`` with arguments as an object. OpenAI's chat completions carry a tool
call as ``{"id", "type": "function", "function": {"name", "arguments": JSON text}}`` and answer a call with
``{"role": "tool", "tool_call_id"}``; Ollama's ``/api/chat`` carries ``{"function": {"name", "arguments":
object}}`` and answers with ``{"role": "tool", "tool_name"}``. Both take tool schemas in OpenAI's ``tools``
format. An answer that is not shaped as its format says raises :class:`WireError` (the connection retries
it as garbage).
"""

from __future__ import annotations

import json
from typing import Any


class WireError(ValueError):
    """A server's answer that is not a chat answer in its wire format; the message quotes what came."""


def openai_tools(schemas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``{name, description, parameters}`` schemas as OpenAI ``tools`` (ones already in that form kept)."""
    out = []
    for schema in schemas:
        if schema.get("type") == "function" and isinstance(schema.get("function"), dict):
            out.append(schema)
            continue
        function: dict[str, Any] = {"name": schema["name"],
                                    "parameters": schema.get("parameters") or {"type": "object", "properties": {}}}
        if schema.get("description"):
            function["description"] = schema["description"]
        out.append({"type": "function", "function": function})
    return out


def openai_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as chat-completion messages (keys the API does not know are left out)."""
    out = []
    for message in messages:
        role = message.get("role")
        text = _content(message.get("content"), allow_parts=True)
        if role == "assistant":
            entry: dict[str, Any] = {"role": "assistant", "content": text}
            calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
            if calls:  # an empty list is refused by OpenAI
                entry["tool_calls"] = [{"id": c.get("id"), "type": "function",
                                        "function": {"name": c.get("name"), "arguments": _arguments_text(c)}}
                                       for c in calls]
        elif role == "tool":
            entry = {"role": "tool", "tool_call_id": message.get("tool_call_id"), "content": text}
        else:
            entry = {"role": role, "content": text}
        out.append(entry)
    return out


def openai_answer(completion: Any) -> dict[str, Any]:
    """The first choice of a ``ChatCompletion`` (the openai client's object) as the loop's assistant message."""
    choices = getattr(completion, "choices", None)
    message = getattr(choices[0], "message", None) if isinstance(choices, list) and choices else None
    if message is None:
        raise WireError(f"not a chat completion (no choices[0].message): {_quote(completion)}")
    content = getattr(message, "content", None)
    if content is not None and not isinstance(content, str):
        raise WireError(f"the message content is not text: {_quote(content)}")
    calls = []
    for n, call in enumerate(getattr(message, "tool_calls", None) or [], start=1):
        function = getattr(call, "function", None)
        name = getattr(function, "name", None)
        if not isinstance(name, str) or not name:
            raise WireError(f"tool call {n} has no function name: {_quote(call)}")
        calls.append({"id": getattr(call, "id", None) or f"call_{n}", "name": name,
                      "arguments": parse_arguments(getattr(function, "arguments", None))})
    return {"role": "assistant", "content": content or "", "tool_calls": calls}


def ollama_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as ``/api/chat`` messages."""
    out = []
    for message in messages:
        role = message.get("role")
        entry: dict[str, Any] = {"role": role, "content": _content(message.get("content"), allow_parts=False)}
        if role == "assistant":
            calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
            if calls:
                entry["tool_calls"] = [{"function": {"name": c.get("name"), "arguments": _arguments_object(c)}}
                                       for c in calls]
        elif role == "tool" and message.get("name"):
            entry["tool_name"] = message["name"]
        out.append(entry)
    return out


def ollama_answer(data: Any) -> dict[str, Any]:
    """A parsed ``/api/chat`` answer (or the merge of a stream's chunks) as the loop's assistant message."""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("content", ""), str):
        raise WireError(f"not an /api/chat answer (no message with text content): {_quote(data)}")
    calls = []
    for n, call in enumerate(message.get("tool_calls") or [], start=1):
        function = call.get("function") if isinstance(call, dict) else None
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(name, str) or not name:
            raise WireError(f"tool call {n} has no function name: {_quote(call)}")
        calls.append({"id": call.get("id") or f"call_{n}", "name": name,
                      "arguments": parse_arguments(function.get("arguments"))})
    return {"role": "assistant", "content": message.get("content") or "", "tool_calls": calls}


def parse_arguments(raw: Any) -> Any:
    """Tool-call arguments as an object where they are one; anything else is handed on as it came.

    A model may send arguments that are not valid JSON, or JSON that is not an object. They go to the tool
    action as they are, which tells the model so in a tool result (``Error: ... not valid JSON``) and the
    loop goes on: the model can correct itself, which a failed run would not let it do.
    """
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return raw
        return parsed if isinstance(parsed, dict) else raw
    return raw


def _arguments_text(call: dict[str, Any]) -> str:
    args = call.get("arguments")
    return args if isinstance(args, str) else json.dumps({} if args is None else args)


def _arguments_object(call: dict[str, Any]) -> dict[str, Any]:
    """Ollama takes an object only: text that is not one (a model's bad JSON) goes back as ``{}``."""
    args = parse_arguments(call.get("arguments"))
    return args if isinstance(args, dict) else {}


def _content(content: Any, *, allow_parts: bool) -> Any:
    if content is None:
        return ""
    if isinstance(content, str) or (allow_parts and isinstance(content, list)):
        return content
    return json.dumps(content, default=str)


def _quote(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
