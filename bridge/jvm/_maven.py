"""Java dependencies by Maven coordinates: resolved by Maven itself, their classpath cached for later starts.

A plan's ``bridge.jvm.maven`` (a list, or one string) and ``BRIDGE_MAVEN`` (separated by commas or spaces) name
coordinates, ``group:artifact:version`` (or ``group:artifact:packaging[:classifier]:version``). The JVM's
classpath gets their jars and those of their runtime dependencies, after the project's own jars.

Why Maven itself rather than a resolver of our own: dependency mediation, BOMs, parent poms, mirrors, proxies and
credentials in ``~/.m2/settings.xml`` are all Maven's rules; anything else gets some of them wrong. A small pom
that depends on the coordinates goes to ``mvn dependency:build-classpath``: offline first (the local repository
usually has everything, and a start should not wait on the network), then online (Maven Central and whatever the
user's settings add) for what is missing.

The classpath is cached in ``<cache>/maven/<digest of the sorted coordinates>.json`` (the cache folder of
bridge.jvm._cds: ``BRIDGE_CACHE_DIR``, else ``~/.cache/bridge``), so later starts need neither Maven nor the
network; a cached classpath whose jar has gone (a cleaned local repository), or whose jars or their poms changed
(a ``-SNAPSHOT`` installed again, perhaps with other dependencies), is resolved again. Processes that start at once
run one Maven at a time (a lock beside the cache); the later ones read what the first one cached.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from bridge.errors import JvmError
from bridge.jvm._cds import cache_dir

ENV_MAVEN = "BRIDGE_MAVEN"
# The version the project's own build uses (pom.xml), so the local repository of anyone who built bridge has it.
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
CENTRAL = "central (https://repo.maven.apache.org/maven2)"
TIMEOUT = 600.0  # seconds one Maven run may take online: a first resolution may download many jars
FORMAT = 2  # part of every cache file's name: a change in what the cache holds makes new ones
_PART = r"[A-Za-z0-9_.\-]+"
_COORDINATE = re.compile(rf"{_PART}(:{_PART}){{2,4}}")
_SELF = "bridge.resolve:classpath:"  # the generated pom's own coordinates, which Maven's errors name too
# An artifact in Maven's messages (group:artifact[:packaging[:classifier]]:version), and a repository's address.
_ARTIFACT = re.compile(rf"\b[A-Za-z][A-Za-z0-9_.\-]*(?::{_PART}){{2,4}}")
_URL = re.compile(r"(?:https?|file)://[^\s,)]+")
# An address of one file in a repository (Maven names the file it failed to fetch), not of the repository.
_FILE_URL = re.compile(r"\.(?:pom|jar|xml|sha1|md5|asc|module)$")
# Maven could not fetch at all (no network, a proxy, a mirror down), whatever the artifact.
_TRANSFER = re.compile(r"Could not transfer|transfer failed", re.IGNORECASE)


def parse_coordinates(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """The coordinates of a setting (a string split on commas and spaces, or a list), checked for their form.

    A malformed one is a ``ValueError`` saying the form; the caller names the setting.
    """
    if not value:
        return ()
    items = re.split(r"[,\s]+", value) if isinstance(value, str) else list(value)
    coordinates = tuple(dict.fromkeys(item.strip() for item in items if item.strip()))
    bad = [c for c in coordinates if not _COORDINATE.fullmatch(c)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a Maven coordinate: write group:artifact:version, e.g. "
                         "com.fasterxml.jackson.core:jackson-databind:2.17.2 (or group:artifact:packaging:version, "
                         "group:artifact:packaging:classifier:version)")
    return coordinates


def resolve(coordinates: Sequence[str], where: str) -> tuple[str, ...]:
    """The jars of ``coordinates`` and their runtime dependencies: from the cache, else from Maven.

    ``where`` says who asked (``BRIDGE_MAVEN``, the plan's setting), for the errors.
    """
    if not coordinates:
        return ()
    cached = cache_file(coordinates)
    jars = _read_cache(cached)
    if jars is not None:
        return jars
    with _one_resolution_at_a_time(cached.parent):
        jars = _read_cache(cached)  # another process may have resolved them while this one waited
        if jars is None:
            jars = _run_maven(sorted(coordinates), where)
            _write_cache(cached, coordinates, jars)
    return jars


@contextlib.contextmanager
def _one_resolution_at_a_time(folder: Path) -> Iterator[None]:
    """Hold ``<cache>/maven/resolve.lock`` (``flock``; the kernel drops it if the process dies) around a Maven run.

    Two starts at once (test workers, a cluster's task managers) would otherwise run two Mavens that download into
    one local repository together, which Maven does not make safe between processes, and resolve the same
    coordinates twice. Without a writable cache folder there is no lock, as there is no cache: Maven just runs.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / "resolve.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def cache_file(coordinates: Sequence[str]) -> Path:
    """Where the classpath of these coordinates is cached (the order they are given in does not matter)."""
    digest = hashlib.sha256(json.dumps([FORMAT, sorted(set(coordinates))]).encode()).hexdigest()[:20]
    return cache_dir() / "maven" / f"{digest}.json"


def _stamps(jars: Sequence[str]) -> dict[str, int] | None:
    """The modification times of the jars and of the poms beside them (``None`` when one is gone).

    A pom says an artifact's dependencies; a ``-SNAPSHOT`` (your own project's, ``mvn install``-ed again) gets a
    new pom, perhaps with other dependencies, at the same path: its classpath must be resolved again.
    """
    stamps = {}
    for jar in jars:
        for path in (jar, _pom_beside(jar)):
            if path is None:
                continue
            try:
                stamps[path] = os.stat(path).st_mtime_ns
            except OSError:
                if path == jar:
                    return None  # a jar removed from the local repository since
    return stamps


def _pom_beside(jar: str) -> str | None:
    """The pom of a jar in a Maven repository's layout (``<artifact>/<version>/<artifact>-<version>.pom``)."""
    folder = Path(jar).parent
    pom = folder / f"{folder.parent.name}-{folder.name}.pom"
    return str(pom) if jar.endswith(".jar") else None


def _write_cache(path: Path, coordinates: Sequence[str], jars: Sequence[str]) -> None:
    """Keep a resolved classpath for later starts; a cache that cannot be written only costs the next one a run."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as out:
            tmp = out.name
            json.dump({"coordinates": sorted(coordinates), "classpath": list(jars), "stamps": _stamps(jars)}, out)
        os.replace(tmp, path)  # a concurrent start never reads half a file
    except OSError:
        if tmp is not None:  # a full disk: no half-written file stays behind
            Path(tmp).unlink(missing_ok=True)


def _read_cache(path: Path) -> tuple[str, ...] | None:
    """The cached classpath, unless a jar has gone or a jar or pom changed since (then: resolve again)."""
    try:
        held = json.loads(path.read_text())
        jars, stamps = held["classpath"], held["stamps"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(jars, list) or not all(isinstance(j, str) for j in jars):
        return None
    current = _stamps(jars)
    if current is None or current != stamps:
        return None
    return tuple(jars)


def _pom(coordinates: Sequence[str]) -> str:
    deps = []
    for coordinate in coordinates:
        parts = coordinate.split(":")
        group, artifact, version = parts[0], parts[1], parts[-1]
        extra = ""
        if len(parts) >= 4:
            extra += f"<type>{escape(parts[2])}</type>"
        if len(parts) == 5:
            extra += f"<classifier>{escape(parts[3])}</classifier>"
        deps.append(f"<dependency><groupId>{escape(group)}</groupId><artifactId>{escape(artifact)}</artifactId>"
                    f"<version>{escape(version)}</version>{extra}</dependency>")
    return ("<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>"
            "<groupId>bridge.resolve</groupId><artifactId>classpath</artifactId><version>0</version>"
            f"<packaging>pom</packaging><dependencies>{''.join(deps)}</dependencies></project>\n")


def _maven_command(where: str) -> str:
    """The ``mvn`` to run (``MVN`` names another), or an error saying what to install."""
    mvn = shutil.which(os.environ.get("MVN", "mvn"))
    if mvn is None:
        raise JvmError(f"{where} lists Maven coordinates and resolving them needs Maven, which is not on PATH: "
                       "install Maven 3.6.1+ (Debian/Ubuntu: apt-get install maven; macOS: brew install maven) or set "
                       "MVN to its mvn, or put the jars on BRIDGE_CLASSPATH instead")
    return mvn


def _run_maven(coordinates: Sequence[str], where: str) -> tuple[str, ...]:
    mvn = _maven_command(where)
    with tempfile.TemporaryDirectory(prefix="bridge-maven-") as work:
        pom, out = Path(work) / "pom.xml", Path(work) / "classpath.txt"
        pom.write_text(_pom(coordinates))
        command = [mvn, "-B", "-ntp", "-f", str(pom), f"{DEPENDENCY_PLUGIN}:build-classpath",
                   f"-Dmdep.outputFile={out}", "-Dmdep.includeScope=runtime"]
        logs = []
        for mode in (["-o"], []):  # the local repository alone, then with the remote ones
            try:
                done = subprocess.run([*command[:1], *mode, *command[1:]], capture_output=True, text=True,
                                      timeout=TIMEOUT, check=False, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise JvmError(f"{where}: Maven took over {TIMEOUT:.0f} s resolving {', '.join(coordinates)} "
                               f"(`{' '.join(command)}`): check the network and the repositories in "
                               "~/.m2/settings.xml") from None
            if done.returncode == 0 and out.is_file():
                return tuple(e for e in out.read_text().strip().split(os.pathsep) if e)
            logs.append(done.stdout + done.stderr)
    raise JvmError(_failure(coordinates, where, logs[-1]))


def _failure(coordinates: Sequence[str], where: str, log: str) -> str:
    """Which coordinates Maven could not resolve and the repositories it tried, read from its error lines.

    Maven's wording differs between versions and between a first miss and a cached one ("Could not find
    artifact ... in central (https://...)", "... was not found in https://... during a previous attempt"), so
    this reads only what every wording has: the artifacts and the repository addresses it names. A download that
    failed (no network, a proxy, a mirror that is down: "Could not transfer ...") is not a wrong coordinate: the
    error then says so and gives Maven's reason, instead of asking to check the group, artifact and version.
    """
    errors = "\n".join(line.removeprefix("[ERROR]").strip() for line in log.splitlines()
                       if line.startswith("[ERROR]"))
    named = [a.rstrip(".,:") for a in _ARTIFACT.findall(errors)]
    blamed = [c for c in coordinates if any(_key(a) == _key(c) for a in named)]
    plugin = _key(DEPENDENCY_PLUGIN)
    others: dict[tuple[str, ...], str] = {}  # one name per artifact (Maven names its pom and its jar)
    for a in named:
        if not a.startswith(_SELF) and _key(a) != plugin and not any(_key(a) == _key(c) for c in coordinates):
            others.setdefault(_key(a), a)
    blamed += [f"{a} (a dependency of {', '.join(coordinates)})" for a in others.values()]
    if any(_key(a) == plugin for a in named):
        blamed.append(f"{DEPENDENCY_PLUGIN} (the Maven plugin that resolves them)")
    repositories = sorted({u.rstrip(".,):") for u in _URL.findall(errors)} - {""})
    repositories = [u for u in repositories if "cwiki.apache.org" not in u and not _FILE_URL.search(u)]
    local = Path.home() / ".m2" / "repository"
    tried = [f"the local repository ({local}, unless ~/.m2/settings.xml names another)",
             *(repositories or [CENTRAL])]
    first = errors.splitlines()[0].removesuffix("-> [Help 1]").strip() if errors else (log.strip()[-500:] or
                                                                                         "nothing")
    if _TRANSFER.search(errors):
        what = f"could not download {', '.join(blamed or coordinates)}"
        return (f"{where}: {what} (tried {'; '.join(tried)}): the coordinates may be right, the repository could "
                "not be reached: check the network, and the proxy or mirror in ~/.m2/settings.xml (Maven said: "
                f"{first})")
    if blamed:
        what = f"could not resolve {', '.join(blamed)}"
    else:
        what = f"could not resolve {', '.join(coordinates)}: Maven said: {first}"
    return (f"{where}: {what} (tried {'; '.join(tried)}): check the group, artifact and version (the artifact's "
            "page on Maven Central names them), or add the repository that has it to ~/.m2/settings.xml")


def _key(artifact: str) -> tuple[str, ...]:
    """The group and artifact: what tells Maven's names of one artifact apart (packaging and version vary)."""
    return tuple(artifact.split(":")[:2])
