//! Step `near-clusters` (one task): every partition's verified near-dup pairs → keeper-anchored clusters
//! ([`crate::dedup::near::star_clusters`]) → the decisions by shard ([`crate::work::decisions`]) for the write
//! step. Exact copies of a clustered document learn its cluster (their decision stays `dedup.exact`).
//!
//! Memory: the pairs stream through an external sort bounded by `--memory-budget` (they spill to
//! `work/near/sort/clusters/`); what stays in memory is per document that has a pair — its ordinal, id and
//! position, its component and keeper (about 60 bytes and the id) — and the exact decisions (the copies'
//! keeper ids), not the corpus and not the pairs.

use serde::{Deserialize, Serialize};

use super::cluster::{Cluster, ExactInfo};
use super::near::NearPartitionStats;
use crate::archive::is_archived;
use crate::dedup::keep::keep_order;
use crate::dedup::near::Similarity;
use crate::dedup::Decision;
use crate::text::OrdinalMap;
use crate::work::decisions;
use crate::work::edges;
use crate::work::sections::Kind;
use crate::work::sort::{SortedRecords, Sorter};
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
    /// Peak resident memory of the process when the task ended (the task's own when it ran alone,
    /// `--phase near-clusters`).
    #[serde(default)]
    pub peak_rss_bytes: u64,
}

/// Step `near-clusters`: the clustering task, unless its marker is there.
pub(crate) fn run(cx: &Cluster<'_>) -> Result<()> {
    if cx.layout.is_done(Step::NearClusters, 0) {
        return Ok(());
    }
    tracing::info!("near-clusters step");
    let exact = ExactInfo::load(cx.layout, cx.config.run.partitions, cx.shards)?;
    let docs = Docs::load(cx)?;
    let budget = cx.config.run.memory_budget_bytes()?;
    let (decided, mut stats) = cluster(cx, &docs, &exact, budget)?;
    stats.peak_rss_bytes = crate::stats::peak_rss();
    decisions::write(&cx.layout.clusters(), Kind::NearDecisions, &decided, &[])?;
    json::write_behind(&cx.layout.task_stats(Step::NearClusters, 0), &stats)?;
    cx.layout.mark_done(Step::NearClusters, 0)
}

/// The documents that have a verified pair, in keep-rule order: what the clustering holds per document
/// (about 60 bytes and the id); the pairs themselves stream through an external sort.
struct Docs {
    order: Vec<Ordinal>,
    ids: Vec<String>,
    /// Ordinal → position.
    index: OrdinalMap<u32>,
}

impl Docs {
    fn load(cx: &Cluster<'_>) -> Result<Docs> {
        let mut docs = Vec::new();
        for p in 0..cx.config.run.partitions {
            edges::read_docs(&cx.layout.edges(p), &mut docs)?;
        }
        docs.sort_by(|a, b| keep_order(&a.rank, a.ordinal).cmp(&keep_order(&b.rank, b.ordinal)));
        docs.dedup_by_key(|d| d.ordinal);
        let order: Vec<Ordinal> = docs.iter().map(|d| d.ordinal).collect();
        let ids = docs.into_iter().map(|d| d.id).collect();
        let index = order.iter().enumerate().map(|(p, o)| (o.0, p as u32)).collect();
        Ok(Docs { order, ids, index })
    }

    fn position(&self, o: Ordinal, path: &std::path::Path) -> Result<u32> {
        self.index.get(&o.0).copied().ok_or_else(|| Error::Corrupt {
            path: path.to_owned(),
            message: format!("a pair joins document {o:?}, which no edges file lists"),
        })
    }
}

/// Union-find over positions: each component's root is its first document in keep-rule order.
fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

/// The decisions, sorted by ordinal, and the counts. Pairs go once through union-find (the components:
/// cluster ids and sizes) and into a sort by (first, second) position, which the keeper assignment then
/// reads in order: a document not yet assigned when its turn comes is a keeper, and takes every later,
/// unassigned neighbour as its duplicate.
fn cluster(
    cx: &Cluster<'_>,
    docs: &Docs,
    exact: &ExactInfo,
    budget: u64,
) -> Result<(Vec<(Ordinal, Decision)>, NearClusterStats)> {
    let n = docs.order.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    // A quarter of the budget: the buffer's last growth holds it and half of it again for a moment, and one
    // partition's pairs and the per-document state take the rest.
    let mut sorter = Sorter::<3>::new(budget / 4, 0, &cx.layout.work.join("near/sort/clusters"));
    let mut edges = 0u64;
    for p in 0..cx.config.run.partitions {
        let path = cx.layout.edges(p);
        edges::for_each_pair(&path, |e| {
            let (a, b) = (docs.position(e.a, &path)?, docs.position(e.b, &path)?);
            let (lo, hi) = (a.min(b), a.max(b));
            let (ra, rb) = (find(&mut parent, lo), find(&mut parent, hi));
            parent[ra.max(rb) as usize] = ra.min(rb);
            edges += 1;
            sorter.push_record([
                u64::from(lo) << 32 | u64::from(hi),
                e.similarity.value.to_bits(),
                e.similarity.estimate.to_bits(),
            ])
        })?;
    }
    // A member stands for its exact copies too: cluster sizes count them.
    let root: Vec<u32> = (0..n as u32).map(|x| find(&mut parent, x)).collect();
    drop(parent);
    let mut sizes = vec![0u32; n];
    for (pos, r) in root.iter().enumerate() {
        sizes[*r as usize] += exact.size(docs.order[pos]);
    }
    let mut stats = NearClusterStats {
        edges,
        largest_cluster: sizes.iter().copied().max().map_or(0, u64::from),
        clusters: root.iter().enumerate().filter(|(p, r)| *p as u32 == **r).count() as u64,
        ..Default::default()
    };
    let keeper_of = assign_keepers(n, sorter.finish_records()?)?;
    let cluster_of = |pos: usize| (docs.ids[root[pos] as usize].clone(), sizes[root[pos] as usize]);
    let mut out = Vec::with_capacity(n);
    for (pos, assigned) in keeper_of.iter().enumerate() {
        let (cluster_id, cluster_size) = cluster_of(pos);
        let decision = match assigned {
            None => Decision::Keeper {
                cluster_id: Some(cluster_id),
                cluster_size,
            },
            Some((keeper, similarity)) => {
                stats.duplicates += 1;
                let keeper_ordinal = docs.order[*keeper as usize];
                Decision::Near {
                    keeper_id: docs.ids[*keeper as usize].clone(),
                    similarity: *similarity,
                    cluster_id,
                    cluster_size,
                    archived: is_archived(keeper_ordinal).then_some(keeper_ordinal),
                }
            }
        };
        // An archived document is decided about in its own batch; here it only anchors the batch's copies.
        if !is_archived(docs.order[pos]) {
            out.push((docs.order[pos], decision));
        }
    }
    // Exact copies of a clustered document learn its cluster (their decision stays `dedup.exact`): found by
    // id among the batch's documents (unique within it), by ordinal for an archived keeper (an archived id
    // may be used again by the batch).
    let mut by_id: Vec<(&str, usize)> = docs
        .ids
        .iter()
        .map(String::as_str)
        .zip(0..)
        .filter(|(_, pos)| !is_archived(docs.order[*pos]))
        .collect();
    by_id.sort_unstable();
    for (copy, (keeper_id, archived)) in &exact.duplicates {
        let keeper = match archived {
            Some(o) => docs.index.get(&o.0).map(|p| *p as usize),
            None => by_id
                .binary_search_by_key(&keeper_id.as_str(), |x| x.0)
                .ok()
                .map(|i| by_id[i].1),
        };
        if let Some(pos) = keeper {
            let (cluster_id, cluster_size) = cluster_of(pos);
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

/// For each position: `None` for a keeper, else its keeper's position and their similarity.
fn assign_keepers(n: usize, mut pairs: SortedRecords<3>) -> Result<Vec<Option<(u32, Similarity)>>> {
    const FREE: u32 = u32::MAX;
    let mut keeper = vec![FREE; n];
    let mut similarity = vec![None; n];
    let mut next = 0usize;
    while let Some([key, value, estimate]) = pairs.next()? {
        let (lo, hi) = ((key >> 32) as usize, (key & 0xffff_ffff) as usize);
        // Every position up to `lo` has had its turn: one no pair assigned is a keeper.
        while next <= lo {
            if keeper[next] == FREE {
                keeper[next] = next as u32;
            }
            next += 1;
        }
        if keeper[lo] == lo as u32 && keeper[hi] == FREE {
            keeper[hi] = lo as u32;
            similarity[hi] = Some(Similarity {
                value: f64::from_bits(value),
                estimate: f64::from_bits(estimate),
            });
        }
    }
    Ok((0..n)
        .map(|p| match (keeper[p], similarity[p]) {
            (k, Some(s)) if k != FREE && k as usize != p => Some((k, s)),
            _ => None,
        })
        .collect())
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
        sum.archived_band_records += s.archived_band_records;
    }
    Ok((json::read(&layout.task_stats(Step::NearClusters, 0))?, sum))
}
