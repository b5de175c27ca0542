"""Fuzz: hostile text through parse, lint, fix and rewrite (surrogates, control characters, deep
nesting, long lines), and hostile lines through a whole CLI batch. No exception escapes; every
input line gets exactly one record, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promptsmith as ps

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "150"))

PIECES = st.sampled_from([
    "\ud800", "\udfff", "\x00", "\x1b[31m", "\r", "\t", "\u2028", "\ufeff", "\u200b", "é", "🦊", "::", "::-2",
    "{", "}", "{a, b}", "((", "))", "[", "]", "(x:1.3)", "\"", "“", "<", ">", "--", "—", "–", "--ar 3:2",
    "--s 99999", "--no ", "--v 6.1", "--v 5", "--cref x", "8k", "masterpiece", "no people", ", ", ". ",
    "a cat", "by greg rutkowski", "https://x.co/a.png", "\\,",
])
#: Numbers biased to the extremes (issue 32): huge, tiny, NaN, infinite, in values and weights.
EXTREME = st.one_of(
    st.sampled_from(["9" * 4301, "1" + "0" * 309 + ".0", "0." + "0" * 400 + "1", "nan", "inf", "-1e309", "0", "-0",
                     "4294967296", "1:" + "9" * 309, "99999999999.5"]),
    st.integers(-(10**400), 10**400).map(str),
    st.floats().map(repr),
)
NUMBERED = st.tuples(st.sampled_from(["--s", "--c", "--seed", "--ar", "--iw", "--stop", "--q", "--w", "--h", "--v",
                                      "--sw", "--cw", "--weird", "::", "https://x.co/a.png::"]), EXTREME).map(
    lambda t: f"{t[0]}{'' if t[0].endswith('::') else ' '}{t[1]} ")
PIECES = st.one_of(PIECES, NUMBERED)
HOSTILE = st.one_of(
    st.lists(PIECES, max_size=40).map("".join),
    st.text(max_size=300),
    st.integers(1, 3000).map(lambda n: "{" * n + "a" + "}" * n),
    st.integers(1, 3000).map(lambda n: "(" * n + "a" + ")" * n),
    st.integers(1, 50).map(lambda n: "cyberpunk city, neon, 8k, " * (n * 100)),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE)
def test_no_exception_escapes_the_api(text: str) -> None:
    prompt = ps.parse(text)
    assert prompt.source == text
    for d in ps.lint(text):
        assert 0 <= d.span.start <= d.span.end <= len(text)
    fixed = ps.fix(text)
    assert isinstance(fixed.text, str)
    assert ps.fix(fixed.text).text == fixed.text  # a fixpoint, safe fixes and unsafe ones
    unsafe = ps.fix(text, unsafe=True).text
    assert ps.fix(unsafe, unsafe=True).text == unsafe
    result = ps.rewrite(text)
    assert isinstance(result.output, str)


LINES = st.one_of(
    HOSTILE.map(lambda t: t.replace("\n", " ")),
    st.lists(NUMBERED, min_size=1, max_size=6).map(lambda xs: "a fox " + "".join(xs)),
    st.sampled_from(['{"prompt": "x \\ud800"}', '{"prompt": ' + "[" * 5000 + "]" * 5000 + "}", "{oops",
                     '{"prompt": 5}', '{"prompt": ""}', "", "   ", "\r"]),
)


@settings(max_examples=max(8, EXAMPLES // 20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=12), st.sampled_from(["text", "jsonl"]))
def test_every_line_of_a_batch_gets_one_record(lines: list[str], input_format: str) -> None:
    data = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    for args in (("lint", "-", "--format", "jsonl"), ("rewrite", "--engine", "rules", "--format", "jsonl"),
                 ("parse", "-")):
        out = subprocess.run([sys.executable, "-m", "promptsmith", *args, "--input-format", input_format], input=data,
                             capture_output=True, timeout=120)
        assert b"Traceback" not in out.stderr, (args, out.stderr[-600:])
        # lines end at "\n" only: a JSON string may hold U+2028, which str.splitlines() would cut at
        records = [json.loads(line) for line in out.stdout.decode("utf-8").split("\n") if line]
        assert [r["line"] for r in records] == list(range(1, len(lines) + 1)), args
    if input_format == "text":  # --fix echoes every line, fixed, and fixing that again changes nothing
        once = subprocess.run([sys.executable, "-m", "promptsmith", "lint", "--fix", "-"], input=data,
                              capture_output=True, timeout=120)
        assert b"Traceback" not in once.stderr, once.stderr[-600:]
        assert once.stdout.count(b"\n") == len(lines)
        twice = subprocess.run([sys.executable, "-m", "promptsmith", "lint", "--fix", "-"], input=once.stdout,
                               capture_output=True, timeout=120)
        assert twice.stdout == once.stdout
