"""The local-LLM rewriter: jobs a small model can do, each switchable, all guarded.

- **rank** (default): the rules engine composes candidate briefs and the model picks the most
  fluent by length-normalised log-likelihood. Nothing can be invented or dropped.
- **classify**: terms no lexicon knows are put into a slot by the model's most likely label,
  when it beats the heuristic's slot by a margin.
- **write**: the model writes the brief from the analysed slots (few-shot), optionally with a
  closed-vocabulary grammar. Every written output passes the guard or is retried once with the
  failure fed back, then falls back to the ranked rules output with the reason recorded.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from promptsmith.core.lexicon import load_lexicon
from promptsmith.core.terms import all_keys
from promptsmith.core.resources import load_rule_file
from promptsmith.services.rewrite import Change, Rewriter, RewriteResult

JOBS = ("rank", "classify", "write")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


class Generator(Protocol):
    """What the LLM jobs need from a model backend."""

    name: str

    def logprobs(self, prefix: str, continuations: Sequence[str]) -> list[float]: ...

    def generate(self, prompt: str, *, on_token: Callable[[str], None] | None = None, **options: Any) -> str: ...


@lru_cache(maxsize=4)
def llm_prompts(rule_dirs: tuple[Path, ...] = ()) -> dict[str, Any]:
    """rules/llm/prompts.toml merged with the user's copy (table by table)."""
    merged: dict[str, Any] = {}
    for table in load_rule_file("llm/prompts.toml", rule_dirs):
        for key, value in table.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            else:
                merged[key] = value
    return merged


def _words(text: str) -> set[str]:
    """The ledger's normal forms of every word (spelling variants and plurals are one word)."""
    return all_keys(text)


@dataclass
class GuardReport:
    """Why a written brief was rejected (empty when it passed)."""

    reasons: list[str]

    @property
    def ok(self) -> bool:
        return not self.reasons


def chat(system: str, turns: list[tuple[str, str]], template: str) -> str:
    """A prompt string in the model's chat format (ChatML for SmolLM2/Qwen; plain otherwise)."""
    if template == "chatml":
        out = f"<|im_start|>system\n{system}<|im_end|>\n"
        for role, text in turns:
            out += f"<|im_start|>{role}\n{text}<|im_end|>\n"
        return out + "<|im_start|>assistant\n"
    out = system + "\n\n"
    for role, text in turns:
        out += ("Notes: " if role == "user" else "Sentence: ") + text + "\n"
    return out + "Sentence:"


class LlmRewriter:
    """Rewrites with the rules engine plus a local model doing the jobs asked for."""

    def __init__(self, generator: Generator, *, jobs: Sequence[str] = ("rank",), target_version: str = "6.1",
                 temperature: float = 0.0, seed: int = 0, closed_vocabulary: bool = False,
                 n_candidates: int = 8, guard_embedder: Any = None, template: str = "chatml",
                 rule_dirs: tuple[Path, ...] = ()) -> None:
        unknown = set(jobs) - set(JOBS)
        if unknown:
            raise ValueError(f"unknown LLM jobs {sorted(unknown)}; choose from {', '.join(JOBS)}")
        self.gen = generator
        self.jobs = tuple(jobs)
        self.rules = Rewriter(target_version, rule_dirs=rule_dirs, n_candidates=n_candidates)
        self.temperature = temperature
        self.seed = seed
        self.closed_vocabulary = closed_vocabulary
        self.guard_embedder = guard_embedder
        self.template = template
        self.prompts = llm_prompts(tuple(rule_dirs))

    # -- jobs ------------------------------------------------------------------------------------
    def rank(self, candidates: list[str]) -> tuple[str, list[float]]:
        """The candidate the model finds most fluent, and every candidate's score."""
        if len(candidates) < 2:
            return (candidates[0] if candidates else ""), [0.0] * len(candidates)
        scores = self.gen.logprobs(self.prompts["rank"]["prefix"], candidates)
        best = max(range(len(candidates)), key=lambda i: scores[i])
        return candidates[best], scores

    def classify(self, terms: list[str], current: dict[str, str]) -> dict[str, str]:
        """Slots for unknown terms where the model is confident enough to override the heuristic."""
        cfg = self.prompts["classify"]
        labels = list(cfg["labels"])
        out: dict[str, str] = {}
        for term in terms:
            prefix = cfg["prefix"] + cfg["item"].format(term=term)
            scores = self.gen.logprobs(prefix, [" " + label for label in labels])
            ranked = sorted(zip(scores, labels), reverse=True)
            best_score, best = ranked[0]
            now = current.get(term, "subject")
            now_score = scores[labels.index(now)] if now in labels else float("-inf")
            if best != now and best_score - now_score >= float(cfg.get("margin", 0.5)):
                out[term] = best
        return out

    def _write_prompt(self, notes: str, feedback: str | None, previous: str | None) -> str:
        cfg = self.prompts["write"]
        turns: list[tuple[str, str]] = []
        for ex in cfg.get("examples", []):
            turns += [("user", ex["notes"]), ("assistant", ex["brief"])]
        turns.append(("user", notes))
        if feedback and previous:
            turns += [("assistant", previous), ("user", cfg["retry"].format(reasons=feedback))]
        return chat(cfg["system"], turns, self.template)

    def closed_grammar(self, source_text: str) -> str:
        """GBNF that lets the model use only the input's words plus function words and connectives."""
        vocab = self.prompts["write"].get("vocabulary", {})
        written = {w.lower() for w in _WORD.findall(source_text)}  # the grammar needs the words as written
        words = sorted(written | set(vocab.get("function_words", [])) | set(vocab.get("connectives", [])))
        forms = sorted({w for w in words} | {w[:1].upper() + w[1:] for w in words})
        alts = " | ".join('"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"' for w in forms)
        return f'root ::= word (sep word)* "."\nsep ::= " " | ", "\nword ::= {alts}\n'

    def write(self, notes: str, source_text: str, on_token: Callable[[str], None] | None,
              feedback: str | None = None, previous: str | None = None) -> str:
        prompt = self._write_prompt(notes, feedback, previous)
        text = self.gen.generate(
            prompt, max_tokens=96, temperature=self.temperature, seed=self.seed,
            stop=["\n", "<|im_end|>", "Notes:"], on_token=on_token,
            grammar=self.closed_grammar(source_text) if self.closed_vocabulary else None,
        )
        text = " ".join(text.split()).strip(' "')
        if text and text[-1] not in ".!?":
            text += "."
        return text[:1].upper() + text[1:]

    # -- guard -----------------------------------------------------------------------------------
    def guard(self, original: RewriteResult, text: str) -> GuardReport:
        """Coverage, nothing invented, no parameters in the text, wording lint clean."""
        from promptsmith.core.accounting import account
        from promptsmith.core.fix import parse_mended
        from promptsmith.core.parse import parse
        from promptsmith.services.compare import compare

        reasons: list[str] = []
        if not text.strip():
            return GuardReport(["empty output"])
        if re.search(r"(?:^|\s)(?:--|—)[a-z]", text):
            reasons.append("wrote parameters into the text")
        source = parse(original.input).text
        if self.guard_embedder is not None:
            c = compare(source, text, embedder=self.guard_embedder)
            if c.missing:
                reasons.append("dropped " + ", ".join(c.missing))
            if c.added:
                reasons.append("invented " + ", ".join(a.text for a in c.added))
        else:  # the same term accounting, without the embedding stage
            acc = account(parse_mended(source)[0], parse_mended(text + " " + " ".join(original.params))[0])
            missing = [p.text for t in acc.terms if t.status != "kept" for p in t.lost]
            if missing:
                reasons.append("dropped " + ", ".join(missing))
            allowed = _words(" ".join(v for vs in original.slots.values() for v in vs))
            vocab = self.prompts["write"].get("vocabulary", {})
            allowed |= set(vocab.get("function_words", [])) | set(vocab.get("connectives", []))
            for forms in self.rules.rules.connectives.values():  # the composer's own connectives
                allowed |= _words(" ".join(forms).replace("{x}", ""))
            allowed |= {"a", "an", "the", "is", "are", "photo", "painting", "image", "picture"}
            invented = sorted({w for run in acc.added for w in _words(run.text) - allowed if not w.isdigit()})
            if invented:
                reasons.append("invented " + ", ".join(invented))
        from promptsmith.lint.engine import Linter

        wording = [d.code for d in Linter(version=self.rules.target, select=["PS2"]).lint(text)
                   if d.severity.value != "info"]
        if wording:
            reasons.append("wording warnings " + ", ".join(sorted(set(wording))))
        return GuardReport(reasons)

    # -- the pipeline ----------------------------------------------------------------------------
    def rewrite(self, text: str, on_token: Callable[[str], None] | None = None) -> RewriteResult:
        """Rewrite with the configured jobs; falls back to the rules output with a reason."""
        t0 = time.perf_counter()
        result = self.rules.rewrite(text)
        jobs_used: list[str] = []
        if not result.candidates:
            return result.model_copy(update={"engine": "rules", "fallback": "nothing for the model to do",
                                             "seconds": time.perf_counter() - t0})
        body = result.candidates[0]
        if "classify" in self.jobs:
            from promptsmith.core.parse import parse

            brief = self.rules.analyzer.analyze(parse(text).text)
            subject_terms = [t.text for t in brief.terms if t.slot == "subject"]
            # the first subject term is the subject; the others landed there because no lexicon
            # or heuristic knew them
            unknown = [t for t in subject_terms[1:] if "{" not in t and '"' not in t and load_lexicon().slot(t) is None]
            overrides = self.classify(unknown, {})
            jobs_used.append("classify")
            if overrides:
                result = self.rules.rewrite(text, overrides=overrides)
                body = result.candidates[0] if result.candidates else body
        if "rank" in self.jobs or "write" in self.jobs:
            best, _scores = self.rank(result.candidates)
            if "rank" in self.jobs:
                jobs_used.append("rank")
                body = best or body
        ranked_body = body
        retries = 0
        fallback = None
        if "write" in self.jobs:
            jobs_used.append("write")
            notes = "; ".join(f"{slot}: {', '.join(v)}" for slot, v in result.slots.items() if v)
            written = self.write(notes, text, on_token)
            report = self.guard(result, written)
            if not report.ok:
                retries = 1
                again = self.write(notes, text, on_token, feedback="; ".join(report.reasons), previous=written)
                report2 = self.guard(result, again)
                if report2.ok:
                    written, report = again, report2
                else:
                    fallback = "guard: " + "; ".join(report2.reasons)
            if report.ok:
                body = written
            else:
                body = ranked_body
        output = result.output.replace(result.candidates[0], body, 1) if result.candidates[0] else result.output
        diagnostics = self.rules.linter.lint(output)
        how = "written by the model" if body is not ranked_body else "the phrasing the model ranked first"
        return result.model_copy(update={
            "output": output, "engine": "llm", "jobs": jobs_used, "retries": retries, "fallback": fallback,
            "changes": output_changes(result.changes, result.candidates[0], body, how),
            "diagnostics": diagnostics, "seconds": time.perf_counter() - t0,
            "model": getattr(self.gen, "name", ""),
        })


def output_changes(changes: Sequence[Change], first: str, body: str, how: str) -> list[Change]:
    """The changes with the brief's sentence as it was output: the rules engine describes its first
    phrasing, and the model may have ranked another one first or written its own."""
    if body == first:
        return list(changes)
    return [c.model_copy(update={"after": body, "reason": f"{c.reason} ({how})"})
            if c.rule == "natural-language-brief" and c.after == first else c for c in changes]


def load_generator(model: str | None = None, backend: str = "llama-cpp", **options: Any) -> Generator:
    """The model backend: llama-cpp-python (default) or transformers."""
    if backend in ("llama-cpp", "llama_cpp", "llama.cpp"):
        from promptsmith.backends.llama_cpp import LlamaCppGenerator

        return LlamaCppGenerator(model, **options)
    if backend in ("transformers", "hf"):
        from promptsmith.backends.hf import TransformersGenerator

        return TransformersGenerator(model, **options)
    raise ValueError(f"unknown LLM backend {backend!r}; use llama-cpp or transformers")


@dataclass(frozen=True)
class LlmOptions:
    """Which model and jobs the llm engine uses (hashable and picklable, for caches and workers)."""

    model: str | None = None
    backend: str = "llama-cpp"
    jobs: tuple[str, ...] = ("rank",)
    temperature: float = 0.0
    seed: int = 0
    closed_vocabulary: bool = False


@lru_cache(maxsize=4)
def get_llm_rewriter(options: LlmOptions = LlmOptions(), target_version: str = "6.1",
                     rule_dirs: tuple[Path, ...] = ()) -> LlmRewriter:
    """A cached LLM rewriter; the model itself loads on first use."""
    generator = load_generator(options.model, options.backend, seed=options.seed)
    template = "chatml"
    path = getattr(generator, "path", None)
    if path is not None and str(path).endswith(".gguf"):
        from promptsmith.backends.models import describe

        template = describe(Path(path), "").template_kind
    return LlmRewriter(generator, jobs=options.jobs, target_version=target_version,
                       temperature=options.temperature, seed=options.seed,
                       closed_vocabulary=options.closed_vocabulary, template=template, rule_dirs=rule_dirs)
