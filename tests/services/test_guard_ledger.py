"""The write guard and the rules engine agree about what "kept" means: every rules brief of the
shared set passes the guard, and a brief that drops or invents a term does not.

The guard reads the term ledger and the linter, never the model, so these tests need none."""

from __future__ import annotations

import re

import pytest

from promptsmith.backends.fake import ScriptedGenerator
from promptsmith.services.llm import LlmRewriter


@pytest.fixture(scope="module")
def llm() -> LlmRewriter:
    return LlmRewriter(ScriptedGenerator())


def test_the_guard_accepts_the_rules_brief_of_every_shared_prompt(llm: LlmRewriter, real_prompts) -> None:
    rejected = []
    for prompt in real_prompts:
        result = llm.rules.rewrite(prompt)
        if result.candidates:
            report = llm.guard(result, result.candidates[0])
            if not report.ok:
                rejected.append((prompt[:80], report.reasons))
    assert not rejected, f"{len(rejected)} of {len(real_prompts)} rejected, e.g. {rejected[:3]}"


@pytest.mark.parametrize("prompt, term", [
    ("old fisherman portrait, dramatic lighting, oil painting, rembrandt style, 8k", "dramatic lighting"),
    ("a red fox in a snowy forest, watercolor, soft light", "snowy"),
    ("cyberpunk city street at night, neon signs, rain, cinematic --ar 16:9", "neon signs"),
])
def test_a_brief_that_drops_a_term_is_rejected(llm: LlmRewriter, prompt: str, term: str) -> None:
    result = llm.rules.rewrite(prompt)
    body = result.candidates[0]
    assert term.split()[0] in body.lower()
    damaged = re.sub(re.escape(term), "", body, count=1, flags=re.I)
    damaged = " ".join(damaged.replace(" ,", ",").split())
    report = llm.guard(result, damaged)
    assert not report.ok and any(r.startswith("dropped") for r in report.reasons), (damaged, report.reasons)


@pytest.mark.parametrize("addition", ["with a red balloon", "at sunset", "in the style of Greg Rutkowski"])
def test_a_brief_that_invents_a_term_is_rejected(llm: LlmRewriter, addition: str) -> None:
    result = llm.rules.rewrite("old fisherman portrait, oil painting, 8k")
    body = result.candidates[0].rstrip(".") + f" {addition}."
    report = llm.guard(result, body)
    assert not report.ok and any(r.startswith("invented") for r in report.reasons), (body, report.reasons)
