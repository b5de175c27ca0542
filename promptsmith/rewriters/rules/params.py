"""The parameter stage: the version a brief is written for, then the linter's own fixes.

A prompt already on a current version (6, 6.1, 7, 8, 8.1, niji 6, niji 7) keeps it, and keeps
that version's parameters (`--hd` on 8.1, `--oref`, `--exp`, `--draft` …): versions are never
downgraded. An older `--v` (5.2 and before) is raised to the target version. Then the linter's
fixes do the migration, each under the rewrite rule that names it (`CODE_RULES`): out-of-range
values clamped (PS101), repeated parameters (PS105), legacy flags (PS107), `--w/--h` → `--ar`
(PS108), parameters the version forbids (PS401, PS402). The migration is written once, in the
linter; the rewriter only says which fixes it takes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from promptsmith.core.fix import apply_edits, fix_passes
from promptsmith.core.format import format_param as render_param
from promptsmith.core.format import sort_params
from promptsmith.core.model import Diagnostic, Param, Prompt, Span, build, span
from promptsmith.core.parse import parse
from promptsmith.core.spec import Spec
from promptsmith.rewriters.rules.registry import RewriteRules, declare_rule

#: The linter fixes the parameter stage applies, and the rewrite rule each is reported under.
CODE_RULES = {
    "PS108": "width-height-to-aspect",
    "PS107": "legacy-flag",
    "PS101": "clamp-out-of-range",
    "PS105": "canonical-parameters",
    "PS401": "version-compatibility",
    "PS402": "version-compatibility",
    "PS123": "version-compatibility",
}
#: Version groups whose prompts are migrated to the target version; newer ones keep theirs.
MIGRATED_GROUPS = ("early", "v4", "v5")
MIGRATED_VERSIONS = ("niji4", "niji5")


#: The parameter stage's rules: most are the linter's fixes (CODE_RULES), taken under these names.
PARAMETER_RULES = {
    "width-height-to-aspect": "--w/--h are deprecated; the aspect ratio says the same (and --w now means --weird).",
    "legacy-flag": "A flag of a retired model or upscaler does nothing (or errors) on current versions: removed.",
    "clamp-out-of-range": "A value out of range for the version is clamped to the nearest valid value.",
    "canonical-parameters": "Parameters written once each (a repeat is dropped, the first kept), with canonical names, "
                            "in a stable order.",
    "version-compatibility": "A parameter the version does not accept gets the linter's fix (--cref on V7 becomes "
                             "--oref).",
    "target-version": "A --v of 5.2 or older is raised to the target version (the brief is written for it); a current "
                      "version is kept.",
    "merge-no": "One --no list is what Midjourney reads: repeated --no parameters and negations from the text are "
                "merged.",
    "suggest-style-raw": "Text to render comes out better with --style raw (a suggestion: remove it for the default "
                         "look).",
}
for _name, _doc in PARAMETER_RULES.items():
    declare_rule(_name, "parameters", _doc)


def migrated(spec: Spec, version: str) -> bool:
    """Whether a prompt on `version` is migrated to the target (5.2 and older), not kept."""
    return version in MIGRATED_VERSIONS or any(spec.in_group(version, g) for g in MIGRATED_GROUPS)


def written_version(spec: Spec, prompt: Prompt, target: str) -> str:
    """The version the rewrite's output is for: the prompt's own when it is current (kept), the
    target when it names none or an older one (raised), niji 6 for niji 4 and 5."""
    for p in prompt.params:
        if p.name == "niji" and not p.permuted:
            raw = str(p.value) if p.value not in (None, True, "") else ""
            version = spec.normalize_version(raw if raw.startswith("niji") else f"niji{raw}") if raw else None
            if version is None:
                return spec.niji_default
            return "niji6" if version in MIGRATED_VERSIONS else version
    for p in prompt.params:
        if p.name == "version" and not p.permuted:
            version = spec.normalize_version(str(p.value))
            if version is not None and not migrated(spec, version):
                return version
            return target
    return target


def _param(name: str, alias: str, raw: str, value: object) -> Param:
    return build(Param, name=name, alias=alias, raw=raw, value=value, span=span(0, 0))


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(item.strip())
    return out


class ParameterStage:
    """Writes a prompt's parameters for the target version, recording each change."""

    def __init__(
        self, spec: Spec, rules: RewriteRules, target: str, lint_fixes: Callable[[str], list[Diagnostic]]
    ) -> None:
        self.spec = spec
        self.rules = rules
        self.target = target
        self._lint = lint_fixes

    def run(
        self, prompt: Prompt, negatives: list[str], quoted: bool, change: Callable[[str, str, str, str], None]
    ) -> list[str]:
        """The parameters as canonical strings; `change(rule, before, after, reason)` records each change."""
        rules, spec = self.rules, self.spec
        kept: list[Param] = []
        no_items: list[str] = []
        n_no = 0
        has_raw = has_style = False
        for p in prompt.params:
            if p.name == "no" and isinstance(p.value, tuple) and rules.on("merge-no"):
                no_items.extend(p.value)  # type: ignore[arg-type]
                n_no += 1
                continue
            if p.name == "version" and rules.on("target-version") and not p.permuted:
                version = spec.normalize_version(str(p.value))
                if version is not None and migrated(spec, version) and version != self.target:
                    before = p.span.slice(prompt.source)
                    p = p.model_copy(update={"raw": spec.label(self.target), "value": self.target})
                    change("target-version", before, f"--v {self.target}", "")
            if p.name == "niji" and rules.on("target-version") and not p.permuted:
                # the parser gives the key (`niji5`); a niji target is the niji it is raised to,
                # otherwise niji 6
                version = spec.normalize_version(str(p.value)) if p.value not in (None, True, "") else None
                if version in MIGRATED_VERSIONS:
                    to = self.target if self.target.startswith("niji") else "niji6"
                    before = p.span.slice(prompt.source)
                    p = p.model_copy(update={"raw": to[4:], "value": to})
                    change("target-version", before, f"--niji {to[4:]}", "")
            if p.name == "raw" or (p.name == "style" and p.value == "raw"):
                has_raw = True
            has_style = has_style or p.name == "style"
            kept.append(p)
        no_items.extend(negatives)  # the rule off: the text's negations get a --no of their own
        if no_items:
            merged = _dedupe(no_items)
            if n_no > 1:
                change("merge-no", "--no … --no …", "--no " + ", ".join(merged), "")
            kept.append(_param("no", "no", ", ".join(merged), tuple(merged)))
        text = " ".join(render_param(p, spec) for p in kept)
        if text:
            text = self._fix(text, change)
        params = list(parse("x " + text, spec).params) if text else []
        if quoted and not has_raw and not has_style and rules.on("suggest-style-raw"):
            version = next((spec.normalize_version(str(p.value)) for p in params if p.name == "version"), None)
            pspec = spec.params.get("style")
            if pspec is None or pspec.supports(version or self.target):
                params.append(_param("style", "style", "raw", "raw"))
                change("suggest-style-raw", "", "--style raw", "")
        if rules.on("canonical-parameters"):
            params = sort_params(params, spec)
        return [render_param(p, spec) for p in params]

    def _fix(self, text: str, change: Callable[[str, str, str, str], None]) -> str:
        """The linter's parameter fixes, pass by pass until none applies (each reported)."""

        def lint(t: str) -> list[Diagnostic]:
            return [d for d in self._lint(t) if d.code in CODE_RULES and self.rules.on(CODE_RULES[d.code])]

        current = "x " + text  # a word of text in front: the linter reads parameters after a prompt
        for before_pass, taken, current in fix_passes(current, lint, unsafe=True, tidy=_squeeze):  # noqa: B007, B020
            spans = [p.span for p in parse(before_pass).params]  # once a pass, not once a fix
            for d in taken:
                before, after = _region(before_pass, d, spans)
                change(CODE_RULES[d.code], before, after, d.message)
        return current[2:].strip()


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def _region(text: str, d: Diagnostic, spans: list[Span]) -> tuple[str, str]:
    """The parameters a fix touches, before and after it (`--s 5000` → `--s 1000`); `spans` are
    the parameters of `text`, in order. Costs the region's length, not the text's."""
    edits = d.fix.edits if d.fix else ()
    start = min([d.span.start, *(e.start for e in edits)])
    end = max([d.span.end, *(e.end for e in edits)])
    i = bisect_left(spans, start, key=lambda sp: sp.end)  # the first parameter that ends at or after start
    while i < len(spans) and spans[i].start <= end:
        start, end = min(start, spans[i].start), max(end, spans[i].end)
        i += 1
    local = [e.model_copy(update={"start": e.start - start, "end": e.end - start}) for e in edits]
    return text[start:end].strip(), " ".join(apply_edits(text[start:end], local).split())
