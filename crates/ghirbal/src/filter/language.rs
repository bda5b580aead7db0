//! `filter.language`: keeps documents identified as one of the wanted languages (Arabic by default) with a
//! score at or above the threshold (FineWeb-2 `arb_Arab`: 0.711), and records the label and score of every
//! document in `meta.ghirbal.language`. See [`crate::text::identify`] for the model.

use serde::{Deserialize, Serialize};

use crate::text::identify;
use crate::{Document, Outcome, Reason, Removal, Stage, StageCx};

/// Not in a wanted language, or not confidently.
pub const NOT_WANTED: Reason = Reason::new("filter.language", "filter.language");

/// `[filter.language]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LanguageConfig {
    /// Languages to keep (ISO 639-3 labels: `ara`, `pes`, `urd`, `pus`, `ckb`, `eng`…).
    pub keep: Vec<String>,
    /// Minimum score of the label.
    pub min_score: f64,
    /// Bytes of text examined from the start of each document.
    pub sample_bytes: usize,
}

impl Default for LanguageConfig {
    fn default() -> LanguageConfig {
        LanguageConfig {
            keep: vec!["ara".into()],
            min_score: 0.711,
            sample_bytes: crate::text::DEFAULT_SAMPLE_BYTES,
        }
    }
}

/// The stage.
#[derive(Debug)]
pub struct Language {
    cfg: LanguageConfig,
}

impl Language {
    /// Builds the stage from its config.
    pub fn from_config(cfg: &LanguageConfig) -> Language {
        Language { cfg: cfg.clone() }
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl Stage for Language {
    fn name(&self) -> &'static str {
        "filter.language"
    }

    fn reasons(&self) -> &'static [Reason] {
        &[NOT_WANTED]
    }

    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome {
        let id = identify(&doc.text, self.cfg.sample_bytes);
        let score = if id.label == "ara" { id.arabic_score } else { id.score };
        cx.metric("arabic_score", id.arabic_score);
        cx.unit_score("score", score);
        let wanted = self.cfg.keep.iter().any(|k| k == id.label) && score >= self.cfg.min_score;
        if !wanted {
            return Outcome::Remove(
                Removal::new(NOT_WANTED)
                    .with("label", id.label)
                    .with("score", round(score))
                    .with("arabic_score", round(id.arabic_score))
                    .with("arabic_script_ratio", round(id.arabic_script_ratio))
                    .with("min_score", self.cfg.min_score),
            );
        }
        doc.annotations.insert(
            "language".into(),
            serde_json::json!({"label": id.label, "score": round(score)}),
        );
        Outcome::Modified
    }
}
