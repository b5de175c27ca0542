"""`--fix` reaches a fixpoint: no fixable finding is left, over the shared set × versions."""

from __future__ import annotations

import pytest

from promptsmith.core.fix import fix_text
from promptsmith.core.model import Applicability
from promptsmith.linter.engine import Linter


def fixable(diags, unsafe: bool) -> list[str]:
    return [d.code for d in diags if d.fix is not None and (unsafe or d.fix.applicability is Applicability.SAFE)]


def test_a_default_is_not_removed_from_beside_its_duplicate() -> None:
    linter = Linter(version="6.1")
    safe = fix_text("portrait --stylize 100 --s 5000", linter.lint)
    assert safe.text == "portrait --stylize 100 --s 5000"  # which one Midjourney uses is undocumented
    assert fix_text("portrait --stylize 100 --s 5000", linter.lint, unsafe=True).text == "portrait"


@pytest.mark.parametrize("version", ["5.2", "6.1", "7", "8.1"])
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_fixes_converge_over_the_shared_set(real_prompts: list[str], version: str, unsafe: bool) -> None:
    linter = Linter(version=version)
    left = []
    for prompt in real_prompts:
        result = fix_text(prompt, linter.lint, unsafe=unsafe)
        codes = fixable(linter.lint(result.text), unsafe)
        if codes:
            left.append((prompt, result.text, codes))
    assert not left, left[:3]
