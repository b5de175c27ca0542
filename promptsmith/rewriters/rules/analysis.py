"""Analysis: read a text part's ledger terms into a brief, attaching each to what it describes.

The ledger (`promptsmith.core.terms`) says what the terms are; analysis says what each does in
the picture: the subject's head and its attributes (adjectives, "with" features, clothing worn,
phrases attached as written, setting), the medium, the style credits, the tools, lighting,
colour, composition and mood. Known terms come from the lexicons in `rules/lexicon/`; unknown
ones get heuristics ("X lighting" is lighting, "by X" is style, "…mm" is camera, a term whose head
is "painting" is a medium); what is still unknown stays on the subject, never guessed away.

Why over 400 lines: the Analyzer is one pass that gives every term of a prompt its slot; its
heuristics read one another's results, and the credits, the brief and the English grammar already
live in their own modules.
"""

from __future__ import annotations

import re
from functools import cached_property

from promptsmith.core.filler import trim_connectives as tidy
from promptsmith.core.lexicon import Lexicon, load_lexicon, normalize
from promptsmith.core.spelling import dialect, respell
from promptsmith.core.terms import Term, ledger
from promptsmith.core.words import STOP
from promptsmith.rewriters.english import join_list, strip_article, with_article
from promptsmith.rewriters.rules.brief import BRIEF_SLOTS, AnalysedTerm, Brief
from promptsmith.rewriters.rules.credits import (
    RENDERED,
    TOOL_TAIL,
    X_STYLE,
    Credits,
    credit_of,
    display_name,
    split_credit,
)
from promptsmith.rewriters.rules.registry import RewriteRules, declare_rule, load_rewrite_rules

_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|being|been)\b", re.I)
_CAMERA = re.compile(r"\b\d{2,3}\s?mm\b|\bf\s?/\s?\d|\biso\s?\d|\b1/\d+s?\b|\blens\b|\bshot on\b|\bcamera\b", re.I)
_LIGHT = re.compile(
    r"\b(?:light|lights|lighting|lit|glow|glowing|illumination|shadows?|sunlight|moonlight|backlit|backlight)$", re.I
)
_COLOUR = re.compile(
    r"\b(?:colou?rs?|colou?red|tones?|palette|hues?|saturation|monochrom\w*|grayscale|greyscale)$", re.I
)
_MOOD = re.compile(r"\b(?:atmosphere|mood|vibes?|feeling|ambience|ambiance)$", re.I)
#: A thing, then the light it is seen by ("cat by moonlight"; not "lit by moonlight").
_THING_BY_LIGHT = re.compile(r"^(?!.*\b(?:lit|illuminated|backlit|lighted)\s+by\b).*\w\s+by\s+\w*light$", re.I)
_SHAPES = ((_CAMERA, "composition"), (_LIGHT, "lighting"), (_COLOUR, "colour"), (_MOOD, "mood"))
_OPEN_NP = re.compile(r"(?:^|\s)(?:a|an|the)\s+(?P<adj>[^\s,]+(?:\s+[^\s,]+){0,2})$", re.I)
_INTENSIFIER_WORDS = frozenset(
    "very super extremely highly slightly insanely incredibly absolutely ultra so too quite rather fairly".split()
)
_PARTICIPLE_PREPOSITIONS = frozenset(
    "in on at from by with into onto under over through across against "
    "above below behind beneath inside outside along among around".split()
)
#: Past participles that do not end in -ed ("drawn on paper", "carved from stone" has -ed).
_IRREGULAR_PARTICIPLES = frozenset(
    "drawn made done seen shown taken written built woven sewn frozen broken hidden "
    "fallen lit shot cast set held caught split spun bound grown thrown".split()
)
_SD_TAIL = re.compile(r":\s*-?\d+(?:\.\d+)?\)+$")
_YEAR = re.compile(r"^(?:1[5-9]\d\d|20\d\d)s?$")
_ADJ_SUFFIX = re.compile(r"(?:y|ful|ous|ic|al|ive|ish|less|able|ible|ed|ant|ent|ly|esque|like|ing|ate|ern|ian)$", re.I)
_NOT_ADJ = frozenset(
    "body lady baby boy city sky eye key toy guy army party fairy kitty puppy bunny pony "
    "family country story valley alley monkey donkey turkey jelly belly berry cherry "
    "animal crystal metal petal pedal portal spiral signal royal festival "
    "ocean island king queen ring wing thing string spring building painting drawing "
    "ceiling clothing wedding pudding dumpling plate gate state pirate chocolate crate date skate "
    "candidate primate magistrate cavern lantern pattern tavern civilian guardian musician "
    "librarian comedian magician technician historian thing restaurant plant elephant student parent "
    "serpent tent agent element merchant servant tyrant infant peasant president client "
    "patient giant".split()
)


#: Words in -ive of seven letters or more that are things, not qualities.
_IVE_NOUNS = frozenset(
    "detective executive relative captive archive locomotive explosive adhesive directive "
    "incentive perspective objective alternative initiative narrative operative representative "
    "sedative preservative additive collective offensive defensive negative positive".split()
)


def _single_adjective(word: str) -> bool:
    """A one-word term that reads as an adjective: stricter than inside a phrase (`swelling`,
    `hive`, `ossuary` are things; `seductive`, `massive` are qualities)."""
    low = word.lower()
    return (
        (_looks_adjective(word) and not low.endswith(("ing", "ary", "ive", "ery", "ory")))
        or low.endswith(("ous", "ful", "ic", "ical", "esque", "ish", "less"))
        or (
            low.endswith("ive") and len(low) >= 7 and low.isalpha() and low not in _IVE_NOUNS and not word[:1].isupper()
        )
    )


#: A thing described by a participle and its object, then a medium with no comma before it: "a
#: hotdog made of human eyes photo", "a vase carved from jade painting".
_GLUED_MEDIUM = re.compile(
    r"^(?P<thing>.*?\b(?:\w+(?:ed|en)|made|built|cast|set|spun|lit)\s+(?:of|from|in|with|by|out of)\s+"
    r"(?!(?:an?|the|my|his|her|their)\s+\w+$)[^,]*?\w)"
    r"\s+(?P<medium>\w+)$",
    re.I,
)
_MEDIUM_OF = re.compile(r"^(?:(?:an?|the)\s+)?(?P<medium>[\w -]+?)\s+of\s+\S", re.I)
#: Adjectives in a vowel and "y": the ending is a noun's otherwise (chimney, trolley, boy, tray).
_VOWEL_Y_ADJECTIVES = frozenset("grey gooey clayey homey pricey dopey phoney gamey matey mopey".split())


def _looks_adjective(word: str) -> bool:
    low = word.lower()
    return (
        bool(_ADJ_SUFFIX.search(low))
        and low not in _NOT_ADJ
        and (not low.endswith(("ay", "ey", "oy", "uy")) or low in _VOWEL_Y_ADJECTIVES)
        and not word[:1].isupper()
        and len(low) > 3
        and not low.endswith(("ment", "ist"))
    )


declare_rule(
    "filler-quality-token",
    "analysis",
    "Quality tokens (8k, masterpiece, trending on artstation…) describe nothing; v6 reads them as noise.",
)
declare_rule(
    "negation-to-no", "analysis", "'no X' in the text puts X in front of the text encoder; --no X weights it at −0.5."
)
declare_rule(
    "sd-weight-syntax",
    "analysis",
    "Stable Diffusion weights (`((x))`, `(x:1.3)`, `[a:b:0.6]`) are plain text to Midjourney: the words stay, "
    "the syntax goes.",
)


class Analyzer:
    """Reads ledger terms into a brief with the lexicons, the rule set's word lists and heuristics."""

    def __init__(self, rules: RewriteRules | None = None, lexicon: Lexicon | None = None) -> None:
        self.rules = rules or load_rewrite_rules()
        self.lex = lexicon or load_lexicon()
        self.credits = Credits(self.rules, self.lex)

    # -- helpers ---------------------------------------------------------------------------------
    def _phrase(self, term: str, brief: Brief) -> str:
        """The lexicon's phrase for a term in the user's spelling, or ""."""
        phrase = self.lex.phrase.get(normalize(term), "")
        return respell(phrase, brief.spelling, term) if phrase else ""

    def _last_word(self, term: str) -> str:
        return term.rsplit(None, 1)[-1].lower().strip(".,;:!?") if term.strip() else ""

    # -- one term --------------------------------------------------------------------------------
    def classify(self, term: str, brief: Brief) -> None:
        """Put one term into the brief (possibly split across slots)."""
        lex = self.lex
        slot = lex.slot(term)
        if slot is not None:
            self._put(slot, term, brief)
            brief.after_style = slot == "style"
            return
        if term.lower().startswith("from ") and len(term.split()) > 1 and (brief.head or brief.prose):
            brief.terms.append(
                AnalysedTerm(term, "subject")
            )  # "evelyn, from league of legends": where the subject is from
            brief.attached.append(term)
            return
        credit = credit_of(term)
        if credit is None and brief.credited and term.lower().startswith(("and ", "& ")):
            credit = ("", term.split(None, 1)[1] if len(term.split()) > 1 else "")  # `…, and mark brooks`
        if credit is None and (
            (brief.last_credit and self.credits.names_go_on(term))
            or (brief.after_style and self.credits.lower_case_name(term))
        ):
            credit = ("", term)  # `in the style of Armand Vallée, Chéri Hérouard, …`: the list goes on
        brief.last_credit = brief.after_style = False
        if credit is not None and credit[1]:
            lead, who = credit
            who, rest = split_credit(who)
            # `photo by Julius Shulman`: the lead is the medium, whatever `tidy` drops as a remnant
            lead = tidy(lead) or (lead.strip() if lead.strip().lower() in self.rules.medium_set else "")
            media = len(brief.medium)
            if lead:
                self.classify(lead, brief)
            styles = len(brief.style)
            self.credits.credit_names(self.credits.artists(who), brief)
            self.credits.authored(term, len(brief.medium) > media, brief.style[styles:], brief)
            brief.credited = brief.last_credit = True
            brief.terms.append(AnalysedTerm(term, "style"))
            if rest:
                self._subject(rest, brief)
            return
        m = X_STYLE.match(term) if term.lower().endswith(("style", "inspired", "aesthetic", "themed")) else None
        who_slot = lex.slot(m.group("who")) if m else None
        if m and (
            who_slot == "style"
            or (who_slot is None and len(m.group("who").split()) <= 3 and " and " not in m.group("who"))
        ):
            if m.group("who").lower() in self.rules.adjectives:
                self._subject(m.group("who"), brief)  # "fantasy style": a fantasy …
                return
            self.credits.credit_names([display_name(lex, m.group("who"))], brief)
            brief.terms.append(AnalysedTerm(term, "style"))
            return
        low = term.lower()
        rules = self.rules
        if (
            not brief.shot
            and low.endswith(rules.shot_endings)
            and not any(low.endswith(" " + s) and s in brief.head.lower() for s in rules.shots)
        ):
            for shot in rules.shots:  # longest first
                if low.endswith(" " + shot):
                    brief.shot = shot
                    self.classify(term[: -len(shot)].strip(), brief)
                    return
        if low in rules.shots and not brief.shot:
            if low not in brief.head.lower():
                brief.shot = term  # "portrait" alone: A portrait of …
            brief.terms.append(AnalysedTerm(term, "composition"))
            return
        m = RENDERED.match(term) if ("render" in low or "made " in low or "created " in low or "done " in low) else None
        if m:
            who = m.group("a") or m.group("b")
            if lex.slot(who) == "tool" or TOOL_TAIL.search(who) or who.lower().startswith("unreal"):
                self.credits.tool(who, brief)  # "octane rendered", "rendered in unreal 5"
                brief.terms.append(AnalysedTerm(term, "style"))
                return
        if TOOL_TAIL.search(term) and len(term.split()) <= 4 and (brief.head or lex.slot(term.split()[0]) == "tool"):
            # "frostbite 3 engine" after the subject, or "octane engine" anywhere: a tool no lexicon knows
            self.credits.tool(term, brief)
            brief.terms.append(AnalysedTerm(term, "style"))
            return
        if len(term.split()) >= 5 and self._glued_tail(term, brief):
            return  # "Samurai riding a horse in a snowy forest Cinematic lighting": a comma left out
        for shape, slot in _SHAPES:  # "…mm" is camera, "X lighting" lighting, "X tones" colour …
            if slot == "lighting" and _THING_BY_LIGHT.search(term):
                continue  # "cat by moonlight": a cat, seen by moonlight (the subject says it whole)
            if shape.search(term):
                self._put(slot, term, brief)
                return
        if low.endswith(rules.medium_endings) or low in rules.medium_set:
            glued = _GLUED_MEDIUM.match(term)
            if glued and glued.group("medium").lower() in rules.medium_set and not brief.head:
                # "a hotdog made of human eyes photo": a thing, then the medium with its comma left out
                self._subject(glued.group("thing"), brief)
                self._put("medium", glued.group("medium"), brief)
                return
            self._put("medium", term, brief)
            return
        found = lex.find(term)
        if (
            found
            and found[-1].slot == "setting"
            and found[-1].end == len(term)
            and found[-1].start > 0
            and len(found[-1].term.split()) >= 2
            and (brief.head or found[-1].start > 0)
        ):
            # "tshirt women WHITE BACKGROUND": the thing, then where it is
            rest, place = term[: found[-1].start].strip(" ,"), term[found[-1].start :]
            if rest and not any(w.lower() in STOP for w in rest.split()) and not _VERB.search(rest):
                self.classify(rest, brief)
                self._put("setting", place, brief)
                return
        # a term made only of known words of one slot ("neon cyan magenta" → colour)
        if found and sum(m.end - m.start for m in found) >= len(term.replace(" ", "")) * 0.8:
            slots = {m.slot for m in found}
            if len(slots) == 1:
                self._put(slots.pop(), term, brief)
                return
        self._subject(term, brief)

    def _glued_tail(self, term: str, brief: Brief) -> bool:
        """Split a long term that ends in a known lighting, colour or mood phrase of two words or
        more, after at least three words of something else: the user left out a comma."""
        found = self.lex.find(term)
        if not found:
            return False
        last = found[-1]
        if last.slot not in ("lighting", "colour", "mood") or last.end != len(term) or len(last.term.split()) < 2:
            return False
        rest = term[: last.start].strip(" ,")
        if len(rest.split()) < 3:
            return False
        self.classify(rest, brief)
        self._put(last.slot, term[last.start :], brief)
        return True

    @cached_property
    def _common_words(self) -> frozenset[str]:
        """Words that are not names: those of the lexicons' terms (styles and tools left out,
        they are names), the rule set's adjectives, medium heads and shots, and stop words."""
        words = {w for t, slot in self.lex.slot_of_term.items() if slot not in ("style", "tool") for w in t.split()}
        words.update(self.rules.adjectives, self.rules.medium_heads, *(s.split() for s in self.rules.shots))
        # a word the lexicons write with a capital outside a style's name is a brand or a name
        # wherever it appears (Nikon, Kodak, Unreal; not RED, an acronym, or a style's "Cinematic")
        lex = self.lex
        named = {
            w.lower()
            for table in (lex.display, lex.phrase)
            for key, shown in table.items()
            if lex.slot_of_term.get(key) != "style"
            for w in shown.split()
            if w[:1].isupper() and w[1:].islower()
        }
        return frozenset(w for w in words | STOP if w.isalpha()) - self.rules.first_names - named

    def _sentence_case(self, term: str, written_lower: set[str]) -> str:
        """A term that opened one of the user's sentences, without the capital the sentence gave
        it, when it goes into the middle of a brief's sentence: "drops of blood", "soft light".
        Only for a capitalized common word (a word the lexicons know, or one the user also wrote
        in lower case); a name (`Paris at night`, `Thom Yorke`) keeps its capital."""
        first = term.split(None, 1)[0]
        low = first.lower()
        if len(first) < 2 or not first[1:].islower() or not first.isalpha():
            return term
        if low in self._common_words or low in written_lower:
            return low + term[len(first) :]
        return term

    def _put(self, slot: str, term: str, brief: Brief) -> None:
        if slot == "filler":
            if self.rules.on("filler-quality-token"):
                brief.dropped.append(AnalysedTerm(term, "filler", rule="filler-quality-token"))
            else:
                self._subject(term, brief)  # the rule is off: keep the words as written
            return
        phrase = self._phrase(term, brief)
        if slot == "tool":
            self.credits.tool(term, brief)
            brief.terms.append(AnalysedTerm(term, "style", phrase))
            return
        if slot == "style":
            self.credits.style(phrase or display_name(self.lex, term), term, brief)
        elif slot == "medium":
            brief.medium.append(phrase or term)
        elif slot == "composition" and not brief.shot and normalize(strip_article(phrase or term)) in self.rules.shots:
            brief.shot = strip_article(phrase or term)  # "close up" → A close-up of …
        elif slot == "setting":
            if not brief.head and not brief.prose:
                # a place before any subject is the subject ("tokyo street at night")
                self._subject(term, brief)
                return
            if not phrase and term.split()[0].lower() in _PARTICIPLE_PREPOSITIONS:
                brief.setting.append(term)  # "in a dark forest" already says where: as written
            else:
                brief.setting.append(phrase or f"in {with_article(term, self.rules.determiners)}")
        else:
            getattr(brief, slot).append(phrase or term)
        brief.terms.append(AnalysedTerm(term, slot, phrase))

    def _subject(self, term: str, brief: Brief) -> None:
        """An unknown term: the head, or an attribute of it, by its shape."""
        brief.terms.append(AnalysedTerm(term, "subject"))
        words = term.split()
        first = words[0].lower()
        last = self._last_word(term)
        rules = self.rules
        if not brief.head and not brief.prose:
            if (len(words) == 1 and (_single_adjective(term) or first in rules.adjectives)) or (
                len(words) > 1 and self._adjectival(words)
            ):
                brief.adjectives.append(term)  # `ornate, chimney`, `little foggy, photograph of …`: a head follows
                return
            m = _MEDIUM_OF.match(term)
            if brief.adjectives and m and m.group("medium").lower() in rules.medium_set:
                # `little foggy, photograph of a glass house`: the quality follows the whole picture
                # ("A photograph of a glass house, little foggy"), not the medium ("A little foggy photograph")
                brief.attached.extend(brief.adjectives)
                brief.adjectives.clear()
            brief.head = term
            return
        if len(words) == 1 and term.lower() in brief.head.lower().split():
            return  # one word the head already says ("portrait of a man, man")
        if _YEAR.match(term):
            brief.setting.append(f"in {term}")
        elif (
            first in rules.attached_openers
            or (first.endswith("ing") and len(words) > 1 and len(first) > 4)
            or (
                (first.endswith("ed") or first in _IRREGULAR_PARTICIPLES)
                and len(words) > 1
                and words[1].lower() in _PARTICIPLE_PREPOSITIONS
                and first not in rules.adjectives
            )
            or _VERB.search(term)
        ):  # "viewed from the side", "crashed in the ground": no article
            brief.attached.append(term)
        elif last in rules.body_parts:
            brief.features.append(term)
        elif last in rules.clothing:
            brief.worn.append(term)
        elif (len(words) == 1 and (_single_adjective(term) or first in rules.adjectives)) or (
            len(words) > 1 and self._adjectival(words)
        ):
            brief.adjectives.append(term)
        else:
            brief.objects.append(term)

    def _adjectival(self, words: list[str]) -> bool:
        """Whether two or three words are all qualities ("little foggy", "very dark"), no thing (a
        last word in -ing is one: "dramatic shading", "neverending nothing")."""
        last = words[-1].lower()
        if last.endswith("ing") and last not in self.rules.adjectives:
            return False
        return len(words) <= 3 and all(
            _looks_adjective(w) or w.lower() in self.rules.adjectives or w.lower() in _INTENSIFIER_WORDS for w in words
        )

    # -- a whole text part -----------------------------------------------------------------------
    def analyze(self, text: str, overrides: dict[str, str] | None = None) -> Brief:
        """The brief of one text part; `overrides` maps terms to the slot they must go in."""
        brief = Brief(spelling=dialect(text))
        terms = self._close_noun_phrases(ledger(text, self.lex).terms)
        prose = _prose_terms(terms)
        seen_wrapped: set[str] = set()
        written_lower: set[str] | None = None
        for k, t in enumerate(terms):
            term = t.text
            if t.sd and self.rules.on("sd-weight-syntax") and t.wrapped not in seen_wrapped:
                seen_wrapped.add(t.wrapped)
                brief.applied.append(
                    (
                        "sd-weight-syntax",
                        t.wrapped,
                        t.wrapped.strip("()[]").rsplit(":", 1)[0].strip()
                        if _SD_TAIL.search(t.wrapped)
                        else t.wrapped.strip("()[]"),
                    )
                )
            if t.sd and not self.rules.on("sd-weight-syntax"):
                if t.wrapped in seen_wrapped:
                    continue  # the rule is off: the wrapped text is kept once, as written
                seen_wrapped.add(t.wrapped)
                self._subject(t.wrapped, brief)
                continue
            if t.kind in ("quoted", "permutation") and t not in prose:
                if brief.head or brief.prose:
                    brief.verbatim.append(term)
                else:
                    brief.head = term
                brief.terms.append(AnalysedTerm(term, "subject"))
                continue
            if self.rules.on("filler-quality-token"):
                for r in t.filler:
                    brief.dropped.append(AnalysedTerm(r, "filler", rule="filler-quality-token"))
                term = t.content
                if not term:
                    continue
            if t.kind == "negation" and self.rules.on("negation-to-no"):
                brief.negatives.append(t.negated)
                brief.dropped.append(AnalysedTerm(term, "negative", rule="negation-to-no"))
                continue
            if t in prose:
                if brief.prose and not brief.prose[-1].endswith("."):
                    brief.prose[-1] += ", " + term
                else:
                    brief.prose.append(term)
                if t.sep == ".":
                    brief.prose[-1] += "."
                brief.terms.append(AnalysedTerm(term, "subject"))
                continue
            if k and terms[k - 1].sep == "." and term[:1].isupper():
                if written_lower is None:
                    written_lower = set(re.findall(r"\b[a-z]+\b", text))
                term = self._sentence_case(term, written_lower)
            if overrides and term in overrides and overrides[term] in BRIEF_SLOTS:
                slot = overrides[term]
                if slot == "subject":
                    self._subject(term, brief)
                else:
                    self._put(slot, term, brief)
                continue
            self.classify(term, brief)
        # the composed sentence goes where the input's keywords began: before the prose or after it
        brief.head_first = not prose or terms[0] not in prose
        # adjectives with no head to attach to become the head
        if not brief.head and brief.adjectives and not brief.prose:
            brief.head = join_list(brief.adjectives)
            brief.adjectives = []
            brief.bare_head = True
        return brief

    def _open_np(self, text: str) -> bool:
        """Whether a term ends in an article and adjectives only (`a long haired`, `A wild`): a noun
        phrase the next term closes."""
        m = _OPEN_NP.search(text)
        if m is None:
            return False
        return all(_looks_adjective(w) or w.lower() in self.rules.adjectives for w in m.group("adj").split())

    def _close_noun_phrases(self, terms: tuple[Term, ...]) -> tuple[Term, ...]:
        """`A wild`, `insane`, `modernist landscape painting` → one term: commas inside a noun phrase."""
        out: list[Term] = []
        k = 0
        while k < len(terms):
            t = terms[k]
            if t.sep == "," and t.kind == "content" and self._open_np(t.content):
                j = k + 1
                while (
                    j < len(terms) - 1
                    and terms[j].sep == ","
                    and terms[j].kind in ("content", "mood")
                    and all(_looks_adjective(w) or w.lower() in self.rules.adjectives for w in terms[j].content.split())
                ):
                    j += 1
                if j < len(terms) and terms[j].kind not in ("negation", "quoted", "permutation", "filler"):
                    last = terms[j]
                    joined = ", ".join(x.content for x in terms[k : j + 1])
                    out.append(
                        Term(
                            joined,
                            t.start,
                            last.end,
                            "content",
                            joined,
                            sum((x.filler for x in terms[k : j + 1]), ()),
                            "",
                            last.sep,
                            t.sd or last.sd,
                            "",
                        )
                    )
                    k = j + 1
                    continue
            out.append(t)
            k += 1
        return tuple(out)


def _prose_terms(terms: tuple[Term, ...]) -> set[Term]:
    """The terms of the input's sentences written as prose: a sentence (terms up to a stop) of
    eight or more words whose terms are long (3.5 words on average, the linter's keyword-soup
    line), or of five or more with a verb, and not mostly filler. Kept only when the text has two
    or more sentences and such sentences hold at least a third of its words."""
    sentences: list[list[Term]] = [[]]
    for t in terms:
        sentences[-1].append(t)
        if t.sep == ".":
            sentences.append([])
    sentences = [g for g in sentences if g]
    if len(sentences) < 2:
        return set()  # one run of comma terms is a keyword list, however long its terms
    chosen: set[Term] = set()
    prose_words = 0
    for group in sentences:
        n = sum(len(t.content.split()) for t in group)
        written = sum(len(t.text.split()) for t in group)
        if n < 5 or n < 0.7 * written or any(t.kind == "permutation" for t in group):
            continue  # short, mostly filler, or a permutation: read as keywords
        if (n >= 8 and n / len(group) >= 3.5) or any(_VERB.search(t.content) for t in group):
            chosen.update(group)
            prose_words += n
    total = sum(len(t.content.split()) for t in terms) or 1
    return chosen if prose_words / total >= 0.35 else set()
