"""``bridge run --report FILE``: what each key ended with, in a JSON form every host writes alike.

The conformance suite (``tests/conformance``) runs one plan under each host and compares their reports, so
the form is fixed and host-neutral: ``{"host": "python", "keys": [{"key", "short_term_memory", "status",
"errors"}]}``, one entry per key that had an input line, in the order of their first line. Keys and memory
values are in the portable values' JSON form (:mod:`bridge.api._values`: bytes as ``{"$bytes": base64}``,
integers of any size exact, ``1``, ``1.0`` and ``true`` kept apart); object nodes and dict values both appear
as JSON objects. An error is ``{"action", "error": "<type>: <message>"}``: a Python exception by its class
name, a Java throwable by its Java class name (what a Java host names it too), never a stack.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bridge.api._memory import MemoryObject
from bridge.api._values import dumps
from bridge.errors import ActionError, InputError, JavaError
from bridge.runtime._keys import key_id


def check_report_path(path: Path) -> None:
    """Fail before anything runs when ``path`` cannot be written as the report."""
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(f"cannot write the report: the folder {folder} {what} (create it first, or choose "
                         "another --report)", file=str(path))
    if path.is_dir():
        raise InputError("cannot write the report: it is a folder; --report takes a file path", file=str(path))


class KeysSeen:
    """Passes ``(key, input)`` pairs through and remembers each key once, in the order of its first input."""

    def __init__(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        self._pairs = pairs
        self.keys: dict[Any, Any] = {}  # key identity -> the key as read

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        keys = self.keys
        for key, payload in self._pairs:
            kid = key_id(key)
            if kid not in keys:
                keys[kid] = key
            yield key, payload


def error_text(error: ActionError) -> str:
    """``<type>: <message>`` of an action's failure; a Java throwable by its Java class, without the stack."""
    cause = error.cause
    if isinstance(cause, JavaError):
        kind, message = cause.java_class, cause.java_message
    else:
        kind, message = type(cause).__name__, str(cause)
    return f"{kind}: {message}" if message else kind


def plain_memory(node: MemoryObject) -> dict[str, Any]:
    """A memory tree as plain dicts and values (object nodes become dicts)."""
    return {name: plain_memory(value) if isinstance(value, MemoryObject) else value
            for name, value in node.get_fields().items()}


def build_report(runtime: Any, keys: dict[Any, Any], errors: list[ActionError]) -> dict[str, Any]:
    """The report of a run: per key seen, its final short-term memory and its failures."""
    by_key: dict[Any, list[dict[str, str]]] = {}
    for error in errors:
        by_key.setdefault(key_id(error.key), []).append({"action": error.action, "error": error_text(error)})
    entries = []
    for kid, key in keys.items():
        failed = by_key.get(kid, [])
        entries.append({"key": key, "short_term_memory": plain_memory(runtime.short_term_memory(key)),
                        "status": "error" if failed else "ok", "errors": failed})
    return {"host": "python", "keys": entries}


def write_report(path: Path, report: dict[str, Any]) -> None:
    """Write the report whole or not at all (a temp file beside it, renamed into place)."""
    data = dumps(report) + b"\n"
    import tempfile  # only with --report (~3 ms of every start otherwise)

    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
