"""Prompts: a text template or a message list with ``{name}`` variables, filled the same in Python and Java.

The Java twin is ``dev.bridge.examples.Prompt``; both fill by one rule, held by the shared cases in
``tests/contract/prompts``: ``{name}`` takes the variable (a string as it is, any other portable value as its
compact JSON, so ``true`` and ``1.5`` read the same from either language), ``{{`` and ``}}`` are literal
braces, and a missing variable or a lone brace is an error naming it. The method names follow upstream
Flink Agents' ``Prompt`` (``format_string``, ``format_messages``).
"""

from __future__ import annotations

import re
from typing import Any

from bridge.api import Resource, ResourceType
from bridge.api._values import dumps_str
from bridge.errors import ResourceError

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[{}]")


class Prompt(Resource):
    """A prompt resource: plan arguments ``{"template": "..."}`` or ``{"messages": [{role, content}, ...]}``."""

    resource_type = ResourceType.PROMPT

    def __init__(self, template: str | None = None, messages: list[dict[str, Any]] | None = None) -> None:
        if (template is None) == (messages is None):
            raise ResourceError("a prompt is either a 'template' string or a 'messages' list of {role, content}, "
                                "not both and not neither")
        if template is not None and not isinstance(template, str):
            raise ResourceError(f"a prompt's 'template' is a string, not {type(template).__name__}")
        if messages is not None and not (isinstance(messages, list) and all(
                isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                for m in messages)):
            raise ResourceError("a prompt's 'messages' is a list of {\"role\": str, \"content\": str}")
        self.template = template
        self.messages = messages

    def format_string(self, **variables: Any) -> str:
        """The prompt as one text: the template filled, or the messages as ``role: content`` lines."""
        if self.template is not None:
            return fill(self.template, variables)
        return "\n".join(f"{m['role']}: {fill(m['content'], variables)}" for m in self.messages or [])

    def format_messages(self, role: str = "user", **variables: Any) -> list[dict[str, str]]:
        """The prompt as chat messages: each message filled, or the template as one message from ``role``."""
        if self.template is not None:
            return [{"role": role, "content": fill(self.template, variables)}]
        return [{"role": m["role"], "content": fill(m["content"], variables)} for m in self.messages or []]


def fill(text: str, variables: dict[str, Any]) -> str:
    """``text`` with its ``{name}`` variables filled (see the module docstring for the rule)."""
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name is None:
            raise ResourceError(f"prompt text has a lone brace at character {match.start()} of {text!r:.80}; write "
                                "{{ or }} for a literal brace, {name} for a variable")
        if name not in variables:
            raise ResourceError(f"prompt variable '{name}' is not given (given: {', '.join(variables) or 'none'})")
        value = variables[name]
        return value if isinstance(value, str) else dumps_str(value)

    return _TOKEN.sub(replace, text)
