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


def test_a_stream_of_other_than_strings_is_refused_with_what_to_do(tmp_path: Path) -> None:
    # A Python map without output_type makes pickled bytes, which the JVM's key selector could not read: said
    # when the job is built, not as a ClassCastException from the TaskManager.
    script = ("from pyflink.common import Types\n"
              "from bridge.errors import BridgeError\n"
              "from bridge.flink import JobOptions, environment, run_plan\n"
              "from bridge.plan import load_plan\n"
              "import sys\n"
              "env = environment(JobOptions())\n"
              "lines = env.from_collection(['{\"key\": 1, \"input\": 1}'], type_info=Types.STRING()).map(str.strip)\n"
              "try:\n"
              "    run_plan(lines, load_plan(sys.argv[1]))\n"
              "except BridgeError as exc:\n"
              "    print(exc)\n")
    plan = ROOT / "tests" / "conformance" / "scenarios" / "python_only" / "plan.json"
    done = subprocess.run([str(FLINK_PYTHON), "-c", script, str(plan)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "keys a stream of strings" in done.stdout and "output_type=Types.STRING()" in done.stdout


def test_a_line_the_jobs_key_selector_cannot_key_is_reported_and_every_other_key_runs(tmp_path: Path) -> None:
    # Bytes in a base64 spelling of their own (bridge flink run writes every checked line anew, canonically; a
    # pipeline's own source does not): the Java key selector keys only the canonical one (tests/contract/keys).
    # That line fails, saying why; the keys around it keep their outputs.
    plan = ROOT / "tests" / "conformance" / "scenarios" / "python_only" / "plan.json"
    lines = ('{"key": "a", "input": "one"}\n{"key": {"$bytes": "AQ I="}, "input": "odd"}\n'
             '{"key": "b", "input": "two"}\n{"key": "a", "input": "three"}\n')
    done = subprocess.run([str(FLINK_PYTHON), str(Path(__file__).with_name("api_pipeline.py")), str(plan)],
                          input=lines, capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    [error] = [json.loads(line)["error"] for line in result["errors"]]
    assert "its key could not be read by the job's key selector" in error and "canonical base64" in error
    keys = sorted(json.loads(line)["key"] for line in result["outputs"])
    assert keys == ["a", "a", "b"]
