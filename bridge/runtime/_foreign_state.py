"""The state store of a foreign host (the Java host): the Python host's bookkeeping behind plain strings.

Under ``--state`` the Java host keeps its run in the one state store (:mod:`bridge.store`: SQLite or
PostgreSQL) through the embedded interpreter, in the same form as the Python host, so a state one host wrote is
read by ``bridge runs`` and continued by the other. Nothing is kept twice: :class:`ForeignState` drives the
Python scheduler's :class:`~bridge.runtime._keeping.StateKeeper` (inputs taken, finished actions in group
commits, waits, stops, recovery) and :class:`~bridge.runtime._durable.CallLog` (durable calls recorded and
replayed), given the Java scheduler's key state as JSON at the points where the Python scheduler calls them.
Keys are named by their id in the state (``kid``: the key's JSON text as :func:`~bridge.store.kid_of` writes
it); the host learns it from :meth:`ForeignState.known` or :meth:`ForeignState.begin`.

Outputs stay in Java: a finished action's outputs are handed on only once the group commit that holds it is
written. Every method that may write the group answers ``{"released": n, "stopping": [kid, ..]}`` (or ``""``
when there is nothing to say): the host keeps outputs in commit order and hands the first ``n`` on; keys in
``stopping`` were asked to stop (``bridge runs stop``) and stop before their next action.

Threads: only the Java host's scheduler thread calls in (the interpreter is entered from nowhere else); a Java
action's durable call that ends on a Java worker thread is queued to that thread and recorded from there.
"""

from __future__ import annotations

from typing import Any

from bridge.api._events import Event
from bridge.api._values import dumps_str, loads
from bridge.errors import BridgeError
from bridge.runtime._durable import FOREIGN_LOGS, CallLog
from bridge.runtime._foreign import ForeignHost
from bridge.runtime._keeping import StateKeeper, run_state
from bridge.runtime._routing import Router
from bridge.runtime._runtime import plan_identity
from bridge.store import Commit, StateStore, kid_of, open_store


class ForeignState:
    """One run's state for a foreign host's scheduler; see the module docstring.

    Opening binds the state to the host's plan (another plan is refused unless ``force``) and makes this
    process the one that runs actions on it.
    """

    def __init__(self, host: ForeignHost, state: str, *, strict: bool = False, force: bool = False) -> None:
        store = open_store(state)
        try:
            store.bind(plan_identity(host.plan), force=force)
            store.lock_runner()
        except BaseException:
            store.close()
            raise
        self.store: StateStore = store
        self._host = host
        self._keeper = StateKeeper(store, Router(host.plan), strict)
        self._released = 0  # outputs the last group commits made safe to hand on
        self._stopping: set[str] = set()  # keys asked to stop that the host has been told of
        self._java_logs: dict[str, CallLog] = {}  # the running Java action's log per key (FOREIGN_LOGS is weak)
        self._earlier: Any = None  # the outputs of earlier runs being read (see earlier_outputs)

    # -- a run's start and end ----------------------------------------------------------------------
    def source_count(self, source: str) -> str:
        """How many inputs of ``source`` earlier runs took (the host skips them), as text."""
        return str(self.store.source_count(source))

    def earlier_outputs(self, source: str, limit: int) -> str:
        """The next ``limit`` outputs earlier runs committed for ``source``, ``[[key, output], ..]`` (``[]``: no more).

        The host writes them first into its ``--output`` temp file, as ``bridge run --state`` does.
        """
        if self._earlier is None:
            self._earlier = iter(self.store.outputs(source))
        page = []
        for item in self._earlier:
            page.append(list(item))
            if len(page) >= limit:
                break
        return dumps_str(page)

    def begin(self, source: str) -> str:
        """Start a run (group commit on); the keys an earlier process left unfinished, rebuilt, as JSON.

        Each: ``{"kid", "key", "memory", "replay", "run", "source", "inputs": [{"seq", "id", "payload",
        "source"}]}``: ``memory`` in :meth:`MemoryStore.dump` form, ``run`` the current input's run as of its
        last finished action (``{"seq", "steps", "events", "todo", "sensory"}``, or None), ``inputs`` its later
        queued inputs, ``replay`` the last input whose actions look for recorded durable calls.
        """
        self._keeper.begin(source or None, self._hand_on)
        keys = []
        for record, replay in self._keeper.recoverable():
            run, source_of_run, inputs = record.run, None, []
            for queued in record.queued:
                if run is not None and queued.seq == run["seq"]:
                    source_of_run = queued.source
                else:
                    inputs.append({"seq": queued.seq, "id": queued.event_id, "payload": queued.payload,
                                   "source": queued.source})
            keys.append({"kid": record.kid, "key": record.key, "memory": record.memory, "replay": replay,
                         "run": run, "source": source_of_run, "inputs": inputs})
        return dumps_str(keys)

    def end(self) -> None:
        """The run ended (or raised): what it finished is written; outputs not handed on stay recorded."""
        self._java_logs.clear()
        self._keeper.end()

    def close(self) -> None:
        """Release the store (and this process's claim on it)."""
        self.store.close()

    # -- bookkeeping between steps -------------------------------------------------------------------
    def tend(self) -> str:
        """Record the inputs just taken, write a full group, look for stop requests, when due (else ``""``)."""
        if not self._keeper.due():
            return ""
        self._keeper.tend()
        return self._answer()

    def flush(self) -> str:
        """Write the group commit now (the host is about to wait, or the run ends)."""
        self._keeper.flush()
        return self._answer()

    def dirty(self) -> str:
        """``"1"`` when a flush has something to write or hand on, else ``""``."""
        return "1" if self._keeper.dirty() else ""

    def _hand_on(self, key: Any, output: Any) -> None:
        self._released += 1

    def _answer(self) -> str:
        stopping = self._keeper.stopping - self._stopping
        if not self._released and not stopping:
            return ""
        self._stopping |= stopping
        released, self._released = self._released, 0
        return dumps_str({"released": released, "stopping": sorted(stopping)})

    # -- inputs ---------------------------------------------------------------------------------------
    def known(self, key_json: str) -> str:
        """A key new to the host: ``{"kid", "memory"}``, its id and its short-term memory in the state (stored form).

        A key the state holds in error, stopped or waiting is held from now on (its inputs queue, see :meth:`take`).
        """
        kid = kid_of(loads(key_json))
        record = self._keeper.known_key(kid)
        return dumps_str({"kid": kid, "memory": record.memory if record is not None else None})

    def take(self, kid: str, key_json: str, payload_json: str) -> str:
        """Number an input of a key the host knows (:meth:`known`): ``{"seq", "id", "held"}``.

        ``held``: the key is in error, stopped or waiting, so the input queues in the state and does not run.
        """
        record = self._keeper.take_input(kid, loads(key_json), loads(payload_json))
        return dumps_str({"seq": record.seq, "id": record.event_id, "held": kid in self._keeper.held})

    def input_ended(self, kid: str, seq: int, more: bool) -> None:
        """Input ``seq`` of the key ended after its last commit; ``more``: the key has later inputs."""
        self._keeper.end_input(kid, seq, more)

    def input_failed(self, kid: str, seq: int, action: str, event_type: str, error: str, details: str) -> None:
        """Input ``seq`` failed in ``action`` (``error``: ``<type>: <message>``): the key holds its later inputs."""
        self._java_logs.pop(kid, None)
        self._keeper.fail_input(kid, seq, action, event_type, error, details)

    # -- actions --------------------------------------------------------------------------------------
    def prepare(self, kid: str, seq: int, step: int, key_json: str, action: str, replay: bool, java: bool) -> str:
        """The durable calls of the action about to start (step ``step`` of input ``seq``).

        For a Python action the log goes to the facade's next start (``""``); for a Java action the answer is
        the ``recordsJson`` of ``JavaAction.invokeUtf8`` (``{"strict", "calls", "token"}``), whose new calls
        come back through :meth:`record_call`. ``replay``: an earlier attempt may have recorded calls.
        """
        log = self._keeper.log_for(kid, seq, step, loads(key_json), action, replay)
        if not java:
            self._host.next_log = log
            return ""
        self._java_logs[kid] = log
        FOREIGN_LOGS[log.token] = log
        return dumps_str({"strict": log.strict, "calls": log.foreign_records(), "token": log.token})

    def record_call(self, record_json: str) -> None:
        """A Java action's durable call ended (``HostAccess.recordCall``); a call of an abandoned run is dropped."""
        data = loads(record_json)
        log = FOREIGN_LOGS.get(data.get("token", ""))
        if log is not None:
            log.record_foreign(data)

    def commit(self, data_json: str) -> str:
        """A finished action into the group commit; ``"1"`` when the input's run ended with it, else ``""``.

        ``data_json``: ``{"kid", "key", "seq", "step", "action", "event", "updates", "sent", "outputs",
        "memory", "events", "todo", "sensory", "more", "source"}``: the action's event, memory updates (wire
        form), sent events and outputs; then the key after it: its short-term memory (stored form), the events
        and ``[action, event]`` pairs still to run, its sensory memory, whether it has later inputs, and the
        current input's source.
        """
        d = loads(data_json)
        kid = d["kid"]
        self._java_logs.pop(kid, None)
        todo, events = d["todo"], d["events"]
        done = self._keeper.ends_run(bool(todo), [Event.from_dict(e) for e in events])
        run = None if done else run_state(d["seq"], d["step"], events, todo, d["sensory"])
        self._keeper.keep(Commit(
            kid=kid, key=d["key"], seq=d["seq"], step=d["step"], action=d["action"], event=d["event"],
            updates=d["updates"], sent=d["sent"], memory=d["memory"], run=run, outputs=d["outputs"],
            source=d["source"], status="done" if done and not d["more"] else "running"))
        return "1" if done else ""

    # -- waits and stops -----------------------------------------------------------------------------
    def park(self, kid: str, action: str, seq: int, step: int, name: str, index: int, digest: str) -> str:
        """The key's action waits for outside input ``name`` (its durable call ``index``): the key waits."""
        self._java_logs.pop(kid, None)
        self._keeper.park_key(kid, action, seq, step, name, index, digest)
        return self._answer()

    def stopped(self, kid: str) -> None:
        """The host stopped the key before its next action."""
        self._stopping.discard(kid)
        self._keeper.stopped_key(kid)


def open_state(host: ForeignHost, state: str, strict: bool, force: bool) -> tuple[ForeignState | None, str]:
    """The host's state, or None and the error to print (a state that cannot be used: exit 2)."""
    try:
        return ForeignState(host, state, strict=strict, force=force), ""
    except BridgeError as exc:
        return None, str(exc)
