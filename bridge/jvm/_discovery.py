"""Finding a JDK and the classpath: the project's built jars, plan config and ``BRIDGE_CLASSPATH``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bridge.errors import JvmError
from bridge.jvm._backend import JvmOptions

JDK_ROOTS = ("/usr/lib/jvm", "/usr/java", "/opt/java", "/opt", "/Library/Java/JavaVirtualMachines")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
JARS_DIR = PROJECT_ROOT / "java" / "dist" / "target" / "jars"
CONF_CLASSPATH = "bridge.jvm.classpath"
CONF_OPTIONS = "bridge.jvm.options"
CONF_JAVA_HOME = "bridge.jvm.java_home"
# Native libraries (JPype's own, onnxruntime) are loaded from unnamed modules; JDK 22+ warns without this.
DEFAULT_FLAGS = ("--enable-native-access=ALL-UNNAMED",)
NO_JDK_HINT = ("install a JDK 17 or newer (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless) "
               "or set JAVA_HOME to one")


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


def find_java_home(conf: dict[str, Any] | None = None) -> Path:
    """Config, then ``JAVA_HOME``, then the newest JDK under the usual roots."""
    for source, value in (("plan config " + CONF_JAVA_HOME, (conf or {}).get(CONF_JAVA_HOME)),
                          ("JAVA_HOME", os.environ.get("JAVA_HOME"))):
        if value:
            home = Path(value)
            if libjvm(home) is None:
                raise JvmError(f"{source}={value} has no lib/server/libjvm.so: point it at a JDK home; "
                               + NO_JDK_HINT)
            return home
    found = [home for home in _candidates(JDK_ROOTS) if libjvm(home) is not None]
    if not found:
        raise JvmError(f"no JDK found (looked in JAVA_HOME and {', '.join(JDK_ROOTS)}): {NO_JDK_HINT}")
    return max(found, key=lambda h: (jdk_version(h), str(h)))


def _candidates(roots: Iterable[str]) -> Iterable[Path]:
    for root in roots:
        base = Path(root)
        if base.is_dir():
            yield from (p.resolve() for p in sorted(base.iterdir()) if p.is_dir())


def _entries(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [v for v in value.split(os.pathsep) if v]
    return [str(v) for v in value]


def classpath(conf: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The built jars of this project, then plan-config entries, then ``BRIDGE_CLASSPATH``."""
    jars_dir = Path(os.environ.get("BRIDGE_JARS_DIR", JARS_DIR))
    entries = [str(p) for p in sorted(jars_dir.glob("*.jar"))] if jars_dir.is_dir() else []
    entries += _entries((conf or {}).get(CONF_CLASSPATH)) + _entries(os.environ.get("BRIDGE_CLASSPATH"))
    if not any("bridge-runtime" in Path(e).name for e in entries):
        raise JvmError(f"the bridge Java runtime jar is not built (looked in {jars_dir}): run `make jars` "
                       "(mvn -DskipTests package) in the project, or add its jars to BRIDGE_CLASSPATH")
    return tuple(dict.fromkeys(entries))


def options_from_config(conf: dict[str, Any] | None = None) -> JvmOptions:
    """JVM options for a plan: JDK, classpath, and ``bridge.jvm.options`` flags."""
    return JvmOptions(java_home=str(find_java_home(conf)), classpath=classpath(conf),
                      jvm_args=(*DEFAULT_FLAGS, *_flags(os.environ.get("BRIDGE_JVM_OPTIONS")),
                                *_flags((conf or {}).get(CONF_OPTIONS))))


def _flags(value: Any) -> list[str]:
    import shlex

    if not value:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]
