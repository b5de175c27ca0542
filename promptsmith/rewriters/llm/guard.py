"""The guard: whether a brief the model wrote still says what the prompt said, and only that.

A written brief passes when it keeps every content term of the prompt (by the term ledger, or
by embedding when an embedder is given), invents none beyond the writer's connectives, writes
no parameters into the text, keeps the roles a bag of words misses (`role_checks`: medium verbs,
"X as Y", counts, one named subject) and brings in no wording warning the rules engine's own
brief does not have. It reads the ledger and the linter, never the model.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from promptsmith.core.accounting import account
from promptsmith.core.fix import parse_mended
from promptsmith.core.parse import parse
from promptsmith.core.spelling import all_keys
from promptsmith.core.terms import Term, ledger
from promptsmith.core.words import STOP, WORD, counts, phrase_pattern
from promptsmith.linter.engine import Linter
from promptsmith.rewriters.english import strip_article
from promptsmith.rewriters.result import RewriteResult
from promptsmith.rewriters.rules import Rewriter
from promptsmith.rewriters.rules.brief import Brief
from promptsmith.services.compare import compare


def normal_words(text: str) -> set[str]:
    """The ledger's normal forms of every word (spelling variants and plurals are one word)."""
    return all_keys(text)


#: "X as Y" with these around "as" is not a casting ("such as", "as well as", "as if").
_NOT_CASTING = frozenset("such well just so same as if though".split())
_AS = re.compile(r"([\w'’-]+)\s+as\s+(?:(?:an?|the)\s+)?([\w'’-]+)", re.I)


def role_checks(source: str, brief: str, rules_brief: str, medium_verbs: dict[str, list[str]], *,
                repeats: bool = False) -> list[str]:
    """What a bag of words misses about a written brief, against the prompt it came from:

    - a medium verb ("photographed", "rendered") only where the prompt names that medium, or the
      rules engine's own brief says it;
    - "X as Y" keeps its order ("Jeff Bezos as a villain", never "a villain as Jeff Bezos");
    - every count is kept and none is added ("two cats" stays two);
    - one named subject stays one ("sherlock holmes benedict cumberbatch" never becomes
      "Sherlock Holmes and Benedict Cumberbatch");
    - with `repeats`, nothing said twice (`said_twice`).
    """
    reasons: list[str] = []
    low, source_low, rules_low = brief.lower(), source.lower(), rules_brief.lower()
    source_words = {w.lower() for w in WORD.findall(source)} | {w.lower() for w in WORD.findall(rules_brief)}
    for verb, allowed in medium_verbs.items():
        if re.search(rf"\b{verb}\b", low) and not re.search(rf"\b{verb}\b", rules_low) \
                and not any(a in source_words or (" " in a and a in source_low) for a in allowed):
            reasons.append(f"'{verb}' names a medium the prompt does not")
    def casts(text: str) -> set[tuple[str, str]]:
        return {(n.group(1).lower(), n.group(2).lower()) for n in _AS.finditer(text)}

    in_rules, in_brief = casts(rules_brief), casts(brief)
    for m in _AS.finditer(source):
        pair = (m.group(1).lower(), m.group(2).lower())
        if pair[0] in _NOT_CASTING or pair[1] in _NOT_CASTING:
            continue
        if pair in in_rules and pair not in in_brief:  # (a pair the rules brief rewords is not judged)
            reasons.append(f"'{m.group(0)}' lost its order")
    terms = ledger(source).terms
    content = " ".join(t.content for t in terms if t.content and t.kind != "filler")
    # the counts the rules engine's brief says too (`3 d` is its "3D", not a count of three)
    wanted, said, ruled = counts(content), counts(brief), counts(rules_brief)
    if said - wanted - ruled:
        reasons.append("changed a count: " + ", ".join(sorted(said - wanted - ruled)))
    elif (wanted & ruled) - said:
        reasons.append("dropped a count: " + ", ".join(sorted((wanted & ruled) - said)))
    for t in terms:
        words = WORD.findall(t.content.lower())
        if len(words) < 2 or re.search(r"\b(?:and|or)\b|&", t.content.lower()):
            continue
        for a, b in itertools.pairwise(words):
            if re.search(rf"\b{re.escape(a)}\s+(?:and|&|,)\s+{re.escape(b)}\b", low) and \
                    not re.search(rf"\b{re.escape(a)}\s+(?:and|&|,)\s+{re.escape(b)}\b", rules_low):
                reasons.append(f"made '{t.content}' two")
                break
    if repeats:  # the trained writer's drafts (`said_twice`), over the terms read once above
        reasons += said_twice(terms, source_low, low, rules_low)
    return reasons


_SAID_TWICE = re.compile(r"^said '(.+)' twice$")
_SAID_MORE = re.compile(r"^said '(.+)' more often than the prompt$")


_STUTTER = re.compile(r"\b([^\W\d_]+)\W+\1\b", re.I)


def said_twice(terms: Sequence[Term], source_low: str, brief_low: str, rules_low: str) -> list[str]:
    """What a written draft says twice ("studio lighting, with studio lighting", "an elegant, elegant
    pose"), checked for the trained writer's drafts (`Guard.check(repeats=True)`; the span lock
    joins the rules engine's own phrases, which may name a medium in two of them):
    the prompt's content terms the brief says more often than the prompt and the rules brief do,
    and a word (not a function word) the brief repeats straight after itself more often than the
    prompt has it, where the rules brief does not."""
    reasons: list[str] = []
    seen: set[str] = set()
    for t in terms:
        words = WORD.findall(t.content.lower())
        if t.kind in ("filler", "negation") or not any(w not in STOP for w in words) or " ".join(words) in seen:
            continue
        seen.add(" ".join(words))
        phrase = phrase_pattern(t.content)
        if len(phrase.findall(brief_low)) > max(1, len(phrase.findall(source_low)), len(phrase.findall(rules_low))):
            reasons.append(f"said '{t.content}' twice")
    source_words = WORD.findall(source_low)
    ruled = {m.group(1) for m in _STUTTER.finditer(rules_low)}  # the rules brief's own are not the writer's
    stutters = {w for w in (m.group(1) for m in _STUTTER.finditer(brief_low))
                if w not in STOP and w not in ruled
                and len(re.findall(rf"\b{re.escape(w)}\b", brief_low)) > source_words.count(w)}
    if stutters:
        reasons.append("repeated " + ", ".join(sorted(stutters)))
    return reasons


def said_more(source: str, brief: str, rules_brief: str, connectives: frozenset[str]) -> list[str]:
    """The prompt's words (not function words or connectives) a written draft says more often than
    the prompt and the rules brief do: "a cute, isometric drawing … and an isometric illustration"
    from "isometric illustration, drawing"; "a random 3D colorful 3D wave" (no whole term is said
    twice, but a word is)."""
    def count(text: str) -> Counter[str]:
        return Counter(w.lower() for w in WORD.findall(text))

    said, prompt, ruled = count(brief), count(source), count(rules_brief)
    return [f"said '{w}' more often than the prompt" for w, n in said.items()
            if prompt[w] and w not in STOP and w not in connectives and n > max(prompt[w], ruled[w])]


#: The slots whose terms are never makers (an unknown name lands on the subject: that one may be).
_NOT_MAKERS = frozenset({"medium", "lighting", "colour", "composition", "mood"})
_STYLE_OF = re.compile(r"\bstyle\s+of\s+([^.;:!?]+)", re.I)
#: The first credit after "style of", and a second joined to it by "and" alone ("Disney and drawing").
_FIRST_CREDITS = re.compile(r"^([^,]+?)(?:\s+and\s+([^,]+))?(?:,|$)", re.I)


def credit_list(after: str) -> list[str]:
    """The items credited by what follows "style of": the first, and the one "and" joins to it
    ("in the style of Disney and drawing"). Past a comma the credit may have ended ("in the style
    of Tadao Ando, wide angle photography"), so what follows one is not read as credited."""
    m = _FIRST_CREDITS.match(after.strip())
    return [g for g in m.groups() if g] if m else []


def miscredits(brief: Brief | None, draft: str) -> list[str]:
    """Credits the draft gives to a term the analysis read in another role, anywhere in the list
    after "style of": "in the style of Brushstrokes" (a medium), "in the style of vivid lights"
    (lighting), "in the style of Disney and drawing" (a medium). A subject term may be a maker no
    lexicon knows, and is never judged."""
    if brief is None or "style" not in draft.lower():
        return []
    makers = {w.lower() for name in brief.style for w in WORD.findall(name)[:1]}
    others: dict[str, str] = {}
    for t in brief.terms:
        words = [w.lower() for w in WORD.findall(strip_article(t.text))]
        if t.slot in _NOT_MAKERS and words and words[0] not in makers and words[0] not in STOP:
            others.setdefault(words[0], t.text)
    credited = []
    for m in _STYLE_OF.finditer(draft):
        for item in credit_list(m.group(1)):
            words = [w.lower() for w in WORD.findall(strip_article(item))]
            if words and words[0] not in STOP:
                credited.append(words[0])
    return [f"made '{others[w]}' a credit" for w in dict.fromkeys(credited) if w in others]


@dataclass
class GuardReport:
    """Why a written brief was rejected (empty when it passed)."""

    reasons: list[str]
    #: What the draft dropped: the prompt's words (parts of terms) it no longer says.
    dropped: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def twice(self) -> list[str]:
        """The terms the draft says twice (`said_twice`'s reasons)."""
        return [m.group(1) for m in map(_SAID_TWICE.match, self.reasons) if m]

    @property
    def more(self) -> list[str]:
        """The prompt's words the draft says more often than asked (`said_more`'s reasons)."""
        return [m.group(1) for m in map(_SAID_MORE.match, self.reasons) if m]

    @property
    def repairable(self) -> bool:
        """Whether each reason is a term dropped, or a term or word said too often: what
        `llm.repair` can mend."""
        return all(r.startswith("dropped ") or _SAID_TWICE.match(r) or _SAID_MORE.match(r) for r in self.reasons)


class Guard:
    """Judges written briefs for one rules engine (its target version, rule set and connectives)."""

    def __init__(self, rules: Rewriter, prompts: dict[str, Any], embedder: Any = None,
                 rule_dirs: tuple[Path, ...] = ()) -> None:
        """`prompts`: the LLM jobs' (rules/llm/prompts.toml), whose write vocabulary (function
        words, connectives, medium verbs) the guard reads; `embedder`: match terms by embedding
        too (else by the ledger alone)."""
        self.rules = rules
        self.prompts = prompts
        self.embedder = embedder
        self.rule_dirs = tuple(rule_dirs)
        self._wording_linter: Any = None

    @property
    def vocabulary(self) -> dict[str, Any]:
        """The write job's vocabulary (rules/llm/prompts.toml `[write.vocabulary]`)."""
        return self.prompts["write"].get("vocabulary", {})

    def check(self, original: RewriteResult, text: str, *, repeats: bool = False,
              brief: Brief | None = None) -> GuardReport:
        """Coverage, nothing invented, no parameters in the text, wording lint clean; with `repeats`
        (the trained writer's drafts), nothing said twice (`said_twice`, `said_more`) and no credit
        given to a term of another role (`miscredits`, against `brief`: the prompt's analysis, read here when
        the caller has not)."""

        reasons: list[str] = []
        dropped: list[str] = []
        if not text.strip():
            return GuardReport(["empty output"])
        if re.search(r"(?:^|\s)(?:--|—)[a-z]", text):
            reasons.append("wrote parameters into the text")
        source = parse(original.input).text
        if self.embedder is not None:
            c = compare(source, text, embedder=self.embedder)
            if c.missing:
                dropped = list(c.missing)
                reasons.append("dropped " + ", ".join(c.missing))
            if c.added:
                reasons.append("invented " + ", ".join(a.text for a in c.added))
        else:  # the same term accounting, without the embedding stage
            acc = account(parse_mended(source)[0], parse_mended(text + " " + " ".join(original.params))[0])
            missing = dropped = [p.text for t in acc.terms if t.status != "kept" for p in t.lost]
            if missing:
                reasons.append("dropped " + ", ".join(missing))
            allowed = normal_words(" ".join(self.connectives(original)))
            invented = sorted({w for run in acc.added for w in normal_words(run.text) - allowed if not w.isdigit()})
            if invented:
                reasons.append("invented " + ", ".join(invented))
        rules_brief = original.candidates[0] if original.candidates else original.output
        verbs = self.vocabulary.get("medium_verbs", {})
        reasons += role_checks(source, text, rules_brief, verbs, repeats=repeats)
        if repeats:  # the trained writer's drafts: a word said once more than asked, a credit is a maker's
            named = {w.lower() for r in reasons for w in WORD.findall(r)}  # a word already said twice
            reasons += [r for r in said_more(source, text, rules_brief, self.writer_words)
                        if r.split("'")[1] not in named]
            reasons += miscredits(brief if brief is not None else self.rules.analysis(original.input), text)
        # wording the writer brought in: warnings the rules engine's own brief does not have (a
        # prompt's SD weights or an odd word the user wrote are not the writer's fault)
        wording = self._wording(text) - self._wording(original.candidates[0] if original.candidates else "")
        if wording:
            reasons.append("wording warnings " + ", ".join(sorted(wording)))
        return GuardReport(reasons, tuple(dropped))

    def connectives(self, original: RewriteResult | None = None) -> set[str]:
        """The words a writer may add around the prompt's own (lower case): the write vocabulary,
        the composer's connectives (`writer_words`) and, given a rewrite, its analysed slots' wording."""
        words = set(self.writer_words)
        if original is not None:
            words.update(w.lower() for vs in original.slots.values() for v in vs for w in WORD.findall(v))
        return words

    @cached_property
    def writer_words(self) -> frozenset[str]:
        """The write vocabulary's function words and connectives and the composer's connectives:
        the same for every prompt, read once."""
        vocab = self.vocabulary
        words = set(vocab.get("function_words", [])) | set(vocab.get("connectives", []))
        for forms in self.rules.rules.connectives.values():  # the composer's own connectives
            words |= {w.lower() for w in WORD.findall(" ".join(forms).replace("{x}", ""))}
        return frozenset(words | {"a", "an", "the", "is", "are", "photo", "painting", "image", "picture"})

    def _wording(self, text: str) -> set[str]:
        if not text:
            return set()
        if self._wording_linter is None:
            self._wording_linter = Linter(version=self.rules.target, select=["PS2"], rule_dirs=self.rule_dirs)
        return {d.code for d in self._wording_linter.lint(text) if d.severity.value != "info"}
