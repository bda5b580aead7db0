#!/usr/bin/env bash
# Near-dup recall on SaudiNewsNet's silver pairs: runs ghirbal with its default settings on the corpus, then
# bench/near_recall.py reads the output (kept/ and removed/) and prints the recall of the pairs with
# jaccard_w5 >= 0.8 and checks that every dedup.near removal is verified at or above the threshold.
#
# usage: bench/near_recall.sh [CORPUS] [PAIRS]     (exits non-zero when a removal is below the threshold)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
data="$root/../shared/data/saudinewsnet"
corpus="${1:-$data/saudinewsnet.jsonl.gz}"
pairs="${2:-$data/near_dup_pairs.jsonl.gz}"
out="$here/results/near-recall"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
rm -rf "$out"
/usr/bin/time -f "ghirbal run: %e s wall, %U s user, %S s sys, %M KB peak RSS" \
    "$root/target/release/ghirbal" run "$corpus" -o "$out" --compression none --quiet
python3 "$here/near_recall.py" "$out" "$pairs"
