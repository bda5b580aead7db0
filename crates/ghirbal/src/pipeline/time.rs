//! Where a run's time goes, across every process that works on it: the accounting behind `stats.json`'s
//! `time` ([`RunTime`]).
//!
//! An invocation — one call of [`super::run`] or [`super::run_step`], in whatever process on whatever machine
//! — records, per step it runs, the wall-clock and process-CPU seconds it spent there, as
//! `work/time/STEP/ID.json` under an id of its own. `finish` sums every record and adds its own invocation's
//! time. The scan rewrites its record at the end of each shard, before the shard's marker: a process killed
//! later in the scan leaves on the books the CPU of the shards it finished, whose stages' CPU seconds count,
//! so the stages never add up to more than the total. A record that cannot be read is left out with a
//! warning: time is an account, not an output, and never stops a run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::clock::{Spent, Stopwatch};
use crate::stats::{PhaseSeconds, RunTime, StageList};
use crate::work::{json, Layout, Step};
use crate::Result;

/// One call into the library that works on a run.
pub(crate) struct Invocation {
    /// Unique among the invocations of a run: start time, process id, and a count within the process.
    id: String,
    started: Stopwatch,
}

impl Invocation {
    /// Starts the clocks of a new invocation.
    pub(crate) fn start() -> Invocation {
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        Invocation {
            id: format!("{nanos:020}-{}-{n}", std::process::id()),
            started: Stopwatch::start(),
        }
    }

    /// What this invocation has spent so far.
    pub(crate) fn elapsed(&self) -> Spent {
        self.started.elapsed()
    }

    /// The clock of `step`, from now: a step of a one-shot run.
    pub(crate) fn step(&self, step: Step) -> StepClock<'_> {
        StepClock {
            invocation: &self.id,
            step,
            started: Stopwatch::start(),
        }
    }

    /// The clock of `step` from the invocation's start: `--phase STEP`, where the whole call is the step's.
    pub(crate) fn whole(&self, step: Step) -> StepClock<'_> {
        StepClock {
            invocation: &self.id,
            step,
            started: self.started,
        }
    }
}

/// The time one invocation spends in one step.
pub(crate) struct StepClock<'a> {
    invocation: &'a str,
    step: Step,
    started: Stopwatch,
}

impl StepClock<'_> {
    /// Writes the step's record (again, when it has one): the seconds spent since the clock started.
    pub(crate) fn record(&self, layout: &Layout) -> Result<()> {
        json::write_behind(&layout.time_record(self.step, self.invocation), &self.started.elapsed())
    }
}

/// The run's time: every invocation's records, with `this` invocation's time so far in place of its own
/// records (which it has outgrown), and the stages' CPU seconds set against the total.
pub(crate) fn run_time(layout: &Layout, this: &Invocation, stages: &StageList) -> RunTime {
    let (mut wall, mut cpu) = (PhaseSeconds::default(), PhaseSeconds::default());
    let mut total = this.elapsed();
    let mut others = BTreeSet::new();
    for (step, invocation, spent) in records(layout) {
        if let Some(phase) = phase(&mut wall, step) {
            *phase += spent.wall_seconds;
        }
        if let Some(phase) = phase(&mut cpu, step) {
            *phase += spent.cpu_seconds;
        }
        if invocation != this.id {
            total += spent;
            others.insert(invocation);
        }
    }
    close(&mut wall, total.wall_seconds);
    close(&mut cpu, total.cpu_seconds);
    let stage_cpu_seconds: f64 = stages.0.iter().map(|(_, st)| st.cpu_seconds).sum();
    RunTime {
        invocations: others.len() as u64 + 1,
        cpu_measured: crate::clock::MEASURED,
        other_cpu_seconds: cpu.total - stage_cpu_seconds,
        stage_cpu_seconds,
        wall_seconds: wall,
        cpu_seconds: cpu,
    }
}

/// The phase a step's seconds go to; `None` for `plan` and `finish`, which are in `other`.
fn phase(seconds: &mut PhaseSeconds, step: Step) -> Option<&mut f64> {
    match step {
        Step::LinesCount => Some(&mut seconds.lines),
        Step::Scan | Step::ScanSited => Some(&mut seconds.scan),
        Step::Cluster | Step::Near | Step::NearClusters | Step::Story => Some(&mut seconds.cluster),
        Step::Write => Some(&mut seconds.write),
        Step::Plan | Step::Finish => None,
    }
}

/// Sets the total, and `other` to what the phases leave of it.
fn close(seconds: &mut PhaseSeconds, total: f64) {
    seconds.total = total;
    seconds.other = total - (seconds.lines + seconds.scan + seconds.cluster + seconds.write);
}

/// Every readable time record: (step, invocation id, seconds), in file-name order so that the sums do not
/// depend on the order a folder lists its files in.
fn records(layout: &Layout) -> Vec<(Step, String, Spent)> {
    let mut out = Vec::new();
    for step in Step::ALL {
        for path in record_files(&layout.time_records(step)) {
            let Some(invocation) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            match json::read::<Spent>(&path) {
                Ok(spent) => out.push((step, invocation.to_owned(), spent)),
                Err(e) => tracing::warn!("{e}: its seconds are left out of stats.json's time"),
            }
        }
    }
    out
}

/// The `.json` files of a folder (not the temporary files of a write in progress), sorted; none when the
/// folder is missing or unreadable.
fn record_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::StageStats;

    fn spent(wall_seconds: f64, cpu_seconds: f64) -> Spent {
        Spent {
            wall_seconds,
            cpu_seconds,
        }
    }

    #[test]
    fn every_invocation_counts_once_and_the_parts_add_up() {
        let dir = tempfile::tempdir().expect("tmp");
        let layout = Layout::new(dir.path());
        layout.create().expect("folders");
        // Two earlier invocations (a job array's), one of which ran two steps.
        let earlier = [
            (Step::Plan, "a", spent(0.5, 0.25)),
            (Step::Scan, "b", spent(4.0, 3.0)),
            (Step::Write, "b", spent(2.0, 1.0)),
            (Step::Near, "c", spent(1.0, 0.5)),
        ];
        for (step, id, seconds) in earlier {
            json::write(&layout.time_record(step, id), &seconds).expect("record");
        }
        // A damaged record is left out, not fatal.
        std::fs::write(layout.time_record(Step::Cluster, "d"), "{\"cpu_seconds\": 9}").expect("write");
        let this = Invocation::start();
        let clock = this.step(Step::Scan);
        clock.record(&layout).expect("this invocation's own record");
        let mut stages = StageList::default();
        *stages.entry("normalize") = StageStats {
            cpu_seconds: 2.0,
            ..Default::default()
        };
        let time = run_time(&layout, &this, &stages);
        assert_eq!(time.invocations, 4, "a, b, c and this one: {time:?}");
        let own = this.elapsed();
        // This invocation's total, not its records, is in the sum (its records are inside it).
        let cpu_total = 0.25 + 3.0 + 1.0 + 0.5 + own.cpu_seconds;
        assert!((time.cpu_seconds.total - cpu_total).abs() < 0.05, "{time:?}");
        assert!(time.cpu_seconds.scan >= 3.0 && time.cpu_seconds.scan < 3.05, "{time:?}");
        assert_eq!((time.cpu_seconds.write, time.cpu_seconds.cluster), (1.0, 0.5));
        for p in [&time.cpu_seconds, &time.wall_seconds] {
            let parts = p.lines + p.scan + p.cluster + p.write + p.other;
            assert!((parts - p.total).abs() < 1e-9, "{p:?}");
        }
        assert_eq!(time.stage_cpu_seconds, 2.0);
        assert!((time.stage_cpu_seconds + time.other_cpu_seconds - time.cpu_seconds.total).abs() < 1e-9);
    }
}
