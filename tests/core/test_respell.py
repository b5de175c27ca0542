"""`spelling.respell` and `spelling.dialect` look only at the words that have a variant: they must
give what looking at every word gives."""

from __future__ import annotations

import re

import pytest

from promptsmith.core.spelling import dialect, respell, spelling

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def every_word(text: str, to: str, keep: str = "") -> str:
    """The plain definition: each word of `text` kept as the user wrote it, or respelled."""
    sp = spelling()
    written = _WORD.findall(keep)
    theirs: dict[str, str] = {}
    for w in written:
        theirs.setdefault(sp.american(w.lower()), w if (w.isupper() and len(w) > 1) else w.lower())
    kept, kept_lower = set(written), {w.lower() for w in written}

    def one(m: re.Match[str]) -> str:
        w = m.group()
        if w in kept:
            return w
        low = w.lower()
        mine = theirs.get(sp.american(low))
        if mine is not None and mine.isupper() and len(mine) > 1:
            return mine
        if low in kept_lower:
            return w
        new = mine or (sp.american(low) if to == "us" else sp.british(low))
        return w if new == low else (new.capitalize() if w[:1].isupper() else new)

    return _WORD.sub(one, text)


CASES = [
    ("A watercolour painting, centred, in soft colours.", "us", "watercolor painting"),
    ("A watercolor painting, centered, in soft colors.", "uk", "watercolour painting, colour"),
    ("Rock'n'roll colours and Colour Theory", "us", "rock'n'roll"),
    ("WHITE BACKGROUND with a grey colour", "us", "tshirt women WHITE BACKGROUND"),
    ("Cameron Gray and Alex Grey, in grey", "uk", "cameron gray and alex grey"),
    ("İstanbul at dusk, in colour", "us", "istanbul"),
    ("a stylised, minimalist realism with a realistic centre", "us", "stylized minimalist"),
    ("the theatre's harbour", "uk", "the theater's harbor"),
    ("", "us", "colour"),
    ("colourcolour centrecentre", "us", ""),
]


@pytest.mark.parametrize(("text", "to", "keep"), CASES)
def test_respell_writes_what_respelling_every_word_writes(text: str, to: str, keep: str) -> None:
    assert respell(text, to, keep) == every_word(text, to, keep)


def test_respell_over_the_shared_set(real_prompts: list[str]) -> None:
    for prompt in real_prompts[::7]:
        for to in ("us", "uk"):
            text = f"A {prompt.lower()} in the centre, coloured"
            assert respell(text, to, prompt) == every_word(text, to, prompt), prompt


def every_word_dialect(text: str) -> str:
    sp = spelling()
    return "uk" if any(sp.american(w) != w for w in _WORD.findall(text.lower())) else "us"


def test_dialect_over_the_shared_set_and_edge_cases(real_prompts: list[str]) -> None:
    for text in [*real_prompts, *(c[0] for c in CASES), "İstanbul colour", "rock'n'roll centre", "realism"]:
        assert dialect(text) == every_word_dialect(text), text
