"""The write guard and the rules engine agree about what "kept" means: every rules brief of the
shared set passes the guard, and a brief that drops or invents a term does not.

The guard reads the term ledger and the linter, never the model, so these tests need none."""

from __future__ import annotations

import re

import pytest

from promptsmith.backends.fake import ScriptedGenerator
from promptsmith.rewriters.llm.rewriter import LlmRewriter


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


@pytest.mark.parametrize("prompt, written, why", [
    # a painter is not a photographer: the verb needs a photo in the prompt
    ("old fisherman portrait, oil painting, by greg rutkowski",
     "A portrait of an old fisherman, an oil painting photographed by Greg Rutkowski.", "names a medium"),
    # one person stays one
    ("sherlock holmes benedict cumberbatch with tea in flat, illustration",
     "Sherlock Holmes and Benedict Cumberbatch with tea in flat, an illustration.", "two"),
    # X as Y keeps its order
    ("jeff bezos as villain, oil painting", "A villain as Jeff Bezos, an oil painting.", "lost its order"),
    # counts are kept
    ("two cats on a sofa, oil painting", "Three cats on a sofa, an oil painting.", "count"),
    ("2 cats on a sofa, oil painting", "3 cats on a sofa, an oil painting.", "count"),
])
def test_roles_a_bag_of_words_misses_are_checked(llm: LlmRewriter, prompt: str, written: str, why: str) -> None:
    result = llm.rules.rewrite(prompt)
    report = llm.guard(result, written)
    assert any(why in r for r in report.reasons), (written, report.reasons)


def test_the_rules_briefs_of_the_role_examples_pass(llm: LlmRewriter) -> None:
    for prompt in ("old fisherman portrait, photo, by annie leibovitz", "jeff bezos as villain, oil painting",
                   "two cats on a sofa, 8k", "octane render of a robot"):
        result = llm.rules.rewrite(prompt)
        assert llm.guard(result, result.candidates[0]).ok, (prompt, result.candidates[0])
