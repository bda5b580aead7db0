#!/usr/bin/env bash
# Creates (once) the Python virtualenvs the side-by-side benchmarks run the peers in, and prints the python
# of the one asked for. Everything is pinned so that figures in BENCHMARKS.md can be reproduced.
#   bench/venv.sh            → bench/.venv: datatrove[processing] 0.10.1, spaCy, orjson, warcio, cchardet and python-magic (its WarcReader)
#   bench/venv.sh peers      → bench/.venv-peers: datasketch 2.0.0, rensa 0.5.0, dolma 1.2.1 (boto3 pinned,
#                              or pip backtracks for minutes)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-datatrove}" in
    datatrove)
        venv="$here/.venv"
        packages=("datatrove[processing]==0.10.1" "spacy>=3.7,<4" "orjson>=3.9" "warcio==1.7.4" "faust-cchardet==3.2.0" "python-magic==0.4.27")
        ;;
    peers)
        venv="$here/.venv-peers"
        packages=("datasketch==2.0.0" "rensa==0.5.0" "dolma==1.2.1" "boto3==1.28.17")
        ;;
    *) echo "usage: bench/venv.sh [datatrove|peers]" >&2; exit 2 ;;
esac
# The stamp names the package list: a venv made for an older list gets what is missing.
stamp="$venv/.ghirbal-ready-$(printf '%s\n' "${packages[@]}" | cksum | cut -d' ' -f1)"
if [[ ! -f "$stamp" ]]; then
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --upgrade pip >&2
    "$venv/bin/pip" install --quiet "${packages[@]}" >&2
    touch "$stamp"
fi
echo "$venv/bin/python"
