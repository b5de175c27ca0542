"""Term accounting: which of prompt A's terms prompt B still says, word by word, on the ledger.

Every content term of A (a ledger term with its filler removed) is looked up in B, word by word:

1. **exact**: the term's text appears in B as written (case aside);
2. **normal form**: each content word's ledger key (`spelling.fold`: accents, US/UK spelling,
   plurals, inflections such as `rendered` → `render`) is one of B's keys, or two adjacent words
   glued (`photo realistic` = `photorealistic`, `3 d` = `3D`), or the lexicon writes the term
   another way and B says that (`dof` → "depth of field", `vray` → "V-Ray"). A negation term
   (`no people`) is also kept by B's `--no people`.

A term whose words are all found is **kept**; one with none found is **dropped**; one with only
some found is **changed**, and its `lost` parts name what went (`genndy tartakovsky` → "genndy"
loses "tartakovsky"). B's content words that none of A's words account for form B's **added**
runs. Words the rewriter itself writes around terms (`words.STOP`, `words.WRITTEN`) are neither.

This is the lexical part, with no model: `services.compare` runs it and then matches what is left
(lost parts against added runs) by embedding, for paraphrases. The LLM guard and the eval harness
read the same accounting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from promptsmith.core.lexicon import load_lexicon
from promptsmith.core.model import Prompt
from promptsmith.core.negation import negation
from promptsmith.core.spelling import fold
from promptsmith.core.terms import ledger
from promptsmith.core.words import CREDIT_NOUNS, CREDIT_SUFFIXES, CREDIT_WORDS, STOP, WORD, WRITTEN, word_matches

Status = Literal["kept", "changed", "dropped"]

#: Runs of B's added words break at punctuation as well as at accounted words.
_RUN_GLUE = frozenset({"of", "and", "&", "a", "an", "the"})
_NUMBER_UNIT = re.compile(r"(\d+)([a-z]+)")
_BREAK = re.compile(r"[,;:.!?()\[\]{}\"“”|]")


@dataclass(frozen=True)
class Piece:
    """A stretch of a prompt: its text and where it is (`start`, `end` in that prompt's source)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class TermAccount:
    """One content term of A and what B kept of it."""

    term: str
    start: int
    end: int
    status: Status
    #: How it was found: `exact`, `normal` (ledger keys), `lexicon` (the lexicon's wording),
    #: `no` (moved to `--no`), or "" when nothing of it was found.
    how: str
    #: The stretch of B that says it (first to last matched word), when it is in B's text.
    match: Piece | None
    #: A's words that B does not say, in runs as written (for `changed` and `dropped` terms).
    lost: tuple[Piece, ...] = ()
    #: The content words of the term, as written.
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Accounting:
    """Every content term of A, and B's runs of added words."""

    terms: tuple[TermAccount, ...]
    added: tuple[Piece, ...]
    #: B's content text (its prose) and A's content text (its terms, filler removed), for embedding.
    text_a: str = ""
    text_b: str = ""


@lru_cache(maxsize=1)
def _connective() -> frozenset[str]:
    """Words that carry none of A's content: stop words, the rewriter's own words, negation words."""
    return frozenset(STOP | WRITTEN | {"composed"} | set(negation().words))


def is_content(word: str) -> bool:
    """Whether a word carries content of its own (not a stop word, the rewriter's, or a negation)."""
    return word.lower() not in _connective()


#: Nouns the rewriter also writes around terms ("in warm colors", "a heroic composition"): not
#: content when B adds them, but the user's own use of one is a word of the term to account for.
#: (`style`, `manner` are not among them: they are credit wording, `in the style of X`, which the
#: rewriter writes its own way.)
GENERIC_NOUNS = frozenset("composition atmosphere mood palette tones colors colours color colour".split())


def is_term_word(word: str) -> bool:
    """Whether a word of A is one of its term's words: content, or a generic noun the user wrote."""
    return is_content(word) or word.lower() in GENERIC_NOUNS


@dataclass
class _Words:
    """The words of a text with their keys and positions (offset into the prompt's source)."""

    items: list[tuple[str, str, int, int]]  # (word, key, start, end)

    @classmethod
    def of(cls, text: str, offset: int = 0) -> _Words:
        return cls([(w, fold(w), start + offset, end + offset) for w, start, end in word_matches(text)])

    def keys(self) -> set[str]:
        out = {k for _, k, _, _ in self.items}
        # two adjacent words read as one (`photo realistic` = `photorealistic`, `3 d` = `3d`)
        out |= {fold(a + b) for (a, _, _, _), (b, _, _, _) in zip(self.items, self.items[1:])}
        # a number with its unit says the number and the unit (`50mm` = `50 mm`)
        out |= {part for _, k, _, _ in self.items if (m := _NUMBER_UNIT.fullmatch(k)) for part in m.groups()}
        return out


def _texts(prompt: Prompt) -> list[tuple[str, int, bool]]:
    """(text, offset in the source, negative) for each part of a prompt's prose: the `::` parts of
    a multi-prompt (a negative weight asks for the part's absence), else the whole text."""
    if prompt.is_multiprompt:
        return [(s.text, s.span.start, s.weight is not None and s.weight < 0) for s in prompt.segments]
    return [(prompt.text, prompt.text_span.start, False)]


def _no_words(prompt: Prompt) -> set[str]:
    """The keys of what a prompt excludes: its `--no` values and its negative-weight parts."""
    out: set[str] = set()
    for p in prompt.params:
        if p.name == "no" and isinstance(p.value, tuple):
            out |= {fold(w) for v in p.value for w in WORD.findall(v)}  # type: ignore[arg-type]
    for text, _, negative in _texts(prompt):
        if negative:
            out |= {fold(w) for w in WORD.findall(text)}
    return out


def _credit_free(words: list[tuple[str, str, int, int]], text: str, offset: int) -> list[tuple[str, str, int, int]]:
    """A term's words less those that only credit a maker (`painted` in `painted by Monet`,
    `inspired` in `Ghibli inspired`): the rewriter writes the credit its own way."""
    out = []
    for i, w in enumerate(words):
        low = w[0].lower()
        after = text[w[3] - offset :].lstrip().lower()
        if (low in CREDIT_WORDS or low in CREDIT_NOUNS) and after.startswith("by "):
            continue
        if low in CREDIT_SUFFIXES and i == len(words) - 1 and i > 0:
            continue
        out.append(w)
    return out


def lexicon_wording(term: str) -> str:
    """`term` with each lexicon term in it written as the rewriter writes it (`dof` → "depth of field")."""
    lex = load_lexicon()
    out, at = [], 0
    for m in lex.find(term):
        phrase = lex.phrase.get(m.term) or lex.display.get(m.term)
        if phrase:
            out += [term[at : m.start], phrase]
            at = m.end
    return "".join(out) + term[at:] if out else term


def account(a: Prompt, b: Prompt) -> Accounting:
    """Account for every content term of prompt A in prompt B (both parsed, syntax mended)."""
    b_words = _Words([w for text, offset, negative in _texts(b) if not negative for w in _Words.of(text, offset).items])
    b_keys = b_words.keys()
    b_low = b.source.lower()
    b_no = _no_words(b)

    terms: list[TermAccount] = []
    a_keys: set[str] = set()  # every key of A (filler too): B saying any of them adds nothing
    content_texts: list[str] = []
    for text, offset, negative in _texts(a):
        a_all = _Words.of(text, offset)
        a_keys |= a_all.keys() | set(_Words.of(lexicon_wording(text)).keys())
        for t in ledger(text).terms:
            if not t.content or t.kind in ("filler",):
                continue
            content_texts.append(t.content)
            words = _credit_free([w for w in _Words.of(t.text, offset + t.start).items if is_term_word(w[0])],
                                 t.text, offset + t.start)
            # filler inside the term (`highly detailed` in `highly detailed portrait`) is not content
            wanted = {fold(w) for w in WORD.findall(t.content)}
            words = [w for w in words if w[1] in wanted]
            if not words:
                continue
            terms.append(_account_term(t.text, offset + t.start, offset + t.end, t.content, words,
                                       negative or t.kind == "negation", b, b_low, b_words, b_keys, b_no))

    terms += _no_terms(a, b_no)
    added = _added(b, b_words, a_keys)
    return Accounting(tuple(terms), tuple(added), ", ".join(content_texts) or a.text, b.text)


def _no_terms(a: Prompt, b_no: set[str]) -> list[TermAccount]:
    """A's `--no` words as terms: kept while B still excludes them (its `--no` or a negative part)."""
    out: list[TermAccount] = []
    for p in a.params:
        if p.name != "no" or not isinstance(p.value, tuple) or p.permuted:
            continue
        at = p.value_span.start
        for item in p.value:
            s = a.source.find(item, at, p.span.end)  # type: ignore[arg-type]
            s = at if s < 0 else s
            e = s + len(item)  # type: ignore[arg-type]
            at = e
            words = [(m.group(), fold(m.group()), m.start() + s, m.end() + s) for m in WORD.finditer(item)  # type: ignore[arg-type]
                     if is_content(m.group())]
            if not words:
                continue
            found = [k in b_no for _, k, _, _ in words]
            written = tuple(w for w, _, _, _ in words)
            if all(found):
                out.append(TermAccount(item, s, e, "kept", "no", None, (), written))  # type: ignore[arg-type]
            else:
                status: Status = "dropped" if not any(found) else "changed"
                out.append(TermAccount(item, s, e, status, "" if status == "dropped" else "no", None,  # type: ignore[arg-type]
                                       _runs(words, found, item, s), written))  # type: ignore[arg-type]
    return out


def _account_term(text: str, start: int, end: int, content: str, words: list[tuple[str, str, int, int]],
                  negated: bool, b: Prompt, b_low: str, b_words: _Words, b_keys: set[str],
                  b_no: set[str]) -> TermAccount:
    written = tuple(w for w, _, _, _ in words)
    low = content.lower()

    def located(keys: set[str]) -> Piece | None:
        hits = [(s, e) for _, k, s, e in b_words.items if k in keys]
        if not hits:
            return None
        s, e = min(h[0] for h in hits), max(h[1] for h in hits)
        return Piece(b.source[s:e], s, e)

    # 1. as written
    hit = re.compile(r"(?<![^\W_])" + re.escape(low) + r"(?![^\W_])").search(b_low, b.text_span.start,
                                                                              b.text_span.end)
    if hit is not None:
        match = Piece(b.source[hit.start() : hit.end()], hit.start(), hit.end())
        return TermAccount(text, start, end, "kept", "exact", match, (), written)
    keys = {k for _, k, _, _ in words}
    # 2. the ledger's normal form, word by word
    found = [k in b_keys or (negated and k in b_no) for _, k, _, _ in words]
    if all(found):
        how = "normal" if all(k in b_keys for k in keys) else "no"
        return TermAccount(text, start, end, "kept", how, located(keys), (), written)
    # 3. the lexicon's wording of it (`dof` → "depth of field")
    respelled = lexicon_wording(content)
    if respelled != content:
        # the user's own generic nouns (`warm colors`) must be said too, whatever the lexicon writes
        r_keys = {fold(w) for w in WORD.findall(respelled) if is_content(w)} | {k for w, k, _, _ in words
                                                                                if not is_content(w)}
        if r_keys and r_keys <= b_keys:
            return TermAccount(text, start, end, "kept", "lexicon", located(r_keys), (), written)
    lost = _runs(words, found, text, start)
    if not any(found):
        return TermAccount(text, start, end, "dropped", "", None, lost, written)
    return TermAccount(
        text, start, end, "changed", "normal", located({k for (_, k, _, _), f in zip(words, found) if f}), lost, written
    )


def _runs(words: list[tuple[str, str, int, int]], found: list[bool], text: str, start: int) -> tuple[Piece, ...]:
    """The runs of words not found, as written (a run spans the stop words between its words)."""
    out: list[Piece] = []
    run: list[tuple[str, str, int, int]] = []
    for w, ok in zip(words, found):
        if ok:
            if run:
                out.append(_piece(run, text, start))
                run = []
        else:
            run.append(w)
    if run:
        out.append(_piece(run, text, start))
    return tuple(out)


def _piece(run: list[tuple[str, str, int, int]], text: str, start: int) -> Piece:
    s, e = run[0][2], run[-1][3]
    return Piece(text[s - start : e - start], s, e)


def _added(b: Prompt, b_words: _Words, a_keys: set[str]) -> list[Piece]:
    """B's runs of content words that none of A's words account for."""
    out: list[Piece] = []
    run: list[tuple[str, str, int, int]] = []
    source = b.source

    def close() -> None:
        if run:
            s, e = run[0][2], run[-1][3]
            out.append(Piece(source[s:e], s, e))
            run.clear()

    items = b_words.items
    for i, (w, k, s, e) in enumerate(items):
        if not is_content(w):
            if w.lower() not in _RUN_GLUE:
                close()  # a preposition ends a run: "sunset", "red fox" in "sunset with a red fox"
            continue  # "of" and "and" inside a run ("castle of glass") stay in it
        glued = (i > 0 and fold(items[i - 1][0] + w) in a_keys) or (
            i + 1 < len(items) and fold(w + items[i + 1][0]) in a_keys
        )
        if k in a_keys or glued:
            close()
            continue
        if run and _BREAK.search(source, run[-1][3], s):
            close()
        run.append((w, k, s, e))
    close()
    return out  # a run starts and ends on a content word: only content words are appended
