"""The portable value contract and its JSON form: the one Python owner of value conversion.

Portable values cross every boundary bridge has (a JVM, a stored run), so they are limited to what both
languages represent alike: None, bool, int, float, str, bytes, list and dicts with str keys. JSON carries
``bytes`` as ``{"$bytes": "<base64>"}``; the Java class ``dev.bridge.runtime.PortableValues`` is the other leg.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from bridge.errors import ValueContractError

BYTES_TAG = "$bytes"
_BYTES_MARK = b'"$bytes"'
_SCALARS = (str, int, float, bool, type(None))


def check_portable(value: Any, path: str) -> None:
    """Raise :class:`ValueContractError` naming the first non-portable part of ``value`` below ``path``."""
    if isinstance(value, _SCALARS) or isinstance(value, bytes):
        return
    if isinstance(value, list | tuple):
        if isinstance(value, tuple):
            raise ValueContractError(path, tuple, "use a list")
        for i, item in enumerate(value):
            check_portable(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                raise ValueContractError(f"{path}.{k!r}", f"dict key of type {type(k).__qualname__}")
            check_portable(item, f"{path}.{k}" if path else k)
        return
    raise ValueContractError(path, type(value))


def copy_portable(value: Any) -> Any:
    """Copy the containers of a portable value so the host's stored copy cannot be changed from outside."""
    if isinstance(value, list):
        return [copy_portable(v) for v in value]
    if isinstance(value, dict):
        return {k: copy_portable(v) for k, v in value.items()}
    return value


def _default(obj: Any) -> Any:
    if isinstance(obj, bytes | bytearray | memoryview):
        return {BYTES_TAG: base64.b64encode(bytes(obj)).decode("ascii")}
    raise TypeError(f"{type(obj).__qualname__} is not a portable value")


def dumps(value: Any) -> bytes:
    """Serialize a portable value to JSON bytes (bytes values tagged)."""
    return orjson.dumps(value, default=_default)


def dumps_str(value: Any) -> str:
    """Serialize to a JSON ``str``, the form a JVM call takes."""
    return orjson.dumps(value, default=_default).decode()


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and BYTES_TAG in value and isinstance(value[BYTES_TAG], str):
            return base64.b64decode(value[BYTES_TAG])
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


def loads(data: str | bytes) -> Any:
    """Parse JSON written by either leg; the bytes pass runs only when a tag is present."""
    raw = data.encode() if isinstance(data, str) else data
    value = orjson.loads(raw)
    if _BYTES_MARK in raw:
        value = _untag(value)
    return value
