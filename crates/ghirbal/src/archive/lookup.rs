//! A batch's questions to the archive, as the `cluster` and `near` tasks ask them per partition: which of
//! these exact keys, which of these band hashes does the archive hold, and what are those documents' ids,
//! ranks, bands and shingles. Every answer comes from the archive as the batch's plan saw it
//! ([`super::Snapshot`]), so a resumed task asks the same archive and gets the same answers.

use std::collections::HashMap;

use super::run::{RunKind, RunReader};
use super::{Paths, Snapshot, ARCHIVED};
use crate::work::sketch::{Format, SketchReader, SketchRecord};
use crate::{Error, Ordinal, Result};

/// Lookups in one archive snapshot.
pub(crate) struct Lookup<'a> {
    paths: Paths,
    snap: &'a Snapshot,
}

impl<'a> Lookup<'a> {
    /// Lookups in `snap`.
    pub(crate) fn new(snap: &'a Snapshot) -> Lookup<'a> {
        Lookup {
            paths: Paths::new(&snap.root),
            snap,
        }
    }

    fn runs(&self, p: u32, kind: RunKind) -> Result<Vec<RunReader>> {
        let Some(part) = self.snap.manifest.partitions.get(p as usize) else {
            return Ok(Vec::new());
        };
        let refs = match kind {
            RunKind::Exact => &part.exact,
            RunKind::Bands => &part.bands,
            RunKind::Sites => &part.sites,
            RunKind::Ids => &part.ids,
        };
        refs.iter()
            .map(|r| RunReader::open(&self.paths.index(p).join(&r.file), kind).map_err(super::damaged(&self.snap.root)))
            .collect()
    }

    /// Every record of partition `p`'s runs of `kind` whose key is one of `keys` (sorted, big-endian), as
    /// (index into `keys`, value), run by run.
    fn find<const N: usize>(&self, p: u32, kind: RunKind, keys: &[[u8; N]]) -> Result<Vec<(usize, u64)>> {
        let refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
        let mut out = Vec::new();
        for mut run in self.runs(p, kind)? {
            out.extend(run.lookup(&refs).map_err(super::damaged(&self.snap.root))?);
        }
        Ok(out)
    }

    /// The archived document holding each of `hashes` (sorted, distinct) in partition `p`, as (hash,
    /// ordinal), sorted by hash. An exact key is stored once: later copies of it were never added.
    pub(crate) fn exact(&self, p: u32, hashes: &[u128]) -> Result<Vec<(u128, Ordinal)>> {
        let keys: Vec<[u8; 16]> = hashes.iter().map(|h| h.to_be_bytes()).collect();
        let mut out: Vec<(u128, Ordinal)> = self
            .find(p, RunKind::Exact, &keys)?
            .into_iter()
            .map(|(i, ordinal)| (hashes[i], Ordinal(ordinal)))
            .collect();
        out.sort_unstable();
        // Two documents of one key never enter the archive; if they did, the first (oldest) counts.
        out.dedup_by_key(|(h, _)| *h);
        Ok(out)
    }

    /// Every archived keeper with one of `bands` (sorted, distinct) in partition `p`, as (band, ordinal),
    /// sorted.
    pub(crate) fn bands(&self, p: u32, bands: &[u64]) -> Result<Vec<(u64, Ordinal)>> {
        let keys: Vec<[u8; 8]> = bands.iter().map(|b| b.to_be_bytes()).collect();
        let mut out: Vec<(u64, Ordinal)> = self
            .find(p, RunKind::Bands, &keys)?
            .into_iter()
            .map(|(i, ordinal)| (bands[i], Ordinal(ordinal)))
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// The site-line counts of partition `p`, its runs opened once for all the lookups of a task.
    pub(crate) fn site_counts(&self, p: u32) -> Result<SiteCounts> {
        Ok(SiteCounts {
            runs: self.runs(p, RunKind::Sites)?,
            root: self.snap.root.clone(),
        })
    }

    /// The batch that first read each of `hashes` (xxh3-128 of ids, sorted, distinct) in partition `p`, as
    /// (index into `hashes`, batch), for the ids the archive has seen.
    pub(crate) fn ids(&self, p: u32, hashes: &[u128]) -> Result<Vec<(usize, u32)>> {
        let keys: Vec<[u8; 16]> = hashes.iter().map(|h| h.to_be_bytes()).collect();
        let mut out: Vec<(usize, u32)> = self
            .find(p, RunKind::Ids, &keys)?
            .into_iter()
            .map(|(i, batch)| (i, batch as u32))
            .collect();
        out.sort_unstable();
        out.dedup_by_key(|(i, _)| *i);
        Ok(out)
    }

    /// The open document files of the archive's batches.
    pub(crate) fn docs(&self) -> Docs {
        Docs {
            paths: self.paths.clone(),
            batches: self.snap.manifest.generation(),
            root: self.snap.root.clone(),
            open: HashMap::new(),
        }
    }
}

/// The archive's site-line counts of one partition.
pub(crate) struct SiteCounts {
    runs: Vec<RunReader>,
    root: std::path::PathBuf,
}

impl SiteCounts {
    /// The counts of `pairs` ((site, line hash), sorted, distinct), as (all, openings) per pair: the documents
    /// of earlier batches that had the line, and that opened with it.
    pub(crate) fn of(&mut self, pairs: &[(u64, u64)]) -> Result<Vec<(u32, u32)>> {
        let keys: Vec<[u8; 16]> = pairs
            .iter()
            .map(|(site, line)| (u128::from(*site) << 64 | u128::from(*line)).to_be_bytes())
            .collect();
        let refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
        let mut sums = vec![0u64; pairs.len()];
        for run in &mut self.runs {
            for (i, value) in run.lookup(&refs).map_err(super::damaged(&self.root))? {
                sums[i] = super::run::add_counts(sums[i], value);
            }
        }
        Ok(sums.into_iter().map(|v| ((v >> 32) as u32, v as u32)).collect())
    }
}

/// Reads archived documents' records (id, rank, bands, shingles) by ordinal.
pub(crate) struct Docs {
    paths: Paths,
    batches: u32,
    root: std::path::PathBuf,
    open: HashMap<u32, SketchReader>,
}

impl Docs {
    /// The records of `seqs` of archived batch `batch`, each with its payload (shingles).
    pub(crate) fn read(&mut self, batch: u32, seqs: &[u32]) -> Result<Vec<(SketchRecord, Vec<u64>)>> {
        if batch >= self.batches {
            return Err(Error::Corrupt {
                path: self.paths.manifest(),
                message: format!("a lookup named archived batch {batch}, which the archive does not have"),
            });
        }
        let reader = match self.open.entry(batch) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                SketchReader::open_as(&self.paths.docs(batch), Format::ARCHIVE).map_err(super::damaged(&self.root))?,
            ),
        };
        reader.read_dense(seqs).map_err(super::damaged(&self.root))
    }

    /// The id of one archived document.
    pub(crate) fn id(&mut self, o: Ordinal) -> Result<String> {
        let batch = o.shard() - ARCHIVED;
        let mut records = self.read(batch, &[o.seq()])?;
        records.pop().map(|(r, _)| r.id).ok_or_else(|| Error::ArchiveDamaged {
            path: self.paths.docs(batch),
            message: format!("no document {} in batch {batch}", o.seq()),
        })
    }
}
