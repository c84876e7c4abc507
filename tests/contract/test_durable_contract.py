"""The shared replay cases (tests/contract/durable), run against the Python call log; JUnit runs them on Java's.

A case gives the durable calls an earlier attempt recorded (by id), the calls the re-run action makes, and for
each what happens: replayed with its recorded result, run, raised again, or a divergence in strict mode. Java
calls are known by their id alone, so the Python calls here are given ids (``durable_id=``) and no arguments.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bridge import NonDeterminismError, ReplayError
from bridge.api._calls import PendingCall
from bridge.runtime._durable import CallLog
from bridge.store import CallRecord, digest, open_store

CASES = [(f"{p.stem}: {c['name']}", c) for p in sorted((Path(__file__).parent / "durable").glob("*.json"))
         for c in json.loads(p.read_text(encoding="utf-8"))["cases"]]
NO_ARGUMENTS = digest({"args": [], "kwargs": {}})


def _never(*_: Any) -> None:
    raise AssertionError("a call's function never runs in these cases")


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_the_python_call_log_replays_the_shared_case(case: dict[str, Any]) -> None:
    store = open_store(":memory:")
    try:
        for n, r in enumerate(case["records"]):
            store.record_call("k", 0, 1, CallRecord(n, r["id"], NO_ARGUMENTS, r["status"], r["result"]))
        log = CallLog(store, "k", 0, 1, "k", "act", strict=case["strict"], replay=True)
        for n, (call_id, expect) in enumerate(zip(case["calls"], case["expect"], strict=True)):
            call = PendingCall(f"c{n}", _never, (), {}, durable_id=call_id)
            if isinstance(expect, dict) and "nondeterminism" in expect:
                with pytest.raises(NonDeterminismError, match=expect["nondeterminism"]):
                    log.prepare(call)
                continue
            log.prepare(call)
            if expect == "runs":
                assert call.replay is None, f"call {n} ({call_id}) should run"
                log.finish(call, f"new {call_id}", None)
            elif "replayed" in expect:
                assert call.replay is not None, f"call {n} ({call_id}) should replay"
                assert log.outcome(call.replay) == (expect["replayed"], None)
            else:
                value, error = log.outcome(call.replay)
                assert isinstance(error, ReplayError) and all(part in str(error) for part in expect["raises"])
    finally:
        store.close()
