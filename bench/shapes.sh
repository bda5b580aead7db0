#!/usr/bin/env bash
# Speed by the shape of the input (issue #17): the default pipeline, one core, on each corpus of
# ../shared/data/diverse/ (Quran, hadith, poetry, Wikipedia, dialect tweets, Arabizi) and on the first 3,000
# SaudiNewsNet articles — short and long documents, one script or two, most kept or most removed. Prints
# per corpus: documents, MB of text, CPU-seconds (median of RUNS), MB of text per CPU-second, µs per
# document, and which stage took most; with GHIRBAL_BASELINE=BIN the same for another build, interleaved.
#
# usage: bench/shapes.sh [RUNS]   (default 5)
# Writes bench/results/shapes/shapes.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
shared="$root/../shared/data"
[[ -d "$shared/diverse" && -f "$shared/saudinewsnet/saudinewsnet.jsonl.gz" ]] || {
    echo "shapes.sh: needs ../shared/data (diverse/ and saudinewsnet/)" >&2
    exit 2
}
command -v taskset >/dev/null || { echo "shapes.sh needs taskset (util-linux)" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
exec python3 "$here/shapes.py" "$here/results/shapes" "$root/target/release/ghirbal" "${1:-5}" \
    "$shared/saudinewsnet/saudinewsnet.jsonl.gz" "$shared"/diverse/*.jsonl.gz
