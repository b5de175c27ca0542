"""A BERT sentence encoder in NumPy, for the small mean-pooled models compare uses.

all-MiniLM-L6-v2 and its kin are a BERT encoder, mean pooling and normalisation. Importing torch and
sentence-transformers to run them costs ~6 s on these machines, more than the whole comparison
should take; this module runs the same weights (`model.safetensors`) through the same tokenizer
(`tokenizer.json`, via the `tokenizers` library) with NumPy, and starts in ~0.1 s. Its vectors
agree with `SentenceTransformer.encode` to a cosine of ≥ 0.99999 (tests/backends/test_bert_numpy.py).

Only the shape it knows is accepted (`supported`); any other model goes through sentence-transformers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Tokens per micro-batch (padding included): small enough to stay in cache, big enough for BLAS.
MICRO_TOKENS = 2048


def supported(folder: Path) -> bool:
    """Whether `folder` holds a model this encoder runs exactly: a BERT encoder (absolute positions,
    GELU), mean pooling over tokens, then (optionally) normalisation, with safetensors weights and a
    fast-tokenizer file."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return False
        pooling_dir = folder / next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
        if not pooling.get("pooling_mode_mean_tokens") or any(
                pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                         "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                                         "pooling_mode_lasttoken")):
            return False
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
                and config.get("position_embedding_type", "absolute") == "absolute"
                and (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file())
    except (OSError, ValueError, KeyError, StopIteration, AttributeError, TypeError):
        return False


def _gelu(h: Any) -> Any:
    """Exact (erf) GELU, in place on a float32 array. NumPy has no erf, and SciPy costs an import:
    erf is Abramowitz & Stegun 7.1.26 (error ≤ 1.5e-7), written as in-place passes."""
    import numpy as np

    f32 = np.float32
    x = h * f32(0.7071067811865476)
    a = np.abs(x)
    t = a * f32(0.3275911)
    t += 1
    np.reciprocal(t, out=t)
    p = t * f32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        p += f32(c)
        p *= t
    a *= a
    np.negative(a, out=a)
    np.exp(a, out=a)
    p *= a
    np.subtract(1, p, out=p)  # erf(|x|)
    np.copysign(p, x, out=p)
    p += 1
    p *= h
    p *= f32(0.5)
    return p


class BertNumpyEncoder:
    """Mean-pooled, unit-length sentence vectors from a BERT folder (see `supported`)."""

    def __init__(self, folder: str | Path, max_tokens: int | None = None) -> None:
        import numpy as np
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        st_config: dict[str, Any] = {}
        if (folder / "sentence_bert_config.json").is_file():
            st_config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_tokens = int(max_tokens or st_config.get("max_seq_length") or config["max_position_embeddings"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()
        self.pad_id = int(config.get("pad_token_id") or 0)
        w = load_file(str(folder / "model.safetensors"))
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in w else ""

        def get(name: str) -> Any:
            return w[prefix + name].astype(np.float32, copy=False)

        self.word = get("embeddings.word_embeddings.weight")
        self.position = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")[0]
        self.ln0 = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            # query, key and value as one (hidden, 3·hidden) matrix: one product per layer
            qkv = np.concatenate([get(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")]).T
            qkv_b = np.concatenate([get(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")])
            self.layers.append(
                (
                    np.ascontiguousarray(qkv),
                    qkv_b,
                    np.ascontiguousarray(get(p + "attention.output.dense.weight").T),
                    get(p + "attention.output.dense.bias"),
                    (get(p + "attention.output.LayerNorm.weight"), get(p + "attention.output.LayerNorm.bias")),
                    np.ascontiguousarray(get(p + "intermediate.dense.weight").T),
                    get(p + "intermediate.dense.bias"),
                    np.ascontiguousarray(get(p + "output.dense.weight").T),
                    get(p + "output.dense.bias"),
                    (get(p + "output.LayerNorm.weight"), get(p + "output.LayerNorm.bias")),
                )
            )

    def _norm(self, x: Any, wb: tuple[Any, Any]) -> Any:
        import numpy as np

        mean = x.mean(-1, keepdims=True)
        x = x - mean
        var = np.mean(x * x, -1, keepdims=True)
        return x * (1.0 / np.sqrt(var + self.eps)) * wb[0] + wb[1]

    def _forward(self, ids: Any, lengths: Any) -> Any:
        """Vectors for one padded batch: `ids` (batch, width) int, `lengths` (batch,)."""
        import numpy as np

        batch, width = ids.shape
        heads, size = self.heads, self.hidden // self.heads
        valid = np.arange(width)[None, :] < lengths[:, None]  # (batch, width)
        bias = np.where(valid, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        x = self.word[ids] + self.position[:width][None] + self.token_type
        x = self._norm(x, self.ln0).reshape(batch * width, self.hidden)
        scale = np.float32(1.0 / np.sqrt(size))
        for qkv, qkv_b, out_w, out_b, ln1, up_w, up_b, down_w, down_b, ln2 in self.layers:
            q, k, v = np.split((x @ qkv + qkv_b).reshape(batch, width, 3, heads, size), 3, axis=2)
            q, k, v = (t[:, :, 0].transpose(0, 2, 1, 3) for t in (q, k, v))  # (batch, heads, width, size)
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * width, self.hidden)
            x = self._norm(x + context @ out_w + out_b, ln1)
            h = x @ up_w + up_b
            h = _gelu(h)
            x = self._norm(x + h @ down_w + down_b, ln2)
        x = x.reshape(batch, width, self.hidden)
        weights = valid[:, :, None].astype(np.float32)
        mean = (x * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str]) -> Any:
        """(len(texts), hidden) float32 unit vectors, rows in the order of `texts`."""
        import numpy as np

        out = np.empty((len(texts), self.hidden), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))  # similar lengths together: little padding
        at = 0
        while at < len(order):
            width = len(ids[order[at]])
            rows = order[at : at + max(1, MICRO_TOKENS // width)]
            at += len(rows)
            tokens = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            for r, i in enumerate(rows):
                tokens[r, : len(ids[i])] = ids[i]
            lengths = np.fromiter((len(ids[i]) for i in rows), dtype=np.int64, count=len(rows))
            out[np.asarray(rows)] = self._forward(tokens, lengths)
        return out
