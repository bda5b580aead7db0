//! Near-duplicate clusters without chaining: the `[dedup.near]` settings, candidate pairs from LSH buckets,
//! verification, and the keeper-anchored clustering the cluster phase runs over verified pairs.
//!
//! Candidates are documents that share an LSH band hash ([`super::minhash`]). Every candidate pair is
//! verified — by default the exact Jaccard similarity of the two shingle sets — and only verified pairs
//! (*edges*) reach the clustering, which builds clusters around keepers, never along chains:
//!
//! 1. Documents are visited in keep-rule order — (rank, ordinal), the order exact dedup uses — so the
//!    preferred copy of a story is met first, on every run and at every thread count.
//! 2. A document not yet assigned becomes a keeper. Every unassigned document joined to it by an edge (verified
//!    against **the keeper itself**) becomes its duplicate; the others stay free.
//! 3. A duplicate is never a keeper and never pulls in documents of its own: A≈B and B≈C remove C only if
//!    C≈A. A document that is not similar to one keeper may still join a later keeper it is similar to, or
//!    become a keeper itself.
//!
//! Every removal is thus one verified pair (duplicate, keeper) with its similarity — what `ghirbal explain`
//! shows. Keepers are never verified-similar to one another, so the kept corpus holds no verified pair.
//!
//! *Clusters* are a separate, descriptive notion: the connected components of the verified pairs
//! ([`components`]). A component may hold several keepers (a story reprinted in a short and a long version,
//! with edited copies of each between them); all its documents share its `cluster_id` — the id of its first
//! document in keep-rule order, always a keeper — and `cluster_size`. Chains thus group documents for
//! analysis and up-sampling, but never remove one. In a bucket with more than `bucket_head` members, only pairs with one of its first `bucket_head`
//! members (keep-rule order) are candidates, so templated pages cost n·head comparisons, not n²/2.

use serde::{Deserialize, Serialize};

use super::minhash::{estimated_jaccard, exact_jaccard, MinHashConfig, MinHasher, Scheme};
use crate::Ordinal;

/// How candidates are verified.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verify {
    /// Exact Jaccard of the two shingle sets (default).
    #[default]
    Exact,
    /// The signature estimate only.
    Estimate,
}

/// `[dedup.near]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NearConfig {
    /// Verified similarity to the keeper at or above which a document is a near duplicate.
    pub threshold: f64,
    /// Words per shingle.
    pub ngram: usize,
    /// LSH bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Seed of the shingle hashes and permutations.
    pub seed: u64,
    /// How signature positions are computed.
    pub scheme: SchemeName,
    /// How candidates are verified.
    pub verify: Verify,
    /// Members of a large bucket every other member is compared with.
    pub bucket_head: usize,
}

/// [`Scheme`] as named in the config.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemeName {
    /// One permutation, densified.
    #[default]
    OnePermutation,
    /// k independent permutations.
    KPermutations,
}

impl Default for NearConfig {
    fn default() -> NearConfig {
        let m = MinHashConfig::default();
        NearConfig {
            threshold: 0.8,
            ngram: m.ngram,
            bands: m.bands,
            rows: m.rows,
            seed: m.seed,
            scheme: SchemeName::OnePermutation,
            verify: Verify::Exact,
            bucket_head: 64,
        }
    }
}

impl NearConfig {
    /// The signature settings.
    pub fn minhash(&self) -> MinHashConfig {
        MinHashConfig {
            scheme: match self.scheme {
                SchemeName::OnePermutation => Scheme::OnePermutation,
                SchemeName::KPermutations => Scheme::KPermutations,
            },
            ngram: self.ngram,
            bands: self.bands,
            rows: self.rows,
            seed: self.seed,
        }
    }

    /// Checks the ranges serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        let checks = [
            (
                (0.0..=1.0).contains(&self.threshold) && self.threshold > 0.0,
                "dedup.near.threshold must be in (0, 1]",
            ),
            ((1..=32).contains(&self.ngram), "dedup.near.ngram must be 1..=32"),
            ((1..=255).contains(&self.bands), "dedup.near.bands must be 1..=255"),
            ((1..=64).contains(&self.rows), "dedup.near.rows must be 1..=64"),
            (self.bucket_head >= 1, "dedup.near.bucket_head must be at least 1"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, msg)) => Err((*msg).to_owned()),
            None => Ok(()),
        }
    }
}

/// What verification needs of one document: its LSH bands, shingles and signature.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sketch {
    /// LSH band hashes, one per band (index = band).
    pub bands: Vec<u64>,
    /// Sorted, distinct shingle hashes (empty under `verify = "estimate"`).
    pub shingles: Vec<u64>,
    /// The MinHash signature.
    pub signature: Vec<u64>,
}

/// The similarities of a verified pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similarity {
    /// What the threshold is compared with (exact Jaccard, or the estimate under `verify = "estimate"`).
    pub value: f64,
    /// The signature estimate.
    pub estimate: f64,
}

/// Compares two documents; `None` when they fall below the threshold. Signatures missing from a sketch are
/// computed from its shingles (the cluster phase keeps only shingles in memory).
pub fn verify(a: &Sketch, b: &Sketch, cfg: &NearConfig, hasher: &MinHasher) -> Option<Similarity> {
    fn signature<'a>(s: &'a Sketch, hasher: &MinHasher) -> std::borrow::Cow<'a, [u64]> {
        if s.signature.is_empty() {
            std::borrow::Cow::Owned(hasher.signature(&s.shingles).unwrap_or_default())
        } else {
            std::borrow::Cow::Borrowed(&s.signature)
        }
    }
    let value = match cfg.verify {
        Verify::Exact => exact_jaccard(&a.shingles, &b.shingles),
        Verify::Estimate => estimated_jaccard(&a.signature, &b.signature),
    };
    if value < cfg.threshold {
        return None;
    }
    let estimate = estimated_jaccard(&signature(a, hasher), &signature(b, hasher));
    Some(Similarity { value, estimate })
}

/// The candidate pairs of one bucket whose members are given in keep-rule order: every pair with one of the
/// first `head` members, as (position, position).
pub fn bucket_pairs(n: usize, head: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n.min(head)).flat_map(move |i| (i + 1..n).map(move |j| (i, j)))
}

/// The lowest band two documents share, if any: a pair found in several buckets is verified only in the
/// bucket of that band.
pub fn first_shared_band(a: &[u64], b: &[u64]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x == y)
}

/// A verified pair, `a` before `b` in keep-rule order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    /// The preferred document.
    pub a: Ordinal,
    /// The other.
    pub b: Ordinal,
    /// Their similarities.
    pub similarity: Similarity,
}

/// The decision about one document that is in a cluster of two or more.
#[derive(Clone, Debug, PartialEq)]
pub enum NearDecision {
    /// Kept; it and its duplicates are `cluster_size` documents.
    Keeper {
        /// The keeper and its duplicates.
        cluster_size: u32,
    },
    /// Removed as a near duplicate of `keeper`, with their verified similarity.
    Duplicate {
        /// The keeper's ordinal (its cluster).
        keeper: Ordinal,
        /// The verified pair's similarities.
        similarity: Similarity,
    },
}

/// Looks up a document's position in `order` (None when absent).
pub fn positions(order: &[Ordinal]) -> impl Fn(Ordinal) -> Option<usize> {
    let mut positions: Vec<(Ordinal, usize)> = order.iter().enumerate().map(|(p, o)| (*o, p)).collect();
    positions.sort_unstable();
    move |o: Ordinal| positions.binary_search_by_key(&o, |x| x.0).ok().map(|i| positions[i].1)
}

/// Clusters documents from their verified edges (see the module comment). `order` lists every document that
/// has an edge, in keep-rule order. Returns a decision for each, keepers followed by their duplicates; a keeper
/// whose neighbours all went to earlier keepers has `cluster_size` 1.
pub fn star_clusters(order: &[Ordinal], edges: &[Edge]) -> Vec<(Ordinal, NearDecision)> {
    let pos_of = positions(order);
    // Adjacency in compressed rows: neighbours of each position, in keep-rule order.
    let mut pairs: Vec<(usize, usize, Similarity)> = Vec::with_capacity(edges.len() * 2);
    for e in edges {
        if let (Some(a), Some(b)) = (pos_of(e.a), pos_of(e.b)) {
            pairs.push((a, b, e.similarity));
            pairs.push((b, a, e.similarity));
        }
    }
    pairs.sort_unstable_by_key(|p| (p.0, p.1));
    pairs.dedup_by_key(|p| (p.0, p.1));
    let mut start = vec![0usize; order.len() + 1];
    for p in &pairs {
        start[p.0 + 1] += 1;
    }
    for i in 0..order.len() {
        start[i + 1] += start[i];
    }
    let mut assigned = vec![false; order.len()];
    let mut out = Vec::new();
    let mut members = Vec::new();
    for k in 0..order.len() {
        if assigned[k] {
            continue;
        }
        assigned[k] = true;
        members.clear();
        for &(_, c, similarity) in &pairs[start[k]..start[k + 1]] {
            if !assigned[c] {
                assigned[c] = true;
                members.push((c, similarity));
            }
        }
        let keeper = order[k];
        let cluster_size = members.len() as u32 + 1;
        out.push((keeper, NearDecision::Keeper { cluster_size }));
        for &(c, similarity) in &members {
            out.push((order[c], NearDecision::Duplicate { keeper, similarity }));
        }
    }
    out
}

/// The connected component of every position of `order` under `edges`, as the smallest position in it (the
/// component's first document in keep-rule order). Union by smaller root, with path halving.
pub fn components(order: &[Ordinal], edges: &[Edge]) -> Vec<usize> {
    let pos_of = positions(order);
    let mut parent: Vec<usize> = (0..order.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for e in edges {
        if let (Some(a), Some(b)) = (pos_of(e.a), pos_of(e.b)) {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            parent[hi] = lo;
        }
    }
    (0..order.len()).map(|i| find(&mut parent, i)).collect()
}

/// One document for in-memory clustering.
#[derive(Clone, Debug)]
pub struct NearDoc {
    /// Input position (ties in rank fall back to it).
    pub ordinal: Ordinal,
    /// Keep-rule rank bytes (smaller is preferred).
    pub rank: Vec<u8>,
    /// Its bands, shingles and signature.
    pub sketch: Sketch,
}

/// Counts of one clustering.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearStats {
    /// Distinct candidate pairs verified.
    pub verified: u64,
    /// Of those, pairs below the threshold (candidates verification rejected).
    pub rejected: u64,
}

/// The whole near-dup decision in memory (what the cluster phase computes over files, partition by partition),
/// for tools and tests: buckets → candidate pairs → verification → keeper-anchored clusters.
pub fn cluster(docs: &[NearDoc], cfg: &NearConfig) -> (Vec<(Ordinal, NearDecision)>, NearStats) {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by(|&a, &b| (&docs[a].rank, docs[a].ordinal).cmp(&(&docs[b].rank, docs[b].ordinal)));
    let mut records: Vec<(usize, u64, usize)> = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        for (band, hash) in docs[i].sketch.bands.iter().enumerate() {
            records.push((band, *hash, pos));
        }
    }
    records.sort_unstable();
    let mut stats = NearStats::default();
    let mut edges = Vec::new();
    let hasher = MinHasher::new(&cfg.minhash());
    for bucket in records.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
        for (i, j) in bucket_pairs(bucket.len(), cfg.bucket_head) {
            let (a, b) = (&docs[order[bucket[i].2]], &docs[order[bucket[j].2]]);
            if first_shared_band(&a.sketch.bands, &b.sketch.bands) != Some(bucket[0].0) {
                continue;
            }
            stats.verified += 1;
            match verify(&a.sketch, &b.sketch, cfg, &hasher) {
                Some(similarity) => edges.push(Edge {
                    a: a.ordinal,
                    b: b.ordinal,
                    similarity,
                }),
                None => stats.rejected += 1,
            }
        }
    }
    // Only documents with a verified pair take part, as in the cluster phase.
    let mut linked: Vec<Ordinal> = edges.iter().flat_map(|e| [e.a, e.b]).collect();
    linked.sort_unstable();
    let ordered: Vec<Ordinal> = order
        .iter()
        .map(|&i| docs[i].ordinal)
        .filter(|o| linked.binary_search(o).is_ok())
        .collect();
    (star_clusters(&ordered, &edges), stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(seq: u32, shingles: std::ops::Range<u64>, bands: &[u64]) -> NearDoc {
        NearDoc {
            ordinal: Ordinal::new(0, seq),
            rank: Vec::new(),
            sketch: Sketch {
                bands: bands.to_vec(),
                shingles: shingles.collect(),
                signature: Vec::new(),
            },
        }
    }

    fn cfg() -> NearConfig {
        NearConfig::default()
    }

    #[test]
    fn a_chain_removes_only_what_is_similar_to_the_keeper() {
        // A≈B (90/110 = 0.82), B≈C (0.82), A≉C (80/120 = 0.67); all three share a band.
        let docs = [
            doc(0, 1..101, &[7, 1]),
            doc(1, 11..111, &[7, 2]),
            doc(2, 21..121, &[7, 3]),
        ];
        let (decisions, stats) = cluster(&docs, &cfg());
        let a = Ordinal::new(0, 0);
        assert_eq!(decisions.len(), 3, "{decisions:?}");
        assert_eq!(decisions[0], (a, NearDecision::Keeper { cluster_size: 2 }));
        assert!(
            matches!(decisions[1], (o, NearDecision::Duplicate { keeper, similarity })
            if o == Ordinal::new(0, 1) && keeper == a && similarity.value >= 0.8)
        );
        // All three pairs were candidates; A–C was rejected by verification, and C is kept: B's edge to C
        // does not remove it, as B is not the keeper.
        assert_eq!(
            stats,
            NearStats {
                verified: 3,
                rejected: 1
            }
        );
        assert_eq!(
            decisions[2],
            (Ordinal::new(0, 2), NearDecision::Keeper { cluster_size: 1 })
        );
    }

    #[test]
    fn the_keeper_follows_the_keep_rule_and_input_order_does_not_matter() {
        let mut docs = vec![doc(0, 1..101, &[5]), doc(1, 1..101, &[5]), doc(2, 1..96, &[5])];
        // The third is preferred by rank (say, the earliest date).
        docs[2].rank = vec![0];
        docs[0].rank = vec![1];
        docs[1].rank = vec![1];
        let (decisions, _) = cluster(&docs, &cfg());
        let keeper = Ordinal::new(0, 2);
        assert_eq!(decisions[0], (keeper, NearDecision::Keeper { cluster_size: 3 }));
        let mut reversed = docs.clone();
        reversed.reverse();
        assert_eq!(
            cluster(&reversed, &cfg()).0,
            decisions,
            "same decisions whatever the input order"
        );
        // Below the threshold nothing clusters, and nothing is decided.
        assert!(cluster(&[doc(0, 1..101, &[5]), doc(1, 51..151, &[5])], &cfg())
            .0
            .is_empty());
    }

    #[test]
    fn large_buckets_compare_with_their_head_only_and_pairs_are_verified_once() {
        assert_eq!(bucket_pairs(4, 64).count(), 6);
        assert_eq!(bucket_pairs(10, 2).count(), 9 + 8);
        // Two documents sharing bands 1 and 2 are one candidate, verified once.
        let docs = [doc(0, 1..101, &[9, 4, 5]), doc(1, 1..101, &[8, 4, 5])];
        let (decisions, stats) = cluster(&docs, &cfg());
        assert_eq!(stats.verified, 1);
        assert_eq!(decisions.len(), 2);
        assert_eq!(first_shared_band(&[1, 2, 3], &[0, 2, 3]), Some(1));
        assert_eq!(first_shared_band(&[1], &[2]), None);
    }

    #[test]
    fn a_chain_is_one_cluster_with_two_keepers() {
        let o = |s| Ordinal::new(0, s);
        let sim = Similarity {
            value: 0.9,
            estimate: 0.9,
        };
        let edge = |a, b| Edge {
            a: o(a),
            b: o(b),
            similarity: sim,
        };
        // 0≈1, 1≈2, 2≈3 (0≉2, 1≉3): keepers 0 and 2, one component; 4≈5 is another.
        let order = [o(0), o(1), o(2), o(3), o(4), o(5)];
        let edges = [edge(0, 1), edge(1, 2), edge(2, 3), edge(4, 5)];
        let stars = star_clusters(&order, &edges);
        let keepers: Vec<Ordinal> = stars
            .iter()
            .filter(|d| matches!(d.1, NearDecision::Keeper { .. }))
            .map(|d| d.0)
            .collect();
        assert_eq!(keepers, vec![o(0), o(2), o(4)]);
        assert_eq!(components(&order, &edges), vec![0, 0, 0, 0, 4, 4]);
    }

    #[test]
    fn bad_settings_are_named() {
        let bad = NearConfig {
            threshold: 1.5,
            ..cfg()
        };
        assert!(bad.validate().expect_err("range").contains("threshold"));
        assert!(cfg().validate().is_ok());
    }
}
