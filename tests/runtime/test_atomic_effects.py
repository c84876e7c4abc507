"""An action's effects are all or nothing, values are checked where they enter, and a context is the action's."""

import math
import threading

import pytest

from bridge import Agent, ContextError, Event, InputEvent, OutputEvent, Runtime, action
from bridge.errors import ValueContractError

SEEN: list = []


def _state(rt, key):
    store = rt._scheduler.store_for(key)
    return store.snapshot("short_term"), store.snapshot("sensory")


def _watch_failures(rt) -> list:
    """Record both memories of the failed key right after the scheduler rolled the failed action back.

    Sensory memory is cleared when the input's run ends, so it can only be seen at that moment.
    """
    seen: list = []
    scheduler = rt._scheduler
    original = scheduler._fail

    def fail(ks, *args):
        original(ks, *args)
        seen.append((ks.store.snapshot("short_term"), ks.store.snapshot("sensory")))

    scheduler._fail = fail
    return seen


class WriteThenRaise(Agent):
    @action(InputEvent)
    @staticmethod
    def first(event, ctx):
        if event.input == "seed":
            ctx.short_term_memory.set("replaced", "old")
            ctx.short_term_memory.set("kept.leaf", 1)
            ctx.short_term_memory.set("over", 7)
            ctx.send_event(OutputEvent(output="seeded"))
            return
        ctx.sensory_memory.set("scratch", "first")
        ctx.send_event(Event(type="second"))

    @action("second")
    @staticmethod
    def second(event, ctx):
        stm, sensory = ctx.short_term_memory, ctx.sensory_memory
        stm.set("replaced", "new")
        stm.set("made.parent.leaf", 1)  # creates made and made.parent
        stm.set("kept.other", 2)
        stm.new_object("over", overwrite=True).set("inner", 3)
        sensory.set("scratch", "second")
        sensory.set("fresh.x", 1)
        SEEN.append({"replaced": stm.get("replaced"), "leaf": stm.get("made.parent.leaf"),
                     "inner": stm.get("over.inner"), "scratch": sensory.get("scratch"),
                     "kept": sorted(stm.get("kept").get_field_names())})
        ctx.send_event(OutputEvent(output="must not be emitted"))
        raise RuntimeError("after writing")


def test_an_action_that_raises_leaves_memory_exactly_as_before_and_sends_nothing() -> None:
    SEEN.clear()
    with Runtime(WriteThenRaise) as rt:
        seen = _watch_failures(rt)
        first = rt.run([("k", "seed")])
        committed, _ = _state(rt, "k")
        report = rt.run([("k", "go"), ("other", "seed")])
        after, _ = _state(rt, "k")
    assert first.ok and committed == {"replaced": "old", "kept": {"leaf": 1}, "over": 7}
    assert after == committed
    # Right after the rollback: short-term as committed, sensory as the previous (committed) action left it.
    assert seen == [(committed, {"scratch": "first"})]
    assert report.outputs == [("other", "seeded")]
    (error,) = report.errors
    assert (error.key, error.action, error.event_type) == ("k", "second", "second")
    assert isinstance(error.cause, RuntimeError) and "after writing" in str(error)
    # Inside the action, reads saw its own writes.
    assert SEEN == [{"replaced": "new", "leaf": 1, "inner": 3, "scratch": "second", "kept": ["leaf", "other"]}]


class SendsBadAttribute(Agent):
    @action(InputEvent)
    @staticmethod
    def sender(event, ctx):
        ctx.short_term_memory.set("written", True)
        try:
            ctx.send_event(Event("x", {"s": {1, 2}}))
        except ValueContractError as exc:
            SEEN.append(("sender saw", type(exc).__name__))
            raise

    @action("x")
    @staticmethod
    def downstream(event, ctx):
        SEEN.append(("downstream ran", event.attributes))


def test_a_non_portable_event_attribute_fails_the_sending_action_not_the_receiver() -> None:
    SEEN.clear()
    with Runtime(SendsBadAttribute) as rt:
        report = rt.run([("k", 1)])
        assert _state(rt, "k") == ({}, {})
    (error,) = report.errors
    assert (error.action, error.event_type) == ("sender", "_input_event")
    assert isinstance(error.cause, ValueContractError)
    assert "event 'x' attribute.s" in str(error) and "set" in str(error)
    assert SEEN == [("sender saw", "ValueContractError")]


BAD_OUTPUTS = {"set": {1, 2}, "int_keys": {1: "a"}, "nan": math.nan, "nested_nan": {"ok": [1, math.inf]}}


class Outputs(Agent):
    @action(InputEvent)
    @staticmethod
    def emit(event, ctx):
        ctx.send_event(OutputEvent(output=BAD_OUTPUTS.get(event.input, event.input)))


def test_a_non_portable_output_fails_its_action_and_every_other_key_outputs() -> None:
    big = 2**80 + 7
    inputs = [(name, name) for name in BAD_OUTPUTS] + [(f"good{i}", i) for i in range(5)] + [("big", big)]
    with Runtime(Outputs) as rt:
        report = rt.run(inputs)
    assert sorted(k for k, _ in report.outputs) == sorted([f"good{i}" for i in range(5)] + ["big"])
    assert dict(report.outputs)["big"] == big
    failed = {e.key: e for e in report.errors}
    assert set(failed) == set(BAD_OUTPUTS)
    for key, error in failed.items():
        assert error.action == "emit" and isinstance(error.cause, ValueContractError), key
        assert "event '_output_event' attribute.output" in str(error), key


class BigInts(Agent):
    @action(InputEvent)
    @staticmethod
    def store(event, ctx):
        ctx.short_term_memory.set("value", event.input)
        ctx.short_term_memory.set("plus_one", event.input + 1)
        ctx.send_event(OutputEvent(output={"in": event.input, "read": ctx.short_term_memory.get("plus_one")}))


def test_ints_beyond_64_bits_are_exact_in_outputs_and_memory() -> None:
    values = [2**64, 2**63, -(2**63) - 1, 10**40 + 1, -(10**30)]
    with Runtime(BigInts) as rt:
        report = rt.run([(f"k{i}", v) for i, v in enumerate(values)])
        stored = [rt.short_term_memory(f"k{i}").get("value") for i in range(len(values))]
    assert report.ok, report.errors
    assert stored == values
    assert [o for _, o in report.outputs] == [{"in": v, "read": v + 1} for v in values]


class Counter(Agent):
    @action(InputEvent)
    @staticmethod
    def count(event, ctx):
        n = ctx.short_term_memory.get("n", 0) + 1
        ctx.short_term_memory.set("n", n)
        ctx.send_event(OutputEvent(output=[type(ctx.key).__name__, n]))


def test_keys_1_and_1_0_and_true_are_three_keys_with_their_own_memory() -> None:
    with Runtime(Counter) as rt:
        report = rt.run([(1, "a"), (1.0, "b"), (True, "c"), (1, "d"), ("1", "e")])
        counts = {repr(k): rt.short_term_memory(k).get("n") for k in (1, 1.0, True, "1")}
        assert rt._scheduler.key_count == 4
    assert report.ok, report.errors
    assert counts == {"1": 2, "1.0": 1, "True": 1, "'1'": 1}
    # Keys interleave, so only each key's own order is fixed; each output keeps its key's exact type.
    assert sorted((repr(k), type(k).__name__, o) for k, o in report.outputs) == [
        ("'1'", "str", ["str", 1]), ("1", "int", ["int", 1]), ("1", "int", ["int", 2]),
        ("1.0", "float", ["float", 1]), ("True", "bool", ["bool", 1])]


def write_memory_from_worker(ctx):
    ctx.short_term_memory.set("from_worker", 1)
    return "wrote"


def send_from_worker(ctx):
    ctx.send_event(OutputEvent(output="from worker"))
    return "sent"


class ThreadGuard(Agent):
    @action(InputEvent)
    @staticmethod
    async def handle(event, ctx):
        fn = write_memory_from_worker if event.input == "memory" else send_from_worker
        try:
            result = await ctx.durable_execute_async(fn, ctx)
        except ContextError as exc:
            result = f"ContextError: {exc}"
        ctx.send_event(OutputEvent(output=result))


def test_a_durable_calls_worker_cannot_write_memory_or_send_events() -> None:
    with Runtime(ThreadGuard) as rt:
        report = rt.run([("m", "memory"), ("s", "send")])
        assert _state(rt, "m")[0] == {} and _state(rt, "s")[0] == {}
    assert report.ok, report.errors
    outputs = dict(report.outputs)
    assert len(report.outputs) == 2  # the worker's OutputEvent never arrived
    for key in ("m", "s"):
        assert outputs[key].startswith("ContextError:") and "another thread" in outputs[key], outputs[key]


class SyncThreadGuard(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        with pytest.raises(ContextError):
            ctx.durable_execute(write_memory_from_worker, ctx, timeout=5)
        with pytest.raises(ContextError):  # with no timeout of its own too: it still runs on its own thread
            ctx.durable_execute(write_memory_from_worker, ctx)
        ctx.send_event(OutputEvent(output="refused"))


def test_a_sync_durable_call_on_its_timeout_thread_cannot_write_memory() -> None:
    with Runtime(SyncThreadGuard) as rt:
        report = rt.run([("k", 1)])
        assert _state(rt, "k")[0] == {}
    assert report.ok, report.errors
    assert report.outputs == [("k", "refused")]


KEPT: list = []


class KeepsContext(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.short_term_memory.set("n", 1)
        KEPT.append(ctx)


def test_a_context_used_after_its_action_finished_raises_context_error() -> None:
    KEPT.clear()
    with Runtime(KeepsContext) as rt:
        assert rt.run([("k", 1)]).ok
        (ctx,) = KEPT
        with pytest.raises(ContextError, match="finished"):
            ctx.short_term_memory.set("n", 2)
        with pytest.raises(ContextError, match="finished"):
            ctx.sensory_memory.new_object("x")
        with pytest.raises(ContextError, match="finished"):
            ctx.send_event(OutputEvent(output="late"))
        with pytest.raises(ContextError, match="finished"):
            ctx.durable_execute_async(print)
        assert _state(rt, "k")[0] == {"n": 1}
        assert rt.run([("other", 1)]).outputs == []


def record_arguments(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}


def reconcile():
    raise AssertionError("the reconciler is kept for recovery, not called")


class DurableKeywords(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        sync = ctx.durable_execute(record_arguments, "x", reconciler=reconcile, durable_id="d", timeout=5)
        no_timeout = ctx.durable_execute(record_arguments, "y", reconciler=reconcile, durable_id="d")
        async_ = yield ctx.durable_execute_async(record_arguments, "z", reconciler=reconcile, durable_id="e",
                                                 timeout=5)
        ctx.send_event(OutputEvent(output=[sync, no_timeout, async_]))


def test_durable_execute_keywords_are_not_passed_to_the_function() -> None:
    with Runtime(DurableKeywords) as rt:
        report = rt.run([("k", 1)])
    assert report.ok, report.errors
    assert report.outputs == [("k", [{"args": ["x"], "kwargs": {}}, {"args": ["y"], "kwargs": {}},
                                     {"args": ["z"], "kwargs": {}}])]


THREAD_ERRORS: list = []


class StartsThread(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        def work():
            try:
                ctx.short_term_memory.set("from_thread", 1)
            except ContextError as exc:
                THREAD_ERRORS.append(exc)

        thread = threading.Thread(target=work)
        thread.start()
        thread.join(10)
        ctx.send_event(OutputEvent(output="joined"))


def test_a_thread_the_action_starts_is_refused_like_a_worker() -> None:
    THREAD_ERRORS.clear()
    with Runtime(StartsThread) as rt:
        report = rt.run([("k", 1)])
        assert _state(rt, "k")[0] == {}
    assert report.outputs == [("k", "joined")]
    assert len(THREAD_ERRORS) == 1 and "another thread" in str(THREAD_ERRORS[0])


class ExitsForOneKey(Agent):
    @action(InputEvent)
    @staticmethod
    def handle(event, ctx):
        ctx.short_term_memory.set("n", 1)
        if ctx.key == "exits":
            import sys

            sys.exit(3)
        ctx.send_event(OutputEvent(output=ctx.key))


def test_an_action_that_calls_sys_exit_fails_only_its_event() -> None:
    with Runtime(ExitsForOneKey) as rt:
        report = rt.run([("a", 1), ("exits", 1), ("b", 1)])
        assert _state(rt, "exits")[0] == {}
    assert sorted(report.outputs) == [("a", "a"), ("b", "b")]
    [error] = report.errors
    assert error.key == "exits" and isinstance(error.cause, SystemExit)


def test_looking_at_keys_does_not_grow_the_runtime_state() -> None:
    with Runtime(ExitsForOneKey) as rt:
        for i in range(3000):
            assert rt.short_term_memory(f"never-{i}").get("n") is None
        rt.run([("a", 1)])
        assert rt._scheduler.key_count == 1  # only "a", which has memory
