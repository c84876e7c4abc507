"""The threads that run durable calls: daemon threads, so a call that never returns cannot hold the exit.

``concurrent.futures.ThreadPoolExecutor`` joins its threads at interpreter exit, which turned one blocked
call into a process that hung after Ctrl-C; this pool's threads are daemons and are started on first use.
A call that overran its timeout keeps its thread (Python cannot stop a thread), so the pool lends a
replacement thread until that call returns: abandoned calls never starve the next ones.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class Job:
    """One call for the pool; ``abandon()`` it when nobody waits for its result any more."""

    __slots__ = ("run", "abandoned", "_pool")

    def __init__(self, run: Callable[[], None], pool: WorkerPool) -> None:
        self.run = run
        self.abandoned = False
        self._pool = pool

    def abandon(self) -> None:
        """Give up on the call: the pool may start a replacement thread while this one is still busy."""
        if not self.abandoned:
            self.abandoned = True
            self._pool._lend()


class WorkerPool:
    """At most ``size`` daemon threads (plus one per abandoned call still running) taking jobs from one queue."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"workers must be at least 1, got {size}")
        self._limit = size
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads = 0
        self._busy = 0
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, run: Callable[[], None]) -> Job:
        """Queue a call; a thread starts when every thread is busy and the pool is not full."""
        if self._closed:
            raise RuntimeError("the worker pool is shut down")
        job = Job(run, self)
        with self._lock:
            self._busy += 1  # counted from submission, so a burst of calls starts enough threads
            start = self._busy > self._threads and self._threads < self._limit
            if start:
                self._threads += 1
        if start:
            threading.Thread(target=self._work, name=f"bridge-worker-{self._threads}", daemon=True).start()
        self._jobs.put(job)
        return job

    def _lend(self) -> None:
        with self._lock:
            self._limit += 1
            start = self._busy > self._threads
            if start:
                self._threads += 1
        if start:
            threading.Thread(target=self._work, name=f"bridge-worker-{self._threads}", daemon=True).start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job.run()
            with self._lock:
                self._busy -= 1
                if job.abandoned:  # its replacement took over: give the loan back by ending this thread
                    self._limit -= 1
                    if self._threads > self._limit:
                        self._threads -= 1
                        return

    def shutdown(self) -> None:
        """Let idle threads end; threads inside a call are abandoned (they are daemons)."""
        if self._closed:
            return
        self._closed = True
        for _ in range(self._threads):
            self._jobs.put(None)
