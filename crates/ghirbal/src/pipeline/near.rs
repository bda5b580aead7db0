//! Phase 2, near duplicates (after exact dedup, which removes identical copies first):
//!
//! 1. one task per partition reads that partition's LSH band records from every shard's key file, leaves out
//!    exact duplicates, sorts them — on disk when they exceed the memory budget ([`super::sort`]) — and turns
//!    each bucket of equal band hashes into candidate pairs; it reads the candidates' sketches back from the
//!    scan's sketch files, verifies every pair once (in the bucket of the lowest band the two share) and
//!    writes the verified pairs with the documents they join (`work/near/edges/P.bin`);
//! 2. one task reads every partition's verified pairs and builds the keeper-anchored clusters
//!    ([`crate::dedup::near::star_clusters`]), then writes the decisions sectioned by shard
//!    (`work/near/clusters.bin`) for the write phase.
//!
//! Memory: the band records are bounded by the budget; a task also holds its buckets of two or more members
//! and the sketches of their documents, and the clustering task holds every verified pair (about 40 bytes
//! each) — the documents that have a near duplicate, not the corpus.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::binfile::{read_section, section_len, Cursor, Put, SectionWriter};
use super::cluster::{decisions_for, Cluster};
use super::layout::{read_json, write_json, Layout, Phase};
use super::sketch::{self, SketchReader, SketchRecord};
use super::sort::PairSorter;
use super::steps::TaskSlice;
use crate::dedup::exact::Decision;
use crate::dedup::minhash::MinHasher;
use crate::dedup::near::{
    bucket_pairs, components, first_shared_band, positions, star_clusters, Edge, NearDecision, Similarity, Verify,
};
use crate::read::ShardSpec;
use crate::text::HashMap64;
use crate::{Error, Ordinal, Result};

/// Sections of an edges file.
const DOCS: u32 = 0;
const EDGES: u32 = 1;

/// What one partition task counted.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct NearPartitionStats {
    /// Band records read (exact duplicates left out).
    pub band_records: u64,
    /// Buckets with two or more members.
    pub buckets: u64,
    /// Distinct candidate pairs verified.
    pub verified: u64,
    /// Of those, below the threshold.
    pub rejected: u64,
    /// Sorted runs written because the records exceeded the memory budget.
    pub sort_runs: u64,
    /// Chunks of buckets whose sketches were loaded together (more than one when they exceed the budget).
    #[serde(default)]
    pub sketch_chunks: u64,
}

/// What the clustering task found, saved as `work/stats/near/P.json` (P = the number of partitions).
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

/// The decision about one document of a near-dup cluster, as the write phase reads it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NearOutcome {
    /// Kept: a keeper of cluster `cluster_id` (its own id, or the id of the cluster's first keeper).
    Keeper {
        /// The cluster.
        cluster_id: String,
        /// Documents in the cluster, exact copies of members included.
        cluster_size: u32,
    },
    /// A near duplicate of the keeper `keeper_id`.
    Duplicate {
        /// The keeper it was verified against.
        keeper_id: String,
        /// The verified pair's similarities.
        similarity: Similarity,
        /// The cluster.
        cluster_id: String,
        /// Documents in the cluster.
        cluster_size: u32,
    },
}

/// One document that has a verified pair.
struct EdgeDoc {
    ordinal: Ordinal,
    rank: Vec<u8>,
    id: String,
}

/// The near-dup tasks, run with the cluster phase's context (layout, config, shards, pool).
pub(crate) struct Near<'c, 'a>(pub &'c Cluster<'a>);

impl<'a> std::ops::Deref for Near<'_, 'a> {
    type Target = Cluster<'a>;
    fn deref(&self) -> &Cluster<'a> {
        self.0
    }
}

impl Near<'_, '_> {
    /// Step `near`: every partition task of the slice without a marker.
    pub(crate) fn partitions(&self, slice: TaskSlice) -> Result<()> {
        let parts = self.config.run.partitions;
        let todo: Vec<u32> = (0..parts)
            .filter(|p| slice.takes(*p) && !self.layout.is_done(Phase::Near, *p))
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        let exact = ExactInfo::load(self.layout, parts, self.shards)?;
        let budget = self.config.run.memory_budget_bytes()? / self.pool.current_num_threads().max(1) as u64;
        tracing::info!(partitions = todo.len(), budget, "near-dup phase");
        self.pool
            .install(|| todo.par_iter().try_for_each(|p| self.partition(*p, &exact, budget)))
    }

    /// Step `near-clusters`: the clustering task, unless its marker is there.
    pub(crate) fn cluster_all(&self) -> Result<()> {
        let parts = self.config.run.partitions;
        if self.layout.is_done(Phase::Near, parts) {
            return Ok(());
        }
        let exact = ExactInfo::load(self.layout, parts, self.shards)?;
        self.clusters(&exact)
    }

    /// Buckets → candidate pairs → verified edges for partition `p`.
    fn partition(&self, p: u32, exact: &ExactInfo, budget: u64) -> Result<()> {
        let mut stats = NearPartitionStats::default();
        let buckets = self.buckets(p, exact, budget, &mut stats)?;
        // Sketches are read chunk by chunk of buckets, so that those in memory stay within the budget.
        let per_doc = self.sketch_bytes_per_doc()?;
        let max_docs = (budget / per_doc.max(1)).max(64) as usize;
        let mut readers = Readers::default();
        let (mut edges, mut edge_docs) = (Vec::new(), HashMap64::default());
        let mut from = 0;
        while from < buckets.len() {
            let mut to = from;
            let mut refs = 0;
            while to < buckets.len() && (to == from || refs + buckets[to].1.len() <= max_docs) {
                refs += buckets[to].1.len();
                to += 1;
            }
            let sketches = self.load_sketches(&buckets[from..to], &mut readers)?;
            stats.sketch_chunks += 1;
            let before = edges.len();
            self.verify_chunk(&buckets[from..to], &sketches, &mut edges, &mut stats);
            for e in &edges[before..] {
                for o in [e.a, e.b] {
                    if let (None, Some(s)) = (edge_docs.get(&o.0), sketches.get(&o.0)) {
                        edge_docs.insert(o.0, (s.rank.clone(), s.id.clone()));
                    }
                }
            }
            from = to;
        }
        self.write_edges(p, &edges, &edge_docs)?;
        write_json(&self.layout.task_stats(Phase::Near, p), &stats)?;
        self.layout.mark_done(Phase::Near, p)
    }

    /// Verifies the candidate pairs of `buckets` whose sketches are loaded.
    fn verify_chunk(
        &self,
        buckets: &[(u64, Vec<Ordinal>)],
        sketches: &HashMap64<SketchRecord>,
        edges: &mut Vec<Edge>,
        stats: &mut NearPartitionStats,
    ) {
        let cfg = &self.config.dedup.near;
        let hasher = MinHasher::new(&cfg.minhash());
        let mut members = Vec::new();
        for (band, bucket) in buckets {
            members.clear();
            members.extend(bucket.iter().filter_map(|o| sketches.get(&o.0).map(|s| (o, s))));
            members.sort_by(|a, b| (&a.1.rank, a.0).cmp(&(&b.1.rank, b.0)));
            for (i, j) in bucket_pairs(members.len(), cfg.bucket_head) {
                let ((oa, a), (ob, b)) = (members[i], members[j]);
                // A pair is verified in the bucket of the lowest band the two share, and only there.
                let first = first_shared_band(&a.sketch.bands, &b.sketch.bands);
                if first.map(|f| a.sketch.bands[f]) != Some(*band) {
                    continue;
                }
                stats.verified += 1;
                match crate::dedup::near::verify(&a.sketch, &b.sketch, cfg, &hasher) {
                    Some(similarity) => edges.push(Edge {
                        a: *oa,
                        b: *ob,
                        similarity,
                    }),
                    None => stats.rejected += 1,
                }
            }
        }
    }

    /// Average bytes of a sketch record, from the sketch files' sizes.
    fn sketch_bytes_per_doc(&self) -> Result<u64> {
        let (mut bytes, mut docs) = (0u64, 0u64);
        for shard in self.shards {
            let path = self.layout.sketch(shard.index);
            if let Ok(m) = std::fs::metadata(&path) {
                bytes += m.len();
                let idx = std::fs::metadata(sketch::index_path(&path)).map_or(12, |m| m.len());
                docs += idx / 12;
            }
        }
        // In memory a record takes about twice its file size (vectors, the map).
        Ok(2 * bytes / docs.max(1) + 64)
    }

    /// The buckets of two or more members of partition `p`: (band hash, member ordinals).
    fn buckets(
        &self,
        p: u32,
        exact: &ExactInfo,
        budget: u64,
        stats: &mut NearPartitionStats,
    ) -> Result<Vec<(u64, Vec<Ordinal>)>> {
        // One shard's section at a time: the records live only in the sorter, which the budget bounds.
        let mut expected = 0;
        for shard in self.shards {
            expected += section_len(&self.layout.keys(shard.index), p)? as usize / 16;
        }
        let mut sorter = PairSorter::new(budget, expected, &self.layout.sort_runs(p));
        for shard in self.shards {
            let path = self.layout.keys(shard.index);
            let data = read_section(&path, p)?;
            let bands = band_section(&data).ok_or_else(|| Error::Corrupt {
                path,
                message: format!("partition {p} is truncated"),
            })?;
            for rec in bands.chunks_exact(16) {
                let mut cur = Cursor::new(rec);
                let (band, ordinal) = (cur.u64(), cur.u64());
                if !exact.duplicates.contains_key(&ordinal) {
                    sorter.push(band, ordinal)?;
                    stats.band_records += 1;
                }
            }
        }
        stats.sort_runs = sorter.runs() as u64;
        let mut sorted = sorter.finish()?;
        let mut buckets = Vec::new();
        let mut current: Option<(u64, Vec<Ordinal>)> = None;
        while let Some((band, ordinal)) = sorted.next()? {
            match &mut current {
                Some((b, members)) if *b == band => members.push(Ordinal(ordinal)),
                _ => {
                    if let Some(done) = current.take().filter(|(_, m)| m.len() > 1) {
                        buckets.push(done);
                    }
                    current = Some((band, vec![Ordinal(ordinal)]));
                }
            }
        }
        buckets.extend(current.filter(|(_, m)| m.len() > 1));
        stats.buckets = buckets.len() as u64;
        Ok(buckets)
    }

    /// The sketches of every document in `buckets`.
    fn load_sketches(&self, buckets: &[(u64, Vec<Ordinal>)], readers: &mut Readers) -> Result<HashMap64<SketchRecord>> {
        let mut wanted: Vec<Ordinal> = buckets.iter().flat_map(|(_, m)| m.iter().copied()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut out = HashMap64::default();
        for group in wanted.chunk_by(|a, b| a.shard() == b.shard()) {
            let shard = group[0].shard();
            let Some(reader) = readers.get(&self.layout.sketch(shard), shard)? else {
                continue;
            };
            let seqs: Vec<u32> = group.iter().map(|o| o.seq()).collect();
            for (mut record, payload) in reader.read(&seqs)? {
                match self.config.dedup.near.verify {
                    Verify::Exact => record.sketch.shingles = payload,
                    Verify::Estimate => record.sketch.signature = payload,
                }
                out.insert(Ordinal::new(shard, record.seq).0, record);
            }
        }
        Ok(out)
    }

    fn write_edges(&self, p: u32, edges: &[Edge], docs: &HashMap64<(Vec<u8>, String)>) -> Result<()> {
        let mut ordinals: Vec<u64> = docs.keys().copied().collect();
        ordinals.sort_unstable();
        let mut buf = Vec::new();
        for o in &ordinals {
            if let Some((rank, id)) = docs.get(o) {
                buf.put_u64(*o);
                buf.put_bytes(rank);
                buf.put_bytes(id.as_bytes());
            }
        }
        let mut out = SectionWriter::create(&self.layout.edges(p))?;
        out.section(DOCS, &buf)?;
        buf.clear();
        for e in edges {
            buf.put_u64(e.a.0);
            buf.put_u64(e.b.0);
            buf.put_u64(e.similarity.value.to_bits());
            buf.put_u64(e.similarity.estimate.to_bits());
        }
        out.section(EDGES, &buf)?;
        out.finish()
    }

    /// The clustering task: every verified pair → keeper-anchored clusters → decisions by shard.
    fn clusters(&self, exact: &ExactInfo) -> Result<()> {
        let parts = self.config.run.partitions;
        let (mut docs, mut edges) = (Vec::new(), Vec::new());
        for p in 0..parts {
            read_edges(&self.layout.edges(p), &mut docs, &mut edges)?;
        }
        docs.sort_by(|a, b| (&a.rank, a.ordinal).cmp(&(&b.rank, b.ordinal)));
        docs.dedup_by_key(|d| d.ordinal);
        // Edges from different partitions are distinct pairs; sort them so the adjacency is order-free.
        edges.sort_by_key(|e| (e.a, e.b));
        let order: Vec<Ordinal> = docs.iter().map(|d| d.ordinal).collect();
        let ids: Vec<String> = docs.into_iter().map(|d| d.id).collect();
        let pos_of = positions(&order);
        let decisions = star_clusters(&order, &edges);
        let component = components(&order, &edges);
        // A member stands for its exact copies too: cluster sizes count them.
        let mut sizes = vec![0u32; order.len()];
        for (pos, root) in component.iter().enumerate() {
            sizes[*root] += exact.size(order[pos]);
        }
        let cluster_of = |o: Ordinal| {
            let root = pos_of(o).map_or(0, |p| component[p]);
            (ids[root].clone(), sizes[root])
        };
        let mut stats = NearClusterStats {
            edges: edges.len() as u64,
            largest_cluster: sizes.iter().copied().max().map_or(0, u64::from),
            clusters: component.iter().enumerate().filter(|(p, r)| *p == **r).count() as u64,
            ..Default::default()
        };
        let mut by_shard: Vec<(Ordinal, NearOutcome)> = decisions
            .into_iter()
            .map(|(o, d)| {
                let (cluster_id, cluster_size) = cluster_of(o);
                let outcome = match d {
                    NearDecision::Keeper { .. } => NearOutcome::Keeper {
                        cluster_id,
                        cluster_size,
                    },
                    NearDecision::Duplicate { keeper, similarity } => {
                        stats.duplicates += 1;
                        NearOutcome::Duplicate {
                            keeper_id: pos_of(keeper).map(|p| ids[p].clone()).unwrap_or_default(),
                            similarity,
                            cluster_id,
                            cluster_size,
                        }
                    }
                };
                (o, outcome)
            })
            .collect();
        // Exact copies of a clustered document learn its cluster (their decision stays `dedup.exact`).
        let mut by_id: Vec<(&str, Ordinal)> = ids.iter().map(String::as_str).zip(order.iter().copied()).collect();
        by_id.sort_unstable();
        for (copy, keeper_id) in &exact.duplicates {
            if let Ok(i) = by_id.binary_search_by_key(&keeper_id.as_str(), |x| x.0) {
                let (cluster_id, cluster_size) = cluster_of(by_id[i].1);
                by_shard.push((
                    Ordinal(*copy),
                    NearOutcome::Keeper {
                        cluster_id,
                        cluster_size,
                    },
                ));
            }
        }
        by_shard.sort_unstable_by_key(|(o, _)| *o);
        let mut out = SectionWriter::create(&self.layout.clusters())?;
        for group in by_shard.chunk_by(|a, b| a.0.shard() == b.0.shard()) {
            let mut buf = Vec::new();
            for (o, outcome) in group {
                encode_outcome(&mut buf, o.seq(), outcome);
            }
            out.section(group[0].0.shard(), &buf)?;
        }
        out.finish()?;
        write_json(&self.layout.task_stats(Phase::Near, parts), &stats)?;
        self.layout.mark_done(Phase::Near, parts)
    }
}

/// The open sketch files of one task, reused across chunks.
#[derive(Default)]
struct Readers(Vec<(u32, Option<SketchReader>)>);

impl Readers {
    fn get(&mut self, path: &std::path::Path, shard: u32) -> Result<Option<&mut SketchReader>> {
        let at = match self.0.iter().position(|(s, _)| *s == shard) {
            Some(at) => at,
            None => {
                self.0.push((shard, SketchReader::open(path)?));
                self.0.len() - 1
            }
        };
        Ok(self.0[at].1.as_mut())
    }
}

/// The band records of one partition section of a key file (after the exact keys and the ids).
fn band_section(data: &[u8]) -> Option<&[u8]> {
    if data.is_empty() {
        return Some(&[]);
    }
    let mut cur = Cursor::new(data);
    let (_keys, _ids, bands) = (cur.bytes(), cur.bytes(), cur.bytes());
    (!cur.overrun && bands.len() % 16 == 0).then_some(bands)
}

fn read_edges(path: &std::path::Path, docs: &mut Vec<EdgeDoc>, edges: &mut Vec<Edge>) -> Result<()> {
    let corrupt = || Error::Corrupt {
        path: path.to_owned(),
        message: "truncated".into(),
    };
    let data = read_section(path, DOCS)?;
    let mut cur = Cursor::new(&data);
    while !cur.at_end() && !cur.overrun {
        let ordinal = Ordinal(cur.u64());
        let rank = cur.bytes().to_vec();
        let id = String::from_utf8_lossy(cur.bytes()).into_owned();
        docs.push(EdgeDoc { ordinal, rank, id });
    }
    if cur.overrun {
        return Err(corrupt());
    }
    let data = read_section(path, EDGES)?;
    if data.len() % 32 != 0 {
        return Err(corrupt());
    }
    for rec in data.chunks_exact(32) {
        let mut cur = Cursor::new(rec);
        let (a, b) = (Ordinal(cur.u64()), Ordinal(cur.u64()));
        let value = f64::from_bits(cur.u64());
        let estimate = f64::from_bits(cur.u64());
        edges.push(Edge {
            a,
            b,
            similarity: Similarity { value, estimate },
        });
    }
    Ok(())
}

fn encode_outcome(buf: &mut Vec<u8>, seq: u32, outcome: &NearOutcome) {
    buf.put_u32(seq);
    match outcome {
        NearOutcome::Keeper {
            cluster_id,
            cluster_size,
        } => {
            buf.put_u32(0);
            buf.put_u32(*cluster_size);
            buf.put_bytes(cluster_id.as_bytes());
        }
        NearOutcome::Duplicate {
            keeper_id,
            similarity,
            cluster_id,
            cluster_size,
        } => {
            buf.put_u32(1);
            buf.put_u32(*cluster_size);
            buf.put_bytes(cluster_id.as_bytes());
            buf.put_u64(similarity.value.to_bits());
            buf.put_u64(similarity.estimate.to_bits());
            buf.put_bytes(keeper_id.as_bytes());
        }
    }
}

/// The near-dup decisions about documents of `shard`, sorted by sequence number (empty without near dedup).
pub(crate) fn outcomes_for(layout: &Layout, shard: u32) -> Result<Vec<(u32, NearOutcome)>> {
    let path = layout.clusters();
    if !path.exists() {
        return Ok(Vec::new());
    }
    let data = read_section(&path, shard)?;
    let mut cur = Cursor::new(&data);
    let mut out = Vec::new();
    while !cur.at_end() && !cur.overrun {
        let (seq, kind, cluster_size) = (cur.u32(), cur.u32(), cur.u32());
        let cluster_id = String::from_utf8_lossy(cur.bytes()).into_owned();
        out.push((
            seq,
            match kind {
                0 => NearOutcome::Keeper {
                    cluster_id,
                    cluster_size,
                },
                _ => {
                    let value = f64::from_bits(cur.u64());
                    let estimate = f64::from_bits(cur.u64());
                    NearOutcome::Duplicate {
                        similarity: Similarity { value, estimate },
                        keeper_id: String::from_utf8_lossy(cur.bytes()).into_owned(),
                        cluster_id,
                        cluster_size,
                    }
                }
            },
        ));
    }
    if cur.overrun {
        return Err(Error::Corrupt {
            path,
            message: format!("section for shard {shard} is truncated"),
        });
    }
    Ok(out)
}

/// The clustering task's counts, when near dedup ran.
pub(crate) fn cluster_stats(
    layout: &Layout,
    partitions: u32,
) -> Result<Option<(NearClusterStats, NearPartitionStats)>> {
    let path = layout.task_stats(Phase::Near, partitions);
    if !path.exists() {
        return Ok(None);
    }
    let mut sum = NearPartitionStats::default();
    for p in 0..partitions {
        let s: NearPartitionStats = read_json(&layout.task_stats(Phase::Near, p))?;
        sum.band_records += s.band_records;
        sum.buckets += s.buckets;
        sum.verified += s.verified;
        sum.rejected += s.rejected;
        sum.sort_runs += s.sort_runs;
        sum.sketch_chunks += s.sketch_chunks;
    }
    Ok(Some((read_json(&path)?, sum)))
}

/// What near dedup needs from exact dedup: which documents are exact duplicates (left out), and the size of
/// each exact keeper's group (a near cluster counts its members' copies).
struct ExactInfo {
    duplicates: HashMap64<String>,
    sizes: HashMap64<u32>,
}

impl ExactInfo {
    fn load(layout: &Layout, partitions: u32, shards: &[ShardSpec]) -> Result<ExactInfo> {
        let mut info = ExactInfo {
            duplicates: HashMap64::default(),
            sizes: HashMap64::default(),
        };
        for shard in shards {
            for (seq, decision) in decisions_for(layout, partitions, shard.index)? {
                let o = Ordinal::new(shard.index, seq).0;
                match decision {
                    Decision::Keeper { cluster_size } => {
                        info.sizes.insert(o, cluster_size);
                    }
                    Decision::Duplicate { keeper_id, .. } => {
                        info.duplicates.insert(o, keeper_id);
                    }
                }
            }
        }
        Ok(info)
    }

    fn size(&self, o: Ordinal) -> u32 {
        self.sizes.get(&o.0).copied().unwrap_or(1)
    }
}
