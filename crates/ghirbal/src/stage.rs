//! The per-document stage contract. A stage sees one document at a time and either keeps it (possibly edited)
//! or removes it with a declared [`Reason`]. Work that needs the whole corpus (deduplication) is not a stage:
//! it is a phase (see [`crate::pipeline`]).
//!
//! The runner, not the stage, counts documents in/out/removed, bytes and time, so no stage can forget to.

use std::collections::BTreeMap;

use crate::stats::observe::Histogram;
use crate::{Document, Metric, Reason, Removal, RepairCounts};

/// What a stage decided about one document.
#[derive(Debug)]
pub enum Outcome {
    /// Unchanged.
    Keep,
    /// Edited in place and kept.
    Modified,
    /// Removed, with the reason and evidence.
    Remove(Removal),
}

/// Per-batch context a stage records extra metrics, distributions and repairs into.
#[derive(Debug, Default)]
pub struct StageCx {
    pub(crate) metrics: BTreeMap<&'static str, Metric>,
    pub(crate) histograms: BTreeMap<&'static str, Histogram>,
    pub(crate) repairs: BTreeMap<&'static str, RepairCounts>,
}

impl StageCx {
    /// Records one observation of a metric (`name` is a snake_case noun with its unit, e.g. `chars_trimmed`).
    pub fn metric(&mut self, name: &'static str, value: f64) {
        self.metrics.entry(name).or_default().observe(value);
    }

    /// Counts one value of a score in `[0, 1]` in the histogram `name` (twenty bins), for the report.
    pub fn unit_score(&mut self, name: &'static str, value: f64) {
        self.histograms.entry(name).or_insert_with(Histogram::unit).add(value);
    }

    /// Records that repair `rule` (`stage.rule`) edited one document: `lines` cut (`None` for a rule that
    /// rewrites characters) and `chars` removed or rewritten.
    pub fn repair(&mut self, rule: &'static str, lines: Option<u64>, chars: u64) {
        *self.repairs.entry(rule).or_default() += &RepairCounts { docs: 1, lines, chars };
    }
}

/// A per-document stage. Implementations are small: a name, the reasons they may return, one method.
pub trait Stage: Send + Sync {
    /// The stage's stable name: its config name, stats key and the prefix of its reasons.
    fn name(&self) -> &'static str;
    /// Every reason [`Stage::process`] may return.
    fn reasons(&self) -> &'static [Reason] {
        &[]
    }
    /// Decides about one document.
    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome;
}
