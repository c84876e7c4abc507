"""The Python host: the public face of a plan run."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bridge.api._memory import MemoryObject
from bridge.errors import ActionError, PlanError
from bridge.plan._load import load_plan
from bridge.plan._models import AgentPlan, JavaFunction, PythonFunction
from bridge.runtime._context import HostRunnerContext
from bridge.runtime._executor import ActionExecutor, PythonActionKind
from bridge.runtime._functions import resolve_python_action
from bridge.runtime._memory import MemoryStore, MemoryView
from bridge.runtime._resources import ResourceRegistry
from bridge.runtime._routing import Router
from bridge.runtime._scheduler import ActionRecord, Scheduler


@dataclass
class RunReport:
    """What a run produced: outputs tagged by key, the failures, and counts."""

    outputs: list[tuple[Any, Any]] = field(default_factory=list)
    errors: list[ActionError] = field(default_factory=list)
    inputs: int = 0
    actions: list[ActionRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no action failed."""
        return not self.errors


def _as_plan(plan: AgentPlan | str | os.PathLike[str] | type) -> AgentPlan:
    if isinstance(plan, AgentPlan):
        return plan
    if isinstance(plan, str | os.PathLike):
        return load_plan(plan)
    if isinstance(plan, type):
        return AgentPlan.from_agent(plan)
    raise PlanError(f"Runtime takes an AgentPlan, a plan file path or an Agent class, got {type(plan).__name__}")


class Runtime:
    """Runs a plan over keyed inputs in this process; Java parts run in an embedded JVM when needed.

    Short-term memory of each key is kept across :meth:`run` calls for the life of the runtime.
    """

    def __init__(self, plan: AgentPlan | str | os.PathLike[str] | type, *, workers: int = 8, window: int = 4096,
                 keep_action_log: bool = False, java: Any = None) -> None:
        self.plan = _as_plan(plan)
        self._keep_action_log = keep_action_log
        self._java = java
        self._services: Any = None
        self._resources = ResourceRegistry(self.plan, java_factory=self._java_resource)
        self._config = self.plan.conf_data
        self._window = window
        router = Router(self.plan)
        kinds = {name: self._action_kind(name, action.exec) for name, action in self.plan.actions.items()}

        def make_executor(dispatch: Any) -> ActionExecutor:
            executor = ActionExecutor(dispatch)
            for name, kind in kinds.items():
                executor.register(name, kind)
            return executor

        self._scheduler = Scheduler(router, make_executor, self._context, workers)

    # -- wiring -------------------------------------------------------------------------------------
    def _action_kind(self, name: str, exec: PythonFunction | JavaFunction) -> Any:
        if isinstance(exec, PythonFunction):
            return PythonActionKind(resolve_python_action(name, exec.module, exec.qualname))
        return self._java_bridge().java_action(name, exec, self.plan.actions[name].config, self._config,
                                               self._host_services())

    def _java_bridge(self) -> Any:
        if self._java is None:
            from bridge.jvm import default_bridge

            self._java = default_bridge(self._config)
        return self._java

    def _java_resource(self, provider: Any) -> Any:
        return self._java_bridge().create_resource(provider, self._host_services())

    def _host_services(self) -> Any:
        if self._services is None:
            from bridge.jvm import HostServices

            self._services = HostServices(resources=self._resources, wake=lambda ref: self._scheduler.wake(ref))
        return self._services

    def _context(self, key: Any, store: MemoryStore, action: str) -> HostRunnerContext:
        return HostRunnerContext(key, store, self._resources, self._config, self.plan.actions[action].config)

    # -- running ------------------------------------------------------------------------------------
    def run(self, inputs: Iterable[tuple[Any, Any]], *, on_output: Callable[[Any, Any], None] | None = None,
            on_progress: Callable[[int], None] | None = None) -> RunReport:
        """Process ``(key, input)`` pairs; outputs are collected and also passed to ``on_output``.

        An action that raises fails the event (and the rest of that input's run) with an
        :class:`ActionError`; other keys and later inputs go on, and the report lists every failure.
        """
        report = RunReport()

        def output(key: Any, value: Any) -> None:
            report.outputs.append((key, value))
            if on_output is not None:
                on_output(key, value)

        def input_done() -> None:
            report.inputs += 1
            if on_progress is not None:
                on_progress(report.inputs)

        on_action = report.actions.append if self._keep_action_log else None
        self._scheduler.run(iter(inputs), self._window, output, report.errors.append, on_action, input_done)
        return report

    def short_term_memory(self, key: Any) -> MemoryObject:
        """The short-term memory of ``key`` (for inspection between runs)."""
        return MemoryView(self._scheduler.store_for(key), "short_term")

    def close(self) -> None:
        """Release the worker threads."""
        self._scheduler.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
