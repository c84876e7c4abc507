"""Events: what actions receive and send.

An event is ``{id, type, attributes}`` on the wire (the Flink Agents snapshot form) and a plain Python object
inside the host: it is serialized only at a language boundary or for stored state. Typed views such as
:class:`InputEvent` are the same object with named accessors; a custom event needs no subclass.
"""

from __future__ import annotations

import itertools
import os
import random
from typing import Any, ClassVar

from bridge.api._values import dumps, loads
from bridge.errors import EventError

_REGISTRY: dict[str, type[Event]] = {}
# Lineage fields upstream Flink Agents may put beside id/type/attributes: kept and carried both ways, written
# in this (snake_case) form, read in either casing. Any other top-level field is refused, in both languages.
LINEAGE = {"upstream_event_id": "upstream_event_id", "upstreamEventId": "upstream_event_id",
           "upstream_action_name": "upstream_action_name", "upstreamActionName": "upstream_action_name"}
_WIRE_FIELDS = frozenset({"id", "type", "attributes", *LINEAGE})
_PLAIN_FIELDS = frozenset({"id", "type", "attributes"})
# Event ids are version-4 UUIDs. ``uuid.uuid4()`` asks the kernel for 16 bytes each time (a system call,
# ~2.5 us); ids need to be unique, not secret, so they come from a generator of our own seeded by the kernel
# (again in a forked child, which must not repeat its parent's ids) and untouched by ``random.seed()``.
_ids = random.Random()
_UUID4_MASK = ~(0xF000 << 64 | 0xC000 << 48) & ((1 << 128) - 1)
_UUID4_BITS = 0x4000 << 64 | 0x8000 << 48


def random_id() -> str:
    """A fresh random UUID (version 4) as text."""
    h = "%032x" % (_ids.getrandbits(128) & _UUID4_MASK | _UUID4_BITS)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# Most ids are made one by one for events a run stores (an action's sent events): a random UUID's first 24
# characters, drawn once per process, then a 48-bit serial number. Unique (74 random bits per process, then
# distinct numbers), in the same form, and a fifth of a random one's cost.
_prefix = random_id()[:24]
_serial = itertools.count()


def _fresh_ids() -> None:
    """In a forked child: a new seed and a new prefix, so the child never makes its parent's ids."""
    global _prefix, _serial  # noqa: PLW0603 - the process's id source, replaced once per fork
    _ids.seed()
    _prefix, _serial = random_id()[:24], itertools.count()


os.register_at_fork(after_in_child=_fresh_ids)


def new_id() -> str:
    """A fresh id in the form of a version-4 UUID: an event's id (see above)."""
    return f"{_prefix}{next(_serial):012x}"


_FORM = ("an event is {id, type, attributes} plus optional upstream_event_id and upstream_action_name "
         "(put other data in attributes)")


class Event:
    """An event routed to the actions whose trigger conditions match its ``type``."""

    __slots__ = ("_id", "type", "attributes", "lineage")
    EVENT_TYPE: ClassVar[str | None] = None

    def __init__(self, type: str | None = None, attributes: dict[str, Any] | None = None,
                 id: str | None = None) -> None:
        event_type = type or self.EVENT_TYPE
        if not event_type:
            raise ValueError("an Event needs a type, e.g. Event(type='order_placed', attributes={...})")
        self._id = id
        self.type = event_type
        self.attributes = attributes if attributes is not None else {}
        self.lineage: dict[str, str] | None = None

    @property
    def id(self) -> str:
        """A UUID string; made on first use, since most events never leave the host."""
        if self._id is None:
            self._id = new_id()
        return self._id

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.EVENT_TYPE:
            _REGISTRY[cls.EVENT_TYPE] = cls

    def get(self, name: str, default: Any = None) -> Any:
        """Return one attribute (``default`` when absent)."""
        return self.attributes.get(name, default)

    def get_attr(self, name: str) -> Any:
        """Return one attribute, None when absent: Java's ``getAttr``, so code reads alike in both languages."""
        return self.attributes.get(name)

    def set_attr(self, name: str, value: Any) -> None:
        """Set one attribute: Java's ``setAttr``. The value is checked when the event is sent, not here."""
        self.attributes[name] = value

    def get_type(self) -> str:
        """Return the event type: Java's ``getType``."""
        return self.type

    def to_dict(self) -> dict[str, Any]:
        """The wire form, as Python values (lineage fields only when the event has them)."""
        d = {"id": self._id if self._id is not None else self.id, "type": self.type, "attributes": self.attributes}
        if self.lineage:
            d.update(self.lineage)
        return d

    def to_json(self) -> bytes:
        """The wire form as JSON bytes."""
        return dumps(self.to_dict())

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Event:
        """Read the wire form; known types come back as their typed view, others as plain :class:`Event`.

        The rules are one contract with the Java ``Event`` (``tests/contract/events``), so an event either
        language accepts means the same on both: an :class:`EventError` for a missing, blank or non-string
        ``type``, an ``id`` that is not a string (absent: a fresh one is made), ``attributes`` that are not an
        object (null or absent: none), a lineage field that is not a string or null or is given in both
        casings, and any other top-level field.
        """
        if type(data) is not dict:
            raise EventError(f"{_FORM}; got {type(data).__name__} {data!r:.200}")
        event_type = data.get("type")
        if type(event_type) is not str or not event_type.strip():
            raise EventError(f"an event needs 'type', a non-blank string naming the event, e.g. \"order_placed\" "
                             f"(got {data.get('type', '(missing)')!r:.100} in {data!r:.200})")
        event_id = data.get("id")
        if event_id is not None and type(event_id) is not str:
            raise EventError(f"event '{event_type}': 'id' must be a string (or absent, for a fresh one), not "
                             f"{type(event_id).__name__} {event_id!r:.100}")
        attributes = data.get("attributes")
        if attributes is None:
            attributes = {}
        elif type(attributes) is not dict:
            raise EventError(f"event '{event_type}': 'attributes' must be an object of named values (or null for "
                             f"none), not {type(attributes).__name__} {attributes!r:.100}")
        cls = _REGISTRY.get(event_type, Event)
        event = object.__new__(cls)
        Event.__init__(event, event_type, attributes, event_id)
        if not data.keys() <= _PLAIN_FIELDS:
            event.lineage = _lineage(event_type, data)
        return event

    @staticmethod
    def from_json(data: str | bytes) -> Event:
        """Read JSON written by either language."""
        return Event.from_dict(loads(data))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Event) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(type={self.type!r}, attributes={self.attributes!r}, id={self.id!r})"


def _lineage(event_type: str, data: dict[str, Any]) -> dict[str, str] | None:
    """The lineage fields of a wire form that has fields beyond id, type and attributes."""
    unknown = [k for k in data if k not in _WIRE_FIELDS]
    if unknown:
        raise EventError(f"event '{event_type}' has unknown field(s) {', '.join(map(repr, unknown))}; {_FORM}")
    lineage: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name, value in data.items():
        field = LINEAGE.get(name)
        if field is None:
            continue
        if field in seen:
            raise EventError(f"event '{event_type}' gives {field} twice, as {seen[field]!r} and {name!r}; "
                             "write it once (upstream_event_id / upstream_action_name)")
        seen[field] = name
        if value is None:
            continue
        if type(value) is not str:
            raise EventError(f"event '{event_type}': {name!r} must be a string or null, not "
                             f"{type(value).__name__} {value!r:.100}")
        lineage[field] = value
    return lineage or None


def _field(name: str) -> property:
    def fget(self: Event) -> Any:
        return self.attributes.get(name)

    def fset(self: Event, value: Any) -> None:
        self.attributes[name] = value

    return property(fget, fset, doc=f"The ``{name}`` attribute.")


def _typed_view(class_name: str, event_type: str, fields: dict[str, Any], doc: str) -> type[Event]:
    """Build a typed view: a constructor taking the named fields (with defaults) and a property for each."""
    names = tuple(fields)
    count = len(names)
    required = frozenset(f for f, d in fields.items() if d is _REQUIRED)

    def __init__(self: Event, *args: Any, id: str | None = None, **kwargs: Any) -> None:
        if len(args) > count:
            raise TypeError(f"{class_name} takes at most {count} positional arguments")
        attrs = dict(zip(names, args, strict=False)) if args else {}
        if kwargs:
            for k in kwargs:
                if k not in fields:
                    raise TypeError(f"{class_name} has no field {k!r} (fields: {', '.join(names)})")
                if k in attrs:
                    raise TypeError(f"{class_name} got {k!r} twice")
            attrs.update(kwargs)
        if len(attrs) != count:
            missing = [f for f in names if f in required and f not in attrs]
            if missing:
                raise TypeError(f"{class_name} needs {', '.join(missing)}")
            attrs = {f: attrs[f] if f in attrs else _copy_default(fields[f]) for f in names}
        self._id = id
        self.type = event_type
        self.attributes = attrs
        self.lineage = None

    namespace: dict[str, Any] = {"__init__": __init__, "__doc__": doc, "__slots__": (),
                                 "EVENT_TYPE": event_type, "__module__": __name__}
    for f in fields:
        namespace[f] = _field(f)
    return type(class_name, (Event,), namespace)


class _Required:
    def __repr__(self) -> str:
        return "<required>"


_REQUIRED: Any = _Required()


def _copy_default(value: Any) -> Any:
    return type(value)() if isinstance(value, dict | list) else value


InputEvent = _typed_view("InputEvent", "_input_event", {"input": _REQUIRED},
                         "The event each input record starts as; ``input`` is the record's payload.")
OutputEvent = _typed_view("OutputEvent", "_output_event", {"output": _REQUIRED},
                          "Sending one emits ``output`` as a result of the run for the current key.")
ChatRequestEvent = _typed_view(
    "ChatRequestEvent", "_chat_request_event",
    {"model": _REQUIRED, "messages": _REQUIRED, "prompt_args": {}, "output_schema": None},
    "Asks the chat model resource ``model`` to answer ``messages``.")
ChatResponseEvent = _typed_view(
    "ChatResponseEvent", "_chat_response_event",
    {"request_id": _REQUIRED, "response": _REQUIRED, "retry_count": 0, "total_retry_wait_sec": 0},
    "A chat model's answer to the request ``request_id``.")
ToolRequestEvent = _typed_view(
    "ToolRequestEvent", "_tool_request_event", {"model": _REQUIRED, "tool_calls": _REQUIRED},
    "Tool calls a model asked for: ``[{id, name, arguments}]``.")
ToolResponseEvent = _typed_view(
    "ToolResponseEvent", "_tool_response_event",
    {"request_id": _REQUIRED, "responses": _REQUIRED, "success": {}, "error": {}, "external_ids": {}},
    "Results of tool calls, keyed by call id.")
ContextRetrievalRequestEvent = _typed_view(
    "ContextRetrievalRequestEvent", "_context_retrieval_request_event",
    {"query": _REQUIRED, "vector_store": _REQUIRED, "max_results": 3},
    "Asks the vector store resource ``vector_store`` for documents matching ``query``.")
ContextRetrievalResponseEvent = _typed_view(
    "ContextRetrievalResponseEvent", "_context_retrieval_response_event",
    {"request_id": _REQUIRED, "query": _REQUIRED, "documents": _REQUIRED},
    "Documents found for ``query``.")
