"""The Python host: the public face of a plan run."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bridge.api._memory import MemoryObject
from bridge.errors import ActionError, PlanError
from bridge.plan._allow import check_allowed, check_resolved, named_code
from bridge.plan._load import load_plan
from bridge.plan._models import AgentPlan, JavaFunction, PythonFunction
from bridge.runtime._context import HostRunnerContext
from bridge.runtime._executor import ActionExecutor, PythonActionKind
from bridge.runtime._functions import resolve_python_action
from bridge.runtime._java import HostServices, JavaHost, default_java
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
    stopped: bool = False  # request_stop() ended the run before every input was read and finished
    not_started: int = 0  # inputs read but not started when the run was stopped

    @property
    def ok(self) -> bool:
        """True when no action failed."""
        return not self.errors


DEFAULT_CALL_TIMEOUT = 300.0  # seconds a durable call may take unless the call, the runtime or the plan says


def _timeout(value: Any) -> float:
    if value is None:
        return DEFAULT_CALL_TIMEOUT
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise PlanError(f"a call timeout is a positive number of seconds (inf for no limit), got {value!r}",
                        path="config.conf_data.bridge.call_timeout")
    return float(value)


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

    ``max_steps`` bounds the action steps of one input's run (an event that triggers itself fails the input
    with :class:`~bridge.errors.StepLimitError` instead of running forever); ``call_timeout`` is the default
    timeout in seconds of durable calls (when not given: the plan's ``bridge.call_timeout``, else 300 s;
    ``math.inf`` for no limit); ``window`` bounds how many read inputs may be unfinished at once.
    """

    def __init__(self, plan: AgentPlan | str | os.PathLike[str] | type, *, workers: int = 8, window: int = 4096,
                 max_steps: int = 10_000, call_timeout: float | None = None, keep_action_log: bool = False,
                 java: JavaHost | None = None,
                 allow: Sequence[str] | None = None) -> None:
        for name, value, low in (("workers", workers, 1), ("window", window, 1), ("max_steps", max_steps, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"Runtime({name}=...) must be an integer of at least {low}, got {value!r}")
        self.plan = _as_plan(plan)
        check_allowed(self.plan, allow)  # before anything the plan names is imported or instantiated
        self._allow = allow
        self._named = {code.path: code for code in named_code(self.plan)}
        self._keep_action_log = keep_action_log
        self._java = java
        self._services: Any = None
        self._resources = ResourceRegistry(self.plan, java_factory=self._java_resource, vet=self._vet)
        self._config = self.plan.conf_data
        self._window = window
        self._call_timeout = _timeout(call_timeout if call_timeout is not None
                                      else self._config.get("bridge.call_timeout"))
        router = Router(self.plan)
        kinds = {name: self._action_kind(name, action.exec) for name, action in self.plan.actions.items()}

        def make_executor(dispatch: Any) -> ActionExecutor:
            executor = ActionExecutor(dispatch)
            for name, kind in kinds.items():
                executor.register(name, kind)
            return executor

        self._scheduler = Scheduler(router, make_executor, self._context, workers, max_steps)

    # -- wiring -------------------------------------------------------------------------------------
    def _vet(self, obj: Any, field: str) -> None:
        """After import, refuse an object whose origin the allow policy refuses (a re-exported ``subprocess.run``)."""
        check_resolved(obj, self._named[field], self._allow)

    def _action_kind(self, name: str, exec: PythonFunction | JavaFunction) -> Any:
        if isinstance(exec, PythonFunction):
            fn = resolve_python_action(name, exec.module, exec.qualname)
            self._vet(fn, f"actions.{name}.exec.module")
            return PythonActionKind(fn)
        # Java reads its durable calls' timeout from the plan config: give it the effective one (None: no limit).
        timeout = None if self._call_timeout == math.inf else self._call_timeout
        return self._java_bridge().java_action(name, exec, self.plan.actions[name].config,
                                               {**self._config, "bridge.call_timeout": timeout},
                                               self._host_services())

    def _java_bridge(self) -> JavaHost:
        if self._java is None:
            self._java = default_java(self._config)
        return self._java

    def _java_resource(self, provider: Any) -> Any:
        return self._java_bridge().create_resource(provider, self._host_services())

    def _host_services(self) -> HostServices:
        if self._services is None:
            self._services = HostServices(resources=self._resources, wake=lambda ref: self._scheduler.wake(ref))
        return self._services

    def _context(self, key: Any, store: MemoryStore, action: str) -> HostRunnerContext:
        return HostRunnerContext(key, store, self._resources, self._config, self.plan.actions[action].config,
                                 self._call_timeout)

    # -- running ------------------------------------------------------------------------------------
    def run(self, inputs: Iterable[tuple[Any, Any]], *, on_output: Callable[[Any, Any], None] | None = None,
            on_progress: Callable[[int], None] | None = None, live: bool = False) -> RunReport:
        """Process ``(key, input)`` pairs; outputs are collected and also passed to ``on_output``.

        An action that raises fails the event (and the rest of that input's run) with an
        :class:`ActionError`; its memory writes are rolled back and its events are not sent; other keys and
        later inputs go on, and the report lists every failure. ``live=True`` reads ``inputs`` on a thread
        (for a source that blocks, such as standard input) so earlier inputs run while later ones are awaited.
        If this method raises, nothing of the unfinished work is left for the next run.
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
        report.stopped = self._scheduler.run(iter(inputs), self._window, output, report.errors.append, on_action,
                                             input_done, live)
        report.not_started = self._scheduler.not_started
        return report

    def request_stop(self, grace: float = 5.0) -> None:
        """Stop the current run; safe from a signal handler or any thread.

        No more inputs are taken; inputs under way may finish within ``grace`` seconds, then :meth:`run`
        returns with ``report.stopped``.
        """
        self._scheduler.request_stop(grace)

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
