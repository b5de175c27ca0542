"""The compare service with a fake embedder (fast); the real model is in tests/backends."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from promptsmith.backends.fake import HashEmbedder
from promptsmith.core.accounting import account
from promptsmith.core.parse import parse
from promptsmith.services.compare import compare

FAKE = HashEmbedder()


def texts(places) -> list[str]:
    return [p.text for p in places]


def test_the_accounting_reads_content_terms_without_filler() -> None:
    acc = account(parse("old fisherman, 8k, award winning oil painting, masterpiece"), parse("An old fisherman."))
    assert [t.term for t in acc.terms] == ["old fisherman", "award winning oil painting"]
    assert [(t.status, [p.text for p in t.lost]) for t in acc.terms] == [("kept", []), ("dropped", ["oil painting"])]


def test_spans_index_the_prompts_they_belong_to() -> None:
    a, b = "a red fox, snowy forest, dusk --ar 3:2", "A red fox in a snowy pine forest at night. --ar 3:2"
    c = compare(a, b, embedder=FAKE)
    assert [(d.text, a[d.start:d.end]) for d in c.dropped] == [("dusk", "dusk")]
    assert [(x.text, b[x.start:x.end]) for x in c.added] == [("pine", "pine"), ("night", "night")]
    forest = next(t for t in c.terms if t.term == "snowy forest")
    assert (
        forest.status == "kept"
        and forest.match is not None
        and b[forest.match.start : forest.match.end] == "snowy pine forest"
    )


def test_part_of_a_term_lost_is_a_changed_term_that_names_the_part() -> None:
    c = compare(
        "portrait, genndy tartakovsky, the concrete of a dystopian cyberpunk city street",
        "A portrait of the concrete of a cyberpunk city street in the style of Genndy.",
        embedder=FAKE,
    )
    assert not c.dropped
    assert [(t.term, texts(t.lost)) for t in c.changed] == [
        ("genndy tartakovsky", ["tartakovsky"]),
        ("the concrete of a dystopian cyberpunk city street", ["dystopian"]),
    ]
    assert c.verdict in ("dropped", "different") and "term-changed" in c.rules
    assert c.missing == ["tartakovsky", "dystopian"]


def test_a_word_inside_a_long_list_is_named() -> None:
    a = "by greg rutkowski, alphonse mucha, wlop, artgerm, ilya kuvshinov, ross tran and loish"
    b = "In the style of Greg Rutkowski, Alphonse Mucha, WLOP, Artgerm, Ilya Kuvshinov and Loish."
    c = compare(a, b, embedder=FAKE)
    assert c.missing == ["ross tran"] or c.missing == ["tran"], c.missing


def test_identical_prompts_are_preserved() -> None:
    c = compare("a red fox in snow", "a red fox in snow", embedder=FAKE)
    assert c.similarity == pytest.approx(1.0) and c.verdict == "preserved" and not c.dropped and not c.added


def test_terms_found_in_words_need_no_embedding_match() -> None:
    c = compare("old fisherman, oil painting", "An oil painting of an old fisherman.", embedder=FAKE)
    assert [m.how for m in c.terms] == ["exact", "exact"] and not c.dropped and c.verdict == "preserved"
    c = compare(
        "old fishermen, watercolour, centred",
        "An old fisherman, a watercolor, centered, in bright light.",
        embedder=FAKE,
        similarity_threshold=0,
    )
    assert [m.how for m in c.terms] == ["normal", "normal", "normal"]
    assert c.rules == ["term-added"] and texts(c.added) == ["bright light"]


def test_dropped_and_added() -> None:
    c = compare(
        "old fisherman, dramatic lighting, oil painting",
        "An oil painting of an old fisherman at sunset.",
        embedder=FAKE,
    )
    assert texts(c.dropped) == ["dramatic lighting"]
    assert texts(c.added) == ["sunset"]
    assert c.verdict in ("dropped", "different") and c.rules[:2] == ["term-dropped", "term-added"]


def test_verdicts_follow_their_rules() -> None:
    from promptsmith.services.compare import verdict

    assert verdict([]) == "preserved"
    assert verdict(["term-added"]) == "added"
    assert verdict(["term-dropped", "term-added"]) == "dropped"
    assert verdict(["term-changed"]) == "dropped"
    assert verdict(["low-similarity", "term-added"]) == "drifted"
    assert verdict(["term-dropped", "low-similarity"]) == "different"


def test_negations_moved_to_no_are_kept() -> None:
    c = compare("empty beach, no people", "An empty beach. --no people", embedder=FAKE)
    assert not c.dropped
    assert [m.how for m in c.terms] == ["exact", "no"]


def test_a_paraphrase_found_by_embedding_is_kept_not_lost() -> None:
    class Synonyms:
        """`crimson` and `deep red` point the same way; everything else is the fake embedder's."""

        name = "synonyms"

        def embed(self, items):
            import numpy as np

            out = FAKE.embed([("deep red" if t in ("crimson", "deep red") else t) for t in items])
            return np.asarray(out)

    c = compare("crimson dress, a woman", "A woman in a deep red dress.", embedder=Synonyms(), similarity_threshold=0)
    dress = c.terms[0]
    assert (dress.status, dress.how, dress.match.text if dress.match else None) == (
        "kept",
        "paraphrase",
        "deep red dress",
    )
    assert not c.added and c.verdict == "preserved"


def test_parameters_are_compared_exactly() -> None:
    c = compare("a cat --ar 2:3 --s 50 --tile", "A cat. --ar 3:2 --s 50 --c 10", embedder=FAKE)
    assert c.params.same == ["--s 50"]
    assert c.params.changed == ["--ar 2:3 → --ar 3:2"]
    assert c.params.only_a == ["--tile"] and c.params.only_b == ["--c 10"]


def test_empty_inputs_do_not_crash() -> None:
    assert compare("", "", embedder=FAKE).verdict in ("preserved", "different")
    assert texts(compare("a cat", "", embedder=FAKE).dropped) == ["a cat"]


def test_thresholds_change_the_verdict() -> None:
    a, b = "old fisherman, oil painting", "An oil painting of an old fisherman."
    assert compare(a, b, embedder=FAKE, similarity_threshold=0.0).verdict == "preserved"
    assert compare(a, b, embedder=FAKE, similarity_threshold=0.9999).verdict == "drifted"


def test_compare_exit_codes_and_exit_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    from promptsmith.cli.main import main
    from promptsmith.services import compare as service

    monkeypatch.setattr(service, "default_embedder", lambda *a, **k: FAKE)
    run = CliRunner().invoke
    assert run(main, ["compare", "a cat, 8k", "A cat.", "--similarity-threshold", "0"]).exit_code == 0
    assert run(main, ["compare", "a red car --ar 16:9", "a blue bicycle --ar 1:1"]).exit_code == 1
    assert run(main, ["compare", "a red car", "a blue bicycle", "--exit-zero"]).exit_code == 0
    assert run(main, ["compare", "only-one"]).exit_code == 2
    assert run(main, ["compare", "a", "b", "--similarity-threshold", "3"]).exit_code == 2


def test_cli_compare_pairs_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    from promptsmith.cli.main import main
    from promptsmith.services import compare as service

    monkeypatch.setattr(service, "default_embedder", lambda *a, **k: FAKE)
    pairs = [json.dumps({"a": "a cat, 8k", "b": "A cat.", "id": 3}), "not json", json.dumps({"a": "x"})]
    result = CliRunner().invoke(main, ["compare", "--file", "-"], input="\n".join(pairs) + "\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3]
    assert records[0]["id"] == 3 and set(records[0]) >= {"similarity", "dropped", "added", "verdict"}
    assert records[1]["error"] and records[2]["error"]
    assert result.exit_code == 1
    single = CliRunner().invoke(main, ["compare", "a cat, 8k", "A cat.", "--format", "json"])
    assert json.loads(single.stdout)["verdict"] in ("preserved", "drifted")  # the fake's similarity is arbitrary
    text = CliRunner().invoke(main, ["compare", "a cat, dog", "A cat."])
    assert "dropped: dog" in text.stdout and text.exit_code == 1
    assert CliRunner().invoke(main, ["compare", "only-one"]).exit_code == 2


class CountingEmbedder:
    """The fake embedder, counting its calls."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts):
        self.calls += 1
        return FAKE.embed(texts)


def test_compare_many_matches_compare_in_order_with_one_embed_per_window() -> None:
    from promptsmith.services.compare import compare_many

    pairs = [
        ("a cat, 8k", "A cat."),
        ("", ""),
        ("old fisherman, oil painting", "An oil painting of a boat."),
        ("a fox --ar 3:2", "A fox. --ar 16:9"),
    ] * 5
    counting = CountingEmbedder()
    many = list(compare_many(pairs, embedder=counting, window=8))
    assert [m.model_dump() for m in many] == [compare(a, b, embedder=counting).model_dump() for a, b in pairs]
    assert counting.calls == 3 + len(pairs) - 5  # 3 windows, then one call per non-empty pair
    assert list(compare_many([], embedder=counting)) == []


def test_cli_compare_file_keeps_every_line_in_order_across_windows(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from promptsmith.cli.main import main
    from promptsmith.services import compare as service

    monkeypatch.setattr(service, "default_embedder", lambda *a, **k: FAKE)
    lines = []
    for i in range(150):  # three windows of 64; bad lines among them
        lines.append(
            "{oops" if i % 37 == 5 else json.dumps({"a": f"a cat number {i}, 8k", "b": f"A cat number {i}.", "i": i})
        )
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["compare", "--file", str(path), "--similarity-threshold", "-1"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == list(range(1, 151))
    assert all(r["error"] for r in records if r["line"] % 37 == 6)
    assert all(r["i"] == r["line"] - 1 and r["verdict"] == "preserved" for r in records if not r["error"])
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("a castle, dof, vray, splotlight", "A castle in the style of V-Ray, with depth of field and a spotlight."),
        ("portrait by jc leyendecker and mc escher", "A portrait in the style of J. C. Leyendecker and M. C. Escher."),
        ("a castle, atmosphere, very artistic", "A castle, very artistic, with a strong atmosphere."),
        ("a fox, no color", "A fox. --no color"),
        ("fun, happy--quality 5", "With a fun and happy atmosphere. --quality 5"),
        ("a fox –ar 3:2", "A fox. --ar 3:2"),
    ],
)
def test_what_the_rewriter_respells_or_mends_is_neither_dropped_nor_added(a: str, b: str) -> None:
    result = compare(a, b, embedder=FAKE)
    assert result.dropped == [] and result.changed == [] and result.added == [], result
    assert not (result.params.only_a or result.params.changed)  # `no color` → `--no color` is only in B, rightly


def test_rewrite_check_exits_1_when_a_record_is_not_preserved(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from promptsmith.cli.main import main
    from promptsmith.services import compare as service

    monkeypatch.setattr(service, "default_embedder", lambda *a, **k: FAKE)
    monkeypatch.chdir(tmp_path)
    ok = CliRunner().invoke(main, ["rewrite", "--engine", "rules", "--check", "a red fox, snowy forest"])
    assert ok.exit_code == 0 and "preserved" in ok.stdout, ok.stdout
    (tmp_path / "promptsmith.toml").write_text("similarity-threshold = 0.9999\n", encoding="utf-8")
    drifted = CliRunner().invoke(main, ["rewrite", "--engine", "rules", "--check", "a red fox, snowy forest"])
    assert drifted.exit_code == 1 and "drifted" in drifted.stdout
