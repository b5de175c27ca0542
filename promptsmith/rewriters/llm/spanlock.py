"""Span-locked writing: the model orders the ledger's phrases and joins them, and nothing else.

The rules engine's analysis gives the brief's phrases (the subject's head, its features and
clothing, the setting, the media, the credits, the light, colour, framing and mood), each as
the user wrote it. Those are fixed **spans**: the model may only choose their order and the
words between them from a closed set of **joiners** (articles, prepositions, `and`, a comma,
`in the style of`, and the nouns the composer itself writes after a mood or a colour). Every
span appears exactly once; this is enforced while decoding, token by token — a token is
allowed only when the text it makes can still be read as such a sentence — so the result drops
nothing and invents nothing by construction.

`SpanLock` is the grammar as a small non-deterministic automaton over the text written so far
(`allowed` → the strings that may come next, `advance` → the states after a token). It needs no
model; `LlamaCppGenerator.locked` drives it with one.

Why over 400 lines: the span lock is one algorithm (the phrase inventory, the decoding constraint
and the sentence it assembles); split, each half would only make sense beside the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from promptsmith.rewriters.english import COLOUR_NOUN, MOOD_NOUN, strip_indefinite_article, with_article

if TYPE_CHECKING:
    from promptsmith.rewriters.rules.brief import Brief

#: The closed set of joiners: articles, the words that lead a phrase in, `and`, a comma.
ARTICLES = ("a", "an", "the")
#: How each role of phrase may be led in, after the phrase before it: by a joiner, or by
#: `"and:R"` / `",:R"` (continuing a list of role R), or `" "` (directly, for a phrase that opens
#: with its own preposition or verb). `start` opens the sentence; `of` follows a lead medium or
#: shot ("An oil painting of …").
ENTRY: dict[str, frozenset[str]] = {
    "head": frozenset({"start", "of"}),
    "shot": frozenset({"start"}),
    "medium": frozenset({"start", ",", "and:medium", ",:medium"}),
    "feature": frozenset({"with", "and:feature", ",:feature"}),
    "worn": frozenset({"wearing", "and:worn", ",:worn"}),
    "object": frozenset({"with", "and:object", "and:feature", ",:object", ",:feature"}),
    "attached": frozenset({" ", ","}),
    "setting": frozenset({" ", ","}),
    "name": frozenset({"in the style of", "by", "and:name", ",:name"}),
    "tool": frozenset({" ", ",", "and:tool"}),
    "lighting": frozenset({"with", ",", "and:lighting"}),
    "colour": frozenset({"in", "with", ",", "and:colour", ",:colour"}),
    "composition": frozenset({"with", ",", "and:composition"}),
    "mood": frozenset({"with", ",", "and:mood", ",:mood"}),
}
#: The order of a brief: what is shown (0 lead, 1 the subject and its details), how it is made
#: (2), how it looks (3). A phrase never goes back to an earlier part.
PHASE = {"shot": 0, "head": 1, "feature": 1, "worn": 1, "object": 1, "attached": 1, "setting": 1,
         "medium": 2, "name": 2, "tool": 2, "lighting": 3, "colour": 3, "composition": 3, "mood": 3}
#: Joiners after which an article may come before the phrase.
ARTICLE_AFTER = frozenset({"start", "of", "with", "wearing", "in", ",", "and"})
#: The nouns the composer writes after a bare mood adjective or a bare colour.
POST = {"mood": ("atmosphere", "mood"), "colour": ("colors", "tones", "palette")}
#: At most this many joiners in a row ("with an", ", and").
MAX_RUN = 3
_JOINERS = ("and", "with", "wearing", "in", "of", "in the style of", "by")

_DETERMINED = re.compile(r"(?:a|an|the|this|that|these|those|his|her|its|their|my|our|your|some|two|three|four|"
                         r"five|many|several|\d+)\s", re.I)
_OPENERS = frozenset("in on at under over above below behind beside near inside outside into onto through across "
                     "against among amid along around from with without by wearing holding standing sitting "
                     "rendered made shot lit painted drawn".split())


@dataclass(frozen=True)
class Span:
    """One fixed phrase and what may stand before it."""

    text: str
    #: head, feature, worn, attached, object, setting, medium, name, tool, lighting, colour, shot, composition, mood
    role: str
    #: A noun phrase: an article or a preposition may go before it.
    nounish: bool = True
    #: A bare adjective (`cinematic`, `vibrant`): a noun from `POST` must follow it.
    needs_post: bool = False
    #: The indefinite article it takes ("a" or "an"; "" for a plural, a name, a mass noun).
    article: str = "a"


@dataclass(frozen=True)
class _State:
    used: frozenset[int] = frozenset()
    #: What the last whole unit was: "start", ("span", i) or ("joiner", text).
    prev: tuple[str, object] = ("start", None)
    run: int = 0
    pending: str = ""
    done: bool = False
    joiners: int = 0
    #: Multi-word joiners already used (each once: one "in the style of").
    once: frozenset[str] = frozenset()
    #: The role of the last span written (a name after `,`/`and` only continues a list of names).
    last_role: str = ""
    #: What led in the article just written (`with` in "with a"): it decides what may follow.
    before_article: str = ""
    #: The span that opened the sentence (a lead medium belongs to the lead, not to phase 2).
    lead: int = -1
    #: A comma was written since the last span.
    comma: bool = False


@dataclass
class SpanLock:
    """The grammar for one prompt: its spans, each exactly once, joined from the closed set."""

    spans: list[Span]
    spelling: str = "us"
    max_joiners: int = 0

    def __post_init__(self) -> None:
        self._has_head = any(s.role == "head" for s in self.spans)
        self._memo: dict[_State, bool] = {}
        #: `_next` of each state met: decoding asks again for the same state on every token of a
        #: unit being written (its pending text differs, the state it continues from does not).
        self._next_memo: dict[_State, tuple[tuple[str, tuple[str, object]], ...]] = {}
        self._entries_memo: dict[tuple[object, ...], tuple[int, ...]] = {}
        self._budget = 20_000
        self.max_joiners = self.max_joiners or 3 * len(self.spans) + 3

    # -- the units that may come next ----------------------------------------------------------
    def _phase(self, s: _State) -> int:
        """The part of the brief reached (a lead medium, "An oil painting of …", counts as the lead)."""
        return max((PHASE[self.spans[i].role] for i in s.used if i != s.lead), default=0)

    def _short_lead(self, s: _State) -> bool:
        """Only a short subject so far ("an apartment"): it runs into what follows without a comma."""
        return (
            bool(s.used)
            and all(self.spans[i].role in ("head", "shot") for i in s.used)
            and sum(len(self.spans[i].text.split()) for i in s.used) <= 4
        )

    def _entries(self, s: _State, joiner: str, article: str | None) -> tuple[int, ...]:
        """The spans left that `joiner` (then `article`, if any) may lead in (memoised on the
        parts of `s` the answer reads: many states of the search share them)."""
        before = s.prev[1] if joiner == " " and s.prev[0] == "span" else None
        key = (s.used, s.lead, s.last_role, s.comma, before, joiner, article)
        known = self._entries_memo.get(key)
        if known is None:
            known = self._entries_memo[key] = tuple(self._find_entries(s, joiner, article))
        return known

    def _find_entries(self, s: _State, joiner: str, article: str | None) -> list[int]:
        last = s.last_role
        phase = self._phase(s)
        head_used = any(self.spans[i].role == "head" for i in s.used) or not self._has_head
        names_left = any(self.spans[j].role == "name" for j in range(len(self.spans)) if j not in s.used)
        out = []
        for i, sp in enumerate(self.spans):
            if i in s.used:
                continue
            if last == "name" and names_left and sp.role != "name" and joiner in (",", "and"):
                continue  # a list of names is finished before anything else
            entry = ENTRY[sp.role]
            keyed = f"{joiner}:{last}"
            if joiner not in entry and keyed not in entry:
                if not (joiner == "start" and sp.role == "medium"):
                    continue
            lead_medium = joiner == "start" and sp.role == "medium"
            if not lead_medium and PHASE[sp.role] < phase:
                continue
            if not lead_medium and any(
                PHASE[self.spans[j].role] < PHASE[sp.role]
                for j in range(len(self.spans))
                if j not in s.used and j != i and self.spans[j].role != "shot"
            ):
                continue  # each part of the brief is finished before the next begins
            if sp.role not in ("head", "shot") and not head_used and not lead_medium:
                continue  # the subject comes first, or right after a lead medium or shot
            if joiner == "of" and sp.role != "head":
                continue
            if phase == 1 and PHASE[sp.role] >= 2 and not (s.comma or joiner == ",") and not self._short_lead(s):
                continue  # ", in the style of X": a comma ends the subject's part (a short one runs on)
            if (
                joiner == " "
                and s.prev[0] == "span"
                and self.spans[s.prev[1]].text.split()[-1].lower() == sp.text.split()[0].lower()  # type: ignore[call-overload]
            ):
                continue  # "of love love is the theme": a word said twice in a row
            if joiner == " " and sp.role == "tool" and last == "name":
                continue  # "in the style of Monet rendered in Octane" would credit Monet's Octane
            if joiner == "with" and sp.role == last and sp.role in ("feature", "object"):
                continue  # a list goes on with "and" or a comma, not "with … with"
            if joiner in ("in the style of", "by") and last == "tool":
                continue  # "rendered in Octane by Monet" would credit Octane's maker
            if joiner in (",", "and") and keyed in entry:  # a list: "A, B and C"
                same = sum(1 for j in range(len(self.spans)) if j not in s.used and self.spans[j].role == sp.role)
                if (joiner == "," and same < 2) or (joiner == "and" and same != 1):
                    continue
            if article is not None:
                if not sp.nounish or sp.role in ("name", "tool") or _DETERMINED.match(sp.text):
                    continue
                if sp.needs_post and joiner == "and":
                    continue  # "lively and elegant atmosphere", not "lively and an elegant"
                if article == "the" and joiner not in ("of", "in", "on", "at"):  # no "The Monkeypox."
                    continue  # "with the holograms, the outfits": a list of things takes no "the"
                if article != "the" and sp.article != article:
                    continue
            out.append(i)
        return out

    def _next(self, s: _State) -> tuple[tuple[str, tuple[str, object]], ...]:
        """(rendered text, unit) for every unit allowed after state `s` from which the sentence
        can still be finished (with its leading space). Memoised: once each unit's `_viable`
        is known it is in `_memo`, so a second search would give the same list."""
        known = self._next_memo.get(s)
        if known is not None:
            return known
        out = []
        for r, u in self._units(s):
            self._budget = 4_000  # per unit considered: a long search is cut, not the ones after it
            if self._viable(self._apply(s, u)):
                out.append((r, u))
        known = self._next_memo[s] = tuple(out)
        return known

    def _viable(self, s: _State) -> bool:
        """Whether the sentence can still be finished from `s` (a memoised search over units; a
        search that runs long is taken as viable, and decoding then falls back if it was not)."""
        if s.done:
            return True
        known = self._memo.get(s)
        if known is not None:
            return known
        self._budget -= 1
        if self._budget < 0:
            return True
        ok = any(self._viable(self._apply(s, u)) for _, u in self._units(s))
        self._memo[s] = ok
        return ok

    def _units(self, s: _State) -> Iterable[tuple[str, tuple[str, object]]]:
        """Every unit the grammar allows after `s`, viable or not."""
        if s.done:
            return
        kind, value = s.prev
        start = kind == "start"
        last = self.spans[value] if kind == "span" else None  # type: ignore[call-overload]

        def say(text: str) -> str:
            return text[:1].upper() + text[1:] if start else " " + text

        def spans(joiner: str, article: str | None) -> Iterable[tuple[str, tuple[str, object]]]:
            for i in self._entries(s, joiner, article):
                yield say(self.spans[i].text), ("span", i)

        def joiner(j: str) -> Iterable[tuple[str, tuple[str, object]]]:
            if j in s.once:
                return
            if (
                s.run < MAX_RUN
                and s.joiners < self.max_joiners
                and (
                    j == ","
                    or self._entries(s, j, None)  # a comma leads on through a joiner too: the search decides
                    or (j in ARTICLE_AFTER and any(self._entries(s, j, a) for a in ARTICLES))
                )
            ):
                yield ("," if j == "," else say(j)), ("joiner", j)

        if last is not None and last.needs_post:  # "a cute and funny" → "atmosphere"
            for noun in POST[last.role]:
                yield " " + self._spell(noun), ("post", noun)
            for j in (",", "and"):
                for i in self._entries(s, j, None):
                    if self.spans[i].role == last.role and self.spans[i].needs_post:
                        yield from joiner(j)
                        break
            return
        if (
            last is not None
            and last.role == "name"
            and any(self.spans[i].role == "name" for i in range(len(self.spans)) if i not in s.used)
        ):
            yield from joiner(",")  # one list of names: "in the style of A, B and C"
            yield from joiner("and")
            return
        if kind in ("span", "post"):
            if len(s.used) == len(self.spans):
                yield ".", ("end", None)
            if (
                last is not None
                and last.role in ("shot", "medium")
                and self._has_head
                and not any(self.spans[i].role == "head" for i in s.used)
            ):
                yield from joiner("of")  # a lead medium or shot: "of" the subject next
                return
            yield from spans(" ", None)
            for j in (",", *_JOINERS):
                if j != "of":
                    yield from joiner(j)
            return
        if kind == "joiner" and value in ARTICLES:
            yield from spans(s.before_article, value)
            return
        here = "start" if start else str(value)
        yield from spans(here, None)
        if here in ARTICLE_AFTER and s.run < MAX_RUN:
            for a in ARTICLES:
                if self._entries(s, here, a):
                    yield say(a), ("joiner", a)
        names_open = s.last_role == "name" and any(
            self.spans[i].role == "name" for i in range(len(self.spans)) if i not in s.used
        )
        if here == "," and not names_open:  # ", with …", ", in the style of …"
            for j in _JOINERS:
                if j not in ("and", "of"):
                    yield from joiner(j)

    def _spell(self, noun: str) -> str:
        return "colours" if noun == "colors" and self.spelling == "uk" else noun

    def _room(self, s: _State) -> bool:
        return s.run < MAX_RUN and s.joiners < self.max_joiners

    def _apply(self, s: _State, unit: tuple[str, object]) -> _State:
        kind, value = unit
        if kind == "end":
            return replace(s, prev=unit, pending="", done=True)
        if kind == "span":
            lead = (
                value
                if s.prev[0] == "start" or (s.prev[0] == "joiner" and s.before_article == "start" and not s.used)
                else s.lead
            )
            return replace(
                s,
                used=s.used | {value},  # type: ignore[arg-type]
                prev=unit,
                run=0,
                pending="",
                last_role=self.spans[value].role,  # type: ignore[call-overload]
                lead=lead,  # type: ignore[arg-type]
                comma=False,
            )
        once = s.once | {value} if value in ("in the style of", "by") else s.once
        before = s.before_article
        if kind == "joiner" and value in ARTICLES:
            before = "start" if s.prev[0] == "start" else str(s.prev[1])
        return replace(
            s,
            prev=unit,
            run=s.run + 1 if kind == "joiner" else 0,
            pending="",
            joiners=s.joiners + 1,
            once=once,
            before_article=before,
            comma=s.comma or value == ",",
        )

    # -- the automaton --------------------------------------------------------------------------
    def start(self) -> frozenset[_State]:
        return frozenset({_State()})

    def advance(self, states: Iterable[_State], text: str) -> frozenset[_State]:
        """The states after `text` is written (empty: `text` breaks the grammar)."""
        out: set[_State] = set()
        for s in states:
            self._consume(s, s.pending + text, out)
        return frozenset(out)

    def _consume(self, s: _State, text: str, out: set[_State]) -> None:
        if not text:
            out.add(s)
            return
        for rendered, unit in self._next(replace(s, pending="")):
            if rendered.startswith(text):
                if rendered == text:
                    out.add(self._apply(s, unit))
                else:
                    out.add(replace(s, pending=text))
            elif text.startswith(rendered):
                self._consume(self._apply(s, unit), text[len(rendered) :], out)

    def allowed(self, states: Iterable[_State], lookahead: int = 8) -> set[str]:
        """Strings that may come next: the rest of each unit being written, and that rest with up
        to `lookahead` characters of a following unit (a token may cross a boundary: `, the`)."""
        out: set[str] = set()
        for s in states:
            base = replace(s, pending="")
            for rendered, unit in self._next(base):
                if not rendered.startswith(s.pending):
                    continue
                rest = rendered[len(s.pending) :]
                out.add(rest)
                if len(rest) < 16:  # no token is longer: a longer rest cannot reach the next unit
                    after = self._apply(base, unit)
                    for nxt, _ in self._next(after):
                        out.add(rest + nxt[:lookahead])
        out.discard("")
        return out

    def finished(self, states: Iterable[_State]) -> bool:
        return any(s.done for s in states)

    def complete(self, text: str) -> bool:
        """Whether `text` is a whole sentence of this grammar (every span once, then the full stop)."""
        return self.finished(self.advance(self.start(), text))


def spans_of(brief: Brief, determiners: frozenset[str] = frozenset()) -> list[Span]:
    """The fixed phrases of an analysed brief (`rewrite.rules.brief.Brief`), as the user wrote
    them: `a`/`an` go (the lock writes the one that agrees); a `the` the user wrote stays ("The Crypt")."""
    b = brief
    out: list[Span] = []

    def add(text: str, role: str, nounish: bool | None = None) -> None:
        text = " ".join(str(text).split())
        if not text or any(s.text.lower() == text.lower() for s in out):
            return
        if nounish is None:
            nounish = text.split()[0].lower() not in _OPENERS and not text.split()[0].lower().endswith("ing")
        out.append(Span(text, role, nounish))

    head = " ".join([*b.adjectives, b.head]).strip()
    if head:
        add(strip_indefinite_article(head), "head")
    if b.shot:
        add(strip_indefinite_article(b.shot), "shot")
    for text in b.features:
        add(strip_indefinite_article(text), "feature")
    for text in b.worn:
        add(strip_indefinite_article(text), "worn")
    for text in b.objects:
        add(strip_indefinite_article(text), "object")
    for text in b.attached:
        add(text, "attached")
    for text in b.setting:
        add(text, "setting")
    for text in b.medium:
        add(strip_indefinite_article(text), "medium")
    for text in b.style:
        add(text, "name", nounish=False)
    verbs: dict[str, list[str]] = {}
    for tool in b.tools:
        verbs.setdefault(tool.verb, []).append(tool.name)
    for verb, names in verbs.items():  # "rendered in Unreal Engine and Octane": one credit per verb
        add(
            f"{verb} {', '.join(names[:-1]) + ' and ' + names[-1] if len(names) > 1 else names[0]}",
            "tool",
            nounish=False,
        )
    for role in ("lighting", "colour", "composition", "mood"):
        for text in getattr(b, role):
            add(strip_indefinite_article(text), role)

    def article(text: str) -> str:  # "" for a plural or a name: no a/an before it
        first = with_article(text, determiners).split(None, 1)[0]
        return first if first in ("a", "an") else ""

    return [replace(s, needs_post=_bare(s), article=article(s.text)) for s in out]


def _bare(span: Span) -> bool:
    """A mood or colour said by adjectives alone (`cinematic`, `warm and vibrant`)."""
    if span.role == "mood":
        return not MOOD_NOUN.search(span.text)
    if span.role == "colour":
        return not COLOUR_NOUN.search(span.text)
    return False


def lockable(brief: Brief) -> bool:
    """Whether a brief can be span-locked: a subject and nothing kept whole as prose or verbatim
    (those stay as the rules engine writes them)."""
    return bool(brief.head) and not brief.prose and not brief.verbatim
