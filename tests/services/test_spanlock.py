"""Span-locked writing: every phrase of the ledger exactly once, joined from a closed set, enforced
while decoding; by construction the guard has nothing to reject."""

from __future__ import annotations

import random
import re

import pytest

from promptsmith.backends.fake import ScriptedGenerator
from promptsmith.rewriters.llm.rewriter import LlmRewriter
from promptsmith.rewriters.llm.spanlock import Span, SpanLock, lockable, spans_of

PIECES = re.compile(r"\s*[^\s,.]+|[,.]")


@pytest.fixture(scope="module")
def llm() -> LlmRewriter:
    return LlmRewriter(ScriptedGenerator(), jobs=("write",))


def lock_for(llm: LlmRewriter, prompt: str) -> SpanLock:
    brief = llm.rules.analysis(prompt)
    return SpanLock(spans_of(brief, llm.rules.rules.determiners), spelling=brief.spelling)


def fed(lock: SpanLock, text: str) -> bool:
    """Whether the lock accepts `text` piece by piece (as a decoder would feed it)."""
    states = lock.start()
    for piece in PIECES.findall(text):
        states = lock.advance(states, piece)
        if not states:
            return False
    return lock.finished(states)


def test_the_few_shot_examples_obey_their_own_lock(llm: LlmRewriter) -> None:
    examples = llm.prompts["lock"]["examples"]
    assert len(examples) >= 3
    for example in examples:
        assert fed(lock_for(llm, example["prompt"]), example["brief"]), example["brief"]


def test_a_sentence_that_drops_repeats_or_invents_is_refused(llm: LlmRewriter) -> None:
    lock = lock_for(llm, "old fisherman portrait, dramatic lighting, oil painting, rembrandt style")
    good = "A portrait of an old fisherman, an oil painting in the style of Rembrandt with dramatic lighting."
    assert fed(lock, good)
    assert not fed(lock, good.replace(" with dramatic lighting", ""))               # dropped
    assert not fed(lock, good.replace("lighting.", "lighting and dramatic lighting."))  # twice
    assert not fed(lock, good.replace("old fisherman", "old fisherman at sunset"))   # invented
    assert not fed(lock, good.replace("an oil", "a oil"))                             # article agreement
    assert not fed(lock, good.replace("in the style of Rembrandt", "Rembrandt"))    # a name needs its credit


def test_lists_read_as_lists() -> None:
    spans = [
        Span("woman", "head", article="a"),
        Span("Greg Rutkowski", "name", nounish=False, article=""),
        Span("Alphonse Mucha", "name", nounish=False, article=""),
        Span("Moebius", "name", nounish=False, article=""),
    ]
    lock = SpanLock(spans)
    assert fed(lock, "A woman, in the style of Greg Rutkowski, Alphonse Mucha and Moebius.")
    assert not fed(lock, "A woman, in the style of Greg Rutkowski and Alphonse Mucha and Moebius.")
    assert not fed(lock, "A woman, in the style of Greg Rutkowski, Alphonse Mucha, Moebius.")
    assert not fed(lock, "A woman, in the style of Greg Rutkowski, by Alphonse Mucha and Moebius.")


def test_a_bare_mood_gets_its_noun_once(llm: LlmRewriter) -> None:
    lock = lock_for(llm, "cyberpunk city street, neon signs, at night, in the rain, cinematic")
    assert fed(lock, "A cyberpunk city street with neon signs at night in the rain, with a cinematic atmosphere.")
    assert not fed(lock, "A cyberpunk city street with neon signs at night in the rain, with a cinematic.")
    assert not fed(lock, "A cyberpunk city street with neon signs at night in the rain with a cinematic atmosphere.")
    assert not fed(
        lock, "A cyberpunk city street with neon signs at night in the rain, cinematic atmosphere atmosphere."
    )


def test_every_sentence_of_the_lock_passes_the_guard(llm: LlmRewriter, real_prompts: list[str]) -> None:
    """Random walks through each prompt's lock (every choice the grammar allows, at random):
    each finished sentence holds every phrase and passes the write guard — nothing dropped,
    nothing invented, no new wording warning."""
    rng = random.Random(3)
    finished = rejected = 0
    for prompt in real_prompts[::5]:
        brief = llm.rules.analysis(prompt)
        if brief is None or not lockable(brief):
            continue
        lock = SpanLock(spans_of(brief, llm.rules.rules.determiners), spelling=brief.spelling)
        states, text = lock.start(), ""
        for _ in range(400):
            if lock.finished(states):
                break
            options = sorted(lock.allowed(states))
            if not options:
                break
            piece = rng.choice(options)
            text, states = text + piece, lock.advance(states, piece)
        if not lock.finished(states):
            continue  # a search cut short: decoding falls back to the rules brief
        finished += 1
        low = text.lower()
        assert all(span.text.lower() in low for span in lock.spans), text
        result = llm.rules.rewrite(prompt)
        report = llm.guard(result, text)
        rejected += not report.ok
        assert report.ok, (prompt[:80], text, report.reasons)
    assert finished >= 200 and rejected == 0


def test_the_memoised_search_answers_as_a_fresh_one(llm: LlmRewriter, real_prompts: list[str]) -> None:
    """`_next` and `_entries` are memoised per lock (decoding asks again for the same states on
    every token): along random walks, a lock that keeps its memos allows and advances exactly as
    a twin that forgets them before every call."""
    rng = random.Random(7)
    walked = 0
    for prompt in real_prompts[::40]:
        brief = llm.rules.analysis(prompt)
        if brief is None or not lockable(brief):
            continue
        spans = spans_of(brief, llm.rules.rules.determiners)
        kept, fresh = SpanLock(spans, spelling=brief.spelling), SpanLock(spans, spelling=brief.spelling)
        states = kept.start()
        for _ in range(120):
            if kept.finished(states):
                break
            fresh._next_memo.clear()
            fresh._entries_memo.clear()
            options = kept.allowed(states)
            assert options == fresh.allowed(states), prompt
            if not options:
                break
            piece = rng.choice(sorted(options))
            fresh._next_memo.clear()
            fresh._entries_memo.clear()
            after = kept.advance(states, piece)
            assert after == fresh.advance(states, piece), (prompt, piece)
            states = after
            walked += 1
    assert walked >= 300


def test_the_write_job_uses_the_locked_sentence_or_falls_back_with_the_reason() -> None:
    prompt = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, 8k --ar 2:3"
    good = "An oil painting of an old fisherman, a portrait... "  # refused: a shot cannot follow the subject
    llm = LlmRewriter(ScriptedGenerator(writes=[good]), jobs=("write",))
    r = llm.rewrite(prompt)
    assert r.fallback == "the model did not finish a sentence inside the span lock"
    assert r.output.endswith("--ar 2:3")
    brief = "A portrait of an old fisherman, in the style of Rembrandt, an oil painting with dramatic lighting."
    r = LlmRewriter(ScriptedGenerator(writes=[brief]), jobs=("write",)).rewrite(prompt)
    assert r.fallback is None and r.output == brief + " --ar 2:3"
    change = next(c for c in r.changes if c.rule == "natural-language-brief")
    assert change.after == brief and "span-locked" in change.reason


def test_free_writing_is_repaired_by_the_lock_and_the_draft_is_kept() -> None:
    prompt = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style"
    invented = "A portrait of an old fisherman at sunset, an oil painting in the style of Rembrandt."
    locked = "A portrait of an old fisherman, an oil painting in the style of Rembrandt with dramatic lighting."
    llm = LlmRewriter(ScriptedGenerator(writes=[invented, locked]), jobs=("write",), write_mode="free")
    r = llm.rewrite(prompt)
    assert r.output == locked and r.fallback is None and r.jobs == ["write", "lock"]
    assert r.draft == invented and any("sunset" in why for why in r.draft_rejected)


@pytest.mark.slow
def test_smollm2_writes_every_span_exactly_once_on_50_shared_prompts(real_prompts: list[str]) -> None:
    """The real model under the lock: on 50 shared prompts (every 25th that can be locked), each
    output is a whole sentence of its lock — every phrase once — and passes the guard."""
    pytest.importorskip("llama_cpp")
    from promptsmith.backends.llama_cpp import LlamaCppGenerator

    llm = LlmRewriter(LlamaCppGenerator(n_threads=1), jobs=("write",))
    chosen = [p for p in real_prompts[::25] if (b := llm.rules.analysis(p)) is not None and lockable(b)][:50]
    assert len(chosen) == 50
    written = 0
    for prompt in chosen:
        text, why = llm.write_locked(prompt)
        if text is None:
            assert why and "span lock" in why  # the search was cut short: said, never a bad sentence
            continue
        written += 1
        lock = lock_for(llm, prompt)
        assert lock.complete(text), text
        for span in lock.spans:
            assert text.lower().count(span.text.lower()) >= 1, (span.text, text)
        result = llm.rules.rewrite(prompt)
        assert llm.guard(result, text).ok, text
    assert written >= 45
