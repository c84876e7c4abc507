"""Trigger conditions: classify, validate and compile an action's ``trigger_conditions``.

Each entry is either an event type, routed by exact lookup, or a Boolean expression over the event
written in a small CEL subset (the language itself is :mod:`bridge.plan._cel`). Plan loading calls
:func:`validate` so a bad plan fails before any event flows; the runtime builds a :class:`TriggerSet`
per action, which adds the checks that need static types. The rules follow the cross-language
conformance fixture ``trigger_condition_conformance.json`` so Python and Java route the same events
to the same actions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

# TriggerError lives in the error tree (bridge.errors); re-exported here with the language's Category,
# where the rest of the plan package looks for them.
from bridge.errors import TriggerError
from bridge.plan import _cel
from bridge.plan._cel import EVENT_TYPE_NAMES, Category

__all__ = [
    "EVENT_TYPE_NAMES",
    "Category",
    "Condition",
    "TriggerError",
    "TriggerSet",
    "classify",
    "compile_condition",
    "event_type_of",
    "ordered_entries",
    "ordered_matches",
    "validate",
]

# An unquoted dotted name (hyphens allowed, as in ``order-created``) or a quoted name without
# whitespace, quotes, backslashes or control characters. Anything else is an expression.
_BARE_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*")
_QUOTED_TYPE = re.compile(r"""(['"])([^\s'"\\\x00-\x1f\x7f]+)\1""")


def _trimmed(entry: str) -> str:
    if not isinstance(entry, str) or not entry.strip():
        raise TriggerError(
            f"Trigger condition {entry!r} must be a non-blank string",
            category="syntax",
            entry=str(entry),
        )
    return entry.strip()


def _event_type_or_none(entry: str) -> str | None:
    text = _trimmed(entry)
    if _BARE_TYPE.fullmatch(text):
        # ``true``/``null`` and ``EventType.X`` read as expressions; quote them to route by name.
        return None if text in _cel.LITERALS or text.startswith("EventType.") else text
    quoted = _QUOTED_TYPE.fullmatch(text)
    return quoted.group(2) if quoted else None


def classify(entry: str) -> Literal["event_type", "expression"]:
    """Tell whether an entry routes by event type or is an expression.

    Plain names stay event types even where CEL would read them otherwise (``order-created``,
    ``in``), so plans written as lists of event types keep routing unchanged.

    Raises:
        TriggerError: The entry is blank or not a string.
    """
    return "expression" if _event_type_or_none(entry) is None else "event_type"


def event_type_of(entry: str) -> str:
    """Return the event type an ``event_type`` entry routes on: trimmed, quotes removed.

    Raises:
        ValueError: The entry is an expression, which names no single event type.
    """
    event_type = _event_type_or_none(entry)
    if event_type is None:
        raise ValueError(f'Trigger condition "{entry}" is an expression, not an event type')
    return event_type


def _is_reference(node: _cel.Node) -> bool:
    while node.kind in ("select", "index"):
        node = node.args[0]
    return node.kind in ("name", "const")


def _parse_condition(entry: str) -> _cel.Node:
    """Parse an expression entry, refusing a bare reference, which reads as a mistyped event type."""
    tree = _cel.parse(entry)
    if _is_reference(tree):
        # ``(a.b)``, ``a . b`` or ``EventType.X`` alone: a typo'd event type, not a condition.
        raise _cel.entry_error(
            "unsupported_construct",
            entry,
            "is a bare reference, not a condition: compare it explicitly (e.g. 'a.b == true'); "
            "an event type must be unquoted without spaces or parentheses, or be quoted",
        )
    return tree


def validate(entry: str) -> None:
    """Check an entry at plan time, so a broken plan fails on load rather than on first event.

    Event types always pass. Expressions must parse, use only supported constructs and name only
    known ``EventType`` constants; checks that need static types wait for
    :func:`compile_condition`, as in the Java runtime, so both sides accept the same plans.

    Raises:
        TriggerError: With category ``syntax``, ``unsupported_construct`` or ``unknown_event_type``.
    """
    if _event_type_or_none(entry) is None:
        _parse_condition(entry)


_WHOLE_MAP = (
    "cannot use the whole 'attributes' map (a dynamic index attributes[expr], attributes == ..., "
    "key in attributes); reference attributes by a literal key such as attributes['key'], "
    "'key' in attributes or has(attributes.key)"
)


def _is_string(node: _cel.Node) -> bool:
    return node.kind == "lit" and isinstance(node.value, str)


def _static_type(node: _cel.Node, entry: str) -> str:
    """Return the static type of ``node``: the checks Java's CEL type-checker makes at start-up."""
    kind, value, args = node
    if kind == "lit":
        return {bool: "bool", int: "int", float: "double", str: "string"}.get(type(value), "null")
    if kind in ("const", "has"):
        return "string" if kind == "const" else "bool"
    if kind == "call":
        raise _cel.entry_error("type_check", entry, f"failed Runtime type-check: unknown function '{value}'")
    if kind == "name":
        if value == "attributes":
            raise _cel.entry_error("referenced_attributes", entry, _WHOLE_MAP)
        if value == "id":
            what = "reads the event id, which bridge does not pass to conditions; use attributes.id"
            raise _cel.entry_error("unsupported_construct", entry, f"{what} for an attribute named id")
        if value == "EventType":
            what = "uses EventType without an event name; write e.g. EventType.InputEvent"
            raise _cel.entry_error("unsupported_construct", entry, what)
        return "string" if value == "type" else "dyn"
    if kind in ("select", "index") and args[0] == _cel.ATTRIBUTES:
        if kind == "select" or _is_string(args[1]):
            return "dyn"
        raise _cel.entry_error("referenced_attributes", entry, _WHOLE_MAP)
    if kind == "op" and value == "in" and args[1] == _cel.ATTRIBUTES and _is_string(args[0]):
        return "bool"
    types = [_static_type(arg, entry) for arg in args]
    if kind in ("select", "index", "list"):
        return "list" if kind == "list" else "dyn"
    if value in ("!", "&&", "||"):
        fits = all(t in ("bool", "dyn") for t in types)
    elif value == "in":
        fits = types[1] in ("list", "dyn")
    elif value in ("==", "!="):
        fits = True
    else:
        known = {"number" if t in ("int", "double") else t for t in types} - {"dyn"}
        fits = len(known) <= 1 and known <= {"number", "string", "bool"}
    if not fits:
        what = f"'{value}' does not apply to {' and '.join(types)}"
        raise _cel.entry_error("type_check", entry, f"failed Runtime type-check: {what}")
    return "bool"


class Condition:
    """One compiled entry, called as ``condition(event_type, attributes) -> bool``.

    An expression that has no value for an event (a missing attribute, a comparison of
    mismatched kinds) does not match rather than raising, so one odd event cannot stop routing.

    Attributes:
        source: The trimmed entry, for logs and error messages.
        event_type: The event type an ``event_type`` entry routes on; ``None`` for expressions.
    """

    __slots__ = ("_tree", "event_type", "source")

    def __init__(self, source: str, *, event_type: str | None = None, tree: _cel.Node | None = None):
        self.source, self.event_type, self._tree = source, event_type, tree

    def __call__(self, event_type: str, attributes: Mapping[str, Any]) -> bool:
        if self._tree is None:
            return event_type == self.event_type
        return _cel.matches(self._tree, event_type, attributes)

    def __repr__(self) -> str:
        return f"Condition({self.source!r})"


def compile_condition(entry: str) -> Condition:
    """Compile an entry for the runtime: :func:`validate` plus the checks that need static types.

    Raises:
        TriggerError: Any plan-time category, or ``type_check`` (not a Boolean, unknown function,
            mismatched operands) or ``referenced_attributes`` (the whole attributes map is used).
    """
    event_type = _event_type_or_none(entry)
    if event_type is not None:
        return Condition(entry.strip(), event_type=event_type)
    tree = _parse_condition(entry)
    result = _static_type(tree, entry)
    if result not in ("bool", "dyn"):
        what = f"must have a Boolean result at Runtime, but its static type is {result}"
        raise _cel.entry_error("type_check", entry, what)
    return Condition(entry.strip(), tree=tree)


def ordered_entries(entries: Iterable[str]) -> list[str]:
    """Return an action's entries deduplicated, event types first, each group in plan order.

    This is the per-action form of the fixture's ``ordering_dedupe_type_first`` rule: a type hit
    needs no evaluation, so it is tried first, and an entry written twice (``_input_event`` and
    ``'_input_event'`` count as one) is compiled once. Entries come back as written, so an error
    about one quotes the plan's own text.

    Raises:
        TriggerError: An entry is blank or not a string.
    """
    types: dict[str, str] = {}
    expressions: dict[str, str] = {}
    for entry in entries:
        event_type = _event_type_or_none(entry)
        if event_type is None:
            expressions.setdefault(entry.strip(), entry)
        else:
            types.setdefault(event_type, entry)
    return [*types.values(), *expressions.values()]


class TriggerSet:
    """An action's ``trigger_conditions``, validated and compiled once, matched per event.

    Entries are OR-ed: the action fires when the event type is one of ``event_types`` or any
    expression matches. Type lookup comes first because it is a set lookup and needs no attributes.

    Attributes:
        entries: The entries as :func:`ordered_entries` returns them.
        event_types: Event types that trigger the action by name.
        expressions: Compiled expression conditions, in plan order.
    """

    __slots__ = ("entries", "event_types", "expressions")

    def __init__(self, entries: Sequence[str]) -> None:
        """Validate and compile every entry; a :class:`TriggerError` names the failing entry."""
        if isinstance(entries, str):
            raise TypeError("trigger_conditions must be a list of entries, not one string")
        self.entries = tuple(ordered_entries(entries))
        compiled = [compile_condition(entry) for entry in self.entries]
        self.event_types = frozenset(c.event_type for c in compiled if c.event_type is not None)
        self.expressions = tuple(c for c in compiled if c.event_type is None)

    def matches_type(self, event_type: str) -> bool:
        """Tell whether the event type alone triggers the action."""
        return event_type in self.event_types

    def matches_condition(self, event_type: str, attributes: Mapping[str, Any]) -> bool:
        """Tell whether any expression matches the event."""
        return any(condition(event_type, attributes) for condition in self.expressions)

    def matches(self, event_type: str, attributes: Mapping[str, Any]) -> bool:
        """Tell whether the event triggers the action, by type or by any expression."""
        return self.matches_type(event_type) or self.matches_condition(event_type, attributes)

    def __repr__(self) -> str:
        return f"TriggerSet({list(self.entries)!r})"


def ordered_matches(
    actions: Mapping[str, TriggerSet], event_type: str, attributes: Mapping[str, Any]
) -> list[str]:
    """Name the actions an event triggers: type hits first, then condition hits, each once.

    This is the plan-level ``ordering_dedupe_type_first`` rule, shared with the Java runtime so
    both run actions in the same order: type hits in plan order, then actions matched only by an
    expression in plan order. An action with a type hit is not evaluated further.
    """
    hits = [name for name, triggers in actions.items() if triggers.matches_type(event_type)]
    seen = set(hits)
    hits += [
        name
        for name, triggers in actions.items()
        if name not in seen and triggers.matches_condition(event_type, attributes)
    ]
    return hits
