"""Lines that took quadratic time (issue 32), held to linear work by what the code does, not by a
clock: the timings, doubling the input, are in benchmarks/bench_hostile_lines.py."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import promptsmith as ps
from promptsmith.core import fix as fix_module
from promptsmith.core.fix import apply_edits, fix_passes
from promptsmith.core.model import Edit
from promptsmith.core.parse import MAX_PERMUTATION_DEPTH, parse, unwrap
from promptsmith.core.permute import count_jobs, expand
from promptsmith.linter.engine import Linter
from promptsmith.rewriters.rules import params as params_module

DEEP = "{" * 10_000 + "a" + "}" * 10_000


def test_rewrite_parses_once_a_pass_not_once_a_duplicate(monkeypatch) -> None:
    calls = []
    real = params_module.parse

    def counting(text, *args):
        calls.append(len(text))
        return real(text, *args)

    monkeypatch.setattr(params_module, "parse", counting)
    result = ps.rewrite("cat " + " ".join(["--ar 1:1"] * 800))
    assert result.output.endswith("--ar 1:1") or "--ar" not in result.output
    assert len(calls) <= 6, len(calls)  # was 800 and more: one parse for each duplicate removed


def test_deep_braces_read_a_bounded_number_of_groups() -> None:
    prompt = parse(DEEP)
    assert len(prompt.permutations) == MAX_PERMUTATION_DEPTH
    assert sum(len(o) for p in prompt.permutations for o in p.options) <= MAX_PERMUTATION_DEPTH * len(DEEP)
    assert [d.code for d in ps.lint(DEEP)].count("PS010") == MAX_PERMUTATION_DEPTH
    assert ps.fix(DEEP, unsafe=True).text == "a"  # every level in one fix: {{a}} runs as a


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("{},\\ ab")), max_size=30).map("".join), st.integers(1, 50))
def test_count_jobs_counts_what_expand_expands(text: str, cap: int) -> None:
    assert count_jobs(text, cap) == len(expand(text, cap=cap))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("{},\\ ab")), max_size=20).map("".join))
def test_unwrap_strips_only_whole_one_option_groups(text: str) -> None:
    out = unwrap(text)
    assert count_jobs(out) == count_jobs(text)  # the same jobs
    assert unwrap(out) == out or out.startswith("{")


def test_count_jobs_of_a_deep_group_is_one_pass() -> None:
    assert count_jobs(DEEP) == 1
    assert count_jobs("{a, b} {c, d") == 2 == len(expand("{a, b} {c, d"))  # a group never closed runs as written


def test_a_run_of_glued_parameters_is_found_in_one_pass() -> None:
    assert [d.code for d in ps.lint("0--c 0--c 0--c 0")].count("PS005") == 3
    assert [d.code for d in ps.lint("liquid--pink paint, a--ar of the sky")] == []  # prose keeps its hyphens
    linter = Linter()
    text = "--c 0 0" + "--c 0" * 1000
    passes = list(fix_passes(text, linter.lint, unsafe=True))
    assert len(passes) <= 4, len(passes)  # was one pass per glued parameter


def test_apply_edits_is_one_join() -> None:
    text = "x" * 1000
    edits = [Edit(start=i, end=i + 1, content="y") for i in range(0, 1000, 2)]
    assert apply_edits(text, edits) == "yx" * 500
    overlapping = [Edit(start=0, end=5, content="a"), Edit(start=3, end=8, content="b")]
    assert apply_edits("0123456789", overlapping) == "a9"  # overlapping edits: applied last first, as before


def _brute_force(ranges_seq: list[list[tuple[int, int]]]) -> list[bool]:
    spans: list[tuple[int, int]] = []
    out = []
    for ranges in ranges_seq:
        if any(not (b <= s or a >= t) or (a == b == s == t) for a, b in ranges for s, t in spans):
            out.append(False)
            continue
        out.append(True)
        spans.extend(ranges)
    return out


RANGE = st.tuples(st.integers(0, 12), st.integers(0, 4)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(RANGE, min_size=1, max_size=3), max_size=8))
def test_choosing_fixes_by_bisection_agrees_with_checking_every_pair(ranges_seq) -> None:
    spans = fix_module._Spans()
    got = []
    for ranges in ranges_seq:
        if any(spans.clashes(a, b) for a, b in ranges):
            got.append(False)
            continue
        got.append(True)
        spans.add(ranges)
    assert got == _brute_force(ranges_seq)
