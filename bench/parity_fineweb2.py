"""datatrove's side of bench/parity_fineweb2.sh, and the comparison.

`run`: applies datatrove 0.10.1's GopherRepetitionFilter, FineWebQualityFilter and GopherQualityFilter with
FineWeb-2's arb_Arab settings (in FineWeb-2's order) to every document of a JSONL(.gz) file, and writes one
line per document: id, keep, reason. The filters' CPU time is measured around the filter calls only.

`compare`: reads that file and ghirbal's kept/ and removed/ parts, prints the agreement of the keep/remove
decisions, the disagreement classes, and writes the disagreeing ids for inspection.
"""

import glob
import gzip
import io
import json
import sys
import time
from collections import Counter

# FineWeb-2's configs/arb_Arab.yml (thresholds and stop words), as its pipeline passes them.
ARB_ARAB = {
    "dup_line_frac": 0.304,
    "top_n_grams": [[2, 0.197], [3, 0.172], [4, 0.146]],
    "dup_n_grams": [[5, 0.165], [6, 0.153], [7, 0.142], [8, 0.131], [9, 0.12], [10, 0.109]],
    "line_punct_thr": 0.143,
    "new_line_ratio": 0.189,
    "max_avg_word_length": 9,
    "min_avg_word_length": 2,
    "max_non_alpha_words_ratio": 0.787,
    "stopwords": ["،", "في", "من", "على", "إلى", "عام", "أن", "مع", "أو", "هو", "عن", "التي", "كان", "بين", "ما",
                  "كانت", "هي", "المتحدة", "بعد"],
}


def open_text(path):
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8")
    return open(path, encoding="utf-8")


def filters():
    from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

    c, lang = ARB_ARAB, "arb_Arab"
    return [
        ("gopher_repetition", GopherRepetitionFilter(
            language=lang, dup_para_frac=0, dup_line_char_frac=0, dup_para_char_frac=0,
            dup_line_frac=c["dup_line_frac"], top_n_grams=c["top_n_grams"], dup_n_grams=c["dup_n_grams"])),
        ("fineweb_quality", FineWebQualityFilter(
            language=lang, short_line_thr=999, char_duplicates_ratio=0.1,
            line_punct_thr=c["line_punct_thr"], new_line_ratio=c["new_line_ratio"])),
        ("gopher_quality", GopherQualityFilter(
            language=lang, max_avg_word_length=c["max_avg_word_length"],
            min_avg_word_length=c["min_avg_word_length"], stop_words=c["stopwords"],
            max_non_alpha_words_ratio=c["max_non_alpha_words_ratio"], min_stop_words=2)),
    ]


def run(inp, out):
    from datatrove.data import Document

    chain = filters()
    docs = [json.loads(line) for line in open_text(inp) if line.strip()]
    # Warm up spaCy (model construction is not filtering).
    chain[0][1].filter(Document(text="تجربة قصيرة", id="warm"))
    cpu, size = 0.0, 0
    with open(out, "w", encoding="utf-8") as f:
        for d in docs:
            doc = Document(text=d["text"], id=d["id"])
            size += len(d["text"].encode("utf-8"))
            started = time.process_time()
            verdict = (True, "")
            for name, flt in chain:
                r = flt.filter(doc)
                if r is not True:
                    verdict = (False, f"{name}.{r[1] if isinstance(r, tuple) else ''}")
                    break
            cpu += time.process_time() - started
            f.write(json.dumps({"id": d["id"], "keep": verdict[0], "reason": verdict[1]}, ensure_ascii=False) + "\n")
    print(json.dumps({"docs": len(docs), "bytes": size, "cpu_seconds": round(cpu, 2),
                      "mb_per_cpu_second": round(size / 1e6 / cpu, 2)}))


def read_parts(pattern):
    for path in sorted(glob.glob(pattern)):
        for line in open_text(path):
            if line.strip():
                yield json.loads(line)


def short(reason):
    """datatrove's and ghirbal's reasons in one vocabulary: filter.rule."""
    reason = reason.removeprefix("filter.")
    name, _, rule = reason.partition(".")
    rule = rule.removeprefix("gopher_").replace("below_avg_threshold", "below_avg_word_length")
    rule = rule.replace("above_avg_threshold", "above_avg_word_length").replace("enough_stop_words",
                                                                                 "not_enough_stop_words")
    rule = rule.replace("below_alpha_threshold", "below_alpha_words").replace("not_not_", "not_")
    return f"{name}.{rule}"


def compare(datatrove_file, ghirbal_out, disagreements_file):
    dt = {r["id"]: r for r in read_parts(datatrove_file)}
    gh = {}
    for r in read_parts(f"{ghirbal_out}/kept/*.jsonl"):
        gh[r["id"]] = (True, "")
    for r in read_parts(f"{ghirbal_out}/removed/*.jsonl"):
        gh[r["id"]] = (False, r["reason"])
    assert set(dt) == set(gh), f"different documents: {len(set(dt) ^ set(gh))}"
    same_decision = sum(dt[i]["keep"] == gh[i][0] for i in dt)
    same_reason = sum(dt[i]["keep"] == gh[i][0] and short(dt[i]["reason"]) == short(gh[i][1]) if dt[i]["reason"]
                      else dt[i]["keep"] == gh[i][0] for i in dt)
    classes = Counter()
    with open(disagreements_file, "w", encoding="utf-8") as f:
        for i in sorted(dt):
            if dt[i]["keep"] != gh[i][0]:
                key = (short(dt[i]["reason"]) if dt[i]["reason"] else "kept",
                       short(gh[i][1]) if gh[i][1] else "kept")
                classes[key] += 1
                f.write(json.dumps({"id": i, "datatrove": key[0], "ghirbal": key[1]}, ensure_ascii=False) + "\n")
    n = len(dt)
    removed_dt = sum(not r["keep"] for r in dt.values())
    removed_gh = sum(not k for k, _ in gh.values())
    print(f"documents: {n}; removed by datatrove: {removed_dt}, by ghirbal --preset fineweb2: {removed_gh}")
    print(f"same keep/remove decision: {same_decision} ({100 * same_decision / n:.2f}%)")
    print(f"same decision and same first failing rule: {same_reason} ({100 * same_reason / n:.2f}%)")
    print("disagreements (datatrove -> ghirbal):")
    for (a, b), c in classes.most_common():
        print(f"  {c:6}  {a} -> {b}")
    return same_decision / n


def tokens(slice_file, ghirbal_tokens_file, limit):
    """Token-level agreement: spaCy's tokens (via datatrove) against ghirbal's, document by document."""
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    tok = load_word_tokenizer("arb_Arab")
    same_docs = n = same_count = 0
    diffs = Counter()
    mine = open(ghirbal_tokens_file, encoding="utf-8")
    for line, ours in zip(open_text(slice_file), mine):
        if n >= limit:
            break
        n += 1
        theirs = tok.word_tokenize(json.loads(line)["text"])
        ours = ours.rstrip("\n").split("\x1f") if ours.strip() else []
        same_docs += theirs == ours
        same_count += len(theirs) == len(ours)
        if theirs != ours:
            a, b = Counter(theirs), Counter(ours)
            for t in (a - b) + (b - a):
                diffs[t] += 1
    print(f"documents with identical tokens: {same_docs} of {n} ({100 * same_docs / n:.2f}%); "
          f"same token count: {same_count} ({100 * same_count / n:.2f}%)")
    print("tokens most often in one list and not the other:", ", ".join(f"{t!r}×{c}" for t, c in diffs.most_common(15)))


if __name__ == "__main__":
    if sys.argv[1] == "tokens":
        tokens(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
