"""Finding the JDK and the classpath, and the JVM's one-start rule."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.errors import JvmError
from bridge.jvm import JvmOptions, _discovery
from bridge.jvm._backend import check_same_options


def test_java_home_without_a_jvm_says_what_to_do(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(JvmError, match=r"JAVA_HOME=.*has no lib/server/libjvm.so.*install a JDK"):
        _discovery.find_java_home({})


def test_no_jdk_on_the_machine_names_where_it_looked_and_how_to_install_one(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(_discovery, "JDK_ROOTS", (str(tmp_path),))
    with pytest.raises(JvmError, match=r"no JDK found \(looked in JAVA_HOME and .*\): install a JDK 17"):
        _discovery.find_java_home({})


def test_the_newest_jdk_is_chosen_when_java_home_is_unset(monkeypatch, tmp_path: Path) -> None:
    for name, version in (("jdk-17", "17.0.9"), ("jdk-21", "21.0.2"), ("jre-broken", "99")):
        home = tmp_path / name
        (home / "lib" / "server").mkdir(parents=True)
        (home / "release").write_text(f'JAVA_VERSION="{version}"\n')
        if name != "jre-broken":
            (home / "lib" / "server" / "libjvm.so").write_bytes(b"")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(_discovery, "JDK_ROOTS", (str(tmp_path),))
    assert _discovery.find_java_home({}).name == "jdk-21"


def test_the_classpath_adds_plan_config_and_environment_entries(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "bridge-runtime-0.1.jar").write_bytes(b"")
    monkeypatch.setenv("BRIDGE_JARS_DIR", str(tmp_path))
    monkeypatch.setenv("BRIDGE_CLASSPATH", "/opt/a.jar:/opt/b.jar")
    entries = _discovery.classpath({"bridge.jvm.classpath": ["/plan/c.jar"]})
    assert entries == (str(tmp_path / "bridge-runtime-0.1.jar"), "/plan/c.jar", "/opt/a.jar", "/opt/b.jar")


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
    assert "bridge-runtime" in result.output and "java home" in result.output


def test_doctor_without_a_jdk_says_what_to_install(monkeypatch, tmp_path: Path) -> None:
    from bridge.cli import main

    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "not-a-jdk"))
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 2
    assert "install a JDK 17 or newer" in result.output and "JAVA_HOME" in result.output
