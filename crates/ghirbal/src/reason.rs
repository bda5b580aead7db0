//! Removal reasons: every document that does not reach `kept/` carries one.
//!
//! A reason is declared once, as a `const`, at the top of the stage file that returns it; its code is the
//! `stage.rule` string that appears in `removed/`, in `stats.json` and in the report, so a user who sees a
//! reason can grep for it and land in the file that decided.

use serde_json::{Map, Value};

/// A named cause of removal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reason {
    /// The stage that removes (`read`, `clean`, `filter.gopher_quality`, `dedup.exact`).
    pub stage: &'static str,
    /// The full code (`read.invalid_utf8`, `dedup.exact`, `filter.gopher_quality.short_doc`).
    pub code: &'static str,
}

impl Reason {
    /// Declares a reason. Use in a `const` at the top of the stage file.
    pub const fn new(stage: &'static str, code: &'static str) -> Reason {
        Reason { stage, code }
    }
}

/// A removal decision with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Removal {
    /// Why.
    pub reason: Reason,
    /// Measured values and places (file, line, thresholds) that justify the decision.
    pub detail: Map<String, Value>,
    /// For duplicates: the id of the document that was kept instead.
    pub duplicate_of: Option<String>,
    /// For near-duplicates: the verified similarity to the keeper.
    pub similarity: Option<f64>,
    /// For undecodable input: the raw bytes, kept so that nothing is lost.
    pub raw: Option<Vec<u8>>,
}

impl Removal {
    /// A removal with no evidence yet; add it with [`Removal::with`].
    pub fn new(reason: Reason) -> Removal {
        Removal {
            reason,
            detail: Map::new(),
            duplicate_of: None,
            similarity: None,
            raw: None,
        }
    }

    /// Adds one measured value to the detail.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Removal {
        self.detail.insert(key.to_owned(), value.into());
        self
    }
}
