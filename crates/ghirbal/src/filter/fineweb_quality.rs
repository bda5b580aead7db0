//! `filter.fineweb_quality`: FineWeb's quality rules with FineWeb-2's Arabic settings — the share of lines
//! ending in terminal punctuation, the share of characters in duplicated lines, and newlines per word (list
//! pages). Semantics follow datatrove's `FineWebQualityFilter` (blank lines ignored; a line must *end* with a
//! terminal mark; duplicated-line characters over the text's characters without newlines), with words from
//! the key form. The terminal set includes the Arabic question mark ؟ and the Urdu full stop ۔.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::measured;
use crate::normalize::{fold_into, KeyOptions};
use crate::text::words;
use crate::{Document, Outcome, Reason, Stage, StageCx};

const fn r(code: &'static str) -> Reason {
    Reason::new("filter.fineweb_quality", code)
}
/// Too few lines end in terminal punctuation.
pub const LINE_PUNCT: Reason = r("filter.fineweb_quality.line_punct_ratio");
/// Too many short lines.
pub const SHORT_LINES: Reason = r("filter.fineweb_quality.short_line_ratio");
/// Too many characters in duplicated lines.
pub const CHAR_DUP: Reason = r("filter.fineweb_quality.char_dup_ratio");
/// Too many newlines per word.
pub const LIST: Reason = r("filter.fineweb_quality.list_ratio");
const REASONS: &[Reason] = &[LINE_PUNCT, SHORT_LINES, CHAR_DUP, LIST];

/// Characters that end a sentence.
pub const TERMINAL: &[char] = &['.', '!', '?', '"', '؟', '۔', '؞', '\u{061D}', '”', '»', '…'];

/// `[filter.fineweb_quality]`; defaults are FineWeb-2 `arb_Arab`. A threshold of 0 (or ≥ 1 for the short-line
/// rule) switches a rule off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FinewebQualityConfig {
    /// Minimum share of lines ending in terminal punctuation.
    pub line_punct_thr: f64,
    /// Keep documents where no line ends in terminal punctuation.
    pub line_punct_exclude_zero: bool,
    /// Maximum share of short lines (FineWeb-2: off).
    pub short_line_thr: f64,
    /// A line this short (characters) or shorter is short.
    pub short_line_length: usize,
    /// Maximum share of characters in duplicated lines.
    pub char_duplicates_ratio: f64,
    /// Maximum newlines per word.
    pub new_line_ratio: f64,
}

impl Default for FinewebQualityConfig {
    fn default() -> FinewebQualityConfig {
        FinewebQualityConfig {
            line_punct_thr: 0.143,
            line_punct_exclude_zero: false,
            short_line_thr: 999.0,
            short_line_length: 30,
            char_duplicates_ratio: 0.1,
            new_line_ratio: 0.189,
        }
    }
}

/// The stage.
#[derive(Debug)]
pub struct FinewebQuality {
    cfg: FinewebQualityConfig,
    key: KeyOptions,
}

impl FinewebQuality {
    /// Builds the stage.
    pub fn from_config(cfg: &FinewebQualityConfig, key: KeyOptions) -> FinewebQuality {
        FinewebQuality { cfg: cfg.clone(), key }
    }
}

/// Share of non-blank lines ending with a terminal mark.
pub fn line_punct_ratio(lines: &[&str], terminal: &[char]) -> f64 {
    lines.iter().filter(|l| l.ends_with(terminal)).count() as f64 / lines.len().max(1) as f64
}

impl Stage for FinewebQuality {
    fn name(&self) -> &'static str {
        "filter.fineweb_quality"
    }

    fn reasons(&self) -> &'static [Reason] {
        REASONS
    }

    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome {
        let c = &self.cfg;
        let lines: Vec<&str> = doc.text.split('\n').filter(|l| !l.trim().is_empty()).collect();
        let punct = line_punct_ratio(&lines, TERMINAL);
        cx.metric("line_punct_ratio", punct);
        if c.line_punct_thr > 0.0 && punct < c.line_punct_thr && !(punct == 0.0 && c.line_punct_exclude_zero) {
            return measured(LINE_PUNCT, punct, c.line_punct_thr);
        }
        let short = lines
            .iter()
            .filter(|l| l.chars().count() <= c.short_line_length)
            .count() as f64;
        let short = short / lines.len().max(1) as f64;
        if short >= c.short_line_thr {
            return measured(SHORT_LINES, short, c.short_line_thr);
        }
        let mut seen = HashSet::with_capacity(lines.len());
        let dup_chars: usize = lines
            .iter()
            .filter(|l| !seen.insert(**l))
            .map(|l| l.chars().count())
            .sum();
        let chars = doc.text.chars().filter(|ch| *ch != '\n').count().max(1);
        let dup = dup_chars as f64 / chars as f64;
        if c.char_duplicates_ratio > 0.0 && dup >= c.char_duplicates_ratio {
            return measured(CHAR_DUP, dup, c.char_duplicates_ratio);
        }
        let mut key = String::new();
        fold_into(&doc.text, &self.key, &mut key);
        let n_words = words(&key).len().max(1);
        let list = doc.text.matches('\n').count() as f64 / n_words as f64;
        if c.new_line_ratio > 0.0 && list > c.new_line_ratio {
            return measured(LIST, list, c.new_line_ratio);
        }
        Outcome::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::memory_origin;
    use crate::Ordinal;

    fn code(text: &str) -> Option<&'static str> {
        let stage = FinewebQuality::from_config(&FinewebQualityConfig::default(), KeyOptions::default());
        match stage.process(
            &mut Document::new("d", text, Ordinal(0), memory_origin(1)),
            &mut StageCx::default(),
        ) {
            Outcome::Remove(r) => Some(r.reason.code),
            _ => None,
        }
    }

    #[test]
    fn prose_passes_and_each_rule_fires() {
        let prose =
            "عنوان الخبر\n\nقال الوزير إن المشروع سيبدأ قريبا في المدينة.\nوأضاف: هل ننتظر أكثر؟ لا أظن ذلك أبدا.";
        assert_eq!(code(prose), None);
        let unpunctuated = ["سطر بلا علامة في آخره أبدا هنا"; 8].join("\n") + "\nجملة.";
        assert_eq!(code(&unpunctuated), Some("filter.fineweb_quality.line_punct_ratio"));
        let doubled = "قال الوزير إن المشروع سيبدأ قريبا في المدينة.\n".repeat(3);
        assert_eq!(code(&doubled), Some("filter.fineweb_quality.char_dup_ratio"));
        let list: String = (0..20).map(|i| format!("بند {i}.\n")).collect();
        assert_eq!(code(&list), Some("filter.fineweb_quality.list_ratio"));
    }
}
