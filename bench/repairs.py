"""Reads ghirbal outputs back and tabulates what `clean` removed, per rule and per corpus (bench/repairs.sh).

Every kept or removed document carries its edits in meta.ghirbal.clean.removed: {rule, line, text, from?}.
A firing is one such edit (a whole line, or the end of one). Arguments: CORPUS=OUT pairs, the corpus file the
run read (for the sample context) and its output folder (written with --compression none).
"""
import argparse
import collections
import gzip
import json
import os
import random
import sys

RULES = [
    "clean.symbol_lines",
    "clean.site_lines",
    "clean.repeated_lines",
    "clean.boilerplate",
    "clean.leading_lines",
    "clean.trailing_lines",
    "clean.related_stories",
]


def records(folder):
    for sub in ("kept", "removed"):
        d = os.path.join(folder, sub)
        for name in sorted(os.listdir(d)):
            if not name.startswith("part-"):
                continue
            with open(os.path.join(d, name), encoding="utf-8") as f:
                for line in f:
                    yield sub, json.loads(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=0)
    ap.add_argument("--json", required=True)
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    table = {}  # corpus -> rule -> counters
    pool = collections.defaultdict(list)  # rule -> firings (corpus, id, edit, doc lines)
    failed = False
    for run in args.runs:
        corpus, out = run.split("=", 1)
        name = os.path.basename(out)
        stats = json.load(open(os.path.join(out, "stats.json")))
        if not stats["conservation"]["holds"]:
            print(f"{name}: conservation FAILED: {stats['conservation']}", file=sys.stderr)
            failed = True
        per = {r: collections.Counter() for r in RULES}
        docs = collections.Counter()
        for where, rec in records(out):
            docs[where] += 1
            clean = rec.get("meta", {}).get("ghirbal", {}).get("clean")
            if not clean:
                continue
            edits = clean.get("removed", [])
            seen = set()
            for e in edits:
                c = per[e["rule"]]
                c["firings"] += 1
                c["lines"] += "from" not in e
                c["chars"] += len(e["text"])
                if e["rule"] not in seen:
                    c["documents"] += 1
                    seen.add(e["rule"])
                pool[e["rule"]].append((name, rec["id"], e, where))
        table[name] = {"kept": docs["kept"], "removed": docs["removed"], "rules": {r: dict(per[r]) for r in RULES}}
    print_table(table)
    json.dump(table, open(args.json, "w"), ensure_ascii=False, indent=1)
    if args.samples:
        write_samples(args, pool)
    sys.exit(1 if failed else 0)


def print_table(table):
    head = f"{'corpus':34} {'rule':24} {'firings':>8} {'docs':>7} {'lines':>7} {'chars':>9}"
    print(head)
    print("-" * len(head))
    totals = {r: collections.Counter() for r in RULES}
    for name, t in table.items():
        for r in RULES:
            c = t["rules"][r]
            if c.get("firings"):
                print(f"{name:34} {r:24} {c['firings']:8} {c['documents']:7} {c['lines']:7} {c['chars']:9}")
                totals[r].update(c)
    print("-" * len(head))
    for r in RULES:
        c = totals[r]
        print(f"{'all':34} {r:24} {c['firings']:8} {c['documents']:7} {c['lines']:7} {c['chars']:9}")


def write_samples(args, pool):
    """N firings per rule, drawn evenly across corpora (seeded), with the document's lines around each."""
    texts = {}
    for run in args.runs:
        corpus, out = run.split("=", 1)
        name = os.path.basename(out)
        opener = gzip.open if corpus.endswith(".gz") else open
        wanted = {fid for (c, fid, _, _) in sum(pool.values(), []) if c == name}
        with opener(corpus, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f):
                d = json.loads(line)
                fid = d.get("id", f"{corpus}:{n + 1}")
                if fid in wanted:
                    texts[(name, fid)] = d["text"]
    outdir = os.path.join(os.path.dirname(args.json), "samples")
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(13)
    for rule, firings in pool.items():
        by_corpus = collections.defaultdict(list)
        for f in firings:
            by_corpus[f[0]].append(f)
        picked = []
        # Round-robin over corpora so that every genre the rule fires on is judged.
        queues = {c: rng.sample(v, len(v)) for c, v in sorted(by_corpus.items())}
        while len(picked) < args.samples and any(queues.values()):
            for c in sorted(queues):
                if queues[c] and len(picked) < args.samples:
                    picked.append(queues[c].pop())
        with open(os.path.join(outdir, rule + ".jsonl"), "w", encoding="utf-8") as out:
            for corpus, fid, e, where in picked:
                text = texts.get((corpus, fid), "")
                out.write(json.dumps({"corpus": corpus, "id": fid, "outcome": where, "rule": rule, "line": e["line"],
                                      "removed": e["text"], "partial": "from" in e, "document": text},
                                     ensure_ascii=False) + "\n")
    print(f"samples: {outdir}/", file=sys.stderr)


if __name__ == "__main__":
    main()
