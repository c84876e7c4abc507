"""What the Java host's ``Main`` asks of Python besides actions: the plan's facade, input lines, the output lock.

The Java host reads the same JSONL as ``bridge run`` through the same parser (:func:`bridge._jsonl.parse_line`),
so keys are the same exact JSON values and a bad line gets the same ``file:line: reason``. Values cross as
JSON strings only (see :mod:`bridge.runtime._foreign`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge._jsonl import parse_line
from bridge._output import OutputLock
from bridge.api._values import dumps_str
from bridge.errors import BridgeError, InputError
from bridge.runtime._foreign import ForeignHost


def open_host(plan_path: str, wakes: Any, resources: Any, memory: Any, allow: str, workers: int,
              call_timeout: str) -> tuple[ForeignHost | None, str]:
    """The facade over the plan, or None and the error to print (a plan that cannot be used: exit 2)."""
    try:
        host = ForeignHost(plan_path, wakes, resources, memory=memory,
                           allow=[a for a in allow.split("\n") if a] or None, workers=workers,
                           call_timeout=float(call_timeout) if call_timeout else None)
    except BridgeError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - the plan's code raised at import: nothing ran
        return None, (f"loading the plan raised {type(exc).__name__}: {exc} (the plan's code ended the load; "
                      "nothing ran)")
    return host, ""


_LOCKS: dict[str, OutputLock] = {}


def lock_output(path: str) -> str:
    """Take ``bridge run``'s lock on ``--output`` (one lock file, flock'd, whichever host runs); "" or the error."""
    lock = OutputLock(Path(path))
    try:
        lock.acquire()
    except BridgeError as exc:
        return str(exc)
    _LOCKS[path] = lock
    return ""


def unlock_output(path: str) -> str:
    """Release the lock :func:`lock_output` took (removing its file, as ``bridge run`` does)."""
    lock = _LOCKS.pop(path, None)
    if lock is not None:
        lock.release()
    return ""


def parse(line: str, file: str, number: int) -> str:
    """One input line as ``{"key", "input"}`` JSON (the key exact), ``{"error": "file:line: why"}``, or ``{}``."""
    if not line.strip():
        return "{}"
    try:
        key, payload = parse_line(line.encode(), file=file, number=number)
    except InputError as exc:
        return dumps_str({"error": str(exc)})
    return dumps_str({"key": key, "input": payload})
