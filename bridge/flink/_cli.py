"""The ``bridge flink`` commands; importable without PyFlink, so ``--help`` teaches before anything is installed."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from bridge.errors import BridgeError

_RUN_EPILOG = """\b
Examples:
  bridge flink run examples/demo/plan.yaml -i examples/demo/orders.jsonl -o out.jsonl
  bridge flink run plan.yaml -i in.jsonl -o out.jsonl --parallelism 4 \\
      --state postgresql://bridge@db/runs

\b
The job: Flink's file source reads the checked input lines, a Java key
selector in the TaskManager keys them by the input's key (bridge-flink's
jar, shipped with the job), one keyed function per slot hosts bridge's
Python host (in PyFlink's Python worker, process mode; Java actions in
that worker's JVM), and file sinks commit with checkpoints. Each key's
short-term memory lives in Flink keyed state (JSON) and is checkpointed
with the input position.
Locally the job runs on a MiniCluster in this process; --conf
execution.target=remote --conf rest.address=HOST --conf rest.port=PORT
submits it to a running cluster (see the README).

\b
Inputs, outputs, bad lines and exit codes are those of `bridge run`:
  0    every input ran and every event succeeded
  1    some action failed (listed with key and action), or bad lines skipped
  2    the plan, the input, the output or the --state cannot be used, the
       job failed, or a bad line ended the input (--on-bad-input stop)
  130  Ctrl-C / 143 SIGTERM: the job is cancelled (its tasks and Python
       workers stop); past --grace the command leaves anyway

\b
Needs PyFlink: pip install 'bridge-agents[flink]' (a venv of its own: it
pins pemja 0.5.7, the java-host extra 0.6.0). `make flink-venv` makes
.venv-flink in a clone.
"""


@click.group()
def flink() -> None:
    """Run a plan as a keyed Apache Flink job (PyFlink)."""


@flink.command(epilog=_RUN_EPILOG)
@click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--input", "-i", "input_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help='JSONL file of {"key": ..., "input": ...} lines.')
@click.option("--output", "-o", "output_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write output lines here (replaced when the job ends) instead of standard output.")
@click.option("--parallelism", "-p", type=click.IntRange(min=1), default=1, show_default=True,
              help="Flink slots that run the plan; keys are spread over them.")
@click.option("--state", metavar="FILE|URL",
              help="Where durable call records go: a postgresql:// URL (shared by every slot), or a SQLite file "
                   "with --parallelism 1 only.")
@click.option("--grace", type=click.FloatRange(min=0), default=5.0, show_default=True, metavar="SECONDS",
              help="After SIGTERM or Ctrl-C, how long the cancelled job may take to stop before the command leaves.")
@click.option("--on-bad-input", type=click.Choice(["skip", "stop"]), default="skip", show_default=True,
              help="What a bad input line does: skip it (reported, exit 1) or end the input there (exit 2).")
@click.option("--checkpoint-interval", "checkpoint_ms", type=click.IntRange(min=10), default=1000,
              show_default=True, metavar="MS", help="Milliseconds between Flink checkpoints (outputs commit on them).")
@click.option("--max-steps", type=click.IntRange(min=1), default=10_000, show_default=True, metavar="N",
              help="Most actions one input may run; more fails that input.")
@click.option("--allow", "allow", multiple=True, metavar="PREFIX",
              help="Only let the plan name code under this module/class prefix (repeatable), as bridge run.")
@click.option("--conf", "conf", multiple=True, metavar="NAME=VALUE",
              help="A Flink setting for the job (repeatable), e.g. --conf execution.target=remote --conf "
                   "rest.address=jobmanager --conf rest.port=8081 to submit to a running cluster.")
def run(plan: Path, input_path: Path, output_path: Path | None, parallelism: int, state: str | None, grace: float,
        on_bad_input: str, checkpoint_ms: int, max_steps: int, allow: tuple[str, ...], conf: tuple[str, ...]) -> None:
    """Run PLAN over the inputs as a keyed Flink job; write one line per output."""
    from bridge.flink import require_flink

    if not all("=" in item for item in conf):
        raise click.BadParameter("each --conf is NAME=VALUE, e.g. --conf rest.port=8081", param_hint="--conf")
    settings = dict(item.split("=", 1) for item in conf)

    try:
        require_flink()
    except BridgeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    from bridge._runner import RunOptions
    from bridge.flink._run import FlinkSession

    opts = RunOptions(plan=plan, input=input_path, output=output_path, grace=grace, on_bad_input=on_bad_input,
                      max_steps=max_steps, allow=allow, state=state, progress=False)
    code = FlinkSession(opts, parallelism=parallelism, checkpoint_ms=checkpoint_ms, config=settings).execute()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)  # the py4j gateway's threads must not keep the process; its JVM ends with our pipe
