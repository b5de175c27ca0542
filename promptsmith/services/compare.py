"""Meaning check: does prompt B still ask for what prompt A asked for?

- **terms**: every content term of A is accounted for in B on the term ledger
  (`core.accounting`): as written, then in the ledger's normal form (spelling variants, plurals,
  inflections, lexicon wordings, `--no`). A term B no longer says is **dropped**; one of which only
  part survives is **changed**, with the part **lost** named. What is left over is matched by
  embedding: a lost part against B's **added** runs (the words of B that none of A's words account
  for), so a paraphrase ("crimson" → "deep red") is kept, not lost;
- **similarity**: cosine of the sentence embeddings of A's content (its terms, filler removed)
  and B's text;
- **parameters** are compared as values on the version's table, never by embedding
  (`compare_checks`): `--ar 2:3` is not `--ar 3:2`; a difference the target version explains
  (`--v` raised, a value clamped, a parameter the version does not take) is `migrated`, any other
  dropped or altered parameter sets the verdict. A `--no` word B no longer excludes is a dropped term;
- **quoted text** is what Midjourney draws: B must say it exactly;
- a term B frames in another **role** (`by candlelight` → "in the style of Candlelight") is
  `changed`, with `role_a` and `role_b`;
- both prompts are read with their syntax slips mended first (`–ar`, `photo--ar`: `parse_mended`);
- a **verdict** from named rules (`VERDICT_RULES`), against thresholds from config.

Spans (`start`, `end`) index the prompt they belong to: A for dropped and changed terms and their
lost parts, B for added runs and matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import islice
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from promptsmith.backends.base import Embedder
from promptsmith.core.accounting import Accounting, Piece, account
from promptsmith.core.fix import parse_mended
from promptsmith.core.parse import MAX_PROMPT_CHARS
from promptsmith.core.spelling import fold
from promptsmith.core.words import WORD
from promptsmith.services.compare_checks import altered_quotes, compare_params, role_change
from promptsmith.settings import SIMILARITY_THRESHOLD, TERM_THRESHOLD

Verdict = Literal["preserved", "added", "changed", "dropped", "drifted", "different"]

# Defaults (promptsmith.settings); config keys `similarity-threshold` and `term-threshold` override them.

#: The rules a verdict is made of, in the JSON's `rules` (in this order), and what each means.
VERDICT_RULES = {
    "term-dropped": "a content term of A is not in B, in any wording",
    "term-changed": "only part of a content term of A is in B",
    "term-added": "B says something that none of A's terms account for",
    "param-dropped": "a parameter of A is not in B, and B's version does not explain it",
    "param-changed": "a parameter of A has another value in B, and B's version does not explain it",
    "quote-changed": "quoted text of A (text to draw) is not in B exactly",
    "role-changed": "B frames a term of A in another role (light as an artist, an object as a style)",
    "low-similarity": "the embedding similarity of A's content and B is below similarity-threshold",
}


class Place(BaseModel):
    """A stretch of text of A or B, as written, with its span in that prompt."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    text: str
    start: int
    end: int


class TermMatch(BaseModel):
    """One content term of A and what B kept of it."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    term: str
    start: int
    end: int
    status: Literal["kept", "changed", "dropped"]
    #: exact, normal (the ledger's normal form), lexicon, no (moved to `--no`), paraphrase
    #: (by embedding), or "" (not found)
    how: str
    #: Where B says it (None when dropped).
    match: Place | None = None
    #: 1 for a term found in words; the cosine for a paraphrase; the best cosine for one not found.
    score: float
    #: A's words B does not say (changed and dropped terms).
    lost: list[Place] = Field(default_factory=list)
    #: The role a word of the term plays in A and in B, when B changed it (`how` is then "role").
    role_a: str | None = None
    role_b: str | None = None
    role_word: str | None = None


class ChangedTerm(BaseModel):
    """A term of A of which only part is in B."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    term: str
    start: int
    end: int
    #: What B says of it.
    now: Place | None = None
    lost: list[Place] = Field(default_factory=list)
    #: The role a word of the term plays in A and in B, when B changed it.
    role_a: str | None = None
    role_b: str | None = None
    role_word: str | None = None


class ParamDiff(BaseModel):
    """Parameters compared by value: what stayed, what went, what came, what changed; and of the
    differences, which the target version explains (`migrated`) and which are damage (`dropped`,
    `altered`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    same: list[str] = Field(default_factory=list)
    only_a: list[str] = Field(default_factory=list)
    only_b: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    migrated: list[str] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)
    altered: list[str] = Field(default_factory=list)


class Comparison(BaseModel):
    """The meaning check of B against A."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    a: str
    b: str
    similarity: float
    verdict: Verdict
    #: The verdict rules that fired (`VERDICT_RULES`).
    rules: list[str] = Field(default_factory=list)
    dropped: list[Place] = Field(default_factory=list)
    changed: list[ChangedTerm] = Field(default_factory=list)
    added: list[Place] = Field(default_factory=list)
    terms: list[TermMatch] = Field(default_factory=list)
    params: ParamDiff = Field(default_factory=ParamDiff)
    #: A's quoted texts (text to draw) that B does not say exactly.
    quotes: list[Place] = Field(default_factory=list)
    embedder: str = ""

    @property
    def missing(self) -> list[str]:
        """What of A is gone, as written: dropped terms and the lost parts of changed ones."""
        return [d.text for d in self.dropped] + [p.text for c in self.changed for p in c.lost]


def verdict(rules: list[str]) -> Verdict:
    """The verdict of the rules that fired: `different` when terms are missing and the similarity
    is low, else `dropped` (terms or parameters missing), `changed` (a parameter, a quote or a
    term's role said otherwise), `drifted` (low similarity, every term present), `added`
    (something new, nothing missing), or `preserved`."""
    missing = "term-dropped" in rules or "term-changed" in rules or "param-dropped" in rules
    low = "low-similarity" in rules
    if missing and low:
        return "different"
    if missing:
        return "dropped"
    if "param-changed" in rules or "quote-changed" in rules or "role-changed" in rules:
        return "changed"
    if low:
        return "drifted"
    if "term-added" in rules:
        return "added"
    return "preserved"


@lru_cache(maxsize=4)
def default_embedder(model: str | None = None, disk_cache: bool = False, runtime: str = "auto",
                     progress: bool = False) -> Embedder:
    """The sentence-transformers embedder (the packaged all-MiniLM-L6-v2 unless `model` names a
    folder), one per process, loaded on first use."""
    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder  # deferred (c): loaded on first use

    return SentenceTransformerEmbedder(model, disk_cache=disk_cache, runtime=runtime, progress=progress)


def _param_diff(a: Any, b: Any) -> ParamDiff:
    r = compare_params(a, b)
    return ParamDiff.model_construct(same=r.same, only_a=r.only_a, only_b=r.only_b, changed=r.changed,
                                     migrated=r.migrated, dropped=r.dropped, altered=r.altered)


def _word_spans(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    return [(fold(m.group()), m.start(), m.end()) for m in WORD.finditer(text, start, end)]


def _roles(pair: _Pair, t: Any) -> tuple[str, str, str] | None:
    """(role in A, role in B, the word) of the first word of a term B frames in another role."""
    a, b = pair.pa, pair.pb
    wanted = {fold(w) for w in t.words}
    b_spans = pair.b_word_spans
    for key, s, e in _word_spans(a.source, t.start, t.end):
        if key not in wanted:
            continue
        change = role_change(a.source, (s, e), b.source, [(bs, be) for k, bs, be in b_spans if k == key])
        if change is not None:
            return (*change, a.source[s:e])
    return None


def too_long(a: str, b: str) -> str | None:
    """Why a pair is not compared (a prompt over the parser's bound, PS013), or None."""
    if max(len(a), len(b)) > MAX_PROMPT_CHARS:
        return f"a prompt longer than {MAX_PROMPT_CHARS:,} characters is not compared (PS013)"
    return None


class _Pair:
    """What comparing B with A needs besides vectors: the parses, the term accounting, and the
    texts to embed (`texts`)."""

    __slots__ = ("a", "accounting", "b", "b_word_spans", "lost", "pa", "pb", "texts")

    def __init__(self, a: str, b: str) -> None:
        refused = too_long(a, b)
        if refused:
            raise ValueError(refused)
        self.a, self.b = a, b
        self.pa, self.pb = parse_mended(a)[0], parse_mended(b)[0]
        self.accounting: Accounting = account(self.pa, self.pb)
        self.b_word_spans = _word_spans(self.pb.source, self.pb.text_span.start, self.pb.text_span.end)
        acc = self.accounting
        # what is left over is matched by embedding: lost parts (a dropped term whole) against added runs
        self.lost = [p for t in acc.terms if t.status != "kept" for p in t.lost]
        texts = [acc.text_a, acc.text_b]
        if self.lost and acc.added:
            texts += [p.text for p in self.lost] + [p.text for p in acc.added]
        self.texts = list(dict.fromkeys(t for t in texts if t)) if (acc.text_a or acc.text_b) else []


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
            yield _score(pair, lambda t: vectors[index[t]], name, similarity_threshold, term_threshold)  # type: ignore[index]  # noqa: B023


def _place(p: Piece | None) -> Place | None:
    return None if p is None else Place.model_construct(text=p.text, start=p.start, end=p.end)


def _score(pair: _Pair, vec: Callable[[str], Any], embedder_name: str, similarity_threshold: float,
           term_threshold: float) -> Comparison:
    acc = pair.accounting
    text_a, text_b = acc.text_a, acc.text_b
    similarity = float(vec(text_a) @ vec(text_b)) if text_a and text_b else (1.0 if text_a == text_b else 0.0)

    # a lost part that some added run says in other words is a paraphrase, not a loss
    added = list(acc.added)
    said: dict[tuple[int, int], tuple[Piece, float]] = {}  # lost part span → (the run, cosine)
    best: dict[tuple[int, int], float] = {}
    if pair.lost and added:
        for part in pair.lost:
            scores = [(float(vec(part.text) @ vec(run.text)), run) for run in added]
            score, run = max(scores, key=lambda x: x[0])
            best[(part.start, part.end)] = score
            if score >= term_threshold:
                said[(part.start, part.end)] = (run, score)
        used = {(r.start, r.end) for r, _ in said.values()}
        added = [r for r in added if (r.start, r.end) not in used]

    terms: list[TermMatch] = []
    roles_changed = False
    dropped: list[Place] = []
    changed: list[ChangedTerm] = []
    for t in acc.terms:
        lost = [p for p in t.lost if (p.start, p.end) not in said]
        match = _place(t.match)
        if t.status == "kept":
            status, how, score = "kept", t.how, 1.0
        elif not lost:  # every lost part is said another way
            runs = [said[(p.start, p.end)] for p in t.lost]
            status, how = "kept", "paraphrase"
            score = round(min(s for _, s in runs), 4)
            # where B says it: its words found as written and the runs that say the rest
            spans = [(r.start, r.end) for r, _ in runs] + ([(match.start, match.end)] if match else [])
            first, last = min(s for s, _ in spans), max(e for _, e in spans)
            match = Place.model_construct(text=pair.pb.source[first:last], start=first, end=last)
        else:
            status = "dropped" if t.status == "dropped" and len(lost) == len(t.lost) else "changed"
            how = t.how
            if status == "dropped":  # the best cosine any added run reached
                score = round(max((best.get((p.start, p.end), 0.0) for p in lost), default=0.0), 4)
            else:  # the share of the term's words B still says
                gone = sum(len(p.text.split()) for p in lost)
                score = round(max(0.0, 1 - gone / max(1, len(t.words))), 4)
        lost_places = [Place.model_construct(text=p.text, start=p.start, end=p.end) for p in lost]
        role = _roles(pair, t) if status != "dropped" and t.how != "no" else None
        role_a = role_b = role_word = None
        if role is not None:
            role_a, role_b, role_word = role
            roles_changed = True
            if status == "kept":
                status, how = "changed", "role"
        terms.append(TermMatch.model_construct(term=t.term, start=t.start, end=t.end, status=status, how=how,
                                               match=match, score=score, lost=lost_places, role_a=role_a,
                                               role_b=role_b, role_word=role_word))
        if status == "dropped":
            dropped.append(Place.model_construct(text=t.term, start=t.start, end=t.end))
        elif status == "changed":
            changed.append(ChangedTerm.model_construct(term=t.term, start=t.start, end=t.end, now=match,
                                                       lost=lost_places, role_a=role_a, role_b=role_b,
                                                       role_word=role_word))

    params = _param_diff(pair.pa, pair.pb)
    quoted = [Place.model_construct(text=q, start=s, end=e) for q, s, e in altered_quotes(pair.pa, pair.pb)]
    rules = []
    if dropped:
        rules.append("term-dropped")
    if any(c.lost for c in changed):
        rules.append("term-changed")
    if added:
        rules.append("term-added")
    if params.dropped:
        rules.append("param-dropped")
    if params.altered:
        rules.append("param-changed")
    if quoted:
        rules.append("quote-changed")
    if roles_changed:
        rules.append("role-changed")
    if similarity < similarity_threshold:
        rules.append("low-similarity")
    return Comparison.model_construct(
        a=pair.a, b=pair.b, similarity=round(similarity, 4), verdict=verdict(rules), rules=rules, dropped=dropped,
        changed=changed, added=[Place.model_construct(text=r.text, start=r.start, end=r.end) for r in added],
        terms=terms, params=params, quotes=quoted, embedder=embedder_name,
    )
