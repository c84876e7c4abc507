"""Crash and resume: a scenario's ``bridge run --state`` killed at its kill points, restarted until it completes.

A scenario with a ``"crash"`` section in ``expected.json`` (README.md) runs on a SQLite state in its work folder.
Its actions append one line per side effect to the log ``$CONFORMANCE_EFFECTS`` names, the line being the durable
call's id. Run ``i`` is killed (SIGKILL to its whole process group: under ``--host java`` the JVM ``bridge run``
started dies with it) once the log has grown by ``kills[i]`` lines since it started; after the last kill one more
run must complete. At each kill the runner notes which calls the state holds as done and how often each side
effect had run; at the end it checks every kill happened and the side effects (:func:`effect_findings`). The final
run's outputs (rebuilt from the state: every run's) and report are then compared as in any scenario.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conformance.hosts import RUN_TIMEOUT, Host, Run, command, environment, run_scenario

EFFECTS = "CONFORMANCE_EFFECTS"  # as python_actions.conformance.EFFECTS and ConformanceActions.EFFECTS
POLL = 0.002  # seconds between looks at the effects log while a run is to be killed


@dataclass(frozen=True)
class Crash:
    """A scenario's ``"crash"`` section: where the runs are killed, and which side effects the whole run makes."""

    kills: tuple[int, ...]  # run i is killed once it has made kills[i] more side effects
    once: frozenset[str]  # side effects made exactly once (their calls are reconciled)
    at_least_once: frozenset[str]  # side effects made once or, when in flight at a kill, again


@dataclass
class Kill:
    """What the state and the effects log held when a run was killed."""

    done: set[str]  # ids of the calls the state holds as done
    made: Counter[str]  # how often each side effect had been made


def parse(data: Any, path: Path) -> Crash:
    """The ``"crash"`` section of ``path``; a malformed one fails naming the file and what is wrong."""
    if not isinstance(data, dict) or set(data) - {"kills", "effects"}:
        raise ValueError(f"{path}: 'crash' is an object of 'kills' and 'effects' (README.md), got {data!r}")
    kills, effects = data.get("kills"), data.get("effects")
    if not (isinstance(kills, list) and kills and all(type(k) is int and k > 0 for k in kills)):
        raise ValueError(f"{path}: crash.kills lists how many side effects each killed run makes first "
                         f"(at least one kill, each a positive integer), got {kills!r}")
    if not isinstance(effects, dict) or set(effects) - {"once", "at_least_once"}:
        raise ValueError(f"{path}: crash.effects has the lists 'once' and 'at_least_once', got {effects!r}")
    once, again = frozenset(effects.get("once", [])), frozenset(effects.get("at_least_once", []))
    if once & again or not (once | again):
        raise ValueError(f"{path}: crash.effects lists each side effect once, in 'once' or 'at_least_once'")
    return Crash(tuple(kills), once, again)


def run_crashing(host: Host, folder: Path, crash: Crash, work: Path) -> Run:
    """Run the scenario in ``folder`` under ``host`` on a state, killed as ``crash`` says, until it completes."""
    state, log = work / "state.db", work / "effects.log"
    env = environment(**{EFFECTS: str(log)})
    args = command(host, folder, work, "--state", str(state), "--no-progress")
    kills: list[Kill] = []
    for i, count in enumerate(crash.kills):
        started = len(_made(log))
        with open(work / f"run-{i + 1}.stderr", "wb") as stderr:
            # A session of its own, so one killpg takes the run and every process it started.
            proc = subprocess.Popen(args, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                                    start_new_session=True)
            deadline = time.monotonic() + RUN_TIMEOUT
            while proc.poll() is None and len(_made(log)) < started + count and time.monotonic() < deadline:
                time.sleep(POLL)
            if proc.poll() is not None:
                made = len(_made(log)) - started
                return _without_kill(host, work, f"kill {i + 1} of {len(crash.kills)} never happened: run {i + 1} "
                                     f"ended (exit code {proc.returncode}) after {made} of the {count} side effects "
                                     "it was to make first; the scenario cannot show a resume (kill earlier)")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        kills.append(Kill(_done_calls(state), Counter(_made(log))))
    final = run_scenario(host, folder, work, "--state", str(state), "--no-progress", env=env)
    final.findings += effect_findings(crash, kills, Counter(_made(log)))
    return final


def effect_findings(crash: Crash, kills: list[Kill], made: Counter[str]) -> list[str]:
    """What is wrong with the side effects ``made`` by the whole run, given what ``kills`` saw; empty when right.

    Every listed side effect was made, the ``once`` ones exactly once, none unlisted; no call the state held as
    done at a kill was made again after it (one in flight at a kill may be, unless reconciled).
    """
    found = [f"side effect {name!r} was never made" for name in sorted(crash.once | crash.at_least_once)
             if not made[name]]
    found += [f"side effect {name!r} was made {made[name]} times, expected once (its call is reconciled)"
              for name in sorted(crash.once) if made[name] > 1]
    found += [f"side effect {name!r} was made but is not listed in crash.effects"
              for name in sorted(set(made) - crash.once - crash.at_least_once)]
    checked = 0
    for i, kill in enumerate(kills):
        for name in sorted(kill.done & (crash.once | crash.at_least_once)):
            checked += 1
            if made[name] != kill.made[name]:
                found.append(f"call {name!r} was held as done at kill {i + 1} (made {kill.made[name]} times by "
                             f"then) and was made again after it: {made[name]} times in all")
    if kills and not checked:
        found.append("no call with a side effect was held as done at any kill, so nothing showed that a finished "
                     "call is not made again (kill later)")
    return found


def _without_kill(host: Host, work: Path, finding: str) -> Run:
    """A run that ended before its kill: no outputs or report to compare, why not, and what the runs said."""
    stderr = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(work.glob("run-*.stderr")))
    return Run(host.name, -1, stderr, [], None, [finding])


def _made(log: Path) -> list[str]:
    """The side effects in the log so far (a line being written is not counted yet)."""
    try:
        text = log.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return text[:text.rfind("\n") + 1].split()


def _done_calls(state: Path) -> set[str]:
    """The ids of the calls the state holds as done, once the killed run's last process has let go of it."""
    from bridge.errors import StateError
    from bridge.store import open_store

    if not state.exists():
        return set()
    store = open_store(str(state))
    try:
        deadline = time.monotonic() + 10
        while True:
            try:  # the kernel drops the run's lock when its last process is gone; then take up its journal
                store.lock_runner()
                break
            except StateError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        return {call["fid"] for record in store.runs() for call in store.key_calls(record.kid)
                if call["status"] == "done"}
    finally:
        store.close()
