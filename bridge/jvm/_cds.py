"""Class data sharing: an AppCDS archive of the classes runs load, built once per JDK and classpath, cached.

Starting the JVM and loading the classes a run needs (bridge's runtime, Jackson, JPype's own, the plan's)
is most of a small mixed plan's time (bench/README.md, "Start-up"). A CDS archive holds those classes
already parsed and verified; the JVM maps it instead of reading and checking every class again.

How it is made, without ever costing a run:

1. A start records the classes it loads (``-XX:DumpLoadedClassList``) and leaves a small helper process
   (``_cds_build.py``) waiting for this one to end: the helper holds the read end of a pipe, and the end of
   this process closes the write end, however it ends (``os._exit``, a signal, ``kill -9``).
2. The helper then builds the archive with the same JDK (``java -Xshare:dump``, a few seconds, in the
   background) from those classes and the archive's own, and renames it into place: a later start never
   sees half an archive. When the archive holds every class the run loaded already, it marks the archive
   settled, and starts stop recording (~13 ms each) for a day; then one records again, in case runs of
   another plan load other classes.
3. Later starts map it (``-XX:SharedArchiveFile``, ``-Xshare:auto``).

The archive's name is a digest of the JDK, every classpath entry (path, size, modification time) and the
format below, so a rebuilt jar or another JDK means another archive, never a stale one. Should the JVM
still refuse one (a jar rewritten in the same second, a damaged file), ``-Xshare:auto`` starts it
without, its messages (which the JVM prints on standard output, where the run's output lines go) are
switched off, and the archive is deleted so the next run makes it anew. A build that fails leaves
``<name>.failed`` with the JDK's message (``bridge doctor`` shows it) and is not tried again for that JDK
and classpath; no archive means the start the JVM always had.

Not used when: ``BRIDGE_CDS=off``; the JVM flags already choose sharing (``-Xshare``,
``-XX:SharedArchiveFile``, ...); a classpath entry is a folder (CDS archives only jars); the cache folder
cannot be written; the platform is not POSIX. The cache folder is ``BRIDGE_CACHE_DIR``, else
``$XDG_CACHE_HOME/bridge``, else ``~/.cache/bridge``; each build keeps the newest few archives.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ENV_CDS = "BRIDGE_CDS"
ENV_CACHE = "BRIDGE_CACHE_DIR"
FORMAT = 1  # part of every archive's name: a change in how archives are made makes new ones
SETTLED_FOR = 86_400  # seconds starts do not record once a run found the archive complete; then one records
# Flags with which the user or the plan already decides about class sharing: bridge then stays out.
_SHARING_FLAGS = ("-Xshare", "-XX:SharedArchiveFile", "-XX:SharedClassListFile", "-XX:DumpLoadedClassList",
                  "-XX:ArchiveClassesAtExit", "-XX:+AutoCreateSharedArchive", "-XX:AOT")
_held: list[int] = []  # write ends of the pipes the helpers wait on: open until this process ends


def cache_dir() -> Path:
    """Where bridge keeps what it builds once for many runs."""
    given = os.environ.get(ENV_CACHE)
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "bridge"


def folder() -> Path:
    """The archives' folder."""
    return cache_dir() / "cds"


def archive_key(java_home: str, classpath: list[str]) -> str | None:
    """The archive name's digest for a JDK and a classpath; None when the classpath cannot be archived."""
    parts: list[object] = [FORMAT, java_home]
    home = Path(java_home)
    for entry in [home / "release", home / "lib" / "server" / "libjvm.so", home / "lib" / "modules", *classpath]:
        try:
            stat = os.stat(entry)
        except OSError:
            parts.append([str(entry), None])  # an entry that does not exist (yet) is part of the identity too
            continue
        if Path(entry).is_dir():
            return None  # CDS archives classes from jars only
        parts.append([str(entry), stat.st_size, stat.st_mtime_ns])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:20]


def status(java_home: str, classpath: list[str]) -> str:
    """One line for ``bridge doctor``: the archive in use, or why there is none."""
    if os.environ.get(ENV_CDS, "").lower() in ("0", "off", "no", "false"):
        return f"off ({ENV_CDS}={os.environ[ENV_CDS]})"
    key = archive_key(java_home, classpath)
    if key is None:
        return "none: a classpath entry is a folder (class data sharing archives jars only)"
    base = folder() / key
    if base.with_suffix(".jsa").is_file():
        return f"{base.with_suffix('.jsa')} ({base.with_suffix('.jsa').stat().st_size // 1_000_000} MB)"
    failed = base.with_suffix(".failed")
    if failed.is_file():
        return f"none: building it failed ({failed}): {failed.read_text(errors='replace').strip()[-300:]}"
    return f"none yet: the first run records its classes, and {base.with_suffix('.jsa')} is built when it ends"


def flags(java_home: str, classpath: list[str], jvm_args: list[str], jdk: tuple[int, ...]) -> list[str]:
    """The JVM flags for class data sharing at this start (none when it is not used); never fails a start.

    ``classpath`` is the whole classpath the JVM gets (JPype's support jar included). Every start that may
    still add classes to the archive records what it loads and leaves the helper that adds them.
    """
    if os.name != "posix" or os.environ.get(ENV_CDS, "").lower() in ("0", "off", "no", "false"):
        return []
    if not all(entry.isascii() for entry in classpath):
        return []  # JPype then loads the classpath through a class loader of its own, with sharing off
    if any(arg.startswith(_SHARING_FLAGS) for arg in jvm_args):
        return []
    key = archive_key(java_home, classpath)
    if key is None:
        return []
    base = folder() / key
    quiet = ["-Xlog:cds*=off"] + (["-Xlog:aot*=off"] if jdk >= (24,) else [])  # JDK 17 has no 'aot' tag
    try:
        archive = base.with_suffix(".jsa")
        use = [f"-XX:SharedArchiveFile={archive}", "-Xshare:auto"] if archive.is_file() else []
        if base.with_suffix(".failed").exists() or _settled(base):  # recording costs a start ~13 ms
            return [*use, *quiet] if use else []
        base.parent.mkdir(parents=True, exist_ok=True)
        recorded = base.parent / f"{key}.{os.getpid()}.classlist"
        _leave_helper(java_home, classpath, recorded, base)
    except OSError:
        return []  # a cache folder that cannot be written: start as without
    return [*use, f"-XX:DumpLoadedClassList={recorded}", *quiet]


def _settled(base: Path) -> bool:
    """A run found every class it loaded in the archive within the last day: no need to record now."""
    try:
        return time.time() - base.with_suffix(".settled").stat().st_mtime < SETTLED_FOR
    except OSError:
        return False


def _leave_helper(java_home: str, classpath: list[str], recorded: Path, base: Path) -> None:
    """Start the helper (``_cds_build.py``) that builds the archive from ``recorded`` once this process ends."""
    read, write = os.pipe()
    try:
        args = json.dumps([java_home, classpath, str(recorded), str(base)])
        subprocess.Popen(  # noqa: S603 - this Python, a module of ours run as a script
            [sys.executable, "-I", "-S", str(Path(__file__).with_name("_cds_build.py")), str(read), args],
            pass_fds=(read,), start_new_session=True, cwd=base.parent,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        os.close(write)
        raise
    finally:
        os.close(read)
    _held.append(write)


def refused(archive_flags: list[str], vm_info: str) -> None:
    """After a start with an archive: when the JVM did not map it (``java.vm.info`` lacks "sharing"), delete it.

    The next start then records and builds it anew instead of starting without sharing every time.
    """
    for flag in archive_flags:
        if flag.startswith("-XX:SharedArchiveFile=") and "sharing" not in vm_info:
            archive = Path(flag.partition("=")[2])
            archive.with_suffix(".classes").unlink(missing_ok=True)
            archive.unlink(missing_ok=True)
