"""What a run writes to its state and reads back after a restart, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import threading

import pytest
from store_support import PLAN, SOURCE, finished, take

from bridge.errors import StateError
from bridge.store import CallRecord, InputRecord, StateStore, kid_of


# -- the plan -------------------------------------------------------------------------------------------
def test_the_plan_that_wrote_a_state_opens_it_again(store: StateStore, open_state) -> None:
    kid = take(store, "k", 1)
    store.close()
    again = open_state()
    again.bind(PLAN)
    assert again.get(kid) is not None


def test_another_plan_is_refused_naming_the_actions_added_removed_and_changed(store: StateStore, open_state) -> None:
    other = {"actions": {"classify": "py:app.classify_v2", "route": "py:app.route"}, "resources": {}}
    with pytest.raises(StateError) as refused:
        open_state().bind(other)
    message = str(refused.value)
    assert "actions added: route" in message
    assert "actions removed: reply" in message
    assert "actions changed: classify" in message
    assert "--force" in message
    open_state().bind(PLAN)  # the state still belongs to the plan that wrote it


def test_a_plan_with_other_resources_is_refused(store: StateStore, open_state) -> None:
    with pytest.raises(StateError, match="resources changed"):
        open_state().bind({**PLAN, "resources": {"model": {"kind": "chat"}}})


def test_force_gives_the_state_to_the_new_plan(store: StateStore, open_state) -> None:
    other = {"actions": {"classify": "py:app.classify"}, "resources": {}}
    open_state().bind(other, force=True)
    open_state().bind(other)
    with pytest.raises(StateError, match="actions added: reply"):
        open_state().bind(PLAN)


def test_a_state_of_another_layout_version_is_refused(store: StateStore, open_state) -> None:
    with store._tx() as cur:  # as a later bridge would leave it
        cur.execute(store._sql("UPDATE bridge_meta SET value = ? WHERE name = 'format'"), ("99",))
    with pytest.raises(StateError, match="layout version '?99'?"):
        open_state().bind(PLAN)


def test_the_next_sequence_number_follows_every_input_taken(store: StateStore, open_state) -> None:
    assert store.next_seq == 0
    take(store, "a", "a0", "a1")
    take(store, "b", "b0", start=2)
    store.close()
    again = open_state()
    again.bind(PLAN)
    assert again.next_seq == 3


# -- inputs ---------------------------------------------------------------------------------------------
def test_inputs_are_counted_per_source_across_openings(store: StateStore, open_state) -> None:
    take(store, "a", {"n": 1}, {"n": 2})
    take(store, "b", {"n": 3}, source="other.jsonl")
    take(store, "c", {"n": 4}, source=None)
    store.close()
    again = open_state()
    again.bind(PLAN)
    assert again.source_count(SOURCE) == 2
    assert again.source_count("other.jsonl") == 1
    assert again.source_count("never.jsonl") == 0
    take(again, "a", {"n": 5}, start=2)
    assert again.source_count(SOURCE) == 3


def test_taken_inputs_are_queued_in_order_and_their_key_runs(store: StateStore, clock) -> None:
    kid = take(store, {"customer": 7}, "first", "second", "third")
    record = store.get(kid, inputs=True)
    assert record is not None
    assert (record.key, record.status, record.next_seq) == ({"customer": 7}, "running", 3)
    assert (record.started_at, record.updated_at) == (1000.0, 1000.0)
    assert [(i.seq, i.event_id, i.payload, i.status, i.source) for i in record.queued] == [
        (0, "ev-0", "first", "queued", SOURCE), (1, "ev-1", "second", "queued", SOURCE),
        (2, "ev-2", "third", "queued", SOURCE)]
    assert store.get(kid).queued == []  # without inputs=True


def test_one_batch_may_hold_many_keys(store: StateStore) -> None:
    rows = [(key, InputRecord(kid_of(key), seq, f"e{key}{seq}", seq, source=SOURCE))
            for key, seq in [("a", 0), ("b", 0), ("a", 1)]]
    store.add_inputs(rows, SOURCE)
    assert store.get(kid_of("a")).next_seq == 2
    assert store.get(kid_of("b")).next_seq == 1
    assert sorted(r.key for r in store.unfinished()) == ["a", "b"]
    store.add_inputs([], SOURCE)
    assert store.source_count(SOURCE) == 3


def test_keys_keep_their_json_identity(store: StateStore) -> None:
    for key in (1, 1.5, "1", True, None, [1, "x"], {"b": 1}):
        take(store, key, "in")
    assert sorted((repr(r.key) for r in store.runs()), key=str) == sorted(
        repr(k) for k in (1, 1.5, "1", True, None, [1, "x"], {"b": 1}))


def test_a_new_input_for_a_done_key_makes_it_run_again(store: StateStore, clock) -> None:
    kid = take(store, "k", "first")
    store.commit(finished("k", 0, status="done"))
    store.finish_input(kid, 0, "done")
    assert store.get(kid).status == "done"
    clock(2000.0)
    take(store, "k", "second", start=1)
    record = store.get(kid, inputs=True)
    assert (record.status, record.started_at, record.updated_at) == ("running", 1000.0, 2000.0)
    assert [i.seq for i in record.queued] == [1]


# -- finished actions -----------------------------------------------------------------------------------
def test_a_commit_keeps_memory_run_state_action_and_outputs(store: StateStore, open_state) -> None:
    kid = take(store, "k", "in")
    run = {"events": [{"type": "Next"}], "sensory": {"seen": 1}}
    store.commit(finished("k", 0, memory={"count": 1}, run=run, outputs=({"answer": 1}, "two")))
    store.close()
    again = open_state()
    again.bind(PLAN)
    record = again.get(kid, inputs=True)
    assert (record.memory, record.run, record.last_action, record.status) == ({"count": 1}, run, "classify",
                                                                               "running")
    assert again.memory(kid) == {"count": 1}
    assert [i.status for i in record.queued] == ["queued"]  # its run goes on
    assert list(again.outputs(SOURCE)) == [("k", {"answer": 1}), ("k", "two")]
    [action] = again.actions(kid)
    assert action["seq"] == 0 and action["step"] == 0 and action["action"] == "classify"
    assert action["event"] == {"type": "InputEvent", "input": 0}
    assert action["updates"] == [{"path": "n", "value": 0}] and action["sent"] == [{"type": "Next", "step": 0}]


def test_the_commit_that_ends_an_inputs_run_finishes_the_input(store: StateStore) -> None:
    kid = take(store, "k", "first", "second")
    store.commit(finished("k", 0, run={"events": []}))
    store.commit(finished("k", 0, step=1, action="reply", run=None, memory={"n": 2}))
    record = store.get(kid, inputs=True)
    assert [i.seq for i in record.queued] == [1]
    assert record.run is None and record.last_action == "reply"


def test_a_commit_that_fails_half_way_leaves_nothing(store: StateStore) -> None:
    kid = take(store, "k", "in")
    store.commit(finished("k", 0, memory={"n": 1}, run={"events": []}))
    with pytest.raises(TypeError):
        store.commit(finished("k", 0, step=1, memory={"n": 2}, outputs=("ok", {1, 2})))  # a set is not JSON
    assert store.memory(kid) == {"n": 1}
    assert [a["step"] for a in store.actions(kid)] == [0]
    assert list(store.outputs(SOURCE)) == []
    assert [i.status for i in store.get(kid, inputs=True).queued] == ["queued"]


def test_an_action_committed_again_replaces_its_record_and_writes_its_outputs_once(store: StateStore) -> None:
    kid = take(store, "k", "in")
    store.commit(finished("k", 0, action="classify", outputs=("x",), run={"events": []}))
    store.commit(finished("k", 0, action="classify", outputs=("x",), run={"events": []}, memory={"again": True}))
    assert [a["step"] for a in store.actions(kid)] == [0]
    assert list(store.outputs(SOURCE)) == [("k", "x")]
    assert store.memory(kid) == {"again": True}


def test_actions_are_listed_newest_first(store: StateStore) -> None:
    kid = take(store, "k", "first", "second")
    for seq, step in [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2)]:
        store.commit(finished("k", seq, step, run={"events": []}))
    assert [(a["seq"], a["step"]) for a in store.actions(kid)] == [(1, 2), (1, 1), (1, 0), (0, 1), (0, 0)]
    assert [(a["seq"], a["step"]) for a in store.actions(kid, limit=2)] == [(1, 2), (1, 1)]
    assert store.actions(kid_of("nobody")) == []


def test_outputs_come_back_per_source_in_commit_order(store: StateStore, open_state) -> None:
    take(store, "a", "a0", "a1")
    take(store, "b", "b0")
    take(store, "c", "c0", source=None)
    store.commit(finished("b", 0, outputs=("b0-x", "b0-y"), status="done"))
    store.commit(finished("a", 0, outputs=("a0-x",)))
    store.commit(finished("c", 0, outputs=("c0-x",), source=None))
    store.commit(finished("a", 1, outputs=("a1-x",)))
    store.close()
    again = open_state()
    again.bind(PLAN)  # a later process goes on numbering after the outputs already written
    take(again, "b", "b1", start=1)
    again.commit(finished("b", 1, outputs=("b1-x",)))
    assert list(again.outputs(SOURCE)) == [("b", "b0-x"), ("b", "b0-y"), ("a", "a0-x"), ("a", "a1-x"),
                                           ("b", "b1-x")]
    assert list(again.outputs(None)) == [("c", "c0-x")]
    assert list(again.outputs("never.jsonl")) == []


# -- the end of an input's run ------------------------------------------------------------------------------
def test_a_finished_input_ends_its_run_and_sets_the_keys_status(store: StateStore) -> None:
    kid = take(store, "k", "first", "second")
    store.commit(finished("k", 0, run={"events": []}))
    store.finish_input(kid, 0, "running")  # one more input to go
    record = store.get(kid, inputs=True)
    assert (record.status, record.run, [i.seq for i in record.queued]) == ("running", None, [1])
    store.finish_input(kid, 1, "done")
    record = store.get(kid, inputs=True)
    assert (record.status, record.queued) == ("done", [])
    assert store.unfinished() == []


def test_a_failed_input_stays_visible_until_it_is_retried(store: StateStore) -> None:
    kid = take(store, "k", "first", "second")
    store.commit(finished("k", 0, run={"events": ["pending"]}))
    error = {"type": "ValueError", "message": "bad order", "stack": "Traceback ..."}
    store.finish_input(kid, 0, "error", error)
    record = store.get(kid, inputs=True)
    assert (record.status, record.error) == ("error", error)
    assert [(i.seq, i.status) for i in record.queued] == [(0, "error"), (1, "queued")]
    store.finish_input(kid, 1, "done")  # a later input that succeeds does not hide the failure
    record = store.get(kid)
    assert (record.status, record.error) == ("error", error)
    assert [r.kid for r in store.runs("error")] == [kid]


def test_a_requeued_input_is_queued_again(store: StateStore) -> None:
    kid = take(store, "k", "first")
    store.finish_input(kid, 0, "error", {"type": "E", "message": "m"})
    store.requeue(kid, 0)
    store.set_status(kid, "running")
    record = store.get(kid, inputs=True)
    assert [(i.seq, i.status) for i in record.queued] == [(0, "queued")]
    assert (record.status, record.error) == ("running", None)
    assert [(r.kid, [i.seq for i in r.queued]) for r in store.unfinished()] == [(kid, [0])]


# -- durable calls --------------------------------------------------------------------------------------
def test_a_call_is_recorded_pending_then_with_its_result(store: StateStore, open_state) -> None:
    kid = take(store, "k", "in")
    store.record_call(kid, 0, 0, CallRecord(0, "app.charge", "d0", "pending"))
    store.close()
    again = open_state()
    again.bind(PLAN)
    assert again.calls(kid, 0, 0) == [CallRecord(0, "app.charge", "d0", "pending", None)]
    again.record_call(kid, 0, 0, CallRecord(0, "app.charge", "d0", "done", {"receipt": 42}))
    again.record_call(kid, 0, 0, CallRecord(1, "app.mail", "d1", "failed", {"type": "OSError", "message": "x"}))
    assert again.calls(kid, 0, 0) == [CallRecord(0, "app.charge", "d0", "done", {"receipt": 42}),
                                      CallRecord(1, "app.mail", "d1", "failed", {"type": "OSError", "message": "x"})]


def test_calls_belong_to_one_action_run(store: StateStore) -> None:
    kid = take(store, "k", "first", "second")
    for seq, step, index in [(0, 1, 0), (0, 0, 1), (1, 0, 0), (0, 0, 0)]:
        store.record_call(kid, seq, step, CallRecord(index, f"f{seq}{step}{index}", "d", "done", index))
    assert [c.fid for c in store.calls(kid, 0, 0)] == ["f000", "f001"]
    assert [c.fid for c in store.calls(kid, 0, 1)] == ["f010"]
    assert store.calls(kid, 2, 0) == []
    assert [(c["seq"], c["step"], c["index"], c["fid"], c["result"]) for c in store.key_calls(kid)] == [
        (0, 0, 0, "f000", 0), (0, 0, 1, "f001", 1), (0, 1, 0, "f010", 0), (1, 0, 0, "f100", 0)]


def test_a_diverged_replay_drops_the_later_calls_only(store: StateStore) -> None:
    kid = take(store, "k", "in")
    for index in range(4):
        store.record_call(kid, 0, 0, CallRecord(index, f"f{index}", "d", "done", None))
    store.record_call(kid, 0, 1, CallRecord(0, "other-step", "d", "done", None))
    store.drop_calls(kid, 0, 0, 2)
    assert [c.index for c in store.calls(kid, 0, 0)] == [0, 1]
    assert [c.fid for c in store.calls(kid, 0, 1)] == ["other-step"]


def test_worker_threads_may_record_calls_while_the_scheduler_commits(store: StateStore) -> None:
    kid = take(store, "k", "in")
    errors: list[BaseException] = []

    def worker(step: int) -> None:  # the runtime records an async action's calls from its worker threads
        try:
            for index in range(50):
                store.record_call(kid, 0, step, CallRecord(index, "f", "d", "done", index))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(step,)) for step in range(1, 5)]
    for thread in threads:
        thread.start()
    for step in range(100, 150):
        store.commit(finished("k", 0, step, run={"events": []}))
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.key_calls(kid)) == 200 and len(store.actions(kid, limit=100)) == 50
