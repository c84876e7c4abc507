"""The threads that run durable calls: daemon threads, so a call that never returns cannot hold the exit.

``concurrent.futures.ThreadPoolExecutor`` joins its threads at interpreter exit, which turned one blocked
call into a process that hung after Ctrl-C; this pool's threads are daemons and are started on first use.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class WorkerPool:
    """At most ``size`` daemon threads taking jobs from one queue."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"workers must be at least 1, got {size}")
        self._size = size
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, job: Callable[[], None]) -> None:
        """Queue ``job``; a new thread starts when none is idle and the pool is not full."""
        if self._closed:
            raise RuntimeError("the worker pool is shut down")
        with self._lock:
            if self._idle == 0 and len(self._threads) < self._size:
                thread = threading.Thread(target=self._work, name=f"bridge-worker-{len(self._threads)}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()
            else:
                self._idle -= 1 if self._idle else 0
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job()
            with self._lock:
                self._idle += 1

    def shutdown(self) -> None:
        """Let idle threads end; threads inside a call are abandoned (they are daemons)."""
        if self._closed:
            return
        self._closed = True
        for _ in self._threads:
            self._jobs.put(None)
