"""Where a run's output lines go, written so that results are never destroyed.

An ``--output`` file is written to a temp file in the same folder and renamed into place when the run ends (or
is stopped): until then an existing file keeps its previous results, so a typo or a crash cannot empty it. A
lock next to it (``<output>.lock``, held with ``flock``) makes a second run on the same path fail at once
instead of interleaving lines; the kernel drops the lock when a process dies, so a killed run leaves none
behind. A write error (disk full, a closed pipe) is recorded once; the lines written before it stay whole.

Under a state (``--state``) a killed run's temp file holds nothing the state does not: the next run writes the
state's outputs into its own temp file first, so such temp files (tagged ``.state.tmp``) are removed once the
lock is held. ``bridge runs retry``/``resume`` append to a file instead (:func:`open_append`), a line at a time.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from bridge._jsonl import output_line
from bridge.errors import BridgeError

_FLUSH_AT = 1 << 16
_STATE_TAG = ".state"


class _OutputError(BridgeError):
    """The output cannot be written: a missing or read-only folder, a full disk, a closed pipe, a busy file.

    A busy file is one another run is writing (it holds the lock); waiting or another path fixes it. Private:
    only ``bridge run`` meets it and prints it; it never reaches a caller of the public API.
    """


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_folder(path: Path) -> None:
    """Fail before anything runs when ``path`` cannot be an output file."""
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise _OutputError(f"cannot write {path}: the folder {folder} {what} (create it first, or choose "
                          "another --output)")
    if path.is_dir():
        raise _OutputError(f"cannot write {path}: it is a folder; --output takes a file path")


class OutputLock:
    """An exclusive ``flock`` on ``<output>.lock``; removed on release, and released by the kernel on death."""

    def __init__(self, output: Path) -> None:
        self.path = output.with_name(output.name + ".lock")
        self._output = output
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`_OutputError` naming the run that holds it."""
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise _OutputError(f"cannot write in {self.path.parent}: {_why(exc)} (choose another --output "
                                  "folder)") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = os.read(fd, 64).decode(errors="replace").strip()
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise _OutputError(f"cannot lock {self.path}: {_why(exc)}") from None
                who = f" (process {holder})" if holder.isdigit() else ""
                raise _OutputError(f"another bridge run{who} is writing {self._output}; wait for it to end or "
                                  "choose another --output") from None
            # A run that just finished deletes its lock file; if ours is that one, lock the new file instead.
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)

    def release(self) -> None:
        """Remove the lock file (while still holding it, so nobody locks a file about to vanish)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None


class OutputSink:
    """Output lines, buffered, written whole; thread-safe (a watchdog may flush while the run writes).

    ``flush_each`` writes every line at once (live input: each output appears when it is made).
    ``on_error`` is called once, with the :class:`_OutputError`, when a write fails; later lines are dropped.
    ``offset`` is the size of what the file held before (appending): a failed write is cut back to whole lines
    after it, never into the lines that were there.
    """

    def __init__(self, target: int | IO[bytes], name: str, *, flush_each: bool = False,
                 on_error: Callable[[_OutputError], None] | None = None, offset: int = 0) -> None:
        self._target = target  # a file descriptor we own (a file), or a stream (standard output)
        self.name = name
        self._flush_each = flush_each
        self._on_error = on_error
        self._lock = threading.RLock()
        self._buf = bytearray()
        self._pending = 0  # lines in the buffer
        self._offset = offset  # where the whole lines written end (a file appended to starts at its size)
        self.written = 0  # lines written
        self.dropped = 0  # lines lost to a write error or not portable
        self.error: _OutputError | None = None

    def write(self, key: Any, output: Any) -> None:
        """Add one ``{"key", "output"}`` line."""
        try:
            line = output_line(key, output)
        except (TypeError, ValueError) as exc:
            with self._lock:
                self.dropped += 1
            print(f"error: the output for key {key!r} is not a portable value and was dropped: {exc}",
                  file=sys.stderr)
            return
        with self._lock:
            if self.error is not None:
                self.dropped += 1
                return
            self._buf += line
            self._pending += 1
            if self._flush_each or len(self._buf) >= _FLUSH_AT:
                self._flush()

    def flush(self) -> None:
        """Write the buffered lines."""
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        if not self._buf:
            return
        view = memoryview(self._buf)
        done = 0
        try:
            if isinstance(self._target, int):
                while done < len(view):
                    done += os.write(self._target, view[done:])
            else:
                if self._target is getattr(sys.stdout, "buffer", None):
                    sys.stdout.flush()  # what actions print() stays in order with the lines
                self._target.write(view)
                self._target.flush()
                done = len(view)
        except (OSError, ValueError) as exc:  # ValueError: a stream closed under us
            view.release()
            whole = self._buf.rfind(b"\n", 0, done) + 1  # keep whole lines only
            lines = self._buf.count(b"\n", 0, whole)
            if isinstance(self._target, int):
                with contextlib.suppress(OSError):
                    os.ftruncate(self._target, self._offset + whole)
            self._offset += whole
            self.written += lines
            self.dropped += self._pending - lines
            self._buf.clear()
            self._pending = 0
            why = _why(exc) if isinstance(exc, OSError) else str(exc)
            self.error = _OutputError(f"writing {self.name} failed: {why}; the {self.written} output "
                                     "lines written before are kept, the run stops")
            if self._on_error is not None:
                self._on_error(self.error)
            return
        view.release()
        self._offset += done
        self.written += self._pending
        self._buf.clear()
        self._pending = 0

    @property
    def lock(self) -> threading.RLock:
        """Held while lines are written; hold it to see a consistent count."""
        return self._lock


class OutputFile:
    """An ``--output`` path written through a temp file beside it; :meth:`commit` renames it into place.

    ``durable``: the run keeps a state, which holds every output the temp file gets (see the module docstring).
    """

    def __init__(self, path: Path, *, durable: bool = False) -> None:
        self.path = path
        self.temp = path.with_name(f".{path.name}.{os.urandom(4).hex()}{_STATE_TAG if durable else ''}.tmp")
        try:
            self.fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            raise _OutputError(f"cannot write in {path.parent}: {_why(exc)} (choose another --output "
                              "folder)") from None
        self._done = False

    def commit(self) -> _OutputError | None:
        """Make the written lines the file at ``path`` (fsync, then an atomic rename); an error is returned."""
        if self._done:
            return None
        self._done = True
        try:
            os.fsync(self.fd)
        except OSError:
            pass  # a full disk can refuse the sync; the lines the sink wrote are still there
        try:
            os.close(self.fd)
            os.replace(self.temp, self.path)
        except OSError as exc:
            return _OutputError(f"cannot put the outputs in place at {self.path}: {_why(exc)}; they are in "
                               f"{self.temp}")
        return None

    def discard(self) -> None:
        """Remove the temp file; the previous file at ``path`` (if any) stays as it was."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            os.close(self.fd)
        with contextlib.suppress(OSError):
            os.unlink(self.temp)


def remove_state_temps(path: Path) -> int:
    """Remove temp files killed runs under a state left beside ``path`` (hold its lock first); how many.

    Their lines are all in the state, and the run about to start writes them again.
    """
    removed = 0
    for temp in glob.glob(os.path.join(glob.escape(str(path.parent)), f".{glob.escape(path.name)}.*{_STATE_TAG}.tmp")):
        with contextlib.suppress(OSError):
            os.unlink(temp)
            removed += 1
    return removed


def open_append(path: Path) -> tuple[int, int]:
    """Open ``path`` to append whole lines (created when missing): its descriptor and its size.

    For ``bridge runs retry``/``resume``: their outputs follow what the file already holds. Take its
    :class:`OutputLock` first, so a ``bridge run`` replacing the file at its end cannot lose them.
    """
    check_folder(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError as exc:
        raise _OutputError(f"cannot write {path}: {_why(exc)}") from None
    return fd, os.fstat(fd).st_size
