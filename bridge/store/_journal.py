"""A journal file written through a shared memory map: appending a record is a memory copy, not a system call.

Durable call records must outlive the process the moment they are written (kill -9 right after a call must not
run it again), yet they are written on the scheduler's thread between two steps of an action. A ``write`` per
record costs a system call and gives up the interpreter lock, which another thread may then hold for a while.
A page of a shared file mapping belongs to the kernel's page cache: a copy into it is in the file as soon as it
is made, survives the death of the process (not of the machine, like SQLite's WAL with ``synchronous=NORMAL``)
and keeps the lock.

The file's blocks are reserved when it is made (``posix_fallocate``), so a full disk is an ``OSError`` there
and never a ``SIGBUS`` on a later copy into a page with no block behind it. That holds where a reserved block
is overwritten in place (ext4, xfs, tmpfs and the like). A copy-on-write filesystem (btrfs, ZFS) needs a new
block for every page written back, network and FUSE filesystems may refuse a shared mapping or report a
failed write-back to nobody: there each record is a ``write`` instead (:class:`WrittenJournal`), as durable and
slower. A record is one line; the unused tail of a mapped file is zero bytes. A process killed in the middle of
a copy leaves a line that is not JSON (it runs into zero bytes or starts with them), which the reader skips:
that record was not finished.

A mapped file is used again once its records are in the database (making, reserving, faulting in and deleting
a file per group cost more than the group's records themselves). Every line starts with its number, given in
the order lines are appended; a file begins with a header holding the lowest number its current records have.
Starting a file over first raises that number (one 8-byte store, so a crash sees the old or the new one) and
then zeroes the old lines: a crash in between leaves old lines the reader skips by their number, and a later
line torn by a crash runs into zeros, never into the rest of an old line.
"""

from __future__ import annotations

import errno
import mmap
import os
from pathlib import Path

SIZE = 1 << 20  # bytes reserved per file; a group's records that need more go on in a new file
MAGIC = b"#BJ2\x00\x00\x00\x00"  # a mapped file's header: these 8 bytes, then the lowest current line number
HEADER = 16
# Filesystems where a shared mapping's blocks are not written in place, or whose write-back errors nobody sees.
_UNMAPPABLE = ("btrfs", "zfs", "bcachefs", "nfs", "nfs4", "cifs", "smb3", "9p", "fuse", "ceph", "glusterfs")


def open_journal(path: Path, need: int) -> JournalFile | WrittenJournal:
    """A new journal file at ``path`` for at least ``need`` bytes: mapped where that is safe, else written."""
    if _mappable(path.parent):
        try:
            return JournalFile(path, need)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise
            # a filesystem that refuses a shared mapping or its reservation (ENODEV, EOPNOTSUPP, ...)
    return WrittenJournal(path)


def _mappable(folder: Path) -> bool:
    """Whether the filesystem holding ``folder`` keeps a mapped file's reserved blocks (see the module docstring)."""
    kind = _filesystem(str(folder.resolve()))
    return kind is not None and not kind.startswith(_UNMAPPABLE)


def _filesystem(path: str) -> str | None:
    """The type of the filesystem mounted deepest above ``path`` (``/proc/self/mountinfo``), None if unknown."""
    best, kind = -1, None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.split()
                if "-" not in fields:
                    continue
                mount = fields[4].replace("\\040", " ")
                inside = path == mount or path.startswith(mount.rstrip("/") + "/")
                if inside and len(mount) > best:
                    best, kind = len(mount), fields[fields.index("-") + 1]
    except OSError:
        return None
    return kind


class JournalFile:
    """One append-only journal file of whole lines, mapped into memory, that can start over (see the module)."""

    __slots__ = ("path", "_map", "_size")

    def __init__(self, path: Path, need: int) -> None:
        size = max(SIZE, need + HEADER)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.posix_fallocate(fd, 0, size)
            self._map = mmap.mmap(fd, size)  # the map keeps the file open on its own
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        os.close(fd)
        self._map.write(MAGIC)  # the lowest number: 0 (the file is zeros)
        self._map.seek(HEADER)
        self.path = path
        self._size = size

    def room(self, n: int) -> bool:
        """Whether ``n`` more bytes fit."""
        return self._map.tell() + n <= self._size

    def append(self, line: bytes) -> None:
        """Add one whole line (ending in a newline); it is in the file when this returns.

        ``mmap.write`` copies at the map's own position: no slice object, no length computed here.
        """
        self._map.write(line)

    def start_over(self, first: int) -> None:
        """Drop every line: lines numbered below ``first`` are old from now on, then their bytes become zeros."""
        used = self._map.tell()
        self._map[len(MAGIC):HEADER] = first.to_bytes(8, "little")
        self._map[HEADER:used] = bytes(used - HEADER)
        self._map.seek(HEADER)

    def close(self) -> None:
        """Unmap the file; what was appended stays in it."""
        self._map.close()


class WrittenJournal:
    """A journal file appended to with ``write``: for filesystems where a shared mapping is not safe."""

    __slots__ = ("path", "_fd")

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def room(self, n: int) -> bool:
        return True

    def append(self, line: bytes) -> None:
        view = memoryview(line)
        while view:  # a short write (a full disk) must not leave half a line for the next one to join
            view = view[os.write(self._fd, view):]

    def close(self) -> None:
        os.close(self._fd)


def read_lines(path: Path) -> tuple[int, list[bytes]]:
    """The lowest current line number of a journal file and its lines, its zero-filled tail left out.

    A line numbered below that number is old (see the module docstring); a partial line is the reader's to refuse.
    """
    data = path.read_bytes()
    first = 0
    if data.startswith(MAGIC):
        first = int.from_bytes(data[len(MAGIC):HEADER], "little")
        data = data[HEADER:]
    return first, data.rstrip(b"\x00").split(b"\n")
