//! `filter.gopher_quality`: Gopher's quality rules with FineWeb-2's Arabic settings — document length in
//! words, mean word length, `#` and ellipsis per word, bullet and ellipsis-ending lines, the share of words
//! with a letter, and a minimum number of Arabic stop words.
//!
//! Semantics follow datatrove's `GopherQualityFilter`, with one deliberate difference: words are the text
//! layer's words of the key form (punctuation is not a word, clitics are not split), and stop words are our
//! key-form list (`text/stopwords_ar.txt`, ~200 words) instead of FineWeb-2's 19 tokens, one of which is the
//! comma `،`. Stop words are counted by occurrence, as datatrove does.

use serde::{Deserialize, Serialize};

use super::measured;
use crate::normalize::{fold_into, KeyOptions};
use crate::text::{is_stop_word, words};
use crate::{Document, Outcome, Reason, Stage, StageCx};

const fn r(code: &'static str) -> Reason {
    Reason::new("filter.gopher_quality", code)
}
/// Fewer words than `min_doc_words`.
pub const SHORT_DOC: Reason = r("filter.gopher_quality.short_doc");
/// More words than `max_doc_words`.
pub const LONG_DOC: Reason = r("filter.gopher_quality.long_doc");
/// Mean word length below the minimum.
pub const SHORT_WORDS: Reason = r("filter.gopher_quality.below_avg_word_length");
/// Mean word length above the maximum.
pub const LONG_WORDS: Reason = r("filter.gopher_quality.above_avg_word_length");
/// Too many `#` per word.
pub const HASHES: Reason = r("filter.gopher_quality.too_many_hashes");
/// Too many ellipses per word.
pub const ELLIPSES: Reason = r("filter.gopher_quality.too_many_ellipsis");
/// Too many lines starting with a bullet.
pub const BULLETS: Reason = r("filter.gopher_quality.too_many_bullets");
/// Too many lines ending with an ellipsis.
pub const END_ELLIPSES: Reason = r("filter.gopher_quality.too_many_end_ellipsis");
/// Too few words containing a letter.
pub const ALPHA: Reason = r("filter.gopher_quality.below_alpha_words");
/// Too few stop words: not running text.
pub const STOP_WORDS: Reason = r("filter.gopher_quality.not_enough_stop_words");
const REASONS: &[Reason] = &[
    SHORT_DOC,
    LONG_DOC,
    SHORT_WORDS,
    LONG_WORDS,
    HASHES,
    ELLIPSES,
    BULLETS,
    END_ELLIPSES,
    ALPHA,
    STOP_WORDS,
];

/// `[filter.gopher_quality]`; defaults are FineWeb-2 `arb_Arab`. A limit of 0 switches its rule off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GopherQualityConfig {
    /// Minimum words.
    pub min_doc_words: usize,
    /// Maximum words.
    pub max_doc_words: usize,
    /// Minimum mean word length (characters).
    pub min_avg_word_length: f64,
    /// Maximum mean word length (characters).
    pub max_avg_word_length: f64,
    /// Maximum `#` per word, and ellipses per word.
    pub max_symbol_word_ratio: f64,
    /// Maximum share of lines starting with `•` or `-`.
    pub max_bullet_lines_ratio: f64,
    /// Maximum share of lines ending with `...` or `…`.
    pub max_ellipsis_lines_ratio: f64,
    /// Minimum share of words with at least one letter.
    pub min_alpha_words_ratio: f64,
    /// Minimum number of stop-word occurrences.
    pub min_stop_words: usize,
}

impl Default for GopherQualityConfig {
    fn default() -> GopherQualityConfig {
        GopherQualityConfig {
            min_doc_words: 50,
            max_doc_words: 100_000,
            min_avg_word_length: 2.0,
            max_avg_word_length: 9.0,
            max_symbol_word_ratio: 0.1,
            max_bullet_lines_ratio: 0.9,
            max_ellipsis_lines_ratio: 0.3,
            min_alpha_words_ratio: 0.787,
            min_stop_words: 2,
        }
    }
}

/// The stage.
#[derive(Debug)]
pub struct GopherQuality {
    cfg: GopherQualityConfig,
    key: KeyOptions,
}

impl GopherQuality {
    /// Builds the stage.
    pub fn from_config(cfg: &GopherQualityConfig, key: KeyOptions) -> GopherQuality {
        GopherQuality { cfg: cfg.clone(), key }
    }
}

impl Stage for GopherQuality {
    fn name(&self) -> &'static str {
        "filter.gopher_quality"
    }

    fn reasons(&self) -> &'static [Reason] {
        REASONS
    }

    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome {
        let c = &self.cfg;
        let text = &doc.text;
        let mut key = String::new();
        fold_into(text, &self.key, &mut key);
        let words = words(&key);
        let n = words.len();
        cx.metric("words", n as f64);
        if c.min_doc_words > 0 && n < c.min_doc_words {
            return measured(SHORT_DOC, n as f64, c.min_doc_words as f64);
        }
        if c.max_doc_words > 0 && n > c.max_doc_words {
            return measured(LONG_DOC, n as f64, c.max_doc_words as f64);
        }
        let nf = n as f64;
        let mean = words.iter().map(|w| w.chars().count()).sum::<usize>() as f64 / nf;
        if c.min_avg_word_length > 0.0 && mean < c.min_avg_word_length {
            return measured(SHORT_WORDS, mean, c.min_avg_word_length);
        }
        if c.max_avg_word_length > 0.0 && mean > c.max_avg_word_length {
            return measured(LONG_WORDS, mean, c.max_avg_word_length);
        }
        if c.max_symbol_word_ratio > 0.0 {
            let hashes = text.matches('#').count() as f64 / nf;
            if hashes > c.max_symbol_word_ratio {
                return measured(HASHES, hashes, c.max_symbol_word_ratio);
            }
            let ellipses = (text.matches("...").count() + text.matches('…').count()) as f64 / nf;
            if ellipses > c.max_symbol_word_ratio {
                return measured(ELLIPSES, ellipses, c.max_symbol_word_ratio);
            }
        }
        let lines: Vec<&str> = text.lines().collect();
        let nl = lines.len().max(1) as f64;
        let bullets = lines.iter().filter(|l| l.trim_start().starts_with(['•', '-'])).count() as f64 / nl;
        if c.max_bullet_lines_ratio > 0.0 && bullets > c.max_bullet_lines_ratio {
            return measured(BULLETS, bullets, c.max_bullet_lines_ratio);
        }
        let trailing = lines
            .iter()
            .filter(|l| l.trim_end().ends_with("...") || l.trim_end().ends_with('…'))
            .count();
        let trailing = trailing as f64 / nl;
        if c.max_ellipsis_lines_ratio > 0.0 && trailing > c.max_ellipsis_lines_ratio {
            return measured(END_ELLIPSES, trailing, c.max_ellipsis_lines_ratio);
        }
        let alpha = words.iter().filter(|w| w.chars().any(char::is_alphabetic)).count() as f64 / nf;
        if c.min_alpha_words_ratio > 0.0 && alpha < c.min_alpha_words_ratio {
            return measured(ALPHA, alpha, c.min_alpha_words_ratio);
        }
        let stops = words.iter().filter(|w| is_stop_word(w)).count();
        if stops < c.min_stop_words {
            return measured(STOP_WORDS, stops as f64, c.min_stop_words as f64);
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
        let stage = GopherQuality::from_config(&GopherQualityConfig::default(), KeyOptions::default());
        match stage.process(
            &mut Document::new("d", text, Ordinal(0), memory_origin(1)),
            &mut StageCx::default(),
        ) {
            Outcome::Remove(r) => Some(r.reason.code),
            _ => None,
        }
    }

    const ARTICLE: &str = "قال المتحدث باسم وزارة الصحة إن الوزارة بدأت حملة جديدة للتطعيم في جميع المدن، وإن الحملة ستستمر حتى نهاية الشهر المقبل.\nوأضاف أن الفرق الطبية ستزور المدارس والأحياء السكنية، وأن على الأسر التي لم تطعم أطفالها بعد أن تراجع أقرب مركز صحي.\nوأشار إلى أن الوزارة خصصت خطا هاتفيا للرد على الاستفسارات، وأن عدد المراكز المشاركة في الحملة يزيد على مئتي مركز في المناطق كلها.";

    #[test]
    fn an_article_passes_and_each_rule_fires() {
        assert_eq!(code(ARTICLE), None);
        assert_eq!(code("خبر قصير من سطر واحد."), Some("filter.gopher_quality.short_doc"));
        let hashes = format!("{ARTICLE} {}", "#وسم ".repeat(20));
        assert_eq!(code(&hashes), Some("filter.gopher_quality.too_many_hashes"));
        let bullets = ["- بند في قائمة طويلة من البنود التي لا تنتهي"; 12].join("\n");
        assert_eq!(code(&bullets), Some("filter.gopher_quality.too_many_bullets"));
        let numbers = format!("{ARTICLE} {}", "١٢٣ ٤٥٦ ".repeat(40));
        assert_eq!(code(&numbers), Some("filter.gopher_quality.below_alpha_words"));
        let no_stops = ["السيارات الحديثة الفاخرة الجديدة السريعة الحمراء الكبيرة"; 10].join("\n");
        assert_eq!(code(&no_stops), Some("filter.gopher_quality.not_enough_stop_words"));
    }
}
