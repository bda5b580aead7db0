#!/usr/bin/env bash
# The repair audit (issue #13): runs the default preset on SaudiNewsNet and on every .jsonl.gz corpus of
# ../shared/data/diverse/, then bench/repairs.py reads each output back and prints, per clean rule and per
# corpus, its firings (lines or line ends removed), documents, lines and characters removed — from the
# edit record every kept and removed document carries in meta.ghirbal.clean. With --samples N it also
# writes N random firings per rule (seeded; the removed text with the lines around it) to
# bench/results/repairs/samples/RULE.jsonl, for judging by hand.
#
# usage: bench/repairs.sh [--samples N] [CORPUS.jsonl.gz ...]   (default: SaudiNewsNet + diverse/*.jsonl.gz)
# Writes bench/results/repairs/repairs.json; exits non-zero when a run fails its conservation check.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
shared="$root/../shared/data"
samples=0
if [[ "${1:-}" == "--samples" ]]; then
    samples="$2"
    shift 2
fi
corpora=("$@")
if [[ ${#corpora[@]} -eq 0 ]]; then
    corpora=("$shared/saudinewsnet/saudinewsnet.jsonl.gz" "$shared"/diverse/*.jsonl.gz)
fi
for c in "${corpora[@]}"; do
    [[ -f "$c" ]] || { echo "repairs.sh: no corpus at $c" >&2; exit 2; }
done
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
work="$here/results/repairs"
rm -rf "$work" && mkdir -p "$work"
outs=()
for c in "${corpora[@]}"; do
    name="$(basename "$c" .jsonl.gz)"
    "$root/target/release/ghirbal" run "$c" -o "$work/$name" --compression none --quiet
    outs+=("$c=$work/$name")
done
python3 "$here/repairs.py" --samples "$samples" --json "$work/repairs.json" "${outs[@]}"
