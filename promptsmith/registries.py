"""Engines, LLM jobs, generators and renderers by name: the one list each face reads.

The CLI's choices, the TUI's engine switch, `Session` and the services all take their names from
here, so a name is written out once. Nothing heavy is imported: an entry names the object that
implements it ("module:attribute") and loads it only when asked.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promptsmith.core.spec import load_spec
from promptsmith.errors import BackendUnavailable, ConfigError


@dataclass(frozen=True)
class Entry:
    """One registered name: what it does, and where its implementation lives."""

    name: str
    summary: str
    #: "module:attribute" of the class or factory; empty for a policy with no object of its own.
    target: str = ""
    aliases: tuple[str, ...] = ()
    #: The optional extra that brings what it needs (for the error when that is missing).
    extra: str = ""

    def load(self) -> Any:
        """The class or factory behind the name (imported now)."""
        module, _, attr = self.target.partition(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ImportError as exc:
            hint = f": pip install 'promptsmith[{self.extra}]'" if self.extra else ""
            raise BackendUnavailable(f"{self.name} needs {exc.name or 'a missing package'}{hint}") from exc


class Registry:
    """Names of one kind, in a fixed order, with aliases and a default."""

    def __init__(self, kind: str, entries: list[Entry], default: str | None = None) -> None:
        self.kind = kind
        self._entries = {e.name: e for e in entries}
        self._aliases = {alias: e.name for e in entries for alias in (e.name, *e.aliases)}
        self.default = default

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical names, in order (what a help text and a click choice list)."""
        return tuple(self._entries)

    def resolve(self, name: str) -> str:
        """The canonical name for `name` or one of its aliases; a clear error otherwise."""
        try:
            return self._aliases[str(name).strip().lower()]
        except KeyError:
            raise ConfigError(f"unknown {self.kind} {name!r}; choose one of {', '.join(self.names)}") from None

    def __getitem__(self, name: str) -> Entry:
        return self._entries[self.resolve(name)]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.strip().lower() in self._aliases

    def help(self) -> str:
        """"name: summary" for each entry, for a flag's help text."""
        return "; ".join(f"{e.name}{' (default)' if e.name == self.default else ''}: {e.summary}" for e in self)


#: How a prompt is rewritten: each entry names its engine class (`promptsmith.rewriters.engines.
#: RewriteEngine`), which `Session` loads from here. `rules` is the documented default of every
#: face (CLI, API, TUI): one prompt in well under a second, no model needed.
ENGINES = Registry("engine", [
    Entry("rules", "deterministic rules, no model", "promptsmith.rewriters.rules.engine:RulesEngine"),
    Entry("llm", "a local model does the --llm-job work on top of the rules (a missing model is an error)",
          "promptsmith.rewriters.llm.engine:LlmEngine", extra="llm"),
    Entry("auto", "llm when a model is installed, else rules", "promptsmith.rewriters.engines:AutoEngine"),
], default="rules")

#: What the local model does for the llm engine.
LLM_JOBS = Registry("LLM job", [
    Entry("rank", "pick the most fluent of the rules engine's phrasings"),
    Entry("classify", "put terms no lexicon knows into a slot"),
    Entry("write", "write the brief from the analysed terms, under the guard"),
], default="rank")

#: How the write job writes.
WRITE_MODES = Registry("write mode", [
    Entry("locked", "the model orders the ledger's phrases and joins them from a closed set; each phrase once, "
                    "enforced while decoding"),
    Entry("free", "the model writes freely (large models); the guard judges, the locked sentence repairs a rejection"),
    Entry("trained", "the packaged model with the project's trained adapter writes the brief from the prompt's terms; "
                     "the guard judges, a seeded second draft or the rules brief replaces a rejection"),
], default="locked")

#: Model runtimes for the LLM jobs.
GENERATORS = Registry(
    "LLM backend",
    [
        Entry(
            "llama-cpp",
            "GGUF models through llama-cpp-python",
            "promptsmith.backends.llama_cpp:LlamaCppGenerator",
            aliases=("llama_cpp", "llama.cpp"),
            extra="llm",
        ),
        Entry(
            "transformers",
            "Hugging Face models through transformers",
            "promptsmith.backends.transformers_generator:TransformersGenerator",
            aliases=("hf",),
            extra="render",
        ),
    ],
    default="llama-cpp",
)

#: Where previews are rendered.
RENDERERS = Registry(
    "renderer",
    [
        Entry(
            "diffusers",
            "a diffusers pipeline in this process (--pipeline DIR)",
            "promptsmith.backends.diffusers:DiffusersRenderer",
            aliases=("in-process", "local"),
            extra="render",
        ),
        Entry(
            "http",
            "a render server on the GPU host (--backend URL, see `promptsmith serve`)",
            "promptsmith.backends.http:HttpRenderer",
            aliases=("server",),
        ),
    ],
    default="diffusers",
)


#: What a brief is written for. `mj` is Midjourney at the table's default version; `mj-<version>`
#: and `niji-<n>` name the others (one per version of rules/midjourney.toml: see
#: promptsmith.rewriters.targets.target_names). The open pipelines are named here, by the
#: text encoders that read their prompt.
TARGETS = Registry(
    "target",
    [
        Entry(
            "mj",
            "Midjourney at the default version (mj-7, mj-8.2, niji-7 … for another): the brief and the "
            "parameters that version accepts",
            aliases=("midjourney",),
        ),
        Entry(
            "sd15",
            "Stable Diffusion 1.x: comma-separated terms within CLIP's 77 tokens, (term:1.2) weights",
            aliases=("sd1.5", "sd-1.5"),
        ),
        Entry("sdxl", "SDXL: as sd15, 77 tokens for each of its two CLIP encoders (one vocabulary)"),
        Entry("flux", "FLUX.1: prose within 512 T5 tokens (an upper bound)"),
        Entry("sd3", "Stable Diffusion 3: prose within 512 T5 tokens (an upper bound)"),
        Entry("qwen-image", "Qwen-Image: prose within 512 Qwen2.5-VL tokens (an upper bound)", aliases=("qwen",)),
    ],
    default="mj",
)
#: The open targets: the kind of prompt they read ("clip": SD-family terms, "t5": prose), the
#: tokenizer that counts it (promptsmith.core.tokens.ENCODERS) and the render plan's family.
OPEN_TARGETS = {
    "sd15": ("clip", "clip", "sd15"),
    "sdxl": ("clip", "clip", "sdxl"),
    "flux": ("t5", "t5", "flux"),
    "sd3": ("t5", "t5", "sd3"),
    "qwen-image": ("t5", "qwen2.5-vl", "qwen-image"),
}


def mj_target_version(name: str, spec: Any) -> str | None:
    """The version key a Midjourney target names (`mj-7` → "7", `niji-7` → "niji7"; `mj` → the
    table's default); None when `name` is no Midjourney target of `spec`'s table."""
    raw = name.strip().lower()
    if raw in ("mj", "midjourney"):
        return spec.default_version
    if raw.startswith("niji-"):
        return spec.normalize_version("niji" + raw[5:])
    if raw.startswith("mj-"):
        return spec.normalize_version(raw[3:])
    return None


def target_versions() -> tuple[str, ...]:
    """Every Midjourney version a prompt can be linted for or rewritten to (rules/midjourney.toml)."""

    return load_spec().versions


def default_version() -> str:
    """The version a prompt without `--v` is read for, and a rewrite targets (rules/midjourney.toml)."""

    return load_spec().default_version
