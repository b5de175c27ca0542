"""PS206 with an open target counts real tokens: CLIP's BPE for sd15/sdxl (against 77, start and
end included), an upper bound for the T5 family (against 512)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from promptsmith.core.parse import parse
from promptsmith.core.tokens import clip_count
from promptsmith.errors import ConfigError
from promptsmith.linter.engine import Linter


def test_sd_target_reports_the_text_past_token_77_on_the_shared_set(real_prompts: list[str]) -> None:
    linter = Linter(target="sd15", select=["PS206"])
    over = 0
    for src in real_prompts:
        diags = linter.lint(src)
        count = clip_count(parse(src).text)
        if count <= 77:
            assert not diags, src
            continue
        over += 1
        assert len(diags) == 1 and f"is {count} CLIP tokens" in diags[0].message, src
        start = diags[0].span.start
        before = re.sub(r"::-?[\d.]*", " ", src[:start])  # the `::` separators are not text
        assert clip_count(before) <= 77 + 1, src  # what comes before the span fits (± a joining comma)
    assert over > 50


def test_without_a_target_the_word_rule_stands() -> None:
    text = " ".join(["word"] * 100) + " --v 6.1"
    assert not Linter(select=["PS206"]).lint(text)  # 100 words < 120 on V6+
    assert Linter(select=["PS206"], target="sdxl").lint(text)  # but 102 CLIP tokens


def test_t5_target_uses_its_bound_and_unknown_targets_fail() -> None:
    text = "a " * 300 + "cat"
    assert Linter(select=["PS206"], target="flux").lint(text)
    assert not Linter(select=["PS206"], target="flux").lint("a cat")
    with pytest.raises(ConfigError):
        Linter(target="dalle")


def test_counting_imports_no_heavy_library() -> None:
    code = ("import sys; from promptsmith.linter.engine import Linter; "
            "Linter(target='sd15').lint('a cat, ' * 60); "
            "print(sorted(m for m in ('torch', 'transformers', 'tokenizers', 'open_clip') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
