"""A local Ray (2 CPUs, one session per test module) and 2,000 prompt lines built from the shared
set: the real prompts, then permutation and parameter variations of them, with malformed lines
(bad JSON, not UTF-8, a non-string prompt, a blank line) in among them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptsmith.core.permute import expand

#: Parameters a variation appends (each a Midjourney parameter the linter and rewriter know).
SUFFIXES = (
    " --ar 3:2",
    " --s 250",
    " --v 5.2",
    " --no people",
    " --chaos 20 --ar 16:9",
    " --q 2",
    " --v 6 --style raw",
)
#: Malformed lines, at fixed places, as a scraped file has them.
MALFORMED = {
    17: b"{not json\n",
    404: b'{"prompt": "caf\xe9 at night"}\n',
    999: b'{"prompt": 42, "id": "x"}\n',
    1500: b"\n",
    1777: b"[1, 2]\n",
}


def variations(prompts: list[str], n: int) -> list[str]:
    """`n` prompts: the shared set, then for each prompt in turn a permutation of its first two
    fragments (`{a, b}` expanded as Midjourney would) or the prompt with a parameter appended."""
    out = list(prompts[:n])
    k = 0
    while len(out) < n:
        text = prompts[k % len(prompts)]
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if k % 3 == 0 and len(parts) >= 2:
            out.extend(expand("{" + parts[0] + ", " + parts[1] + "}, " + ", ".join(parts[2:]))[:2])
        else:
            out.append(text + SUFFIXES[k % len(SUFFIXES)])
        k += 1
    return out[:n]


def write_lines(path: Path, prompts: list[str], n: int = 2000) -> Path:
    """JSON lines with a prompt, an id and a source to pass through, malformed ones in among them."""
    texts = iter(variations(prompts, n))
    with path.open("wb") as fh:
        for i in range(n):
            if i in MALFORMED:
                fh.write(MALFORMED[i])
                continue
            fh.write((json.dumps({"id": f"p{i:05d}", "prompt": next(texts), "source": "shared"}) + "\n").encode())
    return path


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    from promptsmith.scale.run import configure

    configure(progress=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def prompts_2000(tmp_path_factory: pytest.TempPathFactory, real_prompts: list[str]) -> Path:
    return write_lines(tmp_path_factory.mktemp("scale") / "prompts.jsonl", real_prompts)
