//! Arabic text normalisation, in two profiles (DESIGN §5), and the `normalize` stage.
//!
//! - [`output`]: applied to the text ghirbal stores. Encoding repair only: NFC, presentation forms → letters,
//!   invisible controls, tatweel (but a proclitic's separator), stray zero-width characters, letter floods,
//!   whitespace. It never folds letters.
//! - [`key`]: for every comparison (exact and near dedup, boilerplate, stop words): the output profile, then
//!   harakat removed and hamza/alef, ى, ة, digits, punctuation and case folded.
//!
//! The `normalize` stage applies the output profile and records how many edits of each kind it made in
//! `meta.ghirbal.normalize` (counts only, never the removed characters).

pub mod chars;
mod key;
mod output;
#[cfg(test)]
mod tests;

pub use key::{
    fold_ignores_output, fold_into, fold_lines_into, fold_lines_unless_output_matters, key, key_with, KeyOptions,
    KeySpec,
};
pub use output::{output, output_with_edits, Edits};

use crate::{Document, Outcome, Stage, StageCx};

/// The `normalize` stage: the output profile.
#[derive(Debug, Default)]
pub struct Normalize;

impl Stage for Normalize {
    fn name(&self) -> &'static str {
        "normalize"
    }

    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome {
        let (text, edits) = output_with_edits(&doc.text);
        if edits.total() == 0 {
            return Outcome::Keep;
        }
        let counts: serde_json::Map<String, serde_json::Value> = edits
            .nonzero()
            .into_iter()
            .map(|(k, n)| (k.to_owned(), n.into()))
            .collect();
        for (name, n) in edits.nonzero() {
            cx.metric(metric_name(name), f64::from(n));
            cx.repair(rule_name(name), None, u64::from(n));
        }
        doc.annotations.insert("normalize".into(), counts.into());
        doc.replace_text(text);
        Outcome::Modified
    }
}

/// The repair rule of one kind of edit, as the report lists it.
fn rule_name(edit: &str) -> &'static str {
    match edit {
        "nfc" => "normalize.nfc",
        "presentation_forms" => "normalize.presentation_forms",
        "invisible" => "normalize.invisible",
        "tatweel" => "normalize.tatweel",
        "zwnj" => "normalize.zwnj",
        "zero_width" => "normalize.zero_width",
        "repeats" => "normalize.repeats",
        _ => "normalize.whitespace",
    }
}

fn metric_name(edit: &str) -> &'static str {
    match edit {
        "nfc" => "nfc_docs",
        "presentation_forms" => "presentation_forms_mapped",
        "invisible" => "invisible_chars_removed",
        "tatweel" => "tatweel_removed",
        "zwnj" => "zwnj_removed",
        "zero_width" => "zero_width_removed",
        "repeats" => "repeated_letters_removed",
        _ => "whitespace_runs_rewritten",
    }
}
