"""The Python actions of the conformance scenarios (``tests/conformance/scenarios``).

Every host must run a plan of these (and of their Java partners in ``dev.bridge.examples.ConformanceActions``)
and end with the same outputs and memory, so each action's behaviour is plain and written down here; the
scenarios' expected results are derived from these docstrings. :func:`mark` has a Java twin of the same
behaviour, so a plan can mix the two on one event.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from bridge import RUN_AGAIN, Event, MemoryObject, OutputEvent, ResourceType, RunnerContext, gather
from bridge.api import Tool, ToolMetadata

MEET_SECONDS = 20.0  # how long a call waits at a rendezvous before it fails: a host that does not overlap fails
_barriers: dict[str, threading.Barrier] = {}
_barriers_lock = threading.Lock()


def _increment(ctx: RunnerContext, path: str) -> int:
    value = (ctx.short_term_memory.get(path) or 0) + 1
    ctx.short_term_memory.set(path, value)
    return value


def _append(ctx: RunnerContext, path: str, item: Any) -> list[Any]:
    items = [*(ctx.short_term_memory.get(path) or []), item]
    ctx.short_term_memory.set(path, items)
    return items


# -- routing ------------------------------------------------------------------------------------------------
def mark(event: Event, ctx: RunnerContext) -> None:
    """Append ``"<mark>@<event type>"`` to ``trail``; send ``send`` and output as the action config says.

    ``trail`` is a list in short-term memory, so the order in which actions ran is visible. With ``send`` in the
    action config it sends an event of that type with the received event's attributes; with ``output: true`` it
    outputs ``{"by": mark, "trail": trail, "event": attributes}``. ``ConformanceActions.mark`` does the same in
    Java.
    """
    config = ctx.action_config
    trail = _append(ctx, "trail", f"{config['mark']}@{event.type}")
    if config.get("send"):
        ctx.send_event(Event(type=config["send"], attributes=dict(event.attributes)))
    if config.get("output"):
        ctx.send_event(OutputEvent(output={"by": config["mark"], "trail": trail, "event": dict(event.attributes)}))


def count_words(event: Event, ctx: RunnerContext) -> None:
    """Count ``stats.inputs`` and ``stats.words`` of the input text, append it to ``history``, send ``counted``.

    ``counted`` carries ``{"text", "words"}``.
    """
    text = str(event.get("input"))
    words = len(text.split())
    _increment(ctx, "stats.inputs")
    ctx.short_term_memory.set("stats.words", (ctx.short_term_memory.get("stats.words") or 0) + words)
    _append(ctx, "history", text)
    ctx.send_event(Event(type="counted", attributes={"text": text, "words": words}))


# -- Python -> Java -> Python -----------------------------------------------------------------------------------
def write_for_java(event: Event, ctx: RunnerContext) -> None:
    """Count ``py.count``, store the input at ``py.last``, and ask Java to copy it to ``java.copy``.

    The request is ``to_java`` ``{"from": "py.last", "to": "java.copy"}``; ``CrossingActions.copyMemory``
    answers ``copied``.
    """
    _increment(ctx, "py.count")
    ctx.short_term_memory.set("py.last", event.get("input"))
    ctx.send_event(Event(type="to_java", attributes={"from": "py.last", "to": "java.copy"}))


def read_java_copy(event: Event, ctx: RunnerContext) -> None:
    """On ``copied``: output Java's copy, the Java class Java saw, and whether the copy equals ``py.last``.

    The comparison is exact (1, 1.0 and true differ); the class is also appended to ``py.java_classes``.
    """
    copy = ctx.short_term_memory.get("java.copy")
    _append(ctx, "py.java_classes", event.get("java_class"))
    ctx.send_event(OutputEvent(output={"copy": copy, "java_class": event.get("java_class"),
                                       "same": canonical(copy) == canonical(ctx.short_term_memory.get("py.last"))}))


def pong(event: Event, ctx: RunnerContext) -> None:
    """On ``ping`` ``{"hops", "path"}``: count ``py.pongs``, send ``pong`` with one hop less and ``"python"`` added.

    ``ConformanceActions.ping`` is the Java side of the exchange.
    """
    _increment(ctx, "py.pongs")
    ctx.send_event(Event(type="pong", attributes={"hops": event.get("hops") - 1,
                                                  "path": [*event.get("path"), "python"]}))


# -- values ---------------------------------------------------------------------------------------------------
VALUES: dict[str, Any] = {
    "bytes": b"\x00\x01\xfe\xff", "empty_bytes": b"", "int": 7, "zero": 0, "long": 2**40, "big": 2**64 + 1,
    "big_negative": -(2**70), "float": 0.1, "whole_float": 2.0, "negative_zero": -0.0, "tiny": 5e-324,
    "huge": 1.7976931348623157e308, "true": True, "false": False, "none": None, "empty": "",
    "unicode": "héllo wörld — ☃ 🚀 𝄞 中文 עברית", "nul": "a\x00b",
    "list": [1, "two", 3.0, None, [b"\x01"], {"k": 2**65}],
    "dict": {"nested": {"deep": [True, False]}, "ключ": "значение"},
}
"""Every kind of portable value, the edges included; :func:`store_values` writes them under ``values``."""


def store_values(event: Event, ctx: RunnerContext) -> None:
    """Write :data:`VALUES` under the object node ``values``, plus nested object nodes; send ``values_stored``.

    Each of :data:`VALUES` is a value (a dict stays a dict value); the object nodes are ``values.node.leaf`` = 1,
    ``values.node.inner.ünï`` = "ü" and the empty ``values.node.empty``. ``ConformanceActions.inspectValues``
    answers ``inspected``.
    """
    memory = ctx.short_term_memory
    for name, value in VALUES.items():
        memory.set(f"values.{name}", value)
    memory.set("values.node.leaf", 1)
    memory.set("values.node.inner.ünï", "ü")
    memory.new_object("values.node.empty")
    ctx.send_event(Event(type="values_stored", attributes={}))


def compare_copy(event: Event, ctx: RunnerContext) -> None:
    """On ``inspected``: output how Java saw each value and how Python sees Java's copy, and if they are equal.

    ``java_types`` is the event's, ``python_types`` is :func:`describe` of ``java_copy``, and ``copy_equal``
    compares the copy with ``values`` exactly, object nodes and types included.
    """
    memory = ctx.short_term_memory
    copy, values = memory.get("java_copy"), memory.get("values")
    ctx.send_event(OutputEvent(output={"java_types": event.get("types"), "python_types": describe(copy),
                                       "copy_equal": canonical(tagged(copy)) == canonical(tagged(values))}))


def describe(value: Any) -> Any:
    """How Python sees a memory value: its kind, all the way down.

    ``{"object": ..}`` for an object node, ``{"map": ..}`` for a dict, a list for a list, else the type name
    (int, float, str, bool, bytes, NoneType).
    """
    if isinstance(value, MemoryObject):
        return {"object": {name: describe(v) for name, v in value.get_fields().items()}}
    if isinstance(value, dict):
        return {"map": {name: describe(v) for name, v in value.items()}}
    if isinstance(value, list):
        return [describe(v) for v in value]
    return type(value).__name__


def tagged(value: Any) -> Any:
    """A memory value with object nodes as ``{"$object": fields}``, so a node and a dict value differ."""
    if isinstance(value, MemoryObject):
        return {"$object": {name: tagged(v) for name, v in value.get_fields().items()}}
    return value


def canonical(value: Any) -> str:
    """Sorted-key JSON that tells 1, 1.0, true and -0.0 apart (bytes as their hex), for exact comparisons."""
    return json.dumps(value, sort_keys=True, default=lambda b: {"$hex": b.hex()}, allow_nan=False)


# -- durable calls ------------------------------------------------------------------------------------------
def rendezvous(name: str, parties: int, value: Any) -> Any:
    """A durable call's body: waits until ``parties`` calls wait at ``name`` at once, then returns ``value``.

    It succeeds only when the host runs that many calls at the same time (keys interleave, a gather's calls
    overlap); otherwise it fails after :data:`MEET_SECONDS` instead of hanging.
    """
    with _barriers_lock:
        barrier = _barriers.setdefault(name, threading.Barrier(parties, timeout=MEET_SECONDS))
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        raise TimeoutError(f"fewer than {parties} calls met at '{name}' within {MEET_SECONDS:g} s: the host did "
                           "not run them at the same time") from None
    return value


def square(n: int) -> int:
    """A durable call's body."""
    return n * n


def add(a: int, b: int) -> int:
    """A durable call's body."""
    return a + b


def meet_then_wait(name: str, parties: int, value: Any, seconds: float) -> Any:
    """A durable call's body: :func:`rendezvous`, then returns ``value`` after ``seconds`` more."""
    rendezvous(name, parties, value)
    time.sleep(seconds)
    return value


def refuse(value: Any) -> Any:
    """A durable call's body that fails with a ``ValueError`` naming ``value``."""
    raise ValueError(f"refused {value}")


async def meet_async(event: Event, ctx: RunnerContext) -> None:
    """Input ``{"round", "n", "parties"}``: an async action whose durable call meets other keys' calls.

    The call waits until ``parties`` calls wait at ``py-<round>`` and returns ``v = n * 10``; the action adds
    ``v`` to ``async.sum`` and sends ``after_async`` ``{"n", "v"}``.
    """
    data = event.get("input")
    v = await ctx.durable_execute_async(rendezvous, f"py-{data['round']}", data["parties"], data["n"] * 10)
    ctx.short_term_memory.set("async.sum", (ctx.short_term_memory.get("async.sum") or 0) + v)
    ctx.send_event(Event(type="after_async", attributes={"n": data["n"], "v": v}))


def steps_generator(event: Event, ctx: RunnerContext):
    """On ``after_async`` ``{"n", "v"}``: a generator action that suspends twice on durable calls.

    ``a = n * n``, then ``b = a + v``; appends ``[a, b]`` to ``gen.seen`` and outputs ``{"n", "v", "a", "b"}``.
    """
    n, v = event.get("n"), event.get("v")
    a = yield ctx.durable_execute_async(square, n)
    b = yield ctx.durable_execute_async(add, a, v)
    _append(ctx, "gen.seen", [a, b])
    ctx.send_event(OutputEvent(output={"n": n, "v": v, "a": a, "b": b}))


async def gather_three(event: Event, ctx: RunnerContext) -> None:
    """Input ``{"tag", "fail"?}``: gather three calls that must overlap; their results come in the order given.

    The calls meet at ``gather-<tag>`` and then finish in reverse order; the results are ``["<tag>-0",
    "<tag>-1", "<tag>-2"]``. Writes ``gathered.<tag>`` first. With ``"fail"`` a fourth gathered call fails
    with ``ValueError: refused <tag>``: with ``"fail": "caught"`` the action catches it and outputs
    ``{"caught": "ValueError: refused <tag>"}``; with ``"fail": "uncaught"`` it fails the action (its write is
    rolled back). Otherwise it outputs ``{"results": [..]}`` and appends the tag to ``gather.tags``.
    """
    data = event.get("input")
    tag, fail = data["tag"], data.get("fail")
    ctx.short_term_memory.set(f"gathered.{tag}", True)
    calls = [ctx.durable_execute_async(meet_then_wait, f"gather-{tag}", 3, f"{tag}-{i}", 0.02 * (2 - i))
             for i in range(3)]
    if fail:
        calls.append(ctx.durable_execute_async(refuse, tag))
    try:
        results = await gather(*calls)
    except ValueError as exc:
        if fail != "caught":
            raise
        ctx.send_event(OutputEvent(output={"caught": f"{type(exc).__name__}: {exc}"}))
        return
    _append(ctx, "gather.tags", tag)
    ctx.send_event(OutputEvent(output={"results": results}))


# -- crash and resume ------------------------------------------------------------------------------------------
EFFECTS = "CONFORMANCE_EFFECTS"
"""The environment variable naming the effects log: one line per side effect made (no log when unset)."""


def effect(name: str, value: Any, seconds: float) -> Any:
    """A durable call's body with a side effect: appends ``name`` (its durable id) to the effects log.

    Then it takes ``seconds`` and returns ``value``. ``ConformanceActions.chargeTwice`` logs its calls the same
    way, so a runner counts how often each call of either language really ran.
    """
    log = os.environ.get(EFFECTS)
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(name + "\n")
    time.sleep(seconds)
    return value


def effect_made(name: str, value: Any) -> Any:
    """The reconciler of :func:`effect` after a crash: ``value`` when ``name`` is in the log, else run it again."""
    log = os.environ.get(EFFECTS)
    made = bool(log) and os.path.exists(log) and name in Path(log).read_text(encoding="utf-8").split()
    return value if made else RUN_AGAIN


def _effect_call(ctx: RunnerContext, name: str, value: Any):
    """:func:`effect` as a durable call with ``name`` as its id, reconciled, taking the config's ``seconds``."""
    return ctx.durable_execute_async(effect, name, value, ctx.action_config.get("seconds", 0.0), durable_id=name,
                                     reconciler=functools.partial(effect_made, name, value))


async def charge(event: Event, ctx: RunnerContext) -> None:
    """Input ``{"n"}``: the durable call ``py:<n>`` (:func:`effect`, reconciled) returns ``v = n * 3``.

    Adds ``v`` to ``py.total``, appends ``n`` to ``py.seen`` and sends ``to_java`` ``{"n", "py": v}``
    (``ConformanceActions.chargeTwice`` answers ``to_python``).
    """
    n = event.get("input")["n"]
    v = await _effect_call(ctx, f"py:{n}", n * 3)
    ctx.short_term_memory.set("py.total", (ctx.short_term_memory.get("py.total") or 0) + v)
    _append(ctx, "py.seen", n)
    ctx.send_event(Event(type="to_java", attributes={"n": n, "py": v}))


def settle(event: Event, ctx: RunnerContext):
    """On ``to_python`` ``{"n", "py", "ja", "jb"}``: a generator action; its durable call ``pz:<n>`` returns n * 1000.

    The call is :func:`effect`, reconciled. Appends ``n`` to ``py.settled`` and outputs ``{"n", "py", "ja",
    "jb", "pz", "py_total", "java_total"}``, the totals as memory holds them then.
    """
    n = event.get("n")
    pz = yield _effect_call(ctx, f"pz:{n}", n * 1000)
    _append(ctx, "py.settled", n)
    memory = ctx.short_term_memory
    ctx.send_event(OutputEvent(output={"n": n, "py": event.get("py"), "ja": event.get("ja"), "jb": event.get("jb"),
                                       "pz": pz, "py_total": memory.get("py.total"),
                                       "java_total": memory.get("java.total")}))


# -- resources ------------------------------------------------------------------------------------------------
def use_java_tools(event: Event, ctx: RunnerContext) -> None:
    """Input ``{"value", "from", "to", "expression"}``: call the Java tools ``convert`` and ``calculate``.

    Both results are stored under ``tools.<n>`` (``tools.calls`` counts inputs) and output. A tool that fails
    (an unknown unit) is caught: ``{"failed": true, "names_unit": <whether the message names the unit>}``.
    """
    data = event.get("input")
    n = _increment(ctx, "tools.calls")
    convert = ctx.get_resource("convert", ResourceType.TOOL)
    calculate = ctx.get_resource("calculate", ResourceType.TOOL)
    try:
        converted = convert.call(value=data["value"], **{"from": data["from"], "to": data["to"]})
    except Exception as exc:  # noqa: BLE001 - the scenario checks that the failure reaches Python, catchable
        ctx.send_event(OutputEvent(output={"failed": True, "names_unit": data["from"] in str(exc)}))
        return
    result = calculate.call(expression=data["expression"])
    ctx.short_term_memory.set(f"tools.{n}", {"converted": converted, "calculated": result})
    ctx.send_event(OutputEvent(output={"converted": converted, "calculated": result}))


class Greeter(Tool):
    """A Python tool resource for Java actions: ``call(name)`` answers ``"<greeting>, <name>!"``."""

    metadata = ToolMetadata("greeter", "Greets someone.", {"type": "object", "properties": {
        "name": {"type": "string"}}, "required": ["name"]})

    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    def call(self, name: str) -> str:
        """The greeting for ``name``."""
        return f"{self.greeting}, {name}!"


def remember_greeting(event: Event, ctx: RunnerContext) -> None:
    """On ``greeted`` ``{"json"}``: append the decoded greeting to ``greetings`` and output it.

    ``json`` is the Python tool's answer as JSON, as the Java action received it.
    """
    greeting = json.loads(event.get("json"))
    _append(ctx, "greetings", greeting)
    ctx.send_event(OutputEvent(output=greeting))


# -- failures -------------------------------------------------------------------------------------------------
def prepare(event: Event, ctx: RunnerContext) -> None:
    """Counts ``prepared`` and passes the input on as ``to_java`` (``ConformanceActions.check`` answers)."""
    _increment(ctx, "prepared")
    ctx.send_event(Event(type="to_java", attributes=dict(event.attributes)))


def finish(event: Event, ctx: RunnerContext) -> None:
    """On ``to_python``: count ``py.finished``; fail on ``"fail": "python"``, else output the counts.

    The failure is a ``ValueError`` (the count is rolled back with it); the output is ``{"n", "prepared",
    "checked", "finished"}``.
    """
    data = event.get("input")
    finished = _increment(ctx, "py.finished")
    if data.get("fail") == "python":
        raise ValueError(f"python refused input {data['n']}")
    memory = ctx.short_term_memory
    ctx.send_event(OutputEvent(output={"n": data["n"], "prepared": memory.get("prepared"),
                                       "checked": memory.get("java.checked"), "finished": finished}))
