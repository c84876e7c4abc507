"""Recovery on a real standalone Flink cluster: kill -9 a TaskManager mid-run, Flink restores, nothing is lost.

The cluster is the installed PyFlink's own (``bin/start-cluster.sh``): a JobManager and two TaskManagers of one
slot each, on free loopback ports, with a conf folder, logs and pid files of the test's own. ``bridge flink
run --conf execution.target=remote`` submits the job; each input makes a durable call that appends a line to
a side-effect file (the world outside Flink). When a third of the calls ran, the TaskManager running the job is
killed with SIGKILL; Flink restarts the job on the other one from the last checkpoint, which re-processes the
inputs since then (their actions run again). Every output must be in the output file exactly once, each key's
memory must have come back (its outputs count 1, 2, 3, ...), and no call that completed may run again: only a
call in flight at the kill may have written its line twice, at most one per key (keys of the slot run at once,
each key's inputs in order, one call at a time).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.flink.procs import has_child, session_processes

ROOT = Path(__file__).resolve().parents[2]
FLINK_PYTHON = ROOT / ".venv-flink" / "bin" / "python"
HANG_GUARD = 300.0

pytestmark = pytest.mark.skipif(not FLINK_PYTHON.exists() and os.environ.get("CI") != "true",
                                reason="no .venv-flink (make flink-venv); CI makes it and runs these")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flink_home() -> Path:
    found = subprocess.run([str(FLINK_PYTHON), "-c", "import pyflink, os; print(os.path.dirname(pyflink.__file__))"],
                           capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())


def _env(tmp: Path) -> dict[str, str]:
    tests = str(ROOT / "tests" / "flink")
    return {**os.environ, "FLINK_CONF_DIR": str(tmp / "conf"), "FLINK_LOG_DIR": str(tmp / "log"),
            "PYTHONPATH": os.pathsep.join(p for p in (tests, os.environ.get("PYTHONPATH")) if p),
            "PATH": f"{FLINK_PYTHON.parent}{os.pathsep}{os.environ.get('PATH', '')}"}


class Cluster:
    """A standalone cluster from the installed PyFlink, in a session of its own so every process is found."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        home = _flink_home()
        conf = tmp / "conf"
        shutil.copytree(home / "conf", conf)
        self.rest_port = _free_port()
        settings = {
            "jobmanager.rpc.address": "localhost", "jobmanager.rpc.port": _free_port(),
            "jobmanager.bind-host": "localhost", "taskmanager.bind-host": "localhost", "taskmanager.host": "localhost",
            "rest.address": "localhost", "rest.bind-address": "localhost", "rest.port": self.rest_port,
            "jobmanager.memory.process.size": "1024m", "taskmanager.memory.process.size": "1280m",
            "taskmanager.numberOfTaskSlots": 1, "env.pid.dir": str(tmp), "heartbeat.timeout": 4000,
            "heartbeat.interval": 1000, "state.checkpoints.dir": f"file://{tmp}/checkpoints",
        }
        lines = [line for line in (conf / "config.yaml").read_text().splitlines()
                 if line.startswith(("env:", "  java:", "    opts:", "      all:"))]
        lines += [f"{name}: {value}" for name, value in settings.items()]
        (conf / "config.yaml").write_text("\n".join(lines) + "\n")
        (conf / "workers").write_text("localhost\nlocalhost\n")
        (tmp / "log").mkdir()
        self.bin = home / "bin"
        starter = subprocess.Popen([str(self.bin / "start-cluster.sh")], env=_env(tmp), start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        starter.wait(timeout=120)
        self.sid = starter.pid

    def task_managers(self) -> list[int]:
        return list(session_processes(self.sid, "TaskManagerRunner"))

    def wait_for_task_managers(self, count: int) -> None:
        deadline = time.monotonic() + 120
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.rest_port)) == 0:
                    import urllib.request

                    with urllib.request.urlopen(f"http://127.0.0.1:{self.rest_port}/taskmanagers", timeout=5) as r:
                        if len(json.load(r)["taskmanagers"]) >= count:
                            return
            assert time.monotonic() < deadline, f"the cluster did not come up: {sorted(os.listdir(self.tmp / 'log'))}"
            time.sleep(0.5)

    def stop(self) -> None:
        subprocess.run([str(self.bin / "stop-cluster.sh")], env=_env(self.tmp), capture_output=True, timeout=120,
                       check=False)
        deadline = time.monotonic() + 30
        while session_processes(self.sid) and time.monotonic() < deadline:
            time.sleep(0.5)
        for pid in session_processes(self.sid):  # what stop-cluster.sh left (a killed TaskManager's orphaned worker)
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def cluster(tmp_path: Path):
    made = Cluster(tmp_path)
    try:
        made.wait_for_task_managers(2)
        yield made
    finally:
        made.stop()


def test_a_killed_task_manager_loses_no_output_and_runs_no_completed_call_twice(cluster: Cluster,
                                                                                tmp_path: Path) -> None:
    log = tmp_path / "effects.log"
    keys, per_key = 4, 40
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps({"key": f"k{i % keys}", "input": {"n": i, "log": str(log), "pause": 0.05}})
                              + "\n" for i in range(keys * per_key)))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"agent_name": "effects", "actions": {"effect": {
        "name": "effect", "exec": {"func_type": "PythonFunction", "module": "flink_actions", "qualname": "effect"},
        "trigger_conditions": ["_input_event"]}}}))
    out = tmp_path / "out.jsonl"
    job = subprocess.Popen([str(FLINK_PYTHON), "-m", "bridge.cli", "flink", "run", str(plan), "-i", str(inputs),
                            "-o", str(out), "--state", str(tmp_path / "calls.db"), "--checkpoint-interval", "500",
                            "--conf", "execution.target=remote", "--conf", "rest.address=localhost",
                            "--conf", f"rest.port={cluster.rest_port}"],
                           cwd=tmp_path, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + HANG_GUARD
        while not log.exists() or log.read_text().count("\n") < keys * per_key // 3:
            assert job.poll() is None, job.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the job made no progress"
            time.sleep(0.1)
        busy = [pid for pid in cluster.task_managers() if has_child(pid)]
        assert len(busy) == 1, f"one TaskManager runs the job's worker: {busy}"
        os.kill(busy[0], signal.SIGKILL)
        _, stderr = job.communicate(timeout=HANG_GUARD)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode == 0, stderr[-3000:]
    outputs = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(o["output"]["n"] for o in outputs) == list(range(keys * per_key)), "every output exactly once"
    for k in range(keys):
        mine = sorted((o["output"] for o in outputs if o["key"] == f"k{k}"), key=lambda o: o["n"])
        assert [o["seen"] for o in mine] == list(range(1, per_key + 1)), "the key's memory came back at the restore"
        assert all(o["doubled"] == 2 * o["n"] for o in mine)
    actions = log.with_name(log.name + ".actions").read_text().splitlines()
    assert len(actions) > keys * per_key, "Flink processed the inputs since the last checkpoint again"
    ran = Counter(log.read_text().splitlines())
    assert len(ran) == keys * per_key
    twice = [call for call, times in ran.items() if times > 1]
    per_key_twice = Counter(call.split()[0] for call in twice)
    assert all(n <= 1 for n in per_key_twice.values()), f"completed calls ran again after the restore: {twice}"

