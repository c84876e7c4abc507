"""Which actions an event triggers, compiled once per plan."""

from __future__ import annotations

from collections.abc import Collection

from bridge.api._events import Event
from bridge.errors import PlanError
from bridge.plan._models import AgentPlan
from bridge.plan._triggers import TriggerError, TriggerSet


class Router:
    """Event type → actions, in plan order; expression triggers are checked per event."""

    def __init__(self, plan: AgentPlan) -> None:
        self._by_type: dict[str, list[str]] = {}
        self._with_expressions: list[tuple[str, TriggerSet]] = []
        for name, action in plan.actions.items():
            try:
                triggers = TriggerSet(action.triggers)
            except TriggerError as exc:
                raise PlanError(f"action '{name}': {exc}", path=f"actions.{name}.trigger_conditions") from None
            for event_type in triggers.event_types:
                self._by_type.setdefault(event_type, []).append(name)
            if triggers.expressions:
                self._with_expressions.append((name, triggers))

    def trigger_nothing(self, events: Collection[Event]) -> bool:
        """True when none of ``events`` surely triggers an action (no type match and no condition to evaluate)."""
        if self._with_expressions:
            return not events
        by_type = self._by_type
        for event in events:
            if event.type in by_type:
                return False
        return True

    def actions_for(self, event: Event) -> list[str]:
        """Names of the actions ``event`` triggers, each once.

        Type matches come first in plan order, then actions matched only by a condition, in plan order:
        the upstream rule (``ordering_dedupe_type_first`` in the trigger-condition fixture).
        """
        typed = self._by_type.get(event.type, [])
        if not self._with_expressions:
            return typed
        extra = [n for n, ts in self._with_expressions
                 if n not in typed and ts.matches(event.type, event.attributes)]
        if not extra:
            return typed
        return typed + extra
