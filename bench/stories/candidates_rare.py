"""More candidate pairs for the story labelled set, drawn by another signal than TF-IDF (issue #19): articles
of different outlets, at most a day apart, that share at least two rare terms (in 2–20 articles of the
corpus: names, places, figures), whatever their cosine. They undo part of the TF-IDF bias of
`candidates.py`. Pairs already in LABELS are left out.

usage: python3 bench/stories/candidates_rare.py SNN.jsonl.gz LABELS.jsonl OUT.jsonl [PAIRS]
"""
import gzip, json, random, re, sys
from collections import Counter, defaultdict
from datetime import datetime

src, labels, out, n_pairs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 120
HARAKAT = re.compile("[\u064B-\u0652\u0640]")
def words(text):
    t = HARAKAT.sub("", text)
    t = re.sub("[إأآ]", "ا", t).replace("ة", "ه").replace("ى", "ي")
    return set(re.findall(r"[\u0621-\u064A]{3,}|[0-9]{2,}", t))
done = {json.loads(l)["pair"] for l in open(labels, encoding="utf-8")}
docs = [json.loads(l) for l in gzip.open(src, "rt", encoding="utf-8")]
terms = [words(d["text"]) for d in docs]
df = Counter(t for s in terms for t in s)
index = defaultdict(list)
for i, s in enumerate(terms):
    for t in s:
        if 2 <= df[t] <= 20:
            index[t].append(i)
def day(d):
    try:
        return datetime.strptime(d["date_extracted"], "%Y-%m-%d %H:%M:%S").toordinal()
    except (KeyError, TypeError, ValueError):
        return None
shared = Counter()
for t, post in index.items():
    for a in post:
        for b in post:
            if a < b:
                shared[(a, b)] += 1
cands = [(a, b) for (a, b), k in shared.items() if k >= 2 and docs[a].get("source") != docs[b].get("source")
         and day(docs[a]) is not None and day(docs[b]) is not None and abs(day(docs[a]) - day(docs[b])) <= 1
         and f"{docs[a]['id']}|{docs[b]['id']}" not in done and f"{docs[b]['id']}|{docs[a]['id']}" not in done]
rng = random.Random(1919)
rng.shuffle(cands)
with open(out, "w", encoding="utf-8") as f:
    for a, b in cands[:n_pairs]:
        rec = {"pair": f"{docs[a]['id']}|{docs[b]['id']}", "rare_terms": shared[(a, b)]}
        for side, i in (("a", a), ("b", b)):
            d = docs[i]
            rec[side] = {"id": d["id"], "source": d.get("source"), "date": d.get("date_extracted"),
                         "title": d.get("title"), "opening": d["text"][:900]}
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
print(f"{len(cands)} candidates, {min(n_pairs, len(cands))} written")
