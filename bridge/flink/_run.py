"""What ``bridge flink run`` does: ``bridge run``'s session (:mod:`bridge._runner`) with a Flink job doing the work.

The same order and the same code as ``bridge run``: the output is checked and locked first, the input is read
and its bad lines reported (``file:line``, skip or stop) before the job starts, and results go to a temp file
that replaces ``--output`` only at the end; the summary, error lines and exit codes are ``bridge run``'s.
The checked lines are staged in a work folder beside the output, which the job reads with Flink's file source;
its committed part files are gathered into ``--output`` once the job finished. SIGTERM and Ctrl-C cancel the
job (Flink stops its tasks and Python workers); past ``--grace`` the process leaves anyway.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, cast

from bridge._jsonl import InputReader, OnBadInput
from bridge._runner import RunOptions, _Session
from bridge._signals import StopOnSignal
from bridge.api._values import dumps, loads
from bridge.errors import BridgeError, FlinkJobError, StateError


class _JobFailure:
    """One failed event as the job reported it: what ``bridge run`` prints for an ActionError."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.text = record["error"]
        self.details = record.get("details") or ""

    def __str__(self) -> str:
        return self.text


class _JobReport:
    """The parts of a RunReport that ``bridge run``'s summary reads."""

    def __init__(self, inputs: int, errors: list[_JobFailure]) -> None:
        self.inputs = inputs
        self.errors = errors


def check_state(state: str | None, parallelism: int) -> None:
    """Refuse a state the job's slots cannot share: each slot's worker is a process of its own."""
    if state is None or parallelism == 1 or state.startswith(("postgresql://", "postgres://")):
        return
    raise StateError(f"--state {state} is a SQLite file, which one process can use at a time; a job with "
                     f"--parallelism {parallelism} runs a worker per slot (on any TaskManager), so its durable "
                     "calls need the shared store: give a postgresql:// URL, or --parallelism 1")


# Settings under which the job's Python workers import from elsewhere than this process: a remote cluster's
# machines, or files shipped to the workers; the plan's imports are then checked there only.
_ELSEWHERE = ("execution.target", "python.files", "python.archives", "python.pythonpath", "python.requirements")


def check_python_actions(plan: Any) -> None:
    """Import the plan's Python actions here first, as ``bridge run`` does before its first input.

    On a local MiniCluster the Python workers run this interpreter in this environment, so an action that cannot
    be imported here fails there too: said at once as the plan's error (exit 2), not after the job failed in every
    worker through its restarts (over a minute, a traceback per attempt).
    """
    from bridge.plan import PythonFunction
    from bridge.runtime._functions import resolve_python_action

    for name, action in plan.actions.items():
        if isinstance(action.exec, PythonFunction):
            resolve_python_action(name, action.exec.module, action.exec.qualname)


class FlinkSession(_Session):
    """One ``bridge flink run``: ``bridge run``'s session whose work is a Flink job; ``execute()`` is the exit code."""

    def __init__(self, opts: RunOptions, *, parallelism: int = 1, checkpoint_ms: int = 1000,
                 config: dict[str, str] | None = None) -> None:
        super().__init__(opts)
        self.config = dict(config or {})
        self.parallelism = parallelism
        self.checkpoint_ms = checkpoint_ms
        self.work: Path | None = None
        self.staged = 0
        self._client: Any = None
        self._cancelled = threading.Event()

    def execute(self) -> int:  # noqa: D102
        try:
            with StopOnSignal(self.opts.grace, self._abandon) as stopper:
                self.stopper = stopper
                return self._execute(stopper)
        finally:
            if self.work is not None:
                shutil.rmtree(self.work, ignore_errors=True)

    def _execute(self, stopper: StopOnSignal) -> int:
        try:
            check_state(self.opts.state, self.parallelism)
            self._open_output()
            stream, name, _live = self._open_input()
            self.sink = self._make_sink(False)
            self.reader = InputReader(stream, name, on_bad=cast(OnBadInput, self.opts.on_bad_input),
                                      report=self._bad_line)
            self._stage(self.reader)
            from bridge.plan import check_allowed, load_plan

            plan = load_plan(self.opts.plan)
            check_allowed(plan, tuple(self.opts.allow) or None)
            if not any(name in self.config for name in _ELSEWHERE):
                check_python_actions(plan)
            from bridge.flink._job import key_jars

            key_jars()  # the job cannot start without them: said now, the output as it was
        except BridgeError as exc:
            return self._end_early(f"error: {exc}", 2)
        if stopper.code is not None:
            return self._end_early("stopped before the job started; nothing ran", stopper.code)
        stopper.attach(self._cancel)
        error = self._run_job(plan)
        report = self._gather(finished=error is None and stopper.code is None)
        stopper.finished()
        with self._ending:
            self._ended = True
            return self._finish(report, error)

    def _stage(self, reader: InputReader) -> None:
        """Write the input's good lines for the job's file source, in a work folder beside the output."""
        where = self.opts.output.parent if self.opts.output is not None else None
        self.work = Path(tempfile.mkdtemp(prefix=".bridge-flink-", dir=where))
        with open(self.work / "inputs.staged", "w", encoding="utf-8") as staged:
            for key, value in reader:
                staged.write(dumps({"key": key, "input": value}).decode() + "\n")
                self.staged += 1

    # -- the job -------------------------------------------------------------------------------------
    def _run_job(self, plan: Any) -> BaseException | None:
        from bridge.flink._job import JobOptions, environment, file_job

        assert self.work is not None
        runtime: dict[str, Any] = {"workers": self.opts.workers, "max_steps": self.opts.max_steps,
                                   "call_timeout": self.opts.call_timeout, "allow": tuple(self.opts.allow) or None}
        if self.opts.state is not None:
            runtime["state"] = self.opts.state
        opts = JobOptions(parallelism=self.parallelism, checkpoint_ms=self.checkpoint_ms, runtime=runtime,
                          config=self.config)
        try:
            env = environment(opts)
            file_job(env, plan, str(self.work / "inputs.staged"), str(self.work / "outputs"),
                     str(self.work / "errors"), opts)
            self._client = env.execute_async(f"bridge {plan.agent_name or self.opts.plan.name}")
            if self._cancelled.is_set():
                self._cancel(0)
            self._wait()
        except BridgeError as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - py4j's errors carry Flink's reason; say it as the job's failure
            return FlinkJobError(f"the Flink job failed: {_root_cause(exc)}")
        return None

    def _wait(self) -> None:
        """Wait for the job's end; a cancel (the signal watchdog's thread) ends the wait with the job's failure.

        The local MiniCluster shuts down as soon as its job ends, so the result future is the one thing to
        wait on (a status poll would find the cluster gone).
        """
        try:
            self._client.get_job_execution_result().result()
        except BaseException:
            if self._cancelled.is_set():
                return  # the cancel this command asked for, not a failure
            raise

    def _cancel(self, grace: float) -> None:
        self._cancelled.set()
        if self._client is not None:
            self._client.cancel()

    # -- after the job -------------------------------------------------------------------------------
    def _gather(self, *, finished: bool) -> _JobReport:
        """Write the committed outputs through the sink and read the failed events the job reported."""
        from bridge.flink._job import finished_parts

        assert self.work is not None and self.sink is not None
        for part in finished_parts(str(self.work / "outputs")):
            with open(part, "rb") as f:
                for line in f:
                    record = loads(line)
                    self.sink.write(record["key"], record["output"])
        errors = []
        for part in finished_parts(str(self.work / "errors")):
            with open(part, "rb") as f:
                errors.extend(_JobFailure(loads(line)) for line in f)
        self.finished_inputs = self.staged if finished else 0
        return _JobReport(self.finished_inputs, errors)


def _root_cause(exc: BaseException) -> str:
    """The innermost Java cause of a py4j error (Flink wraps a task's failure several times), else the text."""
    java = getattr(exc, "java_exception", None)
    if java is None:
        return str(exc)
    while java.getCause() is not None:
        java = java.getCause()
    text = str(java.toString())
    # A Python worker's failure arrives as its whole traceback: its last exception line says what went wrong.
    raised = [line for line in text.splitlines() if re.match(r"^[\w.]+(Error|Exception|Interrupt|Exit)\b.*", line)]
    return raised[-1] if raised else text
