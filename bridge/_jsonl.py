"""Reading keyed inputs from JSONL and writing keyed outputs.

An input file is data, and data has bad lines: one of them must not stop a run or drop the valid lines around
it. :class:`InputReader` reports each bad line (file:line and why) and skips it, or ends the input there when
asked to stop; lines are read one at a time, so a line read is a line run and live input streams.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Callable, Iterator
from typing import IO, Any, Literal

from bridge.api._values import dumps, loads
from bridge.errors import InputError

OnBadInput = Literal["skip", "stop"]
_BOM = b"\xef\xbb\xbf"
_SHAPE = '(each line is {"key": ..., "input": ...})'


def parse_line(line: bytes, *, file: str, number: int) -> tuple[Any, Any]:
    """The ``(key, input)`` of one line, with the key exactly as JSON wrote it.

    ``1``, ``1.0`` and ``true`` stay an int, a float and a bool (three different keys), and integers of any
    size stay exact. A key that is a list or an object is refused: a key names one entity.
    """
    try:
        record = loads(line)
    except (ValueError, RecursionError) as exc:  # orjson's and json's decode errors are ValueErrors
        raise InputError(f"not valid JSON ({exc})", file=file, line=number) from None
    if not isinstance(record, dict):
        raise InputError(f"each line is an object {{\"key\": ..., \"input\": ...}}, got {_json_type(record)}",
                         file=file, line=number)
    missing = [f for f in ("key", "input") if f not in record]
    if missing:
        raise InputError(f"missing {' and '.join(repr(m) for m in missing)} {_SHAPE}", file=file, line=number)
    key = record["key"]
    if isinstance(key, dict | list):
        raise InputError(f"'key' is {_json_type(key)}; a key is a string, a number, true/false or null",
                         file=file, line=number)
    if isinstance(key, float) and not math.isfinite(key):
        raise InputError(f"'key' is {key}, which JSON has no form for", file=file, line=number)
    return key, record["input"]


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


class InputReader:
    """Iterates ``(key, input)`` over a JSONL stream, reporting bad lines instead of failing on them.

    ``on_bad="skip"`` reports a bad line through ``report`` and goes on; ``"stop"`` reports it and ends the
    input there (every line before it still runs). Blank lines are skipped silently. ``skipped`` counts the
    bad lines; ``stopped_at`` is the error that ended the input in stop mode.
    """

    def __init__(self, stream: IO[bytes], name: str, *, on_bad: OnBadInput = "skip",
                 report: Callable[[InputError], None] | None = None) -> None:
        self._stream = stream
        self.name = name
        self._on_bad = on_bad
        self._report = report
        self.skipped = 0
        self.stopped_at: InputError | None = None

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        # readline, not iteration over the stream: both return as soon as a line is there, but readline
        # makes the one-line-at-a-time reading explicit for pipes and terminals.
        readline = self._stream.readline
        number = 0
        while True:
            try:
                line = readline()
            except OSError as exc:
                self._bad(InputError(f"reading the input failed: {exc.strerror or exc}", file=self.name))
                return
            if not line:
                return
            number += 1
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM):]
            if not line.strip():
                continue
            try:
                item = parse_line(line, file=self.name, number=number)
            except InputError as exc:
                if self._bad(exc):
                    return
                continue
            yield item

    def _bad(self, error: InputError) -> bool:
        """Report a bad line; True when the input ends here."""
        if self._report is not None:
            self._report(error)
        if self._on_bad == "stop":
            self.stopped_at = error
            return True
        self.skipped += 1
        return False


def is_live(stream: IO[bytes]) -> bool:
    """True when the stream is not a regular file (a pipe, a terminal, a socket): lines arrive over time."""
    try:
        return not stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return True


def count_lines(path: str | os.PathLike[str]) -> int | None:
    """Non-blank lines of a regular file, for a progress total; None for anything else.

    A pipe or a terminal is never counted: that would consume the very input the run needs.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:
        return None


def output_line(key: Any, output: Any) -> bytes:
    """One output line ``{"key": ..., "output": ...}``, newline included."""
    return dumps({"key": key, "output": output}) + b"\n"
