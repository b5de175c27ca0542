"""What a rewrite returns: the brief, its parameters and every change with the rule behind it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from promptsmith.core.model import Diagnostic, build
from promptsmith.services.compare import Comparison


class Change(BaseModel):
    """One thing the rewrite changed, and the named rule that changed it."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    rule: str
    before: str
    after: str
    reason: str

    @classmethod
    def made(cls, rule: str, before: str, after: str, reason: str) -> Change:
        """A change from trusted parts, without validation (a rewrite records several)."""
        return build(cls, rule=rule, before=before, after=after, reason=reason)


class TokenCount(BaseModel):
    """The prompt's tokens for the target's text encoder, against its budget."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    count: int
    budget: int
    encoder: str
    #: False: `count` is an upper bound (no vocabulary for that encoder is available offline).
    exact: bool


class Cut(BaseModel):
    """A term of the brief that did not fit the target's budget (never dropped silently)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    term: str
    slot: str
    tokens: int
    reason: str


class RewriteResult(BaseModel):
    """A rewrite: the input, the v6 brief, its slots and parameters, and every change made."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    input: str
    output: str
    slots: dict[str, list[str]] = Field(default_factory=dict)
    params: list[str] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    #: The output linted for its version (the prompt's own, or the target when it names none).
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    #: False when the output still has an error or a warning for its version: the CLI exits 1.
    clean: bool = True
    candidates: list[str] = Field(default_factory=list)
    engine: str = "rules"
    target_version: str = "6.1"
    seconds: float = 0.0
    #: The target the brief is written for (`--target`; promptsmith.rewriters.targets): its
    #: name, the prompt the model gets (the brief itself for Midjourney, the pipeline's dialect
    #: otherwise), the negative prompt and pipeline arguments (size, seed, guidance; open
    #: pipelines), the tokens against the encoder's budget, and what did not fit.
    target: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    pipeline_args: dict[str, Any] = Field(default_factory=dict)
    tokens: TokenCount | None = None
    cut: list[Cut] = Field(default_factory=list)
    #: The meaning check against the input, when asked for (`--check`).
    check: Comparison | None = None
    #: LLM engine: the jobs that ran (rank, classify, write), the model, retries of a written
    #: brief, and why the output fell back to the rules engine's, if it did.
    jobs: list[str] = Field(default_factory=list)
    model: str = ""
    retries: int = 0
    fallback: str | None = None
    #: A written brief the guard rejected (the output is then the repair or the rules brief), and why.
    draft: str | None = None
    draft_rejected: list[str] = Field(default_factory=list)
    #: What the deterministic repair did to `draft` when its repair is the output (trained writer).
    repairs: list[str] = Field(default_factory=list)

    @classmethod
    def built(cls, **fields: object) -> RewriteResult:
        """A result from trusted parts, without validation (the batch hot path)."""
        return build(cls, **fields)
