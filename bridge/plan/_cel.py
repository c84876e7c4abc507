"""The trigger-condition expression language: a CEL subset's tokenizer, parser, tree and evaluator.

:mod:`bridge.plan._triggers` decides which entries are expressions, adds the Java runtime's static
checks and routes events; the subset is the one ``trigger_condition_conformance.json`` fixes.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from functools import reduce
from typing import Any, NamedTuple

from bridge.errors import TriggerCategory, TriggerError

# The error and its categories live in the error tree (bridge.errors); the language raises them.
Category = TriggerCategory

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

#: Names that read as literals, never as attributes or event types.
LITERALS: Mapping[str, Any] = {"true": True, "false": False, "null": None}

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
_RELATIONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in"})
_ARITHMETIC = frozenset("+-*/%")
_MACROS = frozenset({"all", "exists", "exists_one", "filter", "map"})
_FRAMEWORK_ROOTS = frozenset({"type", "id", "EventType", "attributes"})
_MAX_DEPTH = 64


def entry_error(category: Category, entry: str, what: str) -> TriggerError:
    """Build the error for ``entry``, quoting it first so every message reads the same way."""
    return TriggerError(f'Trigger condition "{entry}" {what}', category=category, entry=entry)


class _EvalError(Exception):
    """An expression has no value for this event (missing path, wrong type): it does not match."""


class Node(NamedTuple):
    """One syntax-tree node; ``value`` and ``args`` mean what ``kind`` says (see ``_Parser``)."""

    kind: str  # lit, name, const, select, index, call, list, has, op
    value: Any = None
    args: tuple[Node, ...] = ()


ATTRIBUTES = Node("name", "attributes")


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
        return entry_error(category, self.entry, what)

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

    def parse(self) -> Node:
        node = self.expression()
        if self.tokens[self.index][0] != "end":
            raise self.unexpected("an operator or end of input")
        return node

    def nest(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.fail("syntax", f"nests deeper than {_MAX_DEPTH} levels")

    def expression(self) -> Node:
        self.nest()
        node = self.binary("||", lambda: self.binary("&&", self.relation))
        if self.tokens[self.index][:2] == ("op", "?"):
            raise self.unsupported("the conditional operator '?:'")
        self.depth -= 1
        return node

    def binary(self, op: str, operand: Callable[[], Node]) -> Node:
        # One n-ary node per chain, so long ``a && b && ...`` chains do not deepen the tree.
        operands = [operand()]
        while self.accept(op):
            operands.append(operand())
        return operands[0] if len(operands) == 1 else Node("op", op, tuple(operands))

    def relation(self) -> Node:
        node = self.unary()
        while True:
            kind, value, _ = self.tokens[self.index]
            if kind in ("op", "name") and value in _RELATIONS:
                self.index += 1
                node = Node("op", value, (node, self.unary()))
            elif kind == "op" and value in _ARITHMETIC:
                raise self.unsupported(f"arithmetic '{value}'")
            else:
                return node

    def unary(self) -> Node:
        if self.accept("!"):
            self.nest()
            node = Node("op", "!", (self.unary(),))
            self.depth -= 1
            return node
        if self.accept("-"):
            if self.tokens[self.index][0] != "num":
                raise self.unsupported("arithmetic negation")
            return Node("lit", -self.primary().value)
        node = self.primary()
        while True:
            if self.accept("["):
                node = Node("index", None, (node, self.expression()))
                self.expect("]")
            elif self.accept("."):
                kind, field, _ = self.tokens[self.index]
                if kind != "name":
                    raise self.unexpected("a field name after '.'")
                self.index += 1
                node = self.member(node, field)
            else:
                return node

    def member(self, target: Node, field: str) -> Node:
        if self.accept("("):
            if field in _MACROS:
                raise self.unsupported(f"the macro '{field}()'")
            return Node("call", field, (target, *self.arguments(")")))
        if target != Node("name", "EventType"):
            return Node("select", field, (target,))
        if field not in EVENT_TYPE_NAMES:
            known = ", ".join(sorted(EVENT_TYPE_NAMES))
            what = f"names unknown EventType.{field} (known: {known})"
            raise self.fail("unknown_event_type", what)
        return Node("const", EVENT_TYPE_NAMES[field])

    def arguments(self, close: str) -> list[Node]:
        items: list[Node] = []
        if not self.accept(close):
            items.append(self.expression())
            while self.accept(","):
                items.append(self.expression())
            self.expect(close)
        return items

    def primary(self) -> Node:
        kind, value, _ = self.tokens[self.index]
        if kind in ("num", "str") or kind == "name" and value != "in":
            self.index += 1
        if kind == "num":
            is_float = "." in value or "e" in value.lower()
            return Node("lit", float(value) if is_float else int(value))
        if kind == "str":
            return Node("lit", self.unescape(value[1:-1]))
        if kind == "name" and value != "in":
            if value in LITERALS:
                return Node("lit", LITERALS[value])
            if not self.accept("("):
                return Node("name", value)
            args = self.arguments(")")
            return self.has(args) if value == "has" else Node("call", value, tuple(args))
        if self.accept("("):
            node = self.expression()
            self.expect(")")
            return node
        if self.accept("["):
            return Node("list", None, tuple(self.arguments("]")))
        if value == "{":
            raise self.unsupported("a map literal")
        raise self.unexpected("a value, a name or '('")

    def has(self, args: list[Node]) -> Node:
        """Expand ``has(a.b)`` / ``has(attributes.a.b)`` to a presence test on a key path."""
        path: list[str] = []
        node = args[0] if len(args) == 1 else Node("invalid")
        while node.kind == "select":
            path.insert(0, node.value)
            node = node.args[0]
        if node.kind == "name" and (node.value not in _FRAMEWORK_ROOTS or node == ATTRIBUTES):
            path = path if node == ATTRIBUTES else [node.value, *path]
            if path:
                return Node("has", tuple(path))
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


def parse(entry: str) -> Node:
    """Parse an expression entry, rejecting what the subset leaves out with a :class:`TriggerError`."""
    return _Parser(entry).parse()


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


def _evaluate(node: Node, event_type: str, attributes: Mapping[str, Any]) -> Any:
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


def matches(tree: Node, event_type: str, attributes: Mapping[str, Any]) -> bool:
    """Tell whether a parsed expression is ``true`` for the event.

    Having no value for the event (a missing attribute, mismatched kinds) is no match, not an error.
    """
    try:
        return _evaluate(tree, event_type, attributes) is True
    except _EvalError:
        return False
