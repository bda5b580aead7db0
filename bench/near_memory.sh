#!/usr/bin/env bash
# Memory bound of near-dup clustering: generates DOCS synthetic documents (default 20 million, 20 words each,
# 2% planted near copies; crates/ghirbal/examples/gen_corpus.rs), runs `ghirbal --stages dedup.near` on them
# with --memory-budget BUDGET (default 2GiB) and again with an unlimited budget (1TiB), prints each run's peak
# RSS and time, and checks that both wrote byte-identical kept/ and removed/. Needs ~15 GB of free disk.
#
# usage: bench/near_memory.sh [DOCS] [BUDGET]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
docs="${1:-20000000}"
budget="${2:-2GiB}"
work="$here/results/near-memory"
corpus="$work/corpus-$docs"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli -p ghirbal --example gen_corpus
if [ ! -d "$corpus" ]; then
    "$root/target/release/examples/gen_corpus" "$corpus.tmp" "$docs" 16
    mv "$corpus.tmp" "$corpus"
fi
digest() { (cd "$1" && find kept removed -type f | sort | xargs sha256sum | sha256sum | cut -c1-16); }
for b in "$budget" 1TiB; do
    out="$work/out-$b"
    rm -rf "$out"
    /usr/bin/time -f "budget $b: %e s wall, %U s user, %S s sys, peak RSS %M KB" \
        "$root/target/release/ghirbal" run "$corpus" -o "$out" --stages dedup.near --memory-budget "$b" --quiet
    python3 - "$out" <<'PY'
import json, sys
s = json.load(open(f"{sys.argv[1]}/stats.json"))
m = {k: int(v["sum"]) for k, v in s["stages"]["dedup.near"]["metrics"].items()}
print(f"  {s['conservation']['input']} documents, {s['totals']['removed_by_reason'].get('dedup.near', 0)} near duplicates; "
      f"band records {m['band_records'] if 'band_records' in m else '?'}; sorted runs on disk {m['sort_runs']}; "
      f"phases (wall) {', '.join(f'{k} {v:.1f} s' for k, v in s['time']['wall_seconds'].items())}")
PY
    echo "  output digest $(digest "$out")"
    rm -rf "$out/work"
done
a="$(digest "$work/out-$budget")"; b="$(digest "$work/out-1TiB")"
if [ "$a" != "$b" ]; then echo "FAIL: the output differs between budgets"; exit 1; fi
echo "same output at $budget and unlimited"
