"""Building the keyed Flink job of a plan: from a stream of inputs to streams of outputs and errors.

The piece a user with their own sources and sinks needs (:func:`run_plan`) and the
whole file-to-file job ``bridge flink run`` submits (:func:`file_job`): Flink's FLIP-27 file source, whose
read position is checkpointed (``from_collection``'s is not, so a restore would lose or repeat inputs), and
file sinks that roll on checkpoints only, so a line is visible in a finished part file exactly when the
checkpoint that holds the key state of its input completed.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any

from pyflink.common import Configuration, Encoder, Types, WatermarkStrategy
from pyflink.datastream import DataStream, KeyedStream, StreamExecutionEnvironment
from pyflink.datastream.connectors.file_system import (
    FileSink,
    FileSource,
    OutputFileConfig,
    RollingPolicy,
    StreamFormat,
)
from pyflink.java_gateway import get_gateway

from bridge.errors import BridgeError
from bridge.flink._function import ERRORS, PlanFunction
from bridge.jvm import jars_folder
from bridge.plan import AgentPlan

#: The elements PyFlink hands a Python worker before the TaskManager waits for it to finish them all (a bundle). Its
#: default, 1,000, made the slot's JVM and its worker take turns: on the mixed plan each was idle 30-40 % of the time
#: and a slot ran 35 % slower than with 100,000. A bundle still ends each ``python.fn-execution.bundle.time`` (1 s)
#: and at each checkpoint, so the larger size delays neither an output nor a checkpoint by more than that.
BUNDLE_SIZE = "python.fn-execution.bundle.size"
BUNDLE_ELEMENTS = 100_000
PART_PREFIX = "part"  # finished part files: part-<uuid>-<n>.jsonl; Flink's in-progress ones start with a dot


def run_plan(lines: DataStream, plan: AgentPlan, *, name: str = "bridge",
             **runtime_options: Any) -> tuple[DataStream, DataStream]:
    """Key JSONL input lines (strings) by their key and run ``plan`` on them: (output lines, error lines).

    Output lines are ``{"key": ..., "output": ...}`` as ``bridge run`` writes them; error lines are
    ``{"error": ..., "details": ...}``, one per failed event or bad input line. ``runtime_options`` go to
    :class:`~bridge.runtime.Runtime` in each worker (``workers``, ``max_steps``, ``call_timeout``, ``allow``).
    The two operators get the uids ``{name}-keys`` and ``{name}-plan``, so a savepoint restores into a later
    version of the job: give each plan of one job a name of its own. Set ``python.fn-execution.bundle.size`` in
    your job's configuration to 100,000 as :func:`environment` does: with PyFlink's default, 1,000, a slot runs
    about a third slower.
    """
    outputs = key_lines(lines, name=name).process(PlanFunction(plan, runtime_options), output_type=Types.STRING())
    outputs.name(f"{name} plan").uid(f"{name}-plan")
    return outputs, outputs.get_side_output(ERRORS)


def key_lines(lines: DataStream, *, name: str = "bridge") -> KeyedStream:
    """``lines`` keyed by their key's JSON text, read in the TaskManager's JVM (``dev.bridge.flink.KeyLines``).

    The keyed stream PyFlink's own ``key_by`` would make (``Row(key, line)``, keyed by field 0), without its Python
    operator: with it, every line crossed into the Python worker twice, once to be keyed and once to run (about a
    tenth of a slot's throughput on the mixed plan). The key texts follow ``tests/contract/keys/flink_keys.json``.
    A line with no key is keyed ``""``, which no key's text is; the keyed function parses each line again and
    reports it. The job ships bridge-flink's jar and jackson-core. The operator is named ``{name} keys``, its uid
    ``{name}-keys``.
    """
    string = Types.STRING().get_java_type_info()
    if not lines._j_data_stream.getType().equals(string):
        raise BridgeError(f"bridge.flink keys a stream of strings (JSONL lines), got {lines.get_type()}: give the "
                          "step that makes the lines output_type=Types.STRING()")
    env = StreamExecutionEnvironment(lines._j_data_stream.getExecutionEnvironment())
    env.add_jars(*key_jars())
    jvm = get_gateway().jvm
    rows = lines._j_data_stream.map(jvm.dev.bridge.flink.KeyLines(),
                                    Types.ROW([Types.STRING(), Types.STRING()]).get_java_type_info())
    # At the lines' own parallelism, so each line goes forward to its key selector: at the job's (a rebalance from a
    # source of parallelism 1, say) a key's lines would reach the shuffle through different subtasks, out of order.
    rows.name(f"{name} keys").uid(f"{name}-keys").setParallelism(lines._j_data_stream.getParallelism())
    keyed = rows.keyBy(jvm.KeyByKeySelector(), Types.ROW([Types.STRING()]).get_java_type_info())
    return KeyedStream(keyed, Types.STRING(), lines)


def key_jars() -> list[str]:
    """The ``file://`` URLs of the jars :func:`key_lines` runs: bridge-flink's and the jackson-core it reads with."""
    folder = jars_folder()
    found = [list(folder.glob(pattern)) for pattern in ("bridge-flink-*.jar", "jackson-core-*.jar")]
    if not all(found):
        raise BridgeError(f"bridge's Flink jar (bridge-flink-*.jar and jackson-core-*.jar) is not in {folder}: run "
                          "`make jars` (mvn -DskipTests package) in the project, or install the wheel `make wheel` "
                          "builds")
    # The newest version when an older build left its jar beside (by version numbers: 2.9 is older than 2.21).
    return [max(jars, key=lambda jar: [int(n) for n in re.findall(r"\d+", jar.name)]).resolve().as_uri()
            for jars in found]


@dataclass(frozen=True)
class JobOptions:
    """The options of the job ``bridge flink run`` submits."""

    parallelism: int = 1
    checkpoint_ms: int = 1000
    restarts: int = 3
    runtime: dict[str, Any] | None = None
    config: dict[str, str] | None = None  # Flink settings, e.g. execution.target=remote, rest.address, rest.port


def environment(opts: JobOptions) -> StreamExecutionEnvironment:
    """A streaming environment whose Python workers run this interpreter, checkpointing every ``checkpoint_ms``."""
    conf = Configuration()
    conf.set_string("python.executable", sys.executable)  # else Flink runs whatever `python` is on PATH
    conf.set_string("python.client.executable", sys.executable)
    conf.set_string("python.execution-mode", "process")  # thread mode (pemja) crashes with JPype
    # A failed task restarts from the last checkpoint a few times (a lost TaskManager, a worker that died), then
    # the job fails with the reason; Flink's default with checkpoints retries forever, which hides a broken plan.
    conf.set_string("restart-strategy.type", "fixed-delay")
    conf.set_string("restart-strategy.fixed-delay.attempts", str(opts.restarts))
    conf.set_string("restart-strategy.fixed-delay.delay", "1 s")
    conf.set_string(BUNDLE_SIZE, str(BUNDLE_ELEMENTS))
    for name, value in (opts.config or {}).items():
        conf.set_string(name, value)
    if (opts.config or {}).get("execution.target") == "remote":
        env = _remote(conf, opts.config or {})
    else:
        # On a local MiniCluster PyFlink runs every slot's Python worker as threads of this very process (its
        # "loopback" mode) unless this variable, which it reads as the environment is made, says otherwise: all
        # slots then shared this interpreter's one GIL with the job's client (a second slot added no throughput)
        # and the plan's JPype JVM lived in the command. A worker process per slot is what a cluster gives.
        os.environ.setdefault("_python_worker_execution_mode", "process")
        env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(opts.parallelism)
    env.enable_checkpointing(opts.checkpoint_ms)
    return env


def _remote(conf: Configuration, settings: dict[str, str]) -> StreamExecutionEnvironment:
    """An environment that submits to a running cluster (``rest.address``/``rest.port``).

    PyFlink's own factory gives a local one unless the program is started by ``flink run``; the executor that
    ``execution.target: remote`` names is what ``flink run`` would use. The cluster's ``lib/`` lacks the
    flink-python jar (PyFlink keeps it in ``opt/``), so the job ships it, as ``flink run --python`` does.
    """
    import glob

    import pyflink

    if "pipeline.jars" not in settings:
        jars = glob.glob(os.path.join(os.path.dirname(pyflink.__file__), "opt", "flink-python-*.jar"))
        conf.set_string("pipeline.jars", ";".join(f"file://{jar}" for jar in jars))
    gateway = get_gateway()
    j_env = gateway.jvm.org.apache.flink.streaming.api.environment.StreamExecutionEnvironment(conf._j_configuration)
    return StreamExecutionEnvironment(j_env)


def file_job(env: StreamExecutionEnvironment, plan: AgentPlan, input_file: str, outputs_dir: str,
             errors_dir: str, opts: JobOptions) -> None:
    """Add the file-to-file job: input lines in, output lines and error lines out (part files)."""
    source = FileSource.for_record_stream_format(StreamFormat.text_line_format(), input_file).build()
    lines = env.from_source(source, WatermarkStrategy.no_watermarks(), "bridge inputs").uid("bridge-inputs")
    outputs, errors = run_plan(lines, plan, **(opts.runtime or {}))
    outputs.sink_to(_sink(outputs_dir)).name("bridge outputs").uid("bridge-outputs")
    errors.sink_to(_sink(errors_dir)).name("bridge errors").uid("bridge-errors").set_parallelism(1)


def _sink(folder: str) -> FileSink:
    config = OutputFileConfig.builder().with_part_prefix(PART_PREFIX).with_part_suffix(".jsonl").build()
    return (FileSink.for_row_format(folder, Encoder.simple_string_encoder())
            .with_output_file_config(config)
            .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy())
            .build())


def finished_parts(folder: str) -> list[str]:
    """The committed part files under ``folder`` (Flink's bucket folders included), in a stable order."""
    found = []
    for root, _dirs, files in os.walk(folder):
        found.extend(os.path.join(root, name) for name in files if name.startswith(PART_PREFIX))
    return sorted(found)
