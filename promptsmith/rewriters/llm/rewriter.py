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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from promptsmith.backends.base import Generator
from promptsmith.backends.chat import TURN_ENDS, chat
from promptsmith.core.lexicon import load_lexicon
from promptsmith.core.parse import parse
from promptsmith.core.resources import merged_rule_file
from promptsmith.core.words import STOP, WORD
from promptsmith.registries import LLM_JOBS
from promptsmith.rewriters.english import (
    agree_articles,
    drop_mass_articles,
    drop_participle_articles,
    drop_plural_articles,
)
from promptsmith.rewriters.llm.guard import Guard, GuardReport
from promptsmith.rewriters.llm.repair import one_credit_list, repair
from promptsmith.rewriters.llm.spanlock import SpanLock, lockable, spans_of
from promptsmith.rewriters.llm.trained import END, CopyConstraint, chat_prompt, english, model_input, notes
from promptsmith.rewriters.result import Change, RewriteResult
from promptsmith.rewriters.rules import Rewriter
from promptsmith.rewriters.rules.brief import Brief
from promptsmith.rewriters.rules.credits import spell_names

JOBS = LLM_JOBS.names
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


@lru_cache(maxsize=4)
def llm_prompts(rule_dirs: tuple[Path, ...] = ()) -> dict[str, Any]:
    """rules/llm/prompts.toml merged with the user's copy (table by table)."""
    return merged_rule_file("llm/prompts.toml", rule_dirs)


@dataclass
class TrainedDraft:
    """What the trained writer made of one prompt (`LlmRewriter.write_trained`)."""

    #: The brief: the model's draft as written or repaired; None when the rules brief stands.
    brief: str | None = None
    #: Why the rules brief stands, when it does.
    fallback: str | None = None
    #: The model's first rejected draft (the one repaired, when `repairs`), and why it was rejected.
    draft: str | None = None
    rejected: list[str] = field(default_factory=list)
    #: Drafts decoded after the first.
    retries: int = 0
    #: What the repair did to `draft` to make `brief`.
    repairs: list[str] = field(default_factory=list)


def write_budget(source_text: str) -> int:
    """Tokens a written brief may take: about two per input word (a brief adds connectives and
    articles to the input's terms), at least 64, at most 384 — never a fixed cut mid-brief."""
    return max(64, min(384, 2 * len(_WORD.findall(source_text)) + 32))


class LlmRewriter:
    """Rewrites with the rules engine plus a local model doing the jobs asked for."""

    def __init__(self, generator: Generator, *, jobs: Sequence[str] = ("rank",), target_version: str | None = None,
                 temperature: float = 0.0, seed: int = 0, closed_vocabulary: bool = False,
                 n_candidates: int = 20, guard_embedder: Any = None, template: str = "chatml",
                 rule_dirs: tuple[Path, ...] = (), write_mode: str = "locked", trained_input: str = "notes") -> None:
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
        self.rule_dirs = tuple(rule_dirs)
        #: Judges every brief the model writes (`guard`).
        self.guarded = Guard(self.rules, self.prompts, guard_embedder, self.rule_dirs)
        self._examples: list[tuple[list[str], str]] | None = None
        #: How the write job writes: "locked" (the ledger's spans, each once; the default) or
        #: "free" (the model writes, the guard judges, the locked sentence repairs a rejection).
        self.write_mode = write_mode
        #: What the trained adapter reads (`trained.INPUTS`; its metadata says which).
        self.trained_input = trained_input

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

    def write_locked(self, text: str, on_token: Callable[[str], None] | None = None) -> tuple[str | None, str | None]:
        """The span-locked brief: the ledger's phrases in the model's order, joined from the
        closed set (`rewrite.llm.spanlock`); (brief, None), or (None, why there is none)."""

        locked = getattr(self.gen, "locked", None)
        if locked is None:
            return None, f"{getattr(self.gen, 'name', 'this backend')} cannot lock spans"
        brief = self.rules.analysis(text)
        if brief is None or not lockable(brief):
            return None, "nothing to lock: prose or quoted text is kept as written"
        spans = spans_of(brief, self.rules.rules.determiners)
        lock = SpanLock(spans, spelling=brief.spelling)
        out = locked(self._lock_prompt(spans), lock, max_tokens=write_budget(text) + 8 * len(spans),
                     on_token=on_token)
        if out is None:
            return None, "the model did not finish a sentence inside the span lock"
        return agree_articles(out), None  # "a old man" as the user wrote it inside a span: "an old man"

    def _lock_prompt(self, spans: list[Any]) -> str:
        cfg = self.prompts["lock"]
        turns: list[tuple[str, str]] = []
        for example in self._lock_examples():
            turns += [("user", "Phrases: " + " | ".join(example[0])), ("assistant", example[1])]
        turns.append(("user", "Phrases: " + " | ".join(s.text for s in spans)))
        return chat(cfg["system"], turns, self.template)

    def _lock_examples(self) -> list[tuple[list[str], str]]:
        """The few-shot examples: each example prompt's phrases, as the lock would list them."""
        if self._examples is None:
            out = []
            for ex in self.prompts["lock"].get("examples", []):
                brief = self.rules.analysis(ex["prompt"])
                if brief is None:
                    continue
                out.append(([s.text for s in spans_of(brief, self.rules.rules.determiners)], ex["brief"]))
            self._examples = out
        return self._examples

    #: Drafts the trained writer makes under the copy constraint before the rules brief stands
    #: in: the greedy one, then seeded samples (deterministic for a seed); when the constraint
    #: leaves no way on, one more greedy draft is decoded freely (the guard still judges it).
    TRAINED_DRAFTS = 2
    TRAINED_TEMPERATURE = 0.7
    #: A prompt with more words of notes than this gets one draft (the latency bound of a rewrite:
    #: a second draft of a long brief costs seconds; counted in words, so the output never depends
    #: on how busy the machine is).
    TRAINED_RETRY_WORDS = 40

    def write_trained(self, result: RewriteResult, text: str,
                      on_token: Callable[[str], None] | None = None) -> TrainedDraft:
        """The trained adapter's brief from the prompt's notes (`rewrite.llm.trained`), judged by the
        guard: the first draft that passes, or that passes once repaired (`llm.repair`), or none
        (the rules brief stands, and `fallback` says why)."""

        note_text = notes(result.input)
        rules_brief = result.candidates[0] if result.candidates else ""
        prompt = chat_prompt(model_input(self.trained_input, result.input, rules_brief, note_text))
        constrained = getattr(self.gen, "constrained", None)
        source = parse(result.input).text
        if not english(source):
            return TrainedDraft(fallback="not English: the trained writer writes English briefs")
        vocab = self.prompts["write"].get("vocabulary", {})
        analysed = self.rules.analysis(text)
        constraint = CopyConstraint(source, STOP | set(vocab.get("function_words", [])),  # type: ignore[arg-type]
                                    self.connectives(result)) if constrained else None
        first: tuple[str | None, list[str]] = (None, [])
        drafts = self.TRAINED_DRAFTS + (constrained is not None)
        long_prompt = len(WORD.findall(note_text)) > self.TRAINED_RETRY_WORDS
        tried = 0
        for attempt in range(drafts):
            if attempt and long_prompt:
                break  # a long prompt's rejected draft: the rules brief now beats another long wait
            tried = attempt
            temperature = 0.0 if attempt in (0, self.TRAINED_DRAFTS) else max(self.temperature,
                                                                               self.TRAINED_TEMPERATURE)
            stream = on_token if attempt == 0 else None
            if constraint is not None and attempt < self.TRAINED_DRAFTS:
                raw = constrained(prompt, constraint, end=END, max_tokens=write_budget(text) + 32,  # type: ignore[misc]
                                  temperature=temperature, seed=self.seed + attempt, on_token=stream) or ""
                if not raw:  # a dead end of the constraint: the last try decodes freely
                    continue
            else:
                raw = self.gen.generate(prompt, max_tokens=write_budget(text), temperature=temperature,
                                        seed=self.seed + attempt, stop=[END, "\n\n", *TURN_ENDS], on_token=stream)
            draft = self._mended(raw, source, analysed)
            report = (self.guard(result, draft, repeats=True, brief=analysed) if draft
                      else GuardReport(["the model wrote nothing"]))
            if report.ok:
                return TrainedDraft(draft, None, first[0], first[1], attempt)
            mended = self._repaired(result, analysed, draft, report)
            if mended is not None:
                return TrainedDraft(mended[0], None, draft, report.reasons, attempt, mended[1])
            if first[0] is None:
                first = (draft, report.reasons)
        why = "guard rejected the drafts: " + "; ".join(first[1] or ["no draft"])
        return TrainedDraft(None, why, first[0], first[1], tried)

    def _mended(self, raw: str, source: str, analysed: Brief | None) -> str:
        """A decoded draft with the mending every draft gets: no article before a plural the prompt
        names, before lighting, photography or an -ism, or before a participle ("A viewed from …");
        "a"/"an" agreeing with the next word; names as the rules engine writes them ("Thomas
        Kinkade", "Dalí"), in one list; a full stop."""
        draft = " ".join(raw.split()).strip()
        draft = drop_participle_articles(drop_mass_articles(drop_plural_articles(draft, source), source), source)
        draft = agree_articles(draft)
        if analysed is not None:
            draft = one_credit_list(spell_names(load_lexicon(), draft, analysed.style), analysed.style, source)
        if draft and draft[-1] not in ".!?\"”":
            draft += "."
        return draft

    def _repaired(self, result: RewriteResult, analysed: Brief | None, draft: str, report: GuardReport
                  ) -> tuple[str, list[str]] | None:
        """A draft rejected only for terms it dropped or said twice, or words it said more often
        than the prompt, repaired (`llm.repair`) and passed by the guard, with what was done; None
        when it cannot be."""
        if not report.repairable:
            return None
        rules_brief = result.candidates[0] if result.candidates else result.output
        fixed = repair(draft, report.dropped, report.twice, analysed, rules_brief, report.more,
                       self.rules.rules.connectives)
        if fixed is None or not self.guard(result, fixed[0], repeats=True, brief=analysed).ok:
            return None
        return fixed

    def write_free(self, result: RewriteResult, text: str,
                   on_token: Callable[[str], None] | None = None) -> tuple[str | None, str | None]:
        """Free writing from the analysed slots (opt-in, for large models), judged by the guard."""
        notes = "; ".join(f"{slot}: {', '.join(v)}" for slot, v in result.slots.items() if v)
        written = self.write(notes, text, on_token)
        return (written, None) if written.strip() else (None, "the model wrote nothing")

    def write(self, notes: str, source_text: str, on_token: Callable[[str], None] | None,
              feedback: str | None = None, previous: str | None = None) -> str:
        prompt = self._write_prompt(notes, feedback, previous)
        text = self.gen.generate(
            prompt, max_tokens=write_budget(source_text), temperature=self.temperature, seed=self.seed,
            stop=["\n\n", *TURN_ENDS], on_token=on_token,
            grammar=self.closed_grammar(source_text) if self.closed_vocabulary else None,
        )
        text = " ".join(text.split()).strip(' "')
        if text and text[-1] not in ".!?":
            text += "."
        return text[:1].upper() + text[1:]

    def _changes_for(self, result: RewriteResult, body: str, *, written_by_model: bool, locked: bool,
                     repairs: Sequence[str] = ()) -> list[Change]:
        """The change list, describing the sentence that is output: the change that wrote the
        rules engine's first phrasing now shows the phrasing the model ranked first or wrote
        (`locked`: the span-locked sentence, the free draft's repair when the guard rejected it)."""
        first = result.candidates[0] if result.candidates else ""
        if not first or body == first:
            return list(result.changes)
        how = (f"the model ranked this phrasing first of {len(result.candidates)}" if not written_by_model
               else "the model ordered the prompt's phrases and joined them (span-locked)"
               + ("; the guard rejected the free draft, so this is its repair" if self.write_mode == "free" else "")
               if locked
               else "the trained model wrote it from the prompt's terms; the guard accepted "
               + ("it once repaired (" + "; ".join(repairs) + ")" if repairs else "it")
               if self.write_mode == "trained" else "the model wrote it from the analysed terms; the guard accepted it")
        out = []
        for change in result.changes:
            if first in change.after:
                change = change.model_copy(update={"after": change.after.replace(first, body, 1),
                                                   "reason": f"{change.reason}; {how}"})
            out.append(change)
        return out

    # -- guard ---------------------------------------------------------------------------------
    def guard(self, original: RewriteResult, text: str, *, repeats: bool = False,
              brief: Brief | None = None) -> GuardReport:
        """Coverage, nothing invented, no parameters in the text, wording lint clean; with `repeats`,
        nothing said twice and no credit to a term of another role (`guard.Guard.check`)."""
        return self.guarded.check(original, text, repeats=repeats, brief=brief)

    def connectives(self, original: RewriteResult | None = None) -> set[str]:
        """The words a writer may add around the prompt's own (`guard.Guard.connectives`)."""
        return self.guarded.connectives(original)

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
        if "rank" in self.jobs and "write" not in self.jobs:  # with write, ranking matters only for a fallback
            best, _scores = self.rank(result.candidates)
            jobs_used.append("rank")
            body = best or body
        ranked_body = body
        retries = 0
        fallback = None
        draft: str | None = None
        rejected: list[str] = []
        repairs: list[str] = []
        if "write" in self.jobs and self.write_mode == "trained":
            jobs_used.append("write")
            trained = self.write_trained(result, text, on_token)
            fallback, draft, rejected, retries, repairs = (trained.fallback, trained.draft, trained.rejected,
                                                           trained.retries, trained.repairs)
            body = trained.brief or body
        elif "write" in self.jobs:
            jobs_used.append("write")
            written, why = (self.write_free(result, text, on_token) if self.write_mode == "free"
                            else self.write_locked(text, on_token))
            if written is not None:
                report = self.guard(result, written)
                if report.ok:
                    body = written
                else:
                    draft, rejected = written, report.reasons
                    why = "guard: " + "; ".join(report.reasons)
            if why is not None and self.write_mode == "free" and written is not None:
                # the deterministic repair of a free draft: the span-locked sentence, by construction
                locked, lock_why = self.write_locked(text, on_token)
                if locked is not None and self.guard(result, locked).ok:
                    body, why = locked, None
                    jobs_used.append("lock")
                else:
                    why = f"{why}; span lock: {lock_why or 'rejected'}"
            if why is not None:
                fallback = why
                if "rank" not in self.jobs and len(result.candidates) > 1:
                    body = self.rank(result.candidates)[0] or body  # the rules engine's best phrasing
        output = result.output.replace(result.candidates[0], body, 1) if result.candidates[0] else result.output
        diagnostics = self.rules.linter.lint(output)
        return result.model_copy(update={
            "changes": self._changes_for(result, body, written_by_model=body != ranked_body,
                                         locked=self.write_mode == "locked" or "lock" in jobs_used, repairs=repairs),
            "output": output, "engine": "llm", "jobs": jobs_used, "retries": retries, "fallback": fallback,
            "draft": draft, "draft_rejected": rejected, "repairs": repairs,
            "diagnostics": diagnostics, "seconds": time.perf_counter() - t0,
            "model": getattr(self.gen, "name", ""),
        })
