"""Composition: write a brief as sentences a person would write, and enumerate alternative
phrasings cheaply (for an LLM to rank).

The subject comes first with what describes it attached: "A close-up of a woman with long black
hair and red eyes, wearing a red dress, standing in a dark forest in fog". Then the medium with
its style credit and tools ("a digital painting in the style of Greg Rutkowski, rendered in
Octane"), then lighting, colour, composition and mood. A long brief becomes two or three sentences;
a prompt written as prose keeps its sentences.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

from promptsmith.core.spelling import respell
from promptsmith.rewriters.english import (
    ARTICLES,
    COLOUR_NOUN,
    MOOD_NOUN,
    join_list,
    strip_article,
    strip_indefinite_article,
    tidy_sentences,
    with_article,
)
from promptsmith.rewriters.rules.brief import Brief
from promptsmith.rewriters.rules.registry import RewriteRules, declare_rule, rewrite_rule

_MEDIUM_OPENING = re.compile(r"^(?:an?\s+)?(?:piece\s+of\s+)?")
#: Words that give a run of words a phrase of its own (prepositions, the composer's verbs).
_LINKS = frozenset("in on at with of by under over from against through into for to as rendered made lit wearing "
                   "about like".split())
_RUN_ON = frozenset({"in", "with", "lit", "rendered", "made", "under", "against", "at", "on"})
#: Words after which a long lead sentence is cut into two (sentence one: the subject).
SENTENCE_WORDS = 28

#: How many candidate phrasings `candidates` yields at most.
MAX_CANDIDATES = 24


declare_rule("natural-language-brief", "composition",
             "v6's T5-class text encoder reads grammar: a brief in sentence order beats a comma list.")


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = " ".join(item.lower().split())
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _noun_phrase(brief: Brief, rules: RewriteRules) -> str:
    """The subject's head with its adjectives and an article that agrees."""
    head = brief.head
    adjectives = _dedupe(brief.adjectives)
    if not head:
        return join_list(adjectives)
    if brief.bare_head:
        return head
    words = head.split()
    first = words[0].lower()
    if len(words) > 1 and first in rules.first_names and words[1][:1].isalpha():
        return f"{join_list(adjectives)} {head}" if adjectives else head  # a person: no article
    if first.endswith("ing") and len(first) > 4 and first not in rules.adjectives:
        # "slapping a man with a fish": an action, no article; its adjectives follow it
        return f"{head}, {join_list(adjectives)}" if adjectives else head
    if adjectives:
        adj = join_list(adjectives)
        m = _SHOT_OF.match(head)
        if m and m.group("shot").lower() in rules.shots:
            # "portrait of a knight" + muscular → "a portrait of a muscular knight"
            inner = _noun_phrase(Brief(head=m.group("rest"), adjectives=adjectives), rules)
            return with_article(f"{m.group('shot')} of {inner}", rules.determiners)
        if first in rules.determiners and len(words) > 1:
            # "a female saint" + futuristic → "a futuristic female saint"
            return with_article(f"{words[0]} {adj} {' '.join(words[1:])}", rules.determiners)
        head = f"{adj} {head}"
    return with_article(head, rules.determiners)


def _articled(phrase: str, rules: RewriteRules) -> str:
    """An article for a countable thing; none for a mass noun (`casual black clothing`)."""
    if len(phrase.split()) == 1:
        return phrase  # one word: a name, a mass noun or a plural more often than not ("with swtor")
    last = phrase.rsplit(None, 1)[-1].lower() if phrase.strip() else ""
    if last in rules.mass_nouns or last.endswith(("ism", "ness", "ity", "ing", "health", "ics")):
        return phrase
    return with_article(phrase, rules.determiners)


_SHOT_OF = re.compile(r"^(?P<shot>[\w -]+?)\s+of\s+(?P<rest>.+)$", re.I)
_COMPOSITION_OF = re.compile(r"^an?\s+(?P<x>.+?)\s+composition$", re.I)


def _compositions(brief: Brief) -> str:
    """Composition phrases, with `a centered composition` and `a symmetrical composition` made one,
    and `shot` said once (`shot on a DSLR and at 85mm`)."""
    items = _dedupe(brief.composition)
    shots = [k for k, c in enumerate(items) if c.startswith("shot ")]
    for k in shots[1:]:
        items[k] = items[k][5:]
    kinds = [m.group("x") for m in map(_COMPOSITION_OF.match, items) if m]
    if len(kinds) > 1:
        merged = with_article(f"{join_list(kinds)} composition", ARTICLES)
        first = next(i for i, c in enumerate(items) if _COMPOSITION_OF.match(c))
        items = [c for c in items if not _COMPOSITION_OF.match(c)]
        items.insert(min(first, len(items)), merged)
    how = [c for c in items if c.split(None, 1)[0].lower() in _HOW_OPENERS]
    plain = [c for c in items if c not in how]
    if (shots and how and plain and how[0].startswith(("shot at ", "shot on ")) and not any(" with " in c for c in how)
            and all(len(c.split()) <= 4 and not c.split(None, 1)[0].lower().endswith("ing") for c in plain)):
        # what the shot has follows it: "shot at 85mm with bokeh", not "shot at 85mm and bokeh"
        return f"{join_list(how)} with {join_list(plain)}"
    return join_list(items)


#: Words that open a composition phrase saying how it was shot or seen, not what it has.
_HOW_OPENERS = frozenset("shot at on in from with seen viewed taken framed captured".split())


#: Prepositions that open a place (`on a windowsill`, `under the bridge`).
_PLACE_WORDS = frozenset("in on at under inside beside behind near above below beneath among amid atop".split())


def _lead(brief: Brief, rules: RewriteRules) -> str:
    """The subject sentence: head, features, clothing, attached phrases, setting."""
    np = _noun_phrase(brief, rules)
    if brief.shot:
        bare = strip_indefinite_article(np)
        first = bare.split(" of ", 1)[0].lower()
        if " of " in bare and (first in rules.shots or first in rules.medium_set) and first not in brief.shot.lower():
            # "close-up" + "portrait of a woman": a close-up portrait of a woman, not "of Portrait of";
            # so for a medium ("a close-up portrait photo of a sailor", not "a close-up of a portrait photo")
            np = with_article(f"{brief.shot} {bare[0].lower()}{bare[1:]}", frozenset())
        else:
            shot = with_article(brief.shot, frozenset())
            if np.split(None, 1)[:1] in (["A"], ["An"], ["The"]):
                np = np[0].lower() + np[1:]  # "a close-up of a Japanese apartment", not "of A …"
            np = f"{shot} of {np}" if np else shot
    origins = [a for a in _dedupe(brief.attached) if a.lower().startswith("from ")]
    if np and origins:  # "a knight from the movie Dune", no comma: it says which knight
        np = f"{np} {' and '.join(origins)}"
    parts = [np] if np else []
    withs = join_list(_dedupe(brief.features + [_articled(o, rules) for o in brief.objects]))
    if withs:
        if not np:
            parts = [withs]
        elif " with " in f" {np.lower()} ":  # "a woman with long hair" + red eyes → "… and red eyes"
            parts = [f"{np} and {withs}"]
        else:  # no comma after a bare head: "a woman with red eyes"
            parts = [f"{np} with {withs}"]
    # what is worn is said once: "wearing copper jewelry and an orange tunic", whether the user
    # wrote "wearing" or the lexicon knew the garment
    wearing = [a for a in _dedupe(brief.attached) if a.lower().startswith("wearing ")] if brief.worn else []
    if brief.worn:
        parts.append("wearing " + join_list(_dedupe([_articled(w, rules) for w in brief.worn]
                                                    + [a.split(None, 1)[1] for a in wearing])))
    for a in _dedupe(brief.attached):
        if (np and a in origins) or a in wearing:
            continue
        opener = a.split(None, 1)[0].lower()
        if len(parts) == 1 and np and parts[0].startswith(np) and (
                opener in _PLACE_WORDS or (opener == "with" and " with " not in f" {parts[0].lower()} ")):
            parts[0] = f"{parts[0]} {a}"  # "an old man with a hat on a bench": no commas right after the head
        else:
            parts.append(a)
    parts.extend(_dedupe(brief.verbatim))
    text = ", ".join(parts)
    if brief.setting:
        text = f"{text} {' '.join(_dedupe(brief.setting))}".strip()
    return text


#: Media that say only "a picture": dropped when a more specific medium is named.
_GENERIC_MEDIA = frozenset({"art", "a piece of art", "artwork", "an artwork", "a work of art", "an image", "image",
                            "a picture", "picture"})


def _colours(brief: Brief) -> str:
    """The colour phrases; bare colour adjectives share one noun (`vibrant and warm colors`)."""
    items = _dedupe([strip_article(c) for c in brief.colour])  # "in A monochrome"
    bare = [c for c in items if not COLOUR_NOUN.search(c)]
    named = [c for c in items if COLOUR_NOUN.search(c)]
    if bare:
        named.insert(0, f"{join_list(bare)} colors")
    return join_list(named)


def _core(medium: str) -> str:
    return _MEDIUM_OPENING.sub("", medium.lower())


def _media(brief: Brief) -> str:
    """All media folded into one phrase: the first with its article, the rest without; a medium
    another one already names (`concept art` in `character concept art`) is not repeated."""
    media = _dedupe(brief.medium)
    if len(media) > 1:
        media = [m for m in media if m.lower() not in _GENERIC_MEDIA] or media[:1]
        media = [m for m in media if not any(o is not m and _core(m) in _core(o) and _core(m) != _core(o)
                                             for o in media)]
    if not media:
        return ""
    seen = {_core(media[0])}
    rest = []
    for m in media[1:]:
        if _core(m) not in seen:
            seen.add(_core(m))
            rest.append(strip_indefinite_article(m))
    return join_list([media[0], *rest])


@rewrite_rule("look-not-maker", "composition")
def _styles(brief: Brief, rules: RewriteRules) -> tuple[str, str]:
    """The makers credited ("Greg Rutkowski and Alphonse Mucha"), each once, and the one-word
    looks (movements and aesthetics, `Brief.looks`) as the adjective they lend: a look is not a
    maker, so not "in the style of Baroque" but "in a baroque style", and with makers "in the
    impressionist style of Anna Ancher and Peder Krøyer" (an -ism reads as its -ist). A look of
    several words names itself and stays in the list ("in the style of Art Deco"): blind judges
    preferred it to "in Art Deco style" and to "the traditional Chinese art style of Artgerm"."""
    names = _dedupe(brief.style)
    looks = [n for n in names if n in brief.looks and " " not in n] if rules.on("look-not-maker") else []
    makers = [n for n in names if n not in looks]
    if not looks or any(n in brief.looks for n in makers):  # a look of several words names itself
        return join_list(names), ""
    return join_list(makers), join_list(_dedupe([_look_word(n) for n in looks]))  # Surrealism, Surrealist: once


def _style_forms(brief: Brief, conn: dict[str, tuple[str, ...]], makers: str, looks: str) -> tuple[str, ...]:
    """The connectives the credit can be written with (`{x}`: the makers, or the looks alone):
    "by {x}" for the work's authors (`Credits.authored`: every maker credited is one of them),
    "in the {looks} style of {x}" for makers with a look, "in a {x} style" for looks alone."""
    if makers and brief.authored and set(_dedupe(brief.style)) == set(brief.authored[1]):
        verb = brief.authored[0]
        return ((f"{verb} " if verb else "") + conn.get("authored", ("by {x}",))[0],)
    style = conn.get("style", ("in the style of {x}",))
    if makers and looks:
        return tuple(f.replace("the style of", f"the {looks} style of", 1) for f in style if "the style of" in f)
    if makers:
        return style
    return conn.get("look", ("in a {x} style",)) if looks else ("",)


def _look_word(name: str) -> str:
    """A one-word look as the adjective it lends: "Impressionism" → "impressionist", "Cyberpunk"
    → "cyberpunk"."""
    low = name.lower()
    return low[:-3] + "ist" if low.endswith("ism") and len(low) > 5 else low


def _tools(brief: Brief) -> str:
    by_verb: dict[str, list[str]] = {}
    for t in brief.tools:
        by_verb.setdefault(t.verb, []).append(t.name)
    return ", ".join(f"{verb} {join_list(names)}" for verb, names in by_verb.items())


def _mood_parts(brief: Brief) -> tuple[str, str]:
    """(adjectives for the mood connective, noun phrases that already name a mood)."""
    moods = _dedupe(brief.mood)
    nouns = [with_article(m, ARTICLES) for m in moods if MOOD_NOUN.search(m)]
    adjectives = [m for m in moods if not MOOD_NOUN.search(m)]
    return join_list(adjectives), join_list(nouns)


_OPENS_WITH_VERB = re.compile(r"(?:shot|framed|composed|lit|rendered|painted|drawn|made|photographed|seen|viewed)\b",
                              re.IGNORECASE)
#: A phrase the user already led with its preposition ("with soft golden lighting", "under
#: moonlight"): it takes no second one ("with with soft golden lighting").
_OPENS_WITH_PREPOSITION = re.compile(r"(?:with|in|under|beneath|against|bathed in|lit by)\s", re.IGNORECASE)


def fill_connective(form: str, x: str) -> str:
    """Put the phrase into its connective; `a {x}` agrees with it (`an epic atmosphere`)."""
    if not form or not x:
        return ""
    lead = form.split("{x}")[0].strip()
    if form != "{x}" and lead and (_OPENS_WITH_VERB.match(x) or _OPENS_WITH_PREPOSITION.match(x)
                                   or ("composed" in lead and "composition" in x.lower())):
        return x  # "shot at 35mm" already says how: not "composed as shot at 35mm", "composed as … composition"
    if "a {x}" in form:
        return form.replace("a {x}", with_article(x, ARTICLES))
    return form.format(x=x)


def _mood(form: str, adjectives: str, nouns: str) -> str:
    if not adjectives:
        return f"with {nouns}" if nouns else ""
    text = fill_connective(form, adjectives)
    return f"{text} and {nouns}" if nouns else text


#: Light the picture is in, as the brief corpus writes it ("in golden-hour light", "in soft
#: morning light": 154 "in … light" against 48 "with … light"), unless it is a light the subject
#: has (a rim light, "with volumetric light") or a setup ("with dramatic lighting").
_LIGHT_IN = re.compile(r"(?:\blight|sunlight|daylight|moonlight|candlelight|lamplight|firelight|starlight)$", re.I)
_LIGHT_WITH = re.compile(r"\b(?:rim|ring|volumetric|back|key|fill|accent)[ -]?light$", re.I)


def _light_in(phrase: str) -> bool:
    """A short light phrase to be in ("soft morning light"), not a thing made of light ("streaks of
    light", "illuminated by moonlight") nor a light the subject has ("rim light")."""
    words = phrase.lower().split()
    return (len(words) <= 3 and not {"of", "by", "from"} & set(words)
            and bool(_LIGHT_IN.search(phrase)) and not _LIGHT_WITH.search(phrase))


def light_forms(phrases: list[str], forms: Sequence[str], colour: bool = False) -> tuple[str, ...]:
    """The lighting slot's connectives for these phrases; "in {x}" first when every phrase is light
    to be in and no colour (`colour`) follows in its own "in". The trained writer's repairs put a
    dropped light back with the same choice (`llm.repair`)."""
    forms = tuple(forms) or ("with {x}",)
    if phrases and not colour and all(_light_in(p) for p in phrases):  # not "in …, in … colors"
        return ("in {x}", *(f for f in forms if f != "in {x}"))
    return forms


_CLAUSE = re.compile(r"\b(?:is|are|was|were|has|have)\b", re.I)


def _medium_leads(brief: Brief, lead: str, medium: str, rules: RewriteRules) -> bool:
    """Whether the brief opens with its medium ("An oil painting of two cats playing chess …"), as
    the brief corpus's gold briefs mostly do: one medium, and a subject that is not itself a shot
    or a medium ("a portrait of …") nor a long list."""
    if brief.shot or len(brief.medium) != 1 or len(lead.split()) > 16 or "," in lead \
            or _CLAUSE.search(lead):  # "a dog is running on the lawn": a sentence, not a thing to be "of"
        return False
    first = strip_indefinite_article(lead).split(" of ", 1)[0].lower()
    if (first in rules.shots or first.replace(" ", "-") in rules.shots or first in rules.medium_set
            or first.endswith(rules.shot_endings + rules.medium_endings)):
        return False  # "a studio portrait of …", "a matte painting of …": not "an oil painting of a studio portrait"
    low = medium.lower()
    # a countable medium with its article ("a pencil sketch"), not "fantasy art" nor "Beksinski painting"
    return low.startswith(("a ", "an ")) and len(low.split()) <= 4 and " of " not in low


def candidates(brief: Brief, rules: RewriteRules) -> Iterator[str]:
    """Distinct phrasings of the brief; the first is the canonical one (deterministic)."""
    lead = _lead(brief, rules)
    medium = _media(brief)
    style, looks = _styles(brief, rules)
    tools = _tools(brief)
    lighting = join_list(_dedupe(brief.lighting))
    colour = _colours(brief)
    composition = _compositions(brief)
    mood, mood_nouns = _mood_parts(brief)
    conn = rules.connectives
    forms = [
        _style_forms(brief, conn, style, looks),
        light_forms(_dedupe(brief.lighting), conn.get("lighting", ()), bool(colour)) if lighting else ("",),
        conn.get("colour", ("in {x}",)) if colour else ("",),
        conn.get("composition", ("{x}",)) if composition else ("",),
        (("with a {x} mood",) if "atmospher" in mood.lower() else conn.get("mood", ("with a {x} atmosphere",)))
        if mood else (("with {x}",) if mood_nouns else ("",)),
        ((True, False) if _medium_leads(brief, lead, medium, rules) else (False, True))
        if medium and lead and not brief.prose else (False,),
        # structure: sentences as the length decides, always one, or the subject on its own
        (("auto", "one", "two") if len(lead.split()) >= 5 and _LINKS.intersection(lead.lower().split()) else
         ("auto", "one")) if lead and (style or looks or medium or lighting or colour or mood) else ("auto",),
        # the look (light, colour) before how it is made, or after
        (False, True) if (lighting or colour) and (medium or style or looks) else (False,),
    ]
    seen: set[str] = set()
    written_by_user = " ".join(t.text for t in brief.terms)
    for count, (st, li, co, cp, mo, medium_first, split, look_first) in enumerate(itertools.product(*forms)):
        if count >= MAX_CANDIDATES * 4 or len(seen) >= MAX_CANDIDATES:
            return
        if look_first and split == "two":  # "With dramatic lighting, an oil painting …" alone reads as a fragment
            continue
        style_c, light_c, colour_c, comp_c = (fill_connective(str(form), x) for form, x in
                                              ((st, style or looks), (li, lighting), (co, colour), (cp, composition)))
        text = _write(brief, lead, medium, bool(medium_first), style_c, tools, light_c, colour_c, comp_c,
                      _mood(str(mo), mood, mood_nouns), str(split), bool(look_first))
        text = respell(text, brief.spelling, keep=written_by_user)
        if text and text not in seen:
            seen.add(text)
            yield text


def _write(brief: Brief, lead: str, medium: str, medium_first: bool, style: str, tools: str,
           lighting: str, colour: str, composition: str, mood: str, split: str = "auto",
           look_first: bool = False) -> str:
    make = medium
    if make and style:
        make = f"{make} {style}"
    elif style:
        make = style
    order = (lighting, colour, make, tools, composition, mood) if look_first else \
        (make, tools, lighting, colour, composition, mood)
    tail = _join_withs([p for p in order if p])
    prose = _dedupe([_sentence(p) for p in brief.prose])  # a sentence said twice is said once
    sentences: list[str] = [] if brief.head_first else prose
    if medium_first and medium and lead:
        opening = lead.split(None, 1)[0]
        article = opening in ("A", "An", "The")  # the subject's own article, not a name's capital
        subject = lead[0].lower() + lead[1:] if brief.shot or article else lead
        rest = _join_withs([p for p in ((style, tools, lighting, colour, composition, mood)) if p])
        if style.startswith("by "):
            # the work's author next to the work: "A photograph by Petra Collins of a model …",
            # not "… in her short skirt by Petra Collins"
            first = f"{medium} {style} of {subject}"
        else:
            first = f"{medium} of {subject}" + (f" {rest[0]}" if rest and rest[0] == style else "")
        whole = ", ".join([first, *[r for r in rest if r != style]])
        if len(whole.split()) <= SENTENCE_WORDS:  # a longer one reads better subject first, in two
            sentences.append(_sentence(whole))
            return tidy_sentences(" ".join(sentences))
    if lead:
        # a short subject runs into a phrase that opens with a preposition ("Luffy in the style of …")
        joiner = " " if tail and len(lead.split()) <= 4 and tail[0].split(None, 1)[0] in _RUN_ON else ", "
        whole = joiner.join([lead, ", ".join(tail)]) if tail else lead
        long = (tail and len(whole.split()) > SENTENCE_WORDS and len(lead.split()) >= 6
                and (len(tail) > 1 or len(tail[0].split()) >= 6))
        if tail and (split == "two" or (split == "auto" and long)):
            sentences.append(_sentence(lead))
            sentences.extend(_split_tail(tail))
        else:
            sentences.append(_sentence(whole))
    elif tail:
        words = ", ".join(tail).lower().split()
        if prose and not brief.head_first and len(words) <= 6 and not _LINKS.intersection(words):
            # a few words with no phrase of their own ("an animation still and 2D cartoon") close
            # the last sentence rather than stand alone as one
            closing = _sentence(", ".join(tail))
            prose[-1] = prose[-1].rstrip(".!?") + ", " + closing[:1].lower() + closing[1:]
        else:
            sentences.extend(_split_tail(tail))
    if brief.head_first:
        sentences[1:1] = prose
    return tidy_sentences(" ".join(s for s in sentences if s))


def _join_withs(parts: list[str]) -> list[str]:
    """Two phrases in a row that open with "with" share it: "with glowing lights and a sultry
    atmosphere", not "with glowing lights, with a sultry atmosphere" (unless the first is a list
    of its own already)."""
    out: list[str] = []
    for p in parts:
        if out and p.startswith("with ") and out[-1].startswith("with ") and " and " not in out[-1]:
            out[-1] = f"{out[-1]} and {p[5:]}"
        else:
            out.append(p)
    return out


def _split_tail(tail: list[str]) -> list[str]:
    """The medium-to-mood pieces as one sentence, or two when long. A sentence of its own does
    not open with "with" ("Neon light.", "Cinematic lighting, in surreal colors.", not "With
    neon light.")."""
    if len(", ".join(tail).split()) <= SENTENCE_WORDS or len(tail) < 3:
        return [_sentence(_unwith(", ".join(tail)))]
    return [_sentence(_unwith(", ".join(tail[:2]))), _sentence(_unwith(", ".join(tail[2:])))]


def _unwith(text: str) -> str:
    """A sentence's opening connective dropped: "with …", or "in" before light to be in."""
    if text.startswith("with ") and len(text) > 5:
        return text[5:]
    if text.startswith("in ") and _light_in(text[3:].split(",", 1)[0].split(" and ", 1)[0]):
        return text[3:]
    return text


def _sentence(text: str) -> str:
    text = text.strip().rstrip(",;:")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", '"', "”")) else text + "."
