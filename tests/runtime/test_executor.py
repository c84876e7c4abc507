from bridge import Event, OutputEvent
from bridge.api import CallResult
from bridge.runtime import ActionExecutor, MemoryStore
from bridge.runtime._context import HostRunnerContext
from bridge.runtime._executor import PythonActionKind


def _ctx() -> HostRunnerContext:
    return HostRunnerContext("k", MemoryStore(), None, {}, None)


def two_step(event, ctx):
    first = yield ctx.durable_execute_async(len, "abc")
    second = yield ctx.durable_execute_async(len, "abcdef")
    ctx.send_event(OutputEvent(output=first + second))


def test_a_suspended_action_is_resumed_by_its_ref_with_plain_values() -> None:
    dispatched: list[tuple[str, object]] = []
    executor = ActionExecutor(lambda ref, call: dispatched.append((ref, call)))
    executor.register("two_step", PythonActionKind(two_step))
    ctx = _ctx()

    state = executor.start("two_step", Event(type="go"), ctx)
    assert state.status == "suspended" and isinstance(state.ref, str)
    assert state.to_dict() == {"status": "suspended", "ref": state.ref, "waiting": list(state.waiting)}
    ref, call = dispatched.pop()
    assert executor.suspended_count == 1

    state = executor.resume(ref, (call.call_id, CallResult(call.call_id, value=3)))
    assert state.status == "suspended"
    ref2, call2 = dispatched.pop()
    assert ref2 == ref

    state = executor.resume(ref, (call2.call_id, CallResult(call2.call_id, value=6)))
    assert state.status == "done" and executor.suspended_count == 0
    assert [e.output for e in ctx.sent] == [9]


def test_resuming_an_unknown_ref_says_so() -> None:
    executor = ActionExecutor(lambda ref, call: None)
    try:
        executor.resume("py-404", None)
    except KeyError as exc:
        assert "py-404" in str(exc)
    else:
        raise AssertionError("expected KeyError")
