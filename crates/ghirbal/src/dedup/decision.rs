//! What dedup decided about one document that is in a group: the one type the `cluster` and `near-clusters`
//! steps write (through [`crate::work::decisions`]) and the `write` step reads and applies.

use super::near::Similarity;
use crate::Ordinal;

/// A dedup decision about one document of a duplicate group or near-dup cluster. Documents in no group
/// have none (they are kept as they are).
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Kept, as the keeper of its exact group (`cluster_id` None: the cluster is named by its own id) or of
    /// near-dup cluster `cluster_id`.
    Keeper {
        /// The near-dup cluster, if it is in one.
        cluster_id: Option<String>,
        /// Documents in the group or cluster, exact copies included.
        cluster_size: u32,
    },
    /// An exact copy of `keeper_id`.
    Exact {
        /// The keeper's id.
        keeper_id: String,
        /// Documents in the exact group, the keeper included.
        group_size: u32,
        /// The near-dup cluster of the keeper, with its size, when it is in one.
        cluster: Option<(String, u32)>,
        /// The keeper's ordinal when it is a document of the news archive ([`crate::archive`]).
        archived: Option<Ordinal>,
    },
    /// A verified near duplicate of `keeper_id`.
    Near {
        /// The keeper it was verified against.
        keeper_id: String,
        /// The verified pair's similarities.
        similarity: Similarity,
        /// The cluster.
        cluster_id: String,
        /// Documents in the cluster, exact copies included.
        cluster_size: u32,
        /// The keeper's ordinal when it is a document of the news archive ([`crate::archive`]).
        archived: Option<Ordinal>,
    },
}

/// Merges a shard's exact decisions and near decisions (each sorted by sequence number): a near decision
/// replaces the exact keeper decision of the same document, and an exact copy keeps its exact decision but
/// learns the near cluster of its keeper (which the near step records as a keeper decision for it).
pub fn merge(exact: Vec<(u32, Decision)>, near: Vec<(u32, Decision)>) -> Vec<(u32, Decision)> {
    let mut all = exact;
    all.extend(near);
    // Stable: for one sequence number the near decision (pushed last) comes last.
    all.sort_by_key(|(seq, _)| *seq);
    let mut merged: Vec<(u32, Decision)> = Vec::with_capacity(all.len());
    for (seq, decision) in all {
        match (merged.last_mut(), decision) {
            (
                Some((last, Decision::Exact { cluster, .. })),
                Decision::Keeper {
                    cluster_id,
                    cluster_size,
                },
            ) if *last == seq => *cluster = cluster_id.map(|id| (id, cluster_size)),
            (Some((last, slot)), decision) if *last == seq => *slot = decision,
            (_, decision) => merged.push((seq, decision)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_decisions_win_and_exact_copies_learn_their_cluster() {
        let exact = vec![
            (
                1,
                Decision::Keeper {
                    cluster_id: None,
                    cluster_size: 2,
                },
            ),
            (
                2,
                Decision::Exact {
                    keeper_id: "a".into(),
                    group_size: 2,
                    cluster: None,
                    archived: None,
                },
            ),
        ];
        let sim = Similarity {
            value: 0.9,
            estimate: 0.88,
        };
        let near = vec![
            (
                1,
                Decision::Keeper {
                    cluster_id: Some("a".into()),
                    cluster_size: 3,
                },
            ),
            (
                2,
                Decision::Keeper {
                    cluster_id: Some("a".into()),
                    cluster_size: 3,
                },
            ),
            (
                5,
                Decision::Near {
                    keeper_id: "a".into(),
                    similarity: sim,
                    cluster_id: "a".into(),
                    cluster_size: 3,
                    archived: None,
                },
            ),
        ];
        let merged = merge(exact, near);
        assert_eq!(merged.len(), 3);
        assert_eq!(
            merged[0].1,
            Decision::Keeper {
                cluster_id: Some("a".into()),
                cluster_size: 3
            }
        );
        assert_eq!(
            merged[1].1,
            Decision::Exact {
                keeper_id: "a".into(),
                group_size: 2,
                cluster: Some(("a".into(), 3)),
                archived: None,
            }
        );
        assert!(matches!(merged[2], (5, Decision::Near { .. })));
    }
}
