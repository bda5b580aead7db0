#!/usr/bin/env bash
# Creates (once) the Python virtualenv the side-by-side benchmarks run the peers in.
# Everything is pinned so that figures in BENCHMARKS.md can be reproduced.
# Usage: bench/venv.sh   → prints the venv's python path on stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
stamp="$venv/.ghirbal-ready-1"
if [[ ! -f "$stamp" ]]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --upgrade pip >&2
    "$venv/bin/pip" install --quiet "datatrove[processing]==0.10.1" "spacy>=3.7,<4" "orjson>=3.9" >&2
    touch "$stamp"
fi
echo "$venv/bin/python"
