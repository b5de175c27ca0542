"""The compare service with a fake embedder (fast); the real model is in tests/backends."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from promptsmith.backends.fake import HashEmbedder
from promptsmith.services.compare import compare, content_terms, phrases

FAKE = HashEmbedder()


def test_content_terms_drop_filler() -> None:
    assert content_terms("old fisherman, 8k, award winning oil painting, masterpiece") == [
        "old fisherman", "oil painting"]


def test_phrases_split_at_connectives() -> None:
    assert phrases("A portrait of an old fisherman, an oil painting in the style of Rembrandt, with dramatic lighting.") == [
        "portrait of an old fisherman", "oil painting", "Rembrandt", "dramatic lighting"]


def test_identical_prompts_are_preserved() -> None:
    c = compare("a red fox in snow", "a red fox in snow", embedder=FAKE)
    assert c.similarity == pytest.approx(1.0) and c.verdict == "preserved" and not c.dropped and not c.added


def test_exact_terms_need_no_embedding_match() -> None:
    c = compare("old fisherman, oil painting", "An oil painting of an old fisherman.", embedder=FAKE)
    assert all(m.exact for m in c.terms) and not c.dropped


def test_dropped_and_added() -> None:
    c = compare("old fisherman, dramatic lighting, oil painting", "An oil painting of an old fisherman at sunset.",
                embedder=FAKE)
    assert c.dropped == ["dramatic lighting"]
    assert c.added == ["sunset"]
    assert c.verdict in ("drifted", "different")


def test_negations_moved_to_no_are_kept() -> None:
    c = compare("empty beach, no people", "An empty beach. --no people", embedder=FAKE)
    assert not c.dropped
    assert [m.match for m in c.terms] == ["empty beach", "--no people"]


def test_parameters_are_compared_exactly() -> None:
    c = compare("a cat --ar 2:3 --s 50 --tile", "A cat. --ar 3:2 --s 50 --c 10", embedder=FAKE)
    assert c.params.same == ["--s 50"]
    assert c.params.changed == ["--ar 2:3 → --ar 3:2"]
    assert c.params.only_a == ["--tile"] and c.params.only_b == ["--c 10"]


def test_empty_inputs_do_not_crash() -> None:
    assert compare("", "", embedder=FAKE).verdict in ("preserved", "different")
    assert compare("a cat", "", embedder=FAKE).dropped == ["a cat"]


def test_thresholds_change_the_verdict() -> None:
    a, b = "old fisherman, oil painting", "An oil painting of an old fisherman."
    assert compare(a, b, embedder=FAKE, similarity_threshold=0.0).verdict == "preserved"
    assert compare(a, b, embedder=FAKE, similarity_threshold=0.9999).verdict == "drifted"


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
    assert json.loads(single.stdout)["verdict"] == "preserved"
    text = CliRunner().invoke(main, ["compare", "a cat, dog", "A cat."])
    assert "dropped: dog" in text.stdout
    assert CliRunner().invoke(main, ["compare", "only-one"]).exit_code == 2


class CountingEmbedder:
    """The fake embedder, counting its calls."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts):  # noqa: ANN001, ANN201
        self.calls += 1
        return FAKE.embed(texts)


def test_compare_many_matches_compare_in_order_with_one_embed_per_window() -> None:
    from promptsmith.services.compare import compare_many

    pairs = [("a cat, 8k", "A cat."), ("", ""), ("old fisherman, oil painting", "An oil painting of a boat."),
             ("a fox --ar 3:2", "A fox. --ar 16:9")] * 5
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
        lines.append("{oops" if i % 37 == 5 else json.dumps({"a": f"a cat number {i}, 8k", "b": f"A cat number {i}.", "i": i}))
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["compare", "--file", str(path)])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == list(range(1, 151))
    assert all(r["error"] for r in records if r["line"] % 37 == 6)
    assert all(r["i"] == r["line"] - 1 and r["verdict"] == "preserved" for r in records if not r["error"])
    assert result.exit_code == 1


@pytest.mark.parametrize(("a", "b"), [
    ("a castle, dof, vray, splotlight", "A castle in the style of V-Ray, with depth of field and a spotlight."),
    ("portrait by jc leyendecker and mc escher", "A portrait in the style of J. C. Leyendecker and M. C. Escher."),
    ("a castle, atmosphere, very artistic", "A castle, very artistic, with a strong atmosphere."),
    ("a fox, no color", "A fox. --no color"),
    ("fun, happy--quality 5", "A fun and happy picture. --quality 5"),
    ("a fox –ar 3:2", "A fox. --ar 3:2"),
])
def test_what_the_rewriter_respells_or_mends_is_neither_dropped_nor_added(a: str, b: str) -> None:
    result = compare(a, b, embedder=FAKE)
    assert result.dropped == [] and result.added == [], result
    assert not (result.params.only_a or result.params.changed)  # `no color` → `--no color` is only in B, rightly
