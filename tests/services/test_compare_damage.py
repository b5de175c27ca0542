"""Issue 31: the damage `compare` used to let through — parameters flipped or dropped, quoted text
altered, a term's role changed, a user's generic noun deleted — each caught, with the fake
embedder (the verdict rules do not depend on the model)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from promptsmith.backends.fake import HashEmbedder
from promptsmith.services.compare import compare

FAKE = HashEmbedder()


def check(a: str, b: str):
    return compare(a, b, embedder=FAKE, similarity_threshold=0)


def test_a_flipped_aspect_ratio_is_changed_not_preserved() -> None:
    c = check("portrait of a woman, 8k --ar 2:3", "A portrait of a woman. --ar 3:2")
    assert c.verdict == "changed" and "param-changed" in c.rules
    assert c.params.altered == ["--ar 2:3 → --ar 3:2"]


def test_parameters_compare_as_values_on_the_table() -> None:
    c = check("a cat --aspect 4:6 --stylize 250 --q .5", "A cat. --ar 2:3 --s 250 --q 0.5")
    assert c.verdict == "preserved" and not c.params.altered and not c.params.dropped


def test_dropped_parameters_and_no_terms_are_dropped() -> None:
    c = check("a beach --no people --ar 16:9", "A beach.")
    assert [d.text for d in c.dropped] == ["people"]
    assert c.params.dropped == ["--ar 16:9"] and "param-dropped" in c.rules and c.verdict == "dropped"


def test_text_output_writes_parameters_with_two_dashes(monkeypatch: pytest.MonkeyPatch) -> None:
    from promptsmith.cli.main import main
    from promptsmith.services import compare as service

    monkeypatch.setattr(service, "default_embedder", lambda *a, **k: FAKE)
    out = CliRunner().invoke(main, ["compare", "a beach --no people --ar 16:9", "A beach."])
    assert out.exit_code == 1
    assert "---" not in out.stdout and "removed --no people; removed --ar 16:9" in out.stdout, out.stdout


def test_what_the_version_explains_is_migrated_not_damage() -> None:
    c = check("a cat --v 5 --s 5000 --hd", "A cat. --s 1000 --v 6.1")
    assert c.verdict == "preserved", c
    assert c.params.changed == ["--v 5 → --v 6.1", "--s 5000 → --s 1000"]
    assert len(c.params.migrated) == 3 and not c.params.altered and not c.params.dropped
    # a value moved inside the range is not a clamp
    assert check("a cat --s 250", "A cat. --s 750").verdict == "changed"


def test_one_of_several_personalization_codes_removed_is_changed() -> None:
    c = check("a cat --p aaa --p bbb", "A cat. --p aaa")
    assert "param-changed" in c.rules


def test_quoted_text_must_match_exactly() -> None:
    c = check('"The Midjourney Multiverse" carving on porcelain', '"The Multiverse" carving on porcelain')
    assert c.verdict == "changed" and [q.text for q in c.quotes] == ["The Midjourney Multiverse"]
    assert check('a sign that says "Open"', 'A sign that says "open".').verdict == "changed"
    assert check('a sign that says "Open"', 'A sign that says "Open".').verdict == "preserved"


def test_a_whole_prompt_in_quotes_is_a_description_not_text_to_draw() -> None:
    assert check('"a red fox in the snow"', "A red fox in the snow.").quotes == []


def test_a_light_written_as_an_artist_is_a_changed_role() -> None:
    c = check("a cat reading a book by candlelight", "A cat reading a book, in the style of Candlelight.")
    assert c.verdict == "changed" and "role-changed" in c.rules
    (t,) = c.changed
    assert (t.role_word, t.role_a, t.role_b) == ("candlelight", "lighting", "credit")
    term = next(m for m in c.terms if m.status == "changed")
    assert term.how == "role" and term.role_a == "lighting"


def test_an_object_written_as_a_style_is_a_changed_role() -> None:
    c = check("a cat on a windowsill", "A windowsill, in a cat style.")
    assert "role-changed" in c.rules and c.changed[0].role_a == "subject" and c.changed[0].role_b == "style"


@pytest.mark.parametrize(("a", "b"), [
    ("a cat, by candlelight", "A cat lit by candlelight."),
    ("oil painting, rembrandt", "An oil painting in the style of Rembrandt."),
    ("greg rutkowski, a castle", "A castle in the style of Greg Rutkowski."),
    ("cyberpunk, a city", "A city in a cyberpunk style."),
    ("warm colors, a fox", "A fox in warm colors."),
])
def test_a_role_kept_in_its_family_is_not_a_change(a: str, b: str) -> None:
    assert "role-changed" not in check(a, b).rules


def test_a_users_generic_noun_deleted_is_noticed() -> None:
    c = check("heroic composition, castle", "A heroic castle.")
    assert [(t.term, [p.text for p in t.lost]) for t in c.changed] == [("heroic composition", ["composition"])]
    c = check("a fox, warm colors", "A fox in warm light.")
    assert any(t.term == "warm colors" for t in c.changed)
    # the rewriter writing the same noun itself is no loss
    assert check("heroic composition, castle", "A castle in a heroic composition.").changed == []


def test_json_carries_the_roles_and_the_new_fields() -> None:
    c = json.loads(check("a cat reading a book by candlelight",
                         "A cat reading a book, in the style of Candlelight. --ar 1:1").model_dump_json())
    assert c["changed"][0]["role_a"] == "lighting" and c["changed"][0]["role_b"] == "credit"
    assert set(c["params"]) == {"same", "only_a", "only_b", "changed", "migrated", "dropped", "altered"}
    assert c["quotes"] == []


def test_rewrite_check_reports_the_damage_it_finds() -> None:
    """`rewrite --check` reads the same compare: what it says is what compare says."""
    from promptsmith.cli.compare_cmd import summary

    c = check("portrait of a woman, 8k --ar 2:3", "A portrait of a woman. --ar 3:2").model_dump(mode="json")
    assert "changed: --ar 2:3 → --ar 3:2" in summary(c)
