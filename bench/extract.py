"""Scores ghirbal's and trafilatura's main-text extraction on the Arabic pages against the gold (extract.sh)."""
import collections, json, os, shutil, subprocess, sys, tempfile, time, unicodedata

import trafilatura

ghirbal, web, gold_dir = sys.argv[1:4]
PAGES = [("goose3-test_cnn_arabic.html", "cnn_arabic"), ("trafilatura-assabah.com.tn.article.html", "assabah")]


def bag(text):
    words = ("".join(c for c in w if not unicodedata.category(c).startswith("P")) for w in text.split())
    return collections.Counter(w for w in words if w)


def score(gold, got):
    g, e = bag(gold), bag(got)
    common = sum((g & e).values())
    p, r = common / max(1, sum(e.values())), common / max(1, sum(g.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def ghirbal_texts():
    """Runs ghirbal once over a folder of the pages with no stage (extraction only); text by page, ms/page."""
    tmp = tempfile.mkdtemp()
    try:
        os.mkdir(f"{tmp}/pages")
        for name, _ in PAGES:
            shutil.copy(f"{web}/{name}", f"{tmp}/pages/{name}")
        runs = []
        for _ in range(5):
            shutil.rmtree(f"{tmp}/out", ignore_errors=True)
            start = time.process_time()
            t0 = os.times()
            subprocess.run([ghirbal, "run", f"{tmp}/pages", "-o", f"{tmp}/out", "--stages", "dedup.exact", "--threads", "1",
                            "--compression", "none"], check=True, capture_output=True)
            t1 = os.times()
            runs.append((t1.children_user + t1.children_system) - (t0.children_user + t0.children_system))
        texts = {}
        for part in os.listdir(f"{tmp}/out/kept"):
            for line in open(f"{tmp}/out/kept/{part}", encoding="utf-8"):
                d = json.loads(line)
                texts[d["id"] + ".html"] = d["text"]
        return texts, sorted(runs)[2] * 1000 / len(PAGES)
    finally:
        shutil.rmtree(tmp)


def trafilatura_datatrove(html):
    # datatrove's Trafilatura extractor: favour precision, no comments, deduplicate.
    return trafilatura.extract(html, favor_precision=True, include_comments=False, deduplicate=True) or ""


def trafilatura_default(html):
    return trafilatura.extract(html) or ""


texts, ghirbal_ms = ghirbal_texts()
print(f"| page | gold words | tool | precision | recall | F1 |")
print("|---|---|---|---|---|---|")
for name, gold in PAGES:
    gold_text = open(f"{gold_dir}/{gold}.gold.txt", encoding="utf-8").read()
    html = open(f"{web}/{name}", encoding="utf-8").read()
    start = time.process_time()
    for _ in range(5):
        traf = trafilatura_datatrove(html)
    traf_ms = (time.process_time() - start) * 1000 / 5
    n = sum(bag(gold_text).values())
    version = trafilatura.__version__
    for tool, got in (("ghirbal", texts.get(name, "")),
                      (f"trafilatura {version}, datatrove's settings", traf),
                      (f"trafilatura {version}, defaults", trafilatura_default(html))):
        p, r, f = score(gold_text, got)
        print(f"| {gold} | {n} | {tool} | {p:.3f} | {r:.3f} | **{f:.3f}** |")
    print(f"<!-- {gold}: trafilatura {traf_ms:.1f} ms/page -->")
print(f"\nghirbal: {ghirbal_ms:.1f} ms of CPU per page for the whole run (process start included), median of 5")
