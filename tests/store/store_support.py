"""The store tests' plan and helpers: inputs taken and actions finished as the runtime hands them to a store."""

from __future__ import annotations

from typing import Any

from bridge.store import Commit, InputRecord, StateStore, kid_of

PLAN = {"actions": {"classify": "py:app.classify", "reply": "java:app.Reply#reply"}, "resources": {}}
SOURCE = "orders.jsonl"


def take(store: StateStore, key: Any, *payloads: Any, start: int = 0, source: str | None = SOURCE) -> str:
    """Takes inputs for one key (seq ``start``, ``start + 1``, ...); its kid."""
    kid = kid_of(key)
    store.add_inputs([(key, InputRecord(kid, start + i, f"ev-{start + i}", p, source=source))
                      for i, p in enumerate(payloads)], source)
    return kid


def finished(key: Any, seq: int, step: int = 0, *, action: str = "classify", memory: Any = None,
             run: dict | None = None, outputs: tuple = (), source: str | None = SOURCE,
             status: str = "running") -> Commit:
    """The commit of one finished action of ``key``'s input ``seq``."""
    return Commit(kid=kid_of(key), key=key, seq=seq, step=step, action=action,
                  event={"type": "InputEvent", "input": seq}, updates=[{"path": "n", "value": step}],
                  sent=[{"type": "Next", "step": step}], memory=memory, run=run, outputs=list(outputs),
                  source=source, status=status)
