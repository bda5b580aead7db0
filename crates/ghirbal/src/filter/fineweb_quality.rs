//! `filter.fineweb_quality`: FineWeb's quality rules with FineWeb-2's Arabic settings — the share of lines
//! ending in terminal punctuation, the share of characters in duplicated lines, and newlines per word (list
//! pages). Arithmetic follows datatrove's `FineWebQualityFilter` (0.10.1): blank lines ignored, a line must
//! *end* with a terminal mark (trailing spaces count against it), duplicated-line characters over the text's
//! characters without newlines, a document with no non-blank line removed as `empty`.
//!
//! The terminal marks are datatrove's (. ! ? ؟ ۔ ؞ and those of other scripts); with `words = "key"` the
//! closing quotes " ” » and … also end a line, and the words are the key form's; with `words = "datatrove"`
//! the set and the tokens are exactly datatrove's. In the `ghirbal` preset the line-punctuation rule is off
//! (`line_punct_thr = 0`): `filter.aramix_punctuation` replaces it.

use serde::{Deserialize, Serialize};

use super::{measured, WordMode};
use crate::normalize::KeySpec;
use crate::text::{char_count, hash64, hash_set, looks_like_verse, DATATROVE_TERMINAL};
use crate::{Document, Outcome, Reason, Removal, Stage, StageCx};

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
/// No non-blank line.
pub const EMPTY: Reason = r("filter.fineweb_quality.empty");
const REASONS: &[Reason] = &[EMPTY, LINE_PUNCT, SHORT_LINES, CHAR_DUP, LIST];

/// Closing marks that also end a line with `words = "key"`, besides datatrove's terminal set.
const CLOSERS: &str = "\"”»…";

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
    /// `key` (the key form's words) or `datatrove` (spaCy-style tokens and datatrove's terminal set).
    pub words: WordMode,
    /// Exempt rhyming verse (see [`crate::text::looks_like_verse`]) from the line-punctuation, duplicated-line
    /// and list rules.
    pub keep_verse: bool,
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
            words: WordMode::Key,
            keep_verse: true,
        }
    }
}

/// The stage.
#[derive(Debug)]
pub struct FinewebQuality {
    cfg: FinewebQualityConfig,
    key: KeySpec,
}

impl FinewebQuality {
    /// Builds the stage.
    pub fn from_config(cfg: &FinewebQualityConfig, key: KeySpec) -> FinewebQuality {
        FinewebQuality { cfg: cfg.clone(), key }
    }
}

impl FinewebQuality {
    fn ends_sentence(&self, line: &str) -> bool {
        line.chars()
            .next_back()
            .is_some_and(|c| DATATROVE_TERMINAL.contains(c) || (self.cfg.words == WordMode::Key && CLOSERS.contains(c)))
    }
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
        let lines: Vec<&str> = crate::text::split_lines(&doc.text)
            .filter(|l| !l.trim().is_empty())
            .collect();
        if lines.is_empty() {
            return Outcome::Remove(Removal::new(EMPTY));
        }
        let nl = lines.len() as f64;
        let punct = lines.iter().filter(|l| self.ends_sentence(l)).count() as f64 / nl;
        cx.metric("line_punct_ratio", punct);
        // Poems are lines without end punctuation by nature; the line-shape rules are not about them. Asked
        // only when a rule would remove the document.
        let verse = || c.keep_verse && looks_like_verse(&doc.text);
        if c.line_punct_thr > 0.0
            && punct < c.line_punct_thr
            && !(punct == 0.0 && c.line_punct_exclude_zero)
            && !verse()
        {
            return measured(LINE_PUNCT, punct, c.line_punct_thr);
        }
        // A share is at most 1: a threshold of 1 or more is off (FineWeb-2 sets 999).
        if c.short_line_thr < 1.0 {
            let short = lines.iter().filter(|l| char_count(l) <= c.short_line_length).count() as f64 / nl;
            if short > c.short_line_thr {
                return measured(SHORT_LINES, short, c.short_line_thr);
            }
        }
        let mut seen = hash_set(lines.len());
        let dup_chars: usize = lines
            .iter()
            .filter(|l| !seen.insert(hash64(l)))
            .map(|l| char_count(l))
            .sum();
        let newlines = doc.text.bytes().filter(|b| *b == b'\n').count();
        let chars = (char_count(&doc.text) - newlines).max(1);
        let dup = dup_chars as f64 / chars as f64;
        // A song's refrain is duplicated lines by design.
        if c.char_duplicates_ratio > 0.0 && dup > c.char_duplicates_ratio && !verse() {
            return measured(CHAR_DUP, dup, c.char_duplicates_ratio);
        }
        // Counted: this filter needs only how many words, but when a config runs it before the gopher filters,
        // they need the lengths, which are cheapest found with the words.
        let words = match c.words {
            WordMode::Key => doc.analysis.key_words_counted(&doc.text, self.key).words.len(),
            WordMode::Datatrove => doc.analysis.tokens(&doc.text).len(),
        };
        let list = newlines as f64 / words.max(1) as f64;
        if c.new_line_ratio > 0.0 && list > c.new_line_ratio && !verse() {
            return measured(LIST, list, c.new_line_ratio);
        }
        Outcome::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::removal_code;

    fn code(text: &str) -> Option<&'static str> {
        removal_code(
            &FinewebQuality::from_config(&FinewebQualityConfig::default(), KeySpec::default()),
            text,
        )
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
