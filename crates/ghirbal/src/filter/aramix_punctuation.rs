//! `filter.aramix_punctuation`: AraMix's replacement for the line-punctuation rule, which English-tuned
//! filters apply too harshly to Arabic: keep a document if at least `min_ratio` (5%) of its non-blank lines
//! end in punctuation — any Unicode punctuation, so ، ؛ : count — or if none does at all (text extracted
//! without punctuation is judged by the other filters, not dropped here).

use serde::{Deserialize, Serialize};
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use super::measured;
use crate::text::looks_like_verse;
use crate::{Document, Outcome, Reason, Stage, StageCx};

/// Some, but too few, lines end in punctuation.
pub const LINE_PUNCT: Reason = Reason::new("filter.aramix_punctuation", "filter.aramix_punctuation");

/// `[filter.aramix_punctuation]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AramixPunctuationConfig {
    /// Minimum share of lines ending in punctuation, unless it is exactly 0.
    pub min_ratio: f64,
    /// Exempt rhyming verse (see [`crate::text::looks_like_verse`]): a poem quoted after a sentence of
    /// introduction has one punctuated line in many, by nature.
    pub keep_verse: bool,
}

impl Default for AramixPunctuationConfig {
    fn default() -> AramixPunctuationConfig {
        AramixPunctuationConfig {
            min_ratio: 0.05,
            keep_verse: true,
        }
    }
}

/// The stage.
#[derive(Debug)]
pub struct AramixPunctuation {
    cfg: AramixPunctuationConfig,
}

impl AramixPunctuation {
    /// Builds the stage.
    pub fn from_config(cfg: &AramixPunctuationConfig) -> AramixPunctuation {
        AramixPunctuation { cfg: cfg.clone() }
    }
}

impl Stage for AramixPunctuation {
    fn name(&self) -> &'static str {
        "filter.aramix_punctuation"
    }

    fn reasons(&self) -> &'static [Reason] {
        &[LINE_PUNCT]
    }

    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome {
        let lines: Vec<&str> = doc
            .text
            .split('\n')
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .collect();
        let ends = |l: &&str| {
            l.chars()
                .last()
                .is_some_and(|c| c.general_category_group() == GeneralCategoryGroup::Punctuation)
        };
        let ratio = lines.iter().filter(|l| ends(l)).count() as f64 / lines.len().max(1) as f64;
        cx.metric("line_punct_ratio", ratio);
        if ratio > 0.0 && ratio < self.cfg.min_ratio && !(self.cfg.keep_verse && looks_like_verse(&doc.text)) {
            return measured(LINE_PUNCT, ratio, self.cfg.min_ratio);
        }
        Outcome::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::removal_code;

    fn removed(text: &str) -> bool {
        removal_code(
            &AramixPunctuation::from_config(&AramixPunctuationConfig::default()),
            text,
        )
        .is_some()
    }

    #[test]
    fn some_but_too_few_is_removed_none_or_enough_is_kept() {
        let bare = vec!["سطر بلا علامة"; 30].join("\n");
        assert!(!removed(&bare), "no punctuation at all is kept");
        assert!(removed(&format!("{bare}\nجملة.")), "1 of 31 lines");
        assert!(
            !removed(&format!("{bare}\nجملة،\nجملة؛\nجملة:")),
            "3 of 33 lines, Arabic marks count"
        );
    }
}
