"""transformers generator: the same jobs as llama.cpp through `AutoModelForCausalLM`.

Loads a local model folder, or a GGUF file through `gguf_file=` (transformers dequantizes it to
fp32: slower and ~4× the memory of llama.cpp; needs the `gguf` package). A ready model and
tokenizer can be passed in.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from promptsmith.backends.models import resolve_model_path
from promptsmith.errors import BackendUnavailable, ModelNotFound

INSTALL_HINT = "install transformers and torch (pip install 'promptsmith[embed]'), plus gguf for .gguf files"


class TransformersGenerator:
    """A `Generator` over a transformers causal LM."""

    def __init__(self, model: str | os.PathLike[str] | Any | None = None, tokenizer: Any = None, *,
                 device: str = "cpu", seed: int = 0) -> None:
        self._model = None if model is None or isinstance(model, (str, os.PathLike)) else model
        if self._model is None and importlib.util.find_spec("transformers") is None:
            # said first: the model search below would recommend the llama.cpp extra instead
            raise BackendUnavailable(f"--llm-backend transformers needs transformers: {INSTALL_HINT}")
        self._tokenizer = tokenizer
        self.path: Path | None = None
        if self._model is None:
            self.path = Path(model) if model is not None else resolve_model_path(None)
            if not self.path.exists():
                raise ModelNotFound(f"no model at {self.path}; {INSTALL_HINT}")
        elif tokenizer is None:
            raise ValueError("pass the tokenizer along with a ready-built model")
        self.name = f"transformers:{self.path.name if self.path else 'custom'}"
        self.device = device
        self.seed = seed
        self._lock = threading.RLock()

    def _load(self) -> None:
        try:
            # deferred: torch and transformers take seconds to import
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise BackendUnavailable(f"transformers is not installed: {INSTALL_HINT}") from exc
        assert self.path is not None
        if self.path.is_file():  # a GGUF file
            folder, extra = str(self.path.parent), {"gguf_file": self.path.name}
        else:
            folder, extra = str(self.path), {}
        self._tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, **extra)
        self._model = (
            AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, **extra).to(self.device).eval()  # type: ignore[arg-type]
        )

    @property
    def model(self) -> Any:
        if self._model is None or self._tokenizer is None:
            with self._lock:
                if self._model is None or self._tokenizer is None:
                    self._load()
        return self._model

    @property
    def tokenizer(self) -> Any:
        self.model  # noqa: B018 - loads both
        return self._tokenizer

    def logprobs(self, prefix: str, continuations: Sequence[str]) -> list[float]:
        """Mean token log-probability of each continuation after `prefix` (one batched pass over the
        prefix's KV cache per continuation)."""
        import torch

        model, tok = self.model, self.tokenizer
        head = tok(prefix, return_tensors="pt", add_special_tokens=True).input_ids.to(self.device)
        out = []
        import copy
        import inspect

        # transformers 5.x renames `past_key_values` to `cache`
        key = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        with torch.inference_mode():
            first = model(head, use_cache=True)
            kv = getattr(first, "cache", None) or first.past_key_values
            last = torch.log_softmax(first.logits[0, -1].float(), dim=-1)
            for text in continuations:
                ids = tok(text, return_tensors="pt", add_special_tokens=False).input_ids.to(self.device)
                if ids.shape[1] == 0:
                    out.append(float("-inf"))
                    continue
                step = model(ids, use_cache=True, **{key: copy.deepcopy(kv)})
                logp = torch.log_softmax(step.logits[0].float(), dim=-1)
                picks = [float(last[ids[0, 0]])]
                picks += [float(logp[i, ids[0, i + 1]]) for i in range(ids.shape[1] - 1)]
                out.append(sum(picks) / len(picks))
        return out

    def generate(
        self,
        prompt: str,
        *,
        on_token: Callable[[str], None] | None = None,
        max_tokens: int = 160,
        temperature: float = 0.0,
        seed: int | None = None,
        stop: Sequence[str] = (),
        grammar: str | None = None,
    ) -> str:
        """Generated text after `prompt` (grammar-constrained decoding is a llama.cpp feature)."""
        import torch

        if grammar:
            raise BackendUnavailable("grammar-constrained generation needs the llama.cpp backend")
        model, tok = self.model, self.tokenizer
        torch.manual_seed(self.seed if seed is None else seed)
        ids = tok(prompt, return_tensors="pt").input_ids.to(self.device)
        with torch.inference_mode():
            out = model.generate(
                ids,
                max_new_tokens=max_tokens,
                do_sample=temperature > 0,
                temperature=temperature if temperature > 0 else None,
                pad_token_id=tok.pad_token_id or tok.eos_token_id,
            )
        text = tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        cut = min((text.find(s) for s in stop if s and s in text), default=-1)
        text = text[:cut] if cut >= 0 else text
        if on_token is not None and text:
            on_token(text)
        return text
