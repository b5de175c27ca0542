"""The parser on hand-written cases: every construct of the reference's §1, §5, §6, §8."""

from __future__ import annotations

import pytest

import promptsmith as ps


def names(text: str) -> list[tuple[str, object]]:
    return [(p.name, p.value) for p in ps.parse(text).params]


def codes(text: str) -> list[str]:
    return [d.code for d in ps.parse(text).diagnostics]


def test_plain_prompt_with_params() -> None:
    p = ps.parse("cyberpunk city, neon, rain, 8k --ar 16:9 --s 750 --v 5.2")
    assert p.text == "cyberpunk city, neon, rain, 8k"
    assert names(p.source) == [("aspect", (16, 9)), ("stylize", 750), ("version", "5.2")]
    assert p.params[0].alias == "ar" and p.params[0].raw == "16:9"
    assert p.params[0].span.slice(p.source) == "--ar 16:9"
    assert p.params_start == p.source.index("--ar")


@pytest.mark.parametrize(
    ("alias", "name", "raw", "value"),
    [
        ("s", "stylize", "250", 250), ("stylize", "stylize", "250", 250), ("c", "chaos", "20", 20),
        ("q", "quality", ".5", 0.5), ("p", "profile", "", None), ("r", "repeat", "4", 4),
        ("v", "version", "5.0", "5"), ("niji", "niji", "6", "niji6"), ("no", "no", "red, blue", ("red", "blue")),
        ("raw", "raw", "", True), ("personalize", "profile", "abc", ("abc",)), ("w", "weird", "250", 250),
        ("sref", "sref", "123 https://x.com/a.png", ("123", "https://x.com/a.png")), ("tile", "tile", "", True),
    ],
)
def test_aliases_and_values(alias: str, name: str, raw: str, value: object) -> None:
    p = ps.parse(f"a cat --{alias} {raw}".rstrip())
    (param,) = p.params
    assert (param.name, param.alias, param.raw) == (name, alias, raw)
    if value is not None:
        assert param.value == value


def test_niji_without_number_is_newest() -> None:
    assert names("a fox --niji") == [("niji", "niji7")]


def test_image_prompts_bare_and_bracketed_with_weights() -> None:
    p = ps.parse("<https://s.mj.run/abc> https://x.com/b.png::2 a cat in a hat --iw 1.5")
    assert [(i.url, i.bracketed, i.weight, i.leading) for i in p.images] == [
        ("https://s.mj.run/abc", True, None, True),
        ("https://x.com/b.png", False, 2.0, True),
    ]
    assert p.text == "a cat in a hat"


def test_image_after_text_is_not_leading() -> None:
    p = ps.parse("a cat https://x.com/b.png")
    assert p.images[0].leading is False
    assert p.text == "a cat"


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("hot dog::1.5 bun::0.5", [("hot dog", 1.5, True), ("bun", 0.5, True)]),
        ("tulips:: red::-.5", [("tulips", None, True), ("red", -0.5, True)]),
        ("space ship:: stars", [("space ship", None, True), ("stars", None, False)]),
        ("a castle :: --ar 7:5", [("a castle", None, True)]),
        ("hot::2 dog", [("hot", 2.0, True), ("dog", None, False)]),
    ],
)
def test_multi_prompt_weights(text: str, segments: list[tuple]) -> None:
    p = ps.parse(text)
    assert [(s.text, s.weight, s.separated) for s in p.segments] == segments
    assert p.is_multiprompt


def test_permutations_nested_and_escaped() -> None:
    p = ps.parse("a {red, pastel \\, yellow} bird on a {branch, {wire, fence}} --ar {3:2, 1:1}")
    assert [perm.options for perm in p.permutations] == [
        ("red", "pastel \\, yellow"), ("branch", "{wire, fence}"), ("wire", "fence"), ("3:2", "1:1")
    ]
    jobs = p.expand()
    assert len(jobs) == 2 * 3 * 2
    assert jobs[0] == "a red bird on a branch --ar 3:2"
    assert "a pastel, yellow bird on a wire --ar 1:1" in jobs
    assert p.param("aspect").permuted


def test_expand_is_capped_at_40() -> None:
    text = " ".join("{a, b}" for _ in range(7))  # 128 jobs
    assert len(ps.parse(text).expand()) == 40


def test_permuted_parameter_name() -> None:
    p = ps.parse("a vase --{v 5, niji}")
    assert p.params[0].permuted and p.params[0].name == "{permutation}"
    assert len(p.expand()) == 2


def test_quoted_text() -> None:
    p = ps.parse('a neon sign that says "Midjourney" --style raw')
    assert [(q.text, q.span.slice(p.source)) for q in p.quotes] == [("Midjourney", '"Midjourney"')]


def test_dashes() -> None:
    assert names("koi —ar 2:3") == [("aspect", (2, 3))]
    assert codes("koi —ar 2:3") == ["PS008"]
    assert names("koi –ar 2:3") == [("aspect", (2, 3))]
    assert codes("koi –ar 2:3") == ["PS004"]


def test_prose_double_hyphens_are_not_parameters() -> None:
    text = "colorful liquid--pink, yellow, green, and blue--running down the wall"
    assert names(text) == []
    assert codes(text) == []
    long = "six muscular arms--three stacked on each shoulder, a dragon --stands over the village at dusk"
    assert names(long) == []


def test_glued_parameter_is_diagnosed_not_parsed() -> None:
    p = ps.parse("hard rim lighting photography--beta --ar 2:3")
    assert [d.code for d in p.diagnostics] == ["PS005"]
    assert names(p.source) == [("aspect", (2, 3))]


def test_width_height_legacy_vs_weird() -> None:
    assert names("knight --w 320 --h 512") == [("width", 320), ("height", 512)]
    assert names("knight --w 320") == [("weird", 320)]


def test_repeated_and_unknown_flags() -> None:
    p = ps.parse("a cat --v 5 --v 5 --Wallpaper")
    assert [(q.name, q.known) for q in p.params] == [("version", True), ("version", True), ("wallpaper", False)]


def test_text_after_parameters_is_kept_and_reported() -> None:
    p = ps.parse("a cat --ar 16:9 in a hat")
    assert p.text == "a cat in a hat"
    assert [d.code for d in p.diagnostics] == ["PS302"]


def test_bad_values_are_none_not_errors() -> None:
    p = ps.parse("a --s high --ar 1.39:1 --v 9")
    assert [q.value for q in p.params] == [None, None, None]


def test_render_is_canonical() -> None:
    p = ps.parse("<https://s.mj.run/abc> cat::2 dog::-.5 --v 5 —ar 16:9 --no x,y --stylize 50")
    assert p.format() == "https://s.mj.run/abc cat::2 dog::-.5 --ar 16:9 --s 50 --no x, y --v 5"
    assert ps.parse(p.format()).content() == p.content()


@pytest.mark.parametrize("text", ["", " ", "--", "::", "{", "}", '"', "<", "—", "– –", "--ar", "::-", "{,}", "\x00"])
def test_degenerate_inputs_do_not_raise(text: str) -> None:
    p = ps.parse(text)
    assert p.source == text


def test_non_str_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        ps.parse(None)  # type: ignore[arg-type]
