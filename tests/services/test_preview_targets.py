"""A preview renders the pipeline's own dialect within its text encoder's budget, and its plan
lists what was cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptsmith.core.tokens import clip_count
from promptsmith.services.preview import preview

PIL = pytest.importorskip("PIL.Image", reason="the render extra brings pillow")

LONG = ", ".join(f"{w} tower with {w} flags" for w in (
    "red", "blue", "green", "gold", "silver", "stone", "glass", "iron", "wooden", "crystal", "broken", "ancient",
    "tall", "narrow", "twisted", "burning", "frozen"))


class StubRenderer:
    """Records the plans it is asked to render; four blank 64×64 images each."""

    family = "sd15"

    def __init__(self) -> None:
        self.plans = []

    def render(self, plan, *, steps=None):  # the Renderer protocol
        self.plans.append(plan)
        return [PIL.new("RGB", (64, 64)) for _ in range(4)], {"render_seconds": 0.0}


def test_sd_preview_renders_within_77_tokens_and_names_the_cut(tmp_path: Path) -> None:
    r = StubRenderer()
    result = preview(LONG + " --seed 3 (gilded:1.3)", r, out_dir=tmp_path)
    rendered = r.plans[0]
    assert clip_count(rendered.prompt) <= 77 and rendered.cut
    assert "frozen tower with frozen flags" in rendered.cut and "frozen" not in rendered.prompt
    assert result.plans[0].cut == rendered.cut


def test_a_short_prompt_is_rendered_as_it_is(tmp_path: Path) -> None:
    r = StubRenderer()
    preview("a red fox in snow --seed 1", r, out_dir=tmp_path)
    assert r.plans[0].prompt == "a red fox in snow" and r.plans[0].cut == []


def test_t5_family_preview_is_bounded_too(tmp_path: Path) -> None:
    r = StubRenderer()
    r.family = "flux"
    preview(("a very long description of a castle. " * 20) + "--seed 2", r, out_dir=tmp_path)
    assert len(r.plans[0].prompt) + 2 <= 512 and r.plans[0].cut
