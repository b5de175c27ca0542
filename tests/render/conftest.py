"""Tiny SD-style and Flux-style pipelines built from configs, saved to a temp folder, so tests use
the real loading and rendering code (../shared/reference/dependencies-on-these-machines.md)."""

from __future__ import annotations

from pathlib import Path

import pytest


def _tokenizer(root: Path):
    from transformers import CLIPTokenizer

    from promptsmith.backends.clip import clip_tokenizer_files, open_clip_vocab

    vocab, merges = clip_tokenizer_files(open_clip_vocab(), root / "bpe")
    return CLIPTokenizer(str(vocab), str(merges), model_max_length=77)


def _clip_text(projection: int = 32):
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                                        num_attention_heads=4, max_position_embeddings=77, projection_dim=projection))


@pytest.fixture(scope="session")
def tiny_sd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel

    root = tmp_path_factory.mktemp("tiny-sd")
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=16, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(32, 64),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32, attention_head_dim=8, norm_num_groups=32,
    )
    vae = AutoencoderKL(block_out_channels=(32, 64), in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        norm_num_groups=32)
    pipe = StableDiffusionPipeline(
        vae=vae, text_encoder=_clip_text(), tokenizer=_tokenizer(root), unet=unet,
        scheduler=DDIMScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, clip_sample=False),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )
    pipe.save_pretrained(root / "pipeline")
    return root / "pipeline"


@pytest.fixture(scope="session")
def tiny_flux(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import T5Config, T5EncoderModel

    root = tmp_path_factory.mktemp("tiny-flux")
    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=16, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32, axes_dims_rope=[4, 6, 6],
    )
    vae = AutoencoderKL(block_out_channels=(32, 64), in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        norm_num_groups=32, shift_factor=0.0, scaling_factor=1.0, use_quant_conv=False,
                        use_post_quant_conv=False)
    t5 = T5EncoderModel(T5Config(vocab_size=49408, d_model=32, d_ff=37, d_kv=8, num_layers=2, num_heads=4))
    tokenizer = _tokenizer(root)
    pipe = FluxPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, text_encoder=_clip_text(),
                        tokenizer=tokenizer, text_encoder_2=t5, tokenizer_2=tokenizer, transformer=transformer)
    pipe.save_pretrained(root / "pipeline")
    return root / "pipeline"
