"""Write promptsmith/core/data/clip-bpe-merges.txt.gz from open-clip-torch's CLIP BPE vocabulary.

The CLIP token counter (promptsmith.core.tokens) needs only the merge ranks: the 48,894 merges
CLIP's tokenizer uses (lines 1 … 48,894 of `bpe_simple_vocab_16e6.txt.gz`, after its version
line). Shipping them (~0.4 MB) lets an installed promptsmith count tokens without open-clip-torch,
torch or transformers. The merges are OpenAI CLIP's (MIT licence, github.com/openai/CLIP); the
file we read them from ships in open_clip (MIT licence, github.com/mlfoundations/open_clip).

    .venv/bin/python scripts/derive_clip_merges.py   # needs the dev extra (open-clip-torch)
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

#: CLIP's tokenizer keeps the first 49152 - 256 - 2 merges (vocabulary size minus the byte
#: tokens' two forms and the two special tokens, over 2).
N_MERGES = 49152 - 256 - 2
OUT = Path(__file__).resolve().parents[1] / "promptsmith" / "core" / "data" / "clip-bpe-merges.txt.gz"
HEADER = ("#version: clip-bpe-merges 1 — the first 48894 merges of OpenAI CLIP's bpe_simple_vocab_16e6 "
          "(MIT, github.com/openai/CLIP), read from open_clip (MIT)")


def main() -> None:
    spec = importlib.util.find_spec("open_clip")
    if spec is None or spec.origin is None:
        raise SystemExit("open-clip-torch is not installed: bash scripts/setup.sh dev")
    source = Path(spec.origin).parent / "bpe_simple_vocab_16e6.txt.gz"
    lines = gzip.decompress(source.read_bytes()).decode("utf-8").split("\n")
    merges = lines[1 : N_MERGES + 1]
    assert len(merges) == N_MERGES and all(len(m.split()) == 2 for m in merges)
    # mtime=0: the same input gives the same bytes
    OUT.write_bytes(gzip.compress(("\n".join([HEADER, *merges]) + "\n").encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{OUT}: {len(merges)} merges, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
