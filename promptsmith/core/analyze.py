"""Analysis: split a prompt's text into terms and put each into a slot of the brief.

Slots: subject (the first unknown noun phrase, with its details and setting), medium, style,
lighting, colour, composition, mood, and filler (dropped). Known terms come from the lexicons in
`rules/lexicon/`; unknown ones get heuristics ("X lighting" is lighting, "by X" is style, numbers
with "mm" are camera, a term whose head is "painting" is a medium …); what is still unknown is
subject, never guessed away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from promptsmith.core.lexicon import Lexicon, load_lexicon, normalize
from promptsmith.core.resources import load_rule_file

BRIEF_SLOTS = ("subject", "medium", "style", "lighting", "colour", "composition", "mood")

_STYLE_OF = re.compile(r"^(?:(?P<lead>.*?)\s+)?(?:in\s+the\s+style\s+of|in\s+the\s+manner\s+of|style\s+of|inspired\s+by|in\s+style\s+of)\s+(?P<who>.+)$", re.I)
_BY = re.compile(r"^(?:(?P<lead>.*?)\s+)?by\s+(?P<who>.+)$", re.I)
#: Words before "by" that credit a maker and say nothing else: dropped with the "by" (`art`
#: and `artwork` stay: they read as the medium, `an artwork in the style of …`)
_AUTHORSHIP = frozenset(
    "painted drawn illustrated made done directed photographed shot filmed created designed"
    " rendered sculpted written animated produced crafted conceived imagined".split()
)
#: "by" that names no author: `surrounded by flames`, `a castle by the sea`, `lit by candles`
_NOT_AUTHOR_WHO = frozenset(
    "the a an his her their its our my your some many several two three four five night day side"
    " itself himself herself themselves".split()
)
_PARTICIPLE = re.compile(r"(?:ed|en|lit)$", re.I)


def _credit(term: str) -> tuple[str, str] | None:
    """`(lead, who)` when `term` credits a maker (`painting by Monet` → ("painting", "Monet"),
    `directed by Spielberg` → ("", "Spielberg")), None when "by" is a preposition (`surrounded by
    flames`, `a house by the sea`)."""
    m = _STYLE_OF.match(term)
    if m is not None:
        return (m.group("lead") or "").strip(), m.group("who").strip()
    m = _BY.match(term)
    if m is None:
        return None
    who = m.group("who").strip()
    words = who.split()
    if not words or words[0].lower() in _NOT_AUTHOR_WHO:
        return None
    lead = (m.group("lead") or "").split()
    if lead and lead[-1].lower() in _AUTHORSHIP:
        return " ".join(lead[:-1]), who
    if len(lead) > 1 and lead[-1].lower() in ("art", "artwork") and lead[-2][-1] in ".;:":
        return " ".join(lead[:-1]), who  # `unreal engine. art by Artgerm`: a credit of its own
    if lead and _PARTICIPLE.search(lead[-1]):
        return None
    return " ".join(lead), who


_X_STYLE = re.compile(r"^(?P<who>.+?)(?:\s+|-)(?:style|inspired|aesthetic)$", re.I)
_CAMERA = re.compile(r"\b\d{2,3}\s?mm\b|\bf\s?/\s?\d|\biso\s?\d|\b1/\d+s?\b|\blens\b|\bshot on\b|\bcamera\b", re.I)
_LIGHT = re.compile(r"\b(?:light|lights|lighting|lit|glow|glowing|illumination|shadows?|sunlight|moonlight|backlit|backlight)$", re.I)
_COLOUR = re.compile(r"\b(?:colou?rs?|colou?red|tones?|palette|hues?|saturation|monochrom\w*|grayscale|greyscale)$", re.I)
_MOOD = re.compile(r"\b(?:atmosphere|mood|vibes?|feeling|ambience|ambiance)$", re.I)
_TERM_SEP = re.compile(r"[,;\n]")
_SPLIT_WHO = re.compile(r"\s*(?:,|&|\band\b|\bwith\b)\s*", re.I)
# what filler removal can leave behind: "in the style of [artstation]", "[8k] and detailed", "on"
_ORPHAN_AND = re.compile(r"\b(a|an|the|and|or)\s+(?:and|or)\b\s*", re.I)
_DANGLING_HEAD = re.compile(r"^(?:(?:and|with|in|of|on|by|at|the)\s+)+", re.I)
_DANGLING_TAIL = re.compile(r"(?:\s+(?:in\s+the\s+style\s+of|style\s+of|art\s+by|trending|and|with|in|of|on|by|at|the|as|for))+$", re.I)
_ARTICLE_VOWEL = re.compile(r"^(?:[aeio]|u(?!ni|se|su|ro|ku|ti)|hour|honest|heir|8|11|18|f/|x-)", re.I)


@dataclass(frozen=True)
class RewriteRules:
    """The rewrite rule set (rules/rewrite/v5-to-v6.toml), merged with the user's copy."""

    enabled: dict[str, bool]
    reasons: dict[str, str]
    negations: tuple[str, ...]
    shots: tuple[str, ...]
    determiners: frozenset[str]
    medium_heads: tuple[str, ...]
    connectives: dict[str, tuple[str, ...]]

    def on(self, rule: str) -> bool:
        return self.enabled.get(rule, True)

    @cached_property
    def negation_prefixes(self) -> tuple[str, ...]:
        """`word + " "` for every negation word: one `str.startswith` tests them all."""
        return tuple(w + " " for w in self.negations)

    @cached_property
    def shot_endings(self) -> tuple[str, ...]:
        """`" " + shot` for every shot word: one C-level `str.endswith` tests them all."""
        return tuple(" " + s for s in self.shots)

    @cached_property
    def medium_endings(self) -> tuple[str, ...]:
        return tuple(" " + h for h in self.medium_heads)

    @cached_property
    def medium_set(self) -> frozenset[str]:
        return frozenset(self.medium_heads)

    def without(self, rule: str) -> RewriteRules:
        """The same rule set with one rule switched off (for ablations)."""
        return RewriteRules(
            {**self.enabled, rule: False}, self.reasons, self.negations, self.shots,
            self.determiners, self.medium_heads, self.connectives,
        )


@lru_cache(maxsize=8)
def load_rewrite_rules(extra_dirs: tuple[Path, ...] = ()) -> RewriteRules:
    """The rewrite rules, built-in first, then `rewrite/v5-to-v6.toml` in user rule directories."""
    enabled: dict[str, bool] = {}
    reasons: dict[str, str] = {}
    compose: dict[str, Any] = {}
    connectives: dict[str, tuple[str, ...]] = {}
    for table in load_rule_file("rewrite/v5-to-v6.toml", extra_dirs):
        for name, body in table.get("rules", {}).items():
            enabled[name] = bool(body.get("enabled", True))
            if "reason" in body:
                reasons[name] = body["reason"]
        comp = dict(table.get("compose", {}))
        for slot, forms in comp.pop("connectives", {}).items():
            connectives[slot] = tuple(forms)
        compose.update(comp)
    return RewriteRules(
        enabled=enabled,
        reasons=reasons,
        negations=tuple(compose.get("negations", ("no", "without"))),
        shots=tuple(sorted(compose.get("shots", ()), key=len, reverse=True)),
        determiners=frozenset(compose.get("determiners", ())),
        medium_heads=tuple(sorted(compose.get("medium_heads", ()), key=len, reverse=True)),
        connectives=connectives,
    )


@dataclass
class Term:
    """One comma-term of the input and where analysis put it."""

    text: str
    slot: str
    phrase: str = ""
    rule: str = ""  # the rewrite rule that removed or moved it, if any


@dataclass
class Brief:
    """The analysed content of one text part, ready for composition."""

    subject: list[str] = field(default_factory=list)
    adjectives: list[str] = field(default_factory=list)
    setting: list[str] = field(default_factory=list)
    shot: str = ""
    medium: list[str] = field(default_factory=list)
    style: list[str] = field(default_factory=list)
    lighting: list[str] = field(default_factory=list)
    colour: list[str] = field(default_factory=list)
    composition: list[str] = field(default_factory=list)
    mood: list[str] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    dropped: list[Term] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)

    def slots(self) -> dict[str, list[str]]:
        """The brief's slots as lists of phrases (what `RewriteResult.slots` reports)."""
        subject = [" ".join([*self.adjectives, self.subject[0]])] + self.subject[1:] if self.subject else list(self.adjectives)
        return {
            "subject": subject + self.setting,
            "medium": list(self.medium),
            "style": list(self.style),
            "lighting": list(self.lighting),
            "colour": list(self.colour),
            "composition": ([self.shot] if self.shot else []) + list(self.composition),
            "mood": list(self.mood),
        }


def split_terms(text: str) -> list[str]:
    """Comma/semicolon-separated terms; commas inside `{…}`, quotes or `\\,` do not split."""
    if not any(c in text for c in '{"“\\'):  # the common case: a plain split
        return [t for t in (x.strip().strip(".!").strip() for x in _TERM_SEP.split(text)) if t]
    out: list[str] = []
    depth = 0
    quote = ""
    cur: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            cur.append(text[i : i + 2])
            i += 2
            continue
        if quote:
            if c == quote or (quote == "“" and c == "”"):
                quote = ""
        elif c in "\"“":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        if c in ",;\n" and depth == 0 and not quote:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    out.append("".join(cur))
    return [t.strip().strip(".!").strip() for t in out if t.strip().strip(".!").strip()]


def display_name(lex: Lexicon, name: str) -> str:
    """Proper capitalisation for an artist or studio: the lexicon's, else title case."""
    key = normalize(name)
    if key in lex.display:
        return lex.display[key]
    if name != name.lower():
        return name
    return " ".join(w[:1].upper() + w[1:] for w in name.split())


def with_article(phrase: str, determiners: frozenset[str]) -> str:
    """`old fisherman` → `an old fisherman`; plurals, names and determined phrases unchanged."""
    words = phrase.split()
    if not words:
        return phrase
    first = words[0]
    if first[:1] == "{":
        first = first[1:] or "x"  # `{red, blue} car`: the article agrees with the first option
    if first.lower() in determiners or first[:1].isdigit() or first[:1] in "\"“'":
        return phrase
    if first[:1].isupper() and first.lower() not in ("a", "an"):
        return phrase  # a name: Shrek, Tokyo, Elmo
    last = re.sub(r"[^\w]", "", words[-1].lower())
    if last.endswith("s") and not last.endswith(("ss", "us", "is", "ous")) and len(words) <= 4:
        return phrase  # a plural: "neon signs", "two cats"
    article = "an" if _ARTICLE_VOWEL.match(first) else "a"
    return f"{article} {phrase}"


class Analyzer:
    """Classifies terms into slots with the lexicons, the rule set's word lists and heuristics."""

    def __init__(self, rules: RewriteRules | None = None, lexicon: Lexicon | None = None) -> None:
        self.rules = rules or load_rewrite_rules()
        self.lex = lexicon or load_lexicon()

    # -- one term --------------------------------------------------------------------------------
    def _strip_filler(self, term: str) -> tuple[str, list[str]]:
        spans = self.lex.filler_spans(term)
        if not spans:
            return term, []
        removed = [term[s:e] for s, e in spans]
        kept = term
        for s, e in reversed(spans):
            kept = kept[:s] + " " + kept[e:]
        kept = re.sub(r"\s+", " ", kept).strip(" -,&")
        kept = _ORPHAN_AND.sub(r"\1 ", kept)  # "a [stunning] and matte painting" → "a matte painting"
        kept = _DANGLING_HEAD.sub("", kept)
        kept = _DANGLING_TAIL.sub("", kept).strip(" -,&")
        return kept, removed

    def _negation(self, term: str) -> str | None:
        low = term.lower()
        if not low.startswith(self.rules.negation_prefixes):
            return None
        for word in self.rules.negations:
            if low.startswith(word + " ") and len(term) > len(word) + 1:
                rest = term[len(word) + 1 :].strip()
                if rest.lower().startswith(("man's", "one ", "longer", "more ", "less ", "end")):
                    return None
                return rest
        return None

    def _artists(self, who: str) -> list[str]:
        return [display_name(self.lex, w.strip()) for w in _SPLIT_WHO.split(who) if w.strip()]

    def classify(self, term: str, brief: Brief) -> None:
        """Put one comma-term into the brief (possibly split across slots)."""
        if "{" in term or '"' in term or "“" in term:
            self._subject(term, brief)  # permutations and text to render stay whole
            return
        lex = self.lex
        slot = lex.slot(term)
        if slot is not None:
            self._put(slot, term, brief)
            return
        credit = _credit(term)
        if credit is not None and credit[1]:
            lead, who = credit
            if lead:
                self.classify(lead, brief)
            brief.style.extend(self._artists(who))
            brief.terms.append(Term(term, "style"))
            return
        m = _X_STYLE.match(term)
        if m and (lex.slot(m.group("who")) in (None, "style")):
            brief.style.append(display_name(lex, m.group("who")))
            brief.terms.append(Term(term, "style"))
            return
        low = term.lower()
        rules = self.rules
        if not brief.shot and low.endswith(rules.shot_endings):
            for shot in rules.shots:  # longest first
                if low.endswith(" " + shot):
                    brief.shot = shot
                    self.classify(term[: -len(shot)].strip(), brief)
                    return
        if _CAMERA.search(term):
            self._put("composition", term, brief)
            return
        if _LIGHT.search(term):
            self._put("lighting", term, brief)
            return
        if _COLOUR.search(term):
            self._put("colour", term, brief)
            return
        if _MOOD.search(term):
            self._put("mood", term, brief)
            return
        if low.endswith(rules.medium_endings) or low in rules.medium_set:
            self._put("medium", term, brief)
            return
        # a term made only of known words of one slot ("neon cyan magenta" → colour)
        found = lex.find(term)
        if found and sum(m.end - m.start for m in found) >= len(term.replace(" ", "")) * 0.8:
            slots = {m.slot for m in found}
            if len(slots) == 1:
                self._put(slots.pop(), term, brief)
                return
        self._subject(term, brief)

    def _put(self, slot: str, term: str, brief: Brief) -> None:
        lex = self.lex
        key = normalize(term)
        phrase = lex.phrase.get(key, "")
        if slot == "filler":
            if self.rules.on("filler-quality-token"):
                brief.dropped.append(Term(term, "filler", rule="filler-quality-token"))
            else:
                self._subject(term, brief)  # the rule is off: keep the words as written
            return
        if slot == "style":
            brief.style.append(phrase or display_name(lex, term))
        elif slot == "medium":
            if not phrase:
                phrase = with_article(term, self.rules.determiners)
            brief.medium.append(phrase)
        elif slot == "setting":
            if not brief.subject:
                # a place before any subject is the subject ("tokyo street at night")
                self._subject(term, brief)
                return
            brief.setting.append(phrase or f"in {with_article(term, self.rules.determiners)}")
        else:
            getattr(brief, slot).append(phrase or term)
        brief.terms.append(Term(term, slot, phrase))

    def _subject(self, term: str, brief: Brief) -> None:
        words = term.split()
        if len(words) == 1 and brief.subject is not None and _looks_adjective(term) and term.lower() != term.upper():
            brief.adjectives.append(term)
        else:
            brief.subject.append(term)
        brief.terms.append(Term(term, "subject"))

    # -- a whole text part -----------------------------------------------------------------------
    def analyze(self, text: str, overrides: dict[str, str] | None = None) -> Brief:
        """The brief of one text part; `overrides` maps terms to the slot they must go in."""
        brief = Brief()
        for raw in split_terms(text):
            term = raw
            if self.rules.on("filler-quality-token"):
                term, removed = self._strip_filler(raw)
                for r in removed:
                    brief.dropped.append(Term(r, "filler", rule="filler-quality-token"))
                if not term:
                    continue
            if self.rules.on("negation-to-no"):
                neg = self._negation(term)
                if neg is not None:
                    brief.negatives.append(neg)
                    brief.dropped.append(Term(term, "negative", rule="negation-to-no"))
                    continue
            if overrides and term in overrides and overrides[term] in BRIEF_SLOTS:
                slot = overrides[term]
                if slot == "subject":
                    self._subject(term, brief)
                else:
                    self._put(slot, term, brief)
                continue
            self.classify(term, brief)
        # adjectives with no subject to attach to become the subject
        if not brief.subject and brief.adjectives:
            brief.subject.append(" ".join(brief.adjectives))
            brief.adjectives = []
        return brief


_ADJ_SUFFIX = re.compile(r"(?:y|ful|ous|ic|al|ive|ish|less|able|ible|ed|ant|ent|ly|esque|like)$", re.I)


def _looks_adjective(word: str) -> bool:
    return bool(_ADJ_SUFFIX.search(word)) and not word[:1].isupper()
