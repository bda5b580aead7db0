//! The steps of a run and their tasks, as names on disk (marker and stats folders) and on the command line
//! (`ghirbal run --phase STEP --shard i/N`). What each step does and when it may run is `pipeline`'s; the
//! work layer only needs to name them.

use std::fmt;
use std::str::FromStr;

/// One step of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Expand the inputs, split them into shards and write the manifest.
    Plan,
    /// Read, stages, dedup keys and sketches, per shard; with site tables on, the documents that have a
    /// site are held back (their (site, line) records counted, the documents staged) for `scan-sited`.
    Scan,
    /// Site lines: each partition's table of lines repeated on a site.
    LinesCount,
    /// The shards with documents that have a site, scanned once the site tables are known.
    ScanSited,
    /// Exact groups and duplicate ids, per key partition.
    Cluster,
    /// Near-dup candidates and verified pairs, per key partition.
    Near,
    /// The near-dup clusters, from every partition's verified pairs (one task).
    NearClusters,
    /// Stories and related documents of the kept documents (one task).
    Story,
    /// `kept/` and `removed/`, per shard.
    Write,
    /// `stats.json` and the conservation check (one task).
    Finish,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 10] = [
        Step::Plan,
        Step::Scan,
        Step::LinesCount,
        Step::ScanSited,
        Step::Cluster,
        Step::Near,
        Step::NearClusters,
        Step::Story,
        Step::Write,
        Step::Finish,
    ];

    /// The name `--phase` takes.
    pub fn name(self) -> &'static str {
        match self {
            Step::Plan => "plan",
            Step::Scan => "scan",
            Step::LinesCount => "lines-count",
            Step::ScanSited => "scan-sited",
            Step::Cluster => "cluster",
            Step::Near => "near",
            Step::NearClusters => "near-clusters",
            Step::Story => "story",
            Step::Write => "write",
            Step::Finish => "finish",
        }
    }
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
