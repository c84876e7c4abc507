"""The host's own scheduler inside a Flink operator: one live run per worker, so keys of a slot do not wait.

PyFlink calls the keyed function once per element and takes what it yields when it returns, so running each
element to its end there makes a key that waits on a long durable call hold up every other key of the slot.
Flink timers alone cannot help: a timer cannot suspend an action in the middle of its run, and the host's
scheduler already does, at each durable call. So each worker runs one long-lived ``Runtime.run(live=True)`` on
a thread of its own, fed through a queue by ``process_element``; the key's results go back to Flink by a
timer of that key (see :class:`~bridge.flink.PlanFunction`), the only place where its keyed state can be
written and its outputs emitted together.

Threads: the runtime's scheduler thread owns memory and run state. It hands each finished input out here
(outputs, failures and the key's memory as stored JSON, through ``on_input_end``) and takes a key's memory
from here when the key comes back (``memory_of``); the Flink thread only reads what was handed out, under
the lock, and never touches the runtime's memory.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from bridge.api._values import dumps

_END: Any = object()
_CLOSE_WAIT = 5.0  # seconds close() lets inputs under way finish before it stops the run


class LiveHost:
    """A worker's runtime running live on its own thread; per key: inputs in flight and finished ones."""

    def __init__(self, runtime: Any, window: int = 4096) -> None:
        self._runtime = runtime
        self._feed: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Condition()
        self._memory: dict[str, Any] = {}  # newest memory of each key with inputs in flight (stored form)
        self._flight: dict[str, int] = {}  # inputs of each key submitted here and not written back
        self._done: dict[str, list[tuple[list[Any], list[Any], Any]]] = {}  # finished, not written back
        self._failure: BaseException | None = None
        self._window = window
        self._running = 0  # inputs submitted and not finished
        # The scheduler thread's own: what each key's running input produced so far.
        self._outputs: dict[str, list[tuple[Any, Any]]] = {}
        self._errors: dict[str, list[Any]] = {}
        self._thread = threading.Thread(target=self._run, name="bridge-flink-host", daemon=True)
        self._thread.start()

    # -- the Flink thread ---------------------------------------------------------------------------
    def submit(self, kid: str, key: Any, inputs: list[Any], memory: Any = None) -> None:
        """Submit inputs of the key, in order.

        ``memory`` is what the key starts from (as its keyed state holds it), used only when none of its inputs
        is in flight here; the runtime's ``memory_of`` hands it over when the first of them starts.
        """
        with self._lock:
            flight = self._flight.get(kid, 0)
            if flight == 0:
                self._memory[kid] = memory
            self._flight[kid] = flight + len(inputs)
            # Back pressure: Flink's input waits while the runtime has a full window of inputs under way.
            while self._running >= self._window and self._failure is None:
                self._lock.wait()
            self._running += len(inputs)
        for payload in inputs:
            self._feed.put((key, payload))

    def take(self, kid: str, *, wait: bool) -> list[tuple[list[Any], list[Any], Any]]:
        """The key's finished inputs not taken yet: (outputs, failures, memory after it) each, oldest first.

        With ``wait``, blocks until there is one. Once every input in flight is taken, this worker holds
        nothing more for the key (its keyed state has it).
        """
        with self._lock:
            while wait and not self._done.get(kid) and self._failure is None:
                self._lock.wait()
            if self._failure is not None:
                raise RuntimeError("the worker's bridge runtime stopped") from self._failure
            finished = self._done.pop(kid, [])
            left = self._flight.get(kid, 0) - len(finished)
            if left > 0:
                self._flight[kid] = left
            else:
                self._flight.pop(kid, None)
                self._memory.pop(kid, None)
            return finished

    def close(self) -> None:
        """End the run once inputs under way finish (a cancelled job's may be stopped after a grace period)."""
        self._feed.put(_END)
        self._thread.join(_CLOSE_WAIT)
        if self._thread.is_alive():
            self._runtime.request_stop(0.0)
            self._thread.join(_CLOSE_WAIT)

    # -- the scheduler thread -----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._runtime.run(iter(self._feed.get, _END), live=True, on_output=self._output, on_error=self._error,
                              on_input_end=self._input_end, memory_of=self._memory_of)
        except BaseException as exc:  # noqa: BLE001 - handed to the Flink thread, which fails the task with it
            with self._lock:
                self._failure = exc
                self._lock.notify_all()

    def _output(self, key: Any, value: Any) -> None:
        self._outputs.setdefault(dumps(key).decode(), []).append((key, value))

    def _error(self, error: Any) -> None:
        self._errors.setdefault(dumps(error.key).decode(), []).append(error)

    def _input_end(self, key: Any, memory: Any) -> None:
        kid = dumps(key).decode()
        finished = (self._outputs.pop(kid, []), self._errors.pop(kid, []), memory)
        with self._lock:
            self._memory[kid] = memory
            self._done.setdefault(kid, []).append(finished)
            self._running -= 1
            self._lock.notify_all()

    def _memory_of(self, key: Any) -> Any:
        with self._lock:
            return self._memory.get(dumps(key).decode())
