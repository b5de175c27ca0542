"""The README's worked examples of `rewrite --target` (three per target family) are produced here,
so they never drift: the section between the markers must equal what the CLI prints today.

    PROMPTSMITH_UPDATE_README=1 .venv/bin/python -m pytest -q tests/test_readme_targets.py   # rewrite it
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from click.testing import CliRunner

from promptsmith.cli.main import main

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- target-examples:start (tests/test_readme_targets.py) -->", "<!-- target-examples:end -->"

#: (family, what the example shows, prompt, extra arguments)
EXAMPLES = [
    ("Midjourney", "a v5 keyword prompt, written for the default version (V8.2 today)",
     "cyberpunk samurai, neon rain, 8k, trending on artstation --ar 16:9 --v 5", ["--target", "mj"]),
    ("Midjourney", "the same for V6.1, which still has `::` weights and `--q`",
     "hot dog::2 bun, studio photo --q 2 --v 5", ["--target", "mj-6.1"]),
    ("Midjourney", "niji 7: the version the target names is written out",
     "chibi fox spirit, shrine, cherry blossoms, anime style", ["--target", "niji-7"]),
    ("SD-family", "SD 1.5: terms, the `--no` list as the negative prompt, pipeline arguments from the render plan",
     "old fisherman portrait, oil painting, rembrandt lighting, 8k --ar 2:3 --s 250 --seed 42 --no blur, text",
     ["--target", "sd15"]),
    ("SD-family", "SDXL: `::` weights become `(term:w)`",
     "hot dog::2 bun::1 mustard::1, studio photo --ar 3:2", ["--target", "sdxl"]),
    ("SD-family", "SDXL: a long prompt is cut to 77 CLIP tokens, the most important terms first, and every "
     "cut term is named",
     "ancient library inside a hollow tree, spiral staircase, glowing runes, floating books, dust motes, "
     "volumetric light, moss, lanterns, owl, stained glass window, fantasy concept art, by greg rutkowski and "
     "alphonse mucha, intricate, highly detailed, cinematic composition, warm palette, mysterious mood --ar 9:16",
     ["--target", "sdxl"]),
    ("T5-family", "FLUX.1: prose, no Midjourney syntax, T5 budget as an upper bound",
     "cyberpunk samurai, neon rain, 8k, trending on artstation --ar 16:9 --seed 7", ["--target", "flux"]),
    ("T5-family", "SD3: `max_sequence_length` 512, so the pipeline does not cut at its default 256",
     "a red fox in deep snow, telephoto, golden hour, national geographic --ar 3:2 --no people", ["--target", "sd3"]),
    ("T5-family", "Qwen-Image (a Qwen2.5-VL encoder: counted in UTF-8 bytes, an upper bound)",
     'a neon sign that says "OPEN LATE", rainy street, night --ar 4:5', ["--target", "qwen-image"]),
]


def render() -> str:
    """The README section's body: for each family, its three examples as command and output."""
    runner = CliRunner()
    out: list[str] = []
    family = None
    for fam, what, prompt, args in EXAMPLES:
        if fam != family:
            family = fam
            out.append(f"**{fam}**\n")
        result = runner.invoke(main, ["rewrite", prompt, *args], catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
        out.append(f"{what}:\n")
        out.append("```text")
        out.append(f"$ promptsmith rewrite {shlex.quote(prompt)} {' '.join(args)}")
        out.append(result.stdout.rstrip("\n"))
        out.append("```\n")
    return "\n".join(out).rstrip("\n")


def test_readme_examples_are_what_the_cli_prints() -> None:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, "the README has no target-examples section"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = render()
    if os.environ.get("PROMPTSMITH_UPDATE_README"):
        README.write_text(f"{head}{START}\n{body}\n{END}{tail}", encoding="utf-8")
        return
    assert rest.split(END, 1)[0].strip("\n") == body, (
        "README's target examples are stale: PROMPTSMITH_UPDATE_README=1 pytest tests/test_readme_targets.py")


def test_three_examples_per_family() -> None:
    families = [f for f, *_ in EXAMPLES]
    assert {f: families.count(f) for f in families} == {"Midjourney": 3, "SD-family": 3, "T5-family": 3}
