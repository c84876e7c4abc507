"""Class data sharing: the archive is built from what runs load, after they end, and never fails a run."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_support import java, jsonl, plan_file, py

from bridge.jvm import _cds, _cds_build
from bridge.jvm._discovery import find_java_home, jdk_version

pytestmark = pytest.mark.usefixtures("java_built")
MIXED = {"write_for_java": (py("write_for_java", "python_actions.conformance"), ["_input_event"]),
         "java_copies": (java("copyMemory", "dev.bridge.examples.CrossingActions"), ["to_java"]),
         "read_java_copy": (py("read_java_copy", "python_actions.conformance"), ["copied"])}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(folder))
    monkeypatch.delenv("BRIDGE_CDS", raising=False)
    return folder / "cds"


# The jars the build copies for the JVM (tests/conftest.py's JARS; a function-level "from conftest import" would
# find whichever conftest module was imported last).
JARS = Path(__file__).resolve().parents[2] / "java" / "dist" / "target" / "jars"


def _jdk() -> tuple[str, list[str]]:
    return str(find_java_home()), sorted(str(p) for p in JARS.glob("*.jar"))


def _record(java_home: str, classpath: list[str], target: Path, main_class: str = "") -> Path:
    """The class list of a real JVM run: ``java -version``, or a class's main method on the classpath."""
    command = [str(Path(java_home) / "bin" / "java"), f"-XX:DumpLoadedClassList={target}", "-cp",
               os.pathsep.join(classpath), *([main_class] if main_class else ["-version"])]
    subprocess.run(command, capture_output=True, check=False, timeout=120)
    assert target.is_file() and target.stat().st_size > 0
    return target


def test_nothing_is_added_when_sharing_is_switched_off_or_chosen_by_the_flags(cache: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    home, classpath = _jdk()
    monkeypatch.setenv("BRIDGE_CDS", "off")
    assert _cds.flags(home, classpath, [], (25,)) == []
    monkeypatch.delenv("BRIDGE_CDS")
    assert _cds.flags(home, classpath, ["-Xshare:off"], (25,)) == []
    assert _cds.flags(home, classpath, ["-XX:SharedArchiveFile=/x.jsa"], (25,)) == []
    assert _cds.flags(home, [*classpath, str(cache.parents[1])], [], (25,)) == []  # a folder cannot be archived
    assert not cache.exists()


def test_the_archive_name_changes_with_any_classpath_jar(tmp_path: Path) -> None:
    home, classpath = _jdk()
    jar = tmp_path / "extra.jar"
    jar.write_bytes(b"PK")
    before = _cds.archive_key(home, [*classpath, str(jar)])
    os.utime(jar, ns=(0, 1_000_000_000))
    assert _cds.archive_key(home, [*classpath, str(jar)]) != before


def test_a_build_makes_the_archive_once_and_grows_it_only_for_new_classes(cache: Path, tmp_path: Path) -> None:
    home, classpath = _jdk()
    cache.mkdir(parents=True)
    base = cache / _cds.archive_key(home, classpath)
    _cds_build.build(home, classpath, str(_record(home, classpath, tmp_path / "a.classlist")), str(base))
    archive = base.with_suffix(".jsa")
    assert archive.is_file() and base.with_suffix(".classes").is_file()
    assert not (tmp_path / "a.classlist").exists()
    assert "-XX:DumpLoadedClassList" in " ".join(_cds.flags(home, classpath, [], (25,)))  # still recording
    built = archive.stat().st_mtime_ns
    _cds_build.build(home, classpath, str(_record(home, classpath, tmp_path / "b.classlist")), str(base))
    assert archive.stat().st_mtime_ns == built  # the same classes: nothing to add; settled, starts stop recording
    assert _cds.flags(home, classpath, [], (25,)) == [f"-XX:SharedArchiveFile={archive}", "-Xshare:auto",
                                                      "-Xlog:cds*=off", "-Xlog:aot*=off"]
    # A run that loads other classes (the launcher looking into one of bridge's): built again with them.
    more = _record(home, classpath, tmp_path / "c.classlist", "dev.bridge.runtime.PortableValues")
    _cds_build.build(home, classpath, str(more), str(base))
    assert archive.stat().st_mtime_ns != built and not base.with_suffix(".settled").exists()
    assert "dev/bridge/runtime/PortableValues" in _cds_build.read_classes(base.with_suffix(".classes"))


def test_a_failed_build_is_written_down_and_not_tried_again(cache: Path, tmp_path: Path) -> None:
    home, classpath = _jdk()
    cache.mkdir(parents=True)
    key = _cds.archive_key(home, classpath)
    listed = _record(home, classpath, tmp_path / "a.classlist")
    _cds_build.build(str(tmp_path / "no-jdk"), classpath, str(listed), str(cache / key))
    failed = (cache / key).with_suffix(".failed")
    assert failed.is_file() and not (cache / key).with_suffix(".jsa").exists()
    assert "FileNotFoundError" in failed.read_text()
    assert _cds.flags(home, classpath, [], jdk_version(Path(home))) == []
    assert "building it failed" in _cds.status(home, classpath)


def _run(plan: Path, inputs: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bridge = [sys.executable, "-c", "import sys; from bridge.cli import main; sys.exit(main())"]
    return subprocess.run([*bridge, "run", str(plan), "-i", str(inputs)], capture_output=True, text=True,
                          env=env, timeout=180, cwd=Path(__file__).parents[1], check=False)


def _wait_for(condition, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the class data sharing helper did not finish"
        time.sleep(0.2)


def test_a_damaged_archive_costs_no_run_and_is_made_anew(cache: Path, tmp_path: Path) -> None:
    plan = plan_file(tmp_path, MIXED)
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "k", "input": "x"}])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), *sys.path])}
    # The first run records its classes; its helper builds the archive once the run has ended.
    first = _run(plan, inputs, env)
    assert first.returncode == 0, first.stderr
    _wait_for(lambda: any(cache.glob("*.jsa")) and not any(cache.glob("*.lock")))
    archive = next(cache.glob("*.jsa"))
    # Damaged (a full disk, a copy cut short): the JVM refuses it; the run goes on and prints only its output.
    archive.write_bytes(archive.read_bytes()[:100_000])
    damaged = _run(plan, inputs, env)
    assert damaged.returncode == 0, damaged.stderr
    assert damaged.stdout == first.stdout and json.loads(damaged.stdout.splitlines()[0])["key"] == "k"
    _wait_for(lambda: archive.is_file() and archive.stat().st_size > 100_000 and not any(cache.glob("*.lock")))
    # Made anew from the damaged run's classes; the next start maps bridge's runtime classes from it.
    probe = "from bridge.jvm import default_bridge; default_bridge({}).jclass('dev.bridge.runtime.JavaAction')"
    logged = {**env, "BRIDGE_JVM_OPTIONS": "-Xlog:class+load=info:stderr"}
    mapped = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=logged,
                            timeout=120, check=True)
    assert "dev.bridge.runtime.JavaAction source: shared objects file" in mapped.stderr
