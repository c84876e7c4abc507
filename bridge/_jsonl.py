"""Reading keyed inputs from JSONL and writing keyed outputs, with errors naming the line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from bridge.api._values import dumps
from bridge.errors import InputError


def read_inputs(path: str | Path) -> Iterator[tuple[Any, Any]]:
    """Yield ``(key, input)`` from lines ``{"key": ..., "input": ...}``; blank lines are skipped."""
    name = str(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the generator's finally
    except OSError as exc:
        raise InputError(f"cannot read the input: {exc.strerror}", file=name) from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise InputError(f"not valid JSON ({exc})", file=name, line=number) from None
            if not isinstance(record, dict):
                raise InputError(f"each line is an object {{\"key\": ..., \"input\": ...}}, got "
                                 f"{type(record).__name__}", file=name, line=number)
            missing = [f for f in ("key", "input") if f not in record]
            if missing:
                raise InputError(f"missing {' and '.join(repr(m) for m in missing)} "
                                 f"(each line is {{\"key\": ..., \"input\": ...}})", file=name, line=number)
            key = record["key"]
            if isinstance(key, dict | list):
                raise InputError("'key' must be a string or a number", file=name, line=number)
            yield key, record["input"]


def count_lines(path: str | Path) -> int | None:
    """Non-blank lines of a regular file (for a progress total); None when it cannot be known cheaply."""
    p = Path(path)
    if not p.is_file():
        return None
    with open(p, "rb") as f:
        return sum(1 for line in f if line.strip())


def write_output(stream: IO[bytes], key: Any, output: Any) -> None:
    """One output line ``{"key": ..., "output": ...}``."""
    stream.write(dumps({"key": key, "output": output}) + b"\n")
