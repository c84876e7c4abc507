"""Java dependencies by Maven coordinates: resolved by Maven from the local repository (then Maven Central), cached.

The coordinates are the project's own (``dev.bridge:bridge-examples``), which the Java build installs into the
local repository (``make test`` runs ``mvn install``; the fixture installs them when they are missing), so the
resolution runs offline; only the unknown coordinate asks Maven Central, which has no such artifact.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from bridge.errors import JvmError, PlanError
from bridge.jvm import _discovery, _maven
from bridge.testing import run_cli

ROOT = Path(__file__).resolve().parents[2]
VERSION = re.search(r"<version>([^<]+)</version>", (ROOT / "pom.xml").read_text()).group(1)
EXAMPLES = f"dev.bridge:bridge-examples:{VERSION}"
LOCAL_REPO = Path.home() / ".m2" / "repository"


def _needs(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def installed() -> str:
    """The examples module's coordinates, installed in the local repository (by ``mvn install`` when missing)."""
    if shutil.which("mvn") is None:
        _needs("Maven (mvn) is not on PATH: resolving coordinates runs it")
    jar = LOCAL_REPO / "dev/bridge/bridge-examples" / VERSION / f"bridge-examples-{VERSION}.jar"
    if not jar.is_file():
        done = subprocess.run(["mvn", "-B", "-ntp", "-q", "-o", "-DskipTests", "install", "-pl", "java/examples",
                               "-am"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, f"mvn install failed:\n{done.stdout}\n{done.stderr}"
    return EXAMPLES


@pytest.fixture(scope="module")
def resolved(installed: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, ...]]:
    """One resolution of the examples' coordinates into a cache folder of its own: (that folder, the jars)."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRIDGE_CACHE_DIR", str(cache))
        return cache, _maven.resolve([installed], "test")


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _names(jars: tuple[str, ...]) -> set[str]:
    return {re.sub(r"-\d[\w.\-]*\.jar$", "", Path(j).name) for j in jars}


def test_coordinates_bring_their_jar_and_its_runtime_dependencies_from_the_local_repository(resolved) -> None:
    _, jars = resolved
    assert all(Path(j).is_file() and Path(j).is_relative_to(LOCAL_REPO) for j in jars), jars
    # bridge-examples itself, what it depends on (bridge-runtime, bridge-api) and what those depend on (Jackson)
    assert {"bridge-examples", "bridge-runtime", "bridge-api", "jackson-databind", "jackson-core"} <= _names(jars)
    assert not {"junit-jupiter", "junit-jupiter-api"} & _names(jars)  # test scope is not the runtime's


def test_a_later_start_reads_the_cached_classpath_without_maven_whatever_the_order(resolved, monkeypatch) -> None:
    cache, jars = resolved
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(cache))
    monkeypatch.setenv("MVN", "/nonexistent/mvn")
    assert _maven.resolve([EXAMPLES], "test") == jars
    other_order = [f"dev.bridge:bridge-api:{VERSION}", EXAMPLES]
    assert _maven.cache_file(other_order) == _maven.cache_file(list(reversed(other_order)))
    assert json.loads(_maven.cache_file([EXAMPLES]).read_text())["coordinates"] == [EXAMPLES]


def test_a_cached_classpath_whose_jar_is_gone_is_resolved_again(installed, cache: Path) -> None:
    stale = _maven.cache_file([installed])
    stale.parent.mkdir(parents=True)
    stale.write_text(json.dumps({"coordinates": [installed], "classpath": ["/gone/bridge-examples.jar"]}))
    jars = _maven.resolve([installed], "test")
    assert "/gone/bridge-examples.jar" not in jars and "bridge-examples" in _names(jars)
    assert json.loads(stale.read_text())["classpath"] == list(jars)


def test_a_cache_that_cannot_be_written_does_not_stop_the_start(installed, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("BRIDGE_CACHE_DIR", str(tmp_path / "a-file"))  # its maven/ folder cannot be made
    assert "bridge-examples" in _names(_maven.resolve([installed], "test"))


def test_an_unknown_coordinate_is_named_with_the_repositories_tried(installed, cache: Path, monkeypatch) -> None:
    monkeypatch.setenv("BRIDGE_MAVEN", f"dev.bridge:no-such-artifact:{VERSION}-nope, {installed}")
    with pytest.raises(JvmError) as info:
        _discovery.maven_classpath({})
    message = str(info.value)
    assert message.startswith(f"BRIDGE_MAVEN: could not resolve dev.bridge:no-such-artifact:{VERSION}-nope (tried ")
    assert installed not in message.split("(tried")[0]  # the good one is not blamed
    assert "the local repository (" in message and "https://repo.maven.apache.org/maven2" in message
    assert not list(cache.glob("maven/*.json"))  # nothing cached for a failed resolution


def test_without_maven_the_error_says_what_to_install(cache: Path, monkeypatch) -> None:
    monkeypatch.setenv("MVN", "/nonexistent/mvn")
    with pytest.raises(JvmError, match=r"the plan's bridge.jvm.maven lists Maven coordinates .* install Maven 3.6.1\+"):
        _discovery.maven_classpath({"bridge.jvm.maven": [EXAMPLES]})


@pytest.mark.parametrize("value", ["dev.bridge:bridge-examples", ["dev.bridge bridge-examples 1.0"], "a:b:c:d:e:f"])
def test_a_malformed_coordinate_in_the_plan_names_the_field_and_the_form(value) -> None:
    with pytest.raises(PlanError, match="is not a Maven coordinate: write group:artifact:version") as info:
        _discovery.check_config({"bridge.jvm.maven": value})
    assert info.value.path == "config.conf_data.bridge.jvm.maven"


def test_a_malformed_coordinate_in_the_variable_names_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("BRIDGE_MAVEN", "dev.bridge:bridge-examples:1.0;org.x:y:2")
    with pytest.raises(JvmError, match=r"BRIDGE_MAVEN: 'dev.bridge:bridge-examples:1.0;org.x:y:2' is not a Maven"):
        _discovery.maven_classpath({})


def test_coordinates_split_on_commas_and_spaces_and_keep_their_order_once() -> None:
    assert _maven.parse_coordinates("a:b:1, c:d:jar:2\n e:f:jar:tests:3 a:b:1") == (
        "a:b:1", "c:d:jar:2", "e:f:jar:tests:3")


def test_a_plan_runs_a_java_action_whose_jars_come_only_from_maven_coordinates(installed, resolved,
                                                                              tmp_path: Path) -> None:
    """No project jars at all (an empty jars folder): the runtime, the API and the action all come from Maven."""
    cache, _ = resolved  # resolved once already: this run reads the cached classpath
    empty = tmp_path / "no-jars"
    empty.mkdir()
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({
        "agent_name": "maven_check",
        "actions": {"review": {"name": "review", "trigger_conditions": ["_input_event"], "exec": {
            "func_type": "JavaFunction", "qualname": "dev.bridge.examples.OrderActions", "method_name": "reviewOrder",
            "parameter_types": ["dev.bridge.api.Event", "dev.bridge.api.RunnerContext"]}}},
        "config": {"conf_data": {"bridge.jvm.maven": [installed]}}}))
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(json.dumps({"key": "ada", "input": {"order_id": "ORD-1001"}}) + "\n")
    env = {**os.environ, "BRIDGE_JARS_DIR": str(empty), "BRIDGE_CACHE_DIR": str(cache), "BRIDGE_CDS": "off"}
    env.pop("BRIDGE_CLASSPATH", None)
    run = run_cli(plan, inputs, tmp_path, env=env)
    assert run.exit_code == 0, run.stderr
    memory = run.report["keys"][0]["short_term_memory"]
    assert memory["orders"]["ORD-1001"]["decision"] == "approve"


def test_a_packaging_and_a_classifier_go_to_the_generated_poms_type_and_classifier() -> None:
    pom = _maven._pom(["org.x:tools:jar:tests:1.2", "org.x:lib:pom:3"])
    assert ("<groupId>org.x</groupId><artifactId>tools</artifactId><version>1.2</version><type>jar</type>"
            "<classifier>tests</classifier>") in pom
    assert "<artifactId>lib</artifactId><version>3</version><type>pom</type></dependency>" in pom


FIRST_MISS = ("[ERROR] Failed to execute goal on project classpath: Could not resolve dependencies for project "
              "bridge.resolve:classpath:pom:0: Could not find artifact dev.bridge:nope:jar:1.0 in central "
              "(https://repo.maven.apache.org/maven2) -> [Help 1]\n"
              "[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/DependencyResolutionException\n")
CACHED_MISS = ("[ERROR] Failed to execute goal on project classpath: Could not resolve dependencies for project "
               "bridge.resolve:classpath:pom:0: dev.bridge:nope:jar:1.0 was not found in "
               "https://repo.maven.apache.org/maven2 during a previous attempt. This failure was cached in the local "
               "repository and resolution is not reattempted until the update interval of central has elapsed or "
               "updates are forced -> [Help 1]\n")
TRANSITIVE = ("[ERROR] Failed to execute goal on project classpath: Could not resolve dependencies for project "
              "bridge.resolve:classpath:pom:0: Failure to find org.gone:lib:jar:2.0 in https://repo.example/maven "
              "was cached in the local repository\n")


@pytest.mark.parametrize("log", [FIRST_MISS, CACHED_MISS], ids=["first-miss", "cached-miss"])
def test_the_failure_names_the_missing_coordinate_whatever_mavens_wording(log: str) -> None:
    message = _maven._failure(["dev.bridge:nope:1.0", "org.ok:fine:2.0"], "BRIDGE_MAVEN", log)
    assert message.startswith("BRIDGE_MAVEN: could not resolve dev.bridge:nope:1.0 (tried the local repository (")
    assert "; https://repo.maven.apache.org/maven2)" in message
    assert "org.ok:fine" not in message and "cwiki" not in message and "bridge.resolve" not in message


def test_a_missing_dependency_of_a_coordinate_is_named_as_such() -> None:
    message = _maven._failure(["org.ok:fine:2.0"], "the plan's bridge.jvm.maven", TRANSITIVE)
    assert "could not resolve org.gone:lib:jar:2.0 (a dependency of org.ok:fine:2.0)" in message
    assert "https://repo.example/maven)" in message


# Maven 3.8.7's words when the repository cannot be reached (a mirror of central on a closed port): the coordinate
# exists on Maven Central, the download failed; and when it cannot even fetch the dependency plugin.
UNREACHABLE = ("[ERROR] Failed to execute goal on project classpath: Could not resolve dependencies for project "
               "bridge.resolve:classpath:pom:0: Failed to collect dependencies at org.apache.commons:commons-lang3:"
               "jar:3.13.0: Failed to read artifact descriptor for org.apache.commons:commons-lang3:jar:3.13.0: "
               "Could not transfer artifact org.apache.commons:commons-lang3:pom:3.13.0 from/to central "
               "(http://127.0.0.1:9/maven2): transfer failed for http://127.0.0.1:9/maven2/org/apache/commons/"
               "commons-lang3/3.13.0/commons-lang3-3.13.0.pom: Connect to 127.0.0.1:9 [/127.0.0.1] failed: "
               "Connection refused -> [Help 1]\n[ERROR] \n")
PLUGIN_UNREACHABLE = ("[ERROR] Plugin org.apache.maven.plugins:maven-dependency-plugin:3.8.1 or one of its "
                      "dependencies could not be resolved: Failed to read artifact descriptor for org.apache.maven."
                      "plugins:maven-dependency-plugin:jar:3.8.1: Could not transfer artifact org.apache.maven."
                      "plugins:maven-dependency-plugin:pom:3.8.1 from/to down (http://127.0.0.1:9/maven2): transfer "
                      "failed for http://127.0.0.1:9/maven2/org/apache/maven/plugins/maven-dependency-plugin/3.8.1/"
                      "maven-dependency-plugin-3.8.1.pom: Connect to 127.0.0.1:9 [/127.0.0.1] failed: Connection "
                      "refused -> [Help 1]\n")


def test_an_unreachable_repository_is_not_reported_as_a_wrong_coordinate() -> None:
    message = _maven._failure(["org.apache.commons:commons-lang3:3.13.0"], "BRIDGE_MAVEN", UNREACHABLE)
    assert message.startswith("BRIDGE_MAVEN: could not download org.apache.commons:commons-lang3:3.13.0 (tried ")
    assert "check the network, and the proxy or mirror in ~/.m2/settings.xml" in message
    assert "Connection refused" in message  # Maven's reason
    assert "check the group, artifact and version" not in message
    # the repository's address, not the address of the file it failed to fetch
    assert "; http://127.0.0.1:9/maven2)" in message and ".pom" not in message.split("Maven said")[0]


def test_the_dependency_plugin_maven_cannot_fetch_is_not_called_a_dependency_of_the_coordinates() -> None:
    message = _maven._failure(["org.ok:fine:2.0"], "BRIDGE_MAVEN", PLUGIN_UNREACHABLE)
    assert "a dependency of" not in message and "org.ok:fine" not in message.split("Maven said")[0]
    assert (f"could not download {_maven.DEPENDENCY_PLUGIN} (the Maven plugin that resolves them) (tried "
            in message)


def test_with_the_repository_down_maven_itself_gets_the_network_error(resolved, cache: Path, tmp_path: Path,
                                                                      monkeypatch) -> None:
    """A real Maven run whose settings send central to a port nothing listens on (the local repository kept).

    After ``resolved``: one resolution has put the dependency plugin in the local repository, as on any machine
    that resolved coordinates before, so what fails here is the coordinate's download, not the plugin's.
    """
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    (tmp_path / "home" / ".m2").mkdir(parents=True)
    (tmp_path / "home" / ".m2" / "settings.xml").write_text(
        f"<settings><localRepository>{LOCAL_REPO}</localRepository><mirrors><mirror><id>central</id>"
        f"<mirrorOf>*</mirrorOf><url>http://127.0.0.1:{port}/maven2</url></mirror></mirrors></settings>")
    monkeypatch.setenv("MAVEN_OPTS", f"-Duser.home={tmp_path / 'home'}")
    absent = "org.example.bridge-test:absent:1.0"
    with pytest.raises(JvmError) as info:
        _maven.resolve([absent], "BRIDGE_MAVEN")
    message = str(info.value)
    assert message.startswith(f"BRIDGE_MAVEN: could not download {absent} (tried "), message
    assert f"http://127.0.0.1:{port}/maven2)" in message and "check the network" in message


def test_a_snapshot_installed_again_with_a_new_pom_is_resolved_again(cache: Path, tmp_path: Path,
                                                                     monkeypatch) -> None:
    """Same coordinates, same jar paths, but the pom (the dependencies) changed: the cached classpath is stale."""
    folder = tmp_path / "repository" / "org" / "x" / "tools" / "1.0-SNAPSHOT"
    folder.mkdir(parents=True)
    jar, pom = folder / "tools-1.0-SNAPSHOT.jar", folder / "tools-1.0-SNAPSHOT.pom"
    jar.write_bytes(b"")
    pom.write_text("<project/>")
    coordinates = ["org.x:tools:1.0-SNAPSHOT"]
    _maven._write_cache(_maven.cache_file(coordinates), coordinates, [str(jar)])
    monkeypatch.setenv("MVN", "/nonexistent/mvn")  # a resolution would fail: only the cache can answer
    assert _maven.resolve(coordinates, "test") == (str(jar),)
    later = pom.stat().st_mtime_ns + 2_000_000_000
    pom.write_text("<project><dependencies>...</dependencies></project>")  # `mvn install` again
    os.utime(pom, ns=(later, later))
    with pytest.raises(JvmError, match="resolving them needs Maven"):
        _maven.resolve(coordinates, "test")


def test_a_cache_write_that_fails_leaves_no_temporary_file(installed, cache: Path) -> None:
    target = _maven.cache_file([installed])
    (target / "in-the-way").mkdir(parents=True)  # the cache file's name is taken by a folder: the rename fails
    assert "bridge-examples" in _names(_maven.resolve([installed], "test"))
    assert not [p.name for p in target.parent.iterdir() if p.suffix == ".tmp"]


def test_a_start_that_waits_for_another_ones_resolution_takes_its_classpath_and_runs_no_maven(
        cache: Path, tmp_path: Path, monkeypatch) -> None:
    """Two processes at once: the second waits on the lock, then reads what the first cached (one Maven run)."""
    jar = tmp_path / "repository" / "org" / "x" / "tools" / "1.0" / "tools-1.0.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"")
    coordinates = ["org.x:tools:1.0"]
    monkeypatch.setenv("MVN", "/nonexistent/mvn")  # a Maven run here would fail: only the first start's cache helps
    (cache / "maven").mkdir(parents=True)
    first = os.open(cache / "maven" / "resolve.lock", os.O_RDWR | os.O_CREAT)  # the first start, resolving
    fcntl.flock(first, fcntl.LOCK_EX)
    got: list[object] = []
    second = threading.Thread(target=lambda: got.append(_catching(lambda: _maven.resolve(coordinates, "test"))))
    second.start()
    try:
        second.join(1.0)  # long enough for the second start to reach the lock; it must still be waiting there
        assert second.is_alive() and not got, got
        _maven._write_cache(_maven.cache_file(coordinates), coordinates, [str(jar)])  # the first one's result
    finally:
        os.close(first)
        second.join(30)
    assert got == [(str(jar),)]


def _catching(call):
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the thread hands its error to the test
        return exc
