"""CLIP image–text scoring with transformers' `CLIPModel`, from a local model folder.

No registry package ships CLIP weights, so the model comes from a folder the user has (or, in
tests, a tiny random CLIP built from a config). `clip_tokenizer_files` turns the CLIP BPE
vocabulary that `open-clip-torch` ships into the `vocab.json` + `merges.txt` a `CLIPTokenizer`
reads, for folders that lack a tokenizer.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from promptsmith.core.tokens import byte_alphabet
from promptsmith.errors import BackendUnavailable, ModelNotFound

INSTALL_HINT = "install promptsmith[embed] (transformers, torch, pillow)"
#: CLIP's BPE table has 49,152 − 256 − 2 merges after its header line.
_N_MERGES = 49152 - 256 - 2


def clip_tokenizer_files(bpe_gz: Path, out_dir: Path) -> tuple[Path, Path]:
    """Write `vocab.json` and `merges.txt` for a `CLIPTokenizer` from CLIP's `bpe_simple_vocab_16e6.txt.gz`."""
    with gzip.open(bpe_gz, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [tuple(line.split()) for line in lines[1 : _N_MERGES + 1]]
    base = list(byte_alphabet().values())
    vocab = base + [c + "</w>" for c in base] + ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    out_dir.mkdir(parents=True, exist_ok=True)
    vocab_file, merges_file = out_dir / "vocab.json", out_dir / "merges.txt"
    vocab_file.write_text(json.dumps({tok: i for i, tok in enumerate(vocab)}, ensure_ascii=False), encoding="utf-8")
    merges_file.write_text("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n", encoding="utf-8")
    return vocab_file, merges_file


def open_clip_vocab() -> Path:
    """The CLIP BPE vocabulary shipped inside the open-clip-torch package (found, not imported)."""
    import importlib.util

    spec = importlib.util.find_spec("open_clip")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound("open-clip-torch is not installed (pip install --no-deps open-clip-torch)")
    path = Path(next(iter(spec.submodule_search_locations))) / "bpe_simple_vocab_16e6.txt.gz"
    if not path.is_file():
        raise ModelNotFound(f"{path} is missing; reinstall open-clip-torch")
    return path


class ClipScorer:
    """An `ImageScorer`: cosine similarity of CLIP image and text embeddings, one per image."""

    def __init__(self, model: str | os.PathLike[str] | Any, processor: Any = None, *, device: str = "cpu") -> None:
        self._model = None if isinstance(model, (str, os.PathLike)) else model
        self._processor = processor
        self._path = Path(model) if isinstance(model, (str, os.PathLike)) else None
        if self._path is not None and not (self._path / "config.json").is_file():
            raise ModelNotFound(f"no CLIP model at {self._path}: give a folder saved with CLIPModel.save_pretrained")
        self.device = device
        self.name = f"clip:{self._path.name if self._path else 'custom'}"
        self._lock = threading.Lock()

    def _load(self) -> None:
        try:
            # deferred: torch and transformers take seconds to import
            from transformers import CLIPModel, CLIPProcessor
        except ImportError as exc:
            raise BackendUnavailable(f"transformers is not installed: {INSTALL_HINT}") from exc
        with self._lock:
            if self._model is None:
                self._model = CLIPModel.from_pretrained(str(self._path), local_files_only=True).to(self.device).eval()  # type: ignore[arg-type]
            if self._processor is None:
                self._processor = CLIPProcessor.from_pretrained(str(self._path), local_files_only=True)

    def score(self, images: Sequence[Any], text: str) -> list[float]:
        """Cosine similarity (−1…1) of each image with `text`; CLIPScore is 100 × max(cos, 0)."""
        if not images:
            return []
        if self._model is None or self._processor is None:
            self._load()
        import torch

        inputs = self._processor(text=[text], images=list(images), return_tensors="pt", padding=True, truncation=True)
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.inference_mode():
            image_emb = self._model.get_image_features(pixel_values=inputs["pixel_values"])  # type: ignore[union-attr]
            text_emb = self._model.get_text_features(input_ids=inputs["input_ids"],  # type: ignore[union-attr]
                                                     attention_mask=inputs.get("attention_mask"))
        image_emb = _as_tensor(image_emb)
        text_emb = _as_tensor(text_emb)
        image_emb = image_emb / image_emb.norm(dim=-1, keepdim=True)
        text_emb = text_emb / text_emb.norm(dim=-1, keepdim=True)
        return [round(float(v), 6) for v in (image_emb @ text_emb[0])]


def _as_tensor(out: Any) -> Any:
    """transformers 5 may return a model output object rather than a bare tensor."""
    if hasattr(out, "norm"):
        return out
    for attr in ("image_embeds", "text_embeds", "pooler_output"):
        value = getattr(out, attr, None)
        if value is not None:
            return value
    raise TypeError(f"unexpected CLIP output {type(out).__name__}")
