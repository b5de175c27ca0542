"""Composition: write a brief as one fluent sentence, subject → medium → style → lighting →
colour → composition → mood, and enumerate alternative phrasings cheaply (for an LLM to rank).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from promptsmith.core.analyze import Brief, RewriteRules, with_article

_ARTICLES = frozenset({"a", "an", "the"})
_ENDS_WITH_NOUN = re.compile(r"\b(?:atmosphere|mood|vibes?|feel|feeling|ambien[cs]e|aesthetic|tone|energy)$", re.I)

#: How many candidate phrasings `candidates` yields at most.
MAX_CANDIDATES = 16


def join_list(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.lower()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _subject(brief: Brief, rules: RewriteRules) -> str:
    head = brief.subject[0] if brief.subject else ""
    if brief.adjectives:
        head = ", ".join(brief.adjectives) + (" " + head if head else "")
    phrase = with_article(head, rules.determiners) if head else ""
    details = brief.subject[1:]
    if details:
        phrase = ", ".join([phrase, *details]) if phrase else ", ".join(details)
    if brief.setting:
        phrase = f"{phrase} {' '.join(_dedupe(brief.setting))}".strip()
    return phrase


def _mood_parts(brief: Brief) -> tuple[str, str]:
    """(adjectives for the mood connective, noun phrases that already name a mood)."""
    moods = _dedupe(brief.mood)
    nouns = [with_article(m, _ARTICLES) for m in moods if _ENDS_WITH_NOUN.search(m)]
    adjectives = [m for m in moods if not _ENDS_WITH_NOUN.search(m)]
    return join_list(adjectives), join_list(nouns)


def _medium(brief: Brief) -> str:
    return join_list(_dedupe(brief.medium))


def candidates(brief: Brief, rules: RewriteRules) -> Iterator[str]:
    """Distinct phrasings of the brief; the first is the canonical one (deterministic)."""
    subject = _subject(brief, rules)
    medium = _medium(brief)
    style = join_list(_dedupe(brief.style))
    lighting = join_list(_dedupe(brief.lighting))
    colour = join_list(_dedupe(brief.colour))
    composition = join_list(_dedupe(brief.composition))
    mood, mood_nouns = _mood_parts(brief)
    conn = rules.connectives
    forms = [
        conn.get("style", ("in the style of {x}",)) if style else ("",),
        conn.get("lighting", ("with {x}",)) if lighting else ("",),
        conn.get("colour", ("in {x}",)) if colour else ("",),
        conn.get("composition", ("{x}",)) if composition else ("",),
        conn.get("mood", ("with a {x} atmosphere",)) if mood else (("with {x}",) if mood_nouns else ("",)),
        (False, True) if medium and subject else (False,),
    ]
    seen: set[str] = set()
    for count, (st, li, co, cp, mo, medium_first) in enumerate(itertools.product(*forms)):
        if count >= MAX_CANDIDATES * 4 or len(seen) >= MAX_CANDIDATES:
            return
        sentence = _sentence(brief, subject, medium, medium_first, _fill(st, style), _fill(li, lighting),
                             _fill(co, colour), _fill(cp, composition), _mood(mo, mood, mood_nouns))
        if sentence and sentence not in seen:
            seen.add(sentence)
            yield sentence


def _mood(form: str, adjectives: str, nouns: str) -> str:
    """`with a moody atmosphere`, `with a strong atmosphere`, or both joined."""
    if not adjectives:
        return f"with {nouns}" if nouns else ""
    text = _fill(form, adjectives)
    return f"{text} and {nouns}" if nouns else text


def _fill(form: str, x: str) -> str:
    """Put the phrase into its connective; `a {x}` agrees with it (`an epic atmosphere`)."""
    if not form:
        return ""
    if "a {x}" in form:
        return form.replace("a {x}", with_article(x, _ARTICLES) if x else "")
    return form.format(x=x)


def _sentence(brief: Brief, subject: str, medium: str, medium_first: bool, style: str,
              lighting: str, colour: str, composition: str, mood: str) -> str:
    if brief.shot:
        lead = f"{with_article(brief.shot, frozenset())} of {subject}" if subject else with_article(brief.shot, frozenset())
    else:
        lead = subject
    parts: list[str] = []
    if medium and medium_first and lead:
        # "An oil painting of an old fisherman, …"
        parts.append(f"{medium} of {lead[0].lower() + lead[1:] if brief.shot else lead}")
        if style:
            parts[-1] += f" {style}"
    else:
        if lead:
            parts.append(lead)
        if medium:
            parts.append(medium + (f" {style}" if style else ""))
        elif style:
            parts.append(style)
    if medium_first and not (medium and lead) and style and not parts:
        parts.append(style)
    for piece in (lighting, colour, composition, mood):
        if piece:
            parts.append(piece)
    text = ", ".join(p for p in parts if p)
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", '"')) else text + "."
