#!/usr/bin/env bash
# What users get: build the wheel, install it (not editable) with the llm extra into a clean venv,
# and run the CLI from a folder outside the repository. CI runs this after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
repo="$(pwd)"
[ -e build ] && had_build=1 || had_build=0
trap 'rm -rf "$work"; [ "$had_build" = 1 ] || rm -rf "$repo/build"' EXIT  # setuptools leaves build/ behind
.venv/bin/pip wheel -q --no-deps --no-build-isolation -w "$work/dist" .
wheel="$(ls "$work"/dist/promptsmith-*.whl)"
python3 -m venv "$work/venv"
bin="$work/venv/bin"
source scripts/llama-cpp-flags.sh
"$bin/pip" install -q "$LLAMA_CPP_REQUIREMENT"
"$bin/pip" install -q "${wheel}[llm]"
mkdir "$work/elsewhere" && cd "$work/elsewhere"
export HF_HUB_OFFLINE=1
check() { local want="$1"; shift; local rc=0; "$@" > out.txt 2> err.txt || rc=$?
  if [ "$rc" != "$want" ]; then echo "wheel check: '$*' exited $rc, not $want"; cat out.txt err.txt; exit 1; fi; }
check 1 "$bin/promptsmith" lint - --format jsonl <<< "portrait, 8k --v 6"
grep -q PS201 out.txt
check 0 "$bin/promptsmith" rewrite --engine rules "old fisherman portrait, oil painting, rembrandt style, 8k --v 5"
grep -q "Rembrandt" out.txt
check 0 "$bin/promptsmith" rewrite --engine llm "a red fox in the snow, 8k"
check 0 "$bin/promptsmith" rewrite --engine llm --llm-job write "old fisherman portrait, oil painting, rembrandt style, 8k"
grep -q "fisherman" out.txt
check 0 "$bin/promptsmith" rewrite "a red fox in the snow, 8k" --format json
grep -q '"engine": "rules"' out.txt
check 0 "$bin/promptsmith" lint - <<< "portrait, 8k  # noqa: PS201"
check 0 "$bin/promptsmith" explain PS201
check 0 "$bin/promptsmith" rules
check 0 "$bin/promptsmith" models
"$bin/python" -c "import promptsmith, pathlib; assert (pathlib.Path(promptsmith.__file__).parent / 'py.typed').is_file()"
echo "wheel check passed: $(basename "$wheel") installed in a clean venv, CLI run outside the repo"
