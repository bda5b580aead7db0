//! Where everything lives under `OUT/` (DESIGN §4): the outputs, and the resumable state under `OUT/work/`.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The three phases, as named in marker and stats folders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Site lines: hashing per shard (index = shard), counting per partition (index = 2^30 + partition).
    Lines,
    /// Read, stages, keys.
    Scan,
    /// Global grouping.
    Cluster,
    /// Near-dup candidates and verification, per partition (index = partition), then the clustering
    /// (index = the number of partitions).
    Near,
    /// Routing to kept/removed.
    Write,
}

impl Phase {
    /// The folder name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Lines => "lines",
            Phase::Scan => "scan",
            Phase::Cluster => "cluster",
            Phase::Near => "near",
            Phase::Write => "write",
        }
    }
}

/// Paths of one output directory.
#[derive(Clone, Debug)]
pub struct Layout {
    /// `OUT/`.
    pub out: PathBuf,
    /// `OUT/work/`.
    pub work: PathBuf,
}

impl Layout {
    /// The layout of `out`.
    pub fn new(out: &Path) -> Layout {
        Layout {
            out: out.to_owned(),
            work: out.join("work"),
        }
    }
    /// `work/manifest.json`.
    pub fn manifest(&self) -> PathBuf {
        self.work.join("manifest.json")
    }
    /// `stats.json`.
    pub fn stats(&self) -> PathBuf {
        self.out.join("stats.json")
    }
    /// `kept/`.
    pub fn kept(&self) -> PathBuf {
        self.out.join("kept")
    }
    /// `removed/`.
    pub fn removed(&self) -> PathBuf {
        self.out.join("removed")
    }
    /// Survivors of the scan phase for a shard.
    pub fn scan_docs(&self, shard: u32) -> PathBuf {
        self.work.join(format!("scan/{shard:05}.jsonl.zst"))
    }
    /// Documents removed in the scan phase for a shard.
    pub fn scan_removed(&self, shard: u32) -> PathBuf {
        self.work.join(format!("scan/{shard:05}.removed.jsonl.zst"))
    }
    /// Dedup keys of a shard, by partition.
    pub fn keys(&self, shard: u32) -> PathBuf {
        self.work.join(format!("keys/{shard:05}.bin"))
    }
    /// Decisions of a partition, by shard.
    pub fn dups(&self, partition: u32) -> PathBuf {
        self.work.join(format!("dups/{partition:05}.bin"))
    }
    /// Near-dup sketches of a shard (with `.idx`).
    pub fn sketch(&self, shard: u32) -> PathBuf {
        self.work.join(format!("near/{shard:05}.sketch"))
    }
    /// Verified near-dup edges of a partition.
    pub fn edges(&self, partition: u32) -> PathBuf {
        self.work.join(format!("near/edges/{partition:05}.bin"))
    }
    /// Sorted runs of a partition's band records, when they exceed the memory budget.
    pub fn sort_runs(&self, partition: u32) -> PathBuf {
        self.work.join(format!("near/sort/{partition:05}"))
    }
    /// Near-dup decisions, by shard.
    pub fn clusters(&self) -> PathBuf {
        self.work.join("near/clusters.bin")
    }
    /// Per-task statistics.
    pub fn task_stats(&self, phase: Phase, index: u32) -> PathBuf {
        self.work.join(format!("stats/{}/{index:05}.json", phase.name()))
    }
    /// Completion marker of a task.
    pub fn marker(&self, phase: Phase, index: u32) -> PathBuf {
        self.work.join(format!("markers/{}/{index:05}.done", phase.name()))
    }
    /// True when the task has completed.
    pub fn is_done(&self, phase: Phase, index: u32) -> bool {
        self.marker(phase, index).exists()
    }
    /// Marks a task complete; call only once all its outputs are in place.
    pub fn mark_done(&self, phase: Phase, index: u32) -> Result<()> {
        crate::work::write_atomic(&self.marker(phase, index), b"")
    }
    /// Creates every folder.
    pub fn create(&self) -> Result<()> {
        let mut dirs = vec![
            self.kept(),
            self.removed(),
            self.work.join("scan"),
            self.work.join("keys"),
            self.work.join("dups"),
            self.work.join("near/edges"),
        ];
        for phase in [Phase::Lines, Phase::Scan, Phase::Cluster, Phase::Near, Phase::Write] {
            dirs.push(self.work.join("markers").join(phase.name()));
            dirs.push(self.work.join("stats").join(phase.name()));
        }
        for dir in dirs {
            std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
        }
        Ok(())
    }
    /// Removes a previous run's outputs and state (for `--force`, and before a plan). The manifest goes
    /// first and `stats.json` second: a clear killed half-way leaves an `OUT` that the next run plans again,
    /// never one that looks complete or resumable with half its files gone.
    pub fn clear(&self) -> Result<()> {
        for file in [self.manifest(), self.stats(), self.out.join("report.html")] {
            if file.exists() {
                std::fs::remove_file(&file).map_err(Error::io("removing", &file))?;
            }
        }
        for dir in [self.kept(), self.removed(), self.work.clone()] {
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(Error::io("removing", &dir))?;
            }
        }
        Ok(())
    }
}

/// Reads a JSON file written by a previous task.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let data = std::fs::read(path).map_err(Error::io("reading", path))?;
    serde_json::from_slice(&data).map_err(|e| Error::Corrupt {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Writes a JSON file atomically.
pub(crate) fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut data = serde_json::to_vec_pretty(value).map_err(|e| Error::Corrupt {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    data.push(b'\n');
    crate::work::write_atomic(path, &data)
}
