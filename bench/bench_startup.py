"""Start-up, measured in fresh processes beside baselines measured in the same run: ratios against them.

Rows (best of ``--rounds``; each round runs every command once, in turn, so the drift of a shared machine
hits all of them alike; a warm-up round first writes the bytecode caches and fills the page cache):

1. ``import bridge``: ``python -c "import bridge"`` against ``python -c pass`` (the interpreter and its
   ``site``) and ``python -c "import json"`` for scale; the import's own cost is the difference, and ``-X
   importtime`` gives bridge's cumulative import figure. Target: at most 50 ms.
2. A Python-only plan (``count_words`` then ``mark``, 10 inputs over 3 keys), the whole ``bridge run`` process,
   against ``python -c pass`` and the same work written by hand (a script reading the lines with ``json`` and
   doing what the two actions do, with dicts; its output is checked equal to bridge's). Target: at most 0.1 s.
3. A mixed plan (Python ``write_for_java`` -> Java ``CrossingActions.copyMemory`` -> Python ``read_java_copy``,
   10 inputs), the whole process, against a bare JPype ``startJVM`` (the same JDK, classpath and flags) and one
   static call. Target: at most 0.5 s.
4. The demo (``examples/demo``), its standard output a pseudo-terminal as for a person watching: when its
   first output line arrives, against JPype ``startJVM`` and one call, and against ``startJVM`` plus the
   MiniLM model's first embedding by hand, as langchain4j documents it (each output needs the model).
   Target: at most 1 s.

Run: python bench/bench_startup.py [--rounds 5] [--rows import,python,mixed,demo] [--checkout DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

_PY_ACTION = {"func_type": "PythonFunction", "module": "python_actions.conformance"}
PYTHON_PLAN = {"agent_name": "startup_python", "actions": {
    "count_words": {"name": "count_words", "exec": {**_PY_ACTION, "qualname": "count_words"},
                    "trigger_conditions": ["_input_event"]},
    "report": {"name": "report", "exec": {**_PY_ACTION, "qualname": "mark"}, "trigger_conditions": ["counted"],
               "config": {"mark": "P", "output": True}}}}
MIXED_PLAN = {"agent_name": "startup_mixed", "actions": {
    "write_for_java": {"name": "write_for_java", "exec": {**_PY_ACTION, "qualname": "write_for_java"},
                       "trigger_conditions": ["_input_event"]},
    "java_copies": {"name": "java_copies", "trigger_conditions": ["to_java"], "exec": {
        "func_type": "JavaFunction", "qualname": "dev.bridge.examples.CrossingActions", "method_name": "copyMemory",
        "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]}},
    "read_java_copy": {"name": "read_java_copy", "exec": {**_PY_ACTION, "qualname": "read_java_copy"},
                       "trigger_conditions": ["copied"]}}}

# What the Python-only plan does, by hand: python_actions.conformance.count_words, then mark (output: true).
HAND_PYTHON = r"""
import json, sys
memory, lines = {}, []
for raw in open(sys.argv[1], "rb"):
    record = json.loads(raw)
    mem = memory.setdefault(json.dumps(record["key"]), {})
    text = str(record["input"]); words = len(text.split())
    mem["inputs"] = mem.get("inputs", 0) + 1
    mem["words"] = mem.get("words", 0) + words
    mem["history"] = [*mem.get("history", []), text]
    mem["trail"] = [*mem.get("trail", []), "P@counted"]
    out = {"by": "P", "trail": mem["trail"], "event": {"text": text, "words": words}}
    lines.append(json.dumps({"key": record["key"], "output": out}, separators=(",", ":")))
sys.stdout.write("\n".join(lines) + "\n")
"""

# A bare JPype start with bridge's JDK, classpath and flags (argv[1], JSON), then one static call; with "embed",
# the MiniLM model's first embedding too, the way langchain4j documents it (the model read from its jar).
HAND_JVM = r"""
import json, sys
import jpype
options = json.loads(sys.argv[1])
jpype.startJVM(*options["flags"], jvmpath=options["jvm"], classpath=options["classpath"], convertStrings=False)
print(jpype.JClass("dev.bridge.examples.UnitTools").convertStatic(10.0, "km", "mi"), flush=True)
if "embed" in sys.argv[2:]:
    model = jpype.JClass("dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel")()
    print(len(model.embed("where is my order?").content().vector()), flush=True)
"""


CHECKOUT = ROOT  # whose bridge the commands run: --checkout


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' runs read cached bytecode; so do these
    if CHECKOUT != ROOT:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CHECKOUT), env.get("PYTHONPATH")) if p)
    return env


def _bridge() -> list[str]:
    script = shutil.which("bridge", path=str(Path(PY).parent))
    return [script] if script else [PY, "-c", "import sys; from bridge.cli import main; sys.exit(main())"]


class Command:
    """One command line, timed to its first output line and to its end; the best of each over the rounds.

    ``terminal=True`` gives it a pseudo-terminal as standard output: what a person watching it sees (bridge
    writes each line as it is made to a terminal, and buffers them for a pipe or a file).
    """

    def __init__(self, label: str, argv: list[str], terminal: bool = False) -> None:
        self.label = label
        self.argv = argv
        self.terminal = terminal
        self.first = float("inf")
        self.end = float("inf")
        self.stdout = b""

    def run(self, record: bool = True) -> None:
        start = time.perf_counter()
        if self.terminal:
            reader, writer = pty.openpty()
            proc = subprocess.Popen(self.argv, stdout=writer, stderr=subprocess.PIPE, cwd=CHECKOUT, env=_env())
            os.close(writer)
            out = _read_terminal(reader, start)
            first, output = out[0], out[1]
            err = proc.communicate()[1]
        else:
            proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=CHECKOUT,
                                    env=_env())
            assert proc.stdout is not None
            output = proc.stdout.readline()
            first = time.perf_counter() - start
            rest, err = proc.communicate()
            output += rest
        end = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{self.label}: exit {proc.returncode}\n{err.decode(errors='replace')}")
        self.stdout = output
        if record:
            self.first, self.end = min(self.first, first), min(self.end, end)


def _read_terminal(fd: int, start: float) -> tuple[float, bytes]:
    """Everything written to a pseudo-terminal until its other end closes, and when the first line came."""
    data, first = b"", float("inf")
    try:
        while chunk := os.read(fd, 65536):
            data += chunk
            if first == float("inf") and b"\n" in data:
                first = time.perf_counter() - start
    except OSError:  # EIO: the writer closed its end (Linux)
        pass
    finally:
        os.close(fd)
    return first, data.replace(b"\r\n", b"\n")


def _jvm_options() -> str:
    from bridge.jvm import options_from_config
    from bridge.jvm._discovery import libjvm

    options = options_from_config({})
    return json.dumps({"jvm": str(libjvm(Path(options.java_home))), "classpath": list(options.classpath),
                       "flags": ["-Xrs", *options.jvm_args]})


def _importtime(rounds: int) -> float:
    """bridge's cumulative ``-X importtime`` figure, best of ``rounds``, in seconds."""
    best = float("inf")
    for _ in range(rounds):
        err = subprocess.run([PY, "-X", "importtime", "-c", "import bridge"], capture_output=True, text=True,
                             env=_env(), cwd=CHECKOUT, check=True).stderr
        last = [line for line in err.splitlines() if line.rstrip().endswith("| bridge")][-1]
        best = min(best, int(last.split("|")[1]) / 1e6)
    return best


def _settle(seconds: float = 60) -> None:
    """Wait until the class data sharing helpers of earlier runs are done (no build under way)."""
    from bridge.jvm._cds import folder

    time.sleep(0.5)  # a helper decides within milliseconds of its run's end whether to build
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(folder().glob("*.lock")):
        time.sleep(0.2)


def _measure(commands: list[Command], rounds: int) -> None:
    for _ in range(2):  # warm-up: bytecode caches, the page cache, the CDS archive (recorded, then grown)
        for command in commands:
            command.run(record=False)
        _settle()
    for _ in range(rounds):
        for command in commands:
            command.run()


def _row(label: str, seconds: float, baseline: float | None = None, target: str = "") -> None:
    ratio = f"{seconds / baseline:>8.2f}x" if baseline else f"{'':>9}"
    print(f"  {label:<66}{seconds * 1000:>9.1f} ms{ratio}   {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="runs of each command; the best counts")
    parser.add_argument("--rows", default="import,python,mixed,demo", help="which rows, comma-separated")
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="run another checkout's bridge (e.g. a worktree of an older commit; set BRIDGE_JARS_DIR "
                             "when it has no jars built)")
    args = parser.parse_args()
    global CHECKOUT
    CHECKOUT = args.checkout.resolve()
    rows = set(args.rows.split(","))
    bridge = _bridge()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        folder = Path(tmp)
        inputs = folder / "in.jsonl"
        inputs.write_text("".join(json.dumps({"key": f"k{i % 3}", "input": f"hello world {i}"}) + "\n"
                                  for i in range(10)))
        for name, plan in (("python.json", PYTHON_PLAN), ("mixed.json", MIXED_PLAN)):
            (folder / name).write_text(json.dumps(plan))
        bare = Command("python -c pass", [PY, "-c", "pass"])
        commands = [bare]
        if "import" in rows:
            commands += [Command("python -c 'import json'", [PY, "-c", "import json"]),
                         Command("python -c 'import bridge'", [PY, "-c", "import bridge"])]
        if "python" in rows:
            commands += [Command("hand", [PY, "-c", HAND_PYTHON, str(inputs)]),
                         Command("plan", [*bridge, "run", str(folder / "python.json"), "-i", str(inputs)])]
        if rows & {"mixed", "demo"}:
            commands.append(Command("jvm", [PY, "-c", HAND_JVM, _jvm_options()]))
        if "mixed" in rows:
            commands.append(Command("mixed", [*bridge, "run", str(folder / "mixed.json"), "-i", str(inputs)]))
        if "demo" in rows:
            commands += [Command("jvm+embed", [PY, "-c", HAND_JVM, _jvm_options(), "embed"]),
                         Command("demo", [*bridge, "run", "examples/demo/plan.yaml", "-i",
                                          "examples/demo/orders.jsonl"], terminal=True)]
        _measure(commands, args.rounds)
        by = {c.label: c for c in commands}
        print(f"start-up, best of {args.rounds} rounds, fresh processes ({os.cpu_count()} CPUs)")
        print(f"  {'measurement':<66}{'time':>12}{'ratio':>9}   target")
        _row("python -c pass (the interpreter and site: the floor)", bare.end, bare.end)
        if "import" in rows:
            own = by["python -c 'import bridge'"].end - bare.end
            _row("python -c 'import json' (for scale)", by["python -c 'import json'"].end, bare.end)
            _row("python -c 'import bridge'", by["python -c 'import bridge'"].end, bare.end)
            _row("  import bridge itself (the difference)", own, None, "<= 50 ms")
            _row("  import bridge, -X importtime cumulative", _importtime(args.rounds), None, "<= 50 ms")
        if "python" in rows:
            plan, hand = by["plan"], by["hand"]
            if plan.stdout != hand.stdout:
                raise SystemExit(f"the hand-written baseline's output differs from bridge's:\n{hand.stdout!r}\n"
                                 f"{plan.stdout!r}")
            _row("Python-only plan, 10 inputs: the same work by hand", hand.end, bare.end)
            _row("Python-only plan, 10 inputs: bridge run (ratio: to by hand)", plan.end, hand.end,
                 "<= 100 ms")
        if rows & {"mixed", "demo"}:
            _row("bare JPype startJVM + one static call (bridge's JDK, classpath)", by["jvm"].end, bare.end)
        if "mixed" in rows:
            _row("mixed plan, 10 inputs: bridge run (ratio: to bare JPype)", by["mixed"].end, by["jvm"].end,
                 "<= 500 ms")
        if "demo" in rows:
            embed = by["jvm+embed"].end
            _row("bare JPype startJVM + MiniLM's first embedding", embed, by["jvm"].end)
            _row("demo: first output line (ratio: to JPype + MiniLM)", by["demo"].first, embed, "<= 1000 ms")
            _row("demo: whole process", by["demo"].end, embed)


if __name__ == "__main__":
    main()
