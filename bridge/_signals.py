"""SIGTERM and SIGINT stop a run the same way, whatever the process is doing when they arrive.

A Python signal handler only runs when the main thread executes bytecode, which it does not while it is
inside a Java call, a blocking wait or a C extension. So the handlers are backed by ``signal.set_wakeup_fd``:
the C-level handler writes the signal number to a pipe at once, and a watchdog thread reading that pipe asks
the run to stop (``runtime.request_stop(grace)``, which is thread-safe). If the run has not ended ``grace``
seconds later (plus a small margin), or a second signal arrives, the watchdog abandons it: ``on_abandon``
flushes what was finished, puts the output in place, prints the summary and leaves with ``os._exit``.
The JVM is started with ``-Xrs`` so it installs no handlers of its own that would take these signals away.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# Time past the grace period for the run to notice it, return and write its summary before it is abandoned.
MARGIN = 2.0


def exit_code(signum: int) -> int:
    """The shell convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + signum


class StopOnSignal:
    """Turns SIGTERM/SIGINT into a bounded stop; install with ``with StopOnSignal(...):`` on the main thread.

    ``request_stop(grace)`` is called at the first signal (from the watchdog thread, and from the Python
    handler when the main thread runs Python); ``on_abandon(code)`` is called from the watchdog when the run
    outlives ``grace + MARGIN`` or a second signal arrives, and must not return (it ends the process).
    Call :meth:`finished` once the run has ended so a late deadline does not abandon a run that is done.
    """

    def __init__(self, grace: float, on_abandon: Callable[[int], None], *, margin: float = MARGIN) -> None:
        self.grace = grace
        self.margin = margin
        self.signum: int | None = None
        self._on_abandon = on_abandon
        self._request_stop: Callable[[float], None] | None = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._count = 0
        self._deadline: float | None = None
        self._old_handlers: dict[int, object] = {}
        self._old_wakeup = -1
        self._pipe: tuple[int, int] | None = None
        self._thread: threading.Thread | None = None

    # -- wiring -------------------------------------------------------------------------------------
    def attach(self, request_stop: Callable[[float], None]) -> None:
        """Route stops to a run; a signal that came before is passed on at once."""
        with self._lock:
            self._request_stop = request_stop
            pending = self.signum is not None
        if pending:
            self._stop()

    @property
    def code(self) -> int | None:
        """The exit code the signal asks for, or None when no signal came."""
        return None if self.signum is None else exit_code(self.signum)

    def finished(self) -> None:
        """The run ended on its own: nothing is abandoned from now on."""
        self._done.set()

    def __enter__(self) -> StopOnSignal:
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        self._pipe = (read_fd, write_fd)
        self._old_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        for sig in STOP_SIGNALS:
            self._old_handlers[sig] = signal.signal(sig, self._handler)
        self._thread = threading.Thread(target=self._watch, name="bridge-signal-watchdog", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        for sig, old in self._old_handlers.items():
            signal.signal(sig, old)  # type: ignore[arg-type]
        signal.set_wakeup_fd(self._old_wakeup)
        if self._pipe is not None:
            os.close(self._pipe[1])  # the watchdog reads end-of-file and returns
            if self._thread is not None:
                self._thread.join(timeout=5)
            os.close(self._pipe[0])
            self._pipe = None

    # -- what a signal does -------------------------------------------------------------------------
    def _handler(self, signum: int, frame: FrameType | None) -> None:
        """The Python-level handler: the watchdog does the work; this only covers a missing watchdog."""
        if self._thread is None or not self._thread.is_alive():
            self._received(signum)

    def _received(self, signum: int) -> None:
        with self._lock:
            self._count += 1
            first = self._count == 1
            if first:
                self.signum = signum
                self._deadline = time.monotonic() + self.grace + self.margin
        name = signal.Signals(signum).name
        if first:
            _say(f"{name} received: taking no more inputs; running ones get up to {self.grace:g} s to finish "
                 "(send it again to stop now)")
            self._stop()
        elif not self._done.is_set():
            _say(f"{name} received again: stopping now")
            self._abandon()

    def _stop(self) -> None:
        with self._lock:
            request_stop = self._request_stop
        if request_stop is not None:
            try:
                request_stop(self.grace)
            except Exception as exc:  # noqa: BLE001 - the deadline still bounds the run
                _say(f"could not ask the run to stop ({exc}); it ends at the deadline")

    def _abandon(self) -> None:
        assert self.signum is not None
        self._on_abandon(exit_code(self.signum))

    def _watch(self) -> None:
        assert self._pipe is not None
        read_fd = self._pipe[0]
        while True:
            timeout = None if self._deadline is None else max(0.0, self._deadline - time.monotonic())
            try:
                ready, _, _ = select.select([read_fd], [], [], timeout)
            except (OSError, ValueError):
                return
            if ready:
                try:
                    data = os.read(read_fd, 64)
                except OSError:
                    return
                if not data:  # closed by __exit__
                    return
                for signum in data:
                    if signum in STOP_SIGNALS:
                        self._received(signum)
            elif self._deadline is not None and time.monotonic() >= self._deadline:
                if not self._done.is_set():
                    _say(f"the run did not end within the {self.grace:g} s grace period; abandoning what runs")
                    self._abandon()
                self._deadline = None


def _say(message: str) -> None:
    with contextlib.suppress(Exception):
        sys.stderr.write(f"bridge: {message}\n")
        sys.stderr.flush()
