"""PS2xx: wording. What the words of a prompt ask for, and how the model's text encoder reads them.

The V6+ advice (filler, keyword soup) rests on how the models read text: V5 and older read the
prompt through a CLIP-style encoder (77-token window, bag-of-keywords behaviour), V6+ through an
encoder that reads grammar, so junk tokens and comma soup stop helping and start costing.
The rules: `filler` (quality filler, art-site names), `negation` ("no X" in the text, Stable
Diffusion weight syntax), `quotes` (text to draw) and `terms` (repeats, keyword soup, length);
`settings` compiles their settings from rules/lint.toml.
Sources for the family: the V6 alpha announcement (December 2023), Midjourney's "No", "Multi-Prompts
& Weights" and "Text Generation" articles, the CLIP paper (Radford et al., 2021) and Imagen
(Saharia et al., 2022) on what a T5 encoder adds; each rule's References links them.
"""

from __future__ import annotations

from promptsmith.linter.checks.wording import filler, negation, quotes, terms  # noqa: F401  (importing registers the rules)
