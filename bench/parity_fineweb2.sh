#!/usr/bin/env bash
# Parity with FineWeb-2: runs datatrove 0.10.1's Gopher repetition, FineWeb quality and Gopher quality
# filters with FineWeb-2's arb_Arab settings, and `ghirbal run --preset fineweb2` with the same three
# filters, on the same documents; prints how often the keep/remove decisions agree, the disagreement
# classes, and both tools' filter throughput (MB per CPU-second, one core each). Then times ghirbal's
# default preset (clean + every filter) on the same documents for the ratio against datatrove.
#
# Usage: bench/parity_fineweb2.sh [INPUT.jsonl[.gz]] [MAX_DOCS]
#   INPUT defaults to ../shared/data/saudinewsnet/saudinewsnet.jsonl.gz (all 31,030 articles).
# Needs: python3 (the venv with datatrove, spaCy and orjson is made by bench/venv.sh), cargo.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
input="${1:-$root/../shared/data/saudinewsnet/saudinewsnet.jsonl.gz}"
max_docs="${2:-0}"
work="$here/results/parity"
rm -rf "$work" && mkdir -p "$work"

py="$("$here/venv.sh")"
(cd "$root" && cargo build --release -q -p ghirbal-cli)
ghirbal="$root/target/release/ghirbal"

# One slice both tools read: the input's documents (optionally the first MAX_DOCS), ids as given.
"$py" - "$input" "$work/slice.jsonl" "$max_docs" <<'PY'
import gzip, io, json, sys
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
f = io.TextIOWrapper(gzip.open(src), encoding="utf-8") if src.endswith(".gz") else open(src, encoding="utf-8")
with open(dst, "w", encoding="utf-8") as out:
    for n, line in enumerate(f):
        if limit and n >= limit:
            break
        d = json.loads(line)
        out.write(json.dumps({"id": d.get("id", f"doc-{n}"), "text": d["text"]}, ensure_ascii=False) + "\n")
PY

echo "== datatrove 0.10.1 (GopherRepetition -> FineWebQuality -> GopherQuality, arb_Arab), one core"
"$py" "$here/parity_fineweb2.py" run "$work/slice.jsonl" "$work/datatrove.jsonl" | tee "$work/datatrove-time.json"

stages="filter.gopher_repetition,filter.fineweb_quality,filter.gopher_quality"
echo "== ghirbal --preset fineweb2 --stages $stages, one worker"
"$ghirbal" run "$work/slice.jsonl" -o "$work/ghirbal-fineweb2" --preset fineweb2 --stages "$stages" \
    --compression none --threads 1 -q
echo "== ghirbal default preset (normalize, clean, every filter, dedup.exact), one worker"
"$ghirbal" run "$work/slice.jsonl" -o "$work/ghirbal-default" --compression none --threads 1 -q

echo "== agreement"
"$py" "$here/parity_fineweb2.py" compare "$work/datatrove.jsonl" "$work/ghirbal-fineweb2" "$work/disagreements.jsonl"

echo "== throughput (MB of text per CPU-second of the filter stages)"
"$py" - "$work" <<'PY'
import json, sys
work = sys.argv[1]
dt = json.load(open(f"{work}/datatrove-time.json"))
def stage_rate(out, prefixes):
    s = json.load(open(f"{work}/{out}/stats.json"))["stages"]
    picked = {k: v for k, v in s.items() if k.startswith(prefixes)}
    cpu = sum(v["cpu_seconds"] for v in picked.values())
    first = next(iter(picked.values()))
    return first["bytes_in"] / 1e6, cpu
dt_rate = dt["mb_per_cpu_second"]
print(f"datatrove filters:                       {dt['bytes'] / 1e6:8.1f} MB in {dt['cpu_seconds']:7.2f} s = {dt_rate:7.2f} MB/s")
mb, cpu = stage_rate("ghirbal-fineweb2", ("filter.",))
print(f"ghirbal --preset fineweb2, same filters: {mb:8.1f} MB in {cpu:7.2f} s = {mb / cpu:7.2f} MB/s ({mb / cpu / dt_rate:.0f}x)")
mb, cpu = stage_rate("ghirbal-default", ("clean", "filter."))
print(f"ghirbal default, clean + all filters:    {mb:8.1f} MB in {cpu:7.2f} s = {mb / cpu:7.2f} MB/s ({mb / cpu / dt_rate:.0f}x)")
PY
echo "disagreeing ids: $work/disagreements.jsonl"
