"""The render plan, parameter by parameter: pure Python, no torch."""

from __future__ import annotations

import pytest

from promptsmith.core.plan import FAMILIES, GUIDANCE_ANCHORS, guidance_for, plan, size_for


def status(p, name: str) -> str:
    return next(m.status for m in p.mappings if m.name == name)


@pytest.mark.parametrize("family", FAMILIES)
def test_stylize_to_guidance_is_monotonic_and_anchored(family: str) -> None:
    values = [guidance_for(s, family) for s in range(0, 1001, 25)]
    assert values == sorted(values) and len(set(values)) > 10
    for s, w in GUIDANCE_ANCHORS[family]:
        assert guidance_for(s, family) == pytest.approx(w)
    assert plan("a cat", family).guidance_scale == guidance_for(100, family)  # Midjourney's default
    assert plan("a cat --s 1000", family).guidance_scale > plan("a cat --s 0", family).guidance_scale


@pytest.mark.parametrize(("family", "pixels"), [("sd15", 512 * 512), ("sdxl", 1024 * 1024), ("flux", 1024 * 1024)])
@pytest.mark.parametrize("ratio", [(1, 1), (16, 9), (2, 3), (14, 1), (4, 5)])
def test_sizes_are_multiples_of_64_near_native_pixels_and_ratio(family: str, pixels: int, ratio) -> None:
    w, h = size_for(ratio, family)
    assert w % 64 == 0 and h % 64 == 0 and w >= 64 and h >= 64
    if max(ratio) / min(ratio) < 5:
        assert abs(w * h - pixels) / pixels < 0.1
        assert abs(w / h - ratio[0] / ratio[1]) < 0.08


def test_default_square_sizes() -> None:
    assert (plan("x", "sd15").width, plan("x", "sd15").height) == (512, 512)
    assert (plan("x", "sdxl").width, plan("x", "sdxl").height) == (1024, 1024)
    assert (plan("x --ar 16:9", "sdxl").width, plan("x --ar 16:9", "sdxl").height) == (1344, 768)


def test_seeds_from_seed_and_random_recorded() -> None:
    p = plan("x --seed 4294967295")
    assert p.seeds == [4294967295, 0, 1, 2] and not p.seeds_random and status(p, "seed") == "mapped"
    r = plan("x")
    assert r.seeds_random and len(set(r.seeds)) == 4
    assert plan("x", seed=9).seeds == [9, 10, 11, 12]


def test_negative_prompt_from_no_and_negative_weights() -> None:
    p = plan("tulips:: red::-.5 --no stems, leaves")
    assert p.prompt == "tulips" and p.negative_prompt == "red, stems, leaves"
    assert status(p, "no") == "mapped"


def test_chaos_grows_variety_across_the_grid() -> None:
    calm = plan("x --c 0")
    wild = plan("x --c 100")
    assert len(set(calm.guidance_scales)) == 1
    assert wild.guidance_scales == sorted(wild.guidance_scales, reverse=True)
    assert wild.guidance_scales[-1] == pytest.approx(wild.guidance_scale * 0.6)
    assert status(wild, "chaos") == "approximated"


def test_stop_quality_tile_raw_draft() -> None:
    p = plan("x --stop 60 --q 2 --tile", "sdxl")
    assert p.denoising_end == 0.6 and status(p, "stop") == "mapped"
    assert p.num_inference_steps == 45 and status(p, "quality") == "approximated"
    assert p.tile and status(p, "tile") == "mapped"
    assert status(plan("x --stop 60", "flux"), "stop") == "approximated"
    assert plan("x --q .25", "sdxl").num_inference_steps == 15
    assert plan("x --style raw").guidance_scale < plan("x").guidance_scale
    assert plan("x --draft", "sdxl").num_inference_steps == 15


def test_weights_become_embeddings_where_the_family_allows() -> None:
    p = plan("hot dog::1.5 bun::0.5", "sdxl")
    assert p.weighted_prompt == [("hot dog", 0.75), ("bun", 0.25)]
    assert status(p, "::") == "mapped"
    assert status(plan("hot dog::1.5 bun::0.5", "flux"), "::") == "approximated"


@pytest.mark.parametrize("param", ["--weird 500", "--sref 123", "--cref https://x.co/a.png", "--iw 2",
                                   "--oref https://x.co/a.png", "--p", "--exp 10", "--v 6.1", "--niji 6",
                                   "--repeat 4", "--fast"])
def test_parameters_without_an_open_equivalent_are_reported(param: str) -> None:
    p = plan(f"a cat {param}")
    assert any(u.startswith(param.split()[0]) for u in p.unmapped), p.unmapped


def test_image_prompts_are_reported() -> None:
    assert plan("https://x.co/a.png a cat").unmapped == ["https://x.co/a.png"]


def test_unknown_family_is_refused() -> None:
    with pytest.raises(ValueError, match="family"):
        plan("x", "dalle")


def test_dry_run_cli_prints_the_plan_without_loading_anything() -> None:
    import json
    import subprocess
    import sys
    code = ("import sys, json; from click.testing import CliRunner; from promptsmith.cli.main import main;"
            "r = CliRunner().invoke(main, ['preview', 'a fox --ar 3:2 --s 250 --no people --weird 9 --seed 1',"
            " '--dry-run', '--format', 'json']); print(r.stdout);"
            "print([m for m in ('torch','diffusers','transformers') if m in sys.modules], file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert {"width", "height", "guidance_scale", "negative_prompt", "seeds", "num_inference_steps", "unmapped"} <= set(
        data
    )
    assert data["negative_prompt"] == "people" and data["seeds"] == [1, 2, 3, 4] and data["unmapped"] == ["--weird 9"]
    assert out.stderr.strip() == "[]"
