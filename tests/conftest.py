"""Shared test helpers: where ``../shared`` is, and how its absence is handled (skip here, fail on CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = SHARED / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; skips the test when missing (fails when CI=true, where it must exist)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"missing shared test data: {path} (the ../shared folder beside the project root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
