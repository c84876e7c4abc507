"""The Python host: the public face of a plan run."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from bridge.api._memory import MemoryObject
from bridge.errors import ActionError, PlanError, StateError
from bridge.plan._allow import check_allowed, check_resolved, named_code
from bridge.plan._load import load_plan
from bridge.plan._models import AgentPlan, JavaFunction, JavaResourceProvider, PythonFunction
from bridge.runtime._context import HostRunnerContext
from bridge.runtime._durable import WAIT_FID
from bridge.runtime._executor import ActionExecutor, PythonActionKind
from bridge.runtime._functions import resolve_python_action
from bridge.runtime._java import HostServices, JavaHost, default_java
from bridge.runtime._memory import MemoryStore, MemoryView
from bridge.runtime._resources import ResourceRegistry
from bridge.runtime._routing import Router
from bridge.runtime._scheduler import ActionRecord, Scheduler
from bridge.store import CallRecord, KeyRecord, StateStore, kid_of, now, open_store


@dataclass
class RunReport:
    """What a run produced: outputs tagged by key, the failures, and counts."""

    outputs: list[tuple[Any, Any]] = field(default_factory=list)
    errors: list[ActionError] = field(default_factory=list)
    inputs: int = 0
    actions: list[ActionRecord] = field(default_factory=list)
    stopped: bool = False  # request_stop() ended the run before every input was read and finished
    not_started: int = 0  # inputs read but not started when the run was stopped
    failures: int = 0  # failed events, also those a run with ``on_input_end`` handed out and did not keep

    @property
    def ok(self) -> bool:
        """True when no action failed."""
        return not self.errors and not self.failures


DEFAULT_CALL_TIMEOUT = 300.0  # seconds a durable call may take unless the call, the runtime or the plan says


def _timeout(value: Any) -> float:
    if value is None:
        return DEFAULT_CALL_TIMEOUT
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise PlanError(f"a call timeout is a positive number of seconds (inf for no limit), got {value!r}",
                        path="config.conf_data.bridge.call_timeout")
    return float(value)


def plan_identity(plan: AgentPlan) -> dict[str, Any]:
    """What a state compares to know it belongs to this plan: its actions and its resources, as JSON."""
    return {"actions": {name: action.model_dump(mode="json", exclude_none=True)
                        for name, action in plan.actions.items()},
            "resources": {rtype: {name: provider.model_dump(mode="json", exclude_none=True)
                                  for name, provider in providers.items()}
                          for rtype, providers in plan.resource_providers.items()}}


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

    ``jvm`` picks how Java is reached when ``java`` is not given: ``"jpype"`` (the JVM in this process) or
    ``"py4j"`` (the JVM in a child process over loopback, for a process that cannot load one); when not given,
    the plan's ``bridge.jvm.mode``, else JPype. Results are the same either way.
    """

    def __init__(self, plan: AgentPlan | str | os.PathLike[str] | type, *, workers: int = 8, window: int = 4096,
                 max_steps: int = 10_000, call_timeout: float | None = None, keep_action_log: bool = False,
                 java: JavaHost | None = None, jvm: str | None = None,
                 allow: Sequence[str] | None = None, state: str | os.PathLike[str] | StateStore | None = None,
                 strict: bool = False, force: bool = False) -> None:
        for name, value, low in (("workers", workers, 1), ("window", window, 1), ("max_steps", max_steps, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"Runtime({name}=...) must be an integer of at least {low}, got {value!r}")
        if jvm not in (None, "jpype", "py4j"):
            raise ValueError(f"Runtime(jvm=...) must be 'jpype' or 'py4j', got {jvm!r}")
        self.plan = _as_plan(plan)
        check_allowed(self.plan, allow)  # before anything the plan names is imported or instantiated
        self._allow = allow
        self._named = {code.path: code for code in named_code(self.plan)}
        self._keep_action_log = keep_action_log
        self._java = java
        self._java_prepared = False
        self._services: Any = None
        self._resources = ResourceRegistry(self.plan, java_factory=self._java_resource, vet=self._vet)
        self._config = self.plan.conf_data
        self._jvm = jvm
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

        self._state: StateStore | None = None
        if state is not None:
            self._state = open_store(state)
            try:
                self._state.bind(plan_identity(self.plan), force=force)
                self._state.lock_runner()
            except BaseException:
                self._state.close()
                raise
        self._scheduler = Scheduler(router, make_executor, self._context, workers, max_steps, self._state, strict)

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
            mode = {} if self._jvm is None else {"bridge.jvm.mode": self._jvm}
            self._java = default_java({**self._config, **mode})
        if not self._java_prepared:  # once Java is reached: the plan's Java resources may start slow loads now
            self._java_prepared = True
            prepare = getattr(self._java, "prepare_resources", None)  # hosts written before it have none
            if prepare is not None:
                prepare([provider for providers in self.plan.resource_providers.values()
                         for provider in providers.values() if isinstance(provider, JavaResourceProvider)])
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
            on_progress: Callable[[int], None] | None = None, live: bool = False,
            source: str | None = None, skip_taken: bool = True,
            on_error: Callable[[ActionError], None] | None = None,
            on_input_end: Callable[[Any, Any], None] | None = None,
            memory_of: Callable[[Any], Any] | None = None) -> RunReport:
        """Process ``(key, input)`` pairs; outputs are collected and also passed to ``on_output``.

        An action that raises fails the event (and the rest of that input's run) with an
        :class:`ActionError`; its memory writes are rolled back and its events are not sent; other keys and
        later inputs go on, and the report lists every failure. ``live=True`` reads ``inputs`` on a thread
        (for a source that blocks, such as standard input) so earlier inputs run while later ones are awaited.
        If this method raises, nothing of the unfinished work is left for the next run.

        With a state store, keys an earlier process left unfinished are taken up first, and ``source`` names
        where ``inputs`` come from (an input file): the inputs of that source an earlier run took are skipped
        (unless ``skip_taken=False``: a stream such as a pipe, whose every item is new), so the same call after
        a crash continues where it stopped. Outputs are handed on when the action that
        sent them finishes, once.

        A host that keeps each key's memory itself while the run goes on (``bridge.flink``: Flink keyed state,
        written by a timer of the key) gives ``on_input_end``: called on the scheduler thread, the one that owns
        memory, as each input of a key finishes, with the key and its short-term memory's stored form (what
        :meth:`dump_memory` gives). The runtime then holds nothing for a key with no further input accepted;
        when one comes, ``memory_of(key)`` (on the scheduler thread too) gives the memory back (without
        ``memory_of`` the runtime keeps each key's memory as usual: nothing would give it back). Failures are
        passed to ``on_error`` as they happen, before the input's ``on_input_end``; such a run may last as long as
        its stream, so its report keeps no outputs or failures (only counts: ``failures``, ``ok``).
        """
        report = RunReport()

        # A host handed each input's results as it ends runs for as long as its stream: the report keeps none.
        keep = on_input_end is None

        def output(key: Any, value: Any) -> None:
            if keep:
                report.outputs.append((key, value))
            if on_output is not None:
                on_output(key, value)

        def error(exc: ActionError) -> None:
            report.failures += 1
            if keep:
                report.errors.append(exc)
            if on_error is not None:
                on_error(exc)

        def input_done(ks: Any) -> None:
            report.inputs += 1
            if on_input_end is not None:
                on_input_end(ks.key, ks.store.dump("short_term"))
                if memory_of is not None and not ks.inputs:  # the host has it and gives it back: no copy stays
                    self._scheduler.forget(ks.key)
            if on_progress is not None:
                on_progress(report.inputs)

        on_action = report.actions.append if self._keep_action_log else None
        stream = iter(inputs)
        if self._state is not None and source is not None and skip_taken:
            stream = islice(stream, self._state.source_count(source), None)
        self._scheduler.host_memory(memory_of)
        try:
            report.stopped = self._scheduler.run(stream, self._window, output, error, on_action, input_done, live,
                                                 source)
        finally:
            self._scheduler.host_memory(None)
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

    def dump_memory(self, key: Any) -> Any:
        """The short-term memory of ``key`` in its stored JSON form (None when empty), for a host that keeps it.

        A host that owns each key's state itself between inputs (``bridge.flink``: Flink keyed state, which its
        checkpoints hold) takes this after an input and hands it back with :meth:`load_memory` before the next.
        """
        return self._scheduler.store_for(key).dump("short_term")

    def load_memory(self, key: Any, stored: Any) -> None:
        """Replace the short-term memory of ``key`` with a form :meth:`dump_memory` gave.

        None empties it, and the runtime then holds nothing for the key (a host keeping every key's memory
        itself does not want a second copy of each in the runtime).
        """
        if stored is None:
            self._scheduler.forget(key)
        else:
            self._scheduler.store_for(key).load("short_term", stored)

    # -- the run lifecycle (needs a state store) -----------------------------------------------------
    @property
    def state(self) -> StateStore:
        """The state store (a :class:`StateError` when the runtime has none)."""
        if self._state is None:
            raise StateError("this runtime keeps no state: give it one with Runtime(plan, state='runs.db') or "
                             "bridge run --state FILE")
        return self._state

    def runs(self, status: str | None = None, older_than: float | None = None) -> list[KeyRecord]:
        """Keys and their run status, optionally of one status and unchanged for ``older_than`` seconds."""
        before = None if older_than is None else now() - older_than
        return self.state.runs(status, before)

    def resume(self, key: Any, value: Any, **run_options: Any) -> RunReport:
        """Hand ``value`` to the action of ``key`` that waits in ``wait_for_input``, and run the key on.

        The action runs again from its start: its completed durable calls are replayed and its
        ``wait_for_input`` returns ``value``. Other unfinished keys of the state go on too.
        """
        state = self.state
        record = self._record(key)
        if record.status != "waiting" or not record.wait:
            raise StateError(f"key {key!r} is {record.status}, not waiting for input: only a waiting key can be "
                             "resumed (bridge runs list --status waiting shows them)")
        wait = record.wait
        state.record_call(record.kid, wait["seq"], wait["step"],
                          CallRecord(wait["index"], WAIT_FID, wait["digest"], "done", value))
        state.set_wait(record.kid, None, "running")
        self._scheduler.release_key(record.kid)
        return self.run((), **run_options)

    def retry(self, key: Any, **run_options: Any) -> RunReport:
        """Run the errored input of ``key`` again (its completed durable calls replayed), then its queued inputs."""
        state = self.state
        record = self._record(key, inputs=True)
        if record.status != "error":
            raise StateError(f"key {key!r} is {record.status}, not in error: only a key whose input failed can be "
                             "retried (bridge runs list --status error shows them)")
        failed = [i for i in record.queued if i.status == "error"]
        for item in failed:
            state.requeue(record.kid, item.seq)
        state.set_status(record.kid, "running")
        self._scheduler.release_key(record.kid)
        return self.run((), **run_options)

    def stop(self, key: Any) -> None:
        """No further actions for ``key``: its queued inputs stay queued (a stopped key is not retried)."""
        record = self._record(key)
        self.state.set_status(record.kid, "stopped", stop=True)
        self._scheduler.stop_key(record.kid)

    def _record(self, key: Any, inputs: bool = False) -> KeyRecord:
        record = self.state.get(kid_of(key), inputs=inputs)
        if record is None:
            raise StateError(f"the state {self.state.url} has no key {key!r}")
        return record

    def close(self) -> None:
        """Release the worker threads and the state store."""
        self._scheduler.close()
        if self._state is not None:
            self._state.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
