"""One brief, written for the model it goes to: Midjourney by version, or an open pipeline's dialect.

- **Midjourney** (`mj`, `mj-7`, `mj-8.2`, `niji-7`, … one name per version of rules/midjourney.toml):
  the brief and the parameters that version accepts (the rules engine's output as it is).
- **SD-family** (`sd15`, `sdxl`): comma-separated terms, the most important first (subject,
  medium, style, lighting, colour, composition, mood), `::` weights as `(term:1.2)`, within 77
  CLIP tokens counted by the real BPE (SDXL's two encoders share the vocabulary, so one count is
  both); `--no` and negative `::` parts become the negative prompt.
- **T5/LLM-encoder** (`flux`, `sd3`, `qwen-image`): the brief's prose without Midjourney syntax,
  within 512 tokens, counted by an upper bound (no T5 or Qwen vocabulary is available offline;
  promptsmith.core.tokens says how the bound is made). 512 is the default `max_sequence_length`
  of diffusers' FluxPipeline and QwenImagePipeline; StableDiffusion3Pipeline defaults to 256, so
  the record asks for 512 explicitly.

Every family gets the pipeline arguments of the render plan (`promptsmith.core.plan`): `--ar` →
width/height, `--seed` → seed, `--s` → guidance. Nothing is dropped silently: what does not fit
is named in `cut`, term by term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from promptsmith.core.parse import parse
from promptsmith.core.plan import plan
from promptsmith.core.spec import Spec, load_spec
from promptsmith.core.tokens import ENCODERS
from promptsmith.errors import ConfigError
from promptsmith.registries import OPEN_TARGETS, TARGETS, mj_target_version
from promptsmith.rewriters.result import Cut, RewriteResult, TokenCount

#: The open targets' prompt kind, tokenizer and plan family (one definition, in the registries).
OPEN = OPEN_TARGETS
#: The order content is kept in when the budget is tight: what the picture is of comes first.
SLOT_ORDER = ("subject", "medium", "style", "lighting", "colour", "composition", "mood")
#: SD-family weights are kept within this range (beyond it, CLIP-weighted prompts burn).
WEIGHT_RANGE = (0.5, 1.5)
_SEPARATOR = re.compile(r"\s*::\s*-?(?:\d+(?:\.\d*)?|\.\d+)?\s*")
_SUBPHRASE = re.compile(r"\s*(?::\s*)+\s*|[,;]\s*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")


@dataclass(frozen=True)
class Target:
    """A resolved target: its canonical name and what writing for it means."""

    name: str
    #: "midjourney", "clip" (SD-family) or "t5" (T5/LLM-encoder family).
    kind: str
    #: The Midjourney version key (Midjourney targets only).
    version: str | None = None
    #: promptsmith.core.tokens.ENCODERS key, and the render plan's family (open targets only).
    encoder: str | None = None
    family: str | None = None
    #: A Midjourney version named by the target (`mj-7`, `niji-7`), not the default (`mj`): a
    #: brief with no version of its own gets that version's parameter.
    explicit: bool = False


def target_names(spec: Spec | None = None) -> tuple[str, ...]:
    """Every target name: `mj`, one `mj-<version>`/`niji-<n>` per version of the table, then the
    open pipelines of the registry."""
    spec = spec or load_spec()
    mj = [("niji-" + v[4:]) if v.startswith("niji") else f"mj-{v}" for v in spec.versions]
    return ("mj", *mj, *(n for n in TARGETS.names if n != "mj"))


def resolve_target(name: str | None, spec: Spec | None = None, version: str | None = None) -> Target:
    """The target called `name` (default: Midjourney at `version`, else the table's default)."""
    spec = spec or load_spec()
    raw = (name or "mj").strip().lower()
    if raw in TARGETS and TARGETS.resolve(raw) != "mj":
        canon = TARGETS.resolve(raw)
        kind, encoder, family = OPEN[canon]
        return Target(canon, kind, encoder=encoder, family=family)
    if raw in ("mj", "midjourney") and version:
        key = spec.normalize_version(version)
    else:
        key = mj_target_version(raw, spec)
    if key is None:
        raise ConfigError(f"unknown target {name!r}; choose one of {', '.join(target_names(spec))}")
    label = ("niji-" + key[4:]) if key.startswith("niji") else f"mj-{key}"
    return Target(label, "midjourney", version=key, explicit=raw not in ("mj", "midjourney"))


def _count(encoder: str, text: str) -> int:
    return ENCODERS[encoder].count(text)


def _budget(encoder: str) -> int:
    return ENCODERS[encoder].budget


def tokens_record(encoder: str, text: str) -> dict[str, Any]:
    """`{count, budget, encoder, exact}` for `text`: what the record's `tokens` field holds."""

    enc = ENCODERS[encoder]
    return {"count": enc.count(text), "budget": enc.budget, "encoder": enc.name, "exact": enc.exact}


def _weights(source: str) -> list[tuple[str, float]]:
    """The prompt's positive `::` parts, lower-cased, with their weight relative to the median
    part's (Midjourney normalises weights by their sum; `(term:w)` scales one term's attention,
    so a part weighted like most others is written plain)."""

    p = parse(source)
    if not p.is_multiprompt:
        return []
    parts = [(s.text.lower(), s.weight if s.weight is not None else 1.0) for s in p.segments if s.text]
    positive = [(t, w) for t, w in parts if w > 0]
    if not positive:
        return []
    ws = sorted(w for _, w in positive)
    mid = len(ws) // 2
    median = ws[mid] if len(ws) % 2 else (ws[mid - 1] + ws[mid]) / 2
    return [(t, w / median) for t, w in positive]


def _weighted(term: str, weights: list[tuple[str, float]]) -> str:
    """`term`, as `(term:1.2)` when it comes from a `::` part weighted away from the mean."""
    low = term.lower()
    for text, w in weights:
        if low in text:
            w = round(min(WEIGHT_RANGE[1], max(WEIGHT_RANGE[0], w)), 2)
            return term if w == 1.0 else f"({term}:{w:g})"
    return term


def _content(slots: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The brief's content terms, (slot, term), most important first, each once."""
    order = [*SLOT_ORDER, *(s for s in slots if s not in SLOT_ORDER)]
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for slot in order:
        for term in slots.get(slot, ()):
            key = term.strip().lower()
            if key and key not in seen:
                seen.add(key)
                out.append((slot, term.strip()))
    return out


def _prose(output: str) -> str:
    """The brief without Midjourney syntax: no parameters, no `::` separators or weights."""

    p = parse(output)
    text = output[: p.params_start].strip() if p.params else output.strip()
    for img in sorted(p.images, key=lambda i: i.span.start, reverse=True):  # image prompts need an IP-Adapter
        if img.span.end <= len(text):
            text = text[: img.span.start] + text[img.span.end :]
    return " ".join(_SEPARATOR.sub(", ", text).split()).strip(" ,")


def _phrases(output: str) -> list[tuple[str, str]]:
    """The brief's prose as (\"text\", phrase) pairs, split at sentence ends, commas and semicolons
    (for a brief the rules engine left as prose, with no slots)."""
    parts = re.split(r"(?<=[.!?])\s+|[,;]\s*", _prose(output))
    return [("text", p.strip().rstrip(".!?").strip()) for p in parts if p.strip().rstrip(".!?").strip()]


def _clip_dialect(slots: dict[str, list[str]], source: str, output: str,
                  encoder: str) -> tuple[str, list[dict[str, Any]]]:
    """Terms joined by commas, most important first, as many as the window holds; the rest cut."""
    weights = _weights(source)
    budget = _budget(encoder)
    kept: list[str] = []
    cut: list[dict[str, Any]] = []
    for slot, term in _content(slots) or _phrases(output):
        written = _weighted(term, weights)
        if _count(encoder, ", ".join([*kept, written])) <= budget:
            kept.append(written)
            continue
        reason = f"over the {budget}-token {encoder.upper()} window"
        # a long term (a run-on subject) keeps the phrases of it that fit, and is named as cut
        parts = [p for p in _SUBPHRASE.split(term) if p.strip()]
        fitted = []
        for part in parts if len(parts) > 1 else ():
            if _count(encoder, ", ".join([*kept, part])) <= budget:
                kept.append(part)
                fitted.append(part)
        if fitted:
            reason += "; only these phrases of it fit: " + "; ".join(fitted)
        cut.append({"term": term, "slot": slot, "tokens": _count(encoder, written) - 2, "reason": reason})
    return ", ".join(kept), cut


def _t5_dialect(output: str, encoder: str) -> tuple[str, list[dict[str, Any]]]:
    """The brief's prose, sentence by sentence while the budget holds; later sentences cut."""
    budget = _budget(encoder)
    kept: list[str] = []
    cut: list[dict[str, Any]] = []
    reason = f"over the {budget}-token budget (counted as an upper bound: {encoder})"
    for sentence in _SENTENCE.split(_prose(output)):
        if not cut and _count(encoder, " ".join([*kept, sentence])) <= budget:
            kept.append(sentence)
            continue
        # the sentence that does not fit: its phrases while they fit, then nothing more (the
        # order is kept: nothing after a cut is kept)
        for phrase in ([] if cut else re.split(r"(?<=[,:;])\s+", sentence)):
            if not cut and _count(encoder, " ".join([*kept, phrase])) <= budget:
                kept.append(phrase)
            else:
                cut.append({"term": phrase, "slot": "phrase", "tokens": _count(encoder, phrase), "reason": reason})
        if cut and sentence not in kept and not any(c["term"] in sentence for c in cut):
            cut.append({"term": sentence, "slot": "sentence", "tokens": _count(encoder, sentence), "reason": reason})
    return " ".join(kept).rstrip(","), cut


def fit_prompt(text: str, family: str) -> tuple[str, list[str]]:
    """`text` as the family's pipeline reads it: `(term:w)` weight syntax, which diffusers would
    read as words, unwrapped; then comma-separated terms (CLIP) or sentences and phrases (T5) kept
    while the encoder's budget holds. Returns the text and the terms cut (a preview's plan lists
    them)."""
    kind, encoder, _ = OPEN[family if family in OPEN else TARGETS.resolve(family)]
    text = re.sub(r"\(([^():]+):\s*-?[\d.]+\)", r"\1", text)
    if _count(encoder, text) <= _budget(encoder):
        return text, []
    if kind == "t5":
        kept, cut = _t5_dialect(text, encoder)
        return kept, [c["term"] for c in cut]
    budget = _budget(encoder)
    out: list[str] = []
    dropped: list[str] = []
    for term in (t.strip() for t in text.split(",")):
        if term and not dropped and _count(encoder, ", ".join([*out, term])) <= budget:
            out.append(term)
        elif term:
            dropped.append(term)  # in order: nothing after the first term that does not fit
    return ", ".join(out), dropped


def pipeline_args(source: str, family: str) -> tuple[dict[str, Any], str]:
    """The render plan's pipeline arguments for `source` (size, seed, guidance, steps) and its
    negative prompt: the same plan a preview renders."""

    rp = plan(source, family, seed=None)
    # Qwen-Image's pipeline takes true CFG as `true_cfg_scale` (its `guidance_scale` is for
    # guidance-distilled checkpoints only: diffusers' QwenImagePipeline)
    guidance = "true_cfg_scale" if family == "qwen-image" else "guidance_scale"
    args: dict[str, Any] = {"width": rp.width, "height": rp.height, guidance: rp.guidance_scale,
                            "num_inference_steps": rp.num_inference_steps,
                            "seed": None if rp.seeds_random else rp.seeds[0]}
    return args, rp.negative_prompt


def write_for(target: Target, source: str, output: str, slots: dict[str, list[str]]) -> dict[str, Any]:
    """The target's fields of a rewrite record: `target`, `prompt`, `negative_prompt`,
    `pipeline_args`, `tokens` and `cut`, for the brief `output` (with `slots`) of `source`."""
    if target.kind == "midjourney":
        prompt = output
        if target.explicit and target.version and output.strip():
            if not any(p.name in ("version", "niji") for p in parse(output).params):
                v = target.version
                prompt = f"{output} --niji {v[4:]}" if v.startswith("niji") else f"{output} --v {v}"
        return {"target": target.name, "prompt": prompt, "negative_prompt": "", "pipeline_args": {},
                "tokens": None, "cut": []}
    assert target.encoder is not None and target.family is not None
    if target.kind == "clip":
        prompt, cut = _clip_dialect(slots, source, output, target.encoder)
    else:
        prompt, cut = _t5_dialect(output, target.encoder)
    args, negative = pipeline_args(source, target.family)
    if target.kind == "t5":
        args["max_sequence_length"] = _budget(target.encoder)  # SD3's pipeline would cut at 256 otherwise
    return {"target": target.name, "prompt": prompt, "negative_prompt": negative, "pipeline_args": args,
            "tokens": tokens_record(target.encoder, prompt), "cut": cut}


def retarget(result: RewriteResult, goal: Target) -> RewriteResult:
    """`result` with the target fields for `goal` (a `Target`): the prompt in its dialect,
    negative prompt, pipeline arguments, tokens and cut. Every engine's result goes through here."""
    fields = write_for(goal, result.input, result.output, result.slots)
    if goal.kind == "midjourney":
        fields["output"] = fields["prompt"]  # the version a target names is written out
    tokens = fields.pop("tokens")
    fields["tokens"] = TokenCount(**tokens) if tokens else None
    fields["cut"] = [Cut(**c) for c in fields["cut"]]
    return result.model_copy(update=fields)
