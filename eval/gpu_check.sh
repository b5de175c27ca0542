#!/usr/bin/env bash
# The GPU checks of the preview issue, as one script for a short lease on a CUDA machine:
#   1. the render tests (tiny SD- and Flux-style pipelines through the real loading path, the
#      render server over loopback) with CUDA picked as the device;
#   2. eval/bench_render.py eager at full size (SD 1.5-class 512², SDXL-class 1024²), saving the
#      SD 1.5-class pipeline to disk;
#   3. `promptsmith preview --compare` in-process on that saved pipeline, and the same through
#      `promptsmith serve` + `--backend` with a bearer token (a request without it must get 401);
#   4. bench_render.py compiled (slowest step, so last).
# Usage: bash eval/gpu_check.sh OUTDIR   (PYTHON=... to pick the interpreter)
set -uo pipefail
out="${1:-gpu-check}"
mkdir -p "$out/previews"
py="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
step() { echo; echo "== $* ($(date +%T))"; }
v5="cyberpunk city street, neon signs, rain, 8k, ultra detailed, trending on artstation --ar 3:2 --s 250 --no people --seed 7"

step "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$py" -c "import torch, diffusers, transformers; print('torch', torch.__version__, 'diffusers', diffusers.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"

step "1. render tests on CUDA"
timeout 240 "$py" -m pytest -q -p no:cacheprovider tests/render

step "2. bench_render eager"
timeout 240 "$py" eval/bench_render.py --steps 30 --modes eager --save-sd15 /tmp/sd15 --json "$out/bench-eager.json"

step "3a. promptsmith preview --compare, in-process"
timeout 120 "$py" -m promptsmith preview "$v5" --pipeline /tmp/sd15 --compare --format json --out "$out/previews" \
  | "$py" -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'timings': d['timings'], 'sizes': [(p['width'], p['height'], p['guidance_scale']) for p in d['plans']], 'prompts': [p['prompt'] for p in d['plans']]}, indent=1))"

step "3b. promptsmith serve + preview --backend"
"$py" -m promptsmith serve --pipeline /tmp/sd15 --port 8765 --token s3cret &
server=$!
for _ in $(seq 120); do curl -sf http://127.0.0.1:8765/health && break; sleep 1; done
echo
echo "without the token: HTTP $(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"prompt":"x"}' http://127.0.0.1:8765/render)"
echo "bad JSON: HTTP $(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' -X POST -d '{oops' http://127.0.0.1:8765/render)"
timeout 120 "$py" -m promptsmith preview "$v5" --backend http://127.0.0.1:8765 --token s3cret --compare --out "$out/previews/server"
kill "$server"; wait "$server" 2>/dev/null

step "4. bench_render compiled"
timeout 300 "$py" eval/bench_render.py --steps 30 --modes compiled --json "$out/bench-compiled.json"
step "done"
