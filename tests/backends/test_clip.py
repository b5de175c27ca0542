"""CLIP image–text scoring against a tiny random CLIP built from a config, saved and loaded through
the real loading path, with the real CLIP BPE vocabulary that open-clip-torch ships."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    from promptsmith.backends.clip import clip_tokenizer_files, open_clip_vocab

    root = tmp_path_factory.mktemp("clip")
    vocab, merges = clip_tokenizer_files(open_clip_vocab(), root / "tokenizer")
    tokenizer = CLIPTokenizer(str(vocab), str(merges))
    config = CLIPConfig(
        text_config=dict(vocab_size=49408, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=77),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                           image_size=32, patch_size=8),
        projection_dim=16,
    )
    torch.manual_seed(0)
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
        tokenizer=tokenizer,
    )
    CLIPModel(config).save_pretrained(root / "model")
    processor.save_pretrained(root / "model")
    return root / "model"


def test_converted_vocabulary_matches_clip_ids(tmp_path: Path) -> None:
    from transformers import CLIPTokenizer

    from promptsmith.backends.clip import clip_tokenizer_files, open_clip_vocab

    vocab, merges = clip_tokenizer_files(open_clip_vocab(), tmp_path)
    ids = CLIPTokenizer(str(vocab), str(merges))("a photo of a cat")["input_ids"]
    assert ids == [49406, 320, 1125, 539, 320, 2368, 49407]  # OpenAI CLIP's own ids


def test_scores_one_per_image_in_range_and_deterministic(clip_dir: Path) -> None:
    from PIL import Image

    from promptsmith.backends.base import ImageScorer
    from promptsmith.backends.clip import ClipScorer

    scorer = ClipScorer(clip_dir)
    assert isinstance(scorer, ImageScorer)
    images = [Image.new("RGB", (64, 48), (255, 0, 0)), Image.new("RGB", (40, 40), (0, 0, 255))]
    first = scorer.score(images, "a red square on white")
    assert len(first) == 2 and all(-1.0 <= s <= 1.0 for s in first)
    assert first != scorer.score(images, "an entirely different caption about boats")
    assert scorer.score(images, "a red square on white") == first
    assert scorer.score([], "x") == []


def test_missing_folder_says_what_to_do(tmp_path: Path) -> None:
    from promptsmith.backends.clip import ClipScorer
    from promptsmith.errors import ModelNotFound

    with pytest.raises(ModelNotFound, match="save_pretrained"):
        ClipScorer(tmp_path / "nothing")
