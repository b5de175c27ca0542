"""The rules engine: the stages run in order, every change reported with the rule that made it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from promptsmith.core.fix import apply_edits, fix_passes, parse_mended
from promptsmith.core.format import format_weight
from promptsmith.core.fragments import fragments
from promptsmith.core.model import Diagnostic, Prompt, Severity
from promptsmith.core.parse import MAX_PROMPT_CHARS
from promptsmith.core.spec import Spec, load_spec
from promptsmith.core.terms import ledger
from promptsmith.errors import ConfigError
from promptsmith.linter.context import multiprompts_work
from promptsmith.linter.engine import Linter
from promptsmith.linter.helpers import prose_version
from promptsmith.rewriters.english import capitalize_sentences
from promptsmith.rewriters.result import Change, RewriteResult
from promptsmith.rewriters.rules.analysis import Analyzer
from promptsmith.rewriters.rules.brief import Brief
from promptsmith.rewriters.rules.compose import candidates
from promptsmith.rewriters.rules.params import CODE_RULES, ParameterStage, written_version
from promptsmith.rewriters.rules.registry import RewriteRules, declare_rule, load_rewrite_rules, rewrite_rule

if TYPE_CHECKING:
    from promptsmith.backends.base import Generator
    from promptsmith.settings import Settings

#: Wording findings that mean the text needs rewriting; without any, the text is kept as written.
_WORDING = ["PS201", "PS202", "PS204", "PS205", "PS211"]
#: The text-stage fixes taken from the linter, and the rule each is reported under.
_TEXT_FIXES = {"PS205": "double-quotes", "PS212": "unquote-prompt", "PS309": "parameter-in-text"}
#: What any of the text fixes needs to find something: a quote, or a number after a letter or two.
_TEXT_FIX_HINT = re.compile(r"['\"“‘]|(?:^|[\s,])-{0,2}[a-z]{1,8}\s+\d")


declare_rule("double-quotes", "syntax",
             "Midjourney renders only text in double quotes: text to draw in single quotes gets double ones (the "
             "linter's PS205 fix).")
declare_rule("parameter-in-text", "syntax",
             "Parameter text left in the prose (`ar 2:3`, `-v 5`) is read as words: it moves to the parameters (the "
             "linter's PS309 fix).")
declare_rule("unquote-prompt", "syntax",
             "A whole prompt in quotes would be drawn as lettering: the quotes go (the linter's PS212 fix).")


#: Findings a rewrite reports but cannot act on: the sources disagree on the parameter (PS410).
UNSETTLED = frozenset({"PS410"})


class Rewriter:
    """A configured rules engine: target version, rule set, lexicons. Reusable and thread-safe."""

    def __init__(self, target_version: str | None = None, rules: RewriteRules | None = None,
                 rule_dirs: tuple[Path, ...] = (), n_candidates: int = 1) -> None:
        self.spec: Spec = load_spec(tuple(rule_dirs))
        target = self.spec.normalize_version(str(target_version or self.spec.default_version))
        if target is None:
            raise ConfigError(
                f"target version must be one of {', '.join(self.spec.labels.get(v, v) for v in self.spec.versions)}, "
                f"not {target_version!r}"
            )
        self.target = target
        #: How many phrasings to enumerate into `RewriteResult.candidates` (the LLM ranks them).
        self.n_candidates = max(1, n_candidates)
        self.rules = rules or load_rewrite_rules(tuple(rule_dirs))
        self.analyzer = Analyzer(self.rules)

        self.linter = Linter(version=target, rule_dirs=tuple(rule_dirs))
        self.wording = Linter(version=target, select=_WORDING, rule_dirs=tuple(rule_dirs))
        self.text_fixes = Linter(version=target, select=list(_TEXT_FIXES), rule_dirs=tuple(rule_dirs))
        param_linter = Linter(version=target, select=list(CODE_RULES), rule_dirs=tuple(rule_dirs))
        self.params = ParameterStage(self.spec, self.rules, target, param_linter.lint)

    @property
    def v7(self) -> bool:
        return self.spec.in_group(self.target, "v7") or self.spec.in_group(self.target, "v8")

    def reason(self, rule: str) -> str:
        return self.rules.reasons.get(rule, rule)

    # -- the pipeline ----------------------------------------------------------------------------
    def rewrite(self, text: str, overrides: dict[str, str] | None = None) -> RewriteResult:
        """Rewrite one prompt; never raises on user text. `overrides` puts terms into slots
        (the LLM's classify job)."""
        t0 = time.perf_counter()
        if len(text) > MAX_PROMPT_CHARS:  # left as it is, with the finding that says why (PS013)
            return RewriteResult.built(
                input=text,
                output=text,
                diagnostics=self.linter.lint(text),
                clean=False,
                target_version=self.target,
                seconds=time.perf_counter() - t0,
            )
        changes: list[Change] = []
        prompt = self._syntax_fixes(text, changes)
        prompt = self._text_fixes(prompt, changes)
        prompt_text = prompt.text
        quoted = bool(prompt.quotes)

        negatives: list[str] = []
        briefs: list[Brief] = []
        cands: list[str] = []
        if not prompt_text.strip():
            body = ""
        elif prompt.is_multiprompt:
            body = self._multi_prompt(prompt, negatives, changes, briefs)
        elif self._already_a_brief(prompt_text):
            body = capitalize_sentences(prompt_text)
            if body != prompt_text:
                changes.append(
                    Change.made(
                        rule="natural-language-brief",
                        before=prompt_text,
                        after=body,
                        reason="each sentence starts with a capital",
                    )
                )
        else:
            brief = self.analyzer.analyze(prompt_text, overrides)
            briefs.append(brief)
            if self.rules.on("natural-language-brief"):
                cands = list(islice(candidates(brief, self.rules), self.n_candidates))
            else:  # the rule is off: the cleaned keywords, in their own order
                cands = [", ".join(t.text for t in brief.terms)] if brief.terms else []
            # nothing left means every term was removed by a named rule (all filler, say)
            body = cands[0] if cands else ("" if brief.dropped else prompt_text)
            self._brief_changes(brief, prompt_text, body, negatives, changes)

        def change(rule: str, before: str, after: str, reason: str) -> None:
            changes.append(
                Change.made(
                    rule=rule, before=before, after=after, reason=self.reason(rule) + (f": {reason}" if reason else "")
                )
            )

        params = self.params.run(prompt, negatives, quoted, change)
        images = [i.url + (f"::{format_weight(i.weight)}" if i.weight is not None else "") for i in prompt.images]
        output = " ".join(x for x in (" ".join(images), body, " ".join(params)) if x)
        diagnostics = self.linter.lint(output) if output else []
        # a doubt in the sources (PS410) is reported in `diagnostics`, but the rewrite cannot settle
        # it, so it does not fail the brief
        clean = not any(
            d.severity in (Severity.ERROR, Severity.WARNING) and d.code not in UNSETTLED for d in diagnostics
        )
        return RewriteResult.built(
            input=text,
            output=output,
            slots=_merge_slots(briefs),
            params=params,
            changes=changes,
            diagnostics=diagnostics,
            clean=clean,
            candidates=cands,
            engine="rules",
            target_version=self.target,
            seconds=time.perf_counter() - t0,
        )

    def analysis(self, text: str) -> Brief | None:
        """The brief `rewrite` composes from (the text after the same syntax and text fixes), or
        None where it composes none: a multi-prompt, a prompt already written as a brief, an
        empty or over-long one. The LLM's span lock takes its phrases from here."""
        if len(text) > MAX_PROMPT_CHARS:
            return None
        changes: list[Change] = []
        prompt = self._text_fixes(self._syntax_fixes(text, changes), changes)
        if not prompt.text.strip() or prompt.is_multiprompt or self._already_a_brief(prompt.text):
            return None
        return self.analyzer.analyze(prompt.text)

    def _syntax_fixes(self, text: str, changes: list[Change]) -> Prompt:
        """Parse with the syntax slips (en dashes, glued flags…) mended, recording each as a change."""
        prompt, mended = parse_mended(text, self.spec)
        for d in mended:
            changes.append(
                Change.made(
                    rule=d.name,
                    before=d.span.slice(text),
                    after="".join(e.content for e in d.fix.edits),  # type: ignore[union-attr]
                    reason=d.message,
                )
            )
        return prompt

    def _text_fixes(self, prompt: Prompt, changes: list[Change]) -> Prompt:
        """The linter's text fixes (PS205 single quotes, PS212 a quoted prompt, PS309 parameter text
        in the prose), when their rules are on."""
        # the prose alone, read for the target version: a quote fix is about the text, whatever
        # --v the parameters name
        head, tail = prompt.source[: prompt.params_start], prompt.source[prompt.params_start :]
        if not _TEXT_FIX_HINT.search(head):
            return prompt  # no quote and nothing like a parameter: none of the fixes could find anything

        def lint(t: str) -> list[Diagnostic]:
            return [d for d in self.text_fixes.lint(t) if d.fix is not None and self.rules.on(_TEXT_FIXES[d.code])]

        fixed = head
        # one fix may leave another to make (two parameters moved out of the prose)
        for before_pass, taken, fixed in fix_passes(head, lint, unsafe=True, tidy=str):  # noqa: B007 - the last pass's text
            for d in taken:
                rule = _TEXT_FIXES[d.code]
                if d.code == "PS309":  # a move: what arrives in the parameters
                    after = "".join(e.content for e in d.fix.edits).strip()  # type: ignore[union-attr]
                else:
                    grow = sum(len(e.content) - (e.end - e.start) for e in d.fix.edits)  # type: ignore[misc, union-attr]
                    after = apply_edits(before_pass, d.fix.edits)[d.span.start : d.span.end + grow]  # type: ignore[union-attr]
                changes.append(
                    Change.made(rule=rule, before=d.span.slice(before_pass), after=after, reason=self.reason(rule))
                )
        if fixed == head:
            return prompt
        return parse_mended(fixed + tail, self.spec)[0]

    def _already_a_brief(self, text: str) -> bool:
        """A sentence (it ends like one) with no filler, negation or keyword soup is kept as written;
        keywords cut by stops (`Mountains. Clouds. Rushing water.`) are not a brief."""
        if not text.rstrip().endswith((".", "!", "?")) or self.wording.lint(text):
            return False
        frags = fragments(text)
        return sum(len(f.text.split()) <= 2 for f in frags) * 2 < len(frags) or len(frags) < 2

    def _brief_changes(
        self, brief: Brief, before: str, after: str, negatives: list[str], changes: list[Change]
    ) -> None:
        for term in brief.dropped:
            if term.rule == "filler-quality-token":
                changes.append(Change.made(rule=term.rule, before=term.text, after="", reason=self.reason(term.rule)))
            elif term.rule == "negation-to-no":
                changes.append(
                    Change.made(
                        rule=term.rule,
                        before=term.text,
                        after=f"--no {brief.negatives[0] if brief.negatives else ''}".strip(),
                        reason=self.reason(term.rule),
                    )
                )
        for rule, was, now in brief.applied:
            changes.append(Change.made(rule=rule, before=was, after=now, reason=self.reason(rule)))
        negatives.extend(brief.negatives)
        if after != before:
            changes.append(
                Change.made(
                    rule="natural-language-brief",
                    before=before,
                    after=after,
                    reason=self.reason("natural-language-brief"),
                )
            )

    @rewrite_rule("fold-multi-prompt", "composition")
    def _multi_prompt(self, prompt: Prompt, negatives: list[str], changes: list[Change], briefs: list[Brief]) -> str:
        """Where the output's version has no :: multi-prompts (V7 and later, read from the version
        table's era), the parts become one phrase and negative parts go to --no. Where it has
        them, each part is its own short phrase, rewritten inside itself only: its terms as the
        user wrote them, in order, filler removed; no articles, no slots (a weighted noun stays
        a bare noun, `mustard` stays mustard), never across `::`."""

        parts = [(seg, seg.weight if seg.weight is not None else 1.0) for seg in prompt.segments]
        version = written_version(self.spec, prompt, self.target)
        if not multiprompts_work(version) and self.rules.on("fold-multi-prompt"):
            positive = [s.text for s, w in parts if w > 0 and s.text]
            for s, w in parts:
                if w <= 0 and s.text:
                    negatives.append(s.text)
            folded = ", ".join(positive)
            brief = self.analyzer.analyze(folded)
            briefs.append(brief)
            body = next(iter(candidates(brief, self.rules)), folded)
            self._brief_changes(brief, folded, body, negatives, [])
            before = " ".join(f"{s.text}::{s.weight_raw or ''}" if s.separated else s.text for s, _ in parts)
            changes.append(
                Change.made(
                    rule="fold-multi-prompt",
                    before=before,
                    after=body,
                    reason=self.reason("fold-multi-prompt")
                    + f" (the output is for {prose_version(self.spec.label(version))})",
                )
            )
            return body
        out = []
        for seg, _ in parts:
            text = seg.text
            if text and not self._already_a_brief(text):
                brief = self.analyzer.analyze(text)
                briefs.append(brief)
                new = self._part_terms(text, brief)
                self._brief_changes(brief, text, new, negatives, changes)
                if not new:
                    continue  # the whole part was filler: it goes, with its weight
                text = new
            out.append(f"{text}::{seg.weight_raw or ''}" if seg.separated else text)
        body = " ".join(out)
        if body.endswith("::"):  # a closing separator with no weight and nothing after it (PS305)
            body = body[:-2].rstrip()
        if parts and not parts[-1][0].separated and body and not body.endswith((".", "!", "?", '"')):
            body += "."  # the last part is a plain phrase: it ends like a sentence
        return capitalize_sentences(body)

    @staticmethod
    def _part_terms(text: str, brief: Brief) -> str:
        """A `::` part's terms as written, in order, once each, with what analysis removed left
        out: filler (and the filler inside a term), negations moved to --no, SD syntax unwrapped."""
        gone = {t.text for t in brief.dropped}
        kept = [
            t.content
            for t in ledger(text).terms
            if t.content and t.kind != "negation" and t.text not in gone and (not t.wrapped or t.wrapped not in gone)
        ]
        return ", ".join(dict.fromkeys(kept))  # a term said twice in one part is said once (PS203)


def _merge_slots(briefs: list[Brief]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for brief in briefs:
        for slot, values in brief.slots().items():
            merged.setdefault(slot, []).extend(values)
    return merged


_REWRITERS: dict[tuple, Rewriter] = {}


def get_rewriter(target_version: str | None = None, rule_dirs: tuple[Path, ...] = ()) -> Rewriter:
    """A cached rewriter per target version (default: the parameter table's) and rule directories."""
    if target_version is None:
        target_version = load_spec(tuple(rule_dirs)).default_version
    key = (str(target_version), tuple(rule_dirs))
    if key not in _REWRITERS:
        _REWRITERS[key] = Rewriter(target_version, rule_dirs=tuple(rule_dirs))
    return _REWRITERS[key]


class RulesEngine:
    """The rules engine behind the engine protocol (`promptsmith.rewriters.engines`): deterministic,
    no model, one cached `Rewriter` per target version and rule directories."""

    name = "rules"
    needs_model = False

    def __init__(self, settings: Settings, *, generator: Generator | None = None) -> None:
        self.settings = settings

    @classmethod
    def choices(cls) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return ((cls.name, ()),)

    def prepare(self, target_version: str, *, load: bool = False) -> None:
        get_rewriter(target_version, self.settings.rule_dirs)

    def rewrite(
        self, text: str, *, target_version: str, on_token: Callable[[str], None] | None = None
    ) -> RewriteResult:
        return get_rewriter(target_version, self.settings.rule_dirs).rewrite(text)
