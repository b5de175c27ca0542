"""The trained writer's contract: what the model is shown, and where its adapter lives.

The `llm` engine's trained write job gives the packaged SmolLM2 (with the LoRA adapter trained on
the project's brief corpus, `eval/corpus/`) the prompt's **notes**: its content terms in the
user's own words and order, with filler, negations (they go to `--no`), image prompts and
parameters left out. The model answers with the brief's prose; the ledger guard judges it.
Training (`scripts/train_adapter.py`), the corpus checker and the engine all build the model's
input here, so the three can never disagree.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptsmith.backends.models import gguf_metadata
from promptsmith.core.parse import parse
from promptsmith.core.terms import ledger
from promptsmith.core.words import WORD, word_matches

#: The adapter shipped in the package, for the packaged model (`backends.models.DEFAULT_FILE`).
ADAPTER_FILE = "smollm2-135m-briefs.lora.gguf"
#: The system line the adapter was trained with: short, the adapter learned the task itself.
SYSTEM = "Write the image brief."


def notes(prompt: str) -> str:
    """The model's input: the prompt's content terms, comma separated, in the user's words."""
    text = parse(prompt).text
    return ", ".join(t.content for t in ledger(text).terms if t.content and t.kind != "negation")


#: What an adapter reads (its `promptsmith.input` metadata; "notes" when it says nothing): the
#: prompt's notes, or the rules engine's brief, which the model writes again as a writer would.
INPUTS = ("notes", "rules")


def model_input(kind: str, prompt: str, rules_brief: str, note_text: str | None = None) -> str:
    """The text the adapter is shown for a prompt: its notes (`note_text` when the caller has them
    already), or (`kind == "rules"`) the rules engine's brief of it."""
    if kind not in INPUTS:
        raise ValueError(f"unknown adapter input {kind!r}; one of {', '.join(INPUTS)}")
    if kind == "rules":
        return rules_brief
    return notes(prompt) if note_text is None else note_text


def chat_prompt(note_text: str) -> str:
    """The ChatML turn the adapter was trained on, up to where the brief begins."""
    return (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{note_text}<|im_end|>\n"
            "<|im_start|>assistant\n")


#: What ends the model's turn (the training target ends with it).
END = "<|im_end|>"


def packaged_adapter() -> Path | None:
    """The adapter file inside the installed package, or None when this build ships none."""
    path = Path(__file__).resolve().parents[2] / "adapters" / ADAPTER_FILE
    return path if path.is_file() else None


def corpus_digest(*paths: Path) -> str:
    """The sha256 of what training reads from the brief corpus files, in order: each pair's id,
    split, prompt and prose (the assembled `brief` with its parameters is left out: it follows the
    rules engine's parameter stage, which the adapter never sees)."""
    import hashlib
    import json

    digest = hashlib.sha256()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            digest.update(
                json.dumps([row["id"], row["split"], row["prompt"], row["body"]], ensure_ascii=False).encode()
            )
            digest.update(b"\n")
    return digest.hexdigest()


@lru_cache(maxsize=4)
def adapter_metadata(path: Path) -> dict[str, Any]:
    """The adapter's own record of how it was made (corpus hash, training settings)."""

    meta = gguf_metadata(path)
    return {k.removeprefix("promptsmith."): v for k, v in meta.items() if k.startswith("promptsmith.")}


# -- copy-constrained decoding ---------------------------------------------------------------------
#: Characters a brief may use besides letters and digits (and any the prompt itself has).
_PUNCTUATION = frozenset(" ,.;:-'\"()&!?/’“”")
_TAIL_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]*)*$")
_GLUED = re.compile(r"[^\W\d_][:;][^\W\d_]|[^\W\d_]&|&[^\W\d_]")
_ARTICLES = frozenset({"a", "an", "the"})
_DOTTED = re.compile(r"([^\W\d_]+)\.(?=[^\W\d_])")

#: Function words of other languages written in Latin script: a prompt where they are common is
#: not English, and the writer (trained on English briefs) leaves it to the rules engine.
_FOREIGN = frozenset(
    "de la el los las del y con para por una uno um uma com sobre em na no da do dos das que se é "
    "der die das und mit ein eine einen auf im zu ist nicht le les des et une du au sur avec pour dans est "
    "il lo gli di che un della con per nel è het een van en op met voor ".split()
)


def english(text: str) -> bool:
    """Whether a prompt reads as English (or as keywords): few words of other languages' grammar,
    and most letters Latin."""
    words = [w.lower() for w in WORD.findall(text)]
    letters = [c for c in text if c.isalpha()]
    if letters and sum(not ("a" <= c.lower() <= "z" or "à" <= c.lower() <= "ÿ") for c in letters) > 0.3 * len(letters):
        return False
    return len(words) < 6 or sum(w in _FOREIGN for w in words) < 0.12 * len(words)


def _opens(text: str, at: int) -> bool:
    """Whether a word at `at` opens a sentence (or the text, or a quotation after a colon)."""
    before = text[:at].rstrip(" \"“”'")
    return not before or before[-1] in ".!?:"


class CopyConstraint:
    """What the trained writer may write, checked token by token while it decodes:

    - **its words are the user's or connectives**: every word is one the prompt has (any case) or
      one of the guard's connectives, so no name is misspelled and nothing is invented;
    - **no word more often than the prompt has it** (connectives aside): no "fantasy fantasy", no
      phrase said twice;
    - **words keep the user's casing** or the usual lower, title or upper case (no "fOr"); the
      writer's own words are lower case, or title case opening a sentence (no "holding the hand of
      FINISH", no "Ayami Kojima, Tones Nor"): a capital inside a sentence is the prompt's word;
    - **a credit names what the prompt names** ("in the style of Beside" cannot be written);
    - **a decode that loses the prompt stops where it was sure** (`settle`): at a dead end (the
      model wants only words used up), or in a ramble of its own words (`rambling`), the text is
      cut back to its last word of the prompt's, and the guard judges that.

    The guard still judges the finished draft (dropped terms, roles, counts, wording); this makes
    an invented or misspelled word, or a phrase said twice, impossible to write. (Refusing the end
    of the turn until every term is said was tried: the small model then rambles in connectives,
    which reads worse than the rules brief that replaces a draft the guard rejects. Holding each
    word to what the guard allows, so that no repeat is written at all, was tried too: refused the
    repeat it wanted, the model wrote worse than the repaired draft; see
    `eval/reports/adapter/README.md`.)
    """

    def __init__(self, source: str, free: set[str], extra: set[str]) -> None:
        """`free`: function words, any number of times; `extra`: the writer's own words (its
        connectives, the analysis's wording of a term), each once more than the prompt has it."""
        self.source = source
        #: Words the prompt glues a full stop and a letter to ("j" and "r" in "j.r.r. tolkien").
        self.dotted = {m.group(1).lower() for m in _DOTTED.finditer(source)}
        counts: dict[str, int] = {}
        for words in ([w.lower() for w, _, _ in word_matches(source)], [w.lower() for w in WORD.findall(source)]):
            for w in set(words):  # a spaced number is one word and its digits: either way of reading it
                counts[w] = max(counts.get(w, 0), words.count(w))
        written = list(counts)
        self.limits: dict[str, int] = {w: counts.get(w, 0) + (w in extra) for w in {*written, *extra} if w not in free}
        self.allowed = sorted({*written, *free, *extra})
        self.connectives = free
        self.characters = _PUNCTUATION | {c for c in source if not c.isalnum() and c not in "\n\r\t<>|{}[]`#*@"}
        #: Each word as the user cased it ("iPhone", "McDonald"): those casings, and the usual three.
        self.casings = {w for w in WORD.findall(source)}
        self.source_words = set(written)

    def _cased(self, word: str, text: str, at: int) -> bool:
        if word.lower() not in self.source_words:  # the writer's own word: lower case, or a sentence's first
            return word.islower() or not word.isalpha() or (word.istitle() and _opens(text, at))
        return word.islower() or word.isupper() or word.istitle() or word in self.casings or not word.isalpha()

    def _prompts(self, word: str) -> bool:
        """Whether `word` (lower case) is one of the prompt's own, not a connective."""
        return word in self.source_words and word not in self.connectives

    def _can_finish(self, partial: str, counts: dict[str, int], prompts_only: bool = False) -> bool:
        """Whether `partial` starts an allowed word (with `prompts_only`, one of the prompt's own)
        the text has not used up."""
        i = bisect.bisect_left(self.allowed, partial)
        while i < len(self.allowed) and self.allowed[i].startswith(partial):
            word = self.allowed[i]
            if (word not in self.limits or counts.get(word, 0) < self.limits[word]) \
                    and (not prompts_only or self._prompts(word)):
                return True
            i += 1
        return False

    def accept(self, text: str, piece: str) -> bool:
        """Whether `text + piece` can still become a brief this constraint allows."""
        if not piece or any(not c.isalnum() and c not in self.characters for c in piece) or "--" in text[-2:] + piece:
            return False
        whole = text + piece
        tail = _TAIL_WORD.search(whole)
        cut = tail.start() if tail is not None else len(whole)
        if _GLUED.search(piece if not text else whole[max(0, len(text) - 2) :]) and not _GLUED.search(self.source):
            return False  # "A:COMPOSITION"
        if "." in piece or text.endswith("."):  # only this piece can glue a new one
            for m in _DOTTED.finditer(whole, max(0, len(text) - 40)):
                if m.end() >= len(text) and m.group(1).lower() not in self.dotted:
                    return False  # "in the style of A.Rogue One": a full stop glued as the prompt never glues it
        counts: dict[str, int] = {}
        previous: list[str] = []
        for m in WORD.finditer(whole, 0, cut):
            written = m.group()
            w = written.lower()
            if previous[-2:] == ["style", "of"] or (previous[-3:-1] == ["style", "of"] and previous[-1] in _ARTICLES):
                if w not in _ARTICLES and (w not in self.source_words or w in self.connectives):
                    return False  # a credit names what the prompt names ("in the style of Beside")
            previous.append(w)
            if (w not in self.limits and w not in self.connectives) or not self._cased(written, whole, m.start()):
                return False
            if w in self.limits:
                counts[w] = counts.get(w, 0) + 1
                if counts[w] > self.limits[w]:
                    return False
            if (
                m.end() < len(whole)
                and whole[m.end()] == "-"
                and w not in self.source_words
                and f"{w}-" not in self.source.lower()
            ):
                return False  # no compound of the writer's own words ("mood-on-the-look")
        if tail is None:
            return True
        partial = tail.group()
        credit = previous[-2:] == ["style", "of"] and not any(a.startswith(partial.lower()) for a in _ARTICLES)
        capital = partial[:1].isupper() and not _opens(whole, tail.start()) \
            and not any(c.startswith(partial) for c in self.casings)  # "Rick And Morty" as the user cased it
        if (credit or capital) and not self._can_finish(partial.lower(), counts, prompts_only=True):
            return False  # a credit, or a capital inside a sentence, is the prompt's word ("Tones Nor")
        return self._can_finish(partial.lower(), counts) and self._partly_cased(partial)

    #: The most words in a row a brief says that are not the prompt's: more is a ramble (the
    #: corpus's 2,298 briefs never have more than 6; 10 have more than 4).
    OWN_RUN = 6

    def rambling(self, text: str) -> bool:
        """Whether the text ends in more words of its own in a row than a brief says (`OWN_RUN`):
        the model, refused a word it wanted, has lost the prompt."""
        run = 0
        for w in reversed(WORD.findall(text)):
            if self._prompts(w.lower()):
                break
            run += 1
        return run > self.OWN_RUN

    def settle(self, text: str) -> str | None:
        """The text cut back to its last whole word of the prompt's (not a connective), with the
        quotation mark or bracket that closes right after it, for a decode that ran into a dead end
        or a ramble; None when it has none."""
        for m in reversed(list(WORD.finditer(text))):
            if m.end() == len(text):
                continue  # a word the decoder may have cut short
            if self._prompts(m.group().lower()):
                closing = re.match(r"[\"”’')\]]*", text[m.end():])  # a quotation or aside it closes
                return text[:m.end() + (closing.end() if closing else 0)]
        return None

    def _partly_cased(self, partial: str) -> bool:
        """Whether a word cut short can still be cased as `_cased` allows."""
        rest = partial[1:]
        return (
            rest.islower()
            or not rest
            or partial.isupper()
            or not partial.isalpha()
            or any(c.startswith(partial) for c in self.casings)
        )

    def may_end(self, text: str) -> bool:
        """Whether the turn may end here: once something is written."""
        return bool(text.strip())
