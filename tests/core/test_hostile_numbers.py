"""Hostile numbers: huge, tiny, NaN and infinite values in every parameter of every version, and in
`::` weights. The parser reads each as a bounded, finite number (or as no number at all), an
out-of-range one is a finding, and nothing downstream (lint, fix, rewrite, render) raises."""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promptsmith as ps
from promptsmith.core.parse import NUMBER_LIMIT, read_float, read_int, read_ratio
from promptsmith.core.spec import load_spec

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "150"))
SPEC = load_spec()
#: Every name a parameter is written with (aliases too), and every version.
NAMES = sorted({*SPEC.params, *SPEC.aliases})
VERSIONS = sorted(SPEC.versions)

EXTREMES = [
    "9" * 4301,
    "-" + "9" * 4301,
    "1" + "0" * 309 + ".0",
    "1" + "0" * 309,
    "0." + "0" * 400 + "1",
    "." + "0" * 330 + "1",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-320",
    "0",
    "-0",
    "+0",
    "000000",
    "4294967296",
    "18446744073709551616",
    "1." + "9" * 400,
    "99999999999.5",
    "0.0000001",
    "1:" + "9" * 309,
    "9" * 400 + ":1",
    "0:0",
    "1:0",
    "1.5:" + "9" * 50,
    "3:2",
    "16 : 9",
]
NUMBERS = st.one_of(
    st.sampled_from(EXTREMES),
    st.integers(-(10**500), 10**500).map(str),
    st.integers(-(2**64), 2**64).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.400f}"),
    st.integers(1, 400).map(lambda n: "9" * n),
)
VALUES = st.one_of(
    NUMBERS,
    st.tuples(NUMBERS, NUMBERS).map(lambda t: f"{t[0]}:{t[1]}"),
    st.lists(NUMBERS, min_size=1, max_size=3).map(lambda xs: "{" + ", ".join(xs) + "}"),
)


def _check_numbers(prompt: ps.Prompt) -> None:
    """Every number the parser read is finite and within ±NUMBER_LIMIT."""
    found: list[object] = [i.weight for i in prompt.images] + [s.weight for s in prompt.segments]
    for p in prompt.params:
        found.extend(p.value if isinstance(p.value, tuple) else [p.value])
    for v in found:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            assert math.isfinite(v) and abs(v) <= NUMBER_LIMIT, v


def _round_trip(text: str, version: str) -> None:
    prompt = ps.parse(text)
    _check_numbers(prompt)
    rendered = prompt.format()
    for word in ("inf", "nan", "e+", "e-"):  # no number is rendered as a word or an exponent
        assert word in text.lower() or word not in rendered.lower(), (text, rendered)
    _check_numbers(ps.parse(rendered))
    for d in ps.lint(text, version=version):
        assert 0 <= d.span.start <= d.span.end <= len(text)
    for unsafe in (False, True):
        once = ps.fix(text, version=version, unsafe=unsafe).text
        assert ps.fix(once, version=version, unsafe=unsafe).text == once, (text, once)
    assert isinstance(ps.rewrite(text, version=version).output, str)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(NAMES), VALUES, st.sampled_from(VERSIONS))
def test_any_number_in_any_parameter_of_any_version(name: str, value: str, version: str) -> None:
    _round_trip(f"a red fox in snow --{name} {value}", version)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NUMBERS, NUMBERS, st.sampled_from(VERSIONS))
def test_any_number_as_a_weight(image_weight: str, text_weight: str, version: str) -> None:
    _round_trip(f"https://x.co/a.png::{image_weight} a fox::{text_weight} snow::2", version)


# -- the findings of issue 32, one by one -------------------------------------------------------
def test_a_seed_of_4301_digits_is_out_of_range_not_a_crash() -> None:
    codes = [d.code for d in ps.lint("cat --s " + "9" * 4301)]
    assert codes == ["PS101"]
    assert [d.code for d in ps.lint("cat --seed " + "9" * 5000)] == ["PS101"]


def test_a_ratio_side_of_309_nines_is_beyond_the_limit() -> None:
    diags = ps.lint("cat --ar 1:" + "9" * 309)
    assert [d.code for d in diags] == ["PS104"]
    assert ps.fix("cat --ar 1:" + "9" * 309, unsafe=True).text == "cat --ar 1:14"


def test_a_float_that_overflows_is_read_as_the_bound() -> None:
    text = "cat --s 1" + "0" * 309 + ".0"
    assert [d.code for d in ps.lint(text)] == ["PS102"]
    assert ps.fix(text, unsafe=True).text == "cat --s 1000"


def test_an_image_weight_of_400_digits_renders_as_a_number() -> None:
    rendered = ps.parse("https://x.co/a.png::" + "9" * 400).format()
    assert rendered == f"https://x.co/a.png::{NUMBER_LIMIT}"
    assert ps.parse(rendered).images[0].weight == NUMBER_LIMIT
    tiny = ps.parse("a::0." + "0" * 20 + "1 b").segments[0].weight
    assert tiny is not None and 0 < tiny < 1e-12


@pytest.mark.parametrize(
    "text, value",
    [
        ("9" * 4301, NUMBER_LIMIT),
        ("-" + "9" * 13, -NUMBER_LIMIT),
        ("000000000000000007", 7),
        ("1.5", None),
        ("nan", None),
    ],
)
def test_read_int(text: str, value: int | None) -> None:
    assert read_int(text) == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("1" + "0" * 309 + ".0", float(NUMBER_LIMIT)),
        ("-" + "9" * 400, -float(NUMBER_LIMIT)),
        ("inf", None),
        ("nan", None),
        ("1e5", None),
        (".5", 0.5),
    ],
)
def test_read_float(text: str, value: float | None) -> None:
    assert read_float(text) == value


def test_read_ratio() -> None:
    assert read_ratio("1:" + "9" * 309) == (1, NUMBER_LIMIT)
    assert read_ratio("16 : 9") == (16, 9)
    assert read_ratio("2.39:1") is None


def test_fix_reaches_a_fixpoint_past_six_passes() -> None:
    text = "--c 0 0" + "--c 0" * 5  # each pass uncovers one more glued parameter
    once = ps.fix(text).text
    assert ps.fix(once).text == once == "0"
