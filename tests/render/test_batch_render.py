"""`batch preview` on a local Ray, rendered on the CPU with the tiny SD pipeline built from configs
(no GPU here: `--gpus-per-actor 0`): v5 and v6 grids with the same seeds, a PNG and a sidecar per
row in its own folder, CLIP scores for both grids, and a bad row with its `error`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("ray.data")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    from promptsmith.backends.clip import clip_tokenizer_files, open_clip_vocab

    root = tmp_path_factory.mktemp("clip")
    vocab, merges = clip_tokenizer_files(open_clip_vocab(), root / "tokenizer")
    torch.manual_seed(0)
    config = CLIPConfig(text_config=dict(vocab_size=49408, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                         num_attention_heads=2, max_position_embeddings=77),
                        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                           num_attention_heads=2, image_size=32, patch_size=8),
                        projection_dim=16)
    CLIPModel(config).save_pretrained(root / "model")
    CLIPProcessor(image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
                  tokenizer=CLIPTokenizer(str(vocab), str(merges))).save_pretrained(root / "model")
    return root / "model"


def test_batch_preview_renders_both_grids_with_the_same_seeds(tiny_sd: Path, tiny_clip: Path, tmp_path: Path) -> None:
    import ray

    from promptsmith.scale import run
    from promptsmith.scale.render import PreviewOptions

    src = tmp_path / "prompts.jsonl"
    rows = ["old fisherman, oil painting, 8k --seed 5", "a red fox in snow, dramatic lighting --ar 3:2 --seed 9",
            None, "cyberpunk city, neon, rain --no people --seed 1"]
    src.write_text("".join((json.dumps({"prompt": p, "k": i}) if p else "{broken") + "\n" for i, p in enumerate(rows)),
                   encoding="utf-8")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        options = PreviewOptions(pipeline=str(tiny_sd), images=str(tmp_path / "images"), clip_model=str(tiny_clip),
                                 steps=1, pixels=64 * 64, device="cpu")
        summary = run.run("preview", str(src), str(tmp_path / "previews.jsonl"), options, gpus_per_actor=0,
                          actors=1, progress=False)
    finally:
        ray.shutdown()
    assert (summary.rows_in, summary.rows_out, summary.errors) == (4, 4, 1)
    records = [json.loads(line) for line in (tmp_path / "previews.jsonl").read_text().splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 4] and records[2]["error"].startswith("invalid JSON")
    for r in (records[0], records[1], records[3]):
        first, second = r["plans"]
        assert first["seeds"] == second["seeds"]  # v5 and v6 with the same seeds
        assert first["prompt"] != second["prompt"] and r["rewrite"]
        assert Path(r["png"]).is_file() and Path(r["sidecar"]).is_file()
        assert len(r["clip_scores"]) == 2 and all(len(s) == 4 for s in r["clip_scores"])
    assert len({Path(r["png"]).parent for r in records if not r["error"]}) == 3  # a folder per row
    assert records[0]["k"] == 0 and records[3]["k"] == 3


def test_batch_preview_without_a_gpu_says_so(tiny_sd: Path, tmp_path: Path) -> None:
    import ray

    from promptsmith.errors import BackendUnavailable
    from promptsmith.scale import run
    from promptsmith.scale.render import PreviewOptions

    src = tmp_path / "p.jsonl"
    src.write_text('{"prompt": "a cat"}\n', encoding="utf-8")
    ray.init(num_cpus=1, num_gpus=0, include_dashboard=False, log_to_driver=False)
    try:
        with pytest.raises(BackendUnavailable, match="gpus-per-actor 0"):
            run.run("preview", str(src), str(tmp_path / "o.jsonl"), PreviewOptions(str(tiny_sd), str(tmp_path)),
                    gpus_per_actor=1, progress=False)
    finally:
        ray.shutdown()
