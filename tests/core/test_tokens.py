"""The CLIP token counter against `transformers`' CLIPTokenizer built from the real vocabulary
(the file open-clip-torch ships), over every prompt of the shared set; and the T5 bounds."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import pytest

from promptsmith.core.tokens import CLIP_WINDOW, ENCODERS, byte_alphabet, clip_count, clip_words, t5_upper_bound

EDGE = [
    "",
    " ",
    "a",
    "A cat on a windowsill --v 8.2",
    "it's the cat's 'sun' hat",
    "ÉLAN vital, café crème",
    "猫咪在窗台上",
    "Ωμέγα ΣΟΦΙΑ",
    "emoji 🐈‍⬛ and 🌅🌅",
    "x<|endoftext|>y",
    "<|STARTOFTEXT|> hi",
    "tab\tand\x1cfile sep",
    "1234567890 ½ ² Ⅻ",
    "İstanbul",
    "ΣΟΦΙΑΣ σοφίας",
    "a\u3000b\u2003c\x85d",
    "١٢٣ arabic digits",
    "ﬁne ﬂower",
    "a,,,,(((b:1.2)))",
    "naïve façade",
    "ᴀʙᴄ",
]


def clip_tokenizer(tmp: Path):
    """A real CLIPTokenizer from open_clip's `bpe_simple_vocab_16e6.txt.gz` (vocab.json + merges.txt)."""
    transformers = pytest.importorskip("transformers", reason="the dev/render extras bring transformers")
    spec = importlib.util.find_spec("open_clip")
    if spec is None or spec.origin is None:
        pytest.skip("open-clip-torch (dev extra) ships the vocabulary")
    lines = (
        gzip.decompress((Path(spec.origin).parent / "bpe_simple_vocab_16e6.txt.gz").read_bytes()).decode().split("\n")
    )
    merges = lines[1 : 49152 - 256 - 2 + 1]
    vocab = list(byte_alphabet().values())
    vocab += [v + "</w>" for v in vocab] + ["".join(m.split()) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    (tmp / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocab)}), encoding="utf-8")
    (tmp / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    return transformers.CLIPTokenizer.from_pretrained(str(tmp), local_files_only=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory):
    return clip_tokenizer(tmp_path_factory.mktemp("clip"))


def test_reference_is_the_real_clip_vocabulary(reference) -> None:
    # CLIP's well-known ids: start 49406, end 49407, "a photo of a cat" (openai/CLIP's README example)
    assert reference("a photo of a cat").input_ids == [49406, 320, 1125, 539, 320, 2368, 49407]


def test_counts_equal_clip_tokenizer_on_every_shared_prompt(reference, real_prompts: list[str]) -> None:
    texts = real_prompts + EDGE
    expected = [len(ids) for ids in reference(texts, add_special_tokens=True).input_ids]
    got = [clip_count(t) for t in texts]
    diff = [(t, g, e) for t, g, e in zip(texts, got, expected) if g != e]
    assert not diff, f"{len(diff)} of {len(texts)} differ, e.g. {diff[:3]}"
    assert len(texts) > 1400 and max(expected) > CLIP_WINDOW  # the set has prompts CLIP cuts


def test_words_are_lower_case_and_split_like_clip() -> None:
    assert clip_words("It's a CAT, 2 cats!") == ["it", "'s", "a", "cat", ",", "2", "cats", "!"]
    assert clip_count("") == 2


def test_t5_bound_never_below_characters_and_budget() -> None:
    assert t5_upper_bound("a cat") == len("a cat") + 2
    assert t5_upper_bound("ﬁne") == len("fine") + 2  # NFKC expands ligatures before counting
    assert ENCODERS["t5"].budget == 512 and not ENCODERS["t5"].exact and ENCODERS["clip"].exact
