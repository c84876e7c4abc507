"""Which actions an event triggers, compiled once per plan."""

from __future__ import annotations

from bridge.api._events import Event
from bridge.errors import PlanError
from bridge.plan._models import AgentPlan
from bridge.plan._triggers import TriggerError, TriggerSet


class Router:
    """Event type → actions, in plan order; expression triggers are checked per event."""

    def __init__(self, plan: AgentPlan) -> None:
        self._by_type: dict[str, list[str]] = {}
        self._with_expressions: list[tuple[int, str, TriggerSet]] = []
        self._order: dict[str, int] = {}
        for index, (name, action) in enumerate(plan.actions.items()):
            self._order[name] = index
            try:
                triggers = TriggerSet(action.triggers)
            except TriggerError as exc:
                raise PlanError(f"action '{name}': {exc}", path=f"actions.{name}.trigger_conditions") from None
            for event_type in triggers.event_types:
                self._by_type.setdefault(event_type, []).append(name)
            if triggers.expressions:
                self._with_expressions.append((index, name, triggers))
        self._cache: dict[str, list[str]] = {}

    def actions_for(self, event: Event) -> list[str]:
        """Names of the actions ``event`` triggers, each once, in plan order."""
        typed = self._by_type.get(event.type, [])
        if not self._with_expressions:
            return typed
        extra = [n for _, n, ts in self._with_expressions
                 if n not in typed and ts.matches(event.type, event.attributes)]
        if not extra:
            return typed
        return typed + extra  # type matches first, then condition-only matches (upstream order)
