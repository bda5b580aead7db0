//! The steps of a run as a job array sees them (`ghirbal run --phase STEP --shard i/N`, issue #7): each step
//! is a list of independent tasks (one per shard or per partition) that read and write files only, and a step
//! may start once every task of the steps before it has left its marker.
//!
//! ```text
//! plan → lines → lines-count → scan → cluster → near → near-clusters → write → finish
//! (1)    shards  partitions    shards partitions partitions (1)          shards  (1)
//! ```
//! `lines` and `lines-count` have tasks only when site lines are on, `near` and `near-clusters` only with
//! `dedup.near`. `--shard i/N` takes the tasks whose index is i modulo N, so N invocations with i = 0..N-1
//! (in any order, on any machines sharing OUT) do the step's work exactly once between them. A step that is
//! run again skips the tasks with markers, as a resumed run does.

use std::fmt;
use std::str::FromStr;

use super::layout::{Layout, Phase};
use super::lines::LINE_TABLES;
use super::manifest::Manifest;
use crate::{Config, Error, Result};

/// One step of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Expand the inputs, split them into shards and write the manifest.
    Plan,
    /// Site lines: each shard's (site, line) records.
    Lines,
    /// Site lines: each partition's table of lines repeated on a site.
    LinesCount,
    /// Read, stages, dedup keys and sketches, per shard.
    Scan,
    /// Exact groups and duplicate ids, per key partition.
    Cluster,
    /// Near-dup candidates and verified pairs, per key partition.
    Near,
    /// The near-dup clusters, from every partition's verified pairs (one task).
    NearClusters,
    /// `kept/` and `removed/`, per shard.
    Write,
    /// `stats.json` and the conservation check (one task).
    Finish,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 9] = [
        Step::Plan,
        Step::Lines,
        Step::LinesCount,
        Step::Scan,
        Step::Cluster,
        Step::Near,
        Step::NearClusters,
        Step::Write,
        Step::Finish,
    ];

    /// The name `--phase` takes.
    pub fn name(self) -> &'static str {
        match self {
            Step::Plan => "plan",
            Step::Lines => "lines",
            Step::LinesCount => "lines-count",
            Step::Scan => "scan",
            Step::Cluster => "cluster",
            Step::Near => "near",
            Step::NearClusters => "near-clusters",
            Step::Write => "write",
            Step::Finish => "finish",
        }
    }

    /// The marker of each of the step's tasks as (phase folder, index), given the plan; `None` for the steps
    /// whose completion is a file of their own (`plan`: the manifest, `finish`: `stats.json`).
    pub(crate) fn markers(self, config: &Config, manifest: &Manifest) -> Option<Vec<(Phase, u32)>> {
        let shards = || manifest.shards.iter().map(|s| s.index);
        let parts = 0..config.run.partitions;
        let site_lines = site_lines_on(config);
        let near = config.has_stage("dedup.near");
        Some(match self {
            Step::Plan | Step::Finish => return None,
            Step::Lines if site_lines => shards().map(|s| (Phase::Lines, s)).collect(),
            Step::LinesCount if site_lines => parts.map(|p| (Phase::Lines, LINE_TABLES + p)).collect(),
            Step::Lines | Step::LinesCount => Vec::new(),
            Step::Scan => shards().map(|s| (Phase::Scan, s)).collect(),
            Step::Cluster => parts.map(|p| (Phase::Cluster, p)).collect(),
            Step::Near if near => parts.map(|p| (Phase::Near, p)).collect(),
            Step::NearClusters if near => vec![(Phase::Near, config.run.partitions)],
            Step::Near | Step::NearClusters => Vec::new(),
            Step::Write => shards().map(|s| (Phase::Write, s)).collect(),
        })
    }

    /// The task indices (shard or partition; 0 for a single task) of the step's tasks without a marker: the
    /// `i` of the `--shard i/N` that runs each alone, with N above every index.
    pub(crate) fn pending_tasks(self, layout: &Layout, config: &Config, manifest: &Manifest) -> Vec<u32> {
        match self.markers(config, manifest) {
            Some(markers) => markers
                .into_iter()
                .filter(|(p, i)| !layout.is_done(*p, *i))
                .map(|(_, i)| match self {
                    Step::LinesCount => i - LINE_TABLES,
                    Step::NearClusters => 0,
                    _ => i,
                })
                .collect(),
            None => {
                let done = match self {
                    Step::Finish => layout.stats().exists(),
                    _ => layout.manifest().exists(),
                };
                if done {
                    Vec::new()
                } else {
                    vec![0]
                }
            }
        }
    }

    /// How many of the step's tasks have no marker yet.
    pub(crate) fn pending(self, layout: &Layout, config: &Config, manifest: &Manifest) -> usize {
        self.pending_tasks(layout, config, manifest).len()
    }

    /// Fails unless every task of every step before this one is done.
    pub(crate) fn check_ready(self, layout: &Layout, config: &Config, manifest: &Manifest) -> Result<()> {
        for before in Step::ALL.into_iter().take_while(|s| *s < self) {
            let pending = before.pending(layout, config, manifest);
            if pending > 0 {
                return Err(Error::NotReady(format!(
                    "cannot run step {}: {pending} task(s) of step {} are not done yet (run `--phase {}` first, \
                     with every --shard i/N)",
                    self.name(),
                    before.name(),
                    before.name()
                )));
            }
        }
        Ok(())
    }
}

/// True when the config uses the site tables (site lines, related stories), so that the `lines` steps have tasks.
pub(crate) fn site_lines_on(config: &Config) -> bool {
    config.has_stage("clean") && config.clean.needs_site_tables()
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Step {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Step, String> {
        Step::ALL.into_iter().find(|step| step.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Step::ALL.iter().map(|s| s.name()).collect();
            format!("unknown step {s:?}; the steps are {}", names.join(", "))
        })
    }
}

/// `--shard i/N`: of a step's tasks, those whose index is `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskSlice {
    /// i, from 0.
    pub index: u32,
    /// N, at least 1.
    pub count: u32,
}

impl TaskSlice {
    /// Every task.
    pub const ALL: TaskSlice = TaskSlice { index: 0, count: 1 };

    /// True when task `task` (a shard or partition index) is in the slice.
    pub fn takes(self, task: u32) -> bool {
        task % self.count == self.index
    }
}

impl Default for TaskSlice {
    fn default() -> TaskSlice {
        TaskSlice::ALL
    }
}

impl fmt::Display for TaskSlice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for TaskSlice {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<TaskSlice, String> {
        let bad = || format!("--shard takes i/N with 0 <= i < N (e.g. 0/4), not {s:?}");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(TaskSlice { index, count })
    }
}

/// What one `--phase` invocation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    /// The step.
    pub step: Step,
    /// The slice of its tasks this invocation was given.
    pub slice: TaskSlice,
    /// Tasks of the step in all.
    pub total: usize,
    /// Tasks of the step still without a marker afterwards (other slices, or other invocations).
    pub pending: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_slices_parse() {
        for step in Step::ALL {
            assert_eq!(step.name().parse::<Step>(), Ok(step));
        }
        assert!("clusters"
            .parse::<Step>()
            .expect_err("unknown")
            .contains("near-clusters"));
        assert_eq!("2/3".parse::<TaskSlice>(), Ok(TaskSlice { index: 2, count: 3 }));
        for bad in ["3/3", "0/0", "1", "a/2", "-1/2"] {
            assert!(bad.parse::<TaskSlice>().is_err(), "{bad}");
        }
        let s = TaskSlice { index: 1, count: 3 };
        let taken: Vec<u32> = (0..8).filter(|t| s.takes(*t)).collect();
        assert_eq!(taken, [1, 4, 7]);
    }
}
