"""Filler inside a term: what is left of a term once its filler words (the filler lexicon,
`rules/lexicon/filler.toml`) and the connectives they leave dangling are removed."""

from __future__ import annotations

import re

from promptsmith.core.lexicon import Lexicon, load_filler_lexicon
from promptsmith.core.words import STOP

_ORPHAN = re.compile(r"\b(a|an|the|and|or)\s+(?:and|or)\b\s*", re.I)
#: An article whose noun was filler, left before "of": `an [extremely detailed masterpiece] of a mouse`.
_ARTICLE_OF = re.compile(r"^(?:a|an|the)\s+(?=of\s)", re.I)
_DANGLING_HEAD = re.compile(r"^(?:(?:and|with|in|of|on|by|at|&)\s+)+", re.I)
_DANGLING_TAIL = re.compile(
    r"(?:\s+(?:in\s+the\s+style\s+of|style\s+of|art\s+by|trending|and|with|in|of|on|by|at|the|as|for|&|"
    r"highly|very|ultra|super|extremely|hyper|insanely|incredibly|absolutely|so|too|is|are|was|were))+$", re.I)
#: Intensifiers left alone, or generic words left over, when the filler they went with is removed:
#: `highly [realistic]` → "", `[4K UHD] image` → "", `[professional] lighting` → "".
_REMNANTS = frozenset(
    "highly very ultra super extremely hyper insanely incredibly absolutely so too image images picture "
    "hq hd quality resolution detail details lighting style render rendering photo features featured scene".split()
) | {"this image", "that image", "the image", "an image"}


def strip_filler(term: str, lex: Lexicon | None = None) -> tuple[str, tuple[str, ...]]:
    """`term` without its filler (and the connectives that filler leaves dangling), and the filler."""
    lex = lex or load_filler_lexicon()
    spans = lex.filler_spans(term)
    if not spans:
        return term, ()
    spans = [(_intensified(term, s), e) for s, e in spans]  # "very very [detailed]" goes whole
    removed = tuple(term[s:e] for s, e in spans)
    kept = term
    for s, e in reversed(spans):
        kept = kept[:s] + " " + kept[e:]
    left = _ORPHAN.sub(r"\1 ", " ".join(kept.split()).strip(" -,&"))  # "a [stunning] and matte" → "a matte"
    kept = trim_connectives(_ARTICLE_OF.sub("", left))  # "an of a mouse" → "a mouse"
    if not kept and left.strip(" -,&."):
        return "", (*removed, left.strip(" -,&."))  # the leftover goes with the filler it described
    return kept, removed


#: What goes with a filler term just before it: intensifiers (`very very [detailed]`) and a verb
#: that only introduces it (`features [intricate detail]`, `featuring [8k]`).
_INTENSIFIERS = re.compile(
    r"(?:\b(?:features|featuring)\s+)?"
    r"(?:\b(?:very|highly|ultra|super|extremely|insanely|incredibly|absolutely|so|too)[\s-]+)*$",
    re.I,
)


def _intensified(text: str, start: int) -> int:
    """Where a filler term starts once the intensifiers just before it are counted in."""
    m = _INTENSIFIERS.search(text, 0, start)
    return m.start() if m is not None and m.end() == start else start


def trim_connectives(text: str) -> str:
    """A piece of a term with the connectives left dangling at its ends removed, and "" when
    only a generic word is left (`features and the` → "", `highly` → "")."""
    kept = _DANGLING_HEAD.sub("", text.strip(" -,&"))
    kept = _DANGLING_TAIL.sub("", kept).strip(" -,&.")
    return "" if kept.lower() in _REMNANTS or kept.lower() in STOP else kept
