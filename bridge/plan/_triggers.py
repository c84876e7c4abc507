"""Trigger conditions: classify, validate and compile an action's ``trigger_conditions``.

Each entry is either an event type, routed by exact lookup, or a Boolean expression over the event
written in a small CEL subset. Plan loading calls :func:`validate` so a bad plan fails before any
event flows; the runtime builds a :class:`TriggerSet` per action, which adds the checks that need
static types. The rules follow the cross-language conformance fixture
``trigger_condition_conformance.json`` so Python and Java route the same events to the same actions.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import reduce
from typing import Any, Literal, NamedTuple

Category = Literal[
    "syntax", "unsupported_construct", "unknown_event_type", "type_check", "referenced_attributes"
]

#: ``EventType.<Name>`` constants an expression may use, and the event type each stands for.
EVENT_TYPE_NAMES: Mapping[str, str] = {
    "InputEvent": "_input_event",
    "OutputEvent": "_output_event",
    "ChatRequestEvent": "_chat_request_event",
    "ChatResponseEvent": "_chat_response_event",
    "ToolRequestEvent": "_tool_request_event",
    "ToolResponseEvent": "_tool_response_event",
    "ContextRetrievalRequestEvent": "_context_retrieval_request_event",
    "ContextRetrievalResponseEvent": "_context_retrieval_response_event",
}

# An unquoted dotted name (hyphens allowed, as in ``order-created``) or a quoted name without
# whitespace, quotes, backslashes or control characters. Anything else is an expression.
_BARE_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*")
_QUOTED_TYPE = re.compile(r"""(['"])([^\s'"\\\x00-\x1f\x7f]+)\1""")
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    | (?P<num>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)
    | (?P<str>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\],.{}+\-*/%?:])""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
            "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?"}  # fmt: skip
_ESCAPE = re.compile(
    r"""\\(?:[ntrabfv\\'"`?]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-3][0-7]{2})"""
    r"|\\(.?)"  # anything else after a backslash is an invalid escape
)
_LITERALS = {"true": True, "false": False, "null": None}
_RELATIONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in"})
_ARITHMETIC = frozenset("+-*/%")
_MACROS = frozenset({"all", "exists", "exists_one", "filter", "map"})
_FRAMEWORK_ROOTS = frozenset({"type", "id", "EventType", "attributes"})
_MAX_DEPTH = 64


class TriggerError(ValueError):
    """A trigger-condition entry is invalid; the message quotes the entry and says what is wrong.

    Attributes:
        category: The rule that failed (``syntax``, ``unsupported_construct``,
            ``unknown_event_type``, ``type_check`` or ``referenced_attributes``), so callers and
            tests can branch on it without parsing the message.
        entry: The entry exactly as the plan wrote it, so a plan error can point at it.
    """

    def __init__(self, message: str, *, category: Category, entry: str) -> None:
        super().__init__(message)
        self.category: Category = category
        self.entry = entry


def _error(category: Category, entry: str, what: str) -> TriggerError:
    return TriggerError(f'Trigger condition "{entry}" {what}', category=category, entry=entry)


class _EvalError(Exception):
    """An expression has no value for this event (missing path, wrong type): it does not match."""


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
        return None if text in _LITERALS or text.startswith("EventType.") else text
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


class _Node(NamedTuple):
    """One syntax-tree node; ``value`` and ``args`` mean what ``kind`` says (see ``_Parser``)."""

    kind: str  # lit, name, const, select, index, call, list, has, op
    value: Any = None
    args: tuple[_Node, ...] = ()


_ATTRIBUTES = _Node("name", "attributes")


def _is_reference(node: _Node) -> bool:
    while node.kind in ("select", "index"):
        node = node.args[0]
    return node.kind in ("name", "const")


class _Parser:
    """Tokenizer plus recursive descent in CEL's precedence: ``||``, ``&&``, relations, unary."""

    def __init__(self, entry: str) -> None:
        self.entry, text, pos = entry, entry.strip(), 0
        self.tokens: list[tuple[str, str, int]] = []
        for match in _TOKEN.finditer(text):
            if match.start() != pos:
                break
            pos = match.end()
            if match.lastgroup != "ws":
                self.tokens.append((match.lastgroup or "", match.group(), match.start()))
        if pos < len(text):
            char = text[pos]
            hint = f"; did you mean '{char * 2}'?" if char in "=&|" else ""
            what = "an unterminated string" if char in "'\"" else f"unexpected character '{char}'"
            raise self.fail("syntax", f"has {what} at column {pos + 1}{hint}")
        self.tokens.append(("end", "", len(text)))
        self.index = self.depth = 0

    def fail(self, category: Category, what: str) -> TriggerError:
        return _error(category, self.entry, what)

    def unsupported(self, what: str) -> TriggerError:
        return self.fail("unsupported_construct", f"uses {what}, which is not supported")

    def accept(self, text: str) -> bool:
        kind, value, _ = self.tokens[self.index]
        if kind in ("op", "name") and value == text:
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise self.unexpected(f"'{text}'")

    def unexpected(self, wanted: str) -> TriggerError:
        kind, value, at = self.tokens[self.index]
        found = "end of input" if kind == "end" else f"'{value}'"
        where = f"at column {at + 1}: expected {wanted}, found {found}"
        return self.fail("syntax", f"has a syntax error {where}")

    def parse(self) -> _Node:
        node = self.expression()
        if self.tokens[self.index][0] != "end":
            raise self.unexpected("an operator or end of input")
        if _is_reference(node):
            # ``(a.b)``, ``a . b`` or ``EventType.X`` alone: a typo'd event type, not a condition.
            raise self.fail(
                "unsupported_construct",
                "is a bare reference, not a condition: compare it explicitly (e.g. 'a.b == true'); "
                "an event type must be unquoted without spaces or parentheses, or be quoted",
            )
        return node

    def nest(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.fail("syntax", f"nests deeper than {_MAX_DEPTH} levels")

    def expression(self) -> _Node:
        self.nest()
        node = self.binary("||", lambda: self.binary("&&", self.relation))
        if self.tokens[self.index][:2] == ("op", "?"):
            raise self.unsupported("the conditional operator '?:'")
        self.depth -= 1
        return node

    def binary(self, op: str, operand: Callable[[], _Node]) -> _Node:
        # One n-ary node per chain, so long ``a && b && ...`` chains do not deepen the tree.
        operands = [operand()]
        while self.accept(op):
            operands.append(operand())
        return operands[0] if len(operands) == 1 else _Node("op", op, tuple(operands))

    def relation(self) -> _Node:
        node = self.unary()
        while True:
            kind, value, _ = self.tokens[self.index]
            if kind in ("op", "name") and value in _RELATIONS:
                self.index += 1
                node = _Node("op", value, (node, self.unary()))
            elif kind == "op" and value in _ARITHMETIC:
                raise self.unsupported(f"arithmetic '{value}'")
            else:
                return node

    def unary(self) -> _Node:
        if self.accept("!"):
            self.nest()
            node = _Node("op", "!", (self.unary(),))
            self.depth -= 1
            return node
        if self.accept("-"):
            if self.tokens[self.index][0] != "num":
                raise self.unsupported("arithmetic negation")
            return _Node("lit", -self.primary().value)
        node = self.primary()
        while True:
            if self.accept("["):
                node = _Node("index", None, (node, self.expression()))
                self.expect("]")
            elif self.accept("."):
                kind, field, _ = self.tokens[self.index]
                if kind != "name":
                    raise self.unexpected("a field name after '.'")
                self.index += 1
                node = self.member(node, field)
            else:
                return node

    def member(self, target: _Node, field: str) -> _Node:
        if self.accept("("):
            if field in _MACROS:
                raise self.unsupported(f"the macro '{field}()'")
            return _Node("call", field, (target, *self.arguments(")")))
        if target != _Node("name", "EventType"):
            return _Node("select", field, (target,))
        if field not in EVENT_TYPE_NAMES:
            known = ", ".join(sorted(EVENT_TYPE_NAMES))
            what = f"names unknown EventType.{field} (known: {known})"
            raise self.fail("unknown_event_type", what)
        return _Node("const", EVENT_TYPE_NAMES[field])

    def arguments(self, close: str) -> list[_Node]:
        items: list[_Node] = []
        if not self.accept(close):
            items.append(self.expression())
            while self.accept(","):
                items.append(self.expression())
            self.expect(close)
        return items

    def primary(self) -> _Node:
        kind, value, _ = self.tokens[self.index]
        if kind in ("num", "str") or kind == "name" and value != "in":
            self.index += 1
        if kind == "num":
            is_float = "." in value or "e" in value.lower()
            return _Node("lit", float(value) if is_float else int(value))
        if kind == "str":
            return _Node("lit", self.unescape(value[1:-1]))
        if kind == "name" and value != "in":
            if value in _LITERALS:
                return _Node("lit", _LITERALS[value])
            if not self.accept("("):
                return _Node("name", value)
            args = self.arguments(")")
            return self.has(args) if value == "has" else _Node("call", value, tuple(args))
        if self.accept("("):
            node = self.expression()
            self.expect(")")
            return node
        if self.accept("["):
            return _Node("list", None, tuple(self.arguments("]")))
        if value == "{":
            raise self.unsupported("a map literal")
        raise self.unexpected("a value, a name or '('")

    def has(self, args: list[_Node]) -> _Node:
        """Expand ``has(a.b)`` / ``has(attributes.a.b)`` to a presence test on a key path."""
        path: list[str] = []
        node = args[0] if len(args) == 1 else _Node("invalid")
        while node.kind == "select":
            path.insert(0, node.value)
            node = node.args[0]
        if node.kind == "name" and (node.value not in _FRAMEWORK_ROOTS or node == _ATTRIBUTES):
            path = path if node == _ATTRIBUTES else [node.value, *path]
            if path:
                return _Node("has", tuple(path))
        raise self.fail(
            "unsupported_construct",
            "passes an invalid argument to has(): expected a field selection like has(a.b) "
            "or an attribute name like has(score)",
        )

    def unescape(self, body: str) -> str:
        def one(match: re.Match[str]) -> str:
            text = match.group()
            if match.group(1) is not None:
                raise self.fail("syntax", f"has an invalid escape sequence '{text}' in a string")
            if text[1] in _ESCAPES:
                return _ESCAPES[text[1]]
            code = int(text[2:], 16) if text[1] in "xuU" else int(text[1:], 8)
            if code > 0x10FFFF:
                raise self.fail("syntax", f"has an escape beyond Unicode: '{text}'")
            return chr(code)

        return _ESCAPE.sub(one, body)


def validate(entry: str) -> None:
    """Check an entry at plan time, so a broken plan fails on load rather than on first event.

    Event types always pass. Expressions must parse, use only supported constructs and name only
    known ``EventType`` constants; checks that need static types wait for
    :func:`compile_condition`, as in the Java runtime, so both sides accept the same plans.

    Raises:
        TriggerError: With category ``syntax``, ``unsupported_construct`` or ``unknown_event_type``.
    """
    if _event_type_or_none(entry) is None:
        _Parser(entry).parse()


_WHOLE_MAP = (
    "cannot use the whole 'attributes' map (a dynamic index attributes[expr], attributes == ..., "
    "key in attributes); reference attributes by a literal key such as attributes['key'], "
    "'key' in attributes or has(attributes.key)"
)


def _is_string(node: _Node) -> bool:
    return node.kind == "lit" and isinstance(node.value, str)


def _static_type(node: _Node, entry: str) -> str:
    """Return the static type of ``node``: the checks Java's CEL type-checker makes at start-up."""
    kind, value, args = node
    if kind == "lit":
        return {bool: "bool", int: "int", float: "double", str: "string"}.get(type(value), "null")
    if kind in ("const", "has"):
        return "string" if kind == "const" else "bool"
    if kind == "call":
        raise _error("type_check", entry, f"failed Runtime type-check: unknown function '{value}'")
    if kind == "name":
        if value == "attributes":
            raise _error("referenced_attributes", entry, _WHOLE_MAP)
        if value == "id":
            what = "reads the event id, which bridge does not pass to conditions; use attributes.id"
            raise _error("unsupported_construct", entry, f"{what} for an attribute named id")
        if value == "EventType":
            what = "uses EventType without an event name; write e.g. EventType.InputEvent"
            raise _error("unsupported_construct", entry, what)
        return "string" if value == "type" else "dyn"
    if kind in ("select", "index") and args[0] == _ATTRIBUTES:
        if kind == "select" or _is_string(args[1]):
            return "dyn"
        raise _error("referenced_attributes", entry, _WHOLE_MAP)
    if kind == "op" and value == "in" and args[1] == _ATTRIBUTES and _is_string(args[0]):
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
        raise _error("type_check", entry, f"failed Runtime type-check: {what}")
    return "bool"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, (list, tuple)):
        return "list"
    return "null" if value is None else type(value).__name__


def _equal(x: Any, y: Any) -> bool:
    # CEL equality: values of different kinds are unequal (``true != 1``), ints equal floats.
    kind = _kind(x)
    if kind != _kind(y):
        return False
    if kind == "list":
        return len(x) == len(y) and all(map(_equal, x, y))
    if kind == "map":
        return x.keys() == y.keys() and all(_equal(x[key], y[key]) for key in x)
    return bool(x == y)


def _ordering(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def ordered(x: Any, y: Any) -> bool:
        if _kind(x) != _kind(y) or _kind(x) not in ("bool", "number", "str"):
            raise _EvalError(f"cannot order {_kind(x)} against {_kind(y)}")
        return test(x, y)

    return ordered


def _contains(item: Any, container: Any) -> bool:
    kind = _kind(container)
    if kind == "list":
        return any(_equal(item, element) for element in container)
    if kind == "map":
        try:
            return item in container
        except TypeError:
            return False
    raise _EvalError(f"'in' needs a list or a map, not {kind}")


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equal,
    "!=": lambda x, y: not _equal(x, y),
    "<": _ordering(operator.lt),
    "<=": _ordering(operator.le),
    ">": _ordering(operator.gt),
    ">=": _ordering(operator.ge),
    "in": _contains,
}


def _lookup(container: Any, key: Any) -> Any:
    if isinstance(container, Mapping):
        try:
            return container[key]
        except (KeyError, TypeError):
            pass
    elif isinstance(container, (list, tuple)) and type(key) is int and 0 <= key < len(container):
        return container[key]
    raise _EvalError(f"no value at {key!r}")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _EvalError(f"expected a Boolean, got {_kind(value)}")


def _evaluate(node: _Node, event_type: str, attributes: Mapping[str, Any]) -> Any:
    kind, value, args = node
    if kind in ("lit", "const"):
        return value
    if kind == "name":
        if value == "type":
            return event_type
        return attributes if value == "attributes" else _lookup(attributes, value)
    if kind == "has":  # present when every key on the path resolves
        try:
            reduce(_lookup, value, attributes)
        except _EvalError:
            return False
        return True
    if kind == "list":
        return [_evaluate(arg, event_type, attributes) for arg in args]
    if value in ("&&", "||"):
        # CEL semantics: a decisive operand wins even if the other one has no value.
        decisive, failure = value == "||", None
        for arg in args:
            try:
                if _boolean(_evaluate(arg, event_type, attributes)) is decisive:
                    return decisive
            except _EvalError as exc:
                failure = exc
        if failure is not None:
            raise failure
        return not decisive
    operands = [_evaluate(arg, event_type, attributes) for arg in args]
    if kind == "select":
        return _lookup(operands[0], value)
    if kind == "index":
        return _lookup(*operands)
    return not _boolean(operands[0]) if value == "!" else _TESTS[value](*operands)


class Condition:
    """One compiled entry, called as ``condition(event_type, attributes) -> bool``.

    An expression that has no value for an event (a missing attribute, a comparison of
    mismatched kinds) does not match rather than raising, so one odd event cannot stop routing.

    Attributes:
        source: The trimmed entry, for logs and error messages.
        event_type: The event type an ``event_type`` entry routes on; ``None`` for expressions.
    """

    __slots__ = ("_tree", "event_type", "source")

    def __init__(self, source: str, *, event_type: str | None = None, tree: _Node | None = None):
        self.source, self.event_type, self._tree = source, event_type, tree

    def __call__(self, event_type: str, attributes: Mapping[str, Any]) -> bool:
        if self._tree is None:
            return event_type == self.event_type
        try:
            return _evaluate(self._tree, event_type, attributes) is True
        except _EvalError:
            return False

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
    tree = _Parser(entry).parse()
    result = _static_type(tree, entry)
    if result not in ("bool", "dyn"):
        what = f"must have a Boolean result at Runtime, but its static type is {result}"
        raise _error("type_check", entry, what)
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
