#!/usr/bin/env bash
# The dedup steps on a many-copies corpus, from one input file and from 64 (issue #15's scale trap: maps
# keyed by document ordinals once used a pass-through hash, so ordinal 5 of every shard shared a bucket),
# and the near-clusters step's peak memory under a small budget. Generates DOCS documents (default 96,000:
# templates of 200 words, each written COPIES times with one or two words changed, 1 in 6 an exact copy), runs
# `ghirbal run --phase STEP` for each step on one core, and prints the wall time of cluster, near and
# near-clusters and each step's peak RSS. (The layouts' outputs differ in which copy is kept — input order
# differs — not in how many: the script prints the counts of both.)
#
# usage: bench/cluster_scale.sh [DOCS] [BUDGET] [COPIES]     (defaults: 96000, 64MiB, 24 copies per template)
#        LAYOUTS=one bench/cluster_scale.sh 233000 256MiB 1000   (about 20 million verified pairs, one file)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
docs="${1:-96000}"
budget="${2:-64MiB}"
copies="${3:-24}"
work="$here/results/cluster-scale"
bin="${GHIRBAL:-$root/target/release/ghirbal}"
[ -n "${GHIRBAL:-}" ] || cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
rm -rf "$work"; mkdir -p "$work/one" "$work/many"
python3 - "$work" "$docs" "$copies" <<'PY'
import json, random, sys
work, n, copies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(15)
letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
vocab = ["".join(rng.choice(letters) for _ in range(rng.randrange(3, 8))) for _ in range(5000)]
lines = []
templates = max(1, n // copies)
for t in range(templates):
    base = [rng.choice(vocab) for _ in range(200)]
    for v in range(copies):
        words = list(base)
        if v % 6 != 5:
            for _ in range(1 + v % 2):
                words[rng.randrange(200)] = rng.choice(vocab)
        lines.append(json.dumps({"id": f"t{t}-{v}", "text": " ".join(words)}, ensure_ascii=False))
lines = lines[:n]
rng.shuffle(lines)
with open(f"{work}/one/all.jsonl", "w") as f:
    f.write("\n".join(lines) + "\n")
for k in range(64):
    with open(f"{work}/many/part-{k:02}.jsonl", "w") as f:
        f.write("\n".join(lines[k::64]) + "\n")
PY
for layout in ${LAYOUTS:-one many}; do
    out="$work/out-$layout"
    args=("$work/$layout" -o "$out" --stages normalize,dedup.exact,dedup.near --threads 1 --memory-budget "$budget" -q)
    line="$layout ($(ls "$work/$layout" | wc -l) file(s)):"
    for step in plan scan cluster near near-clusters write finish; do
        t="$( { /usr/bin/time -f "%e %M" "$bin" run "${args[@]}" --phase "$step" >/dev/null; } 2>&1 | tail -1)"
        case "$step" in cluster|near|near-clusters) line+=" $step ${t% *} s (peak ${t#* } KB);";; esac
    done
    echo "$line"
    python3 - "$out/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
m = {k: int(v["sum"]) for k, v in s["stages"]["dedup.near"]["metrics"].items()}
print(f"  {s['conservation']['input']} documents; removed {s['totals']['removed_by_reason']}; "
      f"verified pairs {m.get('verified_pairs')}; largest cluster {m.get('largest_cluster')}")
PY
done
