"""The threads that run durable calls: daemon threads, so a call that never returns cannot hold the exit.

``concurrent.futures.ThreadPoolExecutor`` joins its threads at interpreter exit, which turned one blocked
call into a process that hung after Ctrl-C; this pool's threads are daemons and are started on first use.
A call that overran its timeout keeps its thread (Python cannot stop a thread), so the pool lends a
replacement thread until that call returns: abandoned calls never starve the next ones. A call abandoned
before it started never runs (its action was already told it failed).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

_QUEUED, _RUNNING, _DONE, _SKIPPED = range(4)


class Job:
    """One call for the pool; ``abandon()`` it when nobody waits for its result any more."""

    __slots__ = ("run", "state", "lent", "_pool")

    def __init__(self, run: Callable[[], None], pool: WorkerPool) -> None:
        self.run = run
        self.state = _QUEUED
        self.lent = False  # a replacement thread was lent while this call runs on
        self._pool = pool

    def abandon(self) -> None:
        """Give up on the call: queued, it is skipped; running, a replacement thread is lent; done, nothing."""
        self._pool._abandon(self)


class WorkerPool:
    """At most ``size`` daemon threads, plus one per abandoned call still running, taking jobs from a queue."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"workers must be at least 1, got {size}")
        self._limit = size
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads = 0
        self._busy = 0  # jobs queued or running that someone still waits for
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, run: Callable[[], None]) -> Job:
        """Queue a call; a thread starts when every thread is busy and the pool is not full."""
        job = Job(run, self)
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is shut down")
            self._busy += 1
            start = self._start_if_needed()
        self._jobs.put(job)
        if start:
            start.start()
        return job

    def _start_if_needed(self) -> threading.Thread | None:
        """A new thread when the waited-for jobs outnumber the threads free for them (lock held)."""
        if self._closed or self._busy <= self._threads or self._threads >= self._limit:
            return None
        self._threads += 1
        return threading.Thread(target=self._work, name=f"bridge-worker-{self._threads}", daemon=True)

    def _abandon(self, job: Job) -> None:
        start = None
        with self._lock:
            if job.state == _QUEUED:
                job.state = _SKIPPED
                self._busy -= 1
            elif job.state == _RUNNING and not job.lent:
                job.lent = True
                self._busy -= 1  # its thread is no longer free for others until the call returns
                self._threads -= 1
                start = self._start_if_needed()
        if start:
            start.start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            with self._lock:
                if job.state == _SKIPPED:
                    continue
                job.state = _RUNNING
            job.run()
            with self._lock:
                job.state = _DONE
                if job.lent:  # this thread was written off when the call was abandoned: it ends now
                    return
                self._busy -= 1

    def shutdown(self) -> None:
        """Let idle threads end; threads inside a call are abandoned (they are daemons)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            threads = self._threads
        for _ in range(threads):
            self._jobs.put(None)
