"""GPU render benchmark: full-size SD 1.5- and SDXL-class pipelines with random weights.

    python eval/bench_render.py [--steps 30] [--modes eager,compiled] [--save-sd15 DIR]

Speed does not depend on weight values, so the pipelines are built from the published
architectures' configs (UNet, VAE, CLIP text encoders) with random weights, directly on the device,
in bf16 (fp16 where bf16 is unsupported). It prints seconds per 2×2 grid (four images in one
batched call, VAE decode and PIL conversion included, as `promptsmith preview` renders them) at
512² (SD 1.5) and 1024² (SDXL), eager and/or with the UNet torch.compile'd the way
`DiffusersRenderer(compile=True)` does it (`--modes`); the first call, compilation included, is
printed on its own.

Needs a CUDA GPU; without one it says so and exits, unless `--device cpu` asks for a smoke run
(`--device cpu --steps 1 --only sd15 --size 256` checks the script itself in a minute).
`--save-sd15 DIR` also saves the SD 1.5-class pipeline with save_pretrained, so the real loading
path (`promptsmith preview --pipeline DIR`, `promptsmith serve DIR`) can be exercised at full size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any


def clip_text(hidden: int, layers: int, heads: int, projection: int, with_projection: bool = False) -> Any:
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    cfg = CLIPTextConfig(vocab_size=49408, hidden_size=hidden, intermediate_size=hidden * 4, num_hidden_layers=layers,
                         num_attention_heads=heads, max_position_embeddings=77, projection_dim=projection,
                         hidden_act="gelu" if hidden > 768 else "quick_gelu")
    return (CLIPTextModelWithProjection if with_projection else CLIPTextModel)(cfg)


def tokenizer() -> Any:
    import tempfile
    from pathlib import Path

    from transformers import CLIPTokenizer

    from promptsmith.backends.clip import clip_tokenizer_files, open_clip_vocab

    vocab, merges = clip_tokenizer_files(open_clip_vocab(), Path(tempfile.mkdtemp()))
    return CLIPTokenizer(str(vocab), str(merges), model_max_length=77)


def vae(scaling_factor: float) -> Any:
    from diffusers import AutoencoderKL

    return AutoencoderKL(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
                         down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                         sample_size=512, scaling_factor=scaling_factor)


def sd15() -> Any:
    """SD 1.5's architecture: 860M-parameter UNet, CLIP ViT-L/14 text encoder, KL VAE."""
    from diffusers import DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel

    unet = UNet2DConditionModel(sample_size=64, block_out_channels=(320, 640, 1280, 1280), layers_per_block=2,
                                cross_attention_dim=768, attention_head_dim=8)
    scheduler = DDIMScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1)
    return StableDiffusionPipeline(vae=vae(0.18215), text_encoder=clip_text(768, 12, 12, 768), tokenizer=tokenizer(),
                                   unet=unet, scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)


def sdxl() -> Any:
    """SDXL base's architecture: 2.6B-parameter UNet, CLIP ViT-L + OpenCLIP bigG text encoders."""
    import torch
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel

    unet = UNet2DConditionModel(
        sample_size=128, block_out_channels=(320, 640, 1280), layers_per_block=2,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        transformer_layers_per_block=(1, 2, 10), attention_head_dim=(5, 10, 20), cross_attention_dim=2048,
        use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=256,
        projection_class_embeddings_input_dim=2816,
    )
    tok = tokenizer()
    with torch.device("cpu"):  # the scheduler's tables stay on the host, where set_timesteps reads them with numpy
        scheduler = EulerDiscreteScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012,
                                           steps_offset=1, timestep_spacing="leading")
    return StableDiffusionXLPipeline(vae=vae(0.13025), text_encoder=clip_text(768, 12, 12, 768), tokenizer=tok,
                                     text_encoder_2=clip_text(1280, 32, 20, 1280, with_projection=True),
                                     tokenizer_2=tok, unet=unet, scheduler=scheduler)


def params(module: Any) -> float:
    return sum(p.numel() for p in module.parameters()) / 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--modes", default="eager", help="comma list of eager, compiled (default: eager)")
    ap.add_argument("--device", default=None, help="default: cuda; `cpu` for a smoke run of the script")
    ap.add_argument("--only", choices=("sd15", "sdxl"), default=None)
    ap.add_argument("--size", type=int, default=None, help="override the native 512/1024 square size")
    ap.add_argument("--save-sd15", default=None, metavar="DIR", help="save the SD 1.5-class pipeline here")
    ap.add_argument("--json", default=None, metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args()
    if set(args.modes.split(",")) - {"eager", "compiled"}:
        ap.error("--modes takes eager, compiled or both")
    import torch

    from promptsmith.backends.diffusers import COMPILE_MODE, pick_device

    if args.device is None and not torch.cuda.is_available():
        print("no CUDA GPU here: this benchmark has not run (it needs a GPU; --device cpu for a smoke run)")
        return
    device, dtype = pick_device(args.device or "cuda")
    name_of = torch.cuda.get_device_name() if device.startswith("cuda") else "CPU"
    print(f"{name_of} · torch {torch.__version__} · {str(dtype).removeprefix('torch.')} · {args.steps} steps · "
          f"2×2 grid in one call · best and median of {args.repeats}", flush=True)
    results: list[dict[str, Any]] = []
    builds = (("sd15", "SD 1.5-class", sd15, 512), ("sdxl", "SDXL-class", sdxl, 1024))
    for key, name, build, native in builds:
        if args.only and key != args.only:
            continue
        size = args.size or native
        torch.manual_seed(0)
        t0 = time.perf_counter()
        with torch.device(device):  # random init on the device: seconds, not minutes, for 2.6B parameters
            pipe = build()
        pipe = pipe.to(device, dtype)
        pipe.set_progress_bar_config(disable=True)
        built = time.perf_counter() - t0
        print(f"{name}: UNet {params(pipe.unet):.2f}B parameters, built in {built:.1f} s", flush=True)
        if key == "sd15" and args.save_sd15:
            t0 = time.perf_counter()
            pipe.save_pretrained(args.save_sd15)
            print(f"{name}: saved to {args.save_sd15} in {time.perf_counter() - t0:.1f} s", flush=True)
        for label in args.modes.split(","):
            if label == "compiled":
                pipe.unet = torch.compile(pipe.unet, mode=COMPILE_MODE)

            def run(pipe: Any = pipe, size: int = size) -> None:  # bound now: run() is called in this iteration
                pipe(
                    prompt=["a lighthouse at dusk, oil painting"] * 4,
                    height=size,
                    width=size,
                    num_inference_steps=args.steps,
                    guidance_scale=7.0,
                    output_type="pil",
                    generator=[torch.Generator("cpu").manual_seed(s) for s in range(4)],
                )
                if device.startswith("cuda"):
                    torch.cuda.synchronize()

            t0 = time.perf_counter()
            run()  # warm-up (and compilation)
            warm = time.perf_counter() - t0
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                run()
                times.append(time.perf_counter() - t0)
            row = {
                "pipeline": key,
                "size": size,
                "mode": label,
                "steps": args.steps,
                "best_s": round(min(times), 3),
                "median_s": round(statistics.median(times), 3),
                "first_call_s": round(warm, 2),
                "it_per_s": round(args.steps / min(times), 2),
                "device": name_of,
                "dtype": str(dtype),
            }
            if device.startswith("cuda"):
                row["peak_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
            results.append(row)
            print(
                f"{name:>13} {size}²  {label:>8}: {row['best_s']:6.2f} s per grid best, {row['median_s']:6.2f} median, "
                f"{row['it_per_s']:5.2f} steps/s; first call {warm:.1f} s",
                flush=True,
            )
        del pipe
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
    for key in ("sd15", "sdxl"):
        rows = {r["mode"]: r for r in results if r["pipeline"] == key}
        if "eager" in rows and "compiled" in rows:
            print(f"{key}: compiled is {rows['eager']['best_s'] / rows['compiled']['best_s']:.2f}x eager")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
