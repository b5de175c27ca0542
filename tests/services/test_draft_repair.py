"""The trained writer's article repair: an article the model put before a plural the prompt names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptsmith.core.parse import parse
from promptsmith.rewriters.english import drop_mass_articles, drop_participle_articles, drop_plural_articles

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("draft", "prompt", "repaired"), [
    ("A warrior dolphins fighting in the Battle of Midway.", "Warrior Dolphins fighting in the Battle of Midway",
     "Warrior dolphins fighting in the Battle of Midway."),
    ("Smoked orange eye shadow on a purple eyes, a white face.", "white face, smoked orange eye shadow, purple eyes",
     "Smoked orange eye shadow on purple eyes, a white face."),
    ("An alien drophips loitering among skyscrapers.", "alien drophips loitering among skyscrapers",
     "Alien drophips loitering among skyscrapers."),
])
def test_an_article_before_a_plural_the_prompt_names_goes(draft: str, prompt: str, repaired: str) -> None:
    assert drop_plural_articles(draft, prompt) == repaired


@pytest.mark.parametrize(("draft", "prompt"), [
    ("A lonely robot sits at a bus stop.", "lonely robot sits at a bus stop"),  # a verb, not a plural
    ("A storm rolls in over the fields.", "storm rolls in, fields"),
    ("A lens and a canvas.", "lens, canvas"),
    ("A few people reading.", "few people reading"),
    ("A kid's drawing in an 1800s style.", "kid's drawing, 1800s style"),
    ("A cat on a windowsill.", "cat, windowsill"),
    ("A pair of boots.", "pair of boots"),
])
def test_everything_else_keeps_its_article(draft: str, prompt: str) -> None:
    assert drop_plural_articles(draft, prompt) == draft


def test_no_gold_brief_is_changed() -> None:
    """No article repair every draft gets (this one, `drop_mass_articles`, `drop_participle_articles`)
    changes a gold brief."""
    for name in ("briefs.jsonl", "synthetic.jsonl"):
        for line in (ROOT / "eval" / "corpus" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["body"]:
                source = parse(row["prompt"]).text
                mended = drop_mass_articles(drop_plural_articles(row["body"], source), source)
                assert drop_participle_articles(mended, source) == row["body"], row["id"]
