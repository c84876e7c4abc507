"""The shared key case file (tests/contract/keys/flink_keys.json): the text a Flink job keys a line by.

JUnit (``KeyLinesTest``) checks that ``dev.bridge.flink.KeyLines`` gives each case its ``flink_key``; here each
``flink_key`` must name the key ``bridge run`` reads from the same line (its ``key_id``), two cases must share a
text exactly when ``bridge run`` takes them as one key, and a line with no Flink key must be one ``bridge run``
refuses too, unless the case says ``bridge_run: accepts``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from bridge._jsonl import parse_line
from bridge.api._values import loads
from bridge.errors import InputError
from bridge.runtime._keys import key_id

CASES = json.loads((Path(__file__).parent / "keys" / "flink_keys.json").read_text(encoding="utf-8"))["cases"]


def _bridge_run_key(case: dict[str, Any]) -> Any:
    return parse_line(f'{{"key": {case["key"]}, "input": 1}}'.encode(), file="<case>", number=1)[0]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_a_flink_key_names_the_key_bridge_run_reads_from_the_line(case: dict[str, Any]) -> None:
    if not case["flink_key"]:
        if case.get("bridge_run") == "accepts":
            _bridge_run_key(case)
        else:
            with pytest.raises(InputError):
                _bridge_run_key(case)
        return
    assert key_id(loads(case["flink_key"])) == key_id(_bridge_run_key(case))


def test_two_lines_share_a_flink_key_exactly_when_bridge_run_takes_them_as_one_key() -> None:
    keyed = [c for c in CASES if c["flink_key"]]
    for a, b in itertools.combinations(keyed, 2):
        same = key_id(_bridge_run_key(a)) == key_id(_bridge_run_key(b))
        assert (a["flink_key"] == b["flink_key"]) == same, (a["name"], b["name"])
