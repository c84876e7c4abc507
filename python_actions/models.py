"""The deterministic scripted chat model, for tests and offline demos (HTTP models: ``chat_models``).

The Java twin is ``dev.bridge.examples.ScriptedChatModel``: both read the same script format and answer
the same conversation with the same message (``tests/contract/chat_scripts/*.json`` holds the cases both
languages run), so a test can move a model across the language line without changing its script.
"""

from __future__ import annotations

from typing import Any

from bridge.api import ChatModel

_TURN_KEYS = frozenset({"content", "tool_calls", "expect_last"})
_CALL_KEYS = frozenset({"id", "name", "arguments"})


class ScriptedChatModel(ChatModel):
    """A chat model that answers from a script: deterministic, offline, understands nothing.

    **Script format** (plan arguments ``{"script": [TURN, ...]}``, the same in Java). Each turn is the
    assistant message to return next::

        {"content": "It is 6.2 miles."}
        {"tool_calls": [{"id": "c1", "name": "convert", "arguments": {"value": 10, "from": "km", "to": "mi"}}]}
        {"content": "...", "expect_last": "6.21"}

    - ``content`` (string, default ``""``) and ``tool_calls`` (default ``[]``; each call needs ``name``;
      ``id`` defaults to ``call_<turn>_<n>``, 1-based; ``arguments`` to ``{}``) are returned as
      ``{"role": "assistant", "content", "tool_calls"}``, always all three keys.
    - ``expect_last`` (optional): a substring the content of the last message in the conversation must
      contain. When it does not, the model answers with an error message as its content (and no tool calls)
      instead of the turn, so the mistake shows up in the run's output rather than as a crash.

    **Which turn**: the number of ``assistant`` messages already in the conversation. The model keeps no
    state, so it answers the same for every key, in any order, and after a replay; a conversation that has
    used up the script is an error saying how many turns the script has.
    """

    def __init__(self, script: list[dict[str, Any]]) -> None:
        self.script = _checked(script)

    def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The next scripted turn for ``messages``; ``tools`` is accepted and ignored (the script decides)."""
        turn = sum(1 for m in messages if isinstance(m, dict) and m.get("role") == "assistant")
        if turn >= len(self.script):
            raise ValueError(f"scripted chat model: the script has {len(self.script)} turn(s) and this "
                             f"conversation asks for turn {turn + 1}; add turns to the script")
        step = self.script[turn]
        expected = step.get("expect_last")
        if expected is not None:
            last = messages[-1].get("content") if messages and isinstance(messages[-1], dict) else None
            text = "" if last is None else str(last)
            if expected not in text:
                return _message(f'scripted chat model, turn {turn + 1}: expected the last message to contain '
                                f'"{expected}" but it was: {text}', [])
        calls = [{"id": call.get("id") or f"call_{turn + 1}_{n}", "name": call["name"],
                  "arguments": call.get("arguments") or {}}
                 for n, call in enumerate(step.get("tool_calls") or [], start=1)]
        return _message(step.get("content") or "", calls)

    def __repr__(self) -> str:
        return f"ScriptedChatModel({len(self.script)} turns)"


def _message(content: str, tool_calls: list[dict[str, Any]]) -> dict[str, Any]:
    return {"role": "assistant", "content": content, "tool_calls": tool_calls}


def _checked(script: Any) -> list[dict[str, Any]]:
    """The script, refused early (at resource build) with the turn and field at fault."""
    if not isinstance(script, list):
        raise TypeError(f"ScriptedChatModel: 'script' must be a list of turns, not {type(script).__name__}")
    for n, step in enumerate(script, start=1):
        where = f"ScriptedChatModel: script turn {n}"
        if not isinstance(step, dict):
            raise TypeError(f"{where} must be an object like {{\"content\": \"...\"}}, not {step!r:.80}")
        unknown = sorted(set(step) - _TURN_KEYS)
        if unknown:
            raise ValueError(f"{where} has unknown field(s) {unknown}; use {sorted(_TURN_KEYS)}")
        for name in ("content", "expect_last"):
            if step.get(name) is not None and not isinstance(step[name], str):
                raise TypeError(f"{where}: '{name}' must be a string, not {step[name]!r:.80}")
        calls = step.get("tool_calls")
        if calls is not None and not isinstance(calls, list):
            raise TypeError(f"{where}: 'tool_calls' must be a list of {{id, name, arguments}}, not {calls!r:.80}")
        for call in calls or []:
            if (not isinstance(call, dict) or not isinstance(call.get("name"), str) or set(call) - _CALL_KEYS
                    or call.get("id") is not None and not isinstance(call["id"], str)):
                raise ValueError(f"{where}: each tool call is {{\"name\": str, \"id\"?: str, \"arguments\"?: "
                                 f"object}}, got {call!r:.120}")
            if call.get("arguments") is not None and not isinstance(call["arguments"], dict):
                raise TypeError(f"{where}: tool call '{call['name']}' arguments must be an object, not "
                                f"{call['arguments']!r:.80}")
    return script
