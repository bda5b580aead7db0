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

/// Fault injection for the kill tests: with `GHIRBAL_TEST_KILL_ARCHIVE_ADD=N` the process sends itself
/// SIGKILL (`kill -9`; no destructor runs, no buffer is flushed) at the add's N-th point, counted from 1 —
/// after each file it writes, before and after the commit. Where `kill` cannot be run it aborts, which
/// leaves the files the same way.
fn point() {
    static AT: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    static SEEN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let at = AT.get_or_init(|| {
        std::env::var("GHIRBAL_TEST_KILL_ARCHIVE_ADD")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(at) = at {
        if SEEN.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == *at {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &std::process::id().to_string()])
                .status();
            std::thread::sleep(std::time::Duration::from_secs(5));
            std::process::abort();
        }
    }
}

/// The fingerprint of a batch: its input files (absolute paths, sizes, modification times) and its config,
/// without what a resumed run may change and never changes the output (`run.memory_budget`,
/// `run.work_compression`, as the manifest's check allows), so that a rerun with another budget still finds
/// its batch.
pub(crate) fn fingerprint(inputs: &[InputFile], config: &Config) -> String {
    let files: Vec<(String, u64, u64)> = inputs
        .iter()
        .map(|f| {
            let path = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
            (path.to_string_lossy().into_owned(), f.size, f.mtime_ns)
        })
        .collect();
    let mut config = config.clone();
    config.run.memory_budget = crate::Config::default().run.memory_budget;
    config.run.work_compression = crate::Config::default().run.work_compression;
    let value = serde_json::json!({ "inputs": files, "config": config });
    let bytes = serde_json::to_vec(&value).unwrap_or_default();
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
}

/// The archive snapshot a new run plans against; a batch the archive already holds is refused.
pub(crate) fn plan(root: &Path, config: &Config, inputs: &[InputFile]) -> Result<Snapshot> {
    let root = std::path::absolute(root).map_err(Error::io("resolving", root))?;
    let manifest = super::snapshot(&root, config)?;
    let print = fingerprint(inputs, &super::with_archive_partitions(config, Some(&manifest)));
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

/// Fails unless the archive is the one the batch was planned against (its whole `archive.json`, not only its
/// batch count: an archive restored from a backup and refilled is another archive).
pub(crate) fn check_unchanged(current: &Manifest, snap: &Snapshot) -> Result<()> {
    if *current == snap.manifest {
        return Ok(());
    }
    Err(Error::Config(format!(
        "the archive {} changed since this batch was planned ({} batches then, {} now): another run added to \
         it; run this batch again in a new output folder (or with --force)",
        snap.root.display(),
        snap.manifest.generation(),
        current.generation()
    )))
}

/// Before any work of a resumed run: the archive must still be the planned one, unless this batch is in it
/// already (a run killed after its add's commit).
pub(crate) fn check_resumable(snap: &Snapshot, inputs: &[InputFile], config: &Config) -> Result<()> {
    let current = super::load(&snap.root)?.unwrap_or_else(|| snap.manifest.clone());
    let print = fingerprint(inputs, config);
    if current.batches.iter().any(|b| b.fingerprint == print) {
        return Ok(());
    }
    check_unchanged(&current, snap)
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

/// The finished batch as `finish` hands it to the archive: where its work files are and what dedup decided.
pub(crate) struct Finished<'a> {
    /// The run's work folder.
    pub layout: &'a Layout,
    /// The run's config.
    pub config: &'a Config,
    /// The archive as the plan saw it.
    pub snapshot: &'a Snapshot,
    /// The run's input files.
    pub inputs: &'a [InputFile],
    /// The shard indices.
    pub shards: Vec<u32>,
    /// Every dedup decision (exact and near, merged) by ordinal.
    pub decisions: OrdinalMap<Decision>,
    /// Counts from `stats.json`.
    pub totals: Totals,
    /// True when the run counted site lines (`lines/P.counts` of every partition go into the archive).
    pub site_counts: bool,
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
    /// Documents of the batch whose id the archive had seen (a page scraped again): accepted, counted.
    #[serde(default)]
    pub ids_seen_before: u64,
    /// The first of them: id, the archived batch that read it, where this batch read it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids_seen_before_examples: Vec<super::ArchivedId>,
}

/// Adds the finished batch to its archive (unless it is there already: a rerun after a kill).
pub(crate) fn add(batch: Finished<'_>, held: Option<&ArchiveLock>) -> Result<AddReport> {
    let snap = batch.snapshot;
    let _lock = match held {
        Some(_) => None,
        None => Some(ArchiveLock::acquire(&snap.root)?),
    };
    let paths = Paths::new(&snap.root);
    let print = fingerprint(batch.inputs, batch.config);
    let current = super::load(&snap.root)?.unwrap_or_else(|| snap.manifest.clone());
    if let Some(b) = current.batches.iter().find(|b| b.fingerprint == print) {
        // Added by a run killed after the commit: what it had not deleted yet goes now.
        collect_garbage(&paths, &current)?;
        // What an add that never stopped reports.
        return Ok(AddReport {
            batch: b.number,
            kept: b.kept,
            duplicates_of_archive: b.duplicates_of_archive,
            batches: b.number + 1,
            ..AddReport::default()
        });
    }
    check_unchanged(&current, snap)?;
    collect_garbage(&paths, &current)?;
    let number = current.generation();
    let mut info = Contents::gather(&batch, number)?.write(&paths, &batch)?;
    info.batch.fingerprint = print;
    let mut next = current.clone();
    let parts = batch.config.run.partitions;
    if next.partitions.len() != parts as usize {
        return Err(Error::ArchiveDamaged {
            path: paths.manifest(),
            message: format!("{} partitions listed, the settings say {parts}", next.partitions.len()),
        });
    }
    for p in 0..parts {
        let part = &mut next.partitions[p as usize];
        let mut kinds = vec![
            (RunKind::Exact, &mut part.exact),
            (RunKind::Bands, &mut part.bands),
            (RunKind::Ids, &mut part.ids),
        ];
        if batch.site_counts {
            kinds.push((RunKind::Sites, &mut part.sites));
        }
        for (kind, runs) in kinds {
            runs.push(RunRef {
                file: run_name(kind, number, number),
                records: info_records(&info, kind, p),
            });
            merge_tail(&paths.index(p), kind, runs)?;
            point();
        }
    }
    let report = AddReport {
        batch: number,
        kept: info.batch.kept,
        duplicates_of_archive: info.batch.duplicates_of_archive,
        batches: number + 1,
        ..AddReport::default()
    };
    next.batches.push(info.batch);
    point();
    // The batch's files on disk first (some were synced behind the work: `work::syncer`).
    crate::work::syncer::settle(&paths.root)?;
    // The commit: from here on the batch is in the archive.
    json::write(&paths.manifest(), &next)?;
    point();
    collect_garbage(&paths, &next)?;
    point();
    Ok(report)
}

fn info_records(info: &Written, kind: RunKind, p: u32) -> u64 {
    let counts = match kind {
        RunKind::Exact => &info.exact_records,
        RunKind::Bands => &info.band_records,
        RunKind::Sites => &info.site_records,
        RunKind::Ids => &info.id_records,
    };
    counts.get(p as usize).copied().unwrap_or(0)
}

fn run_name(kind: RunKind, first: u32, last: u32) -> String {
    let k = match kind {
        RunKind::Exact => "exact",
        RunKind::Bands => "bands",
        RunKind::Sites => "sites",
        RunKind::Ids => "ids",
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
            RunReader::open(&dir.join(&a.file), kind).map_err(super::damaged(dir))?,
            RunReader::open(&dir.join(&b.file), kind).map_err(super::damaged(dir))?,
        ];
        let records = merge(&inputs, kind, &dir.join(&name)).map_err(super::damaged(dir))?;
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
            let named = part
                .exact
                .iter()
                .chain(&part.bands)
                .chain(&part.sites)
                .chain(&part.ids)
                .any(|r| r.file == name);
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

/// One stored document of the batch: an exact keeper (kept, or removed as a near duplicate), in ordinal
/// order; its position is its archive sequence number.
struct Stored {
    ordinal: Ordinal,
    hash: u128,
    id: String,
    rank: Vec<u8>,
    /// Removed as a near duplicate (then never a candidate again: no bands, no shingles).
    near_dup: bool,
}

/// What a batch adds, gathered from the run's key files and decisions: O(batch) ids, not texts or sketches.
struct Contents {
    number: u32,
    stored: Vec<Stored>,
    ledger: Vec<Entry>,
    duplicates_in_batch: u64,
    duplicates_of_archive: u64,
}

/// The written batch: its entry in `archive.json` and its runs' record counts.
struct Written {
    batch: Batch,
    exact_records: Vec<u64>,
    band_records: Vec<u64>,
    site_records: Vec<u64>,
    id_records: Vec<u64>,
}

impl Contents {
    fn gather(b: &Finished<'_>, number: u32) -> Result<Contents> {
        let mut keys = Vec::new();
        for shard in &b.shards {
            for p in 0..b.config.run.partitions {
                KeyPartition::read(&b.layout.keys(*shard), p)?.exact_keys(&mut keys)?;
            }
        }
        keys.sort_unstable_by_key(|k| k.ordinal);
        let (mut stored, mut copies) = (Vec::new(), Vec::new());
        for key in keys {
            match b.decisions.get(&key.ordinal.0) {
                Some(Decision::Exact {
                    keeper_id, archived, ..
                }) => copies.push((key, keeper_id.clone(), *archived)),
                d => stored.push(Stored {
                    near_dup: matches!(d, Some(Decision::Near { .. })),
                    ordinal: key.ordinal,
                    hash: key.hash,
                    id: key.id,
                    rank: key.rank,
                }),
            }
        }
        let mut c = Contents {
            number,
            stored,
            ledger: Vec::new(),
            duplicates_in_batch: 0,
            duplicates_of_archive: 0,
        };
        c.ledger = c.ledger_entries(b, copies)?;
        Ok(c)
    }

    /// Every deduplicated document → the archived document it went to, in ordinal order.
    fn ledger_entries(
        &mut self,
        b: &Finished<'_>,
        copies: Vec<(ExactKey, String, Option<Ordinal>)>,
    ) -> Result<Vec<Entry>> {
        let number = self.number;
        let seq_of: std::collections::HashMap<&str, u32> = self
            .stored
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i as u32))
            .collect();
        let keeper = |id: &str, archived_keeper: Option<Ordinal>| -> Result<Ordinal> {
            match archived_keeper {
                Some(o) => Ok(o),
                None => seq_of
                    .get(id)
                    .map(|s| archived(number, *s))
                    .ok_or_else(|| Error::Corrupt {
                        path: b.layout.work.clone(),
                        message: format!("a duplicate's keeper {id:?} is not among the batch's documents"),
                    }),
            }
        };
        let mut ledger = Vec::with_capacity(self.stored.len() + copies.len());
        for (i, s) in self.stored.iter().enumerate() {
            let own = archived(number, i as u32);
            let (kind, to) = match b.decisions.get(&s.ordinal.0) {
                Some(Decision::Near {
                    keeper_id, archived: a, ..
                }) => (Kind::Near, keeper(keeper_id, *a)?),
                _ => (Kind::Kept, own),
            };
            ledger.push((
                s.ordinal,
                Entry {
                    kind,
                    member: Some(own),
                    keeper: to,
                    id: s.id.clone(),
                },
            ));
        }
        for (key, keeper_id, a) in copies {
            let to = keeper(&keeper_id, a)?;
            ledger.push((
                key.ordinal,
                Entry {
                    kind: Kind::Exact,
                    member: None,
                    keeper: to,
                    id: key.id,
                },
            ));
        }
        ledger.sort_by_key(|(o, _)| *o);
        for (_, e) in &ledger {
            if e.kind != Kind::Kept {
                match e.keeper.shard() - super::ARCHIVED < number {
                    true => self.duplicates_of_archive += 1,
                    false => self.duplicates_in_batch += 1,
                }
            }
        }
        Ok(ledger.into_iter().map(|(_, e)| e).collect())
    }

    /// The archive sequence number of a stored document.
    fn seq(&self, o: Ordinal) -> Option<u32> {
        self.stored
            .binary_search_by_key(&o, |s| s.ordinal)
            .ok()
            .map(|i| i as u32)
    }

    /// Writes the batch's files: band runs (which say which documents have sketches), the documents, the
    /// ledger, the exact runs.
    fn write(self, paths: &Paths, b: &Finished<'_>) -> Result<Written> {
        let dir = paths.batch(self.number);
        std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
        let parts = b.config.run.partitions;
        let mut has_bands = vec![false; self.stored.len()];
        let mut band_records = Vec::with_capacity(parts as usize);
        for p in 0..parts {
            // One partition's records at a time: about 1/partitions of the batch's bands in memory.
            let mut records = Vec::new();
            for shard in &b.shards {
                KeyPartition::read(&b.layout.keys(*shard), p)?.bands(|band, o| {
                    // Near duplicates keep their band records (not their shingles): in one run they hold places
                    // in the heads of large buckets (`bucket_head`), which decides which pairs are compared.
                    if let Some(seq) = self.seq(o) {
                        has_bands[seq as usize] = true;
                        records.push((u128::from(band).to_be_bytes(), archived(self.number, seq).0));
                    }
                    Ok(())
                })?;
            }
            band_records.push(write_run(paths, p, RunKind::Bands, self.number, records)?);
        }
        self.write_docs(paths, b, &has_bands)?;
        point();
        ledger::write(&paths.ledger(self.number), &self.ledger)?;
        point();
        let mut exact_records = Vec::with_capacity(parts as usize);
        for p in 0..parts {
            let records: Vec<([u8; 16], u64)> = self
                .stored
                .iter()
                .enumerate()
                .filter(|(_, s)| (s.hash as u64) % u64::from(parts) == u64::from(p))
                .map(|(i, s)| (s.hash.to_be_bytes(), archived(self.number, i as u32).0))
                .collect();
            exact_records.push(write_run(paths, p, RunKind::Exact, self.number, records)?);
        }
        let mut id_records = Vec::with_capacity(parts as usize);
        for p in 0..parts {
            let mut ids = Vec::new();
            for shard in &b.shards {
                KeyPartition::read(&b.layout.keys(*shard), p)?.ids(&mut ids)?;
            }
            let records = ids
                .iter()
                .map(|r| (r.hash.to_be_bytes(), u64::from(self.number)))
                .collect();
            id_records.push(write_run(paths, p, RunKind::Ids, self.number, records)?);
        }
        let mut site_records = Vec::new();
        if b.site_counts {
            for p in 0..parts {
                site_records.push(copy_counts(paths, b.layout, p, self.number)?);
            }
        }
        let dups = self.duplicates_in_batch + self.duplicates_of_archive;
        Ok(Written {
            site_records,
            id_records,
            batch: Batch {
                number: self.number,
                fingerprint: String::new(),
                inputs: b
                    .inputs
                    .iter()
                    .map(|f| {
                        f.path
                            .file_name()
                            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                    })
                    .collect(),
                docs_in: b.totals.docs_in,
                kept: self.ledger.iter().filter(|e| e.kind == Kind::Kept).count() as u64,
                removed_by_stages: b.totals.removed.saturating_sub(dups),
                duplicates_in_batch: self.duplicates_in_batch,
                duplicates_of_archive: self.duplicates_of_archive,
                stored: self.stored.len() as u32,
            },
            exact_records,
            band_records,
        })
    }

    /// `docs.sketch`: every stored document in order, with its bands and shingles when it has them, read
    /// from the run's sketch files a chunk at a time.
    fn write_docs(&self, paths: &Paths, b: &Finished<'_>, has_bands: &[bool]) -> Result<()> {
        const CHUNK: usize = 4096;
        let mut docs = SketchWriter::create_as(&paths.docs(self.number), Format::ARCHIVE)?;
        let mut buf = Vec::new();
        let mut lens = Vec::new();
        let mut reader: Option<(u32, SketchReader)> = None;
        let mut at = 0;
        while at < self.stored.len() {
            // A chunk never spans two shards: one sketch file per read.
            let shard = self.stored[at].ordinal.shard();
            let mut to = at;
            while to < self.stored.len() && to - at < CHUNK && self.stored[to].ordinal.shard() == shard {
                to += 1;
            }
            let seqs: Vec<u32> = (at..to)
                .filter(|i| has_bands[*i])
                .map(|i| self.stored[i].ordinal.seq())
                .collect();
            // Opened once per shard, and only when a document has a sketch (none without near dedup).
            if !seqs.is_empty() && reader.as_ref().is_none_or(|(s, _)| *s != shard) {
                reader = Some((shard, SketchReader::open(&b.layout.sketch(shard))?));
            }
            let mut sketches = match (seqs.is_empty(), &mut reader) {
                (false, Some((s, r))) if *s == shard => r.read(&seqs)?,
                _ => Vec::new(),
            }
            .into_iter()
            .peekable();
            buf.clear();
            lens.clear();
            for (i, s) in self.stored[at..to].iter().enumerate() {
                let seq = (at + i) as u32;
                let before = buf.len();
                match sketches.next_if(|(r, _)| r.seq == s.ordinal.seq()) {
                    // A near duplicate is never verified again: its bands place it in buckets, no shingles.
                    Some((r, _)) if s.near_dup => sketch::encode(&mut buf, seq, &s.id, &s.rank, &r.sketch.bands, &[]),
                    Some((r, payload)) => sketch::encode(&mut buf, seq, &s.id, &s.rank, &r.sketch.bands, &payload),
                    None => sketch::encode(&mut buf, seq, &s.id, &s.rank, &[], &[]),
                }
                lens.push((seq, (buf.len() - before) as u32));
            }
            docs.append(&buf, &lens)?;
            at = to;
        }
        docs.finish()
    }
}

/// Puts the run's site-line counts of partition `p` (written by `lines-count` in the archive's run format)
/// into the archive as this batch's run; returns its record count.
fn copy_counts(paths: &Paths, layout: &Layout, p: u32, number: u32) -> Result<u64> {
    let from = layout.line_counts(p);
    let records = RunReader::open(&from, RunKind::Sites)?.records_len();
    let dir = paths.index(p);
    std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
    let bytes = std::fs::read(&from).map_err(Error::io("reading", &from))?;
    crate::work::write_atomic(&dir.join(run_name(RunKind::Sites, number, number)), &bytes)?;
    point();
    Ok(records)
}

/// Writes one index run of this batch; returns its record count.
fn write_run(paths: &Paths, p: u32, kind: RunKind, number: u32, mut records: Vec<([u8; 16], u64)>) -> Result<u64> {
    let dir = paths.index(p);
    std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
    records.sort_unstable();
    let mut w = RunWriter::create(&dir.join(run_name(kind, number, number)), kind)?;
    for (key, o) in records {
        w.push(&key[16 - kind.key_len()..], o)?;
    }
    let n = w.finish()?;
    point();
    Ok(n)
}
