//! Planning a batch against an archive, and adding the batch once its run is finished: its exact keepers'
//! keys, its keepers' bands and sketches, its ledger, committed by one atomic replace of `archive.json`.
//!
//! The add runs inside the `finish` step, before `stats.json` (the run's completion mark) is written: a run
//! killed after the commit finds its batch in the archive when it is rerun (by its fingerprint) and only
//! writes `stats.json`; one killed before the commit writes the same files again.

use std::path::{Path, PathBuf};

use super::ledger::{self, Entry, Kind};
use super::run::{merge, RunKind, RunReader, RunWriter};
use super::{archived, Batch, Manifest, Paths, RunRef, Snapshot};
use crate::dedup::exact::ExactKey;
use crate::dedup::Decision;
use crate::read::plan::InputFile;
use crate::text::OrdinalMap;
use crate::work::keys::KeyPartition;
use crate::work::sketch::{self, Format, SketchReader, SketchWriter};
use crate::work::{json, Layout, LockMode, OutLock};
use crate::{Config, Error, Ordinal, Result};

/// A run merges its newest index run into the one before while that one is at most this many times larger:
/// runs stay few (logarithmic in the archive) and each record is rewritten a logarithmic number of times.
const MERGE_FACTOR: u64 = 4;

/// Fault injection for the kill tests: with `GHIRBAL_TEST_ABORT_ARCHIVE_ADD=N` the process aborts (no
/// destructor runs, no buffer is flushed: what SIGKILL leaves) at the add's N-th point, counted from 1 —
/// after each file it writes, before and after the commit.
fn point() {
    static AT: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    static SEEN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let at = AT.get_or_init(|| {
        std::env::var("GHIRBAL_TEST_ABORT_ARCHIVE_ADD")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(at) = at {
        if SEEN.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == *at {
            std::process::abort();
        }
    }
}

/// The fingerprint of a batch: its input files (names, sizes, modification times) and its config.
pub(crate) fn fingerprint(inputs: &[InputFile], config: &Config) -> String {
    let value = serde_json::json!({ "inputs": inputs, "config": config });
    let bytes = serde_json::to_vec(&value).unwrap_or_default();
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
}

/// The archive snapshot a new run plans against; a batch the archive already holds is refused.
pub(crate) fn plan(root: &Path, config: &Config, inputs: &[InputFile]) -> Result<Snapshot> {
    let root = std::path::absolute(root).map_err(Error::io("resolving", root))?;
    let manifest = super::snapshot(&root, config)?;
    let print = fingerprint(inputs, config);
    if let Some(b) = manifest.batches.iter().find(|b| b.fingerprint == print) {
        return Err(Error::Config(format!(
            "these inputs were already added to the archive {} as batch {}: adding them again would remove \
             every document as a copy of itself",
            root.display(),
            b.number
        )));
    }
    Ok(Snapshot { root, manifest })
}

/// A resumed run must name the archive its plan named.
pub(crate) fn check_same(planned: Option<&Snapshot>, given: Option<&Path>, layout: &Layout) -> Result<()> {
    let given = given
        .map(std::path::absolute)
        .transpose()
        .map_err(Error::io("resolving", Path::new("--archive")))?;
    let same = match (planned, &given) {
        (None, None) => true,
        (Some(s), Some(g)) => s.root == *g,
        _ => false,
    };
    if same {
        return Ok(());
    }
    let name = |p: Option<&PathBuf>| p.map_or("no --archive".to_owned(), |p| format!("--archive {}", p.display()));
    Err(Error::OutputMismatch(format!(
        "{} was started with {}, this run has {}: rerun with the same flags, or --force to start over",
        layout.out.display(),
        name(planned.map(|s| &s.root)),
        name(given.as_ref())
    )))
}

/// The archive's lock, held while a batch is added (and by `ghirbal run` from its start).
pub struct ArchiveLock(#[allow(dead_code)] OutLock);

impl ArchiveLock {
    /// Takes the lock on the archive at `root` (created if missing) without waiting.
    pub fn acquire(root: &Path) -> Result<ArchiveLock> {
        std::fs::create_dir_all(root).map_err(Error::io("creating", root))?;
        OutLock::acquire(root, LockMode::Exclusive)
            .map(ArchiveLock)
            .map_err(|e| match e {
                Error::Locked { holder, .. } => Error::Config(format!(
                    "another run is adding to the archive {} ({holder}): one batch at a time",
                    root.display()
                )),
                e => e,
            })
    }
}

/// What the run's `finish` knows of the batch.
pub(crate) struct Totals {
    /// Documents read.
    pub docs_in: u64,
    /// Documents removed, dedup included.
    pub removed: u64,
}

/// What an add did.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct AddReport {
    /// The batch's number in the archive.
    pub batch: u32,
    /// Documents added as keepers.
    pub kept: u64,
    /// Documents removed as copies of archived documents.
    pub duplicates_of_archive: u64,
    /// Batches in the archive now.
    pub batches: u32,
    /// False when the batch was already in the archive (a rerun after a kill).
    pub added: bool,
}

/// Adds the finished batch in `layout` to its archive.
pub(crate) fn add(
    layout: &Layout,
    config: &Config,
    manifest: &crate::pipeline::manifest::Manifest,
    totals: Totals,
    held: Option<&ArchiveLock>,
) -> Result<Option<AddReport>> {
    let Some(snap) = &manifest.archive else { return Ok(None) };
    let _lock = match held {
        Some(_) => None,
        None => Some(ArchiveLock::acquire(&snap.root)?),
    };
    let paths = Paths::new(&snap.root);
    let print = fingerprint(&manifest.inputs, config);
    let current = super::load(&snap.root)?.unwrap_or_else(|| snap.manifest.clone());
    if let Some(b) = current.batches.iter().find(|b| b.fingerprint == print) {
        // Added by a run killed after the commit: what it had not deleted yet goes now.
        collect_garbage(&paths, &current)?;
        return Ok(Some(AddReport {
            batch: b.number,
            kept: b.kept,
            duplicates_of_archive: b.duplicates_of_archive,
            batches: current.generation(),
            added: false,
        }));
    }
    if current.generation() != snap.manifest.generation() {
        return Err(Error::Config(format!(
            "the archive {} has {} batches, {} when this batch was planned: another run added to it; run this \
             batch again in a new output folder",
            snap.root.display(),
            current.generation(),
            snap.manifest.generation()
        )));
    }
    collect_garbage(&paths, &current)?;
    let number = current.generation();
    let batch = Contents::gather(layout, config, manifest, number)?;
    let mut next = current.clone();
    batch.write(&paths, config)?;
    let mut info = batch.info(number, print, manifest, &totals);
    info.inputs = manifest
        .inputs
        .iter()
        .map(|f| {
            f.path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        })
        .collect();
    for p in 0..config.run.partitions {
        let part = &mut next.partitions[p as usize];
        for (kind, runs) in [(RunKind::Exact, &mut part.exact), (RunKind::Bands, &mut part.bands)] {
            runs.push(RunRef {
                file: run_name(kind, number, number),
                records: batch.run_records(kind, p, config.run.partitions),
            });
            merge_tail(&paths.index(p), kind, runs)?;
            point();
        }
    }
    let report = AddReport {
        batch: number,
        kept: info.kept,
        duplicates_of_archive: info.duplicates_of_archive,
        batches: number + 1,
        added: true,
    };
    next.batches.push(info);
    point();
    // The commit: from here on the batch is in the archive.
    json::write(&paths.manifest(), &next)?;
    point();
    collect_garbage(&paths, &next)?;
    point();
    Ok(Some(report))
}

fn run_name(kind: RunKind, first: u32, last: u32) -> String {
    let k = match kind {
        RunKind::Exact => "exact",
        RunKind::Bands => "bands",
    };
    format!("{k}-{first:06}-{last:06}.run")
}

/// The batches a run file covers, from its name.
fn run_span(file: &str) -> Option<(u32, u32)> {
    let stem = file.strip_suffix(".run")?;
    let mut parts = stem.rsplitn(3, '-');
    let last = parts.next()?.parse().ok()?;
    let first = parts.next()?.parse().ok()?;
    Some((first, last))
}

/// Merges the newest runs while the one before is at most [`MERGE_FACTOR`] times the newest.
fn merge_tail(dir: &Path, kind: RunKind, runs: &mut Vec<RunRef>) -> Result<()> {
    while runs.len() >= 2 {
        let (a, b) = (&runs[runs.len() - 2], &runs[runs.len() - 1]);
        if a.records > MERGE_FACTOR * b.records.max(1) {
            break;
        }
        let (Some((first, _)), Some((_, last))) = (run_span(&a.file), run_span(&b.file)) else {
            break;
        };
        let name = run_name(kind, first, last);
        let inputs = [
            RunReader::open(&dir.join(&a.file), kind)?,
            RunReader::open(&dir.join(&b.file), kind)?,
        ];
        let records = merge(&inputs, kind, &dir.join(&name))?;
        runs.truncate(runs.len() - 2);
        runs.push(RunRef { file: name, records });
    }
    Ok(())
}

/// Deletes what no `archive.json` names: a killed add's files, runs merged away, temporary files.
fn collect_garbage(paths: &Paths, manifest: &Manifest) -> Result<()> {
    for (p, part) in manifest.partitions.iter().enumerate() {
        let dir = paths.index(p as u32);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let named = part.exact.iter().chain(&part.bands).any(|r| r.file == name);
            if !named {
                crate::work::discard(&e.path())?;
            }
        }
    }
    let batches = paths.root.join("batches");
    if let Ok(entries) = std::fs::read_dir(&batches) {
        for e in entries.flatten() {
            let number: Option<u32> = e.file_name().to_str().and_then(|n| n.parse().ok());
            if number.is_none_or(|n| n >= manifest.generation()) {
                std::fs::remove_dir_all(e.path()).map_err(Error::io("removing", &e.path()))?;
            }
        }
    }
    Ok(())
}

/// One stored document of the batch (an exact keeper: kept, or removed as a near duplicate).
struct Stored {
    key: ExactKey,
    /// Its decision, if dedup made one.
    decision: Option<Decision>,
}

/// What a batch adds.
struct Contents {
    number: u32,
    /// Exact keepers in ordinal order; the position is the archive sequence number.
    stored: Vec<Stored>,
    /// (band, ordinal) of the kept documents' band records.
    bands: Vec<(u64, Ordinal)>,
    ledger: Vec<Entry>,
    sketches: OrdinalMap<(Vec<u64>, Vec<u64>)>,
    duplicates_in_batch: u64,
    duplicates_of_archive: u64,
}

impl Contents {
    fn gather(
        layout: &Layout,
        config: &Config,
        manifest: &crate::pipeline::manifest::Manifest,
        number: u32,
    ) -> Result<Contents> {
        let parts = config.run.partitions;
        let mut decided: OrdinalMap<Decision> = OrdinalMap::default();
        let (mut keys, mut band_records) = (Vec::new(), Vec::new());
        for shard in &manifest.shards {
            let exact = crate::pipeline::exact_decisions(layout, parts, shard.index)?;
            let near = crate::pipeline::near_decisions(layout, config.near_dedup(), shard.index)?;
            for (seq, d) in crate::dedup::decision::merge(exact, near) {
                decided.insert(Ordinal::new(shard.index, seq).0, d);
            }
            for p in 0..parts {
                let part = KeyPartition::read(&layout.keys(shard.index), p)?;
                part.exact_keys(&mut keys)?;
                part.bands(|band, o| {
                    band_records.push((band, o));
                    Ok(())
                })?;
            }
        }
        keys.sort_unstable_by_key(|k| k.ordinal);
        let mut c = Contents {
            number,
            stored: Vec::new(),
            bands: Vec::new(),
            ledger: Vec::new(),
            sketches: OrdinalMap::default(),
            duplicates_in_batch: 0,
            duplicates_of_archive: 0,
        };
        let mut copies = Vec::new();
        for key in keys {
            match decided.remove(&key.ordinal.0) {
                Some(d @ Decision::Exact { .. }) => copies.push((key, d)),
                decision => c.stored.push(Stored { key, decision }),
            }
        }
        let seq_of: std::collections::HashMap<&str, u32> = c
            .stored
            .iter()
            .enumerate()
            .map(|(i, s)| (s.key.id.as_str(), i as u32))
            .collect();
        let keeper = |id: &str, archived_keeper: Option<Ordinal>| -> Result<Ordinal> {
            match archived_keeper {
                Some(o) => Ok(o),
                None => seq_of
                    .get(id)
                    .map(|s| archived(number, *s))
                    .ok_or_else(|| Error::Corrupt {
                        path: layout.work.clone(),
                        message: format!("a duplicate's keeper {id:?} is not among the batch's documents"),
                    }),
            }
        };
        let mut ledger = Vec::new();
        for (i, s) in c.stored.iter().enumerate() {
            let own = archived(number, i as u32);
            let (kind, to) = match &s.decision {
                Some(Decision::Near {
                    keeper_id, archived: a, ..
                }) => (Kind::Near, keeper(keeper_id, *a)?),
                _ => (Kind::Kept, own),
            };
            ledger.push((
                s.key.ordinal,
                Entry {
                    kind,
                    member: Some(own),
                    keeper: to,
                    id: s.key.id.clone(),
                },
            ));
        }
        for (key, d) in &copies {
            if let Decision::Exact {
                keeper_id, archived: a, ..
            } = d
            {
                ledger.push((
                    key.ordinal,
                    Entry {
                        kind: Kind::Exact,
                        member: None,
                        keeper: keeper(keeper_id, *a)?,
                        id: key.id.clone(),
                    },
                ));
            }
        }
        ledger.sort_by_key(|(o, _)| *o);
        for (_, e) in &ledger {
            match (
                e.kind,
                crate::archive::is_archived(e.keeper) && e.keeper.shard() - crate::archive::ARCHIVED < number,
            ) {
                (Kind::Kept, _) => {}
                (_, true) => c.duplicates_of_archive += 1,
                (_, false) => c.duplicates_in_batch += 1,
            }
        }
        c.ledger = ledger.into_iter().map(|(_, e)| e).collect();
        // Band records and sketches of the kept documents only: a near duplicate is never a candidate again.
        let kept: OrdinalMap<()> = c
            .stored
            .iter()
            .filter(|s| !matches!(s.decision, Some(Decision::Near { .. })))
            .map(|s| (s.key.ordinal.0, ()))
            .collect();
        band_records.retain(|(_, o)| kept.contains_key(&o.0));
        let mut with_sketch: Vec<Ordinal> = band_records.iter().map(|(_, o)| *o).collect();
        with_sketch.sort_unstable();
        with_sketch.dedup();
        for group in with_sketch.chunk_by(|a, b| a.shard() == b.shard()) {
            let mut reader = SketchReader::open(&layout.sketch(group[0].shard()))?;
            let seqs: Vec<u32> = group.iter().map(|o| o.seq()).collect();
            for (record, payload) in reader.read(&seqs)? {
                c.sketches.insert(
                    Ordinal::new(group[0].shard(), record.seq).0,
                    (record.sketch.bands, payload),
                );
            }
        }
        c.bands = band_records;
        Ok(c)
    }

    /// The archive sequence number of a stored document.
    fn seq(&self, o: Ordinal) -> Option<u32> {
        self.stored
            .binary_search_by_key(&o, |s| s.key.ordinal)
            .ok()
            .map(|i| i as u32)
    }

    fn write(&self, paths: &Paths, config: &Config) -> Result<()> {
        let dir = paths.batch(self.number);
        std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
        let mut docs = SketchWriter::create_as(&paths.docs(self.number), Format::ARCHIVE)?;
        for (i, s) in self.stored.iter().enumerate() {
            let (bands, payload) = self
                .sketches
                .get(&s.key.ordinal.0)
                .map_or((&[][..], &[][..]), |(b, p)| (b.as_slice(), p.as_slice()));
            let mut buf = Vec::new();
            sketch::encode(&mut buf, i as u32, &s.key.id, &s.key.rank, bands, payload);
            docs.append(&buf, &[(i as u32, buf.len() as u32)])?;
        }
        docs.finish()?;
        point();
        ledger::write(&paths.ledger(self.number), &self.ledger)?;
        point();
        for p in 0..config.run.partitions {
            let dir = paths.index(p);
            std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
            for kind in [RunKind::Exact, RunKind::Bands] {
                let mut records = self.records(kind, p, config.run.partitions);
                records.sort_unstable();
                let mut w = RunWriter::create(&dir.join(run_name(kind, self.number, self.number)), kind)?;
                for (key, o) in records {
                    w.push(&key[16 - kind.key_len()..], o)?;
                }
                w.finish()?;
                point();
            }
        }
        Ok(())
    }

    /// The index records of partition `p` as (key as 16 big-endian bytes, archived ordinal).
    fn records(&self, kind: RunKind, p: u32, partitions: u32) -> Vec<([u8; 16], u64)> {
        let n = u64::from(partitions);
        match kind {
            RunKind::Exact => self
                .stored
                .iter()
                .enumerate()
                .filter(|(_, s)| (s.key.hash as u64) % n == u64::from(p))
                .map(|(i, s)| (s.key.hash.to_be_bytes(), archived(self.number, i as u32).0))
                .collect(),
            RunKind::Bands => self
                .bands
                .iter()
                .filter(|(b, _)| b % n == u64::from(p))
                .filter_map(|(b, o)| {
                    let seq = self.seq(*o)?;
                    Some((u128::from(*b).to_be_bytes(), archived(self.number, seq).0))
                })
                .collect(),
        }
    }

    fn run_records(&self, kind: RunKind, p: u32, partitions: u32) -> u64 {
        self.records(kind, p, partitions).len() as u64
    }

    fn info(
        &self,
        number: u32,
        fingerprint: String,
        _m: &crate::pipeline::manifest::Manifest,
        totals: &Totals,
    ) -> Batch {
        let dups = self.duplicates_in_batch + self.duplicates_of_archive;
        Batch {
            number,
            fingerprint,
            inputs: Vec::new(),
            docs_in: totals.docs_in,
            kept: self.ledger.iter().filter(|e| e.kind == Kind::Kept).count() as u64,
            removed_by_stages: totals.removed.saturating_sub(dups),
            duplicates_in_batch: self.duplicates_in_batch,
            duplicates_of_archive: self.duplicates_of_archive,
            stored: self.stored.len() as u32,
        }
    }
}
