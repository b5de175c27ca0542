"""Brief quality (issue 15): is a rewrite a sentence, is it free of visible defects, did it keep the
user's spelling and words?

Small pure functions over strings (standard library only, plus the prompt parser to strip
parameters and image prompts), used by `eval.harness.score` and tested in tests/eval/test_brief.py:

- `template_key` / `dedupe_templates`: the shared set repeats one template ~600 times with a
  different first term; the figures count each template once;
- `content_words`: the words that carry content (the "≥ 4 content words" population);
- `is_sentence`: the output reads as a sentence (or several), not a comma list;
- `defects`: the visible defect classes in an output (`DEFECT_CLASSES`);
- `respelled`: output words that are another spelling (US/UK, or the case of a name like "iPhone")
  of an input word;
- `word_recall`: the share of the input's content words found in the output.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from promptsmith.core.parse import parse

R = TypeVar("R", bound=dict[str, Any])

ARTICLES = frozenset({"a", "an", "the"})
PREPOSITIONS = frozenset({"in", "on", "at", "with", "of", "by", "under", "over", "from", "against", "through",
                          "into", "beside", "near", "behind", "above", "below", "among", "across", "around",
                          "for", "to", "as", "onto", "upon", "within", "without", "between", "about", "toward",
                          "towards", "along", "inside", "outside", "beneath", "beyond", "amid", "during", "like",
                          "underneath", "atop", "past", "via"})
#: Words that carry no content: articles, prepositions, conjunctions.
STOP_WORDS = ARTICLES | PREPOSITIONS | frozenset({
    "onto", "upon", "within", "without", "between", "about", "off", "out", "up", "down", "toward", "towards",
    "along", "inside", "outside", "beneath", "beyond", "amid", "via", "per", "than",
    "and", "or", "but", "nor", "so", "yet", "if", "while", "&"})


def _engines() -> tuple[str, ...]:
    """Render engines and 3-D tools (credited with "in the style of", they read as artists): the
    ledger's tool lexicon (rules/lexicon/tool.toml), its terms and their display names."""
    from promptsmith.core.lexicon import load_lexicon

    lex = load_lexicon()
    # the tool names only: "rendered in octane" is the rewriter's own correct credit, not a style
    tools = [t for t in lex.terms("tool") if not t.startswith(("rendered ", "rendering ", "made in "))]
    return tuple(sorted({t for t in tools} | {lex.display[t].lower() for t in tools if t in lex.display}))


ENGINES = _engines()

_WORD = re.compile(r"[^\W_]+")
#: Quoted text to render ("OPEN", “Happy Birthday”): up to 8 words without a comma.
_QUOTED = re.compile(r"\"(?:[^\",\s]+(?:\s+[^\",\s]+){0,7})?\"|“(?:[^”,\s]+(?:\s+[^”,\s]+){0,7})?”")


def prose(text: str) -> str:
    """The prompt's text without image prompts and the trailing parameter block."""
    return parse(text).text


def _mask_quotes(text: str) -> str:
    """Quoted text ("…", a sign's words) as one neutral word each, so its content is not judged."""
    count = iter(range(1_000_000))

    def neutral(m: re.Match[str]) -> str:
        inner = m.group(0)[1:-1]
        end = inner[-1] if inner and inner[-1] in ".!?" else ""  # 'reading "OPEN."' still ends a sentence
        return f'"Q{next(count)}{end}"'

    return _QUOTED.sub(neutral, text)


# -- templates ---------------------------------------------------------------------------------------
def template_key(prompt: str) -> str:
    """The prompt's prose less its first comma term when at least 3 terms follow it, lower-cased
    (so "Dalmador, cute, funny, centered, …" and "Grogu, cute, funny, centered, …" share a key);
    otherwise the whole prose, lower-cased."""
    text = " ".join(prose(prompt).split()).lower()
    terms = [t.strip() for t in text.split(",")]
    terms = [t for t in terms if t]
    if len(terms) - 1 >= 3:
        return ", ".join(terms[1:])
    return text


def dedupe_templates(records: Iterable[R]) -> list[R]:
    """The first record of each `template_key` (of its "prompt"), in order."""
    seen: set[str] = set()
    out: list[R] = []
    for record in records:
        key = template_key(record["prompt"])
        if key not in seen:
            seen.add(key)
            out.append(record)
    return out


# -- words -------------------------------------------------------------------------------------------
def content_words(text: str) -> list[str]:
    """The lower-cased words (letters and digits) of the prose, stop words left out."""
    return [w for w in _WORD.findall(prose(text).lower()) if w not in STOP_WORDS]


# -- sentences ---------------------------------------------------------------------------------------
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "inc", "ltd", "co", "mt",
                            "ft", "no", "vol", "e.g", "i.e", "approx", "prof", "gen", "capt", "lt", "col"})
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”']?\s+(?=[\"“'(]?[A-Z0-9])")
_END_OK = re.compile(r"[.!?][\"”']?$")
_SHORT = 2  # a comma fragment of one or two words is list-like


def split_sentences(text: str) -> list[str]:
    """Sentences split at . ! ? followed by a space and a capital (or digit), not after an initial
    ("M. C. Escher") or a common abbreviation ("St. Ives"); decimals never split (no space)."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start : m.start()].rstrip("\"”'")
        last = re.search(r"([^\W_]+(?:\.[^\W_]+)*)\.$", before)
        if last and (len(last.group(1)) == 1 or last.group(1).lower() in _ABBREVIATIONS):
            continue
        out.append(text[start : m.start()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _has_link(words: list[str]) -> bool:
    """A preposition or a participle (-ing/-ed, longer than 4 letters) ties the words into a clause."""
    return any(w in PREPOSITIONS or (len(w) > 4 and (w.endswith("ing") or w.endswith("ed"))) for w in words)


def fragments(text: str) -> list[str]:
    """The comma (and semicolon) fragments of a text; a trailing empty one is dropped."""
    parts = [p.strip() for p in re.split(r"[,;]", text)]
    if parts and not parts[-1]:
        parts.pop()
    return parts


_CONJUNCTION = re.compile(r"\s(?:and|or|&)\s", re.I)


def phrases(frags: list[str]) -> list[str]:
    """Comma fragments with each enumeration closed by a conjunction made one phrase: in
    "in the style of Ross Tran, Greg Rutkowski, Artgerm and Beeple" the names are the
    coordinated object of one preposition, not four bare fragments. The short fragments
    (one or two words) just before a fragment that holds "and", "or" or "&" join it; short
    fragments that no conjunction closes stay fragments of their own."""
    out: list[str] = []
    run: list[str] = []
    for f in frags:
        if _CONJUNCTION.search(f" {f} "):
            out.append(", ".join([*run, f]))
            run = []
        elif len(_WORD.findall(f)) <= _SHORT:
            run.append(f)
        else:
            out.extend(run)
            run = []
            out.append(f)
    return out + run


def is_sentence(output: str) -> bool:
    """The output's prose (parameters and image prompts stripped, quoted text one word) reads as
    prose: each sentence starts with a capital (or digit or quote), ends with . ! ? (or a closing
    quote after one) and holds a preposition or a participle; and, over the whole text, fewer than
    half of the comma phrases (`phrases`: an enumeration closed by "and" is one) are one or two
    words long."""
    text = " ".join(prose(output).split())
    if not text:
        return False
    masked = _mask_quotes(text)
    frags = phrases(fragments(masked))
    short = sum(1 for f in frags if len(_WORD.findall(f)) <= _SHORT)
    if frags and short * 2 >= len(frags):
        return False
    for sentence in split_sentences(masked):
        head = sentence.lstrip("\"“'(")
        if not head or not (head[0].isupper() or head[0].isdigit()) or not _END_OK.search(sentence):
            return False
        if not _has_link(_WORD.findall(sentence.lower())):
            return False
    return True


# -- articles ----------------------------------------------------------------------------------------
#: Letters whose names start with a vowel sound ("an F", "an M-16", "an X-ray", "an S-curve").
_VOWEL_LETTERS = frozenset("aefhilmnorsx")
#: Vowel letters read with a consonant sound: "a unicorn", "a user", "a European", "a one-eyed".
_CONSONANT_VOWEL = re.compile(r"^(?:uni(?![nmd])|us[eua]|ut(?!t)|uk|ur[aeio]|eu|ewe|one(?![ri])|once\b|ouija|"
                              r"uganda|uruguay|ubiq|ufo\b|unanim)")
#: A silent h: "an hour", "an honest", "an heir", "an honour".
_SILENT_H = re.compile(r"^(?:hour|honest|hono(?:u)?r|heir)")
#: Both articles are in use: "a/an herb", "a/an historic", "a/an homage".
_EITHER = re.compile(r"^(?:herb|histor|homage|hotel)")


#: Abbreviations said as words, all with a consonant sound (mister, doctor, saint, mount …).
_SAID_AS_WORDS = frozenset({"mr", "mrs", "ms", "dr", "st", "mt", "jr", "sr", "ft"})


def _letter_sound(letter: str) -> bool:
    return letter.lower() in _VOWEL_LETTERS


def _word_sound(word: str) -> bool | None:
    low = word.lower()
    if _EITHER.match(low):
        return None
    if _SILENT_H.match(low):
        return True
    if _CONSONANT_VOWEL.match(low):
        return False
    return low[0] in "aeiou"


def vowel_sound(word: str) -> bool | None:
    """Whether a word is said starting with a vowel sound (so takes "an"); None when either article
    is in use or the word is unclear. Numbers read aloud ("an 8k", "an 18th-century", "an 1800s",
    "a 1920s"), single letters and acronyms by their letter names ("an FBI", "an MRI", "a UFO",
    "an X-ray", "a U-boat")."""
    word = word.strip("\"“”'’()[]")
    if not word:
        return None
    if word[0].isdigit():
        digits = re.match(r"\d+", word.replace(",", "")).group(0)  # type: ignore[union-attr]
        if digits[0] == "8":
            return True
        return digits[:2] in ("11", "18") and len(digits) in (2, 4)
    if not word[0].isalpha():
        return None
    if re.match(r"^[A-Za-z](?:-|$)", word):  # a single letter: "an X-ray", "a T-shirt"
        return _letter_sound(word[0])
    if word.lower().rstrip(".") in _SAID_AS_WORDS:
        return False
    letters = re.match(r"[A-Za-z]+", word)
    head = letters.group(0) if letters else word
    if len(head) >= 2 and (head.isupper() or (len(head) <= 4 and not re.search(r"[aeiouy]", head.lower()))):
        by_letter = _letter_sound(head[0])
        if len(head) <= 3 or not re.search(r"[AEIOUY]", head):  # FBI, MRI, UFO, NYC
            return by_letter
        by_word = _word_sound(head)
        return by_letter if by_word == by_letter else None  # HUGE vs H-U-G-E: unclear
    return _word_sound(word)


_ARTICLE_NEXT = re.compile(r"(?<![\w'’\-])(a|an|A|An|AN)\s+[\"“'(]?([^\W_][\w'’\-]*)")


def _article_disagrees(text: str) -> list[str]:
    hits = []
    for m in _ARTICLE_NEXT.finditer(text):
        article, word = m.group(1).lower(), m.group(2)
        if m.group(1) == "A" and not _sentence_start(text, m.start()):
            continue  # "vitamin A and", "plan A": a letter, not an article
        sound = vowel_sound(word)
        if sound is None:
            continue
        if (article == "an") != sound:
            hits.append(m.group(0))
    return hits


def _sentence_start(text: str, i: int) -> bool:
    before = text[:i].rstrip(" \"“'(")
    return not before or before[-1] in ".!?:;"


# -- defects -----------------------------------------------------------------------------------------
_ADJ_SUFFIX = re.compile(r"(?:ic|al|ful|ous|ive|ish|less|able|ible|ary|istic|esque)$")
_ADJECTIVES = frozenset({
    "big", "small", "old", "new", "young", "dark", "bright", "tiny", "huge", "giant", "great", "little", "tall",
    "short", "long", "wide", "deep", "soft", "hard", "red", "blue", "green", "black", "white", "golden", "pink",
    "purple", "warm", "cool", "cold", "hot", "vast", "lone", "single", "surreal", "vintage", "retro", "modern",
    "ancient", "epic", "serene", "lush", "cute", "shiny", "fluffy", "misty", "foggy", "cozy", "cosy", "moody",
    "dreamy", "sunny", "stormy", "rainy", "snowy", "dusty", "rusty", "gloomy", "creepy", "spooky", "happy",
    "angry", "fancy", "messy", "grainy", "hazy", "glossy", "silky", "starry", "rocky", "sandy", "leafy", "icy",
    "fiery", "eerie", "glowing", "floating", "flying", "smiling", "detailed", "stylized", "stylised"})
#: Nouns a phrase measures by ("an hour a day", "a penny a piece", "a dragon the size of a house").
_NOT_ADJ = frozenset({"hour", "day", "week", "month", "year", "minute", "second", "time", "mile", "dollar",
                      "penny", "piece", "bit", "lot", "kind", "sort", "type", "half", "quarter", "moment", "instant"})
_MEASURES = frozenset({"size", "colour", "color", "shape", "height", "length", "width", "sound", "texture", "hue",
                       "shade", "weight", "age", "scale"})
_ART = r"(?:a|an|the)"
_DOUBLE_ARTICLE = re.compile(rf"(?<![\w'’\-]){_ART}\s+({_ART})(?![\w'’\-])", re.IGNORECASE)
_ARTICLE_WORD_ARTICLE = re.compile(
    rf"(?<![\w'’\-])(?:a|an)\s+([^\W\d_][\w\-]*)\s+({_ART})(?![\w'’\-])(?:\s+([^\W_]+))?", re.IGNORECASE)


def _doubled_article(text: str) -> list[str]:
    """"a a", "the the", "a the"; and a/an, one adjective, then another article ("A futuristic a
    female"), but not a measure ("an hour a day", "a dragon the size of a house")."""
    hits = [m.group(0) for m in _DOUBLE_ARTICLE.finditer(text) if m.group(1) != "A"]  # "the A train"
    for m in _ARTICLE_WORD_ARTICLE.finditer(text):
        word, second, after = m.group(1).lower(), m.group(2), (m.group(3) or "").lower()
        if second == "A" or word in _NOT_ADJ or not (word in _ADJECTIVES or _ADJ_SUFFIX.search(word)):
            continue
        if second.lower() == "the" and after in _MEASURES:
            continue
        hits.append(m.group(0))
    return hits


_CAP = r"[A-Z][\w'’\-]*"
_ARTICLE_NAME = re.compile(
    rf"(?<![\w'’\-])an?\s+({_CAP}(?:\s+{_CAP})+)(?=\s*(?:[,.;:!?]|$|\s+(?:and|or|by|in|with)\b))"
)
_CREDIT_LEAD = re.compile(r"(?:\bby|\bstyles?\s+of|\bworks?\s+of|\binspired\s+by)\s*$", re.IGNORECASE)
_CREDIT_LIST = re.compile(r"(?:\bby|\bstyles?\s+of)\s+[^.;!?]*(?:,|\band|&)\s*$", re.IGNORECASE)


def _article_before_name(text: str) -> list[str]:
    """ "by a Greg Rutkowski", "in the style of Alex Ross and an Alphonse Mucha": a lower-case a/an
    before two or more capitalised words that end the phrase, where an artist is credited (after
    "by", "style of", or later in such a list). "shot on a Canon DSLR", "a Bichon Frise" and
    "a Wes Anderson film" are fine."""
    hits = []
    for m in _ARTICLE_NAME.finditer(text):
        before = text[: m.start()]
        if _CREDIT_LEAD.search(before) or _CREDIT_LIST.search(before):
            hits.append(m.group(0))
    return hits


_ABBREV_DOT = re.compile(r"(?:\b(?:etc|e\.g|i\.e|vs|st|dr|mr|mrs|ms|jr|sr|inc|co|ltd)|\b[A-Z])$", re.IGNORECASE)
_STRAY = (
    re.compile(r"[.!?;:]\s+[.,;:]"),  # ". ." ". ," "; ,"
    re.compile(r"[,;:]\.|,;|;,"),  # ",." ";." ",;"
    re.compile(r"(?<![,;])\s[,;]|\s\.(?![\d.])"),  # a space before , ; or . (not ", ,", ".5", " ...")
    re.compile(r"\(\s*\)|\[\s*\]|\{\s*\}"),  # empty brackets
    re.compile(r"^\s*[,.;:!?]"),  # a text that starts with punctuation
    re.compile(r"\S {2,}\S"),  # a double space
)
_DOT_COMMA = re.compile(r"\.[,;]")
_DOUBLED = re.compile(r",,|;;|(?<!\.)\.\.(?!\.)")


def _stray_punctuation(text: str) -> list[str]:
    hits = [m.group(0) for rx in _STRAY for m in rx.finditer(text)]
    for m in _DOT_COMMA.finditer(text):  # ".," unless after an abbreviation ("e.g., etc.,") or an ellipsis
        if text[: m.start()].endswith("..") or _ABBREV_DOT.search(text[: m.start()]):
            continue
        hits.append(m.group(0))
    return hits


def _doubled_punctuation(text: str) -> list[str]:
    return [m.group(0) for m in _DOUBLED.finditer(text)]


_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("“", "”"))


def _unbalanced_brackets(text: str) -> list[str]:
    hits = []
    for opening, closing in _PAIRS:
        depth = 0
        for ch in text:
            if ch == opening:
                depth += 1
            elif ch == closing:
                depth -= 1
                if depth < 0:
                    break
        if depth != 0:
            hits.append(opening + closing)
    if text.count('"') % 2:
        hits.append('"')
    return hits


def _norm_fragment(fragment: str) -> str:
    return " ".join(_WORD.findall(fragment.lower()))


def _repeated_term(text: str) -> list[str]:
    hits = []
    seen: set[str] = set()
    for sentence in split_sentences(text):
        for fragment in fragments(sentence):
            key = _norm_fragment(fragment)
            if len(key) < 2 or key in ARTICLES:
                continue
            if key in seen:
                hits.append(key)
            seen.add(key)
    words = _WORD.findall(text.lower())
    for size in range(2, 7):
        for i in range(len(words) - 2 * size + 1):
            phrase = words[i : i + size]
            if phrase == words[i + size : i + 2 * size] and any(len(w) > 1 for w in phrase):  # not "2 0 2 0"
                hits.append(" ".join(phrase))
    return hits


_ENGINE = re.compile(
    r"(?<![\w\-])(?:"
    + "|".join(re.escape(e).replace(r"\ ", r"\s+") for e in sorted(ENGINES, key=len, reverse=True))
    + r")(?![\w\-])",
    re.IGNORECASE,
)
_STYLE_OF = re.compile(r"\bin\s+the\s+style\s+of\s+", re.IGNORECASE)
_CREDIT_SPLIT = re.compile(r"\s*,\s*|\s+and\s+|\s*&\s*")
_PARTICLES = frozenset(
    {
        "de",
        "da",
        "di",
        "del",
        "der",
        "den",
        "van",
        "von",
        "la",
        "le",
        "du",
        "y",
        "of",
        "the",
        "st",
        "mc",
        "ibn",
        "bin",
        "al",
        "el",
    }
)


def _name_like(segment: str) -> bool:
    """Every word capitalised, a digit, quoted or a name particle ("Leonardo da Vinci", "Stanley
    "Artgerm" Lau", "Cinema 4D")."""
    words = segment.split()
    return bool(words) and all(
        w[0].isupper() or w[0].isdigit() or w[0] in "\"“'(" or w.lower() in _PARTICLES for w in words
    )


def _engine_as_style(text: str) -> list[str]:
    """A render engine or 3-D tool credited as an artist: "in the style of Greg Rutkowski and Octane
    Render". The credited list runs to the end of the sentence, one name after another; its first
    phrase that is not a name ("rendered in Octane", "with soft light") ends it."""
    hits = []
    for m in _STYLE_OF.finditer(text):
        rest = re.split(r"[.;!?](?:\s|$)", text[m.end() :], maxsplit=1)[0]
        for k, segment in enumerate(_CREDIT_SPLIT.split(rest)):
            engine = _ENGINE.search(segment)
            if k and not (_name_like(segment) or (engine and engine.start() == 0)):
                break
            for e in _ENGINE.finditer(segment):
                if e.group(0).lower() == "maya" and re.match(r"\s+[A-Z]", segment[e.end() :]):
                    continue  # "Maya Deren": a person
                hits.append(e.group(0))
    return hits


_PARAM_NAMES = (
    "ar|aspect|v|version|s|stylize|q|quality|c|chaos|no|niji|seed|stop|style|tile|iw|cw|sw|sv|sref|"
    "cref|oref|ow|w|weird|hd|uplight|upbeta|upanime|test|testp|creative|repeat|r|video|p|"
    "personalize|draft|fast|relax|turbo|raw"
)
_PARAM_IN_PROSE = (
    re.compile(r"\b(?:ar|aspect)\s*\d+(?:\.\d+)?\s*:\s*\d+", re.IGNORECASE),  # "ar 2:3"
    re.compile(r"(?:^|\s)(?:--|—|–)[a-z]{1,10}\b", re.IGNORECASE),  # "--ar", "—v"
    re.compile(rf"(?:^|\s)-(?:{_PARAM_NAMES})(?=\s|$)"),  # "-ar 2:3"
    re.compile(r"::\s*-?\d"),  # ":: 2" weights
    re.compile(r"(?<![\w'’\-])(?:v|version)\s+[1-7](?:\.\d)?(?![\w:]|\.\d)"),  # "v 5"
    re.compile(r"(?<![\w'’\-])(?:s|stylize|q|quality|chaos|iw|seed)\s+\d+(?:\.\d+)?(?![\w:])"),  # "s 750"
)


def _parameter_in_prose(text: str) -> list[str]:
    """Parameter text left in the prose; a multi-prompt's own `::N` weights are not that."""
    from promptsmith.core.parse import parse

    multi = "::" in text and parse(text).is_multiprompt
    return [
        m.group(0).strip()
        for rx in _PARAM_IN_PROSE
        for m in rx.finditer(text)
        if not (multi and m.group(0).lstrip().startswith("::"))
    ]


#: A comma followed by nothing: another comma (not ",,", that is doubled), an end of sentence, a
#: closing quote or bracket, or the end of the text.
_EMPTY_AFTER_COMMA = re.compile(r",(?:\s+,|\s*(?:[.!?;:”)\]]|\"(?=\s|$|[,.;:!?])|$))")
_FILLER_ONLY = frozenset({"a", "an", "the", "and", "or", "of", "with", "by", "in"})


def _empty_fragment(text: str) -> list[str]:
    hits = [m.group(0) for m in _EMPTY_AFTER_COMMA.finditer(text)]
    for sentence in split_sentences(text):
        parts = re.split(r"[,;]", sentence)
        for fragment in parts[1:-1] if len(parts) > 2 else []:
            words = _WORD.findall(fragment.lower())
            if words and all(w in _FILLER_ONLY for w in words):
                hits.append(fragment.strip())
    return hits


#: Each visible defect class and its finder (over the output's prose, quoted text masked except
#: where a class needs it).
DEFECT_CLASSES: dict[str, Callable[[str], list[str]]] = {
    "doubled-article": _doubled_article,
    "article-disagrees": _article_disagrees,
    "article-before-name": _article_before_name,
    "stray-punctuation": _stray_punctuation,
    "doubled-punctuation": _doubled_punctuation,
    "unbalanced-brackets": _unbalanced_brackets,
    "repeated-term": _repeated_term,
    "engine-as-style": _engine_as_style,
    "parameter-in-prose": _parameter_in_prose,
    "empty-fragment": _empty_fragment,
}
#: Classes that read the quoted text itself (an article before a quote agrees with its first word).
_READ_QUOTES = {"article-disagrees", "unbalanced-brackets"}


def defect_hits(output: str) -> dict[str, list[str]]:
    """Each defect class found in the output's prose (parameters stripped) with the matched text."""
    text = prose(output)
    masked = _mask_quotes(text)
    found = {}
    for name, find in DEFECT_CLASSES.items():
        hits = find(text if name in _READ_QUOTES else masked)
        if hits:
            found[name] = hits
    return found


def defects(output: str) -> list[str]:
    """The names of the visible defect classes in the output (in `DEFECT_CLASSES` order)."""
    return list(defect_hits(output))


# -- spelling ----------------------------------------------------------------------------------------
#: British → American stems; a word containing the left one folds to the right one.
SPELLING_PAIRS: tuple[tuple[str, str], ...] = (
    ("colour", "color"),
    ("centre", "center"),
    ("centred", "centered"),
    ("grey", "gray"),
    ("armour", "armor"),
    ("favour", "favor"),
    ("theatre", "theater"),
    ("metre", "meter"),
    ("litre", "liter"),
    ("harbour", "harbor"),
    ("neighbour", "neighbor"),
    ("honour", "honor"),
    ("glamour", "glamor"),
    ("humour", "humor"),
    ("labour", "labor"),
    ("parlour", "parlor"),
    ("saviour", "savior"),
    ("splendour", "splendor"),
    ("valour", "valor"),
    ("vigour", "vigor"),
    ("clamour", "clamor"),
    ("candour", "candor"),
    ("arbour", "arbor"),
    ("fervour", "fervor"),
    ("endeavour", "endeavor"),
    ("savour", "savor"),
    ("tumour", "tumor"),
    ("jewellery", "jewelry"),
    ("aluminium", "aluminum"),
    ("moustache", "mustache"),
    ("pyjama", "pajama"),
    ("vapour", "vapor"),
    ("odour", "odor"),
    ("rumour", "rumor"),
    ("flavour", "flavor"),
    ("behaviour", "behavior"),
    ("catalogue", "catalog"),
    ("analogue", "analog"),
    ("sombre", "somber"),
    ("lustre", "luster"),
    ("sabre", "saber"),
    ("fibre", "fiber"),
    ("titre", "titer"),
    ("spectre", "specter"),
    ("calibre", "caliber"),
    ("meagre", "meager"),
    ("ochre", "ocher"),
    ("sepulchre", "sepulcher"),
    ("mould", "mold"),
    ("plough", "plow"),
    ("ageing", "aging"),
    ("cosy", "cozy"),
    ("cosi", "cozi"),
    ("defence", "defense"),
    ("offence", "offense"),
    ("artefact", "artifact"),
    ("sceptic", "skeptic"),
    ("programme", "program"),
    ("manoeuvre", "maneuver"),
    ("encyclopaedia", "encyclopedia"),
    ("mediaeval", "medieval"),
    ("archaeolog", "archeolog"),
    ("marvellous", "marvelous"),
    ("woollen", "woolen"),
    ("jewelled", "jeweled"),
    ("travell", "travel"),
    ("modell", "model"),
    ("labell", "label"),
    ("cancell", "cancel"),
    ("fuell", "fuel"),
    ("levell", "level"),
    ("signall", "signal"),
    ("tunnell", "tunnel"),
    ("channell", "channel"),
    ("panell", "panel"),
    ("pedall", "pedal"),
    ("shovell", "shovel"),
    ("spirall", "spiral"),
    ("duell", "duel"),
    ("rivall", "rival"),
    ("bevell", "bevel"),
    ("chisell", "chisel"),
    ("enamell", "enamel"),
    ("swivell", "swivel"),
)
_PAIR_RX = re.compile("|".join(sorted((re.escape(uk) for uk, _ in SPELLING_PAIRS), key=len, reverse=True)))
_PAIR_MAP = dict(SPELLING_PAIRS)
#: -ise/-ize, -isation/-ization, -yse/-yze (the stem must be at least three letters: not "rise").
_IZE = re.compile(r"(?<=\w{3})is(e|ed|es|ing|er|ers|ation|ations)$")
_YZE = re.compile(r"(?<=\w{2})ys(e|ed|es|ing|er|ers)$")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


@lru_cache(maxsize=65536)
def fold_spelling(word: str) -> str:
    """One form for a word's US and UK spellings, lower-cased ("Watercolours" → "watercolors",
    "stylised" → "stylized", "analyse" → "analyze", "travelled" → "traveled")."""
    low = word.lower()
    low = _PAIR_RX.sub(lambda m: _PAIR_MAP[m.group(0)], low)
    low = _IZE.sub(r"iz\1", low)
    return _YZE.sub(r"yz\1", low)


def _cased_name(word: str) -> bool:
    """A word whose case is part of its spelling: an internal capital (iPhone, McDonald) or ALL CAPS."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2:
        return False
    return any(c.isupper() for c in word[1:])


def respelled(input: str, output: str) -> list[tuple[str, str]]:
    """(input word, output word) for each output word that is a spelling variant of an input word
    but spelled differently: a US/UK variant when the input has the other variant and not this one,
    or a name whose case is part of its spelling ("iPhone", "STAR WARS") cased otherwise. A
    lower-case input word title-cased in the output ("shrek" → "Shrek") is not respelled."""
    source = _TOKEN.findall(prose(input))
    exact = set(source)
    by_fold: dict[str, list[str]] = {}
    by_lower: dict[str, list[str]] = {}
    for w in source:
        by_fold.setdefault(fold_spelling(w), []).append(w)
        by_lower.setdefault(w.lower(), []).append(w)
    lowered = {w.lower() for w in source}
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for w in _TOKEN.findall(prose(output)):
        if w in exact or w in seen:
            continue
        low = w.lower()
        hit = None
        if low not in lowered:
            variants = [v for v in by_fold.get(fold_spelling(w), []) if v.lower() != low]
            if variants:
                hit = variants[0]
        else:
            cased = [v for v in by_lower.get(low, []) if _cased_name(v)]
            if cased and not any(v == w or v.lower() == v for v in by_lower[low]):
                hit = cased[0]
        if hit is not None:
            seen.add(w)
            out.append((hit, w))
    return out


# -- word recall -------------------------------------------------------------------------------------
def _fold(word: str) -> str:
    w = fold_spelling(strip_accents(word))
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def strip_accents(text: str) -> str:
    """The text without combining marks ("Beksiński" → "Beksinski")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_SPACED_DIGITS = re.compile(r"(?<=\d) (?=\d)")
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")


def _recall_words(text: str) -> set[str]:
    """Folded content words for `word_recall`: "8 5 mm", "85mm" and "85 mm" all give {"85", "mm"}."""
    text = _DIGIT_LETTER.sub(" ", _SPACED_DIGITS.sub("", text.lower()))
    return {_fold(w) for w in _WORD.findall(text) if w not in STOP_WORDS}


def word_recall(input: str, output: str, removed: Iterable[str] = ()) -> float:
    """The share of the input prose's distinct content words (the words of `removed`, the terms the
    rewriter dropped on purpose, left out) found in the output's prose or its `--no` list, with
    US/UK spellings, accents, spaced digits ("8 5 mm") and a plural -s folded. 1.0 when the input
    has no such words."""
    dropped = _recall_words(" , ".join(removed))
    need = _recall_words(prose(input)) - dropped
    if not need:
        return 1.0
    parsed = parse(output)
    have = _recall_words(parsed.text + " " + " ".join(p.raw for p in parsed.params if p.name == "no"))
    return len(need & have) / len(need)
