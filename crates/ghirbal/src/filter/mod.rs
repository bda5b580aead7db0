//! Document-level decisions: each filter keeps a document or removes it with `filter.<name>.<rule>` and the
//! measured value in `detail`.

pub mod aramix_punctuation;
pub mod fineweb_quality;
pub mod gopher_quality;
pub mod gopher_repetition;
pub mod language;

use serde::{Deserialize, Serialize};

use crate::{Outcome, Reason, Removal};

/// What the quality filters count as words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WordMode {
    /// The words of the key form (`ghirbal` preset): punctuation is not a word, spelling variants are one word.
    #[default]
    Key,
    /// datatrove's spaCy-style tokens of the stored text (`fineweb2` preset): punctuation marks are tokens.
    Datatrove,
}

/// A removal with the measured value (rounded to 4 decimals) and the threshold it crossed, the `detail` every
/// threshold filter gives.
pub(crate) fn measured(reason: Reason, value: f64, threshold: f64) -> Outcome {
    let value = (value * 10_000.0).round() / 10_000.0;
    Outcome::Remove(Removal::new(reason).with("value", value).with("threshold", threshold))
}

/// The rule code `stage` removes `text` with, or `None` when it keeps it: the filters' tests ask this.
#[cfg(test)]
pub(crate) fn removal_code(stage: &dyn crate::Stage, text: &str) -> Option<&'static str> {
    let mut doc = crate::Document::new("d", text, crate::Ordinal(0), crate::doc::memory_origin(1));
    match stage.process(&mut doc, &mut crate::StageCx::default()) {
        Outcome::Remove(r) => Some(r.reason.code),
        _ => None,
    }
}
