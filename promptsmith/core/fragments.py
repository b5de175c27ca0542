"""The fragment cutter: a prompt text cut into the pieces the term ledger reads.

The text is cut at commas, semicolons, line breaks, `|` and sentence stops (not the dots of
initials, decimals or abbreviations); `{…}` permutations, quotes, `(…)` and `[…]` groups are never
cut. A fragment wholly wrapped in Stable Diffusion weight syntax (`((x))`, `(x:1.3)`, `[x]`,
`[a:b:0.6]`), which Midjourney reads as plain text, is unwrapped and its inside cut again.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# sentence stops: `.`, `!`, `?`, `…` followed by a space or the end, not a decimal
_STOP_AT = re.compile(r"(?:\.{2,}|[!?！？]+|[.…。])(?=\s|$)")
_ABBREVIATIONS = frozenset("dr mr mrs ms st mt ft jr sr vs etc inc ltd co no vol fig ca approx".split())
_SD_WEIGHT = re.compile(r"^\((?P<x>.+?):\s*-?\d+(?:\.\d+)?\)$", re.S)
_SD_EDIT = re.compile(r"^\[(?P<a>[^\[\]:]*):(?P<b>[^\[\]:]*):\s*\d*(?:\.\d+)?\]$")


class Fragment(NamedTuple):
    """A piece of the text between separators, trimmed, with its span in the text (a named
    tuple: a prompt makes a dozen, and a frozen dataclass costs three times as much to build)."""

    text: str
    start: int
    end: int
    #: What ended it: `,` `;` `.` (a sentence stop) `\n` `|`, or "" at the end of the text.
    sep: str
    #: The fragment was unwrapped from Stable Diffusion weight syntax (`(x:1.3)`, `((x))`).
    sd: bool = False
    #: For an unwrapped fragment: the syntax it was written in (`((masterpiece))`).
    wrapped: str = ""


def _is_stop(text: str, i: int, j: int) -> bool:
    """Whether the stop `text[i:j]` ends a sentence (not an initial, an abbreviation, or the
    emphasis of `fine!!! lines`)."""
    if text[i] in "!?！？":
        if j - i < 2:
            return True
        rest = text[j:].lstrip()
        return not rest[:1].islower()
    if j - i > 1 or text[i] != ".":
        return True
    j = i + 1
    k = i
    while k > 0 and text[k - 1].isalnum():
        k -= 1
    word = text[k:i]
    rest = text[j:].lstrip()
    if word.isdigit() and rest[:1].isdigit():
        return False  # a decimal spaced by a tokenizer: `f/ 2. 8`
    if len(word) == 1 and word.isalpha():
        return False  # an initial: `M. C. Escher`, `J. R. R. Tolkien`
    return word.lower() not in _ABBREVIATIONS


_SEPARATOR = re.compile(r"[,;\n|]|(?<= )\+(?= )|(?:\.{2,}|[!?！？]+|[.…。])(?=\s|$)")
_GROUPING = re.compile(r"[{(\[\"“\\]")
#: Every character `_cut`'s scan acts on: escapes, quotes, brackets, separators and stops.
_SPECIAL = re.compile(r"[\\\"“”{}()\[\],;\n|+.!?…！？。]")


#: Groups inside groups that are cut again, at most (deeper ones stay one fragment, as written).
_MAX_DEPTH = 32


def _cut(text: str, base: int, out: list[Fragment], sd: bool = False, wrapped: str = "", depth: int = 0) -> None:
    if _GROUPING.search(text) is None:  # the common case: no groups or quotes to skip over
        start = 0
        for m in _SEPARATOR.finditer(text):
            c = m.group()
            if c[0] in ".!?…！？。" and not _is_stop(text, m.start(), m.end()):
                continue
            _emit(text, base, start, m.start(), "." if c[0] in ".!?…！？。" else ("," if c == "+" else c), out, sd,
                  wrapped, depth)
            start = m.end()
        _emit(text, base, start, len(text), "", out, sd, wrapped, depth)
        return
    level = 0  # bracket nesting inside this text (`depth` is how deep the unwrapping went)
    quote = ""
    start = 0
    i, n = 0, len(text)
    special = _SPECIAL.search
    while i < n:
        m = special(text, i)  # type: ignore[assignment]  # only these characters can change anything: skip to the next one
        if m is None:
            break
        i = m.start()
        c = text[i]
        if c == "\\" and i + 1 < n:
            i += 2
            continue
        if quote:
            if c == quote or (quote == "“" and c == "”"):
                quote = ""
        elif c in "\"“":
            quote = c
        elif c in "{([":
            level += 1
        elif c in "})]":
            level = max(0, level - 1)
        elif level == 0:
            sep = ""
            j = i + 1
            if c in ",;\n|" or (c == "+" and 0 < i < n - 1 and text[i - 1] == " " and text[i + 1] == " "):
                sep = "," if c == "+" else c
            elif c in ".!?…！？。":
                m = _STOP_AT.match(text, i)  # type: ignore[assignment]
                if m is not None and _is_stop(text, i, m.end()):
                    sep, j = ".", m.end()
            if sep:
                _emit(text, base, start, i, sep, out, sd, wrapped, depth)
                start = j
                i = j
                continue
        i += 1
    _emit(text, base, start, n, "", out, sd, wrapped, depth)


def _emit(text: str, base: int, start: int, end: int, sep: str, out: list[Fragment], sd: bool,
          wrapped: str = "", depth: int = 0) -> None:
    raw = text[start:end]
    piece = raw.strip()
    if not piece:
        return
    s = start + len(raw) - len(raw.lstrip())
    inner = _unwrap(piece) if depth < _MAX_DEPTH else None
    if inner is not None:
        text_in, offset = inner
        while True:  # ((((x)))) is peeled in a loop, not a recursion: user text may nest deep
            lead = len(text_in) - len(text_in.lstrip())
            deeper = _unwrap(text_in.strip()) if text_in.strip() else None
            if deeper is None:
                break
            text_in, offset = deeper[0], offset + lead + deeper[1]
        before = len(out)
        _cut(text_in, base + s + offset, out, sd=True, wrapped=wrapped or piece, depth=depth + 1)
        if len(out) > before and sep:
            last = out[-1]
            out[-1] = Fragment(last.text, last.start, last.end, sep, True, last.wrapped)
        return
    out.append(Fragment(piece, base + s, base + s + len(piece), sep, sd, wrapped))


def _unwrap(piece: str) -> tuple[str, int] | None:
    """The inside of a fragment wholly wrapped in SD syntax, and its offset; None otherwise."""
    if not piece or piece[0] not in "([":
        return None  # every wrapping opens with a bracket: most fragments stop here
    m = _SD_WEIGHT.match(piece)
    if m is not None:
        return m.group("x"), 1
    m = _SD_EDIT.match(piece)
    if m is not None:
        return f"{m.group('a')}, {m.group('b')}", 1
    if len(piece) > 2 and piece[0] in "([" and piece[-1] == {"(": ")", "[": "]"}[piece[0]]:
        close = _closing(piece, 0)
        if close == len(piece) - 1:
            return piece[1:-1], 1
    return None


def _closing(text: str, at: int) -> int:
    """Index of the bracket closing the one at `at`, or -1."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = []
    for k in range(at, len(text)):
        c = text[k]
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                return k
    return -1


def fragments(text: str) -> list[Fragment]:
    """The text's fragments, in order, with their spans (see the module docstring)."""
    out: list[Fragment] = []
    if text.strip():
        _cut(text, 0, out)
    return out


def split_terms(text: str) -> list[str]:
    """The fragments' texts, a trailing stop dropped: what a keyword prompt's terms are."""
    return [f.text for f in fragments(text)]
