"""The preview stage: a GPU actor renders each row's v5 prompt and its v6 rewrite with the same
seeds, writes the side-by-side PNG and its sidecar, and CLIP-scores both grids.

The pipeline (and the CLIP model) load once per actor; each row is `Session.preview`, as
`promptsmith preview --compare` runs it, into a folder of its own under the output store
(`<file>-<line>`), so rows with the same prompt and seed never overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptsmith.scale import require_ray

require_ray()
import pyarrow as pa  # noqa: E402 - after the check that says which extra to install

from promptsmith.backends.clip import ClipScorer  # noqa: E402
from promptsmith.backends.diffusers import DiffusersRenderer  # noqa: E402
from promptsmith.records import dumps  # noqa: E402
from promptsmith.scale.stages import finish, records  # noqa: E402
from promptsmith.services.batch import worker_session  # noqa: E402
from promptsmith.services.preview import release_llm  # noqa: E402
from promptsmith.settings import Settings  # noqa: E402


@dataclass(frozen=True)
class PreviewOptions:
    """What one `batch preview` run renders (picklable): a request, not settings. The pipeline,
    the image store, the CLIP scorer, the seed, steps and size, and the device are this run's;
    `settings` are what its session rewrites and plans with (the family, the target version)."""

    pipeline: str
    images: str
    clip_model: str | None = None
    seed: int | None = None
    steps: int | None = None
    #: Pixels per image (None: the plan's own size for the family).
    pixels: int | None = None
    #: Where torch runs: None for CUDA when the actor has a GPU, else the CPU.
    device: str | None = None
    settings: Settings = field(default_factory=Settings)


class PreviewActor:
    """The diffusers pipeline and the CLIP scorer, loaded once per actor (one GPU each)."""

    def __init__(self, options: PreviewOptions, prompt_column: str = "prompt") -> None:
        self.options, self.prompt_column = options, prompt_column
        self.session = worker_session(options.settings)
        release_llm()
        self.renderer = DiffusersRenderer(options.pipeline, device=options.device)
        self.family = options.settings.family or self.renderer.family  # loads the pipeline now
        self.scorer: ClipScorer | None = None
        if options.clip_model:
            self.scorer = ClipScorer(options.clip_model, device=str(self.renderer.pipe.device))

    def __call__(self, table: Any) -> Any:
        o = self.options
        files = table.column("_file").to_pylist() if "_file" in table.column_names else [0] * table.num_rows
        lines, errors, pngs, sidecars = [], [], [], []
        for number, rec in zip(files, records(table, self.prompt_column)):
            record: dict[str, Any] = {"line": rec.line}
            try:
                if rec.error:
                    raise ValueError(rec.error)
                if not rec.prompt.strip():
                    raise ValueError("empty prompt")
                brief = self.session.rewrite(rec.prompt).output
                folder = Path(o.images) / f"{number:04d}-{rec.line or 0:08d}"
                result = self.session.preview(rec.prompt, self.renderer, family=self.family, out_dir=folder,
                                              compare_with=brief, seed=o.seed, steps=o.steps, scorer=self.scorer,
                                              pixels=o.pixels)
                record.update({"input": rec.prompt, "rewrite": brief, **result.model_dump(mode="json"), "error": None})
            except Exception as exc:
                record["error"] = rec.error or f"{type(exc).__name__}: {exc}"
            record.update({k: v for k, v in rec.extra.items() if k not in record})
            lines.append(dumps(record))
            errors.append(record["error"])
            pngs.append(record.get("png"))
            sidecars.append(record.get("sidecar"))
        return finish(table, lines, errors, {"png": pa.array(pngs, pa.string()),
                                             "sidecar": pa.array(sidecars, pa.string())})
