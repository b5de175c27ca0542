"""One brief per target, over the shared prompt set: SD-family prompts within CLIP's 77 tokens
(counted by the real BPE), every content term kept or named in `cut`, `--no` in the negative
prompt, pipeline arguments from the render plan; T5-family prose without Midjourney syntax."""

from __future__ import annotations

import pytest

from promptsmith import rewrite
from promptsmith.core.parse import parse
from promptsmith.core.plan import plan
from promptsmith.core.tokens import clip_count, t5_upper_bound, utf8_upper_bound
from promptsmith.errors import ConfigError
from promptsmith.registries import TARGETS
from promptsmith.rewriters.targets import OPEN, resolve_target, target_names, write_for


@pytest.fixture(scope="module")
def briefs(real_prompts: list[str]) -> list[tuple[str, str, dict[str, list[str]]]]:
    """(source, brief, slots) of every shared prompt, rewritten once for the default version."""
    out = []
    for src in real_prompts:
        r = rewrite(src)
        out.append((src, r.output, r.slots))
    return out


def test_registry_and_table_name_every_target() -> None:
    assert set(OPEN) == set(TARGETS.names) - {"mj"}
    names = target_names()
    assert {"mj", "mj-7", "mj-8.2", "niji-7", "sd15", "sdxl", "flux", "sd3", "qwen-image"} <= set(names)
    assert resolve_target("mj").version == "8.2" and resolve_target("MJ-6.1").version == "6.1"
    assert resolve_target("niji-7").version == "niji7" and resolve_target("sd1.5").name == "sd15"
    with pytest.raises(ConfigError, match="unknown target"):
        resolve_target("dalle")


def test_midjourney_target_is_the_brief_for_that_version() -> None:
    r = rewrite("knight, forest, 8k --v 5", target="mj-7")
    assert r.target == "mj-7" and r.prompt == r.output and r.output.endswith("--v 7")
    assert r.pipeline_args == {} and r.tokens is None and r.cut == []


@pytest.mark.parametrize("family", ["sd15", "sdxl"])
def test_sd_family_over_the_shared_set(briefs, family: str) -> None:
    target = resolve_target(family)
    cut_terms = over = 0
    for src, brief, slots in briefs:
        rec = write_for(target, src, brief, slots)
        prompt, cut = rec["prompt"], rec["cut"]
        # the budget, by the real count (the record's count is the counter's, recomputed here)
        assert rec["tokens"]["count"] == clip_count(prompt) <= 77, (src, prompt)
        over += clip_count(", ".join(t for ts in slots.values() for t in ts)) > 77
        # every content term is in the prompt or named in `cut`
        low, named = prompt.lower(), {c["term"].lower() for c in cut}
        for terms in slots.values():
            for term in terms:
                assert term.strip().lower() in low or term.strip().lower() in named, (src, term, prompt)
        cut_terms += len(cut)
        assert prompt or not brief.split(" --")[0].strip(), src  # never an empty prompt for a brief with text
        # --no → the negative prompt
        nos = [w for p in parse(src).params if p.name == "no" and isinstance(p.value, tuple) for w in p.value]
        for word in nos:
            assert word in rec["negative_prompt"], (src, word)
        # no Midjourney syntax left
        assert "::" not in prompt and " --" not in f" {prompt}"
        # pipeline arguments are the render plan's
        rp = plan(src, family)
        args = rec["pipeline_args"]
        assert (args["width"], args["height"], args["guidance_scale"]) == (rp.width, rp.height, rp.guidance_scale)
        assert args["seed"] == (None if rp.seeds_random else rp.seeds[0])
    assert over > 0 and cut_terms > 0  # the set has briefs CLIP would cut: they are cut by name, not silently


@pytest.mark.parametrize("family", ["flux", "sd3", "qwen-image"])
def test_t5_family_is_prose_within_its_budget(briefs, family: str) -> None:
    target = resolve_target(family)
    bound = utf8_upper_bound if family == "qwen-image" else t5_upper_bound
    for src, brief, slots in briefs[:400]:
        rec = write_for(target, src, brief, slots)
        prompt = rec["prompt"]
        assert rec["tokens"]["count"] == bound(prompt) <= 512 and rec["tokens"]["exact"] is False
        assert "::" not in prompt and " --" not in f" {prompt}"
        assert rec["pipeline_args"]["max_sequence_length"] == 512
        assert prompt or not brief.split(" --")[0].strip(), src


def test_weights_become_sd_weights_and_negative_parts_the_negative_prompt() -> None:
    r = rewrite("hot dog::2 bun::1 mustard::1 --no ketchup --seed 5 --ar 16:9", target="sdxl")
    assert "(hot dog:1.5)" in r.prompt and "ketchup" in r.negative_prompt
    assert r.pipeline_args["seed"] == 5 and r.pipeline_args["width"] > r.pipeline_args["height"]


def test_batch_records_carry_the_target() -> None:
    from promptsmith.records import Job
    from promptsmith.services.batch import rewrite_record
    from promptsmith.session import Session
    from promptsmith.settings import Settings

    rec = rewrite_record(Job(1, "a red fox in snow, 8k --ar 3:2 --no people", {}), Session(Settings(target="sd15")))
    assert rec["target"] == "sd15" and rec["negative_prompt"] == "people" and rec["tokens"]["budget"] == 77
    assert Settings(target="sdxl").target == "sdxl"  # `batch rewrite --target` passes it through here
