#!/usr/bin/env bash
# WARC → kept, side by side with datatrove 0.10.1 (issue #14), one core each (taskset), in one run.
#
# Builds (bench/warc.py build) a Common-Crawl-shaped .warc.gz of PAGES Arabic news pages: the two real pages
# of ../shared/data/diverse/web with their furniture, each carrying a SaudiNewsNet article, a quarter of them
# in windows-1256 declared only in the HTTP header; a request record beside each response. Then times
#   datatrove          WarcReader → Trafilatura (favour_precision) → FineWeb-2's arb_Arab Gopher repetition,
#                      FineWeb quality and Gopher quality filters → JsonlWriter (one task, one worker)
#   ghirbal-fineweb2   `ghirbal run --preset fineweb2` with the same three filters: the same work
#   ghirbal-default    `ghirbal run` with every default stage (normalize, clean with site lines, language,
#                      the filters, exact and near dedup)
# and prints MB of WARC (uncompressed) per CPU-second, kept counts and the ratios. Language identification
# is left out of datatrove's side: FineWeb-2's GlotLID model is a download from the Hugging Face hub.
#
# usage: bench/warc.sh [PAGES]      (default 2000)
# Writes bench/results/warc/warc.json; exits non-zero when a ghirbal run fails its conservation check.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
shared="$root/../shared/data"
pages="${1:-2000}"
corpus="$shared/saudinewsnet/saudinewsnet.jsonl.gz"
[[ -f "$corpus" && -d "$shared/diverse/web" ]] || { echo "warc.sh: needs $corpus and $shared/diverse/web" >&2; exit 2; }
command -v taskset >/dev/null || { echo "warc.sh needs taskset (util-linux)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "warc.sh needs /usr/bin/time (GNU time)" >&2; exit 2; }
py="$("$here/venv.sh" datatrove)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
bin="$root/target/release/ghirbal"
work="$here/results/warc"
rm -rf "$work" && mkdir -p "$work/in"
warc="$work/in/pages.warc.gz"
"$py" "$here/warc.py" build "$corpus" "$shared/diverse/web" "$warc" "$pages"
mb="$(python3 -c "import gzip,sys; print(len(gzip.open(sys.argv[1]).read()) / 1e6)" "$warc")"

timed() { # name argv... → "cpu-seconds wall-seconds peak-rss-MB"
    local name="$1"
    shift
    taskset -c 0 /usr/bin/time -o "$work/$name.time" -f "%U %S %e %M" "$@" >"$work/$name.log" 2>&1 ||
        { echo "warc.sh: $name failed; see $work/$name.log" >&2; exit 1; }
    awk '{printf "%.2f %.2f %.0f\n", $1 + $2, $3, $4 / 1024}' "$work/$name.time"
}
kept_ghirbal() {
    python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['conservation']; assert c['holds'], c; print(c['kept'])" \
        "$1/stats.json"
}

read -r dt_cpu dt_wall dt_rss < <(timed datatrove "$py" "$here/warc.py" datatrove "$warc" "$work/datatrove")
dt_kept="$(tail -n 1 "$work/datatrove.log" | python3 -c "import json,sys; print(json.loads(sys.stdin.read())['kept'])")"
read -r g2_cpu g2_wall g2_rss < <(timed ghirbal-fineweb2 "$bin" run "$warc" -o "$work/ghirbal-fineweb2" -q \
    --threads 1 --preset fineweb2 --compression none \
    --stages filter.gopher_repetition,filter.fineweb_quality,filter.gopher_quality)
g2_kept="$(kept_ghirbal "$work/ghirbal-fineweb2")"
read -r gd_cpu gd_wall gd_rss < <(timed ghirbal-default "$bin" run "$warc" -o "$work/ghirbal-default" -q --threads 1)
gd_kept="$(kept_ghirbal "$work/ghirbal-default")"

python3 - "$work/warc.json" "$pages" "$mb" "$dt_cpu" "$dt_rss" "$dt_kept" "$g2_cpu" "$g2_rss" "$g2_kept" \
    "$gd_cpu" "$gd_rss" "$gd_kept" <<'PY'
import json, sys
out, pages, mb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = {}
for name, (cpu, rss, kept) in zip(["datatrove", "ghirbal-fineweb2", "ghirbal-default"],
                                  [sys.argv[4:7], sys.argv[7:10], sys.argv[10:13]]):
    rows[name] = {"cpu_seconds": float(cpu), "peak_rss_mb": int(rss), "kept": int(kept),
                  "mb_per_cpu_second": mb / float(cpu)}
print(f"{pages} pages, {mb:.1f} MB of WARC (uncompressed), one core each")
print(f"{'run':<18} {'CPU-s':>8} {'MB/CPU-s':>9} {'RSS MB':>7} {'kept':>6} {'vs datatrove':>13}")
for name, r in rows.items():
    ratio = rows["datatrove"]["cpu_seconds"] / r["cpu_seconds"]
    r["ratio_to_datatrove"] = ratio
    print(f"{name:<18} {r['cpu_seconds']:>8.2f} {r['mb_per_cpu_second']:>9.2f} {r['peak_rss_mb']:>7} "
          f"{r['kept']:>6} {ratio:>12.1f}x")
json.dump({"pages": pages, "warc_mb": mb, "runs": rows}, open(out, "w"), indent=2)
PY
