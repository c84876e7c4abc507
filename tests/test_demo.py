"""The README's demo, end to end: Python enriches, Java reviews and writes memory, Python answers with Java."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.usefixtures("java_built")
def test_the_demo_answers_every_request_with_java_decisions_tools_and_model(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["run", str(ROOT / "examples/demo/plan.yaml"), "--input",
                                       str(ROOT / "examples/demo/orders.jsonl"), "--output", str(out)])
    assert result.exit_code == 0, result.output
    outputs = {(r["key"], r["output"]["order_id"]): r["output"] for r in map(json.loads, out.read_text().splitlines())}
    assert len(outputs) == 6
    assert outputs[("ada", "ORD-1001")]["decision"] == "approve"
    assert outputs[("grace", "ORD-1002")]["decision"] == "hold"
    assert outputs[("alan", "ORD-1003")]["decision"] == "reject"
    assert outputs[("ada", "ORD-1001")]["shipping_miles"] == pytest.approx(385.3)
    assert "return" in outputs[("barbara", "ORD-1006")]["policy"].lower()
    assert outputs[("ada", "ORD-1004")]["reviews_for_customer"] == 2
