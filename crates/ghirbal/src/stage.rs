//! The per-document stage contract. A stage sees one document at a time and either keeps it (possibly edited)
//! or removes it with a declared [`Reason`]. Work that needs the whole corpus (deduplication) is not a stage:
//! it is a phase (see [`crate::pipeline`]).
//!
//! The runner, not the stage, counts documents in/out/removed, bytes and time, so no stage can forget to.

use std::collections::BTreeMap;

use crate::{Document, Metric, Reason, Removal};

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

/// Per-shard context a stage can record extra metrics into.
#[derive(Debug, Default)]
pub struct StageCx {
    pub(crate) metrics: BTreeMap<&'static str, Metric>,
}

impl StageCx {
    /// Records one observation of a metric (`name` is a snake_case noun with its unit, e.g. `chars_trimmed`).
    pub fn metric(&mut self, name: &'static str, value: f64) {
        self.metrics.entry(name).or_default().observe(value);
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
