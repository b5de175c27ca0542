#!/usr/bin/env bash
# Set up .venv with promptsmith and the given extras (comma list: llm, embed, render, ray, train, dev, all), reusing
# pip's cache (~/.cache/pip) so later runs download and build nothing.
#
# - torch first, pinned to the CPU build this machine keeps on disk: a bare `torch` requirement
#   would pull a several-GB CUDA build (../shared/reference/dependencies-on-these-machines.md).
# - llama-cpp-python is compiled with portable CPU flags: its default build crashes here
#   (SIGILL in ggml's AMX path); AVX-512 paths make prompt processing ~1.5x faster.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-llm}"
[ -x .venv/bin/python ] || python3 -m venv .venv
pip=".venv/bin/pip"
has() { case ",$extras," in *,"$1",*|*,all,*) return 0;; *) return 1;; esac; }
if has embed || has render || has dev || has train; then
  $pip install -q "torch==2.13.0"
fi
if has llm || has dev; then
  source scripts/llama-cpp-flags.sh
  $pip install -q "$LLAMA_CPP_REQUIREMENT"
fi
$pip install -q -e ".${extras:+[$extras]}"
if has dev; then
  # open-clip-torch is used only for the CLIP BPE vocabulary file it ships; its own
  # requirements (torchvision) are not needed and would replace the CPU torch.
  $pip install -q --no-deps "open-clip-torch>=2.20"
fi
# Byte-compile the package: an editable install leaves that to the first run, and where
# PYTHONDONTWRITEBYTECODE is set (CI images often do) every run would compile from source
# (~0.1 s more on each `promptsmith lint` start).
.venv/bin/python -m compileall -q promptsmith >/dev/null
