"""Recall of ghirbal's near-dup clusters on silver pairs, from a finished run's output.

A pair counts as found when its two documents end in one cluster: a kept document's cluster is
meta.ghirbal.cluster_id (itself when it has none); a near duplicate's is detail.cluster_id; an exact copy's is
the cluster of the document it copies. Pairs with an end removed by a filter never reached dedup and are
reported apart. Also checks that every dedup.near removal is verified at or above the threshold.

usage: python3 bench/near_recall.py OUT PAIRS.jsonl.gz [MIN_JACCARD]
"""
import collections
import gzip
import json
import pathlib
import sys


def records(folder):
    for path in sorted(pathlib.Path(folder).glob("part-*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)


def main():
    out, pairs_path = sys.argv[1], sys.argv[2]
    floor = float(sys.argv[3]) if len(sys.argv) > 3 else 0.8
    parent = {}  # id -> cluster id, or the id it is an exact copy of
    keeper = {}  # id -> the keeper it was verified against (near duplicates only)
    exact = set()
    filtered = {}
    near_sims = []
    threshold = None
    for r in records(f"{out}/kept"):
        parent[r["id"]] = (r.get("meta") or {}).get("ghirbal", {}).get("cluster_id", r["id"])
    for r in records(f"{out}/removed"):
        if r["reason"] == "dedup.near":
            parent[r["id"]] = r["detail"]["cluster_id"]
            keeper[r["id"]] = r["duplicate_of"]
            near_sims.append(r["similarity"])
            threshold = r["detail"]["threshold"]
        elif r["reason"] == "dedup.exact":
            parent[r["id"]] = r["duplicate_of"]
            exact.add(r["id"])
        else:
            filtered[r["id"]] = r["reason"]

    def original(doc):
        """The document an exact copy copies (following copies of copies)."""
        seen = set()
        while doc in exact and doc not in seen:
            seen.add(doc)
            doc = parent[doc]
        return doc

    def cluster(doc):
        doc = original(doc)
        return parent.get(doc, doc)

    def star(doc):
        doc = original(doc)
        return keeper.get(doc, doc)

    counts = collections.Counter()
    misses = []
    with gzip.open(pairs_path, "rt", encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            if p["jaccard_w5"] < floor:
                continue
            counts["pairs"] += 1
            a, b = p["id_a"], p["id_b"]
            if a in filtered or b in filtered:
                counts["an end filtered"] += 1
                continue
            if a not in parent or b not in parent:
                counts["an end missing from the output"] += 1
                continue
            counts["reached dedup"] += 1
            counts["same keeper"] += star(a) == star(b)
            if cluster(a) == cluster(b):
                counts["found"] += 1
            else:
                misses.append((a, b, p["jaccard_w5"]))
    reached = counts["reached dedup"]
    print(f"silver pairs with jaccard_w5 >= {floor}: {counts['pairs']}")
    print(f"  an end removed by a filter (never reached dedup): {counts['an end filtered']}")
    if counts["an end missing from the output"]:
        print(f"  an end missing from the output: {counts['an end missing from the output']}")
    print(f"  both ends reached dedup: {reached}")
    recall = counts["found"] / reached if reached else 0.0
    print(f"  found (both ends in one cluster): {counts['found']}  recall {recall:.4f}")
    print(f"  of which one removed as the other's duplicate, or both duplicates of one keeper: "
          f"{counts['same keeper']} ({counts['same keeper'] / max(reached, 1):.4f}); the rest are in one cluster "
          "with two keepers that are not similar enough to each other to remove either")
    below = [s for s in near_sims if threshold is not None and s < threshold]
    print(f"dedup.near removals: {len(near_sims)}; verified below the threshold: {len(below)}"
          + (f"; lowest similarity {min(near_sims):.4f}" if near_sims else ""))
    for a, b, j in misses[:10]:
        print(f"  missed: {a} ~ {b} (jaccard_w5 {j}) clusters {cluster(a)} / {cluster(b)}")
    json.dump({"pairs": counts["pairs"], "reached": reached, "found": counts["found"], "recall": recall, "same_keeper": counts["same keeper"],
               "near_removed": len(near_sims), "below_threshold": len(below)},
              open(f"{out}/near_recall.json", "w"), indent=1)
    if below or counts["an end missing from the output"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
