"""diffusers renderer: a 2×2 preview grid from a `RenderPlan`, in one batched pipeline call.

Loads a pipeline from a local folder (or a hub id on a machine that has it cached), picks the
device and dtype (CUDA bf16/fp16, MPS fp16, CPU fp32), uses PyTorch's SDPA attention, and can
compile the denoiser, swap in a tiny VAE, and use zero-terminal-SNR sampling (trailing timesteps,
rescaled betas, guidance rescale): models trained with a non-zero terminal SNR cannot make pure
blacks (Lin et al., "Common Diffusion Noise Schedules and Sample Steps are Flawed", 2023).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from promptsmith.core.plan import RenderPlan
from promptsmith.errors import BackendUnavailable, ModelNotFound

INSTALL_HINT = "install promptsmith[render] (diffusers, transformers, torch)"
#: Peak activation memory per output pixel per image in float32 (half that in 16-bit): the VAE
#: decoder holds about three full-resolution 128-channel activations at once (3 × 128 × 4 bytes),
#: which outweighs the denoiser at latent resolution. An estimate, to refuse what cannot fit.
ACTIVATION_BYTES_PER_PIXEL = 3 * 128 * 4


def free_memory(device: str) -> int | None:
    """Bytes free for a render on `device` ("cpu", "cuda"…), or None when it cannot be told."""
    if device == "cuda":
        import torch

        return int(torch.cuda.mem_get_info()[0])
    if device != "cpu":
        return None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
# torch.compile mode for the denoiser: "default" compiles in about a minute; the max-autotune modes
# search GEMM configurations for many minutes, too long for an interactive preview tool.
COMPILE_MODE = "default"


def pick_device(requested: str | None = None) -> tuple[str, Any]:
    """(device, dtype): CUDA bf16 (fp16 where bf16 is unsupported), MPS fp16, else CPU fp32."""
    import torch

    if requested:
        device = requested
    elif torch.cuda.is_available():
        device = "cuda"
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        device = "mps"
    else:
        device = "cpu"
    if device.startswith("cuda"):
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    elif device == "mps":
        dtype = torch.float16
    else:
        dtype = torch.float32
    return device, dtype


def gpu_device() -> str | None:
    """The accelerator a pipeline would run on (`cuda`, `mps`), or None on a CPU-only machine."""
    device, _ = pick_device(None)
    return None if device == "cpu" else device


def _looks_like_hub_id(name: str) -> bool:
    """`org/name` (one slash, not a path) rather than a folder."""
    return name.count("/") == 1 and not name.startswith((".", "/", "~")) and "\\" not in name


def family_of(pipe: Any) -> str:
    """The plan family a pipeline belongs to, from its class."""
    name = type(pipe).__name__
    if "Flux" in name:
        return "flux"
    if "StableDiffusion3" in name:
        return "sd3"
    if "XL" in name:
        return "sdxl"
    return "sd15"


def dtype_keyword() -> str:
    """diffusers 0.42 renamed from_pretrained's `torch_dtype` to `dtype` (the old name warns)."""
    import diffusers

    major, minor = (int(x) for x in diffusers.__version__.split(".")[:2])
    return "dtype" if (major, minor) >= (0, 42) else "torch_dtype"


def quiet_libraries() -> None:
    """Keep diffusers' and transformers' progress bars and advisories off the user's terminal."""
    import diffusers.utils.logging as dlog
    import transformers.utils.logging as tlog

    for log in (dlog, tlog):
        log.set_verbosity_error()
        log.disable_progress_bar()


class DiffusersRenderer:
    """A `Renderer`: renders a plan's four images in one call and reports timings."""

    def __init__(self, model: str | os.PathLike[str] | Any, *, device: str | None = None, compile: bool = False,
                 tiny_vae: str | os.PathLike[str] | None = None, zero_snr: bool = False,
                 allow_download: bool = False) -> None:
        self._pipe = None if isinstance(model, (str, os.PathLike)) else model
        self.model = str(model) if isinstance(model, (str, os.PathLike)) else type(model).__name__
        self.requested_device = device
        self.compile = compile
        self.tiny_vae = tiny_vae
        self.zero_snr = zero_snr
        #: A hub id loads from the local cache only, unless the user opts in to downloads.
        self.allow_download = allow_download
        self._lock = threading.Lock()
        self.load_seconds = 0.0
        #: Called after each denoising step with (step, steps, image): the CLI's progress.
        self.on_step: Any = None
        if self._pipe is None and not Path(model).exists() and not _looks_like_hub_id(str(model)):
            raise ModelNotFound(
                f"no pipeline at {model}: give a folder saved with save_pretrained (or a hub id cached here)"
            )

    @property
    def pipe(self) -> Any:
        if self._pipe is None:
            with self._lock:
                if self._pipe is None:
                    self._pipe = self._load()
        return self._pipe

    @property
    def family(self) -> str:
        return family_of(self.pipe)

    def cannot_hold(self, plan: RenderPlan) -> str | None:
        """Why this host cannot render `plan` (its memory would run out), or None when it can,
        or cannot tell. A legal 4096×1024 plan needs tens of GiB in float32 on a CPU."""
        pipe = self.pipe
        device = getattr(pipe, "device", None)
        kind = getattr(device, "type", str(device or "cpu"))
        free = free_memory(kind)
        if free is None:
            return None
        dtype = str(getattr(pipe, "dtype", "float32"))
        per_pixel = ACTIVATION_BYTES_PER_PIXEL // (1 if "float32" in dtype else 2)
        batch = len(plan.seeds) if len(set(plan.guidance_scales)) <= 1 else 1  # one call for all, or one each
        need = plan.width * plan.height * batch * per_pixel
        if need <= free:
            return None
        return (
            f"{plan.width}×{plan.height} ({batch} image{'s' if batch > 1 else ''} at once, {dtype.split('.')[-1]}) "
            f"needs about {need / 2**30:.1f} GiB on this {kind} host and {free / 2**30:.1f} GiB is free; "
            "ask for fewer pixels (`pixels`, e.g. 1024*1024) or render on a host with more memory"
        )

    def _load(self) -> Any:
        t0 = time.perf_counter()
        try:
            # deferred: diffusers and torch take seconds to import
            from diffusers import DiffusionPipeline
        except ImportError as exc:
            raise BackendUnavailable(f"diffusers is not installed: {INSTALL_HINT}") from exc
        quiet_libraries()
        device, dtype = pick_device(self.requested_device)
        try:
            pipe = DiffusionPipeline.from_pretrained(
                self.model, local_files_only=not self.allow_download, **{dtype_keyword(): dtype}
            )
        except OSError as exc:
            hint = (
                ""
                if self.allow_download or Path(self.model).exists()
                else " (not in the local cache; --allow-download fetches it)"
            )
            raise ModelNotFound(f"cannot load pipeline {self.model!r}: {exc}{hint}") from exc
        pipe = pipe.to(device)
        pipe.set_progress_bar_config(disable=True)  # the CLI and the server report their own progress
        self._configure(pipe)
        self.load_seconds = time.perf_counter() - t0
        return pipe

    def _configure(self, pipe: Any) -> None:
        import torch

        if self.zero_snr and hasattr(pipe.scheduler, "config") and "rescale_betas_zero_snr" in pipe.scheduler.config:
            pipe.scheduler = type(pipe.scheduler).from_config(
                pipe.scheduler.config, timestep_spacing="trailing", rescale_betas_zero_snr=True
            )
        if self.tiny_vae:
            from diffusers import AutoencoderTiny

            pipe.vae = AutoencoderTiny.from_pretrained(str(self.tiny_vae), **{dtype_keyword(): pipe.dtype}).to(
                pipe.device
            )
        if self.compile:
            denoiser = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
            if denoiser is not None:
                compiled = torch.compile(denoiser, mode=COMPILE_MODE, fullgraph=False)
                setattr(pipe, "unet" if hasattr(pipe, "unet") else "transformer", compiled)

    def _tile(self, pipe: Any, on: bool) -> None:
        import torch

        for part in ("unet", "vae", "transformer"):
            module = getattr(pipe, part, None)
            if module is None or part == "transformer":
                continue  # transformers have no convolutions to wrap
            for layer in module.modules():
                if isinstance(layer, torch.nn.Conv2d):
                    layer.padding_mode = "circular" if on else "zeros"

    def render(self, plan: RenderPlan, *, steps: int | None = None) -> tuple[list[Any], dict[str, float]]:
        """Four PIL images (one per seed) and timings; one batched call when guidance is uniform."""
        import torch

        pipe = self.pipe
        family = family_of(pipe)
        device = pipe.device
        t0 = time.perf_counter()
        self._tile(pipe, plan.tile)
        n_steps = steps or plan.num_inference_steps
        generators = [torch.Generator(device="cpu").manual_seed(s) for s in plan.seeds]
        kwargs: dict[str, Any] = {
            "height": plan.height,
            "width": plan.width,
            "num_inference_steps": n_steps,
            "output_type": "pil",
        }
        if family == "flux":
            if plan.negative_prompt:
                kwargs.update(negative_prompt=plan.negative_prompt, true_cfg_scale=1.5)
        else:
            kwargs["negative_prompt"] = plan.negative_prompt or None
            if self.zero_snr and family in ("sd15", "sdxl"):
                kwargs["guidance_rescale"] = 0.7
        stop_at = n_steps + 1
        if plan.denoising_end < 1.0 and family == "sdxl":
            kwargs["denoising_end"] = plan.denoising_end
        elif plan.denoising_end < 1.0:
            stop_at = max(1, round(n_steps * plan.denoising_end))
        image = [0]  # which call of the grid is running (one per image under --chaos)
        on_step = self.on_step

        def step_end(p: Any, i: int, t: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
            if on_step is not None:
                on_step(i + 1, n_steps, image[0])
            if i + 1 >= stop_at:
                p._interrupt = True  # end denoising here, decode what is there
            return callback_kwargs

        if on_step is not None or stop_at <= n_steps:
            kwargs["callback_on_step_end"] = step_end
        scales = plan.guidance_scales
        images: list[Any] = []
        with torch.inference_mode():
            if len(set(scales)) <= 1:
                call = dict(kwargs, guidance_scale=plan.guidance_scale)
                if call.get("negative_prompt"):
                    call["negative_prompt"] = [call["negative_prompt"]] * 4
                out = pipe(prompt=[plan.prompt] * 4, generator=generators, **call)
                images = list(out.images)
            else:
                # --chaos: each image its own guidance (variety grows across the grid), so one
                # call per image
                for k, (scale, gen) in enumerate(zip(scales, generators)):
                    image[0] = k
                    out = pipe(prompt=plan.prompt, generator=gen, **dict(kwargs, guidance_scale=scale))
                    images.extend(out.images)
        if device.type == "cuda":
            torch.cuda.synchronize()
        self._tile(pipe, False)
        return images, {
            "render_seconds": round(time.perf_counter() - t0, 4),
            "load_seconds": round(self.load_seconds, 4),
        }
