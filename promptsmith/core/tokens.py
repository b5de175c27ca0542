"""Token counts for the text encoders a brief is written for: stdlib only (no torch, no transformers).

- **CLIP** (SD 1.x; both of SDXL's encoders, whose tokenizers share one vocabulary and differ only
  in the pad token): the real byte-level BPE, counted exactly as `transformers`' `CLIPTokenizer`
  does (NFC, lower case, CLIP's split pattern, byte-level BPE with `</w>` word ends), with the
  start and end tokens: `clip_count(text) <= 77` is "fits in the window". The merges ship with
  promptsmith in `core/data/clip-bpe-merges.txt.gz`, derived by `scripts/derive_clip_merges.py`
  from the vocabulary file in open-clip-torch (OpenAI CLIP's merges, MIT; open_clip, MIT), so an
  installed promptsmith counts without either package. Counts are cached per word, like CLIP's
  own BPE cache: a prompt costs a regex pass and a dictionary lookup per word.
- **T5** (Flux, SD3): no T5 SentencePiece vocabulary ships in any package promptsmith can
  depend on here, so `t5_upper_bound` is a bound, not a count: every SentencePiece piece covers at
  least one character of the normalised (NFKC, whitespace-collapsed) text with its leading `▁`,
  so the characters plus the end token can never be fewer than the real tokens. For English it
  is several times the real count (not measured here: there is no vocabulary to measure with); a
  brief within the bound is certainly within the budget.
- **Qwen2.5-VL** (Qwen-Image's text encoder): a byte-level BPE, so each token covers at least one
  UTF-8 byte: `utf8_upper_bound` counts bytes, again a bound that never under-counts.
"""

from __future__ import annotations

import gzip
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MERGES_FILE = Path(__file__).parent / "data" / "clip-bpe-merges.txt.gz"
#: CLIP's context: 77 tokens, start and end tokens included.
CLIP_WINDOW = 77
#: The T5 / LLM-encoder budget the pipelines are run with (`max_sequence_length`).
T5_BUDGET = 512
_SPECIAL = ("<|startoftext|>", "<|endoftext|>")
_SPECIAL_SPLIT = re.compile(r"(<\|startoftext\|>|<\|endoftext\|>)")
#: Unicode White_Space (what `\s` is in the tokenizers library's regex engine; Python's `\s`
#: also takes \x1c-\x1f, which CLIP treats as punctuation).
_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: CLIP's split pattern (`<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|
#: [^\s\p{L}\p{N}]+`) for lower-cased ASCII text, or a skeleton of any text (`_Skeleton`). Letters
#: and digits go first: no other branch can start with one, so the order changes nothing but speed.
_ASCII_WORDS = re.compile(
    r"[a-z]+|[0-9]|'(?:s|t|re|ve|m|ll|d)|<\|(?:startoftext|endoftext)\|>|[^\t\n\x0b\x0c\r a-z0-9]+"
)
#: The most words kept in the per-word cache (CLIP's own cache is unbounded).
CACHE_WORDS = 200_000


def byte_alphabet() -> dict[int, str]:
    """GPT-2/CLIP's reversible map from bytes to printable characters (the alphabet byte-level BPE
    vocabularies are written in)."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs = list(bs)
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class _Skeleton(dict[int, str]):
    """Code point → the ASCII character that stands for its class in CLIP's split pattern: ASCII
    stays itself; a letter (`\\p{L}`) becomes `a`, a number (`\\p{N}`) `0`, Unicode white space a
    space, anything else `!`. The ASCII pattern run on the skeleton finds exactly the words the
    Unicode pattern finds in the text (each character maps to one, so the spans are the same)."""

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        if cp < 128:
            out = ch
        elif ch in _WS_CHARS:
            out = " "
        else:
            cat = unicodedata.category(ch)[0]
            out = "a" if cat == "L" else "0" if cat == "N" else "!"
        self[cp] = out
        return out


_WS_CHARS = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
)
_SKELETON = _Skeleton()


def _unicode_words(text: str) -> list[str]:
    """CLIP's split of normalised text that is not all ASCII."""
    return [text[m.start() : m.end()] for m in _ASCII_WORDS.finditer(text.translate(_SKELETON))]


class _WordCounts(dict[str, int]):
    """Word → its number of BPE tokens, computed on a miss (CLIP's BPE, merge by lowest rank)."""

    def __init__(self, ranks: dict[tuple[str, str], int]) -> None:
        super().__init__()
        self.ranks = ranks
        self.byte_encoder = byte_alphabet()

    def __missing__(self, word: str) -> int:
        enc = self.byte_encoder
        chars = "".join(enc[b] for b in word.encode("utf-8"))
        parts = [*chars[:-1], chars[-1] + "</w>"]
        ranks = self.ranks
        while len(parts) > 1:
            best, best_rank = None, None
            for pair in itertools.pairwise(parts):
                r = ranks.get(pair)
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = pair, r
            if best is None:
                break
            a, b = best
            merged: list[str] = []
            i, n = 0, len(parts)
            while i < n:
                if i < n - 1 and parts[i] == a and parts[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        count = len(parts)
        if len(self) >= CACHE_WORDS:
            self.clear()
        self[word] = count
        return count


@lru_cache(maxsize=1)
def _word_counts() -> _WordCounts:
    with gzip.open(MERGES_FILE, "rt", encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    merges = [tuple(line.split()) for line in lines[1:] if line]
    return _WordCounts({(a, b): i for i, (a, b) in enumerate(merges)})


def _lower(text: str) -> str:
    """Lower case character by character, as the tokenizers library does: Python's `str.lower`
    alone differs only by its final-sigma rule (`Σ` at a word's end → `ς`)."""
    return text.lower() if "\u03a3" not in text else "".join(map(str.lower, text))


def clip_words(text: str) -> list[str]:
    """The words CLIP's tokenizer splits `text` into before BPE (normalised: NFC, lower case); a
    special token written exactly (`<|endoftext|>`) comes out of the raw text first, as one."""
    if "<|" in text and _SPECIAL_SPLIT.search(text):
        out: list[str] = []
        for piece in _SPECIAL_SPLIT.split(text):
            out.extend([piece] if piece in _SPECIAL else clip_words(piece))
        return out
    if text.isascii():
        return _ASCII_WORDS.findall(text.lower())
    return _unicode_words(_lower(unicodedata.normalize("NFC", text)))


def clip_count(text: str) -> int:
    """CLIP tokens of `text`, the start and end tokens included (what `len(tokenizer(text).input_ids)`
    gives, untruncated): more than 77 means the encoder never sees the rest."""
    counts = _word_counts()
    if "<|" in text and _SPECIAL_SPLIT.search(text):
        # one token each; the text between them is normalised and split on its own
        return sum(1 if p in _SPECIAL else clip_count(p) - 2 for p in _SPECIAL_SPLIT.split(text)) + 2
    if text.isascii():
        return sum(map(counts.__getitem__, _ASCII_WORDS.findall(text.lower()))) + 2
    return sum(map(counts.__getitem__, _unicode_words(_lower(unicodedata.normalize("NFC", text))))) + 2


def clip_overflow(text: str, budget: int = CLIP_WINDOW) -> int | None:
    """Where in `text` the first word starts that CLIP's window does not hold (None when all of
    it fits): the start and end tokens count against `budget`. Exact for text whose normalised
    form has the same length (all ASCII, most other text); otherwise the nearest word."""
    counts = _word_counts()
    low = _lower(unicodedata.normalize("NFC", text)) if not text.isascii() else text.lower()
    if len(low) != len(text):
        low = text.lower() if len(text.lower()) == len(text) else text
    words = _ASCII_WORDS.finditer(low if low.isascii() else low.translate(_SKELETON))
    used = 2
    for m in words:
        used += counts[low[m.start() : m.end()]]
        if used > budget:
            return m.start()
    return None


def t5_upper_bound(text: str) -> int:
    """At least as many as T5's SentencePiece tokens for `text`, the end token included (a bound:
    no T5 vocabulary is available; see the module docstring)."""
    norm = " ".join(unicodedata.normalize("NFKC", text).split())
    return len(norm) + 2  # the leading `▁` and the end token


def utf8_upper_bound(text: str) -> int:
    """At least as many as a byte-level BPE's tokens for `text` (each token covers a byte or more)."""
    return len(" ".join(text.split()).encode("utf-8"))


@dataclass(frozen=True)
class Encoder:
    """A text encoder's tokenizer, as far as a brief needs it: a count and a budget."""

    name: str
    budget: int
    #: True for a real count; False for a bound that never under-counts.
    exact: bool
    count: Callable[[str], int]
    note: str


ENCODERS: dict[str, Encoder] = {
    "clip": Encoder("clip", CLIP_WINDOW, True, clip_count, "CLIP BPE, exact (start and end tokens included)"),
    "t5": Encoder(
        "t5",
        T5_BUDGET,
        False,
        t5_upper_bound,
        "T5: an upper bound (normalised characters + 2); no T5 vocabulary is available offline",
    ),
    "qwen2.5-vl": Encoder(
        "qwen2.5-vl",
        T5_BUDGET,
        False,
        utf8_upper_bound,
        "Qwen2.5-VL byte-level BPE: an upper bound (UTF-8 bytes); its vocabulary is not available offline",
    ),
}
