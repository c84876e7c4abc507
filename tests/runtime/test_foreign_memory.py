"""The Java host's Python actions keep Python's memory rules over memory the Java host owns.

The shared memory cases (``tests/contract/memory``) run as Python actions under ``bridge run --host java``:
each case is one input per way of cutting it (at its ``commit`` steps; and in two at each step), and each
chunk is one action, chained by an event, so what a chunk reads was committed to the Java host by the
chunks before it and what it writes lands over that.
With ``-Dbridge.host.eager_memory=0`` every read of committed memory goes to Java through
``LazyMemoryStore`` (``bridge/runtime/_foreign_memory.py``); with a large limit the memory goes whole with
each start. Either way each step must give what the case expects.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bridge import Event, OutputEvent, RunnerContext
from tests.contract.test_memory_contract import CASES, _check, _chunks, _python_step

ROOT = Path(__file__).resolve().parents[2]
BY_NAME = dict(CASES)


def chunks_of(name: str, split: Any) -> list[list[dict[str, Any]]]:
    """The case's chunks: as its ``commit`` steps cut it, or in two before step ``split`` (an int)."""
    steps = BY_NAME[name]["steps"]
    if split == "commits":
        return _chunks(steps)
    steps = [step for step in steps if "commit" not in step]
    return [steps[:split], steps[split:]]


def splits(name: str) -> list[Any]:
    return ["commits", *range(1, len([s for s in BY_NAME[name]["steps"] if "commit" not in s]))]


def _echo(value: Any) -> Any:
    return value


async def run_chunk(event: Event, ctx: RunnerContext) -> None:
    """Run one chunk of a case against this action's memory, check each step, hand the next chunk on.

    After the chunk's first step the action waits on a durable call: what it read and wrote before must still be
    there when it is resumed, and what it reads after is loaded then.
    """
    spec = event.input if event.type == "_input_event" else event.attributes
    name, split, index = spec["case"], spec["split"], spec.get("chunk", 0)
    case = BY_NAME[name]
    chunks = chunks_of(name, split)
    for number, step in enumerate(chunks[index]):
        if number == 1:
            assert await ctx.durable_execute_async(_echo, number) == number
        _check(case, step, _python_step(ctx.store, step))
    ctx.send_event(OutputEvent(output={"case": name, "split": split, "chunk": index}))
    if index + 1 < len(chunks):
        ctx.send_event(Event(type="next_chunk", attributes={"case": name, "split": split, "chunk": index + 1}))


@pytest.mark.usefixtures("java_built")
@pytest.mark.parametrize("eager", [0, 1_000_000_000], ids=["memory read from java", "memory sent whole"])
def test_the_shared_memory_cases_hold_for_python_actions_under_the_java_host(tmp_path: Path, eager: int) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"agent_name": "memory_cases", "actions": {"run_chunk": {
        "name": "run_chunk", "exec": {"func_type": "PythonFunction", "module": "test_foreign_memory",
                                      "qualname": "run_chunk"},
        "trigger_conditions": ["_input_event", "next_chunk"]}}}))
    inputs = tmp_path / "in.jsonl"
    expected = 0
    with inputs.open("w") as lines:
        for name, _ in CASES:
            for split in splits(name):
                lines.write(json.dumps({"key": f"{split} {name}", "input": {"case": name, "split": split}}) + "\n")
                expected += len(chunks_of(name, split))
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "BRIDGE_JVM_OPTIONS": f"-Dbridge.host.eager_memory={eager}",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(plan), "--input", str(inputs), "--output",
                           str(out), "--no-progress", "--host", "java"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    assert len(out.read_text().splitlines()) == expected


def test_a_lazy_store_loads_nothing_after_its_step_or_from_another_thread() -> None:
    import threading

    from bridge.errors import ContextError
    from bridge.runtime._foreign_memory import LazyMemoryStore

    store = LazyMemoryStore(None)  # between steps: no host to ask
    with pytest.raises(ContextError, match="step has ended"):
        store.lookup("short_term", "a")

    asked: list[str] = []
    errors: list[BaseException] = []

    class Host:
        def read(self, memory: str, path: str) -> str:
            asked.append(path)
            return '{"o": 0, "a": 1}'

    store = LazyMemoryStore(Host())
    worker = threading.Thread(target=lambda: errors.append(pytest.raises(ContextError, store.lookup,
                                                                         "short_term", "a").value))
    worker.start()
    worker.join()
    assert "another thread" in str(errors[0]) and asked == []
    assert store.lookup("short_term", "a") == (False, None) and asked == ["a"]
    assert store.lookup("short_term", "a") == (False, None) and asked == ["a"]  # an absence is remembered
    store.detach()  # the step ended: what it loaded stays readable, nothing more is asked
    assert store.lookup("short_term", "a") == (False, None)
    with pytest.raises(ContextError, match="step has ended"):
        store.lookup("short_term", "b")
