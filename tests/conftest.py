"""Shared test helpers: the real prompt set beside the checkout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_PROMPTS = Path(os.environ.get("PROMPTSMITH_REAL_PROMPTS", ROOT.parent / "shared" / "data" / "prompts-real.jsonl"))


def load_real_prompts() -> list[str]:
    with REAL_PROMPTS.open(encoding="utf-8") as fh:
        return [json.loads(line)["prompt"] for line in fh if line.strip()]


@pytest.fixture(scope="session")
def real_prompts() -> list[str]:
    if not REAL_PROMPTS.is_file():
        pytest.fail(f"the shared prompt set is missing at {REAL_PROMPTS}; set PROMPTSMITH_REAL_PROMPTS")
    return load_real_prompts()
