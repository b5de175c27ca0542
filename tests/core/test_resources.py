"""Rule files load through a marshal copy in the user cache; the copy never goes stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptsmith.core import resources
from promptsmith.errors import RuleDataError


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    resources._load_toml.cache_clear()
    yield tmp_path / "cache" / "promptsmith" / "rules"
    resources._load_toml.cache_clear()


def test_copy_is_written_then_used_and_follows_edits(cache: Path, tmp_path: Path) -> None:
    rule = tmp_path / "lint.toml"
    rule.write_text('[filler]\nattributive = ["smooth"]\n', encoding="utf-8")
    assert resources._load_toml(rule) == {"filler": {"attributive": ["smooth"]}}
    assert len(list(cache.glob("*.marshal"))) == 1
    resources._load_toml.cache_clear()
    assert resources._load_toml(rule) == {"filler": {"attributive": ["smooth"]}}  # from the copy
    # same length, same second: the content key still sees the edit
    rule.write_text('[filler]\nattributive = ["glossy"]\n', encoding="utf-8")
    resources._load_toml.cache_clear()
    assert resources._load_toml(rule) == {"filler": {"attributive": ["glossy"]}}


def test_damaged_copy_or_unwritable_cache_falls_back_to_the_toml(cache: Path, tmp_path: Path) -> None:
    rule = tmp_path / "spec.toml"
    rule.write_text("a = 1\n", encoding="utf-8")
    resources._load_toml(rule)
    for copy in cache.glob("*.marshal"):
        copy.write_bytes(b"\x00garbage")
    resources._load_toml.cache_clear()
    assert resources._load_toml(rule) == {"a": 1}
    # a cache "directory" that is a file cannot be written: still loads
    for copy in cache.glob("*.marshal"):
        copy.unlink()
    cache.rmdir()
    cache.write_text("not a directory")
    resources._load_toml.cache_clear()
    assert resources._load_toml(rule) == {"a": 1}


def test_bad_toml_is_a_clear_error(cache: Path, tmp_path: Path) -> None:
    rule = tmp_path / "bad.toml"
    rule.write_text("a = = 1\n", encoding="utf-8")
    with pytest.raises(RuleDataError, match="not valid TOML"):
        resources._load_toml(rule)
    with pytest.raises(RuleDataError, match="missing"):
        resources._load_toml(tmp_path / "nothing.toml")
