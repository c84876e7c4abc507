"""The shared prompt cases (tests/contract/prompts), run against the Python prompt; JUnit runs them on Java's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bridge import ResourceError
from python_actions.prompts import Prompt

CASES = [(f"{p.stem}: {c['name']}", c) for p in sorted((Path(__file__).parent / "prompts").glob("*.json"))
         for c in json.loads(p.read_text(encoding="utf-8"))["cases"]]


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_the_python_prompt_fills_the_shared_case(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(ResourceError) as info:
            Prompt(**case["prompt"]).format_string(**case["vars"])
        assert case["error"] in str(info.value).lower()
        return
    prompt = Prompt(**case["prompt"])
    assert prompt.format_string(**case["vars"]) == case["string"]
    assert prompt.format_messages("user", **case["vars"]) == case["messages"]
