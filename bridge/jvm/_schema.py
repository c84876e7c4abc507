"""Checking tool arguments against a tool's JSON schema before any Java is reached.

Only the part of JSON Schema that tool declarations produce is supported (object with typed properties,
``required``, ``enum``); a failure names the tool, the parameter and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridge.errors import ToolArgumentError

_TYPES: dict[str, Callable[[Any], bool]] = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list | tuple),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


_MISSING = object()


# Exact Python types accepted per JSON type on the fast path; anything else takes the full check.
_FAST: dict[str, frozenset[type]] = {
    "integer": frozenset({int}), "number": frozenset({int, float}), "string": frozenset({str}),
    "boolean": frozenset({bool}), "array": frozenset({list, tuple}), "object": frozenset({dict}),
}


class ArgumentChecker:
    """A compiled check of one tool's arguments; returns them in the order the Java method takes them.

    The common call (every required argument, exact built-in types, no enum) is checked with a few set
    lookups; anything else goes through the full check, which names what is wrong.
    """

    def __init__(self, tool: str, schema: dict[str, Any], order: list[str]) -> None:
        self.tool = tool
        self.order = order
        self.properties: dict[str, Any] = schema.get("properties", {}) or {}
        self.required = [r for r in schema.get("required", []) if r in self.properties] or []
        self._checks = [(name, self._check_for(name, spec)) for name, spec in self.properties.items()]
        fast_ok = len(self.required) == len(order) and all(
            isinstance(self.properties.get(n, {}).get("type"), str) and "enum" not in self.properties.get(n, {})
            and self.properties[n]["type"] in _FAST for n in order)
        self._fast = [(n, _FAST[self.properties[n]["type"]]) for n in order] if fast_ok else None
        self._count = len(order)

    def fast_positional(self, kwargs: dict[str, Any]) -> list[Any]:
        """:meth:`positional`, with a fast path for the common call."""
        fast = self._fast
        if fast is not None and len(kwargs) == self._count:
            args = []
            for name, types in fast:
                value = kwargs.get(name, _MISSING)
                if type(value) not in types:
                    return self.positional(kwargs)
                args.append(value)
            return args
        return self.positional(kwargs)

    def _check_for(self, name: str, spec: dict[str, Any]) -> Callable[[Any], str | None]:
        kind = spec.get("type")
        type_ok = _TYPES.get(kind) if isinstance(kind, str) else None
        allowed = spec.get("enum")

        def check(value: Any) -> str | None:
            if type_ok is not None and not type_ok(value):
                return f"expected {kind}, got {type(value).__name__} {value!r:.60}"
            if allowed is not None and value not in allowed:
                return f"expected one of {allowed}, got {value!r:.60}"
            return None

        return check

    def positional(self, kwargs: dict[str, Any]) -> list[Any]:
        """Validate ``kwargs`` and return the values in parameter order (None for absent optionals)."""
        if len(kwargs) != len(self.required) or not all(r in kwargs for r in self.required):
            missing = [r for r in self.required if r not in kwargs]
            unknown = [k for k in kwargs if k not in self.properties]
            if missing or unknown:
                problems = []
                if missing:
                    problems.append(f"missing required argument(s) {', '.join(missing)}")
                if unknown:
                    problems.append(f"unknown argument(s) {', '.join(unknown)} "
                                    f"(parameters: {', '.join(self.properties) or 'none'})")
                raise ToolArgumentError(f"tool '{self.tool}': " + "; ".join(problems))
        for name, check in self._checks:
            if name in kwargs:
                problem = check(kwargs[name])
                if problem is not None:
                    raise ToolArgumentError(f"tool '{self.tool}', argument '{name}': {problem}")
        return [kwargs.get(name) for name in self.order]
