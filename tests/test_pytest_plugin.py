"""The pytest plugin (bridge/testing.py): the bridge_run fixture, its per-key failures, --bridge-host and the marker.

The first tests use the plugin as a user's suite does (it is installed with the package, no conftest needed);
the others run a small suite of their own through ``pytester`` to see what a user sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge import Agent, InputEvent, OutputEvent, action
from bridge.testing import BridgeResult

pytest_plugins = ["pytester"]


def double(n: int) -> int:
    return n * 2


class Tally(Agent):
    """Adds each input's ``n`` to the key's total and answers with the doubled input and the total."""

    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        n = event.input["n"]
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        total = (ctx.short_term_memory.get("total") or 0) + n
        ctx.short_term_memory.set("total", total)
        ctx.send_event(OutputEvent(output={"twice": ctx.durable_execute(double, n), "total": total}))


INPUTS = [("ada", {"n": 1}), ("bob", {"n": 5}), ("ada", {"n": 2}), ("eve", {"n": -1})]


@pytest.mark.bridge_hosts
def test_bridge_run_gives_outputs_memory_and_errors_per_key_under_each_host(bridge_run, bridge_host) -> None:
    result = bridge_run(Tally, INPUTS)
    assert result.host == bridge_host
    result.assert_outputs({"ada": [{"twice": 2, "total": 1}, {"twice": 4, "total": 3}],
                           "bob": [{"twice": 10, "total": 5}]})
    result.assert_memory({"ada": {"total": 3}, "bob": {"total": 5}, "eve": {}}, only=True)
    assert list(result.errors) == ["eve"]
    assert result.errors["eve"] == [{"action": "handle", "error": "ValueError: n must not be negative, got -1"}]


def test_bridge_run_shows_the_events_each_key_s_actions_sent(bridge_run) -> None:
    result = bridge_run(Tally, INPUTS[:3])
    result.assert_sent({"ada": ["_output_event", "_output_event"], "bob": ["_output_event"]})
    assert [event.output for event in result.sent["bob"]] == [{"twice": 10, "total": 5}]


@pytest.mark.bridge_hosts
def test_bridge_run_with_a_state_shows_each_key_s_durable_calls_under_each_host(bridge_run, tmp_path: Path) -> None:
    result = bridge_run(Tally, INPUTS[:3], state=tmp_path / "runs.db")
    assert [(call["status"], call["result"]) for call in result.calls["ada"]] == [("done", 2), ("done", 4)]
    assert [(call["status"], call["result"]) for call in result.calls["bob"]] == [("done", 10)]
    assert result.calls["ada"][0]["fid"].endswith("double")


def test_bridge_run_takes_a_plan_file_and_runtime_options(bridge_run, tmp_path: Path) -> None:
    from bridge import AgentPlan

    plan = tmp_path / "plan.json"
    plan.write_text(AgentPlan.from_agent(Tally).to_json(), encoding="utf-8")
    result = bridge_run(str(plan), [("ada", {"n": 4})], workers=1)
    result.assert_outputs({"ada": [{"twice": 8, "total": 4}]})
    result.assert_no_errors()


def test_a_difference_is_shown_per_key_expected_beside_got_in_order() -> None:
    result = BridgeResult("python", outputs={"a": [1], "b": [2, 3], "c": [True]}, memory={}, errors={})
    with pytest.raises(AssertionError) as caught:
        result.assert_outputs({"a": [1], "b": [2, 4], "c": [1], "d": [5]})
    assert str(caught.value).splitlines() == [
        "outputs differ for 3 of 4 key(s) under the python host:",
        "  key 'b':", "    expected: [2, 4]", "    got:      [2, 3]",
        "  key 'c':", "    expected: [1]", "    got:      [True]",  # 1 and True are different JSON values
        "  key 'd':", "    expected: [5]", "    got:      []",
    ]


PLUGIN_SUITE = '''
import pytest
from bridge import Agent, InputEvent, OutputEvent, action


class Echo(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.send_event(OutputEvent(output=event.input))


@pytest.mark.bridge_hosts
def test_echo(bridge_run):
    bridge_run(Echo, [("k1", "x"), ("k2", "y"), ("k1", "z")]).assert_outputs({"k1": ["x", "z"], "k2": ["y"]})


@pytest.mark.bridge_hosts("python")
def test_only_python(bridge_run):
    bridge_run(Echo, [("k", 1)]).assert_outputs({"k": [1]})


def test_unmarked(bridge_run, bridge_host):
    assert bridge_host == "python"


def test_wrong(bridge_run):
    bridge_run(Echo, [("k1", "x"), ("k2", "y")]).assert_outputs({"k1": ["x"], "k2": ["why"]})
'''


def test_a_users_suite_gets_the_fixture_and_a_per_key_failure_without_a_conftest(pytester) -> None:
    pytester.makepyfile(test_users=PLUGIN_SUITE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*outputs differ for 1 of 2 key(s) under the python host:",
                                 "*  key 'k2':", "*    expected: [[]'why'[]]",
                                 "*    got:      [[]'y'[]]"])
    assert "testing.py" not in result.stdout.str()  # the traceback ends at the user's line


def test_bridge_host_runs_a_marked_test_once_per_host_the_marker_allows(pytester) -> None:
    pytester.makepyfile(test_users=PLUGIN_SUITE)
    result = pytester.runpytest("--bridge-host", "python,java,py4j", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_users.py::test_echo[[]python[]]", "test_users.py::test_echo[[]java[]]",
                                 "test_users.py::test_echo[[]py4j[]]",
                                 "test_users.py::test_only_python[[]python[]]", "test_users.py::test_unmarked",
                                 "test_users.py::test_wrong", "6 tests collected*"])


def test_an_unknown_bridge_host_is_a_usage_error_naming_the_hosts(pytester) -> None:
    pytester.makepyfile(test_users=PLUGIN_SUITE)
    result = pytester.runpytest("--bridge-host", "python,ruby")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--bridge-host takes hosts among python, java, py4j separated by commas, "
                                 "got 'python,ruby'*"])


def test_the_java_host_not_built_skips_with_how_to_build_it(pytester) -> None:
    # The check itself reads `bridge classpath`; here its answer is replaced to see what a test without the
    # Java build reports.
    pytester.makeconftest('''
import bridge.testing

def pytest_configure(config):
    bridge.testing.java_host_missing = lambda: "the Java host is not built (make jars)"
''')
    pytester.makepyfile(test_users=PLUGIN_SUITE)
    result = pytester.runpytest_subprocess("--bridge-host", "java", "-rs", "-k", "echo")  # the patch stays there
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] test_users.py:*: the Java host is not built (make jars)"])
