//! Counting: per-stage statistics as plain values that add up (each worker fills its own, the runner sums
//! them), and the run-level statistics written to `stats.json`, including the conservation check. What the
//! report needs beyond counts (distributions, sources, examples) is collected the same way ([`observe`]).

pub mod observe;

use std::collections::BTreeMap;
use std::ops::AddAssign;

use serde::{Deserialize, Serialize};

/// Count, sum, min and max of one metric.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Observations.
    pub count: u64,
    /// Sum of the observed values.
    pub sum: f64,
    /// Smallest value (0 when empty).
    pub min: f64,
    /// Largest value (0 when empty).
    pub max: f64,
}

impl Metric {
    /// Adds one observation.
    pub fn observe(&mut self, value: f64) {
        *self += Metric {
            count: 1,
            sum: value,
            min: value,
            max: value,
        };
    }
}

impl AddAssign for Metric {
    fn add_assign(&mut self, other: Metric) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other;
            return;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// What one stage did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StageStats {
    /// Documents that entered the stage.
    pub docs_in: u64,
    /// Documents that left it (edited ones included).
    pub docs_kept: u64,
    /// Documents it edited.
    pub docs_modified: u64,
    /// Documents it removed.
    pub docs_removed: u64,
    /// Removals by reason code.
    pub removed: BTreeMap<String, u64>,
    /// Text bytes in.
    pub bytes_in: u64,
    /// Text bytes out (of kept documents).
    pub bytes_out: u64,
    /// CPU seconds of the stage: the CPU clock of the worker thread, read before and after the stage runs
    /// over a batch, summed over batches and threads — time the thread waited or was descheduled is not in
    /// it. `read`: parsing the raw records into documents on the workers (JSON, charsets, page extraction),
    /// not the reader thread's decompression; `dedup.exact` and `dedup.near`: their keys and sketches in the
    /// scan, not the cluster steps. 0 where the platform has no CPU clocks ([`RunTime::cpu_measured`]).
    pub cpu_seconds: f64,
    /// Extra metrics the stage recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, Metric>,
    /// Distributions the stage recorded (the language filter's score).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub histograms: BTreeMap<String, observe::Histogram>,
    /// Edits by repair rule (`clean.boilerplate`, `normalize.tatweel`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub repairs: BTreeMap<String, RepairCounts>,
}

/// What one repair rule did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RepairCounts {
    /// Documents it edited.
    pub docs: u64,
    /// Lines it cut (whole or their ends); `None` for a rule that rewrites characters.
    pub lines: Option<u64>,
    /// Characters it removed or rewrote.
    pub chars: u64,
}

impl AddAssign<&RepairCounts> for RepairCounts {
    fn add_assign(&mut self, o: &RepairCounts) {
        self.docs += o.docs;
        self.lines = match (self.lines, o.lines) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        self.chars += o.chars;
    }
}

impl StageStats {
    /// Counts one removal.
    pub fn count_removal(&mut self, code: &str) {
        self.docs_removed += 1;
        *self.removed.entry(code.to_owned()).or_default() += 1;
    }
    /// Adds the counts of histogram `name`.
    pub fn add_histogram(&mut self, name: &str, h: &observe::Histogram) {
        match self.histograms.get_mut(name) {
            // Bins are fixed by the code that records them (and a work folder of another version is refused):
            // a mismatch would be a bug, said out loud, and the first bins stay.
            Some(mine) => {
                if !mine.merge(h) {
                    tracing::warn!("histogram {name}: two parts of the run have different bins; one is left out");
                }
            }
            None => {
                self.histograms.insert(name.to_owned(), h.clone());
            }
        }
    }

    /// True when `in = kept + removed`.
    pub fn balanced(&self) -> bool {
        self.docs_in == self.docs_kept + self.docs_removed
    }
}

impl AddAssign<&StageStats> for StageStats {
    fn add_assign(&mut self, o: &StageStats) {
        self.docs_in += o.docs_in;
        self.docs_kept += o.docs_kept;
        self.docs_modified += o.docs_modified;
        self.docs_removed += o.docs_removed;
        for (k, v) in &o.removed {
            *self.removed.entry(k.clone()).or_default() += v;
        }
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
        self.cpu_seconds += o.cpu_seconds;
        for (k, v) in &o.metrics {
            *self.metrics.entry(k.clone()).or_default() += *v;
        }
        for (k, h) in &o.histograms {
            self.add_histogram(k, h);
        }
        for (k, r) in &o.repairs {
            *self.repairs.entry(k.clone()).or_default() += r;
        }
    }
}

/// Ordered list of (stage name, stats), summed stage by stage; a JSON object in pipeline order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageList(pub Vec<(String, StageStats)>);

impl Serialize for StageList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> Deserialize<'de> for StageList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // serde_json is built with preserve_order, so the map keeps the pipeline order.
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        map.into_iter()
            .map(|(k, v)| {
                serde_json::from_value(v)
                    .map(|st| (k, st))
                    .map_err(serde::de::Error::custom)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(StageList)
    }
}

impl StageList {
    /// The stats of stage `name`, created (at the end) when missing.
    pub fn entry(&mut self, name: &str) -> &mut StageStats {
        let pos = match self.0.iter().position(|(n, _)| n == name) {
            Some(pos) => pos,
            None => {
                self.0.push((name.to_owned(), StageStats::default()));
                self.0.len() - 1
            }
        };
        &mut self.0[pos].1
    }
}

impl AddAssign<&StageList> for StageList {
    fn add_assign(&mut self, other: &StageList) {
        for (name, stats) in &other.0 {
            *self.entry(name) += stats;
        }
    }
}

/// The proof that nothing was lost: every document read is in `kept/` or `removed/`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Conservation {
    /// Documents read (bad records included).
    pub input: u64,
    /// Documents written to `kept/`.
    pub kept: u64,
    /// Documents written to `removed/`.
    pub removed: u64,
    /// `input == kept + removed`.
    pub holds: bool,
}

/// Totals over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Documents read.
    pub docs_in: u64,
    /// Raw input bytes read (decompressed).
    pub bytes_in: u64,
    /// Text bytes of the documents read.
    pub text_bytes_in: u64,
    /// Documents kept.
    pub docs_kept: u64,
    /// Text bytes kept.
    pub text_bytes_kept: u64,
    /// Documents removed.
    pub docs_removed: u64,
    /// Removals by reason code, over all stages and phases.
    pub removed_by_reason: BTreeMap<String, u64>,
}

/// Seconds per part of a run, wall-clock or CPU: `lines + scan + cluster + write + other = total`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseSeconds {
    /// Steps `lines` and `lines-count` (0 when no stage uses the site tables).
    pub lines: f64,
    /// Step `scan`.
    pub scan: f64,
    /// Steps `cluster`, `near`, `near-clusters` and `story`.
    pub cluster: f64,
    /// Step `write`.
    pub write: f64,
    /// The rest: the plan (or opening `OUT` and checking its plan), `finish`, the moments between steps.
    pub other: f64,
    /// All of it.
    pub total: f64,
}

/// Where the time of a run went: `stats.json`'s `time`.
///
/// **Which processes.** A run is one `ghirbal run`, or several when it was stopped and resumed, or the
/// `--phase STEP --shard i/N` invocations of a job array, on any machines. Every invocation records, per step
/// it ran, the wall-clock and CPU seconds it spent there (`OUT/work/time/STEP/ID.json`); the invocation
/// that finishes the run sums every record and adds its own time. So the seconds are summed over
/// invocations: the wall seconds of invocations that ran side by side add up to more than the job's elapsed
/// time.
///
/// **Which clock.** CPU seconds are the process's CPU clock (user + system, every thread: what
/// `/usr/bin/time` reports as user + sys) over the invocation's call into the library; the command line's
/// own start-up and summary are outside it. Two runs at once in one process (Python threads) would each
/// count the other's CPU. Not counted: a step an invocation was killed in before it recorded it (the scan
/// records at the end of each shard, the other steps at their end).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunTime {
    /// Invocations whose time is counted.
    pub invocations: u64,
    /// False where the platform has no CPU clocks (anything but Linux and macOS): every CPU second is then
    /// 0, never a wall time.
    pub cpu_measured: bool,
    /// Wall-clock seconds.
    pub wall_seconds: PhaseSeconds,
    /// Process CPU seconds.
    pub cpu_seconds: PhaseSeconds,
    /// The stages' `cpu_seconds` summed: a part of `cpu_seconds.scan`.
    pub stage_cpu_seconds: f64,
    /// `cpu_seconds.total` less `stage_cpu_seconds`: the reader thread (decompressing, cutting records),
    /// serialising and compressing the scan's output, writing work files, the cluster and write steps, the
    /// plan and `finish`.
    pub other_cpu_seconds: f64,
}

/// Readers report their problems in this type; it is theirs (so that `read/` needs nothing of `stats`).
pub use crate::read::InputProblem;

/// An input most of whose records could not be read (see `pipeline/warnings.rs` for the rule): a sign of a
/// wrong setting — the text field, the encoding, the format — rather than of a few bad records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputWarning {
    /// The input file; for `.txt` and `.html` files (one record each), the folder they were found in.
    pub file: String,
    /// Records read from it.
    pub records: u64,
    /// Of those, the records the readers could not read (removed with a reason of [`crate::read::FAILURES`]).
    pub failed: u64,
    /// The most common of their reasons.
    pub top_reason: String,
    /// The likely fix.
    pub hint: String,
}

/// Everything in `stats.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    /// The ghirbal version that wrote this.
    pub ghirbal_version: String,
    /// Per stage, in pipeline order (`read` first).
    pub stages: StageList,
    /// Totals.
    pub totals: Totals,
    /// Wall-clock and CPU seconds, per phase and in all. Absent from files written before it (which had
    /// `phase_seconds`, the wall-clock seconds of the finishing process only): read as zeros.
    #[serde(default)]
    pub time: RunTime,
    /// Peak resident memory of the process that finished the run, in bytes (0 where unknown).
    pub peak_rss_bytes: u64,
    /// Inputs that could not be read to the end.
    pub input_problems: Vec<InputProblem>,
    /// Inputs at least 90% of whose records could not be read (`ghirbal run` warns; with `--strict` it exits 1).
    #[serde(default)]
    pub input_warnings: Vec<InputWarning>,
    /// How many files of the input folders (and globs) were not read.
    #[serde(default)]
    pub skipped_file_count: u64,
    /// Those files, each with why (`unsupported_extension`, `not_a_file`, `broken_link`, `unreadable_name`).
    #[serde(default)]
    pub skipped_files: Vec<crate::read::plan::SkippedFile>,
    /// WARC records that are not documents (`request`, `metadata`, `warcinfo`, `revisit` …), by type: read,
    /// counted, not part of `input`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other_records: BTreeMap<String, u64>,
    /// The accounting check.
    pub conservation: Conservation,
    /// What the report shows beyond the counts: inputs, distributions, sources (`report.html`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<observe::RunObservations>,
    /// The full configuration of the run: what `ghirbal explain` needs, so that `OUT/work/` may be deleted
    /// once the run is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<crate::Config>,
    /// What adding the batch to its news archive did (`--archive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<crate::archive::add::AddReport>,
    /// What the `story` step found, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<crate::story::StorySummary>,
}

/// Peak resident set size of this process (Linux `VmHWM`), 0 elsewhere.
pub(crate) fn peak_rss() -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_add_up() {
        let mut a = StageStats {
            docs_in: 3,
            docs_kept: 2,
            ..Default::default()
        };
        a.count_removal("dedup.exact");
        let mut b = StageStats {
            docs_in: 1,
            docs_kept: 0,
            ..Default::default()
        };
        b.count_removal("dedup.exact");
        a += &b;
        assert_eq!((a.docs_in, a.docs_kept, a.docs_removed), (4, 2, 2));
        assert_eq!(a.removed["dedup.exact"], 2);
        assert!(a.balanced());
    }

    #[test]
    fn metric_merges_min_max() {
        let mut m = Metric::default();
        m.observe(3.0);
        m.observe(-1.0);
        let mut n = Metric::default();
        n.observe(10.0);
        m += n;
        assert_eq!(
            m,
            Metric {
                count: 3,
                sum: 12.0,
                min: -1.0,
                max: 10.0
            }
        );
        m += Metric::default();
        assert_eq!(m.count, 3);
    }
}
