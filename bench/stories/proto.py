"""A prototype of the story scores (issue #19), to calibrate before the Rust stage: SaudiNewsNet articles as
TF-IDF vectors of folded words (corpus-wide IDF), with variants — stop words out, the title and lead
weighted up, numbers and rare terms (names, places) as strong signals, a date window — scored on the labelled
pairs against the plain TF-IDF cosine baseline.

usage: python3 bench/stories/proto.py SNN.jsonl.gz bench/stories/labels.jsonl [related]
"""
import gzip, json, math, re, sys
from collections import Counter
from datetime import datetime

src, labels_path = sys.argv[1], sys.argv[2]
sys.argv = [a for a in sys.argv if a != "--stem"] + (["--stem"] if "--stem" in sys.argv else [])
HARAKAT = re.compile("[\u064B-\u0652\u0640]")
def fold(text):
    t = HARAKAT.sub("", text)
    t = re.sub("[إأآ]", "ا", t).replace("ة", "ه").replace("ى", "ي")
    return t
PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال")
STEM = "--stem" in sys.argv
def stem(w):
    """Light stemming (`--stem`): the article and the clitics joined to it, and a leading و, come off."""
    if w.isdigit():
        return w
    for p in PREFIXES:
        if w.startswith(p) and len(w) - len(p) >= 3:
            return w[len(p):]
    if w.startswith("و") and len(w) >= 5:
        return w[1:]
    return w
def words(text):
    ws = re.findall(r"[\u0621-\u064A]+|[0-9]+", fold(text))
    return [stem(w) for w in ws] if STEM else ws
stop = set()
for line in open("crates/ghirbal/src/text/stopwords_ar.txt", encoding="utf-8"):
    line = line.strip()
    if line and not line.startswith("#"):
        stop.add(fold(line))
labels = [json.loads(l) for l in open(labels_path, encoding="utf-8")]
wanted = {i for r in labels for i in r["pair"].split("|")}
docs, meta = {}, {}
all_words = []
for line in gzip.open(src, "rt", encoding="utf-8"):
    d = json.loads(line)
    lines = [l for l in d["text"].split("\n") if l.strip()]
    title = lines[0] if lines else ""
    lead = " ".join(lines[1:3])
    w = words(d["text"])
    all_words.append(set(w))
    if d["id"] in wanted:
        docs[d["id"]] = (w, words(title), words(lead))
        meta[d["id"]] = (d.get("source"), d.get("date_extracted"))
n = len(all_words)
df = Counter()
for s in all_words:
    df.update(s)
idf = {t: math.log(n / c) for t, c in df.items()}

def vec(ws, weights=None, drop_stop=False, sublinear=True):
    tf = Counter(t for t in ws if not (drop_stop and t in stop))
    v = {t: ((1 + math.log(c)) if sublinear else c) * idf.get(t, 0) for t, c in tf.items()}
    if weights:
        for t in v:
            v[t] *= weights(t)
    norm = math.sqrt(sum(x * x for x in v.values())) or 1
    return {t: x / norm for t, x in v.items()}

def cos(a, b):
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0) for t, x in a.items())

def variant_plain(i):
    return vec(docs[i][0], sublinear=False)
def variant_ghirbal(i):
    w, title, lead = docs[i]
    head = Counter(title) + Counter(lead)
    def weight(t):
        x = 1.0
        if t in head:
            x *= 1.6
        if t.isdigit() and len(t) >= 2:
            x *= 1.5
        return x
    return vec(w, weights=weight, drop_stop=True)

def days(i, j):
    f = "%Y-%m-%d %H:%M:%S"
    try:
        return abs((datetime.strptime(meta[i][1], f) - datetime.strptime(meta[j][1], f)).days)
    except (TypeError, ValueError):
        return 0

def evaluate(name, variant, window=None):
    cache = {}
    def v(i):
        if i not in cache:
            cache[i] = variant(i)
        return cache[i]
    scored = []
    for r in labels:
        a, b = r["pair"].split("|")
        s = cos(v(a), v(b))
        if window is not None and days(a, b) > window:
            s_story = 0.0
        else:
            s_story = s
        scored.append((s_story, s, r["label"]))
    best = (0, 0, 0, 0)
    for th in [x / 100 for x in range(5, 96)]:
        tp = sum(1 for s, _, l in scored if s >= th and l == "same_story")
        fp = sum(1 for s, _, l in scored if s >= th and l != "same_story")
        fn = sum(1 for s, _, l in scored if s < th and l == "same_story")
        p = tp / (tp + fp) if tp + fp else 0
        rc = tp / (tp + fn) if tp + fn else 0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0
        joined = sum(1 for s, _, l in scored if s >= th and l == "related")
        rel = sum(1 for _, _, l in scored if l == "related")
        if f1 > best[0]:
            best = (f1, th, p, rc, joined / max(rel, 1))
    print(f"{name:30s} best story F1 {best[0]:.3f} at {best[1]:.2f} (P {best[2]:.3f} R {best[3]:.3f}), "
          f"related joined {best[4]:.1%}")
    return scored

counts = Counter(r["label"] for r in labels)
print(dict(counts))
evaluate("plain tf-idf cosine", variant_plain)
evaluate("ghirbal weights", variant_ghirbal)
evaluate("ghirbal weights + 3-day window", variant_ghirbal, window=3)

def head_vec(i):
    w, title, lead = docs[i]
    return vec(title + lead, drop_stop=True)

def combined(alpha, window=3, decay=None):
    body, head = {}, {}
    def score(a, b):
        for i in (a, b):
            if i not in body:
                body[i], head[i] = variant_ghirbal(i), head_vec(i)
        s = (1 - alpha) * cos(body[a], body[b]) + alpha * cos(head[a], head[b])
        d = days(a, b)
        if decay:
            s *= math.exp(-d / decay)
        elif window is not None and d > window:
            s = 0.0
        return s
    return score

def evaluate_score(name, score):
    scored = [(score(*r["pair"].split("|")), r["label"]) for r in labels]
    best = None
    for th in [x / 100 for x in range(5, 96)]:
        tp = sum(1 for s, l in scored if s >= th and l == "same_story")
        fp = sum(1 for s, l in scored if s >= th and l != "same_story")
        fn = sum(1 for s, l in scored if s < th and l == "same_story")
        p = tp / (tp + fp) if tp + fp else 0
        rc = tp / (tp + fn) if tp + fn else 0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0
        joined = sum(1 for s, l in scored if s >= th and l == "related") / max(counts["related"], 1)
        if best is None or f1 > best[0]:
            best = (f1, th, p, rc, joined)
    print(f"{name:40s} F1 {best[0]:.3f} at {best[1]:.2f} (P {best[2]:.3f} R {best[3]:.3f}), related joined {best[4]:.1%}")

for alpha in (0.0, 0.3, 0.5):
    for window, decay in ((3, None), (2, None), (None, 4), (None, 8)):
        evaluate_score(f"head {alpha} window {window} decay {decay}", combined(alpha, window, decay))

# Related: for each document of a labelled pair, its top-k neighbours over the whole corpus by the weighted
# cosine (no date window), candidates from an inverted index over every document's 10 strongest terms.
if len(sys.argv) > 3 and sys.argv[3] == "related":
    from collections import defaultdict
    full = {}
    for line in gzip.open(src, "rt", encoding="utf-8"):
        d = json.loads(line)
        lines = [l for l in d["text"].split("\n") if l.strip()]
        full[d["id"]] = (words(d["text"]), words(lines[0] if lines else ""), words(" ".join(lines[1:3])))
    docs.update(full)
    vecs = {i: variant_ghirbal(i) for i in full}
    index = defaultdict(list)
    for i, v in vecs.items():
        for t in sorted(v, key=v.get, reverse=True)[:10]:
            index[t].append(i)
    def top(i, k):
        cands = set()
        for t in sorted(vecs[i], key=vecs[i].get, reverse=True)[:10]:
            if len(index[t]) <= 2000:
                cands.update(index[t])
        cands.discard(i)
        return sorted(((cos(vecs[i], vecs[j]), j) for j in cands), reverse=True)[:k]
    for k in (5, 10, 20):
        hit = total = 0
        tops = {}
        for r in labels:
            if r["label"] != "related":
                continue
            a, b = r["pair"].split("|")
            for x in (a, b):
                if x not in tops:
                    tops[x] = {j for _, j in top(x, k)}
            total += 1
            hit += b in tops[a] or a in tops[b]
        print(f"related recall at top-{k}: {hit / total:.3f} ({hit}/{total})")
