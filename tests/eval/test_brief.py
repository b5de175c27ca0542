"""Brief-quality measures (eval/brief.py): defect classes, sentences, respellings, templates, word
recall; and their wiring into the harness."""

from __future__ import annotations

import pytest

from eval.brief import (
    DEFECT_CLASSES,
    content_words,
    dedupe_templates,
    defects,
    is_sentence,
    respelled,
    split_sentences,
    template_key,
    vowel_sound,
    word_recall,
)


# -- defect classes: real bad outputs ----------------------------------------------------------------
def test_real_bad_outputs() -> None:
    found = defects("An portrait painting of shaggy rogers, in the style of Alex Ross. . . . Epic Lighting.")
    assert "article-disagrees" in found and "stray-punctuation" in found
    assert "doubled-article" in defects("A futuristic a female saints made of mecha")
    assert "engine-as-style" in defects("A castle at night, in the style of Octane Render.")
    assert "empty-fragment" in defects('"a cozy cabin in the woods at dusk, , "')
    assert "stray-punctuation" in defects("digital art. . . vibrant. illustration., in the style of")


CLEAN = [
    "A lighthouse on a cliff at dusk, an oil painting in the style of Ivan Aivazovsky, with warm light.",
    "An hour-long exposure of an old harbour, shot on a Canon DSLR at f/2.8.",
    "A portrait of an FBI agent in an MRI room, a UFO above, an X-ray style, a European city, a unicorn.",
    "A dragon the size of a mountain, a Bichon Frise and a Wes Anderson film set, art by M. C. Escher.",
    'A neon sign that says "OPEN" in a rainy street... at night.',
    "A 1920s car and an 18th-century house, an 8k screen, e.g., a poster.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_outputs_have_no_defects(text: str) -> None:
    assert defects(text) == []


CASES = {
    "doubled-article": (["a a cat on a mat.", "The the city.", "A the castle.", "A futuristic a female.",
                         "A majestic the dragon."],
                        ["An hour a day.", "A dragon the size of a house.", "The A-Team, a car.", "Take the A train.",
                         "A man holding a sword."]),
    "article-disagrees": (["An portrait.", "A apple.", "An city.", "A hour.", "An unicorn.", "A FBI agent.",
                           "An European car.", "A 8k screen.", "An 1920s car.", "A MRI scan.", "A x-ray."],
                          ["An apple.", "A unicorn.", "An umbrella.", "A user.", "A one-eyed cat.", "An hour.",
                           "An honest man.", "An heir.", "A European.", "An FBI agent.", "An MRI.", "A UFO.",
                           "An 18th-century hall.", "An uninhabited island.", "A historic town.", "An historic town.",
                           "Vitamin A and zinc.", "An RPG.", "A 3D render.", "An 80s poster."]),
    "article-before-name": (["A portrait in the style of Alex Ross and a Greg Rutkowski.", "Art by a Greg Rutkowski."],
                            ["A Greg Rutkowski painting.", "Shot on a Canon DSLR.", "A dog with a Bichon Frise.",
                             "Art by Greg Rutkowski."]),
    "stray-punctuation": (["A cat . A dog.", "A cat ,a dog.", "A cat., a dog.", "A cat () on a mat.", ", a cat.",
                           "A cat  on a mat.", "A cat. . A dog."],
                          ["A cat, a dog.", "A cat... and a dog.", "A cat, e.g., a tabby.", "Roughly .5 m."]),
    "doubled-punctuation": (["A cat,, a dog.", "A cat.. a dog."], ["A cat... a dog.", "Wow!! A cat."]),
    "unbalanced-brackets": (["A cat (on a mat.", "A cat] on a mat.", 'A sign "OPEN.', "A {cat."],
                            ["A cat (on a mat).", 'A sign "OPEN".', "A [cat] {dog}."]),
    "repeated-term": (["A cat, oil painting, Oil Painting.", "A city in the rain in the rain.",
                       "Very very very very art."],
                      ["A cat, a dog.", "Entries in the 2 0 2 0 awards.", "A red cat and a red dog."]),
    "engine-as-style": (["A castle, in the style of Octane Render.",
                         "A hero in the style of Greg Rutkowski and Unreal Engine.",
                         "A city in the style of Syd Mead, Cinema 4D and Moebius."],
                        ["A castle in the style of Greg Rutkowski, rendered in Octane.",
                         "A castle in the style of Moebius. Rendered in Unreal Engine.",
                         "A film still in the style of Maya Deren."]),
    "parameter-in-prose": (["A cat, ar 2:3.", "A dragon --stands over the village at dawn.", "A cat, v 5.",
                            "A cat, s 750."],
                           ["A cat at a 2:3 ratio.", "A cat in V8 engine oil.", "Levi's 501 jeans.",
                            "A cat --ar 2:3 --v 6.1", "A cat:: 2 dog."]),  # a multi-prompt's own weight
    "empty-fragment": (['"a cozy cabin in the woods at dusk, , "', "A cat, .", "A cat, the, a dog.", "A cat,"],
                       ["A cat, a dog.", 'A sign, "OPEN" in neon.']),
}


@pytest.mark.parametrize("cls", sorted(CASES))
def test_defect_class_positive_and_negative(cls: str) -> None:
    positives, negatives = CASES[cls]
    for text in positives:
        assert cls in defects(text), text
    for text in negatives:
        assert cls not in defects(text), text


def test_every_class_is_tested() -> None:
    assert set(CASES) == set(DEFECT_CLASSES)


def test_defects_ignore_parameters_and_quoted_text() -> None:
    assert defects("A cat on a mat. --ar 2:3 --v 6.1 --no text, blur") == []
    assert defects('A sign that says "THE THE" in neon.') == []


def test_vowel_sound() -> None:
    assert vowel_sound("hour") and vowel_sound("FBI") and vowel_sound("8k") and vowel_sound("18th")
    assert not vowel_sound("unicorn") and not vowel_sound("UFO") and not vowel_sound("1920s")
    assert vowel_sound("herb") is None and vowel_sound("HUGE") is None


# -- sentences -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "A cat sitting on a mat.",
    "A lighthouse on a cliff, an oil painting in the style of Turner, with warm light.",
    "A cat in a room. Epic lighting in gold.",
    "Art by M. C. Escher.",
    '"Hello" written on a wall.',
    'A sign reading "OPEN."',
    "A cat on a mat. --ar 2:3 --v 6.1",
    "Dalmador, a watercolor-and-pen illustration in the style of Disney, a centered composition, with a cute "
    "and funny atmosphere.",
    # one preposition's coordinated object, not six bare fragments
    "A portrait of a knight, in the style of Ross Tran, Greg Rutkowski, Artgerm, Beeple, WLOP and Mucha.",
])
def test_is_sentence(text: str) -> None:
    assert is_sentence(text)


@pytest.mark.parametrize("text", [
    "a cat on a mat.",                                  # no capital
    "A cat on a mat",                                   # no end
    "Cat, dog, red, blue, in a room.",                  # a comma list
    "A portrait of a woman, oil painting, dramatic light.",  # half the fragments short
    "A red cat.",                                       # no preposition or participle
    "A cat in a room. Epic lights.",                    # the second sentence has none
    "A cat in a room, red, blue, green, gold, moody.",  # short fragments no "and" closes stay fragments
    "",
])
def test_is_not_sentence(text: str) -> None:
    assert not is_sentence(text)


def test_an_enumeration_closed_by_a_conjunction_is_one_phrase() -> None:
    from eval.brief import phrases

    assert phrases(["in the style of Ross Tran", "Artgerm", "Beeple and WLOP", "oil", "gold"]) == [
        "in the style of Ross Tran", "Artgerm, Beeple and WLOP", "oil", "gold"]
    assert phrases(["a cat on a mat", "red", "blue or green"]) == ["a cat on a mat", "red, blue or green"]


def test_split_sentences() -> None:
    assert split_sentences("Art by M. C. Escher. In St. Ives, 2.5 m wide. Done!") == [
        "Art by M. C. Escher.", "In St. Ives, 2.5 m wide.", "Done!"]


# -- respelled -----------------------------------------------------------------------------------------
def test_respelled() -> None:
    assert respelled("watercolor painting", "A watercolour painting.") == [("watercolor", "watercolour")]
    assert respelled("watercolour painting", "A watercolour painting.") == []
    assert respelled("shrek", "Shrek in a swamp.") == []
    assert respelled("STAR WARS poster", "A Star Wars poster.") == [("STAR", "Star"), ("WARS", "Wars")]
    assert respelled("iPhone", "An Iphone.") == [("iPhone", "Iphone")]
    assert respelled("stylized, grey", "Stylised and gray.") == [("stylized", "Stylised"), ("grey", "gray")]
    assert respelled("colour, color", "A color and colour.") == []  # both in the input
    assert respelled("centered", "Centred.") == [("centered", "Centred")]
    assert respelled("a story", "A storey.") == []  # different words


# -- templates -----------------------------------------------------------------------------------------
def test_template_key_and_dedupe() -> None:
    a = "Dalmador, cute, funny, centered, award winning watercolor pen illustration --ar 2:3"
    b = "Grogu, cute, funny, centered, award winning watercolor pen illustration"
    assert template_key(a) == template_key(b) == "cute, funny, centered, award winning watercolor pen illustration"
    assert template_key("A cat, oil painting") == "a cat, oil painting"  # too short to strip
    assert template_key("Cat, b, c") != template_key("Dog, b, c")
    rows = [{"prompt": a, "k": 1}, {"prompt": "a cat"}, {"prompt": b, "k": 2}, {"prompt": "A CAT"}]
    assert dedupe_templates(rows) == [{"prompt": a, "k": 1}, {"prompt": "a cat"}]


def test_content_words() -> None:
    assert content_words("A cat in the room with an owl and a dog --ar 2:3") == ["cat", "room", "owl", "dog"]


# -- word recall ---------------------------------------------------------------------------------------
def test_word_recall() -> None:
    assert word_recall("cat, dog", "A cat and a dog.") == 1.0
    assert word_recall("cat, dog", "A cat.") == 0.5
    assert word_recall("a cat, 8k, trending on artstation", "A cat.", ["8k", "trending on artstation"]) == 1.0
    assert word_recall("colour, cats", "Colors and a cat.") == 1.0  # US/UK and plural folded
    assert word_recall("cat, no text", "A cat. --no text", ["no text"]) == 1.0
    assert word_recall("dog, blurry", "A dog. --no blurry") == 1.0  # --no items count
    assert word_recall("beksinski, 8 5 mm", "Beksiński, shot at 85mm.") == 1.0
    assert word_recall("the and of", "Anything.") == 1.0


# -- harness wiring ------------------------------------------------------------------------------------
def test_score_and_aggregate_report_brief_figures() -> None:
    from eval.harness import EngineSpec, aggregate, check_gate, run_engine

    records = [{"prompt": f"{name}, cute, funny, centered, watercolor pen illustration, by Stephen Hillenburg"}
               for name in ("Dalmador", "Grogu", "Pikachu")] + [{"prompt": "old fisherman portrait, oil painting, 8k"}]
    rows = run_engine(EngineSpec("rules", "rules"), records)
    for r in rows:
        assert r["sentence"] in (0.0, 1.0) and isinstance(r["defects"], list)
        assert r["defect_free"] in (0.0, 1.0) and r["respelled"] >= 0 and 0.0 <= r["word_recall"] <= 1.0
    agg = aggregate(rows)
    assert agg["prompts"] == 4 and agg["unique_prompts"] == 2
    for key in ("sentence_share", "defect_free", "respelled", "word_recall", "recall_unique"):
        assert key in agg
    assert check_gate(agg, {"speed_prompts_per_s": {"min": 1}}) == []  # not measured: skipped
    assert check_gate({**agg, "speed_prompts_per_s": 0.5}, {"speed_prompts_per_s": {"min": 1}})


def test_short_inputs_have_no_sentence_figure() -> None:
    from eval.harness import EngineSpec, run_engine

    (row,) = run_engine(EngineSpec("rules", "rules"), [{"prompt": "a cat"}])
    assert row["sentence"] is None


def test_measure_speed_in_process_and_cli() -> None:
    from eval.harness import measure_speed

    speed = measure_speed([{"prompt": "old fisherman portrait, oil painting, 8k"}] * 20, repeats=1)
    assert speed["speed_inprocess_prompts_per_s"] > 0 and speed["speed_baseline_prompts_per_s"] > 0
    if "speed_prompts_per_s" in speed:  # the CLI is installed next to the interpreter
        assert speed["speed_cli_lines"] == 20 and speed["speed_prompts_per_s"] > 0
