"""Declaring an agent in Python: a class whose static methods are marked as actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from bridge.api._events import Event

F = TypeVar("F")
TRIGGERS_ATTR = "__bridge_triggers__"


class Agent:
    """Base class of agents declared in Python; compile one with ``AgentPlan.from_agent(MyAgent)``.

    Class attributes that are read when compiling: ``config`` (a dict, the plan's ``conf_data``) and
    ``resource_providers`` (plan wire form, ``{type: {name: provider}}``).
    """

    config: dict[str, Any] = {}
    resource_providers: dict[str, dict[str, Any]] = {}


def _trigger_name(trigger: str | type[Event]) -> str:
    if isinstance(trigger, str):
        return trigger
    if isinstance(trigger, type) and issubclass(trigger, Event) and trigger.EVENT_TYPE:
        return trigger.EVENT_TYPE
    raise TypeError(f"@action takes event type names or typed Event classes, got {trigger!r}")


def action(*triggers: str | type[Event]) -> Callable[[F], F]:
    """Mark a static method as an action triggered by the given event types or conditions.

    ``@action(InputEvent)`` and ``@action("_input_event")`` are the same; works above or below
    ``@staticmethod``.
    """
    if not triggers:
        raise TypeError("@action needs at least one trigger, e.g. @action(InputEvent)")
    names = [_trigger_name(t) for t in triggers]

    def mark(fn: F) -> F:
        target = fn.__func__ if isinstance(fn, staticmethod) else fn
        if not callable(target):
            raise TypeError(f"@action decorates functions, got {fn!r}")
        setattr(target, TRIGGERS_ATTR, names)
        return fn

    return mark
