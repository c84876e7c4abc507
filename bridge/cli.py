"""The ``bridge`` command: run plans, check them, and check the machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from bridge._runs import runs
from bridge.errors import BridgeError
from bridge.flink._cli import flink

_EPILOG = """\b
Examples:
  bridge run examples/demo/plan.yaml --input examples/demo/orders.jsonl
  bridge run plan.json --input in.jsonl --output out.jsonl --workers 16
  bridge run plan.yaml --input in.jsonl --output out.jsonl --state runs.db
  bridge run plan.yaml --input in.jsonl --output out.jsonl --host java
  bridge run plan.yaml --input in.jsonl --output out.jsonl --jvm py4j
  bridge runs list --state runs.db --status waiting
  bridge validate plan.yaml
  bridge doctor

\b
Input lines are {"key": ..., "input": ...}; each key's inputs run in order,
keys run interleaved. Output lines are {"key": ..., "output": ...}, one per
OutputEvent an action sends.

\b
Java: the JVM starts when a plan first needs it.
  JAVA_HOME           the JDK to use (default: the newest found, else the
                      one pip install 'bridge-agents[jdk]' brings)
  BRIDGE_JDK_ROOTS    folders to search for JDKs instead of /usr/lib/jvm
                      and the other usual ones (set empty: none)
  BRIDGE_CLASSPATH    extra jars/folders for your Java actions and resources
  BRIDGE_MAVEN        Maven coordinates (group:artifact:version, separated
                      by commas) whose jars and dependencies Maven resolves
  BRIDGE_JVM_OPTIONS  JVM flags, e.g. "-Xmx2g"
  BRIDGE_CACHE_DIR    what bridge builds once for later runs: a class data
                      sharing archive of the JVM, model copies, the Maven
                      coordinates' classpaths (default ~/.cache/bridge);
                      BRIDGE_CDS=off: no archive
"""


class _Program(click.Group):
    """The command group; knows whether it runs as the program or inside a caller (tests, CliRunner).

    Run as the program (no ``args`` given: they come from ``sys.argv``), ``bridge run`` ends the process with
    ``os._exit`` once its summary is printed, so threads a Java action left behind cannot keep it alive;
    called with explicit ``args`` it returns through ``SystemExit`` like any click command.
    """

    def main(self, args: Any = None, *rest: Any, **extra: Any) -> Any:  # noqa: D102
        if args is None:
            extra.setdefault("obj", {"hard_exit": True})
        return super().main(args, *rest, **extra)


@click.group(cls=_Program, epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bridge-agents", prog_name="bridge")
def main() -> None:
    """Run agent plans that mix Java and Python actions, in one process.

    A plan (JSON or YAML, the Flink Agents wire format) lists actions (Python
    functions or static Java methods), what triggers them, and resources.
    """


_RUN_EPILOG = """\b
Exit codes:
  0    every input ran and every event succeeded
  1    some action failed (each failure is listed with its key and action),
       or bad input lines were skipped
  2    the plan, the input, the output or the --state cannot be used (nothing
       ran, or the run stopped early), or a bad line ended the input
       (--on-bad-input stop)
  130  stopped by Ctrl-C (SIGINT)
  143  stopped by SIGTERM (timeout, docker stop, systemd, Kubernetes)

\b
Signals: SIGTERM and Ctrl-C stop the run the same way: no more inputs are
taken, running ones get --grace seconds to finish, then the outputs made so
far are written and the summary printed. A second signal stops at once.

\b
Bad input lines (not JSON, no "key" or "input", a key that is a list or an
object) are reported with file:line and skipped; --on-bad-input stop ends
the input there instead (the lines before it still run).

\b
--output is written to a temp file beside it and replaces the file only when
the run ends, so a failed start never empties previous results; two runs
cannot write the same file at once.

\b
Durable runs (--state runs.db, or a postgresql://user@host/db URL):
  bridge run plan.yaml -i in.jsonl -o out.jsonl --state runs.db
Run the same command again after a crash (kill -9, OOM, a deploy): inputs
of in.jsonl that earlier runs took are skipped, unfinished keys continue
from their last finished action (its completed durable calls are replayed,
not run again), and out.jsonl is rewritten with every output exactly once.
Without --output, outputs printed before a crash are not printed again.
Keys left waiting for input (ctx.wait_for_input) or in error (their later
inputs wait in the state) are listed on stderr with the `bridge runs`
command that moves them on. A state another plan wrote is refused (naming
the actions that differ) unless --force.
"""


@main.command(epilog=_RUN_EPILOG)
@click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--input", "-i", "input_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help='JSONL file of {"key": ..., "input": ...} lines ("-" reads standard input, line by line).')
@click.option("--output", "-o", "output_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write output lines here (replaced when the run ends) instead of standard output.")
@click.option("--workers", type=click.IntRange(min=1), default=8, show_default=True,
              help="Threads for durable async calls.")
@click.option("--grace", type=click.FloatRange(min=0), default=5.0, show_default=True, metavar="SECONDS",
              help="After SIGTERM or Ctrl-C, how long running inputs may take to finish before they are abandoned.")
@click.option("--on-bad-input", type=click.Choice(["skip", "stop"]), default="skip", show_default=True,
              help="What a bad input line does: skip it (reported, exit 1) or end the input there (exit 2).")
@click.option("--max-steps", type=click.IntRange(min=1), default=10_000, show_default=True, metavar="N",
              help="Most actions one input may run; more fails that input (an event type that loops).")
@click.option("--call-timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Fail a durable call that takes longer (the action receives a TimeoutError). "
                   "Default: the plan's bridge.call_timeout, else 300; 'inf' for no limit.")
@click.option("--allow", "allow", multiple=True, metavar="PREFIX",
              help="Only let the plan name code under this module/class prefix (repeatable; also BRIDGE_ALLOW, "
                   "comma-separated), e.g. --allow myco.agents. A plan is code: it names modules, classes and "
                   "callables that run here. Use this for plans you did not write.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when standard error is a terminal).")
@click.option("--state", metavar="FILE|URL",
              help="Keep the run in this state so the same command continues after a crash: a SQLite file "
                   "(created when missing) or a postgresql:// URL. See 'Durable runs' below and `bridge runs`.")
@click.option("--strict", is_flag=True,
              help="With --state: a re-run action that makes another durable call than the recorded one fails "
                   "(NonDeterminismError) instead of a warning that drops the later records.")
@click.option("--force", is_flag=True,
              help="With --state: use a state that another plan wrote (it then belongs to this plan).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help='When the run ends, write each key\'s final short-term memory and failures here as JSON: '
                   '{"host", "keys": [{"key", "short_term_memory", "status": "ok"|"error", "errors": '
                   '[{"action", "error"}]}]}, one entry per key with input (what the conformance suite compares '
                   'across hosts).')
@click.option("--host", type=click.Choice(["python", "java"]), default="python", show_default=True,
              help="Which runtime owns the run: python (this process, Java through JPype) or java (a JVM child "
                   "process owns scheduling and memory, Python actions run in it through pemja).")
@click.option("--jvm", type=click.Choice(["jpype", "py4j"]), default=None,
              help="How the python host reaches Java: jpype (the JVM inside this process; the default, or the "
                   "plan's bridge.jvm.mode) or py4j (the JVM in a child process over loopback with an auth token, "
                   "for a process that cannot load a JVM; slower per call, same results; the child exits with "
                   "this process).")
@click.pass_context
def run(ctx: click.Context, plan: Path, input_path: Path, output_path: Path | None, workers: int, grace: float,
        on_bad_input: str, max_steps: int, call_timeout: float | None, allow: tuple[str, ...],
        progress: bool | None, state: str | None, strict: bool, force: bool, report_path: Path | None,
        host: str, jvm: str | None) -> None:
    """Run PLAN over the inputs and write one line per output.

    Each key's inputs run in order; keys run interleaved. Keys are exact JSON
    values: 1, 1.0, true and "1" are four different keys.
    """
    from bridge._runner import RunOptions, run_command

    if (strict or force) and state is None:
        raise click.UsageError("--strict and --force apply to a durable run: add --state FILE|URL")
    opts = RunOptions(plan=plan, input=input_path, output=output_path, workers=workers, grace=grace,
                      on_bad_input=on_bad_input, max_steps=max_steps, call_timeout=call_timeout, allow=allow,
                      progress=progress, state=state, strict=strict, force=force, report=report_path, jvm=jvm)
    if host == "java":
        if jvm is not None:
            raise click.UsageError("--jvm applies to --host python (under --host java the JVM owns the run)")
        from bridge._java_host import run_java_host

        sys.exit(run_java_host(opts))
    run_command(opts, hard_exit=bool((ctx.obj or {}).get("hard_exit")))


@main.command()
@click.option("--plan", "plan_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Add this plan's bridge.jvm.classpath entries.")
def classpath(plan_path: Path | None) -> None:
    r"""Print the classpath of the Java host and of javac for your Java actions.

    \b
    The project's jars (the runtime, the Java host, pemja, ...), then BRIDGE_CLASSPATH:
      javac -cp "$(bridge classpath)" MyActions.java
      java -cp "$(bridge classpath)" dev.bridge.host.Main run plan.yaml --input in.jsonl
    """
    from bridge.jvm import classpath as jars

    try:
        conf = None
        if plan_path is not None:
            from bridge.plan import load_plan

            conf = load_plan(plan_path).conf_data
        click.echo(os.pathsep.join(jars(conf)))
    except BridgeError as exc:
        _fail(exc)


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
              help="Use this plan's JVM settings (bridge.jvm.classpath, .maven, .options, .java_home).")
def doctor(plan_path: Path | None) -> None:
    """Check the machine: Python, JPype, the JDK, the classpath, a round-trip call, pemja, and --host java starting.

    The JDK is the plan's bridge.jvm.java_home (with --plan), else JAVA_HOME if
    set, else the newest under /usr/lib/jvm and the other
    usual places (BRIDGE_JDK_ROOTS: others) or on PATH, else the one that
    pip install 'bridge-agents[jdk]' brings. Extra jars come from
    BRIDGE_CLASSPATH and BRIDGE_MAVEN; JVM flags from BRIDGE_JVM_OPTIONS.
    """
    from bridge.jvm import default_bridge
    from bridge.jvm._discovery import choose_jdk

    conf = {}
    try:
        if plan_path is not None:
            from bridge.plan import load_plan

            conf = load_plan(plan_path).conf_data
        jdk = choose_jdk(conf)
        facts = default_bridge(conf).describe()
    except BridgeError as exc:
        click.echo(f"python  {sys.version.split()[0]}", err=True)
        _fail(exc)
    click.echo(f"python      {facts['python']}")
    click.echo(f"jpype       {facts['jpype']}")
    click.echo(f"java home   {facts['java_home']}")
    click.echo(f"  chosen: {jdk.why}")
    click.echo(f"jvm         {facts['jvm_path']}")
    click.echo(f"java        {facts['java_version']} ({facts['java_vendor']})")
    click.echo(f"classpath   {len(facts['classpath'])} entries")
    for entry in facts["classpath"]:
        click.echo(f"  {entry}")
    verdict = "ok" if facts["round_trip_ok"] else "FAILED: values changed on the way through Java"
    click.echo(f"round trip  {verdict}")
    click.echo(f"cds archive {facts['class_data_sharing']}")
    from bridge._java_host import host_check, pemja_check

    pemja_ok, pemja_text = pemja_check(tuple(facts["classpath"]))
    click.echo(f"pemja       {pemja_text}")
    host_ok, host_text = host_check(conf) if pemja_ok else (False, "not tried: pemja cannot run (see above)")
    click.echo(f"java host   {'ok: ' if host_ok else 'FAILED: '}{host_text}")
    sys.exit(0 if facts["round_trip_ok"] and pemja_ok and host_ok else 1)


main.add_command(runs)
main.add_command(flink)


def _fail(exc: BaseException) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


if __name__ == "__main__":
    main()
