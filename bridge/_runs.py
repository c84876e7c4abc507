"""``bridge runs``: see and steer the runs a state keeps (list, show, retry, resume, stop, prune).

Reading commands open the state without a plan and run no plan code; ``retry`` and ``resume`` run actions,
so they take the plan and become the state's one runner for as long as they run (a ``bridge run`` on the same
state makes them fail at once, and the other way round). ``stop`` works either way: with no runner it stops
the key itself, else it asks the runner, which stops the key before its next action.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from bridge._runs_view import (
    STATUS_WORDS,
    age,
    details,
    find_key,
    held_lines,
    json_line,
    key_text,
    open_existing,
    parse_duration,
    plural,
    show_text,
    summary,
)
from bridge.errors import BridgeError, StateError
from bridge.store import StateStore

if TYPE_CHECKING:
    from bridge._output import OutputLock
    from bridge.runtime import Runtime

STATUSES = ("running", "waiting", "done", "error", "stopped")

_STATE_HELP = ("The state: a SQLite file that `bridge run --state` wrote, or a postgresql:// URL "
               "(default: $BRIDGE_STATE).")
_KEY_EPILOG = """\b
KEY is read as JSON when it parses as JSON, else as a string:
  alice     the string "alice"
  42        the number 42
  '"42"'    the string "42" (JSON quotes inside shell quotes)
"""


class _Duration(click.ParamType):
    """``30s``, ``10m``, ``2h``, ``7d`` as seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:  # noqa: D102
        if isinstance(value, int | float):
            return float(value)
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _state_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--state", required=True, envvar="BRIDGE_STATE", show_envvar=True, metavar="FILE|URL",
                        help=_STATE_HELP)(fn)


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def _opened(state: str) -> Iterator[StateStore]:
    """The state, open for a reading or steering command; a :class:`BridgeError` becomes one line and exit 2."""
    try:
        store = open_existing(state)
    except BridgeError as exc:
        _fail(str(exc))
    try:
        yield store
    except BridgeError as exc:
        _fail(str(exc))
    finally:
        store.close()


@click.group(epilog="""\b
Examples:
  export BRIDGE_STATE=runs.db
  bridge runs list --status error
  bridge runs list --status waiting --older-than 1h --json
  bridge runs show alice
  bridge runs retry alice --plan plan.yaml --output out.jsonl
  bridge runs resume alice --input '{"approved": true}' --plan plan.yaml
  bridge runs stop alice
  bridge runs prune --done --older-than 7d
""", context_settings={"help_option_names": ["-h", "--help"]})
def runs() -> None:
    """See and steer the runs a state keeps (bridge run --state FILE|URL).

    Each key has a run status: running, waiting (for outside input), done,
    error (its later inputs wait in the state until a retry) or stopped.
    Every subcommand takes --state (or BRIDGE_STATE).
    """


@runs.command("list", epilog="""\b
Examples:
  bridge runs list --state runs.db
  bridge runs list --state runs.db --status error
  bridge runs list --state runs.db --status running --older-than 10m   (stuck?)
  bridge runs list --state postgresql://bridge@db/runs --json | jq -r .key

\b
--json prints one object per line: key, status, started_at, updated_at
(ISO 8601, UTC), last_action, error (its message), wait (the input's name),
stop_requested. Keys are listed oldest change first.
""")
@_state_option
@click.option("--status", type=click.Choice(STATUSES), help="Only keys of this status.")
@click.option("--older-than", "older_than", type=_Duration(), metavar="DURATION",
              help="Only keys unchanged for this long: 30s, 10m, 2h, 7d.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of a table.")
def list_(state: str, status: str | None, older_than: float | None, as_json: bool) -> None:
    """List the keys of a state with their run status and last change."""
    import time

    with _opened(state) as store:
        records = store.runs(status, None if older_than is None else time.time() - older_than)
    if as_json:
        for record in records:
            click.echo(json_line(summary(record)))
        return
    if not records:
        click.echo("no runs" + (" match" if status or older_than is not None else " in this state"), err=True)
        return
    _table(records)


def _table(records: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in ("KEY", "STATUS", "STARTED (UTC)", "UPDATED", "LAST ACTION", "DETAIL"):
        table.add_column(name, no_wrap=name != "DETAIL", overflow="fold" if name == "DETAIL" else "ellipsis")
    for r in records:
        info = summary(r)
        detail = (f"waits for {info['wait']!r}" if info["wait"] else info["error"] or "")
        if info["stop_requested"]:
            detail = ("stop requested; " + detail).rstrip("; ")
        table.add_row(key_text(r.key), r.status, (info["started_at"] or "").replace("T", " ").rstrip("Z"),
                      f"{age(r.updated_at)} ago", r.last_action or "-", detail[:200])
    console = Console()
    if not console.is_terminal:  # piped (grep, a file): one line per key, however long
        console = Console(width=10_000)
    console.print(table)


@runs.command(epilog=_KEY_EPILOG + """
\b
Examples:
  bridge runs show alice --state runs.db
  bridge runs show 42 --state runs.db --json
""")
@click.argument("key")
@_state_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object with everything shown.")
def show(key: str, state: str, as_json: bool) -> None:
    """Show one key: its status, memory, durable calls, error and stack.

    Also its start and last change, last action, what it waits for, its
    queued inputs and its recent actions (newest first).
    """
    with _opened(state) as store:
        record = find_key(store, key, inputs=True)
        info = details(store, record)
    if as_json:
        click.echo(json_line(info))
    else:
        click.echo("\n".join(show_text(info, record)))


def _plan_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options of the commands that run actions: the plan and how its outputs are written."""
    for option in reversed([
        click.option("--plan", "plan", required=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="The plan whose actions run the key (the one that wrote the state)."),
        _state_option,
        click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
                     help="Append output lines to this file (whole lines) instead of writing them to "
                          "standard output."),
        click.option("--allow", "allow", multiple=True, metavar="PREFIX",
                     help="Only let the plan name code under this prefix (repeatable; also BRIDGE_ALLOW)."),
        click.option("--strict", is_flag=True,
                     help="A re-run action that makes another durable call than the recorded one fails."),
        click.option("--force", is_flag=True, help="Use a state another plan wrote."),
    ]):
        fn = option(fn)
    return fn


@runs.command(epilog=_KEY_EPILOG + """
\b
Examples:
  bridge runs retry alice --plan plan.yaml --state runs.db --output out.jsonl
  bridge runs retry 42 --plan plan.yaml --state runs.db

\b
The errored input runs again from its last finished action: the failed
action re-runs, its completed durable calls return their recorded results
without running again. Then the inputs queued behind it run. Other keys an
earlier process left unfinished are taken up too. Exit code 1 when an
action fails again, 2 when the key is unknown or not in error, or another
process runs actions on the state.
""")
@click.argument("key")
@_plan_options
def retry(key: str, plan: Path, state: str, output: Path | None, allow: tuple[str, ...], strict: bool,
          force: bool) -> None:
    """Run a key in error again: its failed input, then the inputs it held."""
    _drive(key, plan, state, output, allow, strict, force, lambda rt, k, **o: rt.retry(k, **o))


@runs.command(epilog=_KEY_EPILOG + """
\b
Examples:
  bridge runs resume alice --input '"approved"' --plan plan.yaml --state runs.db
  bridge runs resume 42 --input '{"ok": true, "by": "ana"}' --plan plan.yaml -o out.jsonl

\b
--input is JSON: a string needs its JSON quotes ('"yes"'). The waiting
action runs again from its start: its completed durable calls are replayed
and `await ctx.wait_for_input(name)` returns this value. Exit code 1 when
an action fails, 2 when the key is unknown or not waiting, or another
process runs actions on the state.
""")
@click.argument("key")
@click.option("--input", "value", required=True, metavar="JSON", help="The value handed to the waiting action.")
@_plan_options
def resume(key: str, value: str, plan: Path, state: str, output: Path | None, allow: tuple[str, ...],
           strict: bool, force: bool) -> None:
    """Hand a value to the action of KEY that waits for input, and run the key on."""
    from bridge.api._values import loads

    try:
        data = loads(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not JSON; a string needs JSON quotes: --input '\"{value}\"'",
                                 param_hint="--input") from None
    _drive(key, plan, state, output, allow, strict, force, lambda rt, k, **o: rt.resume(k, data, **o))


def _drive(text: str, plan: Path, state: str, output: Path | None, allow: tuple[str, ...], strict: bool,
           force: bool, act: Callable[..., Any]) -> None:
    """Load the plan on the state, run ``act(runtime, key, on_output=...)``, report, exit 0, 1 or 2."""
    from bridge._output import OutputLock, OutputSink, open_append
    from bridge.runtime import Runtime

    lock: OutputLock | None = None
    fd: int | None = None
    store: StateStore | None = None
    runtime: Runtime | None = None
    try:
        if output is not None:
            lock = OutputLock(output)
            lock.acquire()
            fd, size = open_append(output)
            sink = OutputSink(fd, str(output), flush_each=True, offset=size)
        else:
            sink = OutputSink(sys.stdout.buffer, "standard output", flush_each=True)
        store = open_existing(state)  # a typo must not create an empty state
        runtime = Runtime(plan, state=store, allow=tuple(allow) or None, strict=strict, force=force)
        record = find_key(runtime.state, text)
        report = act(runtime, record.key, on_output=sink.write)
        for err in report.errors:
            click.echo(f"error: {err}", err=True)
            if err.details:
                click.echo("  " + err.details.rstrip().replace("\n", "\n  "), err=True)
        after = runtime.state.get(record.kid)
        status = STATUS_WORDS.get(after.status, after.status) if after else "gone"
        click.echo(f"key {key_text(record.key)} is {status}; {plural(report.inputs, 'input')} finished, "
                   f"{plural(sink.written, 'output')}, {plural(len(report.errors), 'failed event')}", err=True)
        for line in held_lines(runtime.state, plan):
            click.echo(line, err=True)
        code = 1 if report.errors or sink.error is not None else 0
    except BridgeError as exc:  # _OutputError too
        click.echo(f"error: {exc}", err=True)
        code = 2
    finally:
        if runtime is not None:
            runtime.close()
        elif store is not None:
            store.close()
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if lock is not None:
            lock.release()
    sys.exit(code)


@runs.command(epilog=_KEY_EPILOG + """
\b
Examples:
  bridge runs stop alice --state runs.db

\b
With no bridge process running actions on the state, the key is stopped
at once. While one runs, it is asked to stop the key: the action under way
finishes, then no further action runs for the key. A stopped key's queued
inputs stay in the state; it is not retried or taken up again.
""")
@click.argument("key")
@_state_option
def stop(key: str, state: str) -> None:
    """No further actions for KEY, in this state, now or in a running bridge process."""
    with _opened(state) as store:
        record = find_key(store, key)
        name = key_text(record.key)
        if record.status == "stopped":
            click.echo(f"key {name} is already stopped")
            return
        try:
            store.lock_runner()
        except StateError:  # a runner holds the state: it polls the flag and stops the key before its next action
            store.request_stop(record.kid)
            click.echo(f"asked the bridge process running on {store.url} to stop key {name} (it is "
                       f"{STATUS_WORDS[record.status]}); "
                       "it stops before its next action (bridge runs show shows when)")
            return
        store.set_status(record.kid, "stopped", stop=True)
        click.echo(f"stopped key {name} (it was {STATUS_WORDS[record.status]}); no process was running actions "
                   "on this state")


@runs.command(epilog="""\b
Examples:
  bridge runs prune --state runs.db --done --older-than 7d
  bridge runs prune --state runs.db --status error --older-than 30d

\b
Deletes the keys' records (memory, inputs, actions, durable calls); the
outputs the state recorded stay, so an --output file is still rebuilt
whole. A pruned key that comes back in a later input starts afresh.
Running keys cannot be pruned.
""")
@_state_option
@click.option("--done", is_flag=True, help="Prune keys whose runs are done (same as --status done).")
@click.option("--status", type=click.Choice([s for s in STATUSES if s != "running"]),
              help="Prune keys of this status.")
@click.option("--older-than", "older_than", type=_Duration(), required=True, metavar="DURATION",
              help="Only keys unchanged for this long: 30s, 10m, 2h, 7d (0s for all).")
def prune(state: str, done: bool, status: str | None, older_than: float) -> None:
    """Delete the records of old keys of one status."""
    import time

    if done and status not in (None, "done"):
        raise click.UsageError(f"--done and --status {status} name two statuses; give one")
    if not done and status is None:
        raise click.UsageError("say which keys to prune: --done, or --status STATUS")
    status = status or "done"
    with _opened(state) as store:
        deleted = store.prune(status, time.time() - older_than)
    click.echo(f"deleted {plural(deleted, status + ' run')} unchanged for {age(0, older_than)} or more")
