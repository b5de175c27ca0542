#!/usr/bin/env bash
# Set up .venv with promptsmith and the given extras (default: none), using pip's cache.
# torch comes first, pinned to the CPU build this machine keeps on disk: a bare `torch`
# requirement would pull a several-GB CUDA build (../shared/reference/dependencies-on-these-machines.md).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
[ -x .venv/bin/python ] || python3 -m venv .venv
pip=".venv/bin/pip"
$pip install -q --upgrade pip >/dev/null 2>&1 || true
case ",$extras," in
  *,embed,*|*,all,*|*,dev,*) $pip install -q "torch==2.13.0" ;;
esac
$pip install -q -e ".${extras:+[$extras]}"
case ",$extras," in
  # open-clip-torch is used only for the CLIP BPE vocabulary file it ships; its own
  # requirements (torchvision) are not needed and would replace the CPU torch.
  *,dev,*) $pip install -q --no-deps "open-clip-torch>=2.20" ;;
esac
