"""The trained write mode with a scripted generator (fast), and the brief corpus it learned from;
the real model with the shipped adapter is in tests/backends/test_trained_real.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptsmith.backends.fake import ScriptedGenerator
from promptsmith.rewriters.llm.rewriter import LlmRewriter
from promptsmith.rewriters.llm.trained import END, SYSTEM, chat_prompt, model_input, notes

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "eval" / "corpus" / "briefs.jsonl"
SYNTHETIC = ROOT / "eval" / "corpus" / "synthetic.jsonl"
SOURCE = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, masterpiece, 8k, no people --ar 2:3"
GOOD = "A portrait of an old fisherman, painted in oil in the style of Rembrandt, with dramatic lighting."


def test_notes_are_the_users_content_terms_without_filler_negations_or_parameters() -> None:
    assert notes(SOURCE) == "old fisherman portrait, dramatic lighting, oil painting, rembrandt style"
    assert notes("<https://x.co/a.png> cat, windowsill, golden hour --ar 3:2") == "cat, windowsill, golden hour"


def test_the_model_sees_one_short_chatml_turn() -> None:
    prompt = chat_prompt("cat, windowsill")
    assert prompt == (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\ncat, windowsill<|im_end|>\n"
                      "<|im_start|>assistant\n")
    assert END == "<|im_end|>"


def _trained(*writes: str) -> tuple[LlmRewriter, ScriptedGenerator]:
    gen = ScriptedGenerator(writes=list(writes))
    return LlmRewriter(gen, jobs=("write",), write_mode="trained"), gen


def test_a_draft_the_guard_accepts_is_the_brief() -> None:
    llm, gen = _trained(GOOD)
    r = llm.rewrite(SOURCE)
    assert r.output == GOOD + " --ar 2:3 --no people"
    assert r.fallback is None and r.draft is None and r.retries == 0 and r.jobs == ["write"]
    assert gen.prompts == [chat_prompt(notes(SOURCE))]
    assert any("trained model wrote it" in c.reason for c in r.changes)


def test_an_adapter_trained_on_the_rules_brief_is_shown_the_rules_brief() -> None:
    gen = ScriptedGenerator(writes=[GOOD])
    llm = LlmRewriter(gen, jobs=("write",), write_mode="trained", trained_input="rules")
    r = llm.rewrite(SOURCE)
    rules_brief = llm.rules.rewrite(SOURCE).candidates[0]
    assert gen.prompts == [chat_prompt(rules_brief)] and r.output.startswith(GOOD)
    assert model_input("notes", SOURCE, rules_brief) == notes(SOURCE)
    with pytest.raises(ValueError, match="unknown adapter input"):
        model_input("slots", SOURCE, rules_brief)


def test_a_rejected_greedy_draft_gets_one_seeded_second_draft() -> None:
    invented = ("A portrait of an old fisherman at sunset, painted in oil in the style of Rembrandt, "
                "with dramatic lighting.")
    llm, gen = _trained(invented, GOOD)
    r = llm.rewrite(SOURCE)
    assert r.output.startswith(GOOD) and r.fallback is None and r.retries == 1
    assert r.draft == invented and any("sunset" in why for why in r.draft_rejected)
    assert len(gen.prompts) == 2


def test_when_every_draft_is_rejected_the_rules_brief_stands_and_says_why() -> None:
    dropped = "A portrait of an old fisherman in the style of Rembrandt."
    llm, _ = _trained(dropped, dropped)
    r = llm.rewrite(SOURCE)
    rules = LlmRewriter(ScriptedGenerator(), jobs=("rank",)).rules.rewrite(SOURCE)
    assert r.output == rules.output
    assert r.fallback and r.fallback.startswith("guard rejected the drafts") and "dropped" in r.fallback
    assert r.draft == dropped and r.draft_rejected


def test_a_draft_that_writes_parameters_or_nothing_is_rejected() -> None:
    llm, _ = _trained("A portrait of an old fisherman --ar 2:3.", "")
    r = llm.rewrite(SOURCE)
    assert r.fallback and "parameters" in r.fallback
    assert r.output.count("--ar") == 1


def test_a_prompt_kept_as_written_asks_the_model_nothing() -> None:
    llm, gen = _trained(GOOD)
    r = llm.rewrite("space::2 ship::1 nebula --v 6")
    assert gen.prompts == [] and r.fallback == "nothing for the model to do"


# -- the corpus ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def test_the_corpus_has_a_brief_per_template_and_a_dev_split_of_its_own(corpus: list[dict]) -> None:
    assert len(corpus) >= 800 and len({r["id"] for r in corpus}) == len(corpus)
    dev = [r for r in corpus if r["split"] == "dev"]
    assert len(dev) >= 120 and {r["split"] for r in corpus} == {"train", "dev"}
    from eval.brief import template_key

    train_keys = {template_key(r["prompt"]) for r in corpus if r["split"] == "train"}
    assert not any(template_key(r["prompt"]) in train_keys for r in dev)


@pytest.mark.slow
def test_every_corpus_pair_passes_the_ledger_check_but_the_disputed_ones(corpus: list[dict]) -> None:
    from eval.corpus.check import check

    for row in corpus:
        verdict = check(row["id"], row["prompt"], row["body"])
        assert verdict.brief == row["brief"], row["id"]
        assert verdict.reasons == row.get("guard", []), row["id"]
    assert sum("guard" in r for r in corpus) <= 10


@pytest.mark.slow
def test_every_synthetic_pair_passes_the_ledger_check_and_none_repeats_a_dev_prompt(corpus: list[dict]) -> None:
    from eval.corpus.check import check

    rows = [json.loads(line) for line in SYNTHETIC.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 1000 and {r["split"] for r in rows} == {"train"}
    assert len({r["id"] for r in rows}) == len(rows) and not {r["id"] for r in rows} & {r["id"] for r in corpus}
    dev = {r["prompt"].strip().lower() for r in corpus if r["split"] == "dev"}
    for row in rows:
        assert row["prompt"].strip().lower() not in dev, row["id"]
        verdict = check(row["id"], row["prompt"], row["body"])
        assert verdict.ok and verdict.brief == row["brief"], row["id"]


def test_the_shipped_adapter_names_the_corpus_it_was_trained_on() -> None:
    from promptsmith.rewriters.llm.trained import adapter_metadata, corpus_digest, packaged_adapter

    adapter = packaged_adapter()
    assert adapter is not None and adapter.stat().st_size <= 25 * 1024 * 1024
    meta = adapter_metadata(adapter)
    assert meta["corpus.sha256"] == corpus_digest(CORPUS, SYNTHETIC)
    settings = json.loads(meta["training"])
    assert settings["base"] == "SmolLM2-135M-Instruct.Q4_1.gguf" and settings["seed"] >= 0



def test_the_copy_constraint_writes_nothing_new_and_nothing_too_often() -> None:
    from promptsmith.rewriters.llm.trained import CopyConstraint

    c = CopyConstraint("deep space, astronaut", free={"a", "an", "the", "in"}, extra={"epic"})
    assert c.accept("An epic", " astronaut")
    assert c.accept("An epic astronaut in deep space, an", " epic") is False  # the writer's own word, once
    assert c.accept("An astronaut in deep", " space") and not c.accept("An astronaut in deep space, deep", " space")
    assert not c.accept("An astronaut in", " sunset")  # nothing invented



def test_a_capital_inside_a_sentence_is_the_prompts_own_word() -> None:
    from promptsmith.rewriters.llm.trained import CopyConstraint

    c = CopyConstraint("ayami kojima, yukito kishiro", free={"a", "by", "and", "nor"}, extra={"tones"})
    assert c.accept("", "Tones") and c.accept("By Ayami Kojima. ", "Tones")  # a sentence's first word
    assert not c.accept("By Ayami Kojima, ", "Tones") and not c.accept("By Ayami Kojima, Yukito", " Nor")
    assert c.accept("By Ayami Kojima, ", "Yuk") and c.accept("by ayami kojima and ", "yukito")
    assert not c.accept("By Ayami Kojima, Yukito Kishiro, ", "Ayami")  # used up
    assert CopyConstraint("Rick And Morty", free={"and"}, extra=set()).accept("Rick", " And")  # the user's casing
    styled = CopyConstraint("painting, style of mid century house", free={"a", "of", "in", "the"}, extra={"style"})
    assert styled.accept("A painting in the style of", " a") and not styled.accept("A painting in the style of", " pl")
    glued = CopyConstraint("vaquita, drawing, d&d", free={"a", "and", "through"}, extra={"drawn"})
    assert not CopyConstraint("vaquita, drawing", free={"a", "through"}, extra={"drawn"}).accept("A drawn", "&through")
    assert glued.accept("A vaquita, d", "&d")  # the prompt's own "d&d"
    spaced = CopyConstraint("dragon, d & d", free={"a", "and"}, extra=set())
    assert not spaced.accept("A dragon, D", "&") and spaced.accept("A dragon, D", " &")  # not "D& D"
    dotted = CopyConstraint("jedi, rogue one, j.r.r. tolkien", free={"a", "for", "by"}, extra=set())
    assert not dotted.accept("A jedi, for A", ".R") and not dotted.accept("A jedi, for A.", "Rogue")
    assert dotted.accept("A jedi by J", ".R") and dotted.accept("A jedi. ", "Rogue")  # the prompt's own "J.R."


def test_a_ramble_settles_back_to_the_last_word_of_the_prompts() -> None:
    from promptsmith.rewriters.llm.trained import CopyConstraint

    c = CopyConstraint("kid, by greg rutkowski, loish", free={"a", "by", "and", "in", "the", "of", "look"}, extra=set())
    rambling = "A kid by Greg Rutkowski and Loish, in the look of the and the of the"
    assert c.rambling(rambling) and not c.rambling("A kid by Greg Rutkowski and Loish, in the")
    assert c.settle(rambling) == "A kid by Greg Rutkowski and Loish"
    assert c.settle("in the look") is None
    quoted = CopyConstraint('letters "JARMO", pop-art', free={"with", "the", "in", "of"}, extra=set())
    assert quoted.settle('Pop-art with the letters "JARMO" in the of') == 'Pop-art with the letters "JARMO"'
