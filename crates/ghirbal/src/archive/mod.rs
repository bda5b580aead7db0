//! The news archive (issue #18): everything a later batch must be deduplicated against, kept on disk so that
//! a day's batch costs O(batch · log archive), not a rerun of the archive.
//!
//! ```text
//! ARCHIVE/archive.json                 the commit point: settings, batches, the index runs of each partition
//!         ghirbal.lock                 the OS lock an add holds (one add at a time)
//!         batches/NNNNNN/docs.sketch   the batch's exact keepers by archive sequence number: id, rank, LSH
//!                        docs.sketch.idx   bands and shingles (shingles only for the kept ones)
//!         batches/NNNNNN/ledger.bin    every deduplicated document of the batch → the document it went to
//!         index/PPPPP/exact-F-L.run    sorted runs (`run.rs`): exact key → first archived document with it
//!         index/PPPPP/bands-F-L.run    band hash → archived keeper (batches F..L)
//!         index/PPPPP/sites-F-L.run    (site, line) → documents with the line, documents opening with it
//!         index/PPPPP/ids-F-L.run      id hash → the batch that read it (every document read)
//! ```
//! The site-line counts cover every document read that had a site (as a run's `lines-count` does), so a
//! site's footer or a related headline is recognised in a batch that has too few copies of it alone.
//! An archived document's [`Ordinal`] has shard `ARCHIVED + batch` and its sequence number in the batch, so
//! the near step treats it like a document of its own run that always comes first in keep order.
//!
//! Adding is atomic: a batch's files are written under new names, then `archive.json` is replaced
//! (`work::write_atomic`) — the one moment the batch becomes part of the archive; files no `archive.json`
//! names (a killed add's, runs merged away) are deleted by the next add. Nothing in the archive holds a time
//! or a path of the machine, so an add killed and rerun writes the bytes of an add that never stopped.

pub mod add;
pub mod ledger;
pub(crate) mod lookup;
pub(crate) mod run;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::work::json;
use crate::{Config, Error, Ordinal, Result};

/// Version of the archive's files (its JSON and every binary header).
pub const FORMAT: u32 = 1;

/// Shards at and above this index are archived batches (batch = shard − ARCHIVED).
pub const ARCHIVED: u32 = 1 << 31;

/// The ordinal of document `seq` of archived batch `batch`.
pub fn archived(batch: u32, seq: u32) -> Ordinal {
    Ordinal::new(ARCHIVED + batch, seq)
}

/// True for the ordinal of an archived document.
pub fn is_archived(o: Ordinal) -> bool {
    o.shard() >= ARCHIVED
}

/// What `archive.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: u32,
    /// The settings every batch must share (what makes keys and bands comparable).
    pub settings: serde_json::Value,
    /// Batches in the order they were added.
    pub batches: Vec<Batch>,
    /// Per partition, its index runs, oldest first.
    pub partitions: Vec<PartitionRuns>,
}

/// One added batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Its number (its position in [`Manifest::batches`]).
    pub number: u32,
    /// xxh3 of the batch's input list (paths, sizes, modification times) and its config: the same batch
    /// added twice is refused.
    pub fingerprint: String,
    /// The input files, as given.
    pub inputs: Vec<String>,
    /// Documents read.
    pub docs_in: u64,
    /// Documents kept (added as keepers).
    pub kept: u64,
    /// Documents removed by the stages (filters, repairs that emptied them).
    pub removed_by_stages: u64,
    /// Documents removed as duplicates of another document of the batch.
    pub duplicates_in_batch: u64,
    /// Documents removed as duplicates of archived documents.
    pub duplicates_of_archive: u64,
    /// Documents stored in `docs.sketch` (the kept ones and the near duplicates, whose exact key later
    /// copies may meet).
    pub stored: u32,
}

/// The index runs of one partition.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartitionRuns {
    /// Exact-key runs.
    pub exact: Vec<RunRef>,
    /// Band runs.
    pub bands: Vec<RunRef>,
    /// Site-line count runs (when the batches use site tables).
    #[serde(default)]
    pub sites: Vec<RunRef>,
    /// Id runs (the id hash of every document read, with its batch).
    #[serde(default)]
    pub ids: Vec<RunRef>,
}

/// One sorted run file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRef {
    /// File name inside `index/PPPPP/`.
    pub file: String,
    /// Records.
    pub records: u64,
}

impl Manifest {
    /// An empty archive with `config`'s settings.
    pub fn empty(config: &Config) -> Manifest {
        Manifest {
            format: FORMAT,
            settings: settings(config),
            batches: Vec::new(),
            partitions: vec![PartitionRuns::default(); config.run.partitions as usize],
        }
    }

    /// The generation: batches added so far.
    pub fn generation(&self) -> u32 {
        self.batches.len() as u32
    }
}

/// What must not change between the batches of one archive: the key form, the dedup settings, the
/// partitions — a key or band computed otherwise would never meet its copy.
fn settings(config: &Config) -> serde_json::Value {
    let mut dedup = serde_json::to_value(&config.dedup).unwrap_or_default();
    if let Some(d) = dedup.as_object_mut() {
        // How duplicates are shown does not change what they are.
        d.remove("mode");
    }
    serde_json::json!({
        "partitions": config.run.partitions,
        "key": serde_json::to_value(config.key).unwrap_or_default(),
        "normalize": config.has_stage("normalize"),
        "exact": config.exact_dedup(),
        "near": config.near_dedup(),
        "dedup": dedup,
    })
}

/// Paths inside an archive folder.
#[derive(Clone, Debug)]
pub struct Paths {
    /// The folder.
    pub root: PathBuf,
}

impl Paths {
    /// The paths of the archive at `root`.
    pub fn new(root: &Path) -> Paths {
        Paths { root: root.to_owned() }
    }
    /// `archive.json`.
    pub fn manifest(&self) -> PathBuf {
        self.root.join("archive.json")
    }
    /// A batch's folder.
    pub fn batch(&self, batch: u32) -> PathBuf {
        self.root.join("batches").join(format!("{batch:06}"))
    }
    /// A batch's document file.
    pub fn docs(&self, batch: u32) -> PathBuf {
        self.batch(batch).join("docs.sketch")
    }
    /// A batch's ledger.
    pub fn ledger(&self, batch: u32) -> PathBuf {
        self.batch(batch).join("ledger.bin")
    }
    /// A partition's index folder.
    pub fn index(&self, partition: u32) -> PathBuf {
        self.root.join("index").join(format!("{partition:05}"))
    }
}

/// Reads `archive.json`, or `None` when `root` holds no archive yet; a folder that holds other things is
/// refused (an archive is never made inside someone's files).
pub fn load(root: &Path) -> Result<Option<Manifest>> {
    let paths = Paths::new(root);
    if !paths.manifest().exists() {
        let foreign = std::fs::read_dir(root)
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| !matches!(e.file_name().to_str(), Some("ghirbal.lock" | "batches" | "index")))
            })
            .unwrap_or(false);
        if foreign {
            return Err(Error::Config(format!(
                "{} is not a ghirbal archive (no archive.json) and is not empty: give a new or empty folder",
                root.display()
            )));
        }
        return Ok(None);
    }
    let m: Manifest = json::read(&paths.manifest()).map_err(damaged(root))?;
    if m.format != FORMAT {
        return Err(Error::Config(format!(
            "{} is an archive of format {}; this ghirbal reads format {FORMAT}",
            root.display(),
            m.format
        )));
    }
    Ok(Some(m))
}

/// `config` with `run.partitions = "auto"` made the archive's own number, or
/// [`crate::config::MAX_AUTO_PARTITIONS`] for a new archive: an archive's partitions are fixed for its life,
/// so they cannot follow one batch's size.
pub(crate) fn with_archive_partitions(config: &Config, archive: Option<&Manifest>) -> Config {
    let mut config = config.clone();
    if config.run.partitions == crate::config::AUTO_PARTITIONS {
        config.run.partitions = archive.map_or(crate::config::MAX_AUTO_PARTITIONS, |m| m.partitions.len() as u32);
    }
    config
}

/// The archive as a run plans against it: loaded (or empty) and checked to share `config`'s settings.
pub fn snapshot(root: &Path, config: &Config) -> Result<Manifest> {
    if !config.exact_dedup() {
        return Err(Error::Config(
            "--archive needs exact dedup (the stage dedup.exact): the archive's documents are its exact keys".into(),
        ));
    }
    let loaded = load(root)?;
    let config = &with_archive_partitions(config, loaded.as_ref());
    let Some(m) = loaded else {
        return Ok(Manifest::empty(config));
    };
    let wanted = settings(config);
    if m.settings != wanted {
        return Err(Error::Config(format!(
            "{} was built with other dedup settings ({}): batches of one archive must share the key form, \
             [dedup] and run.partitions",
            root.display(),
            crate::config::first_difference(&m.settings, &wanted, String::new())
        )));
    }
    Ok(m)
}

/// The error of a read of an archive file, said as what it means: a damaged file (restore the archive), or
/// one gone since the plan (another batch was added and merged it away: plan this batch again).
pub(crate) fn damaged(root: &Path) -> impl Fn(Error) -> Error + '_ {
    move |e| match e {
        Error::Corrupt { path, message } if path.starts_with(root) => Error::ArchiveDamaged { path, message },
        Error::Io { path, op, source } if source.kind() == std::io::ErrorKind::NotFound => Error::Config(format!(
            "{op} {}: the archive {} changed since this batch was planned (another batch was added); \
             run this batch again in a new output folder",
            path.display(),
            root.display()
        )),
        e => e,
    }
}

/// A run's view of its archive: the folder and the archive as it was when the batch was planned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The archive folder (absolute).
    pub root: PathBuf,
    /// `archive.json` as the plan read it.
    pub manifest: Manifest,
}

/// The ids of a partition that the news archive has seen, as the `cluster` step records them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ArchivedIds {
    /// Documents of the batch whose id the archive has seen.
    pub count: u64,
    /// The first few.
    pub examples: Vec<ArchivedId>,
}

impl ArchivedIds {
    /// Examples kept per partition (and in `stats.json`).
    pub const EXAMPLES: usize = 10;
}

/// A document of the batch whose id the archive has seen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArchivedId {
    /// The id.
    pub id: String,
    /// The archived batch that read it first.
    pub batch: u32,
    /// Where this batch read it.
    pub at: String,
}

/// What `ghirbal archive stats` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    /// The folder.
    pub archive: PathBuf,
    /// Batches added.
    pub batches: u32,
    /// Documents read over all batches.
    pub docs_in: u64,
    /// Documents kept (the archive's keepers).
    pub kept: u64,
    /// Documents removed as duplicates within their batch.
    pub duplicates_in_batch: u64,
    /// Documents removed as duplicates of documents of earlier batches.
    pub duplicates_of_archive: u64,
    /// Documents removed by the stages.
    pub removed_by_stages: u64,
    /// Index runs over all partitions (exact keys, bands, site counts, ids).
    pub index_runs: usize,
    /// Bytes on disk.
    pub disk_bytes: u64,
    /// Bytes on disk per kept document.
    pub bytes_per_kept_doc: f64,
    /// Every batch.
    pub batch_list: Vec<Batch>,
}

/// Counts and sizes of the archive at `root`.
pub fn stats(root: &Path) -> Result<Stats> {
    let m = load(root)?.ok_or_else(|| Error::Config(format!("{} holds no archive", root.display())))?;
    let sum = |f: fn(&Batch) -> u64| m.batches.iter().map(f).sum::<u64>();
    let kept = sum(|b| b.kept);
    let disk_bytes = disk_size(root);
    Ok(Stats {
        archive: root.to_owned(),
        batches: m.generation(),
        docs_in: sum(|b| b.docs_in),
        kept,
        duplicates_in_batch: sum(|b| b.duplicates_in_batch),
        duplicates_of_archive: sum(|b| b.duplicates_of_archive),
        removed_by_stages: sum(|b| b.removed_by_stages),
        index_runs: m
            .partitions
            .iter()
            .map(|p| p.exact.len() + p.bands.len() + p.sites.len() + p.ids.len())
            .sum(),
        disk_bytes,
        bytes_per_kept_doc: disk_bytes as f64 / kept.max(1) as f64,
        batch_list: m.batches.clone(),
    })
}

fn disk_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => disk_size(&e.path()),
                _ => e.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "archive {}: {} batches", self.archive.display(), self.batches)?;
        writeln!(
            f,
            "  documents: {} read, {} kept, {} duplicates within their batch, {} duplicates of earlier batches, \
             {} removed by the stages",
            self.docs_in, self.kept, self.duplicates_in_batch, self.duplicates_of_archive, self.removed_by_stages
        )?;
        writeln!(
            f,
            "  disk: {:.1} MB ({:.0} bytes per kept document), {} index runs",
            self.disk_bytes as f64 / 1e6,
            self.bytes_per_kept_doc,
            self.index_runs
        )?;
        for b in &self.batch_list {
            writeln!(
                f,
                "  batch {}: {} in, {} kept, {} copies of the archive, {} within the batch ({})",
                b.number,
                b.docs_in,
                b.kept,
                b.duplicates_of_archive,
                b.duplicates_in_batch,
                b.inputs.join(", ")
            )?;
        }
        Ok(())
    }
}
