"""MinHash-LSH near-dup removal the way datasketch and rensa users run it, for bench/compare.sh.

Shingles: word 5-grams of the lowercased, whitespace-split text (one shingle of all words when a document has
fewer than five); 128 permutations; LSH at threshold 0.8. Documents are visited in input order: a document
with an LSH candidate among those already kept is removed as its duplicate (the first candidate in kept
order), else it is inserted and kept — no verification, as the libraries' own examples do.

usage: python lsh_python.py datasketch|rensa CORPUS.jsonl OUT_DUPS.jsonl
"""
import json
import sys


def shingles(text):
    words = text.lower().split()
    if len(words) < 5:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + 5]) for i in range(len(words) - 4)]


def datasketch_factory():
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.8, num_perm=128)

    def sign(sh):
        m = MinHash(num_perm=128)
        for s in sh:
            m.update(s.encode("utf-8"))
        return m

    return sign, lsh.query, lsh.insert


def rensa_factory():
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)

    def sign(sh):
        m = RMinHash(num_perm=128, seed=42)
        m.update(sh)
        return m

    return sign, lsh.query, lsh.insert


def main():
    tool, corpus, out = sys.argv[1], sys.argv[2], sys.argv[3]
    sign, query, insert = {"datasketch": datasketch_factory, "rensa": rensa_factory}[tool]()
    ids = []
    removed = 0
    with open(corpus, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as dups:
        for line in f:
            doc = json.loads(line)
            sh = shingles(doc["text"])
            if not sh:
                continue
            m = sign(sh)
            key = len(ids)
            found = sorted(query(m))
            if found:
                removed += 1
                dups.write(json.dumps({"id": doc["id"], "duplicate_of": ids[found[0]]}) + "\n")
                continue
            ids.append(doc["id"])
            insert(key, m)
    print(json.dumps({"tool": tool, "removed": removed}))


if __name__ == "__main__":
    main()
