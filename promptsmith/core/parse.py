"""Parse any string into a `Prompt`. Never raises on user text: problems become PS0xx diagnostics.

The shape of a prompt (Midjourney's "Image Prompts" and "Parameter List" articles):
image prompts first, then text (with `::` weights, `{…}` permutations and "quoted" text), then a
trailing block of `--parameters`. A `--word` inside prose (`liquid--pink`, `arms --three small
dragons …`) is not a parameter: the block starts at the first dash token, preceded by whitespace,
that names a known parameter (or an unknown one followed by at most a short value).

Why over 400 lines: the parser is one pass over the prompt grammar (image prompts, weights,
permutations, quoted text, parameters) that never raises; its number readers sit beside it because
every parameter uses them.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import NamedTuple

from promptsmith.core.model import (
    Diagnostic,
    Edit,
    Fix,
    ImagePrompt,
    Param,
    Permutation,
    Prompt,
    Quoted,
    Segment,
    Severity,
    build,
    diagnostic_order,
    span,
)
from promptsmith.core.spec import ParamSpec, Spec, load_spec

# A parameter token: a dash run, then a name (or a permuted name: `--{v 5, niji}`).
_PARAM = re.compile(r"(?:(?<=\s)|^)(--|—|–)([A-Za-z][A-Za-z0-9]*(?=\s|$)|\{)")
_GLUED = re.compile(r"(?<=[^\s\-—–])(--|—)([A-Za-z][A-Za-z0-9]*)(?=\s|$)")
#: An image prompt is a whole whitespace-delimited token: `https://…`, `<https://…>`, `…::2`.
_URL = re.compile(
    r"(?:(?<=\s)|^)(<?)(https?://(?:[^\s<>:]|:(?!:))+)(>?)(?:::(-?(?:\d+(?:\.\d*)?|\.\d+))?)?(?=\s|$)",
    re.IGNORECASE,
)
_SEP = re.compile(r"::(-?(?:\d+(?:\.\d*)?|\.\d+))?")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_RATIO = re.compile(r"(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)")
_TOKEN = re.compile(r"\S")
_WORDS = re.compile(r"\S+")

#: The largest magnitude a number in a prompt is read as. It is beyond every parameter's range (the
#: widest, `--seed`, ends at 4,294,967,295), so a number past it is read as this bound, and the
#: range checks (PS101, PS104) report it and offer the fix: never an int of 4,301 digits (which
#: Python refuses to convert) or an infinite float (which no arithmetic or renderer survives).
NUMBER_LIMIT = 10**12
_LIMIT_DIGITS = len(str(NUMBER_LIMIT)) - 1


def read_int(text: str) -> int | None:
    """A whole number as written (`-3`, `+07`), within ±NUMBER_LIMIT; None when it is not one."""
    if not _INT.fullmatch(text):
        return None
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > _LIMIT_DIGITS:
        return -NUMBER_LIMIT if text.startswith("-") else NUMBER_LIMIT
    return int(text)


def read_float(text: str) -> float | None:
    """A decimal number as written (`1.5`, `-.5`, `2.`), finite and within ±NUMBER_LIMIT; None
    when it is not one (`nan`, `inf` and exponents are not numbers in a prompt)."""
    if not _FLOAT.fullmatch(text):
        return None
    value = float(text)  # a long run of digits is still a float: at worst infinite, bounded here
    if not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
        return math.copysign(float(NUMBER_LIMIT), value)
    return value


def read_ratio(text: str) -> tuple[int, int] | None:
    """`W:H` in whole numbers (each side within NUMBER_LIMIT); None for anything else, decimals too."""
    m = _RATIO.fullmatch(text)
    if not m or "." in text:
        return None
    return read_int(m.group(1)), read_int(m.group(2))  # type: ignore[return-value]


#: Unknown `--name` tokens count as parameters only when followed by at most this many words
#: (`--Wallpaper`, `--foo 2`); prose like `a dragon --stands over the village` is text.
_UNKNOWN_VALUE_WORDS = 1

class ParserFinding(NamedTuple):
    """A kind of problem the parser reports, as the lint rule that reports it: code, name, severity.

    These are the one definition: the rules in `promptsmith.linter.checks` register under them.
    """

    code: str
    name: str
    severity: Severity


UNCLOSED_BRACE = ParserFinding("PS001", "unclosed-brace", Severity.ERROR)
UNMATCHED_BRACE = ParserFinding("PS002", "unmatched-closing-brace", Severity.ERROR)
UNCLOSED_QUOTE = ParserFinding("PS003", "unclosed-quote", Severity.WARNING)
EN_DASH = ParserFinding("PS004", "en-dash-parameter", Severity.ERROR)
GLUED = ParserFinding("PS005", "glued-parameter", Severity.ERROR)
MISSING_VALUE = ParserFinding("PS006", "missing-parameter-value", Severity.ERROR)
EMPTY_PART = ParserFinding("PS007", "empty-multi-prompt-part", Severity.WARNING)
EM_DASH = ParserFinding("PS008", "em-dash-parameter", Severity.INFO)
UNCLOSED_ANGLE = ParserFinding("PS009", "unclosed-angle-bracket", Severity.WARNING)
TOO_LONG = ParserFinding("PS013", "prompt-too-long", Severity.ERROR)

#: The longest prompt promptsmith reads (characters). Midjourney's docs give no limit, and the
#: longest of the ~1,500 real prompts in the shared set is 1,669 characters; a prompt over this bound
#: is reported (PS013) and otherwise left alone, so a 20 MB line costs its own size, not gigabytes.
MAX_PROMPT_CHARS = 50_000
#: The deepest permutation group whose options are read (0 is a top-level group). Each group's
#: options hold the text of the groups inside it, so reading every level of `{{{…a…}}}` costs the
#: square of its length (10,000 levels: a minute and 640 MB); Midjourney runs at most 40 jobs
#: from one prompt, which a few levels already reach.
MAX_PERMUTATION_DEPTH = 16
TEXT_AFTER_PARAMS = ParserFinding("PS302", "text-after-parameters", Severity.ERROR)
#: Every kind of finding the parser reports.
PARSER_FINDINGS = (UNCLOSED_BRACE, UNMATCHED_BRACE, UNCLOSED_QUOTE, EN_DASH, GLUED, MISSING_VALUE, EMPTY_PART,
                   EM_DASH, UNCLOSED_ANGLE, TOO_LONG, TEXT_AFTER_PARAMS)


def _diag(rule: ParserFinding, message: str, start: int, end: int, fix: Fix | None = None) -> Diagnostic:
    code, name, severity = rule
    return build(Diagnostic,
        code=code, name=name, severity=severity, message=message, span=span(start, end), fix=fix
    )


class _Token:
    __slots__ = ("end", "start", "text")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start, self.end, self.text = start, end, text


def _brace_end(src: str, i: int, limit: int) -> int:
    """Index just past the `}` that closes the `{` at i, or -1 when it is not closed before limit."""
    depth = 0
    j = i
    while j < limit:
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return -1


def _tokens(src: str, start: int, end: int) -> list[_Token]:
    """Whitespace-separated tokens of src[start:end]; a `{…}` group (spaces and all) stays inside
    the token it belongs to: `{3:2, 1:1}`, `0{a, b}x`."""
    if "{" not in src[start:end]:  # the common case: plain whitespace-separated tokens
        return [_Token(m.start(), m.end(), m.group()) for m in _WORDS.finditer(src, start, end)]
    out: list[_Token] = []
    pos = start
    while pos < end:
        m = _TOKEN.search(src, pos, end)
        if not m:
            break
        s = e = m.start()
        while e < end and not src[e].isspace():
            if src[e] == "{":
                close = _brace_end(src, e, end)
                e = end if close < 0 else close
            else:
                e += 1
        pos = e
        while e > s + 1 and src[e - 1].isspace():
            e -= 1  # an unclosed group ran to the end: keep its trailing space out of the value
        out.append(_Token(s, e, src[s:e]))
    return out


@lru_cache(maxsize=1)
def _default_spec() -> Spec:
    return load_spec()


def parse(source: str, spec: Spec | None = None) -> Prompt:
    """Parse `source` into a `Prompt`. Never raises for any `str`."""
    if not isinstance(source, str):
        raise TypeError(f"parse() takes a str, not {type(source).__name__}")
    if len(source) > MAX_PROMPT_CHARS:
        return too_long(source)
    return _Parser(source, spec or _default_spec()).run()


def too_long(source: str) -> Prompt:
    """The prompt of a text over `MAX_PROMPT_CHARS`: no text, no parameters, one PS013 finding."""
    message = (f"this prompt is {len(source):,} characters long; promptsmith reads at most "
               f"{MAX_PROMPT_CHARS:,} and leaves a longer one as it is")
    return build(Prompt, source=source, text="", text_span=span(0, 0), params_start=len(source),
                 diagnostics=(_diag(TOO_LONG, message, 0, len(source)),))


class _Parser:
    def __init__(self, src: str, spec: Spec) -> None:
        self.src = src
        self.spec = spec
        self.diags: list[Diagnostic] = []

    # -- the parameter block -------------------------------------------------------------------
    def _block_start(self, candidates: list[re.Match[str]]) -> int:
        """Index of the first candidate that starts the trailing parameter block, or len."""
        src = self.src
        n = len(candidates)
        for i, m in enumerate(candidates):
            name = m.group(2)
            if name == "{" or self.spec.lookup(name) is not None:
                return i
            # unknown name: a parameter only if a short value follows before the next dash token
            nxt = candidates[i + 1].start() if i + 1 < n else len(src)
            value = src[m.end() : nxt]
            if len(value.split()) <= _UNKNOWN_VALUE_WORDS and "::" not in value:
                return i
        return n

    def _param_spec(self, written: str, names_in_block: set[str], version_hint: str | None) -> ParamSpec | None:
        low = written.lower()
        if low == "w":
            # `--w` was the width before V5 and means --weird since: width when --h is there too
            if names_in_block & {"h", "height"} or (
                version_hint is not None and version_hint in self.spec.groups.get("early", ())
            ):
                return self.spec.params.get("width")
        return self.spec.lookup(low)

    def _parse_params(self, candidates: list[re.Match[str]], first: int) -> tuple[list[Param], list[tuple[int, int]]]:
        """Parameters from candidates[first:], and the spans of stray text found among them."""
        src = self.src
        block = candidates[first:]
        names = {m.group(2).lower() for m in block}
        version_hint = None
        for m in block:
            low = m.group(2).lower()
            if low in ("v", "version"):
                rest = src[m.end() : m.end() + 8].split()
                if rest:
                    version_hint = self.spec.normalize_version(rest[0])
        params: list[Param] = []
        stray: list[tuple[int, int]] = []
        for k, m in enumerate(block):
            dash, written = m.group(1), m.group(2)
            value_end = block[k + 1].start() if k + 1 < len(block) else len(src)
            if written == "{":
                # a permuted parameter: `--{v 5, niji, test}`; keep it whole and unchecked
                end = _brace_end(src, m.start(2), len(src))
                end = value_end if end < 0 else max(end, m.end())
                while end < value_end and not src[end].isspace():
                    end += 1  # text glued to the group belongs to it: `--{v 5, niji}x`
                raw = src[m.start(2) : end].strip()
                params.append(
                    build(Param,
                        name="{permutation}", alias=raw, raw=raw, value=None,
                        span=span(m.start(), m.start(2) + len(raw)), dash=dash, known=True, permuted=True,
                    )
                )
                tail = src[end:value_end]
                if tail.strip():
                    s = end + len(tail) - len(tail.lstrip())
                    stray.append((s, end + len(tail.rstrip())))
                continue
            pspec = self._param_spec(written, names, version_hint)
            toks = _tokens(src, m.end(), value_end)
            take = self._value_token_count(pspec, toks)
            value_toks, rest = toks[:take], toks[take:]  # type: ignore[assignment]
            if value_toks:
                raw = src[value_toks[0].start : value_toks[-1].end]
                end = value_toks[-1].end
            else:
                raw, end = "", m.end()
            if rest:
                stray.append((rest[0].start, rest[-1].end))  # type: ignore[attr-defined]
            name = pspec.name if pspec else written.lower()
            permuted = "{" in raw
            value = None if permuted or pspec is None else self._typed(pspec, raw)
            if pspec is not None and not pspec.is_flag and not raw and pspec.type not in ("niji", "codes"):
                self.diags.append(
                    _diag(MISSING_VALUE, f"`{dash}{written}` needs a value", m.start(), m.end())
                )
            if dash == "–":
                self.diags.append(
                    _diag(
                        EN_DASH,
                        f"`–{written}` uses an en dash; Midjourney reads only `--` (or an em dash), so this is text",
                        m.start(), m.start() + 1,
                        Fix.safe(build(Edit, start=m.start(), end=m.start() + 1, content="--")),
                    )
                )
            elif dash == "—":
                self.diags.append(
                    _diag(
                        EM_DASH,
                        f"`—{written}` uses an em dash; Midjourney accepts it, `--` is the canonical form",
                        m.start(), m.start() + 1,
                        Fix.safe(build(Edit, start=m.start(), end=m.start() + 1, content="--")),
                    )
                )
            params.append(
                build(Param,
                    name=name, alias=written, raw=raw, value=value, span=span(m.start(), end),
                    dash=dash, known=pspec is not None, permuted=permuted,
                )
            )
        return params, stray

    @staticmethod
    def _value_token_count(pspec: ParamSpec | None, toks: list[_Token]) -> int:
        if not toks:
            return 0
        if pspec is None:
            return len(toks)
        t = pspec.type
        if t == "flag":
            # `--style raw`-like flags take nothing; `--raw` too. A permuted value is still a value.
            return 1 if toks[0].text.startswith("{") else 0
        if t in ("words", "refs", "codes"):
            return len(toks)
        if t == "niji":
            return 1 if _INT.fullmatch(toks[0].text) or toks[0].text.startswith("{") else 0
        if t == "ratio" and len(toks) >= 3 and toks[1].text == ":":
            return 3  # `--ar 16 : 9`
        return 1

    def _typed(self, pspec: ParamSpec, raw: str) -> object:
        t = pspec.type
        if t == "flag":
            return True
        if t == "int":
            return read_int(raw)
        if t == "float":
            return read_float(raw)
        if t == "ratio":
            return read_ratio(raw)  # non-integer ratios are None: PS103 reports them with a fix
        if t == "str":
            return raw.lower() if raw else None
        if t == "words":
            return tuple(w.strip() for w in raw.split(",") if w.strip())
        if t in ("refs", "codes"):
            return tuple(raw.split())
        if t == "version":
            return self.spec.normalize_version(raw)
        if t == "niji":
            return self.spec.normalize_version("niji" + raw) if raw else self.spec.niji_default
        return raw

    # -- the text before the parameters ---------------------------------------------------------
    def _text_region(
        self, start: int, end: int, seen_text: bool = False
    ) -> tuple[list[ImagePrompt], list[tuple[int, int]]]:
        """Image prompts and the spans of text pieces in src[start:end]."""
        src = self.src
        images: list[ImagePrompt] = []
        pieces: list[tuple[int, int]] = []
        pos = start
        urls = _URL.finditer(src, start, end) if "://" in src else ()  # the regex costs ~10 µs
        for m in urls:
            s, we = m.span()
            opened, inner, closed, weight_raw = m.groups()
            bracketed = bool(opened)
            if bracketed and not closed:
                e = m.end(2)
                self.diags.append(
                    _diag(
                        UNCLOSED_ANGLE,
                        "`<` before an image URL is never closed with `>`",
                        s,
                        s + 1,
                        Fix.safe(build(Edit, start=e, end=e, content=">")),
                    )
                )
            weight = read_float(weight_raw) if weight_raw else None
            gap = src[pos:s]
            if gap.strip():
                seen_text = True
                pieces.append((pos, s))
            images.append(
                build(
                    ImagePrompt, url=inner, span=span(s, we), bracketed=bracketed, weight=weight, leading=not seen_text
                )
            )
            pos = we
        if src[pos:end].strip():
            pieces.append((pos, end))
        # trim whitespace around each piece
        trimmed = []
        for a, b in pieces:
            piece = src[a:b]
            la = len(piece) - len(piece.lstrip())
            rb = len(piece.rstrip())
            if rb > la:
                trimmed.append((a + la, a + rb))
        return images, trimmed

    def _segments(self, pieces: list[tuple[int, int]]) -> list[Segment]:
        src = self.src
        out: list[Segment] = []
        for a, b in pieces:
            pos = a
            for m in _SEP.finditer(src, a, b) if src.find("::", a, b) >= 0 else ():
                s, e = m.span()
                part = src[pos:s]
                la = len(part) - len(part.lstrip())
                text = part.strip()
                ts, te = pos + la, pos + la + len(text)
                weight_raw = m.group(1)
                if not text:
                    self.diags.append(_diag(EMPTY_PART, "a `::` separator with no text before it", s, e))
                out.append(
                    build(
                        Segment,
                        text=text,
                        span=span(ts, te),
                        weight=read_float(weight_raw) if weight_raw else None,
                        weight_raw=weight_raw,
                        separated=True,
                    )
                )
                pos = e
            part = src[pos:b]
            left = part.lstrip()
            text = left.rstrip()
            if text:
                la = len(part) - len(left)
                out.append(
                    build(
                        Segment,
                        text=text,
                        span=span(pos + la, pos + la + len(text)),
                        weight=None,
                        weight_raw=None,
                        separated=False,
                    )
                )
        return out

    def _permutations(self) -> list[Permutation]:
        src = self.src
        if "{" not in src and "}" not in src:
            return []
        out: list[Permutation] = []
        stack: list[int] = []
        i, n = 0, len(src)
        while i < n:
            c = src[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                stack.append(i)
            elif c == "}":
                if not stack:
                    self.diags.append(
                        _diag(
                            UNMATCHED_BRACE,
                            "`}` closes no `{`",
                            i,
                            i + 1,
                            Fix.unsafe(build(Edit, start=i, end=i + 1, content="")),
                        )
                    )
                else:
                    s = stack.pop()
                    if len(stack) >= MAX_PERMUTATION_DEPTH:
                        i += 1
                        continue  # deeper than any prompt means: its braces are checked, its options not
                    out.append(
                        build(
                            Permutation,
                            options=tuple(split_options(src[s + 1 : i])),
                            span=span(s, i + 1),
                            depth=len(stack),
                        )
                    )
            i += 1
        for s in stack:
            self.diags.append(_diag(UNCLOSED_BRACE, "`{` is never closed with `}`", s, s + 1))
        out.sort(key=lambda p: p.span.start)
        return out

    def _quotes(self, pieces: list[tuple[int, int]]) -> list[Quoted]:
        src = self.src
        out: list[Quoted] = []
        for a, b in pieces:
            for open_q, close_q in (('"', '"'), ("“", "”")):
                pos = a
                while True:
                    s = src.find(open_q, pos, b)
                    if s < 0:
                        break
                    e = src.find(close_q, s + 1, b)
                    if e < 0:
                        self.diags.append(
                            _diag(
                                UNCLOSED_QUOTE,
                                "a double quote is never closed; the text to render is unclear",
                                s,
                                s + 1,
                            )
                        )
                        break
                    out.append(build(Quoted, text=src[s + 1 : e], span=span(s, e + 1), quote=open_q))
                    pos = e + 1
        out.sort(key=lambda q: q.span.start)
        return out

    def _glued(self, start: int, end: int) -> None:
        """`photography--beta --ar 2:3`: a known parameter glued to the last word of the text.

        It is one when a parameter follows it, or at most one word (its value) before the text
        ends or the next glued parameter starts, so a run of them (`0--c 0--c 0`) is found in one
        pass, from the right; prose with a double hyphen (`liquid--pink`, `a--ar of the sky`) is not."""
        src = self.src
        found: list[Diagnostic] = []
        limit = end
        for m in reversed(list(_GLUED.finditer(src, start, end))):
            if self.spec.lookup(m.group(2)) is None:
                continue  # prose double hyphen: `liquid--pink`
            if not _at_most_one_word(src, m.end(), limit) and not _PARAM.match(src, m.end() + 1):
                continue  # more prose follows
            s = limit = m.start()
            found.append(
                _diag(
                    GLUED,
                    f"`{m.group(1)}{m.group(2)}` is glued to the word before it, so it is read as text",
                    s,
                    m.end(),
                    Fix.safe(build(Edit, start=s, end=s, content=" ")),
                )
            )
        self.diags.extend(reversed(found))

    # -- driver --------------------------------------------------------------------------------
    def run(self) -> Prompt:
        src = self.src
        candidates = []
        if "--" in src or "—" in src or "–" in src:
            # scan from the first dash (the lookbehind still sees the character before it)
            start = min(k for k in (src.find("--"), src.find("—"), src.find("–")) if k >= 0)
            candidates = list(_PARAM.finditer(src, start))
        first = self._block_start(candidates) if candidates else 0
        params: list[Param] = []
        stray: list[tuple[int, int]] = []
        if candidates and first < len(candidates):
            params_start = candidates[first].start()
            params, stray = self._parse_params(candidates, first)
        else:
            params_start = len(src)
        images, pieces = self._text_region(0, params_start)
        if "--" in src or "—" in src:
            self._glued(0, params_start)
        for s, e in stray:
            self.diags.append(
                _diag(
                    TEXT_AFTER_PARAMS,
                    f"`{src[s:e]}` comes after the parameters; Midjourney reads it as a parameter value",
                    s,
                    e,
                )
            )
        text_pieces = list(pieces)
        for s, e in stray:
            more_images, more_pieces = self._text_region(s, e, seen_text=True)
            images.extend(more_images)
            text_pieces.extend(more_pieces)
        segments = self._segments(text_pieces)
        if len(text_pieces) == 1:
            a, b = text_pieces[0]
            text = src[a:b]
        else:
            text = " ".join(src[a:b] for a, b in text_pieces)
        text_span = span(text_pieces[0][0], text_pieces[-1][1]) if text_pieces else span(params_start, params_start)
        permutations = self._permutations() if ("{" in src or "}" in src) else []
        quotes = self._quotes(pieces) if ('"' in src or "“" in src) else []
        self.diags.sort(key=diagnostic_order)
        return build(
            Prompt,
            source=src,
            images=tuple(images),
            text=text,
            text_span=text_span,
            segments=tuple(segments),
            permutations=tuple(permutations),
            quotes=tuple(quotes),
            params=tuple(params),
            params_start=params_start,
            diagnostics=tuple(self.diags),
        )


_SPACE = re.compile(r"\s")


def _at_most_one_word(src: str, start: int, end: int) -> bool:
    """Whether src[start:end] holds at most one whitespace-separated word (in time bounded by the
    first two words, not by the rest of the text)."""
    first = _TOKEN.search(src, start, end)
    if first is None:
        return True
    gap = _SPACE.search(src, first.start(), end)
    return gap is None or _TOKEN.search(src, gap.end(), end) is None


def unwrap(option: str) -> str:
    """`option` without the one-option groups that wrap it whole: `{{a}}` → `a` (what Midjourney
    runs), `{a, b}` and `{a} {b}` as they are; one pass over the text, however deep the nesting."""
    n = len(option)
    if n < 2 or option[0] != "{":
        return option
    close: dict[int, int] = {}  # where the group opened at i closes, for the groups opened at 0, 1, …
    commas: set[int] = set()  # the groups (by where they open) with an option separator of their own
    stack: list[int] = []
    i = 0
    while i < n:
        c = option[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            stack.append(i)
        elif c == "}" and stack:
            close[stack.pop()] = i
        elif c == "," and stack:
            commas.add(stack[-1])
        i += 1
    k = 0
    while k < n - 1 - k and option[k] == "{" and close.get(k) == n - 1 - k and k not in commas:
        k += 1
    return option[k : n - k].strip() if k else option


def split_options(body: str) -> list[str]:
    """Split a permutation body on top-level commas, honouring `\\,` escapes and nested groups."""
    out: list[str] = []
    depth = 0
    cur: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\" and i + 1 < n:
            cur.append(body[i : i + 2])
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    out.append("".join(cur).strip())
    return out
