"""The portable value contract and its JSON form: the one Python owner of value conversion.

Portable values cross every boundary bridge has (a JVM, a stored run, an output file), so they are limited to
what both languages and JSON represent alike: None, bool, int (any size, carried exactly: Java reads a big one
as ``BigInteger``), finite float, str (valid Unicode: no lone surrogates), bytes, list and dicts with str keys.
NaN and infinities are refused rather than turned into ``null`` or a string, because JSON has no form for
them and a silent change is worse than an error. JSON carries ``bytes`` as ``{"$bytes": "<base64>"}``; the
Java class ``dev.bridge.runtime.PortableValues`` is the other leg and follows the same rules.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import orjson

from bridge.errors import ValueContractError

BYTES_TAG = "$bytes"
_BYTES_MARK = b'"$bytes"'
_SCALARS = (str, int, float, bool, type(None))


def check_portable(value: Any, path: str) -> None:
    """Raise :class:`ValueContractError` naming the first non-portable part of ``value`` below ``path``."""
    t = type(value)
    if t is str:
        if not value.isascii():
            check_text(value, path)
        return
    if t is float:
        if not math.isfinite(value):
            raise ValueContractError(path, f"float {value!r}", "JSON has no NaN or infinity; store None or a "
                                     "string if you mean it")
        return
    if t is int or t is bool or value is None or t is bytes:
        return
    if t is dict:  # the common container (event attributes): plain members checked inline, paths built lazily
        for k, item in value.items():
            ti = type(item)
            if type(k) is str and k.isascii() and (
                    ti is int or ti is bool or item is None or ti is bytes or (ti is str and item.isascii())):
                continue
            break
        else:
            return
    elif t is list:  # the same for a list (a durable call's arguments)
        for item in value:
            ti = type(item)
            if ti is int or ti is bool or item is None or ti is bytes or (ti is str and item.isascii()):
                continue
            break
        else:
            return
    if isinstance(value, str):
        check_text(value, path)
        return
    if isinstance(value, float):
        check_portable(float(value), path)
        return
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
                raise ValueContractError(f"{path}.{k!r}", f"dict key of type {type(k).__qualname__}",
                                         "JSON object keys are strings: convert the keys with str()")
            if not k.isascii():
                check_text(k, f"{path} key")
            check_portable(item, f"{path}.{k}" if path else k)
        return
    raise ValueContractError(path, type(value))


def check_text(text: str, path: str) -> None:
    """Refuse a string that is not valid Unicode (a lone surrogate): it has no UTF-8 form to cross with."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueContractError(path, "str with a lone surrogate",
                                 f"character {exc.start} is U+{ord(text[exc.start]):04X}, which is half of a "
                                 "UTF-16 pair; fix the text where it was decoded") from None


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
    """Serialize a portable value to JSON bytes (bytes values tagged, big ints exact).

    orjson is the fast path; it refuses ints beyond 64 bits, so those values go through the standard
    library encoder, which writes them exactly.
    """
    try:
        return orjson.dumps(value, default=_default)
    except orjson.JSONEncodeError as exc:
        if "64-bit" not in str(exc):
            raise TypeError(str(exc)) from None
        return json.dumps(_tag(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def dumps_str(value: Any) -> str:
    """Serialize to a JSON ``str``, the form a JVM call takes."""
    return dumps(value).decode()


def _tag(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return _default(value)
    if isinstance(value, list | tuple):
        return [_tag(v) for v in value]
    if isinstance(value, dict):
        return {k: _tag(v) for k, v in value.items()}
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and BYTES_TAG in value and isinstance(value[BYTES_TAG], str):
            return base64.b64decode(value[BYTES_TAG])
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


# An integer literal of 19 or more digits may not fit 64 bits; orjson would read it as a float. Finding a run of
# 19 digits with translate + a substring search costs about a microsecond, a regular expression ten times that.
_DIGIT_RUN = b"0" * 19
_DIGITS_ONLY = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))


def loads(data: str | bytes) -> Any:
    """Parse JSON written by either leg; the bytes pass runs only when a tag is present.

    Integers of any size come back exact: text with a run of 19+ digits is read by the standard library
    parser (orjson reads such numbers as floats, which merged distinct keys).
    """
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) >= 19 and _DIGIT_RUN in raw.translate(_DIGITS_ONLY):
        value = json.loads(raw)
    else:
        value = orjson.loads(raw)
    if _BYTES_MARK in raw:
        value = _untag(value)
    return value
