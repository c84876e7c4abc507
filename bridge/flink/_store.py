"""The state store a Flink worker's runtime sees: durable call records in bridge's store, the rest in Flink.

Under Flink, Flink owns the input position, each key's memory and its input count (keyed state, checkpointed);
bridge's store (``--state``: PostgreSQL shared by every TaskManager, or SQLite for a one-slot job) keeps only
what a checkpoint cannot: the outcomes of durable calls, whose side effects happened in the world. The records
are keyed by the plan key with a digest of the input, the key's input number in Flink state and the action
step, so when a restored job processes an input again its actions replay the calls that completed instead of
running them twice. The input's digest is there because a new job numbers each key's inputs from 0 again: a
later job over other inputs for the same keys must make its calls, not get the outcomes an earlier job's input
of that number recorded (a job over the same inputs, as after a restore from before a key's first checkpoint,
still replays them).

The worker's runtime runs live (:mod:`bridge.flink._live`) and numbers the inputs it takes itself; before the
keyed function submits a key's inputs it tells the store their Flink numbers (:meth:`FlinkCallStore.expect`),
and the store files each taken input's calls under the key, the input's digest and its Flink number. The store
does not keep runs (``keeps_runs``): the scheduler then looks for recorded calls for every input, hands outputs
on as actions finish and lets a failed input's key go on. Without ``--state`` the records live only as long as
the worker (nothing to replay after a restore, as ``bridge run`` without a state). Everything else the
scheduler would record (inputs, finished actions, memory, outputs, key status) is Flink's, so those writes are
dropped here.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from typing import Any

from bridge.store import CallRecord, Commit, InputRecord, KeyRecord, StateStore, digest, open_store


class FlinkCallStore(StateStore):
    """Call records in ``inner`` (or in memory), filed by Flink's numbering of each key's inputs."""

    keeps_runs = False

    def __init__(self, inner: str | None) -> None:
        self._inner: StateStore | None = open_store(inner) if inner is not None else None
        self.url = self._inner.url if self._inner is not None else "(the worker's memory)"
        self._calls: dict[tuple[str, int, int], dict[int, CallRecord]] = {}
        # Per key, where the calls of its next inputs go, in order (see expect); per input taken (by the kid and
        # the runtime's own number), where its calls go: (kid@input digest, the input's Flink number).
        self._expected: dict[str, deque[tuple[str, int]]] = {}
        self._where: dict[tuple[str, int], tuple[str, int]] = {}
        self._expecting = threading.Lock()  # expect runs on the Flink thread, add_inputs on the scheduler's

    def expect(self, kid: str, first: int, payloads: list[Any]) -> None:
        """The key's next inputs are ``payloads``, Flink's inputs ``first``, ``first + 1``, ... of the key.

        Called (on the Flink thread) before they are submitted to the live run, which takes a key's inputs in
        the order they were submitted; :meth:`add_inputs` (on the scheduler thread) files each as it is taken.
        """
        # Not valid JSON, so no key's own text (a kid) is ever the same as one of these.
        filed = [(f"{kid}@{digest(payload)}", first + i) for i, payload in enumerate(payloads)]
        with self._expecting:
            queue = self._expected.get(kid)
            if queue is None:
                queue = self._expected[kid] = deque()
            queue.extend(filed)

    def _filed(self, kid: str, seq: int) -> tuple[str, int] | None:
        """Where the calls of the runtime's input ``seq`` of ``kid`` go; None once its run ended (or never named).

        A record without a place is dropped, never filed under the runtime's own number, which a later worker
        gives another input (a Java background call may report after its input's run ended).
        """
        return self._where.get((kid, seq))

    # -- the call records: bridge's store -----------------------------------------------------------
    def bind(self, plan_identity: dict[str, Any], *, force: bool = False) -> None:  # noqa: D102
        if self._inner is not None:
            self._inner.bind(plan_identity, force=force)

    def calls(self, kid: str, seq: int, step: int) -> list[CallRecord]:  # noqa: D102
        where = self._filed(kid, seq)
        if where is None:
            return []
        kid, seq = where
        if self._inner is not None:
            return self._inner.calls(kid, seq, step)
        return sorted(self._calls.get((kid, seq, step), {}).values(), key=lambda r: r.index)

    def record_call(self, kid: str, seq: int, step: int, call: CallRecord) -> None:  # noqa: D102
        where = self._filed(kid, seq)
        if where is None:
            return
        kid, seq = where
        if self._inner is not None:
            self._inner.record_call(kid, seq, step, call)
        else:
            self._calls.setdefault((kid, seq, step), {})[call.index] = call

    def drop_calls(self, kid: str, seq: int, step: int, from_index: int) -> None:  # noqa: D102
        where = self._filed(kid, seq)
        if where is None:
            return
        kid, seq = where
        if self._inner is not None:
            self._inner.drop_calls(kid, seq, step, from_index)
        else:
            records = self._calls.get((kid, seq, step), {})
            for index in [i for i in records if i >= from_index]:
                del records[index]

    def batch(self, enabled: bool) -> None:
        """Not passed on: each call record is written at once, in a transaction of its own, never journaled.

        A SQLite store groups writes and journals call records while a run groups its commits, and only the
        process holding its runner lock replays a journal; after a TaskManager dies its worker may linger with
        that lock while Flink restarts the task elsewhere. Written at once, a record needs no replay, and the
        store keeps nothing else to group.
        """

    @property
    def pending(self) -> bool:  # noqa: D102
        return self._inner is not None and self._inner.pending

    def flush(self) -> None:  # noqa: D102
        if self._inner is not None:
            self._inner.flush()

    def close(self) -> None:  # noqa: D102
        if self._inner is not None:
            self._inner.close()

    def check_format(self) -> None:  # noqa: D102
        if self._inner is not None:
            self._inner.check_format()

    # -- Flink's: memory, inputs, outputs, status (kept in keyed state and the sinks) ------------------
    def unfinished(self) -> list[KeyRecord]:  # noqa: D102 - a restored job's inputs come back through Flink
        return []

    def lock_runner(self) -> None:  # noqa: D102 - every slot's worker shares the store; Flink keys them apart
        pass

    def source_count(self, source: str) -> int:  # noqa: D102
        return 0

    def get(self, kid: str, *, inputs: bool = False) -> KeyRecord | None:  # noqa: D102
        return None

    def memory(self, kid: str) -> Any:  # noqa: D102
        return None

    def add_inputs(self, rows: list[tuple[Any, InputRecord]], source: str | None) -> None:
        """The live run took these inputs: each is the next one :meth:`expect` named for its key."""
        with self._expecting:
            for _, record in rows:
                queue = self._expected.get(record.kid)
                if queue:
                    self._where[(record.kid, record.seq)] = queue.popleft()
                    if not queue:
                        del self._expected[record.kid]

    def commit(self, commit: Commit) -> None:  # noqa: D102
        pass

    def finish_input(self, kid: str, seq: int, status: Any, error: dict[str, Any] | None = None) -> None:
        """The input's run ended: its actions make no more calls (its records stay, for a replay)."""
        self._where.pop((kid, seq), None)

    def set_wait(self, kid: str, wait: dict[str, Any] | None, status: Any) -> None:  # noqa: D102
        pass

    def stop_requested(self) -> set[str]:  # noqa: D102
        return set()

    def set_status(self, kid: str, status: Any, *, stop: bool | None = None, error: Any = None) -> None:  # noqa: D102
        pass

    def request_stop(self, kid: str) -> None:  # noqa: D102
        pass

    def requeue(self, kid: str, seq: int) -> None:  # noqa: D102
        pass

    def runs(self, status: str | None = None, updated_before: float | None = None) -> list[KeyRecord]:  # noqa: D102
        return []

    def actions(self, kid: str, limit: int = 20) -> list[dict[str, Any]]:  # noqa: D102
        return []

    def key_calls(self, kid: str) -> list[dict[str, Any]]:  # noqa: D102
        return []

    def outputs(self, source: str | None) -> Iterator[tuple[Any, Any]]:  # noqa: D102
        return iter(())

    def prune(self, status: str, updated_before: float) -> int:  # noqa: D102
        return 0
