"""Credits: who made the picture's style and with what (`by Monet`, `Ghibli style`, `rendered in
Octane`), read from a term, and written into a brief as style names and tools.

The analyzer (`analysis.Analyzer`) decides that a term is a credit; this module says whose, how
the name is written, and whether a name is a tool ("rendered in Octane", never "in the style of
Octane").
"""

from __future__ import annotations

import re

from promptsmith.core.lexicon import Lexicon, normalize
from promptsmith.core.words import CREDIT_SUFFIXES, CREDIT_WORDS, STOP
from promptsmith.rewriters.rules.brief import Brief, Tool
from promptsmith.rewriters.rules.registry import RewriteRules, rewrite_rule

_STYLE_OF = re.compile(
    r"^(?:(?P<lead>.*?)\s+)?(?:in\s+the\s+style\s+of|in\s+the\s+manner\s+of|in\s+style\s+of|art\s+style\s+by|style\s+of|inspired\s+by)\s+(?P<who>.+)$",
    re.I,
)
_BY = re.compile(r"^(?:(?P<lead>.*?)\s+)?by\s+(?P<who>.+)$", re.I)
#: Words before "by" that credit a maker and say nothing else: dropped with the "by" (`art`
#: and `artwork` stay: they read as the medium, `an artwork in the style of …`)
_AUTHORSHIP = CREDIT_WORDS
#: "by" that names no author: `surrounded by flames`, `a castle by the sea`, `lit by candles`
_NOT_AUTHOR_WHO = frozenset(
    "the a an his her their its our my your some many several two three four five night day side"
    " itself himself herself themselves".split()
)
#: "by candlelight", "by moonlight", "by the light of…": light, not a maker.
_LIGHT_SOURCE = re.compile(r"(?:\w*light|neon|torches|lanterns?)(?:\s.*)?")
_PARTICIPLE = re.compile(r"(?:ed|en|lit)$", re.I)
#: A term that credits a maker by a suffix: `Monet style`, `Ghibli-inspired`.
X_STYLE = re.compile(r"^(?P<who>.+?)(?:\s+|-)(?:" + "|".join(CREDIT_SUFFIXES) + r")$", re.I)
#: A term that credits a tool by a verb: `octane rendered`, `made in blender`.
RENDERED = re.compile(
    r"^(?:(?P<a>.+?)\s+rendered|(?:rendered|made|created|done)\s+(?:in|with|using)\s+(?P<b>.+))$", re.I
)
#: The tail of a tool's name no lexicon knows (`frostbite 3 engine`).
TOOL_TAIL = re.compile(r"\b(?:engine|renderer)$", re.I)
_SPLIT_WHO = re.compile(r"\s*(?:,|&|\band\b|\bwith\b)\s*", re.I)
_INITIAL = re.compile(r"^[a-z]\.$")
_NAME = re.compile(r"^(?:[A-ZÀ-Þ][\w'’.-]*)(?:\s+(?:[A-ZÀ-Þ][\w'’.-]*|de|da|van|von|di|del|la|le))*$")
_RENDER_SUFFIX = re.compile(r"\s+(?:render|renderer|engine render)$", re.I)
_NAME_PARTICLES = frozenset("and de van von da di del della la le du des der den ten ter y e st".split())
_WHO_ENDS = frozenset(
    "in on at with under over into onto from through across around near behind beside "
    "sneaking walking standing sitting holding wearing looking running flying riding "
    "while who which that as".split()
)


def split_credit(who: str) -> tuple[str, str]:
    """`Basquiat sneaking up on a boy` → ("Basquiat", "sneaking up on a boy"): a credit names
    makers only; what follows a verb or a preposition describes the picture."""
    words = who.split()
    for k, w in enumerate(words):
        low = w.lower()
        # a capitalized word in -ing after a capitalized one is a surname (`Guy Denning`), not a verb
        verb = low.endswith("ing") and len(low) > 5 and not (w[:1].isupper() and words[k - 1][:1].isupper())
        if k > 0 and low not in _NAME_PARTICLES and (low in _WHO_ENDS or verb):
            return " ".join(words[:k]), " ".join(words[k:])
    return who, ""


def _style_of(term: str, low: str) -> re.Match[str] | None:
    """`in the style of …`, `… inspired by …` and the like; the substring gate first: most terms
    credit nobody, and it costs a fraction of a match."""
    return _STYLE_OF.match(term) if ("style" in low or "manner" in low or "inspired" in low) else None


def credit_of(term: str) -> tuple[str, str] | None:
    """`(lead, who)` when `term` credits a maker (`painting by Monet` → ("painting", "Monet"),
    `directed by Spielberg` → ("", "Spielberg")), None when "by" is a preposition (`surrounded by
    flames`, `a house by the sea`)."""
    low = term.lower()
    m = _style_of(term, low)
    if m is not None:  # "style of by Jordan Grimmer": the maker, without the stray "by"
        return (m.group("lead") or "").strip(), re.sub(r"^by\s+", "", m.group("who").strip(), flags=re.I)
    if "by " not in low:
        return None
    m = _BY.match(term)
    if m is None:
        return None
    who = m.group("who").strip()
    words = who.split()
    if not words or words[0].lower() in _NOT_AUTHOR_WHO or _LIGHT_SOURCE.fullmatch(who.lower()):
        return None
    lead = (m.group("lead") or "").split()
    if lead and lead[-1].lower() in _AUTHORSHIP:
        return " ".join(lead[:-1]), who
    if lead and _PARTICIPLE.search(lead[-1]):
        return None
    return " ".join(lead), who


#: Verbs before "by" that say how the named maker made the work ("directed by Steven Spielberg",
#: "illustrated by Greg Rutkowski"): the brief keeps them with the name (`Credits.authored`).
AUTHORED_VERBS = frozenset(CREDIT_WORDS - {"inspired", "part", "partly", "partially", "mostly", "done", "rendered",
                                          "conceived", "imagined"})


def credit_verb(term: str) -> str | None:
    """For a term `credit_of` reads as a credit: the verb before its "by" ("directed by
    Spielberg" → "directed"), "" for a "by" with no such verb ("painting by Monet", "by Monet"),
    None for a credit without "by" ("in the style of Monet", "inspired by Monet")."""
    if _style_of(term, term.lower()) is not None:
        return None
    m = _BY.match(term)
    if m is None:
        return None
    lead = (m.group("lead") or "").split()
    return lead[-1].lower() if lead and lead[-1].lower() in AUTHORED_VERBS else ""


def is_look(lex: Lexicon, term: str) -> bool:
    """Whether a style term is a look (a movement or an aesthetic: "cyberpunk", "art nouveau"),
    not a maker: the style lexicon gives every maker a display name, and no look one."""
    key = normalize(term)
    return lex.slot(key) == "style" and key not in lex.display


def display_name(lex: Lexicon, name: str) -> str:
    """How to write a credited name: the lexicon's form, the user's own casing, or title case for
    a short lower-case name (never for a long phrase, one with digits or with function words)."""
    key = normalize(name)
    if any(len(w) > 2 and w.isupper() for w in name.split()):
        return name  # Lee SOUDER, STAR WARS: the user's own casing
    if key in lex.display:
        return lex.display[key]
    if name != name.lower():
        return name
    words = name.split()
    if len(words) > 4 or any(not (w.isalpha() or _INITIAL.match(w)) or w in STOP for w in words):
        return name
    return " ".join(w[:1].upper() + w[1:] for w in words)  # "j. c. leyendecker" → "J. C. Leyendecker"


def spell_names(lex: Lexicon, text: str, names: list[str]) -> str:
    """`text` (a brief someone else wrote) with each credited name in `names` written as the
    rules engine writes it (`display_name`): "Thomas Kindkade" → "Thomas Kinkade", "Salvador
    Dali" → "Salvador Dalí", "Stanley Artgerm Lau" → 'Stanley "Artgerm" Lau'. Only the lexicon's
    spellings of those names are looked for; a name it does not know stays as written, but never
    split by a comma ("Kuvshinov, Ilya" → "Kuvshinov Ilya")."""
    for name in names:  # "Kuvshinov, Ilya": one name, not two
        words = name.split()
        if len(words) > 1 and "," in text:
            split = re.compile(r"(?<!\w)" + r",\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)
            text = split.sub(lambda m: " ".join(w.strip() for w in m.group().split(",")), text)
    wanted = set(names)
    spellings = sorted((k for k, v in lex.display.items() if v in wanted), key=len, reverse=True)
    if not spellings:
        return text
    pattern = re.compile(r"(?<![\w\"])(?:" + "|".join(
        r"\s+".join(re.escape(w) for w in k.split()) for k in spellings) + r")(?![\w\"])", re.IGNORECASE)
    return pattern.sub(lambda m: lex.display.get(normalize(m.group()), m.group()), text)


class Credits:
    """Writes a brief's credits with the lexicons and the rule set: makers as style names, tools
    as "rendered in X" or "made in X"."""

    def __init__(self, rules: RewriteRules, lex: Lexicon) -> None:
        self.rules = rules
        self.lex = lex

    def artists(self, who: str) -> list[str]:
        """The makers a credit names (`a, b & c`), each written as `display_name` writes it."""
        names = (" ".join(w.strip("()[] ").split()) for w in _SPLIT_WHO.split(who))  # `( ( ( kuvshinov ilya ) ) )`
        return [display_name(self.lex, n) for n in names if n]

    def lower_case_name(self, term: str) -> bool:
        """Whether a term of 2–4 words the lexicons do not know reads as a person's name in the
        user's lower case (`tom bagshaw`, `j. c. leyendecker`, `howard v brown`): a known first
        name, or initials, before a surname."""
        words = term.split()
        if not 2 <= len(words) <= 4 or self.lex.slot(term) not in (None, "style"):
            return False
        low = [w.lower() for w in words]
        initials = all(_INITIAL.match(w) for w in low[:-1]) and low[-1].isalpha()
        return initials or (low[0] in self.rules.first_names and all(w.isalpha() for w in low))

    def names_go_on(self, term: str) -> bool:
        """Whether a term right after a credit goes on with its list of makers: a name
        (`Chéri Hérouard`), or names joined by "and" of which the lexicon knows one as a style
        (`tan zi and ayanamikodon and alphonse mucha and wlop`)."""
        lex = self.lex
        words = term.split()
        if len(words) <= 3 and _NAME.match(term) and lex.slot(term) in (None, "style"):
            return True
        if self.lower_case_name(term):
            return True
        parts = [p for p in _SPLIT_WHO.split(term) if p]
        return (
            len(parts) > 1
            and all(len(p.split()) <= 3 and lex.slot(p) in (None, "style") for p in parts)
            and any(lex.slot(p) == "style" for p in parts)
        )

    def credit_names(self, names: list[str], brief: Brief) -> None:
        """Style names, with tools among them credited as tools."""
        for name in names:
            key = normalize(name)
            if self.lex.slot(key) == "tool":
                self.tool(name, brief)
            else:
                self.style(name, key, brief)

    def style(self, name: str, term: str, brief: Brief) -> None:
        """Credit `name` (as written in the brief) for the prompt's `term`, noting whether it is a
        look rather than a maker (`Brief.looks`)."""
        brief.style.append(name)
        if is_look(self.lex, term):
            brief.looks.add(name)

    @rewrite_rule("authored-credit", "analysis")
    def authored(self, term: str, after_medium: bool, names: list[str], brief: Brief) -> None:
        """A maker the prompt names after a medium or a verb is the work's author, not a style to
        imitate: the brief keeps "by" ("painting by rene magritte" → "a painting by René
        Magritte", "directed by steven spielberg" → "directed by Steven Spielberg"). A bare "by"
        (`castle, by greg rutkowski`) is a style reference, written "in the style of …". Only the
        first such credit, and only while the brief credits no other maker (`compose`)."""
        if not self.rules.on("authored-credit") or brief.authored or not names:
            return
        verb = credit_verb(term)
        if verb is not None and (verb or after_medium):
            brief.authored = (verb, tuple(names))

    @rewrite_rule("render-engine-credit", "analysis")
    def tool(self, term: str, brief: Brief) -> None:
        """A render engine or tool is not a style: it is credited once, as "rendered in Octane" or
        "made in Photoshop"."""
        key = normalize(term)
        if not self.rules.on("render-engine-credit"):
            brief.style.append(self.lex.display.get(key) or term)
            return
        name = self.lex.display.get(key) or term
        verb = self.lex.verb.get(key) or ("made in" if key.startswith("made in ") else "rendered in")
        if verb == "rendered in":  # "rendered in Octane", not "rendered in Octane Render"
            name = _RENDER_SUFFIX.sub("", name) or name
        if all(t.name.lower() != name.lower() for t in brief.tools):
            brief.tools.append(Tool(name, verb))
        brief.applied.append(("render-engine-credit", term, f"{verb} {name}"))
