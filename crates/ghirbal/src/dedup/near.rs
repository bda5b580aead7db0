//! Near-duplicate clusters without chaining (issue #5; the algorithm, not yet wired into the phases).
//!
//! Candidates are documents that share an LSH band ([`super::minhash`]). Clusters are built around keepers,
//! never along chains:
//!
//! 1. Documents are visited in keep-rule order — (rank, ordinal), the order exact dedup uses — so the
//!    preferred copy of a story is met first, on every run and at every thread count.
//! 2. A document not yet assigned becomes a keeper. Every unassigned candidate of it (a document sharing one
//!    of its bands) is verified against **the keeper itself**: the exact Jaccard similarity of the two shingle
//!    sets must reach the threshold. Verified candidates become the keeper's duplicates; the others stay free.
//! 3. A duplicate is never a keeper and never pulls in documents of its own: A≈B and B≈C remove C only if
//!    C≈A. A document that failed verification against one keeper may still join a later keeper it is
//!    similar to, or become a keeper itself.
//!
//! Every removal is thus one verified pair (duplicate, keeper) with its similarity — what `ghirbal explain`
//! will show — and candidates rejected by verification are counted.

use std::collections::HashMap;

use super::minhash::exact_jaccard;
use crate::Ordinal;

/// What clustering needs of one document.
#[derive(Clone, Debug)]
pub struct NearDoc {
    /// Input position (ties in rank fall back to it).
    pub ordinal: Ordinal,
    /// Keep-rule rank bytes (smaller is preferred), as for exact dedup.
    pub rank: Vec<u8>,
    /// LSH band hashes, one per band (index = band).
    pub bands: Vec<u64>,
    /// Sorted, distinct shingle hashes.
    pub shingles: Vec<u64>,
}

/// The decision about one document that is in a cluster of two or more.
#[derive(Clone, Debug, PartialEq)]
pub enum NearDecision {
    /// Kept; its cluster has `cluster_size` documents, itself included.
    Keeper {
        /// Documents in the cluster.
        cluster_size: u32,
    },
    /// Removed as a near duplicate of `keeper`, with their verified Jaccard similarity.
    Duplicate {
        /// The keeper's ordinal (also the cluster id).
        keeper: Ordinal,
        /// Exact Jaccard similarity of the two shingle sets.
        similarity: f64,
    },
}

/// Counts of one clustering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NearStats {
    /// (keeper, candidate) pairs verified.
    pub verified: u64,
    /// Of those, pairs below the threshold (candidates verification rejected).
    pub rejected: u64,
}

/// Clusters `docs` (see the module comment); returns decisions for documents in clusters of two or more, in
/// keep-rule order, and the verification counts.
pub fn cluster(docs: &[NearDoc], threshold: f64) -> (Vec<(Ordinal, NearDecision)>, NearStats) {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by(|&a, &b| (&docs[a].rank, docs[a].ordinal).cmp(&(&docs[b].rank, docs[b].ordinal)));
    // Bucket members in keep-rule order, so that candidates are visited deterministically.
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for &i in &order {
        for (band, hash) in docs[i].bands.iter().enumerate() {
            buckets.entry((band, *hash)).or_default().push(i);
        }
    }
    let mut assigned = vec![false; docs.len()];
    let mut stats = NearStats::default();
    let mut out = Vec::new();
    let mut seen = vec![usize::MAX; docs.len()];
    for &k in &order {
        if assigned[k] {
            continue;
        }
        assigned[k] = true;
        let mut members = Vec::new();
        for (band, hash) in docs[k].bands.iter().enumerate() {
            for &c in buckets.get(&(band, *hash)).map_or(&[][..], Vec::as_slice) {
                // `seen` marks candidates already verified against this keeper (they may share many bands).
                if assigned[c] || seen[c] == k {
                    continue;
                }
                seen[c] = k;
                stats.verified += 1;
                let similarity = exact_jaccard(&docs[k].shingles, &docs[c].shingles);
                if similarity >= threshold {
                    assigned[c] = true;
                    members.push((c, similarity));
                } else {
                    stats.rejected += 1;
                }
            }
        }
        if members.is_empty() {
            continue;
        }
        let keeper = docs[k].ordinal;
        out.push((
            keeper,
            NearDecision::Keeper {
                cluster_size: members.len() as u32 + 1,
            },
        ));
        for (c, similarity) in members {
            out.push((docs[c].ordinal, NearDecision::Duplicate { keeper, similarity }));
        }
    }
    (out, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(seq: u32, shingles: std::ops::Range<u64>, bands: &[u64]) -> NearDoc {
        NearDoc {
            ordinal: Ordinal::new(0, seq),
            rank: Vec::new(),
            bands: bands.to_vec(),
            shingles: shingles.collect(),
        }
    }

    #[test]
    fn a_chain_removes_only_what_is_similar_to_the_keeper() {
        // A≈B (90/110 = 0.82), B≈C (0.82), A≉C (80/120 = 0.67); all three share a band.
        let docs = [
            doc(0, 1..101, &[7, 1]),
            doc(1, 11..111, &[7, 2]),
            doc(2, 21..121, &[7, 3]),
        ];
        let (decisions, stats) = cluster(&docs, 0.8);
        let a = Ordinal::new(0, 0);
        assert_eq!(decisions.len(), 2, "{decisions:?}");
        assert_eq!(decisions[0], (a, NearDecision::Keeper { cluster_size: 2 }));
        assert!(
            matches!(decisions[1], (o, NearDecision::Duplicate { keeper, similarity })
            if o == Ordinal::new(0, 1) && keeper == a && similarity >= 0.8)
        );
        // C was a candidate of A, rejected by verification, and is kept: not removed through B.
        assert_eq!(
            stats,
            NearStats {
                verified: 2,
                rejected: 1
            }
        );
        assert!(!decisions.iter().any(|(o, _)| *o == Ordinal::new(0, 2)));
    }

    #[test]
    fn the_keeper_follows_the_keep_rule_and_input_order_does_not_matter() {
        let mut docs = vec![doc(0, 1..101, &[5]), doc(1, 1..101, &[5]), doc(2, 1..96, &[5])];
        // The third is preferred by rank (say, the earliest date).
        docs[2].rank = vec![0];
        docs[0].rank = vec![1];
        docs[1].rank = vec![1];
        let (decisions, _) = cluster(&docs, 0.8);
        let keeper = Ordinal::new(0, 2);
        assert_eq!(decisions[0], (keeper, NearDecision::Keeper { cluster_size: 3 }));
        let mut reversed = docs.clone();
        reversed.reverse();
        assert_eq!(
            cluster(&reversed, 0.8).0,
            decisions,
            "same decisions whatever the input order"
        );
        // Below the threshold nothing clusters, and nothing is decided.
        assert!(cluster(&[doc(0, 1..101, &[5]), doc(1, 51..151, &[5])], 0.8)
            .0
            .is_empty());
    }
}
