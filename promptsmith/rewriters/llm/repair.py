"""Deterministic repairs of a trained draft the guard rejected for a term said twice (or a word
said more often than the prompt says it) or dropped.

A draft that reads well but says one term twice, or leaves one credit out, is closer to what a
skilled writer would sign than the rules brief that would replace it. Each repair is plain text
surgery, and the guard judges the repaired draft again, so a repair can never let through what
the guard refuses:

- **said twice** (`unsay`): a later repeat of a term goes when it stands alone: a list item
  (", X", " and X"), a phrase after a preposition (", in cinematic lighting") or a word straight
  after itself ("an elegant, elegant pose"); or the earlier goes, when it is a list item and the
  later is bound in a phrase ("A powerful, incredibly powerful girl"). Words said more often than
  the prompt says them go as the run they repeat in ("Hans Emmenegger, Hans Emmenegger");
- **dropped** (`restore`): a dropped name joins the draft's list of the prompt's other credited
  names ("by A, B and C" → "by A, B, C and D"); another dropped term is added to the end of the
  last sentence in the rules engine's own wording of it (its clause in the rules brief), after
  "with" when the rules brief words it among other terms, or, for a light or colour term, in its
  slot's connective ("in vibrant colors").

Each repair says what it did, in words `--explain`, JSON and the TUI show.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

from promptsmith.core.spelling import fold
from promptsmith.core.words import STOP, WORD, phrase_pattern
from promptsmith.rewriters.english import COLOUR_NOUN, agree_articles, join_list, strip_article, tidy_sentences
from promptsmith.rewriters.rules.brief import Brief
from promptsmith.rewriters.rules.compose import fill_connective, light_forms

#: What may stand before a repeat for it to go with it: a list's comma or "and", or a preposition.
_LEAD = re.compile(r"(?:,\s*(?:and\s+)?|,?\s+(?:with|in|and)\s+)(?:(?:a|an|the)\s+)?$", re.I)
#: What must follow a repeat for it to stand alone: a clause's end.
_TRAIL = re.compile(r"\s*(?:[,.;!?]|and\b|$)")
#: A sentence's end, where an addition goes before.
_END = re.compile(r"[.!?]+[\"”]?\s*$")
#: The prepositions a credit is written after in the prompt.
_CREDIT_LEAD = re.compile(r"^(by|art by|in the style of|style of)\s+", re.I)


def _folded(text: str) -> list[str]:
    return [fold(w) for w in WORD.findall(text)]


def _contains(haystack: str, needle: str) -> bool:
    """Whether `needle`'s words (folded: case, accents, plurals) run together in `haystack`."""
    h, n = _folded(haystack), _folded(needle)
    return bool(n) and any(h[i:i + len(n)] == n for i in range(len(h) - len(n) + 1))


def unsay(draft: str, term: str) -> str | None:
    """`draft` with the later repeats of `term` taken out (or an earlier one, when the later is
    bound in a phrase and the earlier is a list item), or None when one cannot go cleanly."""
    hits = list(phrase_pattern(term).finditer(draft))
    if len(hits) < 2:
        return None
    text = draft
    for previous, m in reversed(list(itertools.pairwise(hits))):
        before, after = text[:m.start()], text[m.end():]
        between = text[previous.end():m.start()]
        if re.fullmatch(r",?\s*", between):  # "an elegant, elegant pose"
            text = before[:previous.end()] + after
            continue
        lead = _LEAD.search(before)
        if lead is None or not _TRAIL.match(after):
            # the later one is bound in a phrase; the earlier goes when it is a list item of its
            # own, first in the draft or after a comma: "A powerful, incredibly powerful girl" →
            # "An incredibly powerful girl" (not "for an AAA game, …": the article would stay)
            head = text[:previous.start()]
            if len(hits) == 2 and re.fullmatch(r"(?:(?:a|an|the)\s+)?|.*,\s+", head, re.I | re.S) \
                    and text.startswith(", ", previous.end()):
                text = agree_articles(head + text[previous.end() + 2:])
                continue
            return None
        kept = before[:lead.start()]
        if "and" in lead.group().lower() and re.match(r"\s*[.;!?]|\s*$", after):
            # "A, B and A." → "A and B.": the list's last comma becomes its "and"
            clause = re.split(r"[.;!?]\s", kept)[-1]
            comma = clause.rfind(", ")
            if comma >= 0 and "," not in clause[comma + 2:] and len(clause[comma + 2:].split()) <= 5:
                at = len(kept) - len(clause) + comma
                kept = kept[:at] + " and " + kept[at + 2:]
        text = kept + after
    return tidy_sentences(text)


#: A clause of the rules brief that can stand at the end of a sentence on its own.
_CLAUSE_LEAD = re.compile(r"^(?:in|with|under|rendered in|made in|shot on|lit by|against)\s", re.I)
#: Words that cannot open what follows a clause's preposition ("with with", "in full of").
_NOT_AFTER_LEAD = frozenset("with in of full and by for to".split())
#: The last word of a name that is a style, not a maker ("Pop Art", "Neo-Gothic").
_STYLE_TAIL = re.compile(r"(?:art|style|ism|punk|core|wave|gothic|design|painting|vintage|aesthetic)$", re.I)
#: At most this many terms are put back into one draft: a draft that dropped more is not close.
MAX_RESTORED = 2


def _maker(name: str, term: str, brief: Brief) -> bool:
    """Whether a credited `name` reads as a maker's: the prompt credits it ("by X"); or it is two
    or more capitalised words that do not end like a style; or one word in a run of the prompt's
    terms that credit makers ("by ross tran, artgerm, marc simonetti")."""
    if _CREDIT_LEAD.match(term):
        return True
    words = name.split()
    if len(words) > 1:
        return all(w[:1].isupper() for w in words) and not _STYLE_TAIL.search(name)
    texts = [t.text for t in brief.terms]
    at = texts.index(term) if term in texts else -1
    near = texts[max(0, at - 1):at] + texts[at + 1:at + 2] if at >= 0 else []
    return any(_CREDIT_LEAD.match(t) or any(_contains(t, s) and len(s.split()) > 1 for s in brief.style) for t in near)


_GLUE = frozenset("a an the with in of by and on under against rendered made shot lit style".split())


def _says_again(draft: str, added: str, piece: str) -> bool:
    """Whether `added` brings back a word the draft has already said besides the dropped `piece`
    ("…bright studio setting" to a draft with "a studio setting")."""
    said = set(_folded(draft))
    return any(w in said for w in set(_folded(added)) - set(_folded(piece)) - _GLUE)


#: The slots whose lone term the rules engine's connective words well at a sentence's end (a
#: composition's, "centered", is left out: blind judges preferred the rules brief to the drafts it
#: let through).
_CONNECTED = ("lighting", "colour")


def restore(draft: str, piece: str, brief: Brief, rules_brief: str,
            connectives: Mapping[str, Sequence[str]] | None = None) -> tuple[str, str] | None:
    """`draft` with the dropped `piece` of a term put back, and how; None when no place is sure:

    - a maker's name the draft dropped from its credits joins that list ("by A and B" → "by A, B
      and C"), or, when the draft credits no other, ends the last sentence ("…, by C");
    - a thing the rules engine lists among the subject's (an object, a feature) ends it "with X";
    - a term the rules brief words in a clause of its own ("in high contrast", "rendered in
      Octane") ends it in that clause;
    - a whole light or colour term ends it in its slot's first connective (given the rules
      engine's `connectives`): "in vibrant colors", "with rim light"."""
    term = next((t.text for t in brief.terms if _contains(t.text, piece)), "")
    name = next((s for s in brief.style if _contains(s, piece) and s[:1].isupper()), None)
    if name is not None:
        if not _maker(name, term, brief) or _says_again(draft, name, piece):
            return None
        credited = [s for s in brief.style if s != name and _contains(draft, s)]
        credits_said = (m for s in credited for m in phrase_pattern(s).finditer(draft))
        last = max(credits_said, key=lambda m: m.end(), default=None)
        if last is not None:
            before = draft[:last.start()]
            if before.endswith(" and "):  # "by A and B" → "by A, B and C"
                text = f"{before[:-5]}, {draft[last.start():last.end()]} and {name}{draft[last.end():]}"
            else:
                text = f"{draft[:last.end()]} and {name}{draft[last.end():]}"
            return text, f"added {name} to the draft's credits"
        lead = _CREDIT_LEAD.match(term)
        credit = f"{'in the style of' if lead and 'style' in lead.group(1).lower() else 'by'} {name}"
        return _append(draft, credit), f"added '{credit}' at the end"
    tool = next((t for t in brief.tools if _contains(term, t.name)), None) if term else None
    if tool is not None:
        said = re.search(rf"\b{tool.verb} ([^,.;]+)", draft)
        if said and " and " not in said.group(1):  # "rendered in Unreal Engine" → "… and Octane"
            return f"{draft[:said.end()]} and {tool.name}{draft[said.end():]}", f"added {tool.name} to '{tool.verb}'"
        clause = f"{tool.verb} {tool.name}"
        return _append(draft, clause), f"added '{clause}' at the end"
    in_place = _between(draft, piece, term)
    if in_place is not None:
        return in_place
    thing = next((t for t in (*brief.objects, *brief.features) if _contains(t, piece)), None)
    place = next((t for t in brief.setting if _contains(t, piece)), None)
    if thing is not None and len(_folded(thing)) <= len(_folded(piece)) + 2 and " and " not in thing \
            and strip_article(thing).split()[0].lower() not in _NOT_AFTER_LEAD \
            and (" " in thing or thing.endswith("s")):  # "with face" reads as a slip; "with pine trees" does not
        clause = f"with {thing}"
    elif place is not None and len(_folded(place)) <= len(_folded(piece)) + 3:
        clause = place
    else:
        clause = next((c.strip() for c in re.split(r"[,.;]\s*", rules_brief) if _contains(c, piece)), "")
        lead = _CLAUSE_LEAD.match(clause)
        rest = clause[lead.end():].split() if lead else []
        if not lead or not rest or rest[0].lower() in _NOT_AFTER_LEAD or len(_folded(clause)) > len(_folded(piece)) + 3:
            clause = _connected(piece, brief, connectives or {})
            if not clause:
                return None
    if _says_again(draft, clause, piece):
        return None
    if clause[:1].isupper():
        clause = clause[:1].lower() + clause[1:]
    return _append(draft, clause), f"added '{clause}' at the end"


#: Words that make a piece a clause of its own ("which are also"), not a modifier to put back.
_CLAUSE_WORDS = frozenset("which who whom whose that also is are was were be been being has have had".split())


_QUOTES = frozenset("\"“”'‘’")


def _between(draft: str, piece: str, term: str) -> tuple[str, str] | None:
    """`draft` with a dropped modifier put back between the words it stood between in the prompt's
    term ("a futuristic cyberpunk Nezha": "A futuristic Nezha" → "A futuristic cyberpunk Nezha";
    "an oil on canvas portrait": "an oil portrait" → "an oil on canvas portrait"), or before the
    words it stood before when it opened the term ("scifi cargo spaceship": "of a cargo spaceship"
    → "of a scifi cargo spaceship"); None unless that place is in the draft exactly once, away from
    a sentence's start, and the piece is not quoted text. A piece that ended its term has no sure
    place (the noun it followed may carry other words now) and is not put back here."""
    words = list(WORD.finditer(term))
    folded, wanted = [fold(m.group()) for m in words], _folded(piece)
    if not wanted or len(wanted) > 3 or all(w in STOP for w in wanted) or _CLAUSE_WORDS & set(wanted):
        return None
    at = next((i for i in range(len(folded) - len(wanted) + 1) if folded[i:i + len(wanted)] == wanted), None)
    if at is None:
        return None
    start, end = at, at + len(wanted)
    while start > 0 and words[start - 1].group().lower() in STOP - {"a", "an", "the"}:
        start -= 1  # "canvas" dropped with the "on" before it: "on canvas" goes back
    left = folded[start - 1] if start else None
    right = folded[end:end + 2]
    if not right or right[0] in STOP:
        return None
    said = list(WORD.finditer(draft))
    said_folded = [fold(m.group()) for m in said]
    places = [j for j in range(len(said) - len(right) + 1)
              if said_folded[j:j + len(right)] == right
              and (left is None or (j and said_folded[j - 1] == left
                                    and draft[said[j - 1].end():said[j].start()] == " "))]
    if len(places) != 1 or re.search(r"(?:^|[.!?]\s*)$", draft[:said[places[0]].start()]):
        return None
    j = places[0]
    if left is None and len(right) < 2 and j and said_folded[j - 1] not in STOP:
        return None  # "ccean life" into "marine life": the one word it stood before has another modifier now
    cut = said[j].start()
    a, b = words[start].start(), words[end - 1].end()
    if term[a - 1:a] in _QUOTES or term[b:b + 1] in _QUOTES:
        return None  # quoted text goes back as written, marks and all, or not here
    phrase = term[a:b]
    text = agree_articles(f"{draft[:cut]}{phrase} {draft[cut:]}")
    return text, f"put '{phrase}' back before '{said[j].group()}'"


def _connected(piece: str, brief: Brief, connectives: Mapping[str, Sequence[str]]) -> str:
    """A whole light or colour term in its slot's first connective ("in vibrant colors"); "" for
    another piece (part of a term, another slot, a colour without its noun)."""
    words = _folded(piece)
    term = next((t for t in brief.terms if _folded(t.text) == words), None) if words else None
    if term is None or term.slot not in _CONNECTED or not connectives.get(term.slot) \
            or words[0] in _NOT_AFTER_LEAD:  # "in full of colour"
        return ""
    if term.slot == "colour" and not COLOUR_NOUN.search(piece):
        return ""  # "in teal" reads as a place
    if piece[:1].isupper() and piece[1:2].islower():
        piece = piece[:1].lower() + piece[1:]  # a keyword list's capital, not a name's: "Vibrant colors"
    forms = light_forms([piece], connectives[term.slot]) if term.slot == "lighting" else connectives[term.slot]
    return fill_connective(forms[0], piece)


def _append(draft: str, phrase: str) -> str:
    end = _END.search(draft)
    cut = end.start() if end else len(draft)
    return f"{draft[:cut]}, {phrase}{draft[cut:] if end else '.'}"


def one_credit_list(draft: str, names: Sequence[str], source: str) -> str:
    """`draft` with its credits written as one list:

    - a list split in two goes back together, when the prompt credits them all alike (it says no
      "style of"): "by A, B and C, in the style of D and E" → "by A, B, C, D and E" (the split
      reads as a difference the user never made);
    - a run of names chained with "and" becomes a list: "A and B and C" → "A, B and C";
    - a run of makers ("by …") that ends its sentence with commas alone gets its "and": "by A, B."
      → "by A and B." (one that runs on into other items may be part of a longer list, and stays)."""
    if not names:
        return draft
    name = "(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + ")"
    run = rf"{name}(?:(?:,\s+|,?\s+and\s+){name})*"

    def items(*groups: str) -> list[str]:
        return [i for g in groups for i in _LIST_ITEM.split(g)]

    if not re.search(r"\bstyle\s+of\b", source, re.I):
        split = re.compile(rf"\bby\s+({run}),?\s+in\s+the\s+(?:style|manner)\s+of\s+({run})(?![\w'’-])", re.I)
        draft = split.sub(lambda m: "by " + join_list(items(*m.groups())), draft)
    chained = re.compile(rf"(?<![\w'’-]){run}(?![\w'’-])", re.I)

    def listed(m: re.Match[str]) -> str:
        names, rest = m.group(), draft[m.end():]
        ends = re.match(r"\s*(?:[.;!?]|$)", rest) is not None  # the run ends its sentence
        # makers after "by" only: "in the style of Reply of the Zaporozhian Cossacks, Ilya Repin"
        # names a work and its painter
        commas_only = " and " not in names.lower() and "," in names and draft[:m.start()].endswith("by ")
        return join_list(items(names)) if names.lower().count(" and ") > 1 or (commas_only and ends) else names

    return chained.sub(listed, draft)


_LIST_ITEM = re.compile(r",\s+(?:and\s+)?|,?\s+and\s+", re.I)


def repeated_runs(draft: str, words: Sequence[str]) -> list[str]:
    """The runs of `words` (said too often) as the draft says them, each a phrase said again:
    "Hans Emmenegger" for 'hans' and 'emmenegger' in "…, Hans Emmenegger, Hans Emmenegger and…";
    longest first."""
    wanted = {w.lower() for w in words}
    runs: list[str] = []
    start = end = -1
    for m in [*WORD.finditer(draft), None]:
        if m is not None and m.group().lower() in wanted and (end < 0 or draft[end:m.start()] in (" ", "-")):
            start, end = (m.start() if end < 0 else start), m.end()
            continue
        if end >= 0 and draft[start:end] not in runs:
            runs.append(draft[start:end])
        start = end = -1
        if m is not None and m.group().lower() in wanted:
            start, end = m.start(), m.end()
    return sorted(runs, key=len, reverse=True)


def repair(draft: str, dropped: Sequence[str], twice: Sequence[str], brief: Brief | None,
           rules_brief: str, more: Sequence[str] = (),
           connectives: Mapping[str, Sequence[str]] | None = None) -> tuple[str, list[str]] | None:
    """`draft` with each term said twice (or run of words said more often than the prompt says
    them, `more`) said once and each dropped piece put back, and what was done; None when a
    repair has no sure place (the guard judges the result either way)."""
    text, done = draft, []
    for term in [*twice, *(r for r in repeated_runs(draft, more) if not any(_contains(t, r) for t in twice))]:
        if len(phrase_pattern(term).findall(text)) < 2 and term not in twice:
            continue  # gone with a longer run
        unsaid = unsay(text, term)
        if unsaid is None:
            return None
        text = unsaid
        done.append(f"said '{term}' once")
    if len(dropped) > MAX_RESTORED:
        return None
    for piece in dropped:
        if brief is None:
            return None
        restored = restore(text, piece, brief, rules_brief, connectives)
        if restored is None:
            return None
        text, how = restored
        done.append(how)
    return (text, done) if done else None
