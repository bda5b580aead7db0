"""datatrove 0.10.1's MinHash deduplication, its four stages as its README runs them, for bench/compare.sh:
signatures → buckets → clusters → filter, 14 buckets × 8 hashes over word 5-grams, Arabic word tokenizer,
one task and one worker (the benchmark pins it to one core). Writes {"id", "duplicate_of"} for every removed
document (duplicate_of: the kept document of its cluster).

usage: python datatrove_minhash.py CORPUS.jsonl WORK_DIR OUT_DUPS.jsonl
"""
import json
import os
import sys


def main():
    corpus, work, out = sys.argv[1], sys.argv[2], sys.argv[3]
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.typeshelper import Languages

    config = MinhashConfig(hash_config=HashConfig(precision=64), num_buckets=14, hashes_per_bucket=8, n_grams=5)
    folder, name = os.path.dirname(os.path.abspath(corpus)), os.path.basename(corpus)

    def reader():
        return JsonlReader(folder, glob_pattern=name, compression=None)

    def run(pipeline, logs, tasks=1):
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1, logging_dir=f"{work}/logs/{logs}").run()

    run([reader(), MinhashDedupSignature(f"{work}/sigs", config=config, language=Languages.arabic)], "sigs")
    # The bucket stage runs one task per bucket (datatrove requires it), one after the other.
    run([MinhashDedupBuckets(f"{work}/sigs", f"{work}/buckets", config=config)], "buckets", tasks=14)
    run([MinhashDedupCluster(f"{work}/buckets", f"{work}/remove", config=config, save_cluster_id=True)], "clusters")
    run([reader(),
         MinhashDedupFilter(f"{work}/remove", exclusion_writer=JsonlWriter(f"{work}/removed", compression=None),
                            load_cluster_ids=True),
         JsonlWriter(f"{work}/kept", compression=None)], "filter")

    def docs(sub):
        for fname in sorted(os.listdir(f"{work}/{sub}")):
            with open(f"{work}/{sub}/{fname}", encoding="utf-8") as f:
                for line in f:
                    d = json.loads(line)
                    yield d["id"], d.get("metadata", {}).get("minhash_cluster_id", -1)

    keeper = {c: i for i, c in docs("kept") if c != -1}
    removed = 0
    with open(out, "w", encoding="utf-8") as f:
        if os.path.isdir(f"{work}/removed"):
            for i, c in docs("removed"):
                removed += 1
                f.write(json.dumps({"id": i, "duplicate_of": keeper.get(c)}) + "\n")
    print(json.dumps({"tool": "datatrove-minhash", "removed": removed}))


if __name__ == "__main__":
    main()
