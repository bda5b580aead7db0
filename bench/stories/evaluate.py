"""Scores a ghirbal run's stories and related lists on the labelled pairs (issue #19).

usage: python3 bench/stories/evaluate.py OUT bench/stories/labels.jsonl

OUT is the output folder of `ghirbal run` over the corpus the pairs come from (SaudiNewsNet), with the
`story` stage on. Prints, over the pairs whose two documents were kept:
- pairwise precision, recall and F1 of "same story" (same `meta.ghirbal.story_id`) against `same_story`;
- the share of `related` pairs joined into one story (wrongly);
- the recall of `related` pairs in `related` (either document lists the other).
A document dedup removed stands for the document it duplicates (`duplicate_of`); pairs with a document a
stage removed are counted and left out.
"""
import glob, gzip, json, subprocess, sys


def kept_records(out):
    for path in sorted(glob.glob(f"{out}/kept/*.jsonl*")):
        yield from records(path)


def records(path):
    if True:
        if path.endswith(".zst"):
            raw = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
        elif path.endswith(".gz"):
            raw = gzip.open(path).read()
        else:
            raw = open(path, "rb").read()
        for line in raw.decode("utf-8").splitlines():
            if line:
                yield json.loads(line)


def keepers(out):
    """Each document dedup removed -> the kept document it duplicates (the same text for these scores)."""
    of = {}
    for path in sorted(glob.glob(f"{out}/removed/*.jsonl*")):
        for d in records(path):
            if d.get("duplicate_of"):
                of[d["id"]] = d["duplicate_of"]
    return of


def main(out, labels_path):
    story, related = {}, {}
    dup_of = keepers(out)
    for d in kept_records(out):
        g = d["meta"].get("ghirbal", {})
        story[d["id"]] = g.get("story_id")
        related[d["id"]] = {r["id"] for r in g.get("related", [])}
    labels = [json.loads(l) for l in open(labels_path, encoding="utf-8")]
    tp = fp = fn = joined = rel = rel_hit = missing = 0
    for r in labels:
        a, b = (dup_of.get(x, x) for x in r["pair"].split("|"))
        if a not in story or b not in story:
            missing += 1
            continue
        same = story[a] == story[b]
        if r["label"] == "same_story":
            tp += same
            fn += not same
        else:
            fp += same
        if r["label"] == "related":
            rel += 1
            joined += same
            rel_hit += b in related[a] or a in related[b]
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    print(f"pairs scored {len(labels) - missing} of {len(labels)} ({missing} with a document not kept)")
    print(f"same story: P {p:.3f} R {rc:.3f} F1 {f1:.3f}")
    print(f"related pairs joined into one story: {joined}/{rel} = {joined / max(rel, 1):.1%}")
    print(f"related recall in `related`: {rel_hit}/{rel} = {rel_hit / max(rel, 1):.3f}")
    json.dump({"precision": p, "recall": rc, "f1": f1, "related_joined": joined / max(rel, 1),
               "related_recall": rel_hit / max(rel, 1), "missing": missing}, sys.stderr)
    print(file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
