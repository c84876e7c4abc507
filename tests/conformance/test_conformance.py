"""One conformance suite for every host: each scenario of ``scenarios/`` runs under each host.

The test id names both, ``test_scenario[python-mixed_memory]``. Runs are child processes of ``bridge run
--report`` (see ``hosts.py``); the scenarios a session selected start together, a few at a time, when the first
of them is asked for, so the JVM start-ups overlap. A host that is not built here is skipped with the reason,
except under CI once its module exists (then it fails). README.md describes the scenario files.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conformance import compare
from tests.conformance.crash import Crash, Kill, effect_findings, parse, run_crashing
from tests.conformance.hosts import HOSTS, JARS, Host, Run, missing, must_run, run_scenario

PARALLEL = 3  # runs at once: a run mostly waits on a JVM start or on its durable calls


class Runs:
    """The session's scenario runs: started together on first use, each awaited by its own test."""

    def __init__(self, wanted: list[tuple[str, str]], work: Path) -> None:
        self._wanted = wanted
        self._work = work
        self._pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="conformance")
        self._runs: dict[tuple[str, str], Future[Run]] = {}

    def get(self, host: Host, scenario: compare.Scenario) -> Run:
        if (host.name, scenario.name) not in self._runs:
            for name in [s for h, s in self._wanted if h == host.name] or [scenario.name]:
                self._start(host, name)
            self._start(host, scenario.name)
        return self._runs[(host.name, scenario.name)].result()

    def _start(self, host: Host, name: str) -> None:
        if (host.name, name) in self._runs:
            return
        work = self._work / f"{host.name}-{name}"
        work.mkdir(parents=True, exist_ok=True)
        crash = compare.load(name).crash
        if crash is not None:  # killed and restarted on a state until it completes
            self._runs[(host.name, name)] = self._pool.submit(run_crashing, host, compare.SCENARIOS / name, crash,
                                                              work)
        else:
            self._runs[(host.name, name)] = self._pool.submit(run_scenario, host, compare.SCENARIOS / name, work)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    wanted = []
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.originalname == "test_scenario" and "host" in params and "scenario" in params:
            if missing(HOSTS[params["host"]]) is None:
                wanted.append((params["host"], params["scenario"]))
    session_runs = Runs(wanted, tmp_path_factory.mktemp("conformance"))
    yield session_runs
    session_runs.close()


def _unavailable(message: str, required: bool) -> None:
    if required:
        pytest.fail(message)
    pytest.skip(message)


@pytest.mark.parametrize("scenario", compare.names())
@pytest.mark.parametrize("host", list(HOSTS))
def test_scenario(host: str, scenario: str, runs: Runs) -> None:
    """The host's outputs per key (in order), final short-term memory per key and failing keys are expected."""
    chosen = HOSTS[host]
    loaded = compare.load(scenario)
    reason = missing(chosen)
    if reason is not None:
        _unavailable(reason, must_run(chosen))
    if loaded.needs_java and not any(JARS.glob("bridge-runtime-*.jar")):
        _unavailable(f"the Java build is missing: no bridge-runtime jar in {JARS} (run `make jars`)",
                     os.environ.get("CI") == "true")
    run = runs.get(chosen, loaded)
    found = compare.differences(loaded, run)
    pending = loaded.pending.get(host)
    if pending is not None:  # a known gap of this host: it must still differ, else the entry must go
        if not found:
            pytest.fail(f"scenario {scenario} now conforms under the {host} host: remove its 'pending' entry "
                        f"({pending!r}) from expected.json", pytrace=False)
        pytest.xfail(f"pending under the {host} host: {pending}; first difference: {found[0]}")
    if found:
        stderr = run.stderr.strip()
        pytest.fail(f"{host} host, scenario {scenario} ({loaded.about}):\n  " + "\n  ".join(found)
                    + (f"\nstandard error of the run:\n{stderr}" if stderr else ""), pytrace=False)


def test_every_scenario_folder_is_complete_and_its_expected_file_reads() -> None:
    names = compare.names()
    assert names, f"no scenarios in {compare.SCENARIOS}"
    for folder in compare.SCENARIOS.iterdir():
        if folder.is_dir():
            assert {"plan.json", "input.jsonl", "expected.json"} <= {p.name for p in folder.iterdir()}, folder
    for name in names:
        assert compare.load(name).keys, f"{name}: expects no keys"


def test_a_difference_names_the_key_the_place_and_both_values() -> None:
    scenario = compare.Scenario("example", compare.SCENARIOS, "about", [
        compare.ExpectedKey(1, [{"n": 1}], {"a": {"b": 1}}),
        compare.ExpectedKey("k", [], {}, [{"action": "act", "error": "ValueError", "message": "bad"}])])
    run = Run("python", 1, "", [(1, {"n": 1.0}), ("k", "late")], {"host": "python", "keys": [
        {"key": 1, "short_term_memory": {"a": {"b": True}, "c": 2}, "status": "ok", "errors": []},
        {"key": "k", "short_term_memory": {}, "status": "error",
         "errors": [{"action": "act", "error": "TypeError: bad"}]},
        {"key": 1.0, "short_term_memory": {}, "status": "ok", "errors": []}]})
    assert compare.differences(scenario, run) == [
        "key 1.0: in the report but not expected (a key that had no input?)",
        "key 1: outputs[0].n: expected 1 (integer), got 1.0 (float)",
        "key 1: short_term_memory.c: not expected, got 2 (integer)",
        "key 1: short_term_memory.a.b: expected 1 (integer), got true (boolean)",
        'key "k": outputs: expected 0 items, got 1: ["late"] (array)',
        "key \"k\": errors[0]: expected action 'act' failing with ValueError containing 'bad', got action 'act' "
        "failing with 'TypeError: bad'",
    ]
    assert compare.value_differences(-0.0, 0.0, "x") == ["x: expected -0.0 (float), got 0.0 (float)"]


def test_the_crash_checks_name_each_broken_promise_of_a_resumed_run() -> None:
    crash = Crash((2, 3), frozenset({"py:1", "py:2"}), frozenset({"ja:1", "ja:2"}))
    kills = [Kill({"py:1", "ja:1", "pure"}, Counter(["py:1", "ja:1"])),
             Kill({"py:1", "ja:1"}, Counter(["py:1", "ja:1", "ja:2"]))]
    made = Counter(["py:1", "ja:1", "ja:1", "ja:2", "ja:2", "stray"])
    assert effect_findings(crash, kills, made) == [
        "side effect 'py:2' was never made",
        "side effect 'stray' was made but is not listed in crash.effects",
        "call 'ja:1' was held as done at kill 1 (made 1 times by then) and was made again after it: 2 times in all",
        "call 'ja:1' was held as done at kill 2 (made 1 times by then) and was made again after it: 2 times in all"]
    # An unfinished call in flight at a kill may run again; a reconciled one may not, done or not.
    assert effect_findings(crash, kills, made + Counter(["py:2", "py:2"]) - Counter(["stray", "ja:1"])) == [
        "side effect 'py:2' was made 2 times, expected once (its call is reconciled)"]
    assert effect_findings(crash, [Kill(set(), Counter())], Counter(["py:1", "py:2", "ja:1", "ja:2"])) == [
        "no call with a side effect was held as done at any kill, so nothing showed that a finished call is not "
        "made again (kill later)"]


@pytest.mark.parametrize("section", [
    {"kills": [], "effects": {"once": ["a"]}}, {"kills": [0], "effects": {"once": ["a"]}},
    {"kills": [1.0], "effects": {"once": ["a"]}}, {"kills": [1], "effects": {}},
    {"kills": [1], "effects": {"once": ["a"], "at_least_once": ["a"]}}, {"kills": [1], "effect": {"once": ["a"]}}])
def test_a_malformed_crash_section_is_refused_naming_the_file(section: dict) -> None:
    with pytest.raises(ValueError, match="expected.json: .*crash"):
        parse(section, Path("expected.json"))


def test_a_crash_scenario_kills_each_host_at_least_twice_mid_run() -> None:
    crashing = [compare.load(name) for name in compare.names() if compare.load(name).crash is not None]
    assert crashing, "no crash-and-resume scenario"
    for scenario in crashing:  # run_crashing fails a run that ends before one of these kills
        assert len(scenario.crash.kills) >= 2, scenario.name


def test_a_crash_run_that_ends_before_its_kill_fails_saying_so(tmp_path: Path) -> None:
    scenario = compare.load("crash_resume")
    if not any(JARS.glob("bridge-runtime-*.jar")):
        _unavailable(f"the Java build is missing: no bridge-runtime jar in {JARS} (run `make jars`)",
                     os.environ.get("CI") == "true")
    crash = Crash((1000,), scenario.crash.once, scenario.crash.at_least_once)
    run = run_crashing(HOSTS["python"], scenario.folder, crash, tmp_path)
    assert run.findings and run.findings[0].startswith("kill 1 of 1 never happened: run 1 ended (exit code 0) "
                                                        "after 60 of the 1000 side effects"), run.findings
    assert compare.differences(scenario, run)[0] == run.findings[0]


def test_a_missing_java_host_fails_only_under_ci_once_its_module_exists(monkeypatch, tmp_path: Path) -> None:
    from tests.conformance import hosts

    java = HOSTS["java"]
    monkeypatch.setattr(hosts, "JAVA_HOST_MODULE", tmp_path / "host")
    monkeypatch.setenv("CI", "true")
    assert not must_run(java)  # no module yet: the java cases skip, even on CI
    (tmp_path / "host").mkdir()
    assert must_run(java)
    monkeypatch.setenv("CI", "false")
    assert not must_run(java)  # on a developer's machine a host not built is a skip
