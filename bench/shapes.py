"""Speed by the shape of the input: see shapes.sh. Arguments: WORK BIN RUNS NEWS CORPUS..."""

import gzip
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

NEWS_DOCS = 3000


def text_bytes(path):
    """Documents and UTF-8 bytes of their texts (what MB/s counts, as in compare.py)."""
    docs = size = 0
    with io.TextIOWrapper(gzip.open(path), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                docs += 1
                size += len(json.loads(line)["text"].encode("utf-8"))
    return docs, size


def news_slice(src, dst):
    """The first NEWS_DOCS articles, whole records, gzip (as a user's news file comes)."""
    with io.TextIOWrapper(gzip.open(src), encoding="utf-8") as f, gzip.open(dst, "wt", encoding="utf-8") as out:
        for n, line in enumerate(f):
            if n >= NEWS_DOCS:
                break
            out.write(line)


def run(binary, corpus, out):
    """One run on core 0, one thread: CPU-seconds, and the stats' busiest stage."""
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(["taskset", "-c", "0", binary, "run", corpus, "-o", out, "-q", "--threads", "1"], check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(os.path.join(out, "stats.json"), encoding="utf-8") as f:
        stats = json.load(f)
    totals = stats["totals"]
    if totals["docs_in"] != totals["docs_kept"] + totals["docs_removed"]:
        sys.exit(f"shapes.py: {corpus}: input != kept + removed")
    stages = {k: v.get("cpu_seconds", 0.0) for k, v in stats["stages"].items()}
    busiest = max(stages, key=stages.get)
    return cpu, wall, busiest, stages[busiest], totals["docs_kept"]


def main():
    work, binary, runs, news, corpora = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
    os.makedirs(work, exist_ok=True)
    first = os.path.join(work, f"saudinewsnet_first{NEWS_DOCS}.jsonl.gz")
    news_slice(news, first)
    builds = {"ghirbal": binary}
    if os.environ.get("GHIRBAL_BASELINE"):
        builds["baseline"] = os.environ["GHIRBAL_BASELINE"]
    rows = []
    for corpus in [first] + corpora:
        docs, size = text_bytes(corpus)
        name = os.path.basename(corpus).removesuffix(".jsonl.gz")
        cpus = {b: [] for b in builds}
        for _ in range(runs):
            for b, path in builds.items():
                cpu, _, busiest, busiest_cpu, kept = run(path, corpus, os.path.join(work, "out"))
                cpus[b].append(cpu)
                if b == "ghirbal":
                    last = (busiest, busiest_cpu, kept)
        row = {"corpus": name, "docs": docs, "text_mb": size / 1e6, "kept": last[2],
               "busiest_stage": last[0], "busiest_stage_cpu": last[1]}
        for b in builds:
            cpu = statistics.median(cpus[b])
            row[b] = {"cpu_s": cpu, "mb_per_cpu_s": size / 1e6 / cpu, "us_per_doc": cpu / docs * 1e6}
        rows.append(row)
        line = f"{name:34} {docs:7} docs {size / 1e6:6.2f} MB kept {last[2]:6}"
        for b in builds:
            r = row[b]
            line += f" | {b} {r['cpu_s']:.3f} s {r['mb_per_cpu_s']:5.1f} MB/s {r['us_per_doc']:6.1f} us/doc"
        print(line + f" | busiest {last[0]} {last[1]:.3f} s", flush=True)
    shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
    with open(os.path.join(work, "shapes.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
