"""The plan models' validator: typed fields, defaults, aliases, open or closed models, problems with field paths.

Written by hand instead of pydantic because a plan is small and read once, while importing pydantic cost
about 120 ms of every start (``import bridge`` went from 118 ms to ~240 ms with it; see bench/README.md). It
keeps what the plan needs of pydantic's behaviour, and nothing more:

- every problem of the data is collected (not only the first), each with its field path, in field order;
- a model's own check (``_check``) runs only when its fields are valid, and a ``ValueError`` it raises is a
  problem at the model's path;
- a closed model refuses unknown keys, an open one keeps them (``model_extra``) and writes them back;
- ``model_dump(exclude_unset=True)`` writes only the fields the data gave (or code set), so a plan read and
  written back equals its input, whichever optional fields it used.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from typing import Any, ClassVar

from bridge.errors import PlanError

Loc = tuple[str | int, ...]
BAD: Any = object()  # what a check returns for a value it reported as a problem
_MISSING: Any = object()


class Problems:
    """The problems found in one validation, in the order met: ``(field path, message)``."""

    def __init__(self) -> None:
        self.items: list[tuple[Loc, str]] = []

    def add(self, loc: Loc, message: str) -> Any:
        """Record a problem; returns :data:`BAD` so a check can ``return problems.add(...)``."""
        self.items.append((loc, message))
        return BAD

    def raise_if_any(self, file: str | None = None) -> None:
        """A :class:`PlanError` listing every problem, at the path of the first one."""
        if self.items:
            lines = [f"{render(loc)}: {message}" for loc, message in self.items]
            raise PlanError("invalid plan:\n  " + "\n  ".join(lines), file=file, path=render(self.items[0][0]))


def render(loc: Loc) -> str:
    """A field path as the plan spells it: ``actions.a.exec``, ``[0]`` for a list item, ``<root>`` for the plan."""
    parts: list[str] = []
    for item in loc:
        parts.append(f"[{item}]" if isinstance(item, int) else ("." if parts else "") + item)
    return "".join(parts) or "<root>"


Check = Callable[[Any, Loc, Problems], Any]  # (value, path, problems) -> the value to keep, or BAD


def string(value: Any, loc: Loc, problems: Problems) -> Any:
    """A ``str``."""
    return value if isinstance(value, str) else problems.add(loc, "Input should be a valid string")


def anything(value: Any, loc: Loc, problems: Problems) -> Any:
    """Any value, kept as it is (open parts of the plan: configuration, arguments, serialized forms)."""
    return value


def optional(check: Check) -> Check:
    """``None`` or what ``check`` accepts."""
    return lambda value, loc, problems: None if value is None else check(value, loc, problems)


def literal(expected: str) -> Check:
    """Exactly ``expected`` (a type tag)."""
    def check(value: Any, loc: Loc, problems: Problems) -> Any:
        return value if value == expected else problems.add(loc, f"Input should be '{expected}'")
    return check


def list_of(item: Check) -> Check:
    """A list (or tuple) whose items ``item`` accepts; a new list."""
    def check(value: Any, loc: Loc, problems: Problems) -> Any:
        if not isinstance(value, list | tuple):
            return problems.add(loc, "Input should be a valid list")
        out = [item(v, (*loc, i), problems) for i, v in enumerate(value)]
        return BAD if BAD in out else out
    return check


def dict_of(item: Check) -> Check:
    """A dict with ``str`` keys whose values ``item`` accepts; a new dict."""
    def check(value: Any, loc: Loc, problems: Problems) -> Any:
        if not isinstance(value, dict):
            return problems.add(loc, "Input should be a valid dictionary")
        out = {}
        bad = False
        for key, v in value.items():
            if not isinstance(key, str):
                bad = problems.add((*loc, key, "[key]"), "Input should be a valid string")
            checked = item(v, (*loc, key), problems)
            bad = bad or checked is BAD
            out[key] = checked
        return BAD if bad else out
    return check


def tagged(tag: str, choices: dict[str, type[WireModel]], default: str | None = None) -> Check:
    """One of several models, chosen by the value of the ``tag`` key (``default`` when the key is absent)."""
    expected = ", ".join(f"'{name}'" for name in choices)

    def check(value: Any, loc: Loc, problems: Problems) -> Any:
        if isinstance(value, WireModel) and type(value) in choices.values():
            return value
        if not isinstance(value, dict):
            return problems.add(loc, "Input should be a valid dictionary or object to extract fields from")
        name = value.get(tag, default)
        if name is None:
            return problems.add(loc, f"Unable to extract tag using discriminator '{tag}'")
        model = choices.get(name) if isinstance(name, str) else None
        if model is None:
            return problems.add(loc, f"Input tag '{name}' found using '{tag}' does not match any of the "
                                     f"expected tags: {expected}")
        return model.validate(value, loc, problems)
    return check


class Field:
    """One field of a :class:`WireModel`: its check, its default (a value or a factory) and its wire alias."""

    __slots__ = ("name", "check", "default", "factory", "alias")

    def __init__(self, check: Check, default: Any = _MISSING, *, factory: Callable[[], Any] | None = None,
                 alias: str | None = None) -> None:
        self.name = ""
        self.check = check
        self.default = default
        self.factory = factory
        self.alias = alias

    @property
    def required(self) -> bool:
        """No default: the data must give it."""
        return self.default is _MISSING and self.factory is None

    def default_value(self) -> Any:
        """The value of a field the data did not give (a new one from the factory each time)."""
        return self.factory() if self.factory is not None else self.default


def field(check: Check, default: Any = _MISSING, *, factory: Callable[[], Any] | None = None,
          alias: str | None = None) -> Any:
    """A model field, declared in the class body in wire order (``module: str`` assigned this, with a check)."""
    return Field(check, default, factory=factory, alias=alias)


class WireModel:
    """A plan model: fields declared with :func:`field`, validated from wire data, dumped back losslessly.

    ``open = True`` in the class statement keeps unknown keys (``model_extra``) where upstream keeps open
    dictionaries; otherwise an unknown key is a problem. Attribute access reads fields and extras alike.
    """

    _fields: ClassVar[dict[str, Field]] = {}
    _by_key: ClassVar[dict[str, Field]] = {}
    _open: ClassVar[bool] = False
    model_extra: dict[str, Any] | None
    model_fields_set: set[str]

    def __init_subclass__(cls, *, open: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = {name: value for name, value in vars(cls).items() if isinstance(value, Field)}
        for name, spec in fields.items():
            spec.name = name
            delattr(cls, name)  # instances hold the values
        cls._fields = fields
        cls._by_key = {**fields, **{spec.alias: spec for spec in fields.values() if spec.alias}}
        cls._open = open

    def __init__(self, **data: Any) -> None:
        """Build from field values (by name or alias), validated as wire data is."""
        problems = Problems()
        self._fill(data, (), problems)
        if not problems.items:
            self._after((), problems)
        problems.raise_if_any()

    # -- validation ---------------------------------------------------------------------------------------
    @classmethod
    def validate(cls, data: Any, loc: Loc, problems: Problems) -> Any:
        """The model for ``data`` (a dict, or already a model), or :data:`BAD` with the problems recorded."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            return problems.add(loc, f"Input should be a valid dictionary or instance of {cls.__name__}")
        self = cls.__new__(cls)
        before = len(problems.items)
        self._fill(data, loc, problems)
        if len(problems.items) == before:
            self._after(loc, problems)
        return self if len(problems.items) == before else BAD

    @classmethod
    def model_validate(cls, data: Any) -> Any:
        """Validate wire data; a :class:`PlanError` lists every problem with its field path."""
        problems = Problems()
        model = cls.validate(data, (), problems)
        problems.raise_if_any()
        return model

    def _fill(self, data: dict[str, Any], loc: Loc, problems: Problems) -> None:
        values: dict[str, tuple[str, Any]] = {}  # field name -> (the key the data used, the value)
        given: set[str] = set()
        extra: dict[str, Any] = {}
        for key, value in data.items():
            spec = self._by_key.get(key) if isinstance(key, str) else None
            if spec is None:
                extra[key] = value
            elif spec.name not in given:  # both the name and the alias given: the first one counts
                given.add(spec.name)
                values[spec.name] = (key, value)
        state = self.__dict__
        for name, spec in self._fields.items():
            if name in values:
                key, value = values[name]
                state[name] = spec.check(value, (*loc, key), problems)
            elif spec.required:
                problems.add((*loc, spec.alias or name), "Field required")
            else:
                state[name] = spec.default_value()
        if not self._open:  # after the fields' problems, as every field's come first
            for key in extra:
                problems.add((*loc, key), "Extra inputs are not permitted")
        state["model_extra"] = extra if self._open else None
        state["model_fields_set"] = given

    def _after(self, loc: Loc, problems: Problems) -> None:
        try:
            self._check()
        except ValueError as exc:
            problems.add(loc, str(exc))

    def _check(self) -> None:
        """The model's own rules across fields; raise ``ValueError`` naming the field path to refuse."""

    # -- access -------------------------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        extra = self.__dict__.get("model_extra")
        if extra and name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._fields:
            self.model_fields_set.add(name)  # set by code: written back like a given field
        super().__setattr__(name, value)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, WireModel)
        return (all(self.__dict__[n] == other.__dict__[n] for n in self._fields)
                and self.model_extra == other.model_extra)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dicts it stands for

    def __repr__(self) -> str:
        shown = [f"{name}={self.__dict__[name]!r}" for name in self._fields]
        shown += [f"{key}={value!r}" for key, value in (self.model_extra or {}).items()]
        return f"{type(self).__name__}({', '.join(shown)})"

    # -- output -------------------------------------------------------------------------------------------
    def model_dump(self, *, mode: str = "python", by_alias: bool = False, exclude_unset: bool = False,
                   exclude_none: bool = False) -> dict[str, Any]:
        """The model as plain values: fields in declaration order, then extras.

        ``mode="json"`` makes every value JSON's (dates as ISO text, bytes as text, tuples as lists, NaN as
        null); ``exclude_unset`` leaves out fields the data did not give; ``exclude_none`` fields that are None.
        """
        options = (mode == "json", by_alias, exclude_unset, exclude_none)
        out: dict[str, Any] = {}
        for name, spec in self._fields.items():
            if exclude_unset and name not in self.model_fields_set:
                continue
            value = self.__dict__[name]
            if not (exclude_none and value is None):
                out[spec.alias if by_alias and spec.alias else name] = _dump(value, options)
        for key, value in (self.model_extra or {}).items():
            if not (exclude_none and value is None):
                out[key] = _dump(value, options)
        return out


def _dump(value: Any, options: tuple[bool, bool, bool, bool]) -> Any:
    if isinstance(value, WireModel):
        json_mode, by_alias, exclude_unset, exclude_none = options
        return value.model_dump(mode="json" if json_mode else "python", by_alias=by_alias,
                                exclude_unset=exclude_unset, exclude_none=exclude_none)
    if isinstance(value, dict):
        return {key: _dump(item, options) for key, item in value.items()}
    if isinstance(value, list) or (options[0] and isinstance(value, tuple | set | frozenset)):
        return [_dump(item, options) for item in value]
    if options[0]:
        return _json_scalar(value)
    return value


def _json_scalar(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime.date | datetime.time):  # YAML reads unquoted dates as dates
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value
