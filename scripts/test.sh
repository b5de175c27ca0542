#!/usr/bin/env bash
# Set up everything the tests need, then run them all (real models included, as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,embed,llm,render,ray
HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q "$@"
