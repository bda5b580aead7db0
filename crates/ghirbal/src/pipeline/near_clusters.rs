//! Step `near-clusters` (one task): every partition's verified near-dup pairs → keeper-anchored clusters
//! ([`crate::dedup::near::star_clusters`]) → the decisions by shard ([`crate::work::decisions`]) for the write
//! step. Exact copies of a clustered document learn its cluster (their decision stays `dedup.exact`).
//!
//! Memory: every verified pair (about 40 bytes) and the documents they join — the documents that have a
//! near duplicate, not the corpus.

use serde::{Deserialize, Serialize};

use super::cluster::{Cluster, ExactInfo};
use super::near::NearPartitionStats;
use crate::dedup::near::{components, positions, star_clusters, NearDecision};
use crate::dedup::Decision;
use crate::work::decisions;
use crate::work::edges::{self, EdgeDoc};
use crate::work::sections::Kind;
use crate::work::{json, Layout, Step};
use crate::{Error, Ordinal, Result};

/// What the clustering task found, saved as `work/stats/near-clusters/00000.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct NearClusterStats {
    /// Verified pairs.
    pub edges: u64,
    /// Clusters of two or more.
    pub clusters: u64,
    /// Documents removed (or annotated) as near duplicates.
    pub duplicates: u64,
    /// The largest cluster (exact copies of its members included).
    pub largest_cluster: u64,
}

/// Step `near-clusters`: the clustering task, unless its marker is there.
pub(crate) fn run(cx: &Cluster<'_>) -> Result<()> {
    if cx.layout.is_done(Step::NearClusters, 0) {
        return Ok(());
    }
    let exact = ExactInfo::load(cx.layout, cx.config.run.partitions, cx.shards)?;
    let (mut docs, mut pairs) = (Vec::new(), Vec::new());
    for p in 0..cx.config.run.partitions {
        edges::read(&cx.layout.edges(p), &mut docs, &mut pairs)?;
    }
    let (decided, stats) = cluster(docs, pairs, &exact, &cx.layout.clusters())?;
    decisions::write(&cx.layout.clusters(), Kind::NearDecisions, &decided, &[])?;
    json::write(&cx.layout.task_stats(Step::NearClusters, 0), &stats)?;
    cx.layout.mark_done(Step::NearClusters, 0)
}

/// The decisions, sorted by ordinal, and the counts.
fn cluster(
    mut docs: Vec<EdgeDoc>,
    mut pairs: Vec<crate::dedup::near::Edge>,
    exact: &ExactInfo,
    path: &std::path::Path,
) -> Result<(Vec<(Ordinal, Decision)>, NearClusterStats)> {
    docs.sort_by(|a, b| (&a.rank, a.ordinal).cmp(&(&b.rank, b.ordinal)));
    docs.dedup_by_key(|d| d.ordinal);
    // Pairs from different partitions are distinct; sort them so the adjacency is order-free.
    pairs.sort_by_key(|e| (e.a, e.b));
    let order: Vec<Ordinal> = docs.iter().map(|d| d.ordinal).collect();
    let ids: Vec<String> = docs.into_iter().map(|d| d.id).collect();
    let pos_of = positions(&order);
    let component = components(&order, &pairs);
    // A member stands for its exact copies too: cluster sizes count them.
    let mut sizes = vec![0u32; order.len()];
    for (pos, root) in component.iter().enumerate() {
        sizes[*root] += exact.size(order[pos]);
    }
    let missing = |o: Ordinal| Error::Corrupt {
        path: path.to_owned(),
        message: format!("a pair joins document {o:?}, which no edges file lists"),
    };
    let cluster_of = |o: Ordinal| -> Result<(String, u32)> {
        let root = component[pos_of(o).ok_or_else(|| missing(o))?];
        Ok((ids[root].clone(), sizes[root]))
    };
    let mut stats = NearClusterStats {
        edges: pairs.len() as u64,
        largest_cluster: sizes.iter().copied().max().map_or(0, u64::from),
        clusters: component.iter().enumerate().filter(|(p, r)| *p == **r).count() as u64,
        ..Default::default()
    };
    let mut out = Vec::new();
    for (o, d) in star_clusters(&order, &pairs) {
        let (cluster_id, cluster_size) = cluster_of(o)?;
        out.push((
            o,
            match d {
                NearDecision::Keeper { .. } => Decision::Keeper {
                    cluster_id: Some(cluster_id),
                    cluster_size,
                },
                NearDecision::Duplicate { keeper, similarity } => {
                    stats.duplicates += 1;
                    Decision::Near {
                        keeper_id: ids[pos_of(keeper).ok_or_else(|| missing(keeper))?].clone(),
                        similarity,
                        cluster_id,
                        cluster_size,
                    }
                }
            },
        ));
    }
    // Exact copies of a clustered document learn its cluster (their decision stays `dedup.exact`).
    let mut by_id: Vec<(&str, Ordinal)> = ids.iter().map(String::as_str).zip(order.iter().copied()).collect();
    by_id.sort_unstable();
    for (copy, keeper_id) in &exact.duplicates {
        if let Ok(i) = by_id.binary_search_by_key(&keeper_id.as_str(), |x| x.0) {
            let (cluster_id, cluster_size) = cluster_of(by_id[i].1)?;
            out.push((
                Ordinal(*copy),
                Decision::Keeper {
                    cluster_id: Some(cluster_id),
                    cluster_size,
                },
            ));
        }
    }
    out.sort_unstable_by_key(|(o, _)| *o);
    Ok((out, stats))
}

/// The near-dup decisions about documents of `shard`, sorted by sequence number (empty without near dedup:
/// with it on, the file must be there).
pub(crate) fn decisions_of_shard(layout: &Layout, near_on: bool, shard: u32) -> Result<Vec<(u32, Decision)>> {
    if !near_on {
        return Ok(Vec::new());
    }
    decisions::read(&layout.clusters(), Kind::NearDecisions, shard)
}

/// The near steps' counts: the clustering task's and the sum of the partition tasks'.
pub(crate) fn stats(layout: &Layout, partitions: u32) -> Result<(NearClusterStats, NearPartitionStats)> {
    let mut sum = NearPartitionStats::default();
    for p in 0..partitions {
        let s: NearPartitionStats = json::read(&layout.task_stats(Step::Near, p))?;
        sum.band_records += s.band_records;
        sum.buckets += s.buckets;
        sum.verified += s.verified;
        sum.rejected += s.rejected;
        sum.sort_runs += s.sort_runs;
        sum.sketch_chunks += s.sketch_chunks;
    }
    Ok((json::read(&layout.task_stats(Step::NearClusters, 0))?, sum))
}
