"""The v5 → v6 rewrite service: analyse, compose, migrate parameters, and report every change."""

from __future__ import annotations

import math
from itertools import islice
import re
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from promptsmith.services.compare import Comparison
from promptsmith.core.analyze import Analyzer, Brief, RewriteRules, load_rewrite_rules
from promptsmith.core.compose import candidates
from promptsmith.core.fix import parse_mended
from promptsmith.core.model import Diagnostic, Param, Prompt
from promptsmith.core.render import format_weight, render_param, sort_params
from promptsmith.core.spec import Spec, load_spec
from promptsmith.errors import BackendUnavailable, ConfigError

ENGINES = ("rules", "llm", "auto")
TARGETS = ("6", "6.1", "7")
#: Wording findings that mean the text needs rewriting; without any, the text is kept as written.
_WORDING = ["PS201", "PS202", "PS204", "PS205"]
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'([^'\n]{2,}?)'(?![\w'])")


class Change(BaseModel):
    """One thing the rewrite changed, and the named rule that changed it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    before: str
    after: str
    reason: str


class RewriteResult(BaseModel):
    """A rewrite: the input, the v6 brief, its slots and parameters, and every change made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: str
    output: str
    slots: dict[str, list[str]] = Field(default_factory=dict)
    params: list[str] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    candidates: list[str] = Field(default_factory=list)
    engine: str = "rules"
    target_version: str = "6.1"
    seconds: float = 0.0
    #: The meaning check against the input, when asked for (`--check`).
    check: Comparison | None = None
    #: LLM engine: the jobs that ran (rank, classify, write), the model, retries of a written
    #: brief, and why the output fell back to the rules engine's, if it did.
    jobs: list[str] = Field(default_factory=list)
    model: str = ""
    retries: int = 0
    fallback: str | None = None


class Rewriter:
    """A configured rules engine: target version, rule set, lexicons. Reusable and thread-safe."""

    def __init__(self, target_version: str = "6.1", rules: RewriteRules | None = None,
                 rule_dirs: tuple[Path, ...] = (), n_candidates: int = 1) -> None:
        self.spec: Spec = load_spec(tuple(rule_dirs))
        target = self.spec.normalize_version(str(target_version))
        if target not in TARGETS:
            raise ConfigError(f"target version must be one of {', '.join(TARGETS)}, not {target_version!r}")
        self.target = target
        #: How many phrasings to enumerate into `RewriteResult.candidates` (the LLM ranks them).
        self.n_candidates = max(1, n_candidates)
        self.rules = rules or load_rewrite_rules(tuple(rule_dirs))
        self.analyzer = Analyzer(self.rules)
        from promptsmith.lint.engine import Linter

        self.linter = Linter(version=target, rule_dirs=tuple(rule_dirs))
        self.wording = Linter(version=target, select=_WORDING, rule_dirs=tuple(rule_dirs))

    @property
    def v7(self) -> bool:
        return self.target == "7"

    def reason(self, rule: str) -> str:
        return self.rules.reasons.get(rule, rule)

    # -- the pipeline ----------------------------------------------------------------------------
    def rewrite(self, text: str, overrides: dict[str, str] | None = None) -> RewriteResult:
        """Rewrite one prompt; never raises on user text. `overrides` puts terms into slots
        (the LLM's classify job)."""
        t0 = time.perf_counter()
        changes: list[Change] = []
        prompt = self._syntax_fixes(text, changes)
        prompt_text = prompt.text
        quoted = bool(prompt.quotes)
        if self.rules.on("double-quotes") and _SINGLE_QUOTED.search(prompt_text):
            fixed = _SINGLE_QUOTED.sub(lambda m: f'"{m.group(1)}"', prompt_text)
            changes.append(Change(rule="double-quotes", before=prompt_text, after=fixed,
                                  reason=self.reason("double-quotes")))
            prompt_text, quoted = fixed, True

        negatives: list[str] = []
        briefs: list[Brief] = []
        cands: list[str] = []
        if not prompt_text.strip():
            body = ""
        elif prompt.is_multiprompt:
            body = self._multi_prompt(prompt, negatives, changes, briefs)
        elif self._already_a_brief(prompt_text):
            body = prompt_text
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

        params = self._params(prompt, negatives, quoted, changes)
        images = [i.url + (f"::{format_weight(i.weight)}" if i.weight is not None else "") for i in prompt.images]
        output = " ".join(x for x in (" ".join(images), body, " ".join(params)) if x)
        diagnostics = self.linter.lint(output) if output else []
        slots = _merge_slots(briefs)
        return RewriteResult(
            input=text, output=output, slots=slots, params=params, changes=changes,
            diagnostics=diagnostics, candidates=cands, engine="rules", target_version=self.target,
            seconds=time.perf_counter() - t0,
        )

    def _syntax_fixes(self, text: str, changes: list[Change]) -> Prompt:
        """Parse with the syntax slips (en dashes, glued flags…) mended, recording each as a change."""
        prompt, mended = parse_mended(text, self.spec)
        for d in mended:
            changes.append(Change(rule=d.name, before=d.span.slice(text),
                                  after="".join(e.content for e in d.fix.edits),  # type: ignore[union-attr]
                                  reason=d.message))
        return prompt

    def _already_a_brief(self, text: str) -> bool:
        """A sentence (it ends like one) with no filler, negation or keyword soup is kept as written."""
        return text.rstrip().endswith((".", "!", "?")) and not self.wording.lint(text)

    def _brief_changes(self, brief: Brief, before: str, after: str, negatives: list[str],
                       changes: list[Change]) -> None:
        for term in brief.dropped:
            if term.rule == "filler-quality-token":
                changes.append(Change(rule=term.rule, before=term.text, after="",
                                      reason=self.reason(term.rule)))
            elif term.rule == "negation-to-no":
                changes.append(Change(rule=term.rule, before=term.text, after=f"--no {brief.negatives[0] if brief.negatives else ''}".strip(),
                                      reason=self.reason(term.rule)))
        negatives.extend(brief.negatives)
        if after != before:
            changes.append(Change(rule="natural-language-brief", before=before, after=after,
                                  reason=self.reason("natural-language-brief")))

    def _multi_prompt(self, prompt: Prompt, negatives: list[str], changes: list[Change],
                      briefs: list[Brief]) -> str:
        parts = []
        for seg in prompt.segments:
            weight = seg.weight if seg.weight is not None else 1.0
            parts.append((seg, weight))
        if self.v7 and self.rules.on("fold-multi-prompt"):
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
            changes.append(Change(rule="fold-multi-prompt", before=before, after=body,
                                  reason=self.reason("fold-multi-prompt")))
            return body
        out = []
        for seg, _ in parts:
            text = seg.text
            if text and not self._already_a_brief(text):
                brief = self.analyzer.analyze(text)
                briefs.append(brief)
                new = next(iter(candidates(brief, self.rules)), "" if brief.dropped else text).rstrip(".")
                if out:
                    new = new[:1].lower() + new[1:]  # later parts continue the first one
                self._brief_changes(brief, text, new, negatives, changes)
                if not new:
                    continue  # the whole part was filler: it goes, with its weight
                text = new
            out.append(f"{text}::{seg.weight_raw or ''}" if seg.separated else text)
        return " ".join(out)

    # -- parameters ------------------------------------------------------------------------------
    def _params(self, prompt: Prompt, negatives: list[str], quoted: bool, changes: list[Change]) -> list[str]:
        spec = self.spec
        kept: list[Param] = []
        seen: set[str] = set()
        no_items: list[str] = []
        width = height = None
        has_raw = False
        for p in prompt.params:
            pspec = spec.params.get(p.name)
            if p.name == "no" and isinstance(p.value, tuple):
                no_items.extend(p.value)
                continue
            if p.name in ("width", "height") and isinstance(p.value, int) and self.rules.on("width-height-to-aspect"):
                width = p.value if p.name == "width" else width
                height = p.value if p.name == "height" else height
                continue
            if pspec is not None and pspec.legacy and self.rules.on("legacy-flag") and not p.permuted:
                changes.append(Change(rule="legacy-flag", before=p.span.slice(prompt.source), after="",
                                      reason=f"{self.reason('legacy-flag')} ({pspec.migrate})"))
                continue
            if p.name == "hd" and not self.target.startswith("8") and self.rules.on("legacy-flag"):
                changes.append(Change(rule="legacy-flag", before="--hd", after="",
                                      reason=f"{self.reason('legacy-flag')} (--hd means 2K images only on V8.1)"))
                continue
            if pspec is not None and not pspec.multiple and p.name in seen and self.rules.on("canonical-parameters"):
                changes.append(Change(rule="canonical-parameters", before=p.span.slice(prompt.source), after="",
                                      reason="repeated parameter: the first one is kept"))
                continue
            seen.add(p.name)
            if p.name == "version" and self.rules.on("target-version") and not p.permuted and p.value != self.target:
                before = p.span.slice(prompt.source)
                p = p.model_copy(update={"raw": self.target, "value": self.target})
                changes.append(Change(rule="target-version", before=before, after=f"--v {self.target}",
                                      reason=self.reason("target-version")))
            elif pspec is not None and not p.permuted and self.rules.on("clamp-out-of-range"):
                p = self._clamp(p, pspec, prompt.source, changes)
            if p.name == "raw" or (p.name == "style" and p.value == "raw"):
                has_raw = True
            kept.append(p)
        if width and height and self.rules.on("width-height-to-aspect"):
            g = math.gcd(width, height)
            ratio = f"{width // g}:{height // g}"
            changes.append(Change(rule="width-height-to-aspect", before=f"--w {width} --h {height}",
                                  after=f"--ar {ratio}", reason=self.reason("width-height-to-aspect")))
            if "aspect" not in seen:
                kept.append(_param("aspect", "ar", ratio, (width // g, height // g)))
        elif width or height:
            kept.extend(q for q in prompt.params if q.name in ("width", "height"))
        if negatives:
            no_items.extend(negatives)
        if no_items:
            merged = _dedupe(no_items)
            if len([q for q in prompt.params if q.name == "no"]) > 1 and self.rules.on("merge-no"):
                changes.append(Change(rule="merge-no", before="--no … --no …", after="--no " + ", ".join(merged),
                                      reason=self.reason("merge-no")))
            kept.append(_param("no", "no", ", ".join(merged), tuple(merged)))
        if quoted and not has_raw and self.rules.on("suggest-style-raw") and "style" not in seen:
            kept.append(_param("style", "style", "raw", "raw"))
            changes.append(Change(rule="suggest-style-raw", before="", after="--style raw",
                                  reason=self.reason("suggest-style-raw")))
        return [render_param(p, spec) for p in sort_params(kept, spec)]

    def _clamp(self, p: Param, pspec, source: str, changes: list[Change]) -> Param:
        rng = pspec.range_for(self.target)
        value = p.value
        if rng is None or not isinstance(value, (int, float)) or isinstance(value, bool):
            return p
        new = value
        if rng.values is not None:
            numeric = [v for v in rng.values if isinstance(v, (int, float))]
            if numeric and value not in numeric:
                new = min(numeric, key=lambda v: (abs(v - value), v))
        elif rng.min is not None and rng.max is not None:
            new = min(max(value, rng.min), rng.max)
        if new == value:
            return p
        raw = format_weight(float(new)) if isinstance(new, float) else str(int(new))
        before = p.span.slice(source)
        after = render_param(p.model_copy(update={"raw": raw, "value": new}), self.spec)
        changes.append(Change(rule="clamp-out-of-range", before=before, after=after,
                              reason=f"{self.reason('clamp-out-of-range')}: {rng.describe()} on {self.spec.label(self.target)}"))
        return p.model_copy(update={"raw": raw, "value": new})


def _param(name: str, alias: str, raw: str, value: object) -> Param:
    from promptsmith.core.model import span

    return Param(name=name, alias=alias, raw=raw, value=value, span=span(0, 0))  # type: ignore[arg-type]


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(item.strip())
    return out


def _merge_slots(briefs: list[Brief]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for brief in briefs:
        for slot, values in brief.slots().items():
            merged.setdefault(slot, []).extend(values)
    return merged


_REWRITERS: dict[tuple, Rewriter] = {}


def get_rewriter(target_version: str = "6.1", rule_dirs: tuple[Path, ...] = ()) -> Rewriter:
    """A cached rewriter per target version and rule directories."""
    key = (str(target_version), tuple(rule_dirs))
    if key not in _REWRITERS:
        _REWRITERS[key] = Rewriter(target_version, rule_dirs=tuple(rule_dirs))
    return _REWRITERS[key]


def rewrite(text: str, engine: str = "rules", target_version: str = "6.1",
            rule_dirs: tuple[Path, ...] = (), check: bool = False, embedder: Any = None,
            llm: Any = None, on_token: Any = None) -> RewriteResult:
    """Rewrite a v5 keyword prompt into a v6 brief with its parameters.

    engine: `rules` (deterministic), `llm` (a local model does the jobs in `llm`, an
    `LlmOptions`; a missing model is an error), or `auto` (the LLM when a model is available,
    else the rules engine, with the reason in `RewriteResult.fallback`). With `check`, the
    result carries a meaning check against the input (`RewriteResult.check`).
    """
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "rules":
        result = get_rewriter(target_version, rule_dirs).rewrite(text)
    else:
        from promptsmith.errors import ModelNotFound
        from promptsmith.services.llm import LlmOptions, get_llm_rewriter

        try:
            llm_rewriter = get_llm_rewriter(llm or LlmOptions(), str(target_version), tuple(rule_dirs))
            result = llm_rewriter.rewrite(text, on_token=on_token)
        except (ModelNotFound, BackendUnavailable) as exc:
            if engine == "llm":
                raise
            result = get_rewriter(target_version, rule_dirs).rewrite(text)
            result = result.model_copy(update={"fallback": f"no LLM: {exc}"})
    if check:
        from promptsmith.services.compare import compare

        result = result.model_copy(update={"check": compare(text, result.output, embedder=embedder)})
    return result
