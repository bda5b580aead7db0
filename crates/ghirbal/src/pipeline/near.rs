//! Step `near` (after exact dedup, which removes identical copies first): one task per partition reads that
//! partition's LSH band records from every shard's key file, leaves out exact duplicates, sorts them — on
//! disk when they exceed the memory budget ([`crate::work::sort`]) — and turns each bucket of equal band
//! hashes into candidate pairs; it reads the candidates' sketches back from the scan's sketch files,
//! verifies every pair once (in the bucket of the lowest band the two share) and writes the verified pairs
//! with the documents they join ([`crate::work::edges`]). The `near-clusters` step turns them into clusters
//! ([`super::near_clusters`]).
//!
//! Memory: the band records are bounded by the budget; a task also holds its buckets of two or more members
//! and the sketches of their documents.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cluster::{Cluster, ExactInfo};
use crate::archive::{is_archived, ARCHIVED};
use crate::dedup::keep::keep_order;
use crate::dedup::minhash::MinHasher;
use crate::dedup::near::{bucket_pairs, first_shared_band, Edge, Verify};
use crate::text::OrdinalMap;
use crate::work::edges::{self, EdgeDoc};
use crate::work::keys::KeyPartition;
use crate::work::sketch::{self, SketchReader, SketchRecord};
use crate::work::sort::PairSorter;
use crate::work::{json, Step, TaskSlice};
use crate::{Ordinal, Result};

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
    /// Band records of archived keepers that share a band with the batch (`--archive`).
    #[serde(default)]
    pub archived_band_records: u64,
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
            .filter(|p| slice.takes(*p) && !self.layout.is_done(Step::Near, *p))
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

    /// Buckets → candidate pairs → verified edges for partition `p`.
    fn partition(&self, p: u32, exact: &ExactInfo, budget: u64) -> Result<()> {
        let mut stats = NearPartitionStats::default();
        let buckets = self.buckets(p, exact, budget, &mut stats)?;
        // Sketches are read chunk by chunk of buckets, so that those in memory stay within the budget.
        let per_doc = self.sketch_bytes_per_doc()?;
        let max_docs = (budget / per_doc.max(1)).max(64) as usize;
        let mut readers = Readers::default();
        let (mut edges, mut edge_docs) = (Vec::new(), OrdinalMap::default());
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
        json::write_behind(&self.layout.task_stats(Step::Near, p), &stats)?;
        self.layout.mark_done(Step::Near, p)
    }

    /// Verifies the candidate pairs of `buckets` whose sketches are loaded.
    fn verify_chunk(
        &self,
        buckets: &[(u64, Vec<Ordinal>)],
        sketches: &OrdinalMap<SketchRecord>,
        edges: &mut Vec<Edge>,
        stats: &mut NearPartitionStats,
    ) {
        let cfg = &self.config.dedup.near;
        let hasher = MinHasher::new(&cfg.minhash());
        let mut members = Vec::new();
        for (band, bucket) in buckets {
            members.clear();
            members.extend(bucket.iter().filter_map(|o| sketches.get(&o.0).map(|s| (o, s))));
            members.sort_by(|a, b| keep_order(&a.1.rank, *a.0).cmp(&keep_order(&b.1.rank, *b.0)));
            for (i, j) in bucket_pairs(members.len(), cfg.bucket_head) {
                let ((oa, a), (ob, b)) = (members[i], members[j]);
                // Archived keepers were compared when the later of them was added; an archived near duplicate
                // (bands, no shingles) holds its place in the bucket's head, as in one run, but takes nobody.
                if is_archived(*ob)
                    || (is_archived(*oa) && a.sketch.shingles.is_empty() && a.sketch.signature.is_empty())
                {
                    continue;
                }
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
                let idx = std::fs::metadata(sketch::index_path(&path)).map_or(0, |m| m.len());
                docs += idx / sketch::INDEX_ENTRY;
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
        let mut sorter: Option<PairSorter> = None;
        for shard in self.shards {
            let part = KeyPartition::read(&self.layout.keys(shard.index), p)?;
            let sorter = sorter.get_or_insert_with(|| {
                // A first guess at the partition's size, from this shard's share.
                let expected = (part.band_count() * self.shards.len() as u64) as usize;
                PairSorter::new(budget, expected, &self.layout.sort_runs(p))
            });
            part.bands(|band, ordinal| {
                if exact.duplicates.contains_key(&ordinal.0) {
                    return Ok(());
                }
                stats.band_records += 1;
                sorter.push(band, ordinal.0)
            })?;
        }
        let sorter = sorter.unwrap_or_else(|| PairSorter::new(budget, 0, &self.layout.sort_runs(p)));
        stats.sort_runs = sorter.runs() as u64;
        let mut sorted = sorter.finish()?;
        // With an archive, a bucket of one member of the batch may still hold archived keepers.
        let least = if self.archive.is_some() { 1 } else { 2 };
        let mut buckets = Vec::new();
        let mut current: Option<(u64, Vec<Ordinal>)> = None;
        while let Some((band, ordinal)) = sorted.next()? {
            match &mut current {
                Some((b, members)) if *b == band => members.push(Ordinal(ordinal)),
                _ => {
                    if let Some(done) = current.take().filter(|(_, m)| m.len() >= least) {
                        buckets.push(done);
                    }
                    current = Some((band, vec![Ordinal(ordinal)]));
                }
            }
        }
        buckets.extend(current.filter(|(_, m)| m.len() >= least));
        if let Some(snap) = self.archive {
            buckets = with_archived(p, buckets, snap, stats)?;
        }
        stats.buckets = buckets.len() as u64;
        Ok(buckets)
    }

    /// The sketches of every document in `buckets`.
    fn load_sketches(
        &self,
        buckets: &[(u64, Vec<Ordinal>)],
        readers: &mut Readers,
    ) -> Result<OrdinalMap<SketchRecord>> {
        let mut wanted: Vec<Ordinal> = buckets.iter().flat_map(|(_, m)| m.iter().copied()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut out = OrdinalMap::default();
        for group in wanted.chunk_by(|a, b| a.shard() == b.shard()) {
            let shard = group[0].shard();
            let seqs: Vec<u32> = group.iter().map(|o| o.seq()).collect();
            let records = match (self.archive, is_archived(group[0])) {
                (Some(_), true) => readers.archived(self.archive)?.read(shard - ARCHIVED, &seqs)?,
                _ => readers.get(&self.layout.sketch(shard), shard)?.read(&seqs)?,
            };
            for (mut record, payload) in records {
                match self.config.dedup.near.verify {
                    Verify::Exact => record.sketch.shingles = payload,
                    Verify::Estimate => record.sketch.signature = payload,
                }
                out.insert(Ordinal::new(shard, record.seq).0, record);
            }
        }
        Ok(out)
    }

    fn write_edges(&self, p: u32, pairs: &[Edge], docs: &OrdinalMap<(Vec<u8>, String)>) -> Result<()> {
        let mut joined: Vec<EdgeDoc> = docs
            .iter()
            .map(|(o, (rank, id))| EdgeDoc {
                ordinal: Ordinal(*o),
                rank: rank.clone(),
                id: id.clone(),
            })
            .collect();
        joined.sort_unstable_by_key(|d| d.ordinal);
        edges::write(&self.layout.edges(p), &joined, pairs)
    }
}

/// The open sketch files of one task, reused across chunks.
#[derive(Default)]
struct Readers(Vec<(u32, SketchReader)>, Option<crate::archive::lookup::Docs>);

impl Readers {
    fn archived(&mut self, snap: Option<&crate::archive::Snapshot>) -> Result<&mut crate::archive::lookup::Docs> {
        let docs = match (self.1.take(), snap) {
            (Some(docs), _) => docs,
            (None, Some(snap)) => crate::archive::lookup::Lookup::new(snap).docs(),
            (None, None) => {
                return Err(crate::Error::Config(
                    "an archived document came up in a run without an archive".into(),
                ))
            }
        };
        Ok(self.1.insert(docs))
    }

    fn get(&mut self, path: &std::path::Path, shard: u32) -> Result<&mut SketchReader> {
        let at = match self.0.iter().position(|(s, _)| *s == shard) {
            Some(at) => at,
            None => {
                self.0.push((shard, SketchReader::open(path)?));
                self.0.len() - 1
            }
        };
        Ok(&mut self.0[at].1)
    }
}

/// Adds to each bucket of the batch the archived keepers with its band (read from the archive's runs of
/// partition `p`), and keeps the buckets that then have two members or more.
fn with_archived(
    p: u32,
    buckets: Vec<(u64, Vec<Ordinal>)>,
    snap: &crate::archive::Snapshot,
    stats: &mut NearPartitionStats,
) -> Result<Vec<(u64, Vec<Ordinal>)>> {
    let bands: Vec<u64> = buckets.iter().map(|(b, _)| *b).collect();
    let found = crate::archive::lookup::Lookup::new(snap).bands(p, &bands)?;
    stats.archived_band_records += found.len() as u64;
    let mut found = found.into_iter().peekable();
    let mut out = Vec::with_capacity(buckets.len());
    for (band, mut members) in buckets {
        while let Some((_, o)) = found.next_if(|(b, _)| *b == band) {
            members.push(o);
        }
        if members.len() > 1 {
            out.push((band, members));
        }
    }
    Ok(out)
}
