//! Where everything lives under `OUT/` (DESIGN §4): the outputs, and the resumable state under `OUT/work/`
//! with, for each work file, the task that writes it ([`Layout::producer`]) — so that a work file found
//! damaged sends its task back to be redone.

use std::path::{Path, PathBuf};

use super::step::Step;
use crate::{Error, Result};

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
    /// Survivors of the scan of a shard.
    pub fn scan_docs(&self, shard: u32) -> PathBuf {
        self.work.join(format!("scan/{shard:05}.lines"))
    }
    /// Documents removed by the scan of a shard.
    pub fn scan_removed(&self, shard: u32) -> PathBuf {
        self.work.join(format!("scan/{shard:05}.removed.lines"))
    }
    /// Dedup keys of a shard, by partition.
    pub fn keys(&self, shard: u32) -> PathBuf {
        self.work.join(format!("keys/{shard:05}.bin"))
    }
    /// Exact-dedup decisions of a partition, by shard.
    pub fn dups(&self, partition: u32) -> PathBuf {
        self.work.join(format!("dups/{partition:05}.bin"))
    }
    /// Near-dup sketches of a shard (with `.idx`).
    pub fn sketch(&self, shard: u32) -> PathBuf {
        self.work.join(format!("near/{shard:05}.sketch"))
    }
    /// Verified near-dup pairs of a partition.
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
    /// Story terms of a shard's survivors.
    pub fn story_terms(&self, shard: u32) -> PathBuf {
        self.work.join(format!("story/{shard:05}.terms"))
    }
    /// Stories and related documents of a shard's kept documents.
    pub fn story_links(&self, shard: u32) -> PathBuf {
        self.work.join(format!("story/{shard:05}.links"))
    }

    /// The story step's scratch file of vectors, when they do not fit in its share of the memory budget
    /// (removed when the step is done).
    pub fn story_vectors(&self) -> PathBuf {
        self.work.join("story/vectors.scratch")
    }
    /// Site-line records of a shard.
    pub fn line_records(&self, shard: u32) -> PathBuf {
        self.work.join(format!("lines/{shard:05}.bin"))
    }
    /// Site-line tables of a partition.
    pub fn line_tables(&self, partition: u32) -> PathBuf {
        self.work.join(format!("lines/{partition:05}.tables"))
    }
    /// A partition's site-line counts of this batch, for its news archive (an archive run file).
    pub fn line_counts(&self, partition: u32) -> PathBuf {
        self.work.join(format!("lines/{partition:05}.counts"))
    }
    /// Sorted runs of a partition's site-line records of one kind.
    pub fn line_sort_runs(&self, partition: u32, kind: &str) -> PathBuf {
        self.work.join(format!("lines/sort-{partition:05}-{kind}"))
    }
    /// A shard's records held back by `scan` for `scan-sited` (see [`super::staged`]).
    pub fn staged(&self, shard: u32) -> PathBuf {
        self.work.join(format!("staged/{shard:05}.docs"))
    }
    /// The statistics of task `task` of `step`.
    pub fn task_stats(&self, step: Step, task: u32) -> PathBuf {
        self.work.join(format!("stats/{}/{task:05}.json", step.name()))
    }
    /// The folder of the time records of `step`: one per invocation that ran it.
    pub fn time_records(&self, step: Step) -> PathBuf {
        self.work.join("time").join(step.name())
    }
    /// The time record of invocation `invocation` in `step` (no task wrote it: not redone when damaged).
    pub fn time_record(&self, step: Step, invocation: &str) -> PathBuf {
        self.time_records(step).join(format!("{invocation}.json"))
    }
    /// The completion marker of task `task` of `step`.
    pub fn marker(&self, step: Step, task: u32) -> PathBuf {
        self.work.join(format!("markers/{}/{task:05}.done", step.name()))
    }
    /// True when the task has completed (its marker is there, or handed to the syncing thread by this
    /// process: [`super::syncer`]).
    pub fn is_done(&self, step: Step, task: u32) -> bool {
        super::syncer::is_marked(&self.marker(step, task))
    }
    /// Marks a task complete; call only once all its outputs are in place. The marker is created once every
    /// file committed before it is synced ([`super::syncer::mark`]: it never stands over a torn file), and
    /// counts as there in this process at once.
    pub fn mark_done(&self, step: Step, task: u32) -> Result<()> {
        super::syncer::mark(&self.marker(step, task), &self.out)
    }
    /// Takes a task's marker back (so that a run redoes the task): false when it had none.
    pub fn unmark(&self, step: Step, task: u32) -> Result<bool> {
        super::syncer::unmark(&self.marker(step, task))
    }
    /// Waits for the syncs and markers this run handed to the syncing thread; the first failure, naming its
    /// file ([`super::syncer::settle`]).
    pub fn settle(&self) -> Result<()> {
        super::syncer::settle(&self.out)
    }

    /// The task that writes the work file `path` — `(step, task)` — if it is one of ours. A damaged work file
    /// is remade by removing that task's marker: the next run redoes the task from its inputs.
    pub fn producer(&self, path: &Path) -> Option<(Step, u32)> {
        let rel = path.strip_prefix(&self.work).ok()?;
        let parts: Vec<&str> = rel.iter().filter_map(|p| p.to_str()).collect();
        let number = |name: &str| name.get(..5).and_then(|n| n.parse::<u32>().ok());
        match parts.as_slice() {
            ["scan" | "keys", name] => Some((Step::Scan, number(name)?)),
            ["dups", name] => Some((Step::Cluster, number(name)?)),
            ["near", "edges", name] => Some((Step::Near, number(name)?)),
            ["near", "clusters.bin"] => Some((Step::NearClusters, 0)),
            ["near", name] => Some((Step::Scan, number(name)?)),
            ["story", name] if name.ends_with(".links") => Some((Step::Story, 0)),
            ["story", name] => Some((Step::Scan, number(name)?)),
            ["lines", name] if name.ends_with(".tables") || name.ends_with(".counts") => {
                Some((Step::LinesCount, number(name)?))
            }
            ["lines" | "staged", name] => Some((Step::Scan, number(name)?)),
            ["stats", step, name] => Some((step.parse().ok()?, number(name)?)),
            _ => None,
        }
    }

    /// Creates every folder.
    pub fn create(&self) -> Result<()> {
        let mut dirs = vec![
            self.kept(),
            self.removed(),
            self.work.join("scan"),
            self.work.join("keys"),
            self.work.join("dups"),
            self.work.join("lines"),
            self.work.join("staged"),
            self.work.join("near/edges"),
            self.work.join("story"),
        ];
        for step in Step::ALL {
            dirs.push(self.work.join("markers").join(step.name()));
            dirs.push(self.work.join("stats").join(step.name()));
            dirs.push(self.time_records(step));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_work_file_names_the_task_that_writes_it() {
        let l = Layout::new(Path::new("/o"));
        let cases = [
            (l.scan_docs(3), Some((Step::Scan, 3))),
            (l.scan_removed(3), Some((Step::Scan, 3))),
            (l.keys(4), Some((Step::Scan, 4))),
            (l.sketch(5), Some((Step::Scan, 5))),
            (super::super::sketch::index_path(&l.sketch(5)), Some((Step::Scan, 5))),
            (l.dups(6), Some((Step::Cluster, 6))),
            (l.edges(7), Some((Step::Near, 7))),
            (l.clusters(), Some((Step::NearClusters, 0))),
            (l.line_records(8), Some((Step::Scan, 8))),
            (l.line_tables(9), Some((Step::LinesCount, 9))),
            (l.staged(2), Some((Step::Scan, 2))),
            (l.task_stats(Step::Write, 1), Some((Step::Write, 1))),
            (l.task_stats(Step::NearClusters, 0), Some((Step::NearClusters, 0))),
            (l.manifest(), None),
            (l.time_record(Step::Scan, "0000000000000000001-42"), None),
            (l.kept().join("part-00000-000.jsonl.zst"), None),
        ];
        for (path, expected) in cases {
            assert_eq!(l.producer(&path), expected, "{}", path.display());
        }
    }
}
