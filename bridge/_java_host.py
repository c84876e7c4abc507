"""``bridge run --host java``: the Java host (``dev.bridge.host.Main``) as a child process.

The child gets the JDK, classpath and JVM flags the Python host would use (:func:`bridge.jvm.options_from_config`:
``JAVA_HOME``, ``BRIDGE_CLASSPATH``, ``BRIDGE_JVM_OPTIONS`` and the plan's ``bridge.jvm.*``) and this very
Python (``sys.executable``) to embed through pemja, so the plan's Python modules and bridge itself are the ones
installed here. It reads the input, writes the output and the report, prints the error lines and the summary
itself, in ``bridge run``'s formats, and takes the output's lock, standard input and SIGTERM/SIGINT as ``bridge
run`` does (``dev.bridge.host.StopOnSignal``); this process waits for it and leaves with its exit code. SIGTERM
is passed on to the child, and so is SIGINT unless the terminal sent it (Ctrl-C reaches the whole foreground
process group, the child too, and a second SIGINT would abandon the run at once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bridge.errors import BridgeError
from bridge.jvm import options_from_config
from bridge.plan import check_allowed, load_plan

MAIN = "dev.bridge.host.Main"


def java_command(opts: Any) -> list[str]:
    """The child's command line for ``bridge run`` options (a :class:`bridge._runner.RunOptions`).

    The plan passes the same check as under ``--host python`` (:func:`bridge.plan.check_allowed`, with the same
    allow list) before any of its settings reach the command: its ``bridge.jvm.*`` choose the JDK run here and
    the flags it gets, so a plan refused by one host must not start a JVM under the other.
    """
    plan = load_plan(opts.plan)
    check_allowed(plan, tuple(opts.allow) or None)
    jvm = options_from_config(plan.conf_data)
    missing = host_missing(jvm.classpath)
    if missing is not None:
        raise BridgeError(missing)
    command = [*_host_prefix(jvm), "run", str(opts.plan), "--input", str(opts.input), "--python", sys.executable,
               "--workers", str(opts.workers), "--max-steps", str(opts.max_steps),
               "--on-bad-input", opts.on_bad_input,
               "--grace", repr(float(opts.grace))]
    if opts.output is not None:
        command += ["--output", str(opts.output)]
    if getattr(opts, "report", None) is not None:
        command += ["--report", str(opts.report)]
    if opts.call_timeout is not None:
        command += ["--call-timeout", repr(float(opts.call_timeout))]
    for prefix in opts.allow:
        command += ["--allow", prefix]
    if opts.state is not None:  # a durable run: the Java host keeps it in the same state store (bridge.store)
        command += ["--state", opts.state]
        command += ["--strict"] if opts.strict else []
        command += ["--force"] if opts.force else []
    return command


def _host_prefix(jvm: Any) -> list[str]:
    """``java <flags> -cp <classpath> dev.bridge.host.Main`` for JVM options (bridge.jvm.options_from_config)."""
    return [str(Path(jvm.java_home) / "bin" / "java"), *jvm.jvm_args, "-cp", os.pathsep.join(jvm.classpath), MAIN]


def host_missing(classpath: tuple[str, ...] | list[str]) -> str | None:
    """What to say when no classpath entry holds ``dev.bridge.host.Main`` (None: one does).

    Looked up here, in the jars' listings, so ``bridge run --host java`` says what to do instead of the JVM's
    "Could not find or load main class".
    """
    entry = MAIN.replace(".", "/") + ".class"
    for path in map(Path, classpath):
        if path.is_dir() and (path / entry).is_file():
            return None
        if path.is_file():
            try:
                with zipfile.ZipFile(path) as jar:
                    jar.getinfo(entry)
                return None
            except (KeyError, OSError, zipfile.BadZipFile):
                continue
    return (f"the Java host ({MAIN}) is not on the classpath ({len(classpath)} entries, none holds it): build it "
            "with `make jars` (it is java/dist/target/jars/bridge-host-*.jar), or add that jar to BRIDGE_CLASSPATH")


def host_check(conf: dict[str, Any], timeout: float = 120.0) -> tuple[bool, str]:
    """Whether the Java host starts with this Python: it runs an empty plan over no input (about a second)."""
    jvm = options_from_config(conf)
    missing = host_missing(jvm.classpath)
    if missing is not None:
        return False, missing
    with tempfile.TemporaryDirectory(prefix="bridge-doctor-") as folder:
        plan, empty = Path(folder) / "plan.json", Path(folder) / "empty.jsonl"
        plan.write_text('{"agent_name": "doctor", "actions": {}}')
        empty.write_text("")
        try:
            done = subprocess.run([*_host_prefix(jvm), "run", str(plan), "--input", str(empty),  # noqa: S603
                                   "--python", sys.executable], capture_output=True, text=True, timeout=timeout,
                                  cwd=folder, check=False)
        except subprocess.TimeoutExpired:
            return False, (f"the Java host did not end an empty run within {timeout:g} s; run `bridge run --host java` "
                           "on a small plan to see where it stops")
        except OSError as exc:
            return False, f"cannot start {jvm.java_home}/bin/java: {exc.strerror or exc}; set JAVA_HOME to a JDK 17+"
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").splitlines()[-1]
        return False, f"the Java host does not start with {sys.executable}: {said}"
    return True, f"starts with {sys.executable} (an empty run, exit 0)"


def pemja_check(classpath: tuple[str, ...]) -> tuple[bool, str]:
    """Whether pemja's two halves (the PyPI package here, the jar on the classpath) are one version, and what to say."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        python_half: str | None = version("pemja")
    except PackageNotFoundError:
        python_half = None
    jars = [Path(e).name for e in classpath if Path(e).name.startswith("pemja-") and e.endswith(".jar")]
    jar_half = jars[0][len("pemja-"):-len(".jar")] if jars else None
    if python_half is None or jar_half is None:
        missing = "the Python package" if python_half is None else "the jar (run `make jars`)"
        return False, (f"python {python_half or '-'}, jar {jar_half or '-'}: {missing} is missing, so --host java "
                       f"cannot run; install with `{sys.executable} -m pip install pemja=={jar_half or '0.6.0'}`")
    if python_half != jar_half:
        return False, (f"python {python_half}, jar {jar_half}: the two halves differ; install the jar's version with "
                       f"`{sys.executable} -m pip install pemja=={jar_half}`")
    return True, f"{python_half} (python and jar are one version)"


def _in_foreground() -> bool:
    """Whether this process group is its terminal's foreground group (then Ctrl-C reached the child too)."""
    for stream in (sys.stdin, sys.stderr, sys.stdout):
        try:
            return os.tcgetpgrp(stream.fileno()) == os.getpgrp()
        except (OSError, ValueError, AttributeError):
            continue
    return False


def run_java_host(opts: Any) -> int:
    """Run the Java host on ``opts`` and return its exit code (2 when it cannot be started)."""
    try:
        command = java_command(opts)
    except BridgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        child = subprocess.Popen(command)  # noqa: S603 - our own JDK and main class, no shell
    except OSError as exc:
        print(f"error: cannot start the Java host ({command[0]}): {exc.strerror or exc}", file=sys.stderr)
        return 2

    def forward(signum: int, _frame: Any) -> None:
        if signum == signal.SIGINT and _in_foreground():
            return  # Ctrl-C: the terminal sent it to the child as well
        child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code  # killed by a signal: 128 + its number, as a shell reports it
