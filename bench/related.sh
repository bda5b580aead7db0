#!/usr/bin/env bash
# clean.related_stories on real articles (issue #13): prints leads and titles of other SaudiNewsNet articles
# under a fifth of the articles of each source, as news sites do (bench/related.py build), runs the default
# preset on both the untouched corpus and the augmented one, and scores the rule: appended lines removed,
# appended lines left, and any other line it removed (exits non-zero on a false positive).
#
# usage: bench/related.sh [CORPUS.jsonl.gz]     (default: SaudiNewsNet)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
corpus="${1:-$root/../shared/data/saudinewsnet/saudinewsnet.jsonl.gz}"
[[ -f "$corpus" ]] || { echo "related.sh: no corpus at $corpus" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
work="$here/results/related"
rm -rf "$work" && mkdir -p "$work"
python3 "$here/related.py" build "$corpus" "$work/augmented.jsonl"
for name in untouched augmented; do
    input="$corpus"
    [[ "$name" == augmented ]] && input="$work/augmented.jsonl"
    "$root/target/release/ghirbal" run "$input" -o "$work/$name" --compression none --quiet
done
echo "== untouched corpus: every firing is a false positive (no page there ends with other stories)"
python3 - "$work/untouched" <<'PY'
import json, os, sys
n = 0
for sub in ("kept", "removed"):
    d = os.path.join(sys.argv[1], sub)
    for f in os.listdir(d):
        for line in open(os.path.join(d, f), encoding="utf-8"):
            r = json.loads(line)
            for e in r.get("meta", {}).get("ghirbal", {}).get("clean", {}).get("removed", []):
                if e["rule"] == "clean.related_stories":
                    n += 1
                    print(f"  {r['id']}: {e['text'][:120]}")
print(f"clean.related_stories firings: {n}")
PY
echo "== augmented corpus"
python3 "$here/related.py" score "$work/augmented" "$work/augmented.jsonl.truth" "$root/target/release/ghirbal"
