"""A journal file written through a shared memory map: appending a record is a memory copy, not a system call.

Durable call records must outlive the process the moment they are written (kill -9 right after a call must not
run it again), yet they are written on the scheduler's thread between two steps of an action. A ``write`` per
record costs a system call and gives up the interpreter lock, which another thread may then hold for a while.
A page of a shared file mapping belongs to the kernel's page cache: a copy into it is in the file as soon as it
is made, survives the death of the process (not of the machine, like SQLite's WAL with ``synchronous=NORMAL``)
and keeps the lock.

The file's blocks are reserved when it is made (``posix_fallocate``), so a full disk is an ``OSError`` there
and never a ``SIGBUS`` on a later copy into a page with no block behind it. A record is one line; the unused
tail of the file is zero bytes. A process killed in the middle of a copy leaves a line that is not JSON (it
runs into zero bytes or starts with them), which the reader skips: that record was not finished.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

SIZE = 1 << 20  # bytes reserved per file; a group's records that need more go on in a new file


class JournalFile:
    """One append-only journal file of whole lines, mapped into memory."""

    __slots__ = ("path", "_map", "_end")

    def __init__(self, path: Path, need: int) -> None:
        size = max(SIZE, need)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.posix_fallocate(fd, 0, size)
            self._map = mmap.mmap(fd, size)  # the map keeps the file open on its own
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        os.close(fd)
        self.path = path
        self._end = 0

    def room(self, n: int) -> bool:
        """Whether ``n`` more bytes fit."""
        return self._end + n <= len(self._map)

    def append(self, line: bytes) -> None:
        """Add one whole line (ending in a newline); it is in the file when this returns."""
        end = self._end + len(line)
        self._map[self._end:end] = line
        self._end = end

    def close(self) -> None:
        """Unmap the file; what was appended stays in it."""
        self._map.close()


def read_lines(path: Path) -> list[bytes]:
    """The lines of a journal file, its zero-filled tail left out (a partial line is the reader's to refuse)."""
    return path.read_bytes().rstrip(b"\x00").split(b"\n")
