"""Meaning check: does prompt B still ask for what prompt A asked for?

- overall: cosine similarity of the sentence embeddings of A's content (its text without filler
  and parameters) and B's text;
- coverage: each content term of A (its comma-terms, filler removed) and its best match in B.
  A term whose words all appear in B, as written or as the lexicon respells them (`dof` →
  "depth of field", `splotlight` → "spotlight"), matches exactly (score 1); the others are
  matched by embedding against B's phrases. Terms below the term threshold are **dropped**;
- **added**: phrases of B that match none of A's terms or A as a whole;
- parameters are compared exactly, not by embedding;
- both prompts are read with their syntax slips mended first (`–ar`, `—ar`, `photo--ar`,
  an unclosed `<url`: `parse_mended`), as the rewriter reads them;
- a verdict against thresholds from config.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import islice
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from promptsmith.backends.base import Embedder
from promptsmith.core.terms import STOP, WRITTEN, all_keys, fold, ledger, negation, words
from promptsmith.core.lexicon import load_lexicon
from promptsmith.core.fix import parse_mended

Verdict = Literal["preserved", "drifted", "different"]

#: Defaults; config keys `similarity-threshold` and `term-threshold` override them.
SIMILARITY_THRESHOLD = 0.75
TERM_THRESHOLD = 0.6
DIFFERENT_BELOW = 0.4

# B is split into phrases at punctuation and at the connectives a brief is written with.
_PHRASE_SPLIT = re.compile(
    r"[,;:!?()\"“”]|(?<!\b[A-Z])\.|::-?[\d.]*|\s(?:with|in the style of|in the manner of|lit by|composed as|in|on|at|and|by|under|for)\s",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:(?:a|an|the|with|in|of|on|at|and|by)\s+)+", re.IGNORECASE)
#: Words a brief is written with besides the ledger's stop words: they carry no content of A's.
_CONNECTIVE = STOP | WRITTEN | {"composed"}


class TermMatch(BaseModel):
    """One content term of A and where it went in B."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str
    match: str
    score: float
    exact: bool


class ParamDiff(BaseModel):
    """Parameters compared exactly: what stayed, what went, what came, what changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    same: list[str] = Field(default_factory=list)
    only_a: list[str] = Field(default_factory=list)
    only_b: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)


class Comparison(BaseModel):
    """The meaning check of B against A."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    a: str
    b: str
    similarity: float
    dropped: list[str] = Field(default_factory=list)
    added: list[str] = Field(default_factory=list)
    verdict: Verdict
    terms: list[TermMatch] = Field(default_factory=list)
    params: ParamDiff = Field(default_factory=ParamDiff)
    embedder: str = ""


def _words(text: str) -> set[str]:
    """The normal forms (the ledger's) of a text's content words."""
    return {fold(w) for w in words(text) if w.lower() not in _CONNECTIVE}


def content_terms(text: str) -> list[str]:
    """A prompt text's terms with filler (8k, masterpiece…) removed: what it asks for (the ledger's)."""
    return [t.content for t in ledger(text).terms if t.content and _words(t.content)]


def respell(term: str) -> str:
    """`term` with every lexicon term in it replaced by what the rewriter writes for it (its phrase,
    or its display form: `vray` → "V-Ray", `mc escher` → "M. C. Escher")."""
    lex = load_lexicon()
    out, at = [], 0
    for m in lex.find(term):
        phrase = lex.phrase.get(m.term) or lex.display.get(m.term)
        if phrase:
            out += [term[at : m.start], phrase]
            at = m.end
    return "".join(out) + term[at:] if out else term


def _moved_to_no(term: str, no_words: set[str]) -> bool:
    """`no people` in A is kept when B says `--no people`."""
    if not no_words:
        return False
    low = term.lower()
    word = next((w for w in negation().words if low.startswith(w + " ")), None)
    if word is None:
        return False
    rest = _words(term[len(word) + 1 :]) or all_keys(term[len(word) + 1 :])  # `no color`: only a stop word
    return bool(rest) and rest <= no_words


def phrases(text: str) -> list[str]:
    """B's phrases: split at punctuation and connectives, leading articles dropped."""
    out = []
    for piece in _PHRASE_SPLIT.split(text):
        piece = _LEADING.sub("", piece.strip())
        if piece and _words(piece):
            out.append(piece)
    return list(dict.fromkeys(out))


@lru_cache(maxsize=4)
def default_embedder(model: str | None = None, disk_cache: bool = False) -> Embedder:
    """The sentence-transformers embedder (the packaged all-MiniLM-L6-v2 unless `model` names a
    folder), one per process, loaded on first use."""
    from promptsmith.backends.st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, disk_cache=disk_cache)


def _param_diff(a: Any, b: Any) -> ParamDiff:
    from promptsmith.core.render import render_param

    def table(prompt: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in prompt.params:
            out.setdefault(p.name, render_param(p))
        return out

    ta, tb = table(a), table(b)
    diff = ParamDiff(
        same=[ta[k] for k in ta if k in tb and ta[k] == tb[k]],
        only_a=[ta[k] for k in ta if k not in tb],
        only_b=[tb[k] for k in tb if k not in ta],
        changed=[f"{ta[k]} → {tb[k]}" for k in ta if k in tb and ta[k] != tb[k]],
    )
    return diff


class _Pair:
    """What comparing B with A needs besides vectors: the parses, A's terms, B's phrases, and
    the texts to embed (`texts`)."""

    __slots__ = ("a", "b", "pa", "pb", "terms_a", "text_a", "text_b", "chunks_b", "words_a", "words_b", "exact",
                 "respelled", "texts")

    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = a, b
        self.pa, self.pb = parse_mended(a)[0], parse_mended(b)[0]
        # filler says nothing, so the overall similarity is of what A asks for (filler removed)
        self.terms_a = content_terms(self.pa.text)
        self.text_a, self.text_b = (", ".join(self.terms_a) or self.pa.text), self.pb.text
        self.chunks_b = phrases(self.text_b)
        self.words_b = _words(self.text_b)
        no_text = " ".join(" ".join(p.value) for p in self.pb.params if p.name == "no" and isinstance(p.value, tuple))
        no_b = _words(no_text) | all_keys(no_text)  # stop words too: `--no color`
        self.exact = {t for t in self.terms_a if _words(t) <= self.words_b or _moved_to_no(t, no_b)}
        # what B may say without adding anything: all of A's words, filler too, and their respellings
        self.words_a = _words(self.pa.text) | _words(respell(self.pa.text))
        self.respelled: dict[str, str] = {}  # A's terms found in B as the lexicon respells them
        for term in self.terms_a:
            if term not in self.exact:
                respelled = respell(term)
                if respelled != term and _words(respelled) <= self.words_b:
                    self.exact.add(term)
                    self.respelled[term] = respelled
        fuzzy = [t for t in self.terms_a if t not in self.exact]
        texts = list(dict.fromkeys([self.text_a, self.text_b, *fuzzy, *self.chunks_b, *self.terms_a]))
        self.texts = texts if (self.text_a or self.text_b) else []


def compare(
    a: str,
    b: str,
    *,
    embedder: Embedder | None = None,
    similarity_threshold: float = SIMILARITY_THRESHOLD,
    term_threshold: float = TERM_THRESHOLD,
) -> Comparison:
    """Compare prompt B with prompt A (typically a rewrite with its original)."""
    return next(compare_many([(a, b)], embedder=embedder, window=1, similarity_threshold=similarity_threshold,
                             term_threshold=term_threshold))


def compare_many(
    pairs: Iterable[tuple[str, str]],
    *,
    embedder: Embedder | None = None,
    window: int = 64,
    similarity_threshold: float = SIMILARITY_THRESHOLD,
    term_threshold: float = TERM_THRESHOLD,
) -> Iterator[Comparison]:
    """`compare` over many pairs, in order: each window of pairs embeds its texts in one batch."""
    embedder = embedder or default_embedder()
    name = getattr(embedder, "name", type(embedder).__name__)
    pairs = iter(pairs)
    while True:
        group = [_Pair(a, b) for a, b in islice(pairs, max(1, window))]
        if not group:
            return
        texts = list(dict.fromkeys(t for pair in group for t in pair.texts))
        vectors = embedder.embed(texts) if texts else None
        index = {t: i for i, t in enumerate(texts)}
        for pair in group:
            yield _score(pair, lambda t: vectors[index[t]], name, similarity_threshold, term_threshold)


def _score(pair: _Pair, vec: Callable[[str], Any], embedder_name: str, similarity_threshold: float,
           term_threshold: float) -> Comparison:
    import numpy as np  # deferred: only the compare path needs it

    terms_a, text_a, text_b, chunks_b = pair.terms_a, pair.text_a, pair.text_b, pair.chunks_b
    words_b, exact = pair.words_b, pair.exact
    similarity = float(vec(text_a) @ vec(text_b)) if text_a and text_b else (1.0 if text_a == text_b else 0.0)

    matches: list[TermMatch] = []
    chunk_matrix = np.stack([vec(c) for c in chunks_b]) if chunks_b else None
    for term in terms_a:
        need = _words(term)
        if term not in exact and len(need) >= 4:
            coverage = len(need & words_b) / len(need)
            if coverage >= 0.75:  # a long list (artists…) whose words are nearly all in B
                matches.append(TermMatch(term=term, match=term, score=round(coverage, 4), exact=False))
                continue
        if term in exact:
            if term in pair.respelled:
                match = pair.respelled[term]
            elif not (_words(term) <= words_b):
                match = f"--no {term.split(None, 1)[1]}"  # moved to --no
            else:
                match = term
            matches.append(TermMatch(term=term, match=match, score=1.0, exact=True))
            continue
        if chunk_matrix is None:
            matches.append(TermMatch(term=term, match="", score=0.0, exact=False))
            continue
        scores = chunk_matrix @ vec(term)
        best = int(np.argmax(scores))
        matches.append(TermMatch(term=term, match=chunks_b[best], score=round(float(scores[best]), 4), exact=False))
    dropped = [m.term for m in matches if m.score < term_threshold]

    added: list[str] = []
    if chunks_b:
        words_a = pair.words_a
        reference = np.stack([vec(t) for t in dict.fromkeys([*terms_a, text_a]) if t]) if (terms_a or text_a) else None
        for chunk in chunks_b:
            if _words(chunk) <= words_a:
                continue  # nothing new in it
            best = float(np.max(reference @ vec(chunk))) if reference is not None else 0.0
            if best < term_threshold:
                added.append(chunk)

    if similarity < DIFFERENT_BELOW:
        verdict: Verdict = "different"
    elif similarity >= similarity_threshold and not dropped and not added:
        verdict = "preserved"
    else:
        verdict = "drifted"
    return Comparison(
        a=pair.a, b=pair.b, similarity=round(similarity, 4), dropped=dropped, added=added, verdict=verdict,
        terms=matches, params=_param_diff(pair.pa, pair.pb), embedder=embedder_name,
    )
