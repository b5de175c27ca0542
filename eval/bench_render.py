"""GPU render benchmark: full-size SD 1.5- and SDXL-class pipelines with random weights.

    python eval/bench_render.py [--steps 30] [--compile]

Speed does not depend on weight values, so the pipelines are built from the published
architectures' configs (UNet, VAE, CLIP text encoders) with random weights, on CUDA in fp16/bf16.
It prints seconds per 2×2 grid (four images in one batched call) at 512² (SD 1.5) and 1024²
(SDXL), eager and, with --compile, torch.compile'd. Needs a CUDA GPU; on a CPU-only machine it
says so and exits.
"""

from __future__ import annotations

import argparse
import time


def clip_text(hidden: int, layers: int, heads: int, projection: int, with_projection: bool = False):
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    cfg = CLIPTextConfig(vocab_size=49408, hidden_size=hidden, intermediate_size=hidden * 4, num_hidden_layers=layers,
                         num_attention_heads=heads, max_position_embeddings=77, projection_dim=projection,
                         hidden_act="gelu" if hidden > 768 else "quick_gelu")
    return (CLIPTextModelWithProjection if with_projection else CLIPTextModel)(cfg)


def tokenizer():
    import tempfile
    from pathlib import Path

    from transformers import CLIPTokenizer

    from promptsmith.backends.clip import clip_tokenizer_files, open_clip_vocab

    vocab, merges = clip_tokenizer_files(open_clip_vocab(), Path(tempfile.mkdtemp()))
    return CLIPTokenizer(str(vocab), str(merges), model_max_length=77)


def vae():
    from diffusers import AutoencoderKL

    return AutoencoderKL(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
                         down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                         sample_size=512)


def sd15():
    from diffusers import DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel

    unet = UNet2DConditionModel(sample_size=64, block_out_channels=(320, 640, 1280, 1280), layers_per_block=2,
                                cross_attention_dim=768, attention_head_dim=8)
    return StableDiffusionPipeline(vae=vae(), text_encoder=clip_text(768, 12, 12, 768), tokenizer=tokenizer(),
                                   unet=unet, scheduler=DDIMScheduler(), safety_checker=None,
                                   feature_extractor=None, requires_safety_checker=False)


def sdxl():
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
    return StableDiffusionXLPipeline(vae=vae(), text_encoder=clip_text(768, 12, 12, 768), tokenizer=tok,
                                     text_encoder_2=clip_text(1280, 32, 20, 1280, with_projection=True),
                                     tokenizer_2=tok, unet=unet, scheduler=EulerDiscreteScheduler())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--compile", action="store_true")
    args = ap.parse_args()
    import torch

    if not torch.cuda.is_available():
        print("no CUDA GPU here: this benchmark has not run (it needs a GPU)")
        return
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    print(f"{torch.cuda.get_device_name()} · {dtype} · {args.steps} steps · 2×2 grid in one call")
    for name, build, size in (("SD 1.5-class", sd15, 512), ("SDXL-class", sdxl, 1024)):
        torch.manual_seed(0)
        pipe = build().to("cuda", dtype)
        modes = [("eager", False)] + ([("compiled", True)] if args.compile else [])
        for label, compiled in modes:
            if compiled:
                pipe.unet = torch.compile(pipe.unet, mode="max-autotune-no-cudagraphs")
            run = lambda: pipe(prompt=["a lighthouse at dusk"] * 4, height=size, width=size,  # noqa: E731
                               num_inference_steps=args.steps, guidance_scale=7.0, output_type="pil")
            run()  # warm-up (and compilation)
            torch.cuda.synchronize()
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                run()
                torch.cuda.synchronize()
                times.append(time.perf_counter() - t0)
            print(f"{name:>13} {size}²  {label:>8}: {min(times):6.2f} s per grid (best of 3)")
        del pipe
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
