"""`core.model.dump` writes exactly what pydantic's `model_dump(mode="json")` writes."""

from __future__ import annotations

import json
import math
from enum import Enum

from pydantic import BaseModel

import promptsmith as ps
from promptsmith.core.model import build, dump
from promptsmith.rewriters.rules import Rewriter


def _same(model: BaseModel, exclude: frozenset[str] = frozenset()) -> None:
    mine = json.dumps(dump(model, exclude), ensure_ascii=False)
    theirs = json.dumps(model.model_dump(mode="json", exclude=set(exclude)), ensure_ascii=False)
    assert mine == theirs  # same keys, same order, same values


def test_rewrites_and_parses_of_the_shared_set_dump_as_pydantic_does(real_prompts: list[str]) -> None:
    rewriter = Rewriter()
    for text in real_prompts[::5]:
        _same(rewriter.rewrite(text), frozenset({"input", "check"}))
        _same(ps.parse(text))  # params with tuple values, diagnostics with fixes and enums


class _Colour(str, Enum):
    RED = "red"


class _Odd(BaseModel):
    colour: _Colour = _Colour.RED
    ratio: float = 0.5
    pair: tuple[int, int] = (2, 3)
    table: dict[str, list[float]] = {}


def test_enums_and_tuples_are_written_as_json_values() -> None:
    odd = _Odd(table={"a": [1.5, math.inf]})
    assert dump(odd) == {"colour": "red", "ratio": 0.5, "pair": [2, 3], "table": {"a": [1.5, math.inf]}}
    _same(odd)
    _same(build(_Odd, pair=(4, 5)))


def test_a_value_it_does_not_know_goes_to_pydantic() -> None:
    class Keyed(BaseModel):
        table: dict[int, str] = {}

    keyed = Keyed(table={1: "one"})
    assert dump(keyed) == keyed.model_dump(mode="json") == {"table": {"1": "one"}}
