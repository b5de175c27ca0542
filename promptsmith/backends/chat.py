"""Talking to a local chat model: its prompt format, where its turn ends, and loading it by name.

A generator (`backends.base.Generator`) takes a prompt string; a chat model reads that string in
the format it was trained on. `chat` writes the turns in the model's format (read from its GGUF
metadata), `TURN_ENDS` says where a model's turn ends, and `load_generator` loads a model runtime
by its registered name. Light: the runtime's library loads inside the backend, on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from promptsmith.backends.base import Generator
from promptsmith.backends.models import describe
from promptsmith.registries import GENERATORS


def chat(system: str, turns: list[tuple[str, str]], template: str) -> str:
    """A prompt string in the model's chat format, read from its GGUF metadata (`ModelInfo.template_kind`):
    ChatML (SmolLM2, Qwen), Llama 3, Gemma or Mistral; ChatML when the file names none or another."""
    if template == "llama-3":
        out = f"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>"
        for role, text in turns:
            out += f"<|start_header_id|>{role}<|end_header_id|>\n\n{text}<|eot_id|>"
        return out + "<|start_header_id|>assistant<|end_header_id|>\n\n"
    if template == "gemma":  # no system role: it leads the first user turn
        out, first = "", True
        for role, text in turns:
            if role == "user" and first:
                text, first = f"{system}\n\n{text}", False
            out += f"<start_of_turn>{'model' if role == 'assistant' else 'user'}\n{text}<end_of_turn>\n"
        return out + "<start_of_turn>model\n"
    if template == "mistral":
        out, first = "<s>", True
        for role, text in turns:
            if role == "user":
                out += f"[INST] {system + chr(10) * 2 if first else ''}{text} [/INST]"
                first = False
            else:
                out += f" {text}</s>"
        return out
    out = f"<|im_start|>system\n{system}<|im_end|>\n"
    for role, text in turns:
        out += f"<|im_start|>{role}\n{text}<|im_end|>\n"
    return out + "<|im_start|>assistant\n"


#: Where a model's turn ends, per chat format (generation stops there).
TURN_ENDS = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "</s>")


def chat_template(generator: Generator) -> str:
    """The chat format of a loaded generator: its GGUF file's, else ChatML."""
    path = getattr(generator, "path", None)
    if path is not None and str(path).endswith(".gguf"):
        return describe(Path(path), "").template_kind
    return "chatml"


def load_generator(model: str | None = None, backend: str = "llama-cpp", **options: Any) -> Generator:
    """The model backend by its registered name (`promptsmith.registries.GENERATORS`)."""

    entry = GENERATORS[backend]
    if entry.name != "llama-cpp":
        options.pop("n_threads", None)
    return entry.load()(model, **options)
