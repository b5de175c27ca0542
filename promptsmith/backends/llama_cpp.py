"""llama-cpp-python generator: scoring, constrained choice and streaming generation on a GGUF model.

The model loads lazily, once (or is passed in ready-built). The KV cache of a shared prefix is
reused: scoring several continuations of one prefix evaluates the prefix once, and generation
re-evaluates only the tokens after the longest prefix it has already seen.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from promptsmith.backends.cpu import llm_threads
from promptsmith.backends.models import INSTALL_HINT, check_model_file, describe, resolve_model_path
from promptsmith.errors import BackendUnavailable, ModelNotFound


def _log_softmax_rows(logits: Any, picks: Sequence[int]) -> list[float]:
    import numpy as np

    rows = np.asarray(logits, dtype=np.float64)
    peak = rows.max(axis=1, keepdims=True)
    logz = peak[:, 0] + np.log(np.exp(rows - peak).sum(axis=1))
    return [float(rows[i, t] - logz[i]) for i, t in enumerate(picks)]


class LlamaCppGenerator:
    """A `Generator` over llama-cpp-python."""

    def __init__(self, model: str | os.PathLike[str] | Any | None = None, *, n_ctx: int = 2048,
                 n_threads: int | None = None, seed: int = 0, lora: str | os.PathLike[str] | None = None) -> None:
        self._llama = None if model is None or isinstance(model, (str, os.PathLike)) else model
        self.path: Path | None = None if self._llama is not None else resolve_model_path(model)
        #: A llama.cpp LoRA adapter (GGUF) applied at load, e.g. the packaged brief writer's.
        self.lora: Path | None = Path(lora) if lora else None
        self.name = (f"llama.cpp:{self.path.name if self.path else 'custom'}"
                     + (f"+{self.lora.name}" if self.lora else ""))
        self.n_ctx = n_ctx
        self.n_threads = n_threads or llm_threads()
        self.seed = seed
        self._lock = threading.RLock()
        self._vocab: dict[str, int] | None = None
        self._piece_list: list[str] | None = None

    @property
    def llama(self) -> Any:
        """The loaded `llama_cpp.Llama` (loaded on first use)."""
        if self._llama is None:
            with self._lock:
                if self._llama is None:
                    try:
                        from llama_cpp import Llama  # deferred: keeps lint start-up fast
                    except ImportError as exc:
                        raise BackendUnavailable(f"llama-cpp-python is not installed: {INSTALL_HINT}") from exc
                    if self.path is not None:
                        check_model_file(self.path)  # "not GGUF", "truncated": said, not a bare load failure
                    # logits_all: scoring needs the logits of every continuation token
                    try:
                        self._llama = Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                                            n_threads_batch=self.n_threads, logits_all=True, seed=self.seed,
                                            lora_path=str(self.lora) if self.lora else None, verbose=False)
                    except ValueError as exc:  # llama.cpp's "Failed to load model from file"
                        arch = describe(self.path, "").architecture if self.path else ""
                        raise ModelNotFound(f"llama.cpp could not load {self.path} (architecture {arch or '?'}): its "
                                            "tensors are damaged, or this llama-cpp-python is too old for it") from exc
                    # free the model before interpreter shutdown tears down llama_cpp's globals
                    atexit.register(self.close)
        return self._llama

    def close(self) -> None:
        """Free the model (it loads again on next use)."""
        with self._lock:
            if self._llama is not None and self.path is not None:
                self._llama.close()
                self._llama = None

    def tokenize(self, text: str, bos: bool = False) -> list[int]:
        return self.llama.tokenize(text.encode("utf-8"), add_bos=bos, special=True)

    def _eval_from_cache(self, tokens: list[int]) -> None:
        """Evaluate `tokens`, reusing the KV cache for the prefix the model already holds."""
        llm = self.llama
        held = llm.input_ids[: llm.n_tokens].tolist()
        common = 0
        for a, b in zip(held, tokens):
            if a != b:
                break
            common += 1
        common = min(common, len(tokens) - 1)  # evaluate at least one token: its logits are needed
        llm.n_tokens = common
        llm.eval(tokens[common:])

    def logprobs(self, prefix: str, continuations: Sequence[str]) -> list[float]:
        """Mean token log-probability of each continuation after `prefix` (length-normalised)."""
        with self._lock:
            head = self.tokenize(prefix, bos=True)
            scores: dict[int, float] = {}
            # in sorted order neighbours share the longest token prefixes, so each continuation
            # evaluates only where it differs from the one before (its KV cache is reused)
            for index in sorted(range(len(continuations)), key=lambda i: continuations[i]):
                scores[index] = self._score_one(head, continuations[index])
            return [scores[i] for i in range(len(continuations))]

    def _score_one(self, head: list[int], text: str) -> float:
        tail = self.tokenize(text)
        if not tail:
            return float("-inf")
        tokens = head + tail
        if len(tokens) >= self.n_ctx:
            tokens = tokens[: self.n_ctx - 1]
            tail = tokens[len(head):]
        self._eval_from_cache(tokens)
        rows = self.llama.scores[len(head) - 1 : len(tokens) - 1]
        picks = _log_softmax_rows(rows, tail)
        return sum(picks) / len(picks)

    def stream(self, prompt: str, *, max_tokens: int = 160, temperature: float = 0.0, seed: int | None = None,
               stop: Sequence[str] = (), grammar: str | None = None) -> Iterator[str]:
        """Yield generated text piece by piece (the KV cache of the prompt's known prefix is reused)."""
        with self._lock:
            grammar_obj = None
            if grammar:
                from llama_cpp import LlamaGrammar

                grammar_obj = LlamaGrammar.from_string(grammar, verbose=False)
            chunks = self.llama.create_completion(
                prompt, max_tokens=max_tokens, temperature=temperature, top_k=40 if temperature > 0 else 1,
                seed=self.seed if seed is None else seed, stop=list(stop) or None, grammar=grammar_obj,
                stream=True,
            )
            for chunk in chunks:
                piece = chunk["choices"][0]["text"]
                if piece:
                    yield piece

    def _vocabulary(self) -> dict[str, int]:
        """Each token's text (those that decode to whole UTF-8 text; control tokens left out) → its id."""
        if self._vocab is None:
            vocab: dict[str, int] = {}
            for i, text in enumerate(self._pieces()):
                if text and text not in vocab:
                    vocab[text] = i
            self._vocab = vocab
        return self._vocab

    def locked(self, prompt: str, lock: Any, *, max_tokens: int = 160,
               on_token: Callable[[str], None] | None = None) -> str | None:
        """Greedy decoding where every token must keep the text inside `lock`'s grammar
        (`rewrite.llm.spanlock.SpanLock`); the text once the grammar is complete, or None when
        `max_tokens` ran out first. The prompt's cached prefix is reused."""
        with self._lock:
            llm = self.llama
            vocab = self._vocabulary()
            self._eval_from_cache(self.tokenize(prompt, bos=True))
            states = lock.start()
            out: list[str] = []
            for _ in range(max_tokens):
                ways = lock.allowed(states)
                prefixes = {c[:k] for c in ways for k in range(1, min(len(c), 16) + 1)}
                choices = {vocab[p]: p for p in prefixes if p in vocab}
                if choices:
                    row = llm.scores[llm.n_tokens - 1]
                    token = max(choices, key=lambda t: row[t])
                    piece, ids = choices[token], [token]
                else:  # no single token fits (rare characters): the shortest way on, as the tokenizer cuts it
                    if not ways:
                        return None  # a dead end the grammar's search did not see: the caller falls back
                    piece = min(ways, key=len)
                    ids = self.tokenize(piece)
                states = lock.advance(states, piece)
                out.append(piece)
                if on_token is not None:
                    on_token(piece)
                if lock.finished(states):
                    return "".join(out)
                if llm.n_tokens + len(ids) >= self.n_ctx:
                    return None
                llm.eval(ids)
            return None

    #: Candidates looked at per step of constrained decoding, most likely first (then all of them).
    CANDIDATES = 64

    def constrained(self, prompt: str, constraint: Any, *, end: str, max_tokens: int = 160,
                    temperature: float = 0.0, seed: int = 0,
                    on_token: Callable[[str], None] | None = None) -> str | None:
        """Decoding where each token must keep the text inside `constraint` (`accept(text, piece)`),
        and the turn may end (`end`, a special token) only when `constraint.may_end(text)`. Greedy
        at temperature 0, else sampled from the allowed candidates with `seed`.

        The text, or, after a dead end (no allowed token left), a ramble (`constraint.rambling`) or
        `max_tokens` spent, `constraint.settle(text)` (None when the constraint has no `settle`)."""
        import numpy as np

        with self._lock:
            llm = self.llama
            pieces = self._pieces()
            end_id = self.tokenize(end)[0]
            self._eval_from_cache(self.tokenize(prompt, bos=True))
            rng = np.random.default_rng(seed)
            # a dead end, a ramble or the budget spent: the text cut back to where it was still sure
            settle = getattr(constraint, "settle", lambda text: None)
            rambling = getattr(constraint, "rambling", lambda text: False)
            out = ""
            for _ in range(max_tokens):
                row = np.asarray(llm.scores[llm.n_tokens - 1], dtype=np.float64)
                top = np.argpartition(row, -self.CANDIDATES)[-self.CANDIDATES:]
                order = top[np.argsort(row[top])[::-1]]
                allowed: list[int] = []
                for candidate in order:
                    token = int(candidate)
                    if token == end_id:
                        if constraint.may_end(out):
                            if temperature <= 0 or not allowed:
                                return out
                            allowed.append(token)
                        continue
                    if constraint.accept(out, pieces[token]):
                        allowed.append(token)
                        if temperature <= 0:
                            break
                if not allowed:  # none of the most likely: the next ones, in order
                    wider = (int(t) for t in np.argsort(row)[::-1][self.CANDIDATES: 8 * self.CANDIDATES])
                    allowed = [t for t in wider if t != end_id and constraint.accept(out, pieces[t])][:1]
                if not allowed:
                    return settle(out)
                token = allowed[0]
                if temperature > 0 and len(allowed) > 1:
                    logits = row[allowed] / temperature
                    p = np.exp(logits - logits.max())
                    token = allowed[int(rng.choice(len(allowed), p=p / p.sum()))]
                if token == end_id:
                    return out
                out += pieces[token]
                if on_token is not None:
                    on_token(pieces[token])
                if llm.n_tokens + 1 >= self.n_ctx or rambling(out):
                    return settle(out)
                llm.eval([token])
            return settle(out)

    def _pieces(self) -> list[str]:
        """Each token's text by id ("" for control tokens and pieces that are not whole UTF-8)."""
        if self._piece_list is None:
            llm = self.llama
            out = []
            for i in range(llm.n_vocab()):
                try:
                    out.append(llm.detokenize([i]).decode("utf-8"))
                except UnicodeDecodeError:
                    out.append("")
            self._piece_list = out
        return self._piece_list

    def generate(self, prompt: str, *, on_token: Callable[[str], None] | None = None, **options: Any) -> str:
        """The whole generated text; `on_token` sees each piece as it arrives."""
        pieces = []
        for piece in self.stream(prompt, **options):
            pieces.append(piece)
            if on_token is not None:
                on_token(piece)
        return "".join(pieces)
