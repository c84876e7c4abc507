"""The helper that builds a run's class data sharing archive once the run has ended (see ``_cds``).

Run as a script (``python -I -S _cds_build.py FD JSON``), it imports nothing of bridge and starts in a few
milliseconds: the run that leaves it must not pay for it, nor a run that comes after. It waits until the
pipe ``FD`` reaches its end (the run's process has ended, however it ended), then:

- reads the classes the run loaded (its ``-XX:DumpLoadedClassList`` file);
- when an archive exists and was built from all of them already (``<name>.classes``; a few missing
  classes do not count), marks it settled (``<name>.settled``) and stops;
- else builds one (``java -Xshare:dump``) from the union of those and the archive's classes, so the
  archive grows to what the runs of this JDK and classpath load, whichever plan came first; renames it into
  place; writes ``<name>.failed`` with the JDK's message when the build fails; keeps the newest archives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

KEEP = 3  # archives kept in the folder (other JDKs, other classpaths); older ones are deleted after a build
STALE = 86_400  # seconds after which a class list or a temp file nobody finished is deleted
LOCK_STALE = 600  # seconds after which a build lock is a dead helper's
GROW_AT = 16  # classes a run loaded that the archive lacks before it is built again with them


def read_classes(path: Path) -> set[str]:
    """A class list's entries, without the ids of one JVM's list: class names and ``@`` lines.

    Lines with a ``source:`` (classes of other class loaders) are left out: they refer to ids, which two
    lists do not share.
    """
    entries = set()
    for line in path.read_text(errors="replace").splitlines():
        if not line or line.startswith("#") or " source: " in line:
            continue
        entries.add(line if line.startswith("@") else line.split(" ", 1)[0])
    return entries


def build(java_home: str, classpath: list[str], recorded: str, base: str) -> None:
    """Build or grow ``<base>.jsa`` with the classes in ``recorded``; ``recorded`` is deleted either way."""
    base_path, recorded_path = Path(base), Path(recorded)
    archive, known_path, lock = (base_path.with_suffix(s) for s in (".jsa", ".classes", ".lock"))
    try:
        if not recorded_path.is_file():
            return
        new = read_classes(recorded_path)
        if not new:
            return
        if _covered(new, archive, known_path):
            base_path.with_suffix(".settled").touch()  # starts stop recording for a while (see _cds.flags)
            return
        if not _take(lock):
            return
        try:
            if _covered(new, archive, known_path):  # another helper built it meanwhile
                return
            union = new | (read_classes(known_path) if archive.is_file() and known_path.is_file() else set())
            _dump(java_home, classpath, union, base_path)
        finally:
            lock.unlink(missing_ok=True)
        prune(base_path.parent)
    finally:
        recorded_path.unlink(missing_ok=True)


def _covered(classes: set[str], archive: Path, known: Path) -> bool:
    """The archive has all of these classes but a few.

    A few differ from run to run (which thread came first); they are not worth seconds of building.
    """
    if not (archive.is_file() and known.is_file()):
        return False
    missing = {name for name in classes - read_classes(known) if not name.startswith("@")}
    return len(missing) < GROW_AT


def _take(lock: Path) -> bool:
    """One build per archive at a time, whichever helper comes first; a lock left by a dead one expires."""
    for _ in range(2):
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return True
        except FileExistsError:
            try:
                if time.time() - lock.stat().st_mtime < LOCK_STALE:
                    return False
                lock.unlink()
            except FileNotFoundError:
                pass
    return False


def _dump(java_home: str, classpath: list[str], classes: set[str], base: Path) -> None:
    stem = base.parent / f"{base.name}.{os.getpid()}"
    listed, temp = Path(f"{stem}.classlist.tmp"), Path(f"{stem}.jsa.tmp")
    # Class names first, then the lambda lines that refer to them (the JDK's own lists are in this order).
    listed.write_text("\n".join(sorted(c for c in classes if not c.startswith("@"))
                                + sorted(c for c in classes if c.startswith("@"))) + "\n")
    command = [str(Path(java_home) / "bin" / "java"), "-Xshare:dump", f"-XX:SharedClassListFile={listed}",
               f"-XX:SharedArchiveFile={temp}", "-cp", os.pathsep.join(classpath)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        ok = done.returncode == 0 and temp.is_file() and temp.stat().st_size > 0
        message = "" if ok else f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[-2000:]}"
    except (OSError, subprocess.SubprocessError) as exc:
        ok, message = False, f"{type(exc).__name__}: {exc}"
    if ok:
        os.replace(listed, base.with_suffix(".classes"))
        os.replace(temp, base.with_suffix(".jsa"))
        base.with_suffix(".settled").unlink(missing_ok=True)
    else:
        listed.unlink(missing_ok=True)
        temp.unlink(missing_ok=True)
        base.with_suffix(".failed").write_text(" ".join(command) + "\n" + message + "\n")


def prune(where: Path) -> None:
    """Keep the newest :data:`KEEP` archives (with their lists), and nothing a dead run or helper left behind."""
    archives = sorted(where.glob("*.jsa"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in archives[KEEP:]:
        for suffix in (".classes", ".settled", ".failed"):
            old.with_suffix(suffix).unlink(missing_ok=True)
        old.unlink(missing_ok=True)
    for leftover in [*where.glob("*.classlist"), *where.glob("*.tmp")]:
        if time.time() - leftover.stat().st_mtime > STALE:
            leftover.unlink(missing_ok=True)


def main(argv: list[str]) -> None:
    """``FD JSON``: wait for the end of the pipe ``FD``, then :func:`build` with the JSON list's arguments."""
    fd = int(argv[0])
    while os.read(fd, 4096):
        pass
    build(*json.loads(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
