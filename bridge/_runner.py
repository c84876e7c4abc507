"""What ``bridge run`` does around a :class:`~bridge.runtime.Runtime`: never lose work.

The order matters: the output is checked and locked before anything is read or loaded (a wrong path fails
in a second, not after an hour), the input is opened before the plan loads, and results go to a temp file
that replaces ``--output`` only at the end. Signals stop the run within ``--grace`` seconds whatever runs
(see :mod:`bridge._signals`), and the process leaves with ``os._exit`` once the summary is printed, so a
thread a Java action left behind or a worker blocked in a call cannot keep it alive.

With ``--state`` the run is durable: the input file is its *source* (by absolute path), whose inputs earlier
runs took are skipped, and the temp file starts with every output the state recorded for that source, in
order, before the run's new ones. A killed run's temp file is never put in place, so the file the next run
puts there holds each output exactly once and only whole lines. Standard output cannot be taken back: there,
outputs of earlier runs are not printed again (at most once across a crash).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import click

from bridge._jsonl import InputReader, OnBadInput, count_lines, is_live
from bridge._output import OutputFile, OutputLock, OutputSink, _OutputError, check_folder, remove_state_temps
from bridge._report import KeysSeen, build_report, check_report_path, write_report
from bridge._runs_view import held_lines
from bridge._signals import StopOnSignal
from bridge.errors import BridgeError, InputError

SHOW_BAD_LINES = 20  # bad lines reported one by one; the rest are only counted


STDIN = "<stdin>"  # the source name of standard input under a state


@dataclass(frozen=True)
class RunOptions:
    """The options of ``bridge run``."""

    plan: Path
    input: Path
    output: Path | None
    workers: int = 8
    grace: float = 5.0
    on_bad_input: str = "skip"
    max_steps: int = 10_000
    call_timeout: float | None = None
    allow: tuple[str, ...] = ()
    progress: bool | None = None
    state: str | None = None
    strict: bool = False
    force: bool = False
    report: Path | None = None  # --report: each key's final memory and failures as JSON (bridge._report)
    jvm: str | None = None  # --jvm: jpype or py4j (None: the plan's bridge.jvm, else jpype)

    @property
    def source(self) -> str | None:
        """What a state calls the input: its absolute path (``<stdin>`` for ``-``); None without a state."""
        if self.state is None:
            return None
        return STDIN if str(self.input) == "-" else str(self.input.resolve())


def run_command(opts: RunOptions, *, hard_exit: bool) -> None:
    """Run and leave: ``os._exit`` when ``hard_exit`` (the process is ours), else ``sys.exit``."""
    code = _Session(opts).execute()
    _leave(code, hard_exit)


def _leave(code: int, hard_exit: bool) -> None:
    if not hard_exit:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _echo(message: str) -> None:
    with contextlib.suppress(Exception):
        click.echo(message, err=True)


class _Session:
    """One ``bridge run``: the output, the input, the runtime, and one way to end (normal or abandoned)."""

    def __init__(self, opts: RunOptions) -> None:
        self.opts = opts
        self.lock: OutputLock | None = None
        self.out_file: OutputFile | None = None
        self.sink: OutputSink | None = None
        self.reader: InputReader | None = None
        self.runtime: Any = None
        self.stopper: StopOnSignal | None = None
        self.finished_inputs = 0
        self.bad_lines = 0
        self.skipped_inputs = 0  # taken by earlier runs of the same state and source
        self.earlier_outputs = 0  # recorded by earlier runs, written again into --output
        self._ending = threading.Lock()  # the normal end and an abandon: whoever comes first
        self._ended = False
        self._bar: Any = None
        self.keys_seen: Any = None  # with --report: the keys that had an input line

    # -- the normal path ----------------------------------------------------------------------------
    def execute(self) -> int:
        """The exit code; the output is in place and the summary printed when it returns."""
        with StopOnSignal(self.opts.grace, self._abandon) as stopper:
            self.stopper = stopper
            try:
                self._open_output()
                if self.opts.report is not None:
                    check_report_path(self.opts.report)
                stream, name, live = self._open_input()
                self.sink = self._make_sink(live)
                on_bad = cast(OnBadInput, self.opts.on_bad_input)
                self.reader = InputReader(stream, name, on_bad=on_bad, report=self._bad_line)
                runtime = self._load()
            except BridgeError as exc:
                return self._end_early(f"error: {exc}", 2)
            except BaseException as exc:  # noqa: BLE001 - e.g. sys.exit() in a module the plan names, at import
                return self._end_early(f"error: loading the plan raised {type(exc).__name__}: {exc} (the plan's "
                                       "code ended the load; nothing ran)\n" + _trace(exc), 2)
            if stopper.code is not None:
                return self._end_early("stopped while loading the plan; nothing ran", stopper.code)
            self.runtime = runtime
            stopper.attach(runtime.request_stop)
            return self._run(live)

    def _end_early(self, message: str, code: int) -> int:
        """Nothing ran: the previous output stays as it was."""
        with self._ending:
            self._ended = True
            self._drop_output()
            _echo(message)
            return code

    def _open_output(self) -> None:
        out = self.opts.output
        if out is None:
            return
        check_folder(out)
        self.lock = OutputLock(out)
        self.lock.acquire()
        if self.opts.state is not None:
            remove_state_temps(out)
        self.out_file = OutputFile(out, durable=self.opts.state is not None)

    def _open_input(self) -> tuple[IO[bytes], str, bool]:
        path = self.opts.input
        if str(path) == "-":
            return sys.stdin.buffer, "<stdin>", True
        try:
            stream = open(path, "rb")  # noqa: SIM115 - read to the end of the process
        except OSError as exc:
            raise InputError(f"cannot read the input: {exc.strerror or exc}", file=str(path)) from None
        return stream, str(path), is_live(stream)

    def _make_sink(self, live: bool) -> OutputSink:
        if self.out_file is not None:
            return OutputSink(self.out_file.fd, str(self.opts.output), on_error=self._write_failed)
        # Live input, or a person watching a terminal: each output line appears as soon as it is made.
        flush_each = live or sys.stdout.isatty()
        return OutputSink(sys.stdout.buffer, "standard output", flush_each=flush_each, on_error=self._write_failed)

    def _load(self) -> Any:
        from bridge.runtime import Runtime

        runtime = Runtime(self.opts.plan, workers=self.opts.workers, max_steps=self.opts.max_steps,
                          call_timeout=self.opts.call_timeout, allow=tuple(self.opts.allow) or None,
                          state=self.opts.state, strict=self.opts.strict, force=self.opts.force, jvm=self.opts.jvm)
        if self.opts.state is not None:
            try:
                self._take_up(runtime)
            except BaseException:
                runtime.close()
                raise
        return runtime

    def _take_up(self, runtime: Any) -> None:
        """Continue what earlier runs of this state did with this source: skip their inputs, rewrite outputs."""
        source = self.opts.source
        assert source is not None and self.sink is not None
        # A pipe has no positions to skip by: every line of standard input is a new input.
        self.skipped_inputs = 0 if source == STDIN else runtime.state.source_count(source)
        if self.out_file is None:  # standard output: what earlier runs printed cannot be taken back or redone
            return
        for key, output in runtime.state.outputs(source):
            self.sink.write(key, output)
            self.earlier_outputs += 1

    def _run(self, live: bool) -> int:
        show = sys.stderr.isatty() if self.opts.progress is None else self.opts.progress
        total = None if live or not show else count_lines(self.opts.input)
        if total is not None:
            total = max(0, total - self.skipped_inputs)
        self._bar = _progress(show, total)
        error: BaseException | None = None
        report = None
        with self._bar:
            try:
                inputs: Any = self.reader
                if self.opts.report is not None:
                    inputs = self.keys_seen = KeysSeen(inputs)
                report = self.runtime.run(inputs, on_output=self.sink.write,  # type: ignore[union-attr]
                                          on_progress=self._progress, live=live, source=self.opts.source,
                                          skip_taken=self.opts.source != STDIN)
            except BaseException as exc:  # noqa: BLE001 - reported; the outputs so far are still put in place
                # BaseException too: a SystemExit or KeyboardInterrupt an action raised must not skip the
                # rename of --output and the summary. Signals never arrive here as exceptions: StopOnSignal's
                # handlers replace Python's (no KeyboardInterrupt) and stop the run through request_stop.
                error = exc
        assert self.stopper is not None
        self.stopper.finished()
        with self._ending:
            self._ended = True
            return self._finish(report, error)

    def _progress(self, done: int) -> None:
        self.finished_inputs = done
        self._bar(done)

    def _bad_line(self, error: InputError) -> None:
        self.bad_lines += 1
        stop = self.opts.on_bad_input == "stop"
        if stop:
            _echo(f"error: {error}\n  the input ends here (--on-bad-input stop); the lines before it run")
        elif self.bad_lines <= SHOW_BAD_LINES:
            _echo(f"skipped: {error}")
            if self.bad_lines == SHOW_BAD_LINES:
                _echo(f"  (more bad lines are counted but not shown after {SHOW_BAD_LINES})")

    def _write_failed(self, error: _OutputError) -> None:
        _echo(f"error: {error}")
        if self.runtime is not None:
            with contextlib.suppress(Exception):
                self.runtime.request_stop(self.opts.grace)

    def _finish(self, report: Any, error: BaseException | None) -> int:
        """Flush, put the output in place, print failures and the summary; the exit code."""
        assert self.sink is not None and self.reader is not None and self.stopper is not None
        output_problem = self._settle_output()
        if report is not None:
            for err in report.errors:
                _echo(f"error: {err}")
                if err.details:
                    _echo("  " + err.details.rstrip().replace("\n", "\n  "))
        if isinstance(error, BridgeError):
            _echo(f"error: {error}")
        elif isinstance(error, Exception):  # a bug in bridge, not in the plan or the input: show where
            _echo("internal error (please report it with this text):\n" + _trace(error))
        elif error is not None:  # SystemExit, KeyboardInterrupt, ... that an action raised and nothing caught
            _echo(f"error: the run was ended by {type(error).__name__}: {error} raised in the plan's code (raise "
                  "an ordinary exception to fail one event instead):\n" + _trace(error))
        inputs = report.inputs if report is not None else self.finished_inputs
        failed = len(report.errors) if report is not None else 0
        if self.runtime is not None and self.opts.state is not None:
            with contextlib.suppress(Exception):  # a state that fails now was reported as the error above
                for line in held_lines(self.runtime.state, self.opts.plan):
                    _echo(line)
        summary = f"{inputs} inputs, {max(0, self.sink.written - self.earlier_outputs)} outputs, {failed} failed events"
        if self.reader.skipped:
            summary += f", {self.reader.skipped} bad input lines skipped"
        if self.sink.dropped:
            summary += f", {self.sink.dropped} outputs not written"
        if self.skipped_inputs:
            summary += f"; {self.skipped_inputs} inputs taken by earlier runs skipped"
        if self.earlier_outputs:
            summary += f", their {self.earlier_outputs} outputs written again"
        if self.stopper.signum is not None:
            summary = f"stopped by {_signame(self.stopper.signum)}: {summary}"
        _echo(summary)
        report_problem = self._write_report(report)
        if self.runtime is not None:
            with contextlib.suppress(Exception):
                self.runtime.close()
        if self.stopper.code is not None:
            return self.stopper.code
        if error is not None or output_problem or report_problem or self.reader.stopped_at is not None:
            return 2
        return 1 if failed or self.reader.skipped or self.sink.dropped else 0

    def _write_report(self, report: Any) -> bool:
        """Write --report (when asked and the run ended with a report); True when it could not be written."""
        if self.opts.report is None or report is None or self.keys_seen is None:
            return False
        try:
            write_report(self.opts.report, build_report(self.runtime, self.keys_seen.keys, report.errors))
        except (OSError, TypeError) as exc:
            _echo(f"error: cannot write the report {self.opts.report}: {exc}")
            return True
        return False

    def _settle_output(self) -> bool:
        """Flush and commit the output (kept aside after a write error); True when something went wrong."""
        assert self.sink is not None
        self.sink.flush()
        problem = self.sink.error is not None
        if self.out_file is not None:
            if problem:
                # The lines written before the error are whole; keep them beside the untouched old file.
                with contextlib.suppress(OSError):
                    os.close(self.out_file.fd)
                _echo(f"  the {self.sink.written} outputs written are in {self.out_file.temp}; "
                      f"{self.out_file.path} is unchanged")
            else:
                failure = self.out_file.commit()
                if failure is not None:
                    _echo(f"error: {failure}")
                    problem = True
        if self.lock is not None:
            self.lock.release()
        return problem

    def _drop_output(self) -> None:
        if self.out_file is not None:
            self.out_file.discard()
        if self.lock is not None:
            self.lock.release()

    # -- the abandon path (the watchdog thread) ------------------------------------------------------
    def _abandon(self, code: int) -> None:
        """The run outlived its grace period: keep what finished, print the summary, end the process."""
        if not self._ending.acquire(timeout=10):  # the normal end is under way and stuck: leave anyway
            os._exit(code)
        if self._ended:  # the normal end came first and is leaving
            self._ending.release()
            return
        if self.runtime is None:  # nothing ran: the previous output stays as it was
            self._drop_output()
        elif self.sink is not None and self.sink.lock.acquire(timeout=10):
            with contextlib.suppress(Exception):
                self._settle_output()
        if sys.stderr.isatty():
            _echo("\x1b[?25h")  # the progress bar hid the cursor; the process ends before it shows it again
        written = self.sink.written if self.sink is not None else 0
        _echo(f"stopped by {_signame(code - 128)}: {self.finished_inputs} inputs finished, {written} outputs "
              "written; inputs still running were abandoned (raise --grace to give them longer)")
        _leave(code, hard_exit=True)


def _trace(error: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(error))


def _signame(signum: int) -> str:
    import signal

    with contextlib.suppress(ValueError):
        return signal.Signals(signum).name
    return f"signal {signum}"


class _NoProgress:
    def __call__(self, done: int) -> None:
        pass

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class _RichProgress(_NoProgress):
    """A Rich progress bar on standard error, advanced per finished input."""

    def __init__(self, total: int | None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("running"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), console=Console(stderr=True), transient=False)
        self._task = self._progress.add_task("inputs", total=total)

    def __call__(self, done: int) -> None:
        self._progress.update(self._task, completed=done)

    def __enter__(self) -> _RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def _progress(show: bool, total: int | None) -> _NoProgress:
    return _RichProgress(total) if show else _NoProgress()
