"""Kill -9 ``bridge run --state`` at random moments and restart it until it finishes; then check every promise.

Used by ``test_crash.py`` (CI: 20 kills) and ``bench/bench_crash.py`` (200 kills). Each kill comes once the run
has made a random amount of progress (a few more side effects, so the kills asked for fit in the run; a run
that ends before its kill ends the scenario), so kills land in every phase: while a
Python or Java durable call runs, between a call and the action's commit, during a group commit, while outputs
are written. After each kill the driver notes which calls the state holds as finished and how often each had
run; at the end it asserts:

- the output file has every expected line exactly once, whole, with the values of a run that never crashed;
- no call the state held as finished at a kill ran again after it (calls in flight at a kill may run again;
  the Python ones have a reconciler and never do);
- the final short-term memory of every key is that of a run that never crashed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import crash_agents

ROOT = Path(__file__).resolve().parents[2]
BRIDGE = [sys.executable, "-m", "bridge.cli"]


def _effects(work: Path) -> list[str]:
    path = work / "effects.log"
    return path.read_text().split() if path.exists() else []


def _finished_calls(state: str, work: Path) -> set[str]:
    """The side effects whose calls the state holds as done, named as in effects.log."""
    from bridge.store import open_store

    store = open_store(state)
    try:
        store.lock_runner()  # the killed runner's lock is gone: take up its journal, as the next run will
        rows = [(r.kid, c["seq"], c["fid"], c["status"]) for r in store.runs() for c in store.key_calls(r.kid)
                if c["status"] == "done"]
        inputs = {(kid, seq): n for kid, seq, n in _inputs(store)}
    finally:
        store.close()
    names = set()
    for kid, seq, fid, _ in rows:
        if fid.startswith(("ja-", "jb-")):
            names.add(fid.replace("-", ":"))
        elif (kid, seq) in inputs:
            names.add(f"p:{json.loads(kid)}:{inputs[(kid, seq)]}")
    return names


def _inputs(store) -> list[tuple[str, int, int]]:
    return [(kid, seq, json.loads(payload)["n"])
            for kid, seq, payload in store._select("SELECT kid, seq, payload FROM bridge_inputs")]  # noqa: SLF001


def _gone(group: int) -> None:
    """Wait until every process of a killed group has died (a JVM child dies a moment after its parent)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive_in(group):
        time.sleep(0.01)


def _alive_in(group: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == group and (fields[0] != "Z" or _threads(stat.parent) > 1):
            return True  # in the group, and not yet a zombie whose threads are all gone (only they free its files)
    return False


def _threads(proc: Path) -> int:
    try:
        return len(os.listdir(proc / "task"))
    except OSError:
        return 0


def crash_and_recover(work: Path, state: str, inputs: int = 200, kills: int = 20, seed: int = 7,
                      hosts: tuple[str, ...] = ("python",)) -> dict:
    """Run the crash scenario in ``work`` on ``state``; returns figures (kills, restarts, seconds).

    Each restart runs under the next of ``hosts`` in turn (``bridge run --host``): ``("java",)`` kills the Java
    host, ``("python", "java")`` makes each host take up what the other left.
    """
    rng = random.Random(seed)
    plan = work / "plan.json"
    plan.write_text(json.dumps(crash_agents.plan_data()))
    source = work / "in.jsonl"
    source.write_text("".join(json.dumps({"key": f"k{n % crash_agents.KEYS}", "input": {"n": n}}) + "\n"
                              for n in range(inputs)))
    out = work / "out.jsonl"
    env = {**os.environ, "DURABLE_WORK": str(work),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    argv = [*BRIDGE, "run", str(plan), "--input", str(source), "--output", str(out), "--state", state,
            "--no-progress", "--host"]
    killed = 0
    watch: list[tuple[set[str], Counter]] = []
    started = time.monotonic()
    restarts = 0
    # Three side effects per input: spread the kills over them (a run that finishes before its kill ends the test).
    most = max(1, (3 * inputs) // max(kills, 1))
    while True:
        restarts += 1
        # A session of its own: the kill takes the whole group (under --host java, the JVM bridge run started).
        proc = subprocess.Popen([*argv, hosts[(restarts - 1) % len(hosts)]], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        if killed < kills:
            target = len(_effects(work)) + rng.randint(1, most)
            while proc.poll() is None and len(_effects(work)) < target:
                time.sleep(0.002)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                _gone(proc.pid)
                killed += 1
                watch.append((_finished_calls(state, work), Counter(_effects(work))))
                continue
        stdout, stderr = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise AssertionError(f"the run after {killed} kills failed ({proc.returncode}): {stderr.decode()[-2000:]}")
        break  # it ran to its end
    _check(work, state, out, inputs, watch)
    return {"kills": killed, "restarts": restarts, "seconds": time.monotonic() - started}


def _check(work: Path, state: str, out: Path, inputs: int, watch: list[tuple[set[str], Counter]]) -> None:
    want_outputs, want_memory = crash_agents.expected(inputs)
    text = out.read_text()
    assert text.endswith("\n"), "the output file ends in a half line"
    lines = [json.loads(line) for line in text.splitlines()]
    got = Counter((line["key"], line["output"]["n"]) for line in lines)
    assert [k for k, c in got.items() if c > 1] == [], "outputs written twice"
    assert sorted(got) == sorted(want_outputs), "outputs missing or unexpected"
    assert {(line["key"], line["output"]["n"]): line["output"] for line in lines} == want_outputs
    final = Counter(_effects(work))
    for finished, counts in watch:
        again = sorted(name for name in finished if final[name] != counts[name])
        assert again == [], f"calls held as finished at a kill ran again after it: {again}"
    assert all(final[f"p:k{n % crash_agents.KEYS}:{n}"] == 1 for n in range(inputs)), \
        "a reconciled Python call ran twice"
    from bridge.runtime._memory import MemoryStore
    from bridge.store import kid_of, open_store

    store = open_store(state)
    try:
        for key, memory in want_memory.items():
            tree = MemoryStore()
            tree.load("short_term", store.memory(kid_of(key)))
            assert tree.snapshot("short_term") == memory, f"memory of {key}"
    finally:
        store.close()
