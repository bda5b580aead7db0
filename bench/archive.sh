#!/usr/bin/env bash
# The news archive at scale (issue #18): builds an archive of DOCS generated documents, adds a batch of BATCH
# documents to it, and reruns everything from scratch, each on one core; prints the CPU seconds and peak RSS of
# the add and of the rerun, their ratio (target: the add < 5% of the rerun, < 500 MB), and the archive's size
# on disk per kept document with a projection for 100 million documents.
#
# Documents are 4 to 8 real SaudiNewsNet sentences drawn at random (distinct texts of news shape, ~1 KB), with
# 3% exact and 3% near copies (one word replaced) of earlier ones; the batch holds new documents and 5%
# exact and 5% near copies of archived ones.
#
# usage: bench/archive.sh [DOCS] [BATCH]      (defaults: 1000000, 5000)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
docs="${1:-1000000}"
batch="${2:-5000}"
work="$here/results/archive"
bin="${GHIRBAL:-$root/target/release/ghirbal}"
[ -n "${GHIRBAL:-}" ] || cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
corpus="$root/../shared/data/saudinewsnet/saudinewsnet.jsonl.gz"
rm -rf "$work"; mkdir -p "$work"
python3 - "$corpus" "$work" "$docs" "$batch" <<'PY'
import gzip, json, random, re, sys
src, work, n, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sentences = []
for line in gzip.open(src, "rt", encoding="utf-8"):
    text = json.loads(line)["text"]
    sentences += [s.strip() for s in re.split(r"(?<=[.!؟])\s+|\n+", text) if len(s.strip()) > 40]
rng = random.Random(18)
def fresh():
    return "\n".join(rng.choice(sentences) for _ in range(rng.randrange(4, 9)))
def near(text):
    words = text.split(" ")
    words[rng.randrange(len(words))] = rng.choice(sentences).split(" ")[0]
    return " ".join(words)
texts = []
with open(f"{work}/archive.jsonl", "w", encoding="utf-8") as out:
    for i in range(n):
        roll = rng.random()
        if texts and roll < 0.03:
            text = rng.choice(texts)
        elif texts and roll < 0.06:
            text = near(rng.choice(texts))
        else:
            text = fresh()
        if len(texts) < 200000:
            texts.append(text)
        else:
            texts[rng.randrange(len(texts))] = text
        out.write(json.dumps({"id": f"a{i}", "text": text}, ensure_ascii=False) + "\n")
with open(f"{work}/batch.jsonl", "w", encoding="utf-8") as out:
    for i in range(b):
        roll = rng.random()
        text = rng.choice(texts) if roll < 0.05 else near(rng.choice(texts)) if roll < 0.10 else fresh()
        out.write(json.dumps({"id": f"b{i}", "text": text}, ensure_ascii=False) + "\n")
PY
timed() {
    local name="$1"; shift
    /usr/bin/time -f "%U %S %M" -o "$work/$name.time" taskset -c 0 "$bin" "$@" -q --threads 1
    read -r user sys rss < "$work/$name.time"
    echo "$name: $(echo "$user + $sys" | bc) CPU-s, peak RSS $((rss / 1024)) MB"
}
timed build run "$work/archive.jsonl" -o "$work/out-archive" --archive "$work/archive"
timed add run "$work/batch.jsonl" -o "$work/out-batch" --archive "$work/archive"
timed rerun run "$work/archive.jsonl" "$work/batch.jsonl" -o "$work/out-rerun"
"$bin" archive stats "$work/archive" --json > "$work/stats.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def cpu(name):
    user, sys_, rss = open(f"{work}/{name}.time").read().split()
    return float(user) + float(sys_), int(rss) // 1024
(add, add_rss), (rerun, _) = cpu("add"), cpu("rerun")
s = json.load(open(f"{work}/stats.json"))
per = s["disk_bytes"] / max(s["kept"], 1)
print(f"add / rerun: {100 * add / rerun:.2f}% of the CPU (target < 5%), add peak RSS {add_rss} MB (target < 500)")
print(f"archive: {s['kept']} kept documents, {s['disk_bytes'] / 1e6:.0f} MB on disk, {per:.0f} bytes per kept "
      f"document, {s['index_runs']} index runs; 100 M kept documents ≈ {per * 1e8 / 1e9:.0f} GB")
print(f"batch: {s['batch_list'][-1]}")
PY
# The batch's documents: the same kept ids and the same removals (reason, duplicate_of) as in the rerun.
python3 - "$work" <<'PY'
import glob, json, subprocess, sys
work = sys.argv[1]
def decided(out):
    kept, removed = set(), {}
    for f in sorted(glob.glob(f"{work}/{out}/kept/*")):
        for line in subprocess.run(["zstd", "-dc", f], capture_output=True, check=True).stdout.splitlines():
            if line.startswith(b'{"id":"b'):
                kept.add(json.loads(line)["id"])
    for f in sorted(glob.glob(f"{work}/{out}/removed/*")):
        for line in subprocess.run(["zstd", "-dc", f], capture_output=True, check=True).stdout.splitlines():
            r = json.loads(line)
            if r["id"].startswith("b"):
                removed[r["id"]] = (r["reason"], r.get("duplicate_of"))
    return kept, removed
same = decided("out-batch") == decided("out-rerun")
print(f"the batch's decisions equal the rerun's: {'yes' if same else 'NO'}")
sys.exit(0 if same else 1)
PY
