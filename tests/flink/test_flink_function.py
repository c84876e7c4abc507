"""PlanFunction, the keyed function of a Flink job, in a worker: each key's memory is Flink's, not the worker's."""

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


def test_a_worker_keeps_no_copy_of_each_keys_memory_and_a_key_gets_its_memory_back_from_flink_state() -> None:
    # A worker of a job over millions of keys must not hold each key's memory beside Flink's state (RocksDB may
    # keep that on disk); the memory an input finds comes from the key's state.
    plan = ROOT / "tests" / "conformance" / "scenarios" / "python_only" / "plan.json"
    done = subprocess.run([str(FLINK_PYTHON), str(Path(__file__).with_name("plan_function_keys.py")), str(plan),
                           "1500"], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "tests")})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["held"] == 0, f"the worker's runtime holds {result['held']} keys' memory"
    (line,) = result["again"]
    assert json.loads(line)["output"]["trail"] == ["P@counted", "P@counted"], "k7's memory came back from its state"
