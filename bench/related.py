"""Related stories on real articles (bench/related.sh): SaudiNewsNet articles never end with other stories'
leads or headlines (the corpus kept article bodies only), so this script prints them under articles the way
news sites do, then scores the two rules that remove them on the result.

build CORPUS OUT.jsonl: for every source with at least 50 articles, a seeded fifth of its articles (the
hosts) get, in two thirds of the cases ("leads"), one to five leads (first paragraph after the title) or
titles of other articles of the same source appended, as a blank-line-separated block or directly after the
last paragraph — `clean.related_stories` should remove them; in the other third ("teaser"), a teaser line
«اقرأ أيضا: <headline>» inside the body and one to three headlines of articles of other sources at the end
(stories the site's own pages do not hold) — `clean.trailing_lines` should remove the headlines. Writes the
corpus and OUT.jsonl.truth (host id -> mode and appended lines).

score OUT TRUTH GHIRBAL: reads a ghirbal output (--compression none) and prints, per mode, the appended
lines removed by the rule (recall), the appended lines left, and every other line the rule removed (false
positives, which should be none).
"""
import collections
import gzip
import json
import os
import random
import sys


def lead_and_title(text):
    lines = [l.strip() for l in text.split("\n")]
    nonblank = [l for l in lines if l]
    if not nonblank:
        return None, None
    title = nonblank[0]
    lead = next((l for l in nonblank[1:] if len(l.split()) >= 8), None)
    return title, lead


def build(corpus, out):
    rng = random.Random(2026)
    docs = [json.loads(l) for l in gzip.open(corpus, "rt", encoding="utf-8")]
    by_source = collections.defaultdict(list)
    for i, d in enumerate(docs):
        by_source[d.get("source", "")].append(i)
    truth = {}
    for source, idx in sorted(by_source.items()):
        if len(idx) < 50:
            continue
        hosts = set(rng.sample(idx, len(idx) // 5))
        others = [i for i in idx if i not in hosts]
        elsewhere = [i for s, v in by_source.items() if s != source for i in v]
        for h in sorted(hosts):
            if rng.random() < 2 / 3:
                mode, picked = "leads", []
                for j in rng.sample(others, rng.randint(1, 5)):
                    title, lead = lead_and_title(docs[j]["text"])
                    line = lead if (lead and rng.random() < 0.7) else title
                    if line and len(line.split()) >= 4:
                        picked.append(line)
                if not picked:
                    continue
                sep = "\n\n" if rng.random() < 0.5 else "\n"
                docs[h]["text"] = docs[h]["text"].rstrip() + sep + "\n".join(picked)
            else:
                mode = "teaser"
                titles = [lead_and_title(docs[j]["text"])[0] for j in rng.sample(elsewhere, 4)]
                titles = [t for t in titles if t and 4 <= len(t.split()) <= 15]
                if len(titles) < 2:
                    continue
                teaser, picked = f"اقرأ أيضا: {titles[0]}", titles[1:1 + rng.randint(1, 3)]
                lines = docs[h]["text"].rstrip().split("\n")
                body = [i for i, l in enumerate(lines) if l.strip()]
                if len(body) < 4:
                    continue
                lines.insert(body[2] + 1, teaser)
                docs[h]["text"] = "\n".join(lines) + "\n" + "\n".join(picked)
            truth[docs[h]["id"]] = {"mode": mode, "lines": picked}
    with open(out, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    json.dump(truth, open(out + ".truth", "w", encoding="utf-8"), ensure_ascii=False)
    n = collections.Counter(t["mode"] for t in truth.values())
    print(f"{len(truth)} hosts ({dict(n)}), {sum(len(v['lines']) for v in truth.values())} appended lines",
          file=sys.stderr)


def output_profile(ghirbal, lines):
    """The lines as ghirbal stores them (`ghirbal normalize`, line by line), to compare with its records."""
    import subprocess
    res = subprocess.run([ghirbal, "normalize"], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         check=True)
    out = res.stdout.split("\n")
    assert len(out) >= len(lines), "ghirbal normalize returned fewer lines"
    return dict(zip(lines, out))


def score(out, truth_path, ghirbal):
    truth = json.load(open(truth_path, encoding="utf-8"))
    stored = output_profile(ghirbal, sorted({l for v in truth.values() for l in v["lines"]}))
    norm = lambda s: " ".join(s.split())
    expected = {k: {norm(stored[l]) for l in v["lines"]} for k, v in truth.items()}
    rule_of = {"leads": "clean.related_stories", "teaser": "clean.trailing_lines"}
    found, total, left = collections.Counter(), collections.Counter(), collections.Counter()
    by_rule = collections.defaultdict(collections.Counter)
    wrong = []
    for sub in ("kept", "removed"):
        folder = os.path.join(out, sub)
        for name in sorted(os.listdir(folder)):
            for line in open(os.path.join(folder, name), encoding="utf-8"):
                rec = json.loads(line)
                edits = rec.get("meta", {}).get("ghirbal", {}).get("clean", {}).get("removed", [])
                appended = expected.get(rec["id"], set())
                mode = truth.get(rec["id"], {}).get("mode")
                removed = {norm(e["text"]) for e in edits}
                for e in edits:
                    t = norm(e["text"])
                    if t in appended:
                        by_rule[mode][e["rule"]] += 1
                        found[mode] += e["rule"] == rule_of[mode]
                    elif e["rule"] in rule_of.values():
                        wrong.append((rec["id"], e["rule"], t))
                if mode:
                    total[mode] += len(appended)
                    left[mode] += sum(1 for a in appended if a not in removed)
    for mode, rule in rule_of.items():
        print(f"{mode}: {total[mode]} appended lines; removed by {rule}: {found[mode]} "
              f"({found[mode] / max(total[mode], 1):.1%}); by each rule: {dict(by_rule[mode])}; left: {left[mode]}")
    print(f"other lines removed by clean.related_stories or clean.trailing_lines (false positives): {len(wrong)}")
    for doc, rule, text in wrong[:20]:
        print(f"  {doc} {rule}: {text[:120]}")
    return 1 if wrong else 0


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3])
    else:
        sys.exit(score(sys.argv[2], sys.argv[3], sys.argv[4]))
