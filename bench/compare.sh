#!/usr/bin/env bash
# Side-by-side benchmark against datatrove 0.10.1, datasketch 2.0.0, rensa 0.5.0 and dolma 1.2.1 (issue #6).
# Installs the peers in bench/.venv* (bench/venv.sh), takes the first DOCS articles of CORPUS, runs every
# tool and ghirbal's nearest equivalent pinned to one core, and prints MB of text per CPU-second, peak RSS,
# documents removed, ghirbal's ratio to each peer, and near-dup recall/precision on the silver pairs. The
# table is also written as JSON (bench/results/compare/compare.json). Exits non-zero if a ghirbal run fails
# its conservation check.
#
# usage: bench/compare.sh [CORPUS] [DOCS]     (defaults: SaudiNewsNet, 20000)
#        bench/compare.sh --smoke             (500 documents: keeps the script working; CI runs it)
# GHIRBAL_BASELINE=/path/to/another/ghirbal also times that build on the whole default pipeline, five runs
# alternating with this one, and prints the ratio of the medians (a change that must not slow the run down).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data="$root/../shared/data/saudinewsnet"
if [[ "${1:-}" == "--smoke" ]]; then
    corpus="$data/saudinewsnet.jsonl.gz"; docs=500; work="$here/results/compare-smoke"
    if [[ ! -f "$corpus" ]]; then
        # No shared data (a fresh CI machine): 500 documents cycled from the bundled example corpus.
        mkdir -p "$work.input"
        corpus="$work.input/cycled.jsonl"
        python3 - "$root/examples/corpus/news.jsonl" "$corpus" <<'PY'
import itertools, json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for n, d in zip(range(500), itertools.cycle(docs)):
        out.write(json.dumps({"id": f"{d['id']}#{n}", "text": d["text"]}, ensure_ascii=False) + "\n")
PY
    fi
else
    corpus="${1:-$data/saudinewsnet.jsonl.gz}"; docs="${2:-20000}"; work="$here/results/compare"
fi
pairs="$data/near_dup_pairs.jsonl.gz"
command -v taskset >/dev/null || { echo "compare.sh needs taskset (util-linux)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "compare.sh needs /usr/bin/time (GNU time)" >&2; exit 2; }
dt_py="$("$here/venv.sh" datatrove)"
peers_py="$("$here/venv.sh" peers)"
if [[ "${1:-}" == "--smoke" ]]; then
    # The smoke run only keeps the script working: the test build CI already made will do.
    cargo build --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
    bin="$root/target/debug/ghirbal"
else
    cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
    bin="$root/target/release/ghirbal"
fi
rm -rf "$work" && mkdir -p "$work"
# One slice every tool reads: the first DOCS documents, ids and texts only.
python3 - "$corpus" "$work/slice.jsonl" "$docs" <<'PY'
import gzip, io, json, sys
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
f = io.TextIOWrapper(gzip.open(src), encoding="utf-8") if src.endswith(".gz") else open(src, encoding="utf-8")
with open(dst, "w", encoding="utf-8") as out:
    for n, line in enumerate(f):
        if n >= limit:
            break
        d = json.loads(line)
        out.write(json.dumps({"id": d.get("id", f"doc-{n}"), "text": d["text"]}, ensure_ascii=False) + "\n")
PY
exec python3 "$here/compare.py" "$work" "$bin" "$dt_py" "$peers_py" "$work/slice.jsonl" "$pairs"
