"""The ``bridge`` command: run plans, check them, and check the machine."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import IO, Any

import click

from bridge.errors import BridgeError

_EPILOG = """\b
Examples:
  bridge run examples/demo/plan.yaml --input examples/demo/orders.jsonl
  bridge run plan.json --input in.jsonl --output out.jsonl --workers 16
  bridge validate plan.yaml
  bridge doctor

\b
Input lines are {"key": ..., "input": ...}; each key's inputs run in order,
keys run interleaved. Output lines are {"key": ..., "output": ...}, one per
OutputEvent an action sends.

\b
Java: the JVM starts when a plan first needs it.
  JAVA_HOME           the JDK to use (default: the newest found)
  BRIDGE_CLASSPATH    extra jars/folders for your Java actions and resources
  BRIDGE_JVM_OPTIONS  JVM flags, e.g. "-Xmx2g"
"""


@click.group(epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bridge-agents", prog_name="bridge")
def main() -> None:
    """Run agent plans that mix Java and Python actions, in one process.

    A plan (JSON or YAML, the Flink Agents wire format) lists actions (Python
    functions or static Java methods), what triggers them, and resources.
    """


@main.command()
@click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--input", "-i", "input_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help='JSONL file of {"key": ..., "input": ...} lines ("-" reads standard input).')
@click.option("--output", "-o", "output_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write output lines here instead of standard output.")
@click.option("--workers", default=8, show_default=True, help="Threads for durable async calls.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when standard error is a terminal).")
def run(plan: Path, input_path: Path, output_path: Path | None, workers: int, progress: bool | None) -> None:
    """Run PLAN over the inputs and write one line per output.

    Exits 0 when every event succeeded, 1 when some action failed (each failure
    is listed with its key and action), 2 when the plan or input is malformed,
    130 when stopped with Ctrl-C (outputs of finished inputs are kept).
    """
    from bridge._jsonl import count_lines, read_inputs, write_output
    from bridge.runtime import Runtime

    show = sys.stderr.isatty() if progress is None else progress
    try:
        runtime = Runtime(plan, workers=workers)
    except BridgeError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        click.echo("interrupted while loading the plan; nothing ran", err=True)
        sys.exit(130)
    source = "/dev/stdin" if str(input_path) == "-" else input_path
    with contextlib.ExitStack() as stack:
        out: IO[bytes] = (stack.enter_context(open(output_path, "wb")) if output_path  # noqa: SIM115
                          else sys.stdout.buffer)
        stack.callback(runtime.close)
        bar = stack.enter_context(_progress(show, count_lines(source) if show else None))

        def on_output(key: Any, value: Any) -> None:
            write_output(out, key, value)

        finished = [0]

        def progress(done: int) -> None:
            finished[0] = done
            bar(done)

        try:
            report = runtime.run(read_inputs(source), on_output=on_output, on_progress=progress)
        except BridgeError as exc:
            out.flush()
            _fail(exc)
        except KeyboardInterrupt:
            out.flush()
            click.echo(f"interrupted: {finished[0]} inputs finished; their outputs are written", err=True)
            sys.exit(130)
        out.flush()
    for err in report.errors:
        click.echo(f"error: {err}", err=True)
        if err.details:
            click.echo("  " + err.details.rstrip().replace("\n", "\n  "), err=True)
    summary = f"{report.inputs} inputs, {len(report.outputs)} outputs, {len(report.errors)} failed events"
    click.echo(summary, err=True)
    sys.exit(1 if report.errors else 0)


@main.command()
@click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["summary", "json", "yaml"]), default="summary",
              show_default=True, help="What to print once the plan is valid.")
@click.option("--allow", "allow", multiple=True, metavar="PREFIX",
              help="Accept only plan code under this module/class prefix (repeatable; BRIDGE_ALLOW adds "
                   "comma-separated ones), e.g. --allow myco.agents --allow com.myco.")
@click.option("--import", "resolve", is_flag=True,
              help="Also import the Python actions' modules (this runs their top-level code) and check "
                   "each name is a function.")
def validate(plan: Path, fmt: str, allow: tuple[str, ...], resolve: bool) -> None:
    """Check PLAN without running any of its code; print it back.

    A plan is code: it names Python modules, functions and classes and Java
    classes, which bridge imports, calls and instantiates with arguments the
    plan supplies. Run only plans you trust, and use --allow for others.

    Checked without importing anything: the fields, the triggers, the JVM
    settings (bridge.jvm.*), and every name the plan gives. Without --allow,
    names in Python's standard library (os, subprocess, builtins, ...), JDK
    classes (java., javax., jdk., sun., com.sun.) and jpype are refused and
    the rest pass; with --allow (or BRIDGE_ALLOW) only names under its
    prefixes pass. bridge's own python_actions and dev.bridge always pass.

    --import goes further and imports the Python actions. Java classes are
    checked when the plan runs (that needs the JVM).
    """
    from bridge.jvm._discovery import check_config
    from bridge.plan import PythonFunction, check_allowed, load_plan

    try:
        p = load_plan(plan)
        check_config(p.conf_data)
        check_allowed(p, allow)
        if resolve:
            from bridge.plan._allow import check_resolved, named_code
            from bridge.runtime._functions import resolve_python_action

            codes = {code.path: code for code in named_code(p)}
            for name, act in p.actions.items():
                if isinstance(act.exec, PythonFunction):
                    fn = resolve_python_action(name, act.exec.module, act.exec.qualname)
                    check_resolved(fn, codes[f"actions.{name}.exec.module"], allow)
    except BridgeError as exc:
        _fail(exc)
    if fmt == "json":
        click.echo(p.to_json())
    elif fmt == "yaml":
        click.echo(p.to_yaml())
    else:
        how = "Python actions imported and resolved" if resolve else "names checked, nothing imported"
        click.echo(f"{plan}: plan '{p.agent_name or '(unnamed)'}' is valid ({how})")
        for name, act in p.actions.items():
            kind = "java" if act.exec.func_type == "JavaFunction" else "python"
            click.echo(f"  {name:<28} {kind:<7} on {', '.join(act.triggers)}")
        for rtype, providers in p.resource_providers.items():
            for name in providers:
                click.echo(f"  resource {rtype}:{name}")


@main.command()
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this plan's JVM settings (bridge.jvm.classpath, bridge.jvm.options, bridge.jvm.java_home).")
def doctor(plan_path: Path | None) -> None:
    """Check the machine: Python, JPype, the JDK chosen, the classpath, and one round-trip call.

    The JDK is JAVA_HOME if set, else the newest under /usr/lib/jvm and the other
    usual places. Extra jars come from BRIDGE_CLASSPATH; JVM flags from
    BRIDGE_JVM_OPTIONS.
    """
    from bridge.jvm import default_bridge

    conf = {}
    try:
        if plan_path is not None:
            from bridge.plan import load_plan

            conf = load_plan(plan_path).conf_data
        facts = default_bridge(conf).describe()
    except BridgeError as exc:
        click.echo(f"python  {sys.version.split()[0]}", err=True)
        _fail(exc)
    click.echo(f"python      {facts['python']}")
    click.echo(f"jpype       {facts['jpype']}")
    click.echo(f"java home   {facts['java_home']}")
    click.echo(f"jvm         {facts['jvm_path']}")
    click.echo(f"java        {facts['java_version']} ({facts['java_vendor']})")
    click.echo(f"classpath   {len(facts['classpath'])} entries")
    for entry in facts["classpath"]:
        click.echo(f"  {entry}")
    verdict = "ok" if facts["round_trip_ok"] else "FAILED: values changed on the way through Java"
    click.echo(f"round trip  {verdict}")
    sys.exit(0 if facts["round_trip_ok"] else 1)


def _fail(exc: BaseException) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


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


if __name__ == "__main__":
    main()
