"""The wheel a user installs: built by ``python -m build`` (Maven as a step), run outside the clone.

One test, about 65 s here (sdist and wheel ~35 s, Maven building the jars from the sdist's sources; install into
a fresh venv ~28 s; the run ~3 s): the only proof that a `pip install` of the wheel, with no clone and no Maven,
finds its jars and runs Java and Python actions.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

USER_ACTIONS = '''
"""A user's own Python actions, in their own folder: ask the shipped Java example to review, then answer."""
from bridge import Event, OutputEvent


def ask(event, ctx):
    ctx.send_event(Event(type="order_request", attributes={"input": {"order_id": event.input["order_id"]}}))


def answer(event, ctx):
    order_id = event.get("order_id")
    ctx.send_event(OutputEvent(output={
        "order_id": order_id,
        "decision": ctx.short_term_memory.get(f"orders.{order_id}.decision"),
        "reviewed": ctx.short_term_memory.get("stats.reviewed"),
    }))
'''

PLAN = {
    "agent_name": "wheel_check",
    "actions": {
        "ask": {"name": "ask", "trigger_conditions": ["_input_event"],
                "exec": {"func_type": "PythonFunction", "module": "user_actions", "qualname": "ask"}},
        "review": {"name": "review", "trigger_conditions": ["order_request"],
                   "exec": {"func_type": "JavaFunction", "qualname": "dev.bridge.examples.OrderActions",
                            "method_name": "reviewOrder",
                            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]}},
        "answer": {"name": "answer", "trigger_conditions": ["order_reviewed"],
                   "exec": {"func_type": "PythonFunction", "module": "user_actions", "qualname": "answer"}},
    },
    "resource_providers": {},
    "config": {"conf_data": {}},
}


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points bridge at this clone (its jars, its venv, its modules)."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"BRIDGE_JARS_DIR", "BRIDGE_CLASSPATH", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    return {**env, **extra}


def _run(cmd: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=cwd, env=_clean_env(**extra), capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.wheel
def test_the_wheel_installed_outside_the_clone_runs_a_mixed_plan_on_its_own_jars(tmp_path: Path) -> None:
    if shutil.which("mvn") is None:
        message = "Maven (mvn) is not on PATH: the wheel's build runs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--outdir", str(dist)], cwd=ROOT)  # sdist, then the wheel from it
    wheels = list(dist.glob("bridge_agents-*.whl"))
    assert len(wheels) == 1, wheels

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheels[0])], cwd=tmp_path)

    work = tmp_path / "work"  # the user's folder: not the clone, so nothing there can be imported by accident
    work.mkdir()
    (work / "user_actions.py").write_text(textwrap.dedent(USER_ACTIONS))
    (work / "plan.yaml").write_text(yaml.safe_dump(PLAN))
    (work / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in (
        {"key": "ada", "input": {"order_id": "ORD-1001"}},
        {"key": "ada", "input": {"order_id": "ORD-1003"}},
        {"key": "grace", "input": {"order_id": "ORD-9999"}})))

    bridge = str(venv / "bin" / "bridge")
    _run([bridge, "run", "plan.yaml", "--input", "in.jsonl", "--output", "out.jsonl"], cwd=work,
         PYTHONPATH=str(work))
    outputs = [(r["key"], r["output"]) for r in map(json.loads, (work / "out.jsonl").read_text().splitlines())]
    assert sorted(outputs, key=lambda o: (o[0], o[1]["order_id"])) == [
        ("ada", {"order_id": "ORD-1001", "decision": "approve", "reviewed": 1}),
        ("ada", {"order_id": "ORD-1003", "decision": "reject", "reviewed": 2}),
        ("grace", {"order_id": "ORD-9999", "decision": "reject", "reviewed": 1}),
    ]

    printed = _run([bridge, "classpath"], cwd=work).stdout.strip().split(os.pathsep)
    site_jars = next((venv / "lib").glob("python3*/site-packages")) / "bridge" / "_jars"
    names = {Path(entry).name.split("-0.")[0] for entry in printed}
    assert {"bridge-runtime", "bridge-api", "bridge-examples", "bridge-models", "bridge-host"} <= names
    assert all(Path(entry).parent == site_jars for entry in printed), printed
