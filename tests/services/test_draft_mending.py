"""The trained writer's repairs of a draft the guard rejected for a term dropped or said twice
(`rewriters.llm.repair`), and the article repairs every draft gets (`rewriters.english`)."""

from __future__ import annotations

import pytest

from promptsmith.backends.fake import ScriptedGenerator
from promptsmith.core.lexicon import load_lexicon
from promptsmith.rewriters.english import drop_mass_articles, drop_participle_articles
from promptsmith.rewriters.llm.repair import one_credit_list, repair, repeated_runs, unsay
from promptsmith.rewriters.llm.rewriter import LlmRewriter
from promptsmith.rewriters.rules import Rewriter
from promptsmith.rewriters.rules.credits import spell_names

RULES = Rewriter(None)


def _repair(draft: str, prompt: str, dropped: list[str], twice: tuple[str, ...] = ()) -> tuple[str, list[str]] | None:
    result = RULES.rewrite(prompt)
    return repair(draft, dropped, list(twice), RULES.analysis(prompt), result.candidates[0])


@pytest.mark.parametrize(("draft", "term", "mended"), [
    ("An elegant, elegant pose of a female robot.", "elegant", "An elegant pose of a female robot."),
    ("A castle, with cinematic lighting, rendered in Unreal Engine, in cinematic lighting.", "cinematic lighting",
     "A castle, with cinematic lighting, rendered in Unreal Engine."),
    ("A portrait by Moebius, Syd Mead and Moebius.", "moebius", "A portrait by Moebius and Syd Mead."),
])
def test_a_later_repeat_that_stands_alone_goes(draft: str, term: str, mended: str) -> None:
    assert unsay(draft, term) == mended


def test_a_repeat_inside_a_phrase_is_left_to_the_guard() -> None:
    assert unsay("A portrait in the style of Moebius, in the style of Moebius art.", "moebius") is None
    assert unsay("A cinematic portrait of a witch with cinematic lighting.", "cinematic") is None


def test_an_earlier_repeat_that_is_a_list_item_goes_when_the_later_is_bound() -> None:
    assert unsay("A powerful, incredibly powerful anime girl.", "powerful") == "An incredibly powerful anime girl."
    assert unsay("A dog, red, a red ball.", "red") == "A dog, a red ball."
    # an article before it would stay behind: "for an in the style of…"
    assert unsay("Concept art for an AAA game, with AAA game art.", "AAA game") is None


def test_words_said_too_often_are_said_once_as_the_run_they_repeat_in() -> None:
    draft = "A ball room, by Gustave Moreau, Hans Emmenegger, Hans Emmenegger and Bruce Pennington, grainy."
    assert repeated_runs(draft, ["hans", "emmenegger"]) == ["Hans Emmenegger"]
    prompt = "ball room, by gustave moreau, hans emmenegger, bruce pennington, eyvind earle, grainy"
    mended = repair(draft, ["eyvind earle"], [], RULES.analysis(prompt), RULES.rewrite(prompt).candidates[0],
                    ["hans", "emmenegger"])
    assert mended == (
        "A ball room, by Gustave Moreau, Hans Emmenegger, Bruce Pennington and Eyvind Earle, grainy.",
        ["said 'Hans Emmenegger' once", "added Eyvind Earle to the draft's credits"])


def test_a_dropped_maker_joins_the_drafts_credits() -> None:
    prompt = "bill cipher from gravity falls by ross tran, artgerm, marc simonetti"
    assert _repair("Bill Cipher from Gravity Falls by Ross Tran and Marc Simonetti.", prompt, ["artgerm"]) == (
        "Bill Cipher from Gravity Falls by Ross Tran, Marc Simonetti and Artgerm.",
        ["added Artgerm to the draft's credits"])


def test_a_dropped_tool_and_place_take_the_rules_engines_words() -> None:
    prompt = "lone cabin in the rocky mountains, in the woods, pine trees, octane render"
    mended = _repair("A lone cabin in the rocky mountains.", prompt, ["woods", "pine trees"])
    assert mended is not None and mended[0] == "A lone cabin in the rocky mountains, in the woods, with pine trees."
    mended = _repair("A lone cabin in the rocky mountains, in the woods, with pine trees.", prompt, ["octane render"])
    assert mended is not None and mended[0].endswith("with pine trees, rendered in Octane.")


@pytest.mark.parametrize(("prompt", "draft", "dropped", "mended"), [
    ("scifi cargo spaceship in heavy armor, concept art", "Concept art of a cargo spaceship in heavy armor.", "scifi",
     "Concept art of a scifi cargo spaceship in heavy armor."),
    ("A futuristic cyberpunk Nezha, standing in a neon-lit city", "A futuristic Nezha, standing in a neon-lit city.",
     "cyberpunk", "A futuristic cyberpunk Nezha, standing in a neon-lit city."),
    ("an oil on canvas portrait painting of karl marx, surrealism",
     "An oil portrait painting of Karl Marx, surrealism.", "canvas",
     "An oil on canvas portrait painting of Karl Marx, surrealism."),
])
def test_a_dropped_modifier_goes_back_where_the_prompt_had_it(prompt: str, draft: str, dropped: str,
                                                              mended: str) -> None:
    out = _repair(draft, prompt, [dropped])
    assert out is not None and out[0] == mended
    assert out[1][0].startswith("put '")


@pytest.mark.parametrize(("prompt", "draft", "dropped"), [
    # a clause, not a modifier
    ("two animals, which are also skeletal and frail", "Two animals, skeletal and frail.", "which are also"),
    # its place opens a sentence: no sure casing
    ("scifi cargo spaceship in heavy armor", "Cargo spaceship in heavy armor.", "scifi"),
    # the one word it stood before has another modifier in the draft
    ("SeaWorld, ccean life, marine life", "SeaWorld, marine life.", "ccean"),
    # the words it stood before are said twice
    ("scifi cargo spaceship, old cargo spaceship", "A cargo spaceship and an old cargo spaceship.", "scifi"),
    # quoted text goes back with its marks or not at all ("A WORLDS zoological…")
    ("“WORLDS”: zoological fantasy ecosystem infographics", "A zoological fantasy ecosystem infographics.",
     "WORLDS"),
])
def test_a_modifier_without_one_sure_place_is_not_put_back(prompt: str, draft: str, dropped: str) -> None:
    out = _repair(draft, prompt, [dropped])
    assert out is None or not out[1][0].startswith("put '")


@pytest.mark.parametrize(("prompt", "draft", "dropped", "mended"), [
    ("pottery piece, concept art, gradients colors, Vibrant colors, octane render",
     "A pottery piece, concept art with gradients colors, rendered in Octane.", "Vibrant colors",
     "A pottery piece, concept art with gradients colors, rendered in Octane, in vibrant colors."),
    ("castle, rim light, fog", "A castle in the fog.", "rim light", "A castle in the fog, with rim light."),
])
def test_a_dropped_light_or_colour_ends_the_draft_in_its_connective(
        prompt: str, draft: str, dropped: str, mended: str) -> None:
    result = RULES.rewrite(prompt)
    out = repair(draft, [dropped], [], RULES.analysis(prompt), result.candidates[0], (), RULES.rules.connectives)
    assert out is not None and out[0] == mended


def test_a_colour_term_that_is_not_a_colour_phrase_is_not_connected() -> None:
    prompt = "castle city, ocean beasts, lens flare, full of colour, glow, intricate"
    result = RULES.rewrite(prompt)
    out = repair("A castle city devoured by ocean beasts, with a lens flare and glow, intricate.", ["full of colour"],
                 [], RULES.analysis(prompt), result.candidates[0], (), RULES.rules.connectives)
    assert out is None or "in full of" not in out[0]


def test_a_term_with_no_sure_place_is_not_guessed() -> None:
    prompt = "blueprint of an alchemist's laboratory, steampunk, copper edge"
    assert _repair("A blueprint of an alchemist's laboratory with a copper edge.", prompt, ["steampunk"]) is None
    many = "cat, windowsill, golden hour, tulips, bluebells, roses"
    assert _repair("A cat.", many, ["windowsill", "tulips", "bluebells"]) is None


def test_a_repaired_draft_is_the_brief_and_says_what_was_done() -> None:
    prompt = "bill cipher from gravity falls by ross tran, artgerm, marc simonetti"
    gen = ScriptedGenerator(writes=["Bill Cipher from Gravity Falls by Ross Tran and Marc Simonetti."])
    r = LlmRewriter(gen, jobs=("write",), write_mode="trained").rewrite(prompt)
    assert r.output == "Bill Cipher from Gravity Falls by Ross Tran, Marc Simonetti and Artgerm."
    assert r.fallback is None and r.draft == "Bill Cipher from Gravity Falls by Ross Tran and Marc Simonetti."
    assert r.draft_rejected == ["dropped artgerm"] and r.repairs == ["added Artgerm to the draft's credits"]
    assert len(gen.prompts) == 1  # the repaired greedy draft stands: no second draft is decoded
    assert any("accepted it once repaired (added Artgerm" in c.reason for c in r.changes)


def test_the_writer_mends_a_word_said_more_often_than_the_prompt() -> None:
    prompt = "anime girl, incredibly powerful, created by hideaki anno, movie poster style"
    draft = "A powerful, incredibly powerful anime girl, created by Hideaki Anno, in a movie poster style."
    r = LlmRewriter(ScriptedGenerator(writes=[draft]), jobs=("write",), write_mode="trained").rewrite(prompt)
    assert r.draft_rejected == ["said 'powerful' more often than the prompt"] and r.fallback is None
    assert r.output == "An incredibly powerful anime girl, created by Hideaki Anno, in a movie poster style."
    assert r.repairs == ["said 'powerful' once"]


@pytest.mark.parametrize(("draft", "mended"), [
    ("A hyperminimalism of a cat.", "Hyperminimalism of a cat."),
    ("A face with a cinematic lighting.", "A face with cinematic lighting."),
    ("An old man, a street photography by Vivian Maier.", "An old man, street photography by Vivian Maier."),
    ("A mechanism of gears, a soft light.", "A mechanism of gears, a soft light."),
    ("An oilpainting in expressionism.", "An oilpainting in expressionism."),
])
def test_no_article_before_lighting_photography_or_an_ism(draft: str, mended: str) -> None:
    assert drop_mass_articles(draft, "x") == mended


def test_an_article_the_prompt_wrote_stays() -> None:
    assert drop_mass_articles("A cat in a cinematic lighting.", "cat in a cinematic lighting") == \
        "A cat in a cinematic lighting."


@pytest.mark.parametrize(("draft", "mended"), [
    ("A viewed from a distance, a vintage van.", "Viewed from a distance, a vintage van."),
    ("A van, an abandoned in the woods cabin.", "A van, abandoned in the woods cabin."),
    ("A speed in the city.", "A speed in the city."),  # "-eed" is a noun's
    ("A winged creature in the sky.", "A winged creature in the sky."),  # no preposition: an adjective
    ("A red in the sky.", "A red in the sky."),
])
def test_no_article_before_a_participle_and_its_preposition(draft: str, mended: str) -> None:
    assert drop_participle_articles(draft, "x") == mended
    assert drop_participle_articles(draft, draft) == draft  # the prompt's own article stays


def _judged(prompt: str, draft: str) -> list[str]:
    llm = LlmRewriter(ScriptedGenerator(), jobs=("write",), write_mode="trained")
    return llm.guard(llm.rules.rewrite(prompt), draft, repeats=True).reasons


def test_the_guard_refuses_a_trained_draft_that_says_a_term_twice() -> None:
    prompt = "female robot, elegant pose, studio lighting"
    assert _judged(prompt, "A female robot in an elegant pose, with studio lighting.") == []
    assert "said 'studio lighting' twice" in _judged(
        prompt, "A female robot in an elegant pose, with studio lighting, in studio lighting.")
    assert "repeated elegant" in _judged(prompt, "A female robot in an elegant, elegant pose, with studio lighting.")


def test_the_guard_refuses_a_trained_draft_that_says_a_word_more_often_than_the_prompt() -> None:
    prompt = "cuckoo, cute, funny, watercolor pen illustration, isometric illustration, drawing"
    assert _judged(prompt, "A cute, funny drawing of a cuckoo, a watercolor pen illustration and an isometric "
                           "illustration.") == []
    assert "said 'isometric' more often than the prompt" in _judged(
        prompt, "A cute, funny, isometric drawing of a cuckoo, a watercolor pen illustration and an isometric "
                "illustration.")


def test_the_guard_refuses_a_credit_to_a_term_of_another_role() -> None:
    prompt = "geralt as a butcher, rim light, vivid lights, by greg rutkowski"
    assert _judged(prompt, "Geralt as a butcher with rim light and vivid lights, in the style of Greg Rutkowski.") == []
    assert "made 'vivid lights' a credit" in _judged(
        prompt, "Geralt as a butcher with rim light, by Greg Rutkowski, in the style of vivid lights.")
    # the name "and" joins to the first credit is credited too; past a comma the credit may have ended
    cute = "cuckoo, cute, funny, watercolor pen illustration, drawing, disney, by stephen hillenburg"
    assert "made 'drawing' a credit" in _judged(
        cute, "A cute, funny cuckoo, a watercolor pen illustration in the style of Disney and drawing, by Stephen "
              "Hillenburg.")
    assert _judged(cute, "A cute, funny cuckoo in the style of Disney, a watercolor pen illustration and drawing by "
                         "Stephen Hillenburg.") == []


@pytest.mark.parametrize(("prompt", "draft", "listed"), [
    ("crazy peter venkman, by yoichi hatakenaka, dan mumford, ayami kojima, karol bak",
     "Crazy Peter Venkman, by Yoichi Hatakenaka and Dan Mumford, in the style of Ayami Kojima and Karol Bak.",
     "Crazy Peter Venkman, by Yoichi Hatakenaka, Dan Mumford, Ayami Kojima and Karol Bak."),
    ("goth girl, art by wayne barlowe and gustav klimt and artgerm and wlop",
     "A goth girl, art by Wayne Barlowe and Gustav Klimt and Artgerm and WLOP.",
     "A goth girl, art by Wayne Barlowe, Gustav Klimt, Artgerm and WLOP."),
    ("death awaits in the hallway, by Andreas Rocha + Ted Nasmith, dark",
     "Death awaits in the hallway, dark cinematic lighting, by Andreas Rocha, Ted Nasmith.",
     "Death awaits in the hallway, dark cinematic lighting, by Andreas Rocha and Ted Nasmith."),
    # a work and its painter after "style of" keep their comma
    ("mark zuckerberg in style of Reply of the Zaporozhian Cossacks, Ilya Repin",
     "Mark Zuckerberg in style of Reply of the Zaporozhian Cossacks, Ilya Repin.",
     "Mark Zuckerberg in style of Reply of the Zaporozhian Cossacks, Ilya Repin."),
    # a comma run that goes on into other items stays as written
    ("a castle, by andreas rocha, ted nasmith, fog", "A castle by Andreas Rocha, Ted Nasmith, fog and rain.",
     "A castle by Andreas Rocha, Ted Nasmith, fog and rain."),
    # the prompt made the difference: it stays
    ("a castle by dan mumford in the style of karol bak", "A castle by Dan Mumford, in the style of Karol Bak.",
     "A castle by Dan Mumford, in the style of Karol Bak."),
])
def test_a_drafts_credits_are_one_list(prompt: str, draft: str, listed: str) -> None:
    brief = RULES.analysis(prompt)
    assert brief is not None
    assert one_credit_list(draft, brief.style, prompt) == listed


@pytest.mark.parametrize(("prompt", "draft", "spelled"), [
    ("kid playing games by Stanley Artgerm Lau, thomas kindkade, salvador dali",
     "A kid playing games by Stanley Artgerm Lau, Thomas Kindkade and Salvador Dali.",
     'A kid playing games by Stanley "Artgerm" Lau, Thomas Kinkade and Salvador Dalí.'),
    ("cargo spaceship, by simon stalenhag, art by artgerm", "A cargo spaceship by Simon Stalenhag, art by artgerm.",
     "A cargo spaceship by Simon Stålenhag, art by Artgerm."),
    # a name the lexicon does not know stays as the draft wrote it, but in one piece
    ("a portrait by norman Rockwel", "A portrait by Norman Rockwel.", "A portrait by Norman Rockwel."),
    ("goth girl, art by ( ( ( kuvshinov ilya ) ) ) and wlop", "A goth girl, art by Kuvshinov, Ilya and WLOP.",
     "A goth girl, art by Kuvshinov Ilya and WLOP."),
])
def test_a_drafts_credits_are_spelled_as_the_rules_engine_spells_them(prompt: str, draft: str, spelled: str) -> None:
    brief = RULES.analysis(prompt)
    assert brief is not None
    assert spell_names(load_lexicon(), draft, brief.style) == spelled
