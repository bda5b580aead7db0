//! Document-level decisions: each filter keeps a document or removes it with `filter.<name>.<rule>` and the
//! measured value in `detail`.

pub mod aramix_punctuation;
pub mod fineweb_quality;
pub mod gopher_quality;
pub mod gopher_repetition;
pub mod language;

use crate::{Outcome, Reason, Removal};

/// A removal with the measured value (rounded to 4 decimals) and the threshold it crossed, the `detail` every
/// threshold filter gives.
pub(crate) fn measured(reason: Reason, value: f64, threshold: f64) -> Outcome {
    let value = (value * 10_000.0).round() / 10_000.0;
    Outcome::Remove(Removal::new(reason).with("value", value).with("threshold", threshold))
}
