"""The worker pool: abandoned calls neither starve later calls nor run late, and threads stay bounded."""

import threading

from bridge.runtime._workers import WorkerPool

WAIT = 20.0


def test_a_call_abandoned_before_it_started_never_runs() -> None:
    pool = WorkerPool(1)
    gate, started, ran = threading.Event(), threading.Event(), []
    pool.submit(lambda: (started.set(), gate.wait(WAIT)))
    assert started.wait(WAIT)
    queued = pool.submit(lambda: ran.append("side effect"))
    queued.abandon()  # still queued behind the blocked call
    done = threading.Event()
    pool.submit(done.set)
    gate.set()
    assert done.wait(WAIT)
    assert ran == []


def test_abandoning_finished_calls_does_not_grow_the_pool() -> None:
    pool = WorkerPool(1)
    finished = [threading.Event() for _ in range(5)]
    jobs = [pool.submit(e.set) for e in finished]
    assert all(e.wait(WAIT) for e in finished)
    for job in jobs:
        job.abandon()
    barrier = threading.Barrier(2, timeout=0.5)
    outcome: list[str] = []

    def meet() -> None:
        try:
            barrier.wait()
            outcome.append("met")
        except threading.BrokenBarrierError:
            outcome.append("alone")

    ends = [threading.Event(), threading.Event()]
    for end in ends:
        pool.submit(lambda end=end: (meet(), end.set()))
    assert all(e.wait(WAIT) for e in ends)
    assert outcome == ["alone", "alone"]  # one thread: the two calls never ran at once


def test_a_running_call_that_is_abandoned_gets_a_replacement_thread() -> None:
    pool = WorkerPool(1)
    gate, started = threading.Event(), threading.Event()
    stuck = pool.submit(lambda: (started.set(), gate.wait(WAIT)))
    assert started.wait(WAIT)
    stuck.abandon()
    done = threading.Event()
    pool.submit(done.set)
    try:
        assert done.wait(WAIT)  # ran although the only thread is still inside the abandoned call
    finally:
        gate.set()
