"""Candidate pairs for the story labelled set (issue #19): SaudiNewsNet articles paired by a plain TF-IDF
cosine of their words, stratified so that every band of similarity is represented (high: likely the same
story; middle: likely related; low: likely different). Near-copies (word 5-gram Jaccard >= 0.8, dedup's
domain) are left out. Writes one JSON line per pair with both articles' id, source, date, title and opening
(for the people or helpers who label them); the labels are kept apart, as ids only.

usage: python3 bench/stories/candidates.py SNN.jsonl.gz OUT.jsonl [PAIRS_PER_BAND]
"""
import gzip, json, math, random, re, sys
from collections import Counter, defaultdict

src, out, per_band = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 60
HARAKAT = re.compile("[\u064B-\u0652\u0640]")
def words(text):
    t = HARAKAT.sub("", text)
    t = re.sub("[إأآ]", "ا", t).replace("ة", "ه").replace("ى", "ي")
    return re.findall(r"[\u0621-\u064A0-9]+", t)

docs = []
for line in gzip.open(src, "rt", encoding="utf-8"):
    d = json.loads(line)
    w = words(d["text"])
    if len(w) >= 40:
        docs.append((d, w))
df = Counter()
for _, w in docs:
    df.update(set(w))
n = len(docs)
idf = {t: math.log(n / c) for t, c in df.items() if c >= 2}
vecs = []
for _, w in docs:
    tf = Counter(t for t in w if t in idf)
    v = {t: (1 + math.log(c)) * idf[t] for t, c in tf.items()}
    norm = math.sqrt(sum(x * x for x in v.values())) or 1
    vecs.append({t: x / norm for t, x in v.items()})
# Candidates: documents sharing one of their 8 strongest terms (an inverted index over top terms).
top = [sorted(v, key=v.get, reverse=True)[:8] for v in vecs]
index = defaultdict(list)
for i, ts in enumerate(top):
    for t in ts:
        index[t].append(i)
rng = random.Random(19)
def cos(a, b):
    va, vb = vecs[a], vecs[b]
    if len(va) > len(vb):
        va, vb = vb, va
    return sum(x * vb.get(t, 0) for t, x in va.items())
def shingles(w):
    return {" ".join(w[i:i + 5]) for i in range(len(w) - 4)}
bands = {(0.6, 1.01): [], (0.45, 0.6): [], (0.3, 0.45): [], (0.18, 0.3): [], (0.0, 0.18): []}
seen = set()
postings = [p for p in index.values() if 2 <= len(p) <= 400]
tries = 0
while any(len(v) < per_band * 4 for k, v in bands.items() if k[0] > 0) and tries < 400000:
    tries += 1
    p = rng.choice(postings)
    a, b = rng.sample(p, 2)
    key = (min(a, b), max(a, b))
    if key in seen:
        continue
    seen.add(key)
    c = cos(a, b)
    for (lo, hi), v in bands.items():
        if lo <= c < hi and lo > 0:
            v.append((key, c))
while len(bands[(0.0, 0.18)]) < per_band:
    a, b = rng.sample(range(n), 2)
    bands[(0.0, 0.18)].append(((min(a, b), max(a, b)), cos(a, b)))
with open(out, "w", encoding="utf-8") as f:
    for (lo, hi), v in bands.items():
        rng.shuffle(v)
        kept = 0
        for (a, b), c in v:
            if kept >= per_band:
                break
            sa, sb = shingles(docs[a][1]), shingles(docs[b][1])
            if sa and sb and len(sa & sb) / len(sa | sb) >= 0.8:
                continue
            kept += 1
            rec = {"pair": f"{docs[a][0]['id']}|{docs[b][0]['id']}", "band": f"{lo}-{min(hi, 1.0)}",
                   "tfidf": round(c, 4)}
            for side, i in (("a", a), ("b", b)):
                d = docs[i][0]
                rec[side] = {"id": d["id"], "source": d.get("source"), "date": d.get("date_extracted"),
                             "title": d.get("title"), "opening": d["text"][:900]}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
