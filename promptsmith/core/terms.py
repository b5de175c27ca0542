"""The term ledger: one definition of what a prompt's terms are, where they are and what kind.

Everything that reads a prompt's words reads them through the ledger's parts: the linter's term
rules, the rewriter's analysis, `compare`, the LLM guard and the eval harness.

- **fragments** (`promptsmith.core.fragments`): the text cut at commas, semicolons, line breaks,
  `|` and sentence stops, groups and quotes kept whole, SD weight syntax unwrapped.
- **words and normal form** (`promptsmith.core.words`, `promptsmith.core.spelling`): one word
  tokenizer (`words`), and one normal form (`fold`).
- **negation** (`promptsmith.core.negation`): one vocabulary (`rules/lint.toml`, `[negation]`).
- **filler** (`promptsmith.core.filler`): a term's filler words and what is left without them.
- **the ledger** (`ledger(text)`, here): each fragment as a `Term` with its span, the filler
  inside it, its negation, whether it holds quoted text, a permutation or SD syntax, and the slot
  the lexicons give it (`kind`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from promptsmith.core.filler import strip_filler
from promptsmith.core.fragments import fragments
from promptsmith.core.lexicon import MEMO_SIZE, Lexicon, load_filler_lexicon, load_lexicon
from promptsmith.core.negation import Negation, negation
from promptsmith.core.spelling import keys

#: `!!!` inside a term, before a lower-case word (`fine!!! lines`): emphasis, not a stop.
_EMPHASIS = re.compile(r"[!?！？]{2,}(?=\s)")
_LEADING_AND = re.compile(r"^(?:and|&)\s+", re.I)


class Term(NamedTuple):
    """One term of a prompt: a fragment with what the ledger knows about it (a named tuple,
    like `Fragment`)."""

    text: str
    start: int
    end: int
    #: A lexicon slot, `negation`, `quoted`, `permutation` or `content` (no lexicon knows it).
    kind: str
    #: The term with its filler words removed (what it asks for); "" when it is all filler.
    content: str
    #: The filler found inside it, as written.
    filler: tuple[str, ...] = ()
    #: What a negation excludes (`no people` → `people`).
    negated: str = ""
    sep: str = ""
    sd: bool = False
    #: The SD syntax it was unwrapped from (`((masterpiece))`), or "".
    wrapped: str = ""

    @property
    def keys(self) -> set[str]:
        """The normal forms of its content words."""
        return keys(self.content)


@dataclass(frozen=True)
class Ledger:
    """A prompt text's terms."""

    text: str
    terms: tuple[Term, ...] = field(default_factory=tuple)

    def content_terms(self) -> list[Term]:
        """The terms that ask for something (not all filler)."""
        return [t for t in self.terms if t.content and keys(t.content)]

    def filler(self) -> list[str]:
        return [f for t in self.terms for f in t.filler]


def ledger(text: str, lex: Lexicon | None = None, rule_dirs: tuple[Path, ...] = ()) -> Ledger:
    """The ledger of a prompt text (the prose, without image prompts or parameters)."""
    lex = lex or load_lexicon(rule_dirs)
    read = _reader(lex, load_filler_lexicon(rule_dirs), negation(rule_dirs))
    return Ledger(text, tuple(Term(f.text, f.start, f.end, *read(f.text), f.sep, f.sd, f.wrapped)
                              for f in fragments(text)))


#: What a fragment's text is, by the lexicons that read it: kind, content, filler, negated.
_Reading = tuple[str, str, tuple[str, ...], str]
_READERS: dict[tuple[int, int, int], tuple[object, Callable[[str], _Reading]]] = {}


def _reader(lex: Lexicon, fill: Lexicon, neg: Negation) -> Callable[[str], _Reading]:
    """How one fragment's text reads, memoized per text: a batch repeats its terms (`8k`,
    `highly detailed`, `trending on artstation`) thousands of times, and a reading depends on
    nothing but the text and the three vocabularies (loaded once per process and never changed)."""
    key = (id(lex), id(fill), id(neg))
    held = _READERS.get(key)
    if held is not None:
        return held[1]
    memo: dict[str, _Reading] = {}

    def read(text: str) -> _Reading:
        hit = memo.get(text)
        if hit is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()  # millions of distinct terms must not grow it without bound
            hit = memo[text] = _read(text, lex, fill, neg)
        return hit

    if len(_READERS) >= 16:
        _READERS.clear()
    _READERS[key] = ((lex, fill, neg), read)  # the vocabularies are held, so their ids stay theirs
    return read


def _read(text: str, lex: Lexicon, fill: Lexicon, neg: Negation) -> _Reading:
    content, filler = strip_filler(text, fill)
    content = _LEADING_AND.sub("", " ".join(_EMPHASIS.sub(" ", content).split()).rstrip("!?！？").strip())
    if '"' in text or "“" in text:
        return "quoted", content, filler, ""
    if "{" in text:
        return "permutation", content, filler, ""
    if not content:
        return "filler", content, filler, ""
    negated = neg.negated(content)
    if negated is not None:
        return "negation", content, filler, negated
    return lex.slot(content) or "content", content, filler, ""
