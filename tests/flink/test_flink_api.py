"""bridge.flink's API in a pipeline of the user's own (their source, their sink): run_plan.

A source of parallelism 1 (from_collection) in a job of parallelism 2: each key's lines must keep their order.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLINK_PYTHON = ROOT / ".venv-flink" / "bin" / "python"

pytestmark = pytest.mark.skipif(not FLINK_PYTHON.exists() and os.environ.get("CI") != "true",
                                reason="no .venv-flink (make flink-venv); CI makes it and runs these")


def test_a_users_pipeline_stages_its_lines_runs_the_plan_and_gets_outputs_errors_and_bad_lines(tmp_path: Path) -> None:
    scenario = ROOT / "tests" / "conformance" / "scenarios" / "failing_keys"
    lines = (scenario / "input.jsonl").read_text() + '{"key": {"a": 1}, "input": 1}\n'
    done = subprocess.run([str(FLINK_PYTHON), str(Path(__file__).with_name("api_pipeline.py")),
                           str(scenario / "plan.json")], input=lines, capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    expected = json.loads((scenario / "expected.json").read_text())
    got: dict[str, list] = {}
    for line in result["outputs"]:
        record = json.loads(line)
        got.setdefault(record["key"], []).append(record["output"])
    assert {k: sorted(v, key=json.dumps) for k, v in got.items()} == {
        e["key"]: sorted(e["outputs"], key=json.dumps) for e in expected["keys"] if e["outputs"]}
    errors = sorted(json.loads(line)["error"] for line in result["errors"])
    assert len(errors) == 3
    assert "'key' is an object" in errors[0]  # the bad line, with why
    assert "action 'check' failed" in errors[1] and "action 'finish' failed" in errors[2]
