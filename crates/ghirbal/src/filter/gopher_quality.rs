//! `filter.gopher_quality`: Gopher's quality rules with FineWeb-2's Arabic settings — document length in
//! words, mean word length, `#` and ellipsis per word, bullet and ellipsis-ending lines, the share of words
//! with a letter, and a minimum number of stop words.
//!
//! Arithmetic follows datatrove's `GopherQualityFilter` (0.10.1). What a word is depends on `words`: in the
//! `ghirbal` preset the key form's words (punctuation is no word; stop words from our ~200-word key-form
//! list, so إلى and الى are one); in the `fineweb2` preset datatrove's spaCy-style tokens of the stored text,
//! where punctuation marks are tokens — they count in the ratios but not in the length checks — and the stop
//! words are FineWeb-2's 19, matched exactly, one of which is the comma `،`.
//!
//! Two shapes of text the `ghirbal` preset reads differently from datatrove:
//! - **length**: the key form has fewer words than datatrove's tokens (a clitic with a number, «الـ24», a
//!   date «2015/7/24»), and `clean` may have shortened the text. A document is removed as `short_doc` only
//!   when datatrove's count on the text as read is under the floor too: the `ghirbal` preset never removes
//!   for length what the `fineweb2` preset keeps.
//! - **verse** (`keep_verse`): poems that write «...» between hemistichs have an ellipsis in every line; the
//!   ellipsis rules do not apply to rhyming verse ([`crate::text::looks_like_verse`]).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{measured, WordMode};
use crate::normalize::{key, KeySpec};
use crate::text::{is_datatrove_punctuation, is_letter, is_stop_word};
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
    /// Minimum number of stop words: occurrences with `words = "key"`, distinct with `"datatrove"`.
    pub min_stop_words: usize,
    /// Stop words; empty: ghirbal's Arabic list (`text/stopwords_ar.txt`). Matched on the key form with
    /// `words = "key"`, exactly with `words = "datatrove"`.
    pub stop_words: Vec<String>,
    /// `key` (the key form's words) or `datatrove` (spaCy-style tokens, for parity).
    pub words: WordMode,
    /// The bullet and ellipsis line rules apply to documents of at least this many lines (0: all). On a
    /// three-line article, one headline ending in «...» is a third of its lines.
    pub line_rules_min_lines: usize,
    /// A bullet line counts only if it has at most this many words (0: any). Menus and link lists are
    /// bullets of a few words; a column of full-sentence bullet points is prose.
    pub bullet_max_words: usize,
    /// Exempt rhyming verse from the two ellipsis rules (hemistichs separated by «...»).
    pub keep_verse: bool,
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
            stop_words: Vec::new(),
            words: WordMode::Key,
            line_rules_min_lines: 10,
            bullet_max_words: 10,
            keep_verse: true,
        }
    }
}

/// The stage.
#[derive(Debug)]
pub struct GopherQuality {
    cfg: GopherQualityConfig,
    key: KeySpec,
    /// The configured stop words, in the form they are matched in; `None`: the built-in list.
    stop_words: Option<HashSet<String>>,
}

impl GopherQuality {
    /// Builds the stage.
    pub fn from_config(cfg: &GopherQualityConfig, key_opts: KeySpec) -> GopherQuality {
        let stop_words = (!cfg.stop_words.is_empty()).then(|| match cfg.words {
            WordMode::Key => cfg.stop_words.iter().map(|w| key(w)).collect(),
            WordMode::Datatrove => cfg.stop_words.iter().cloned().collect(),
        });
        GopherQuality {
            cfg: cfg.clone(),
            key: key_opts,
            stop_words,
        }
    }

    fn is_stop(&self, word: &str) -> bool {
        match &self.stop_words {
            Some(set) => set.contains(word),
            None => is_stop_word(word) || (self.cfg.words == WordMode::Key && proclitic_article(word)),
        }
    }
}

/// Arabic writes its commonest function words — و ف ب ل ك — joined to the next word: a word that carries
/// one in front of the article (والسعادة، بالصحة، للتوعية) is a function-word occurrence too. Formal news
/// («بعث خادم الحرمين برقية تهنئة…») has few free-standing stop words and many of these.
fn proclitic_article(key_word: &str) -> bool {
    key_word.len() > 8
        && ["وال", "فال", "بال", "كال", "لل"]
            .iter()
            .any(|p| key_word.starts_with(p))
}

/// What the rules measure of a document's words.
#[derive(Debug, Default)]
struct WordStats {
    /// Words that are not only punctuation: the length checks count these.
    words: usize,
    /// Their mean length in characters.
    mean_len: f64,
    /// Every token, punctuation included: the ratios divide by this.
    tokens: usize,
    /// Tokens with at least one letter.
    alpha: usize,
    /// Stop words: occurrences (key mode) or distinct (datatrove mode).
    stop_words: usize,
}

impl GopherQuality {
    fn word_stats(&self, doc: &mut Document) -> WordStats {
        let mut s = WordStats::default();
        let mut stops: HashSet<&str> = HashSet::new();
        let mut chars = 0usize;
        let (source, words) = match self.cfg.words {
            WordMode::Key => {
                let kw = doc.analysis.key_words_counted(&doc.text, self.key);
                (kw.key.as_str(), &kw.words)
            }
            WordMode::Datatrove => (doc.text.as_str(), doc.analysis.tokens(&doc.text)),
        };
        // Key-form words never consist of punctuation; datatrove's tokens may.
        let datatrove = self.cfg.words == WordMode::Datatrove;
        let lens = words.chars(source);
        for (i, w) in words.iter(source).enumerate() {
            s.tokens += 1;
            if !datatrove || !w.chars().all(is_datatrove_punctuation) {
                s.words += 1;
                chars += lens[i] as usize;
            }
            s.alpha += usize::from(w.chars().any(is_letter));
            if s.stop_words < self.cfg.min_stop_words && self.is_stop(w) {
                // datatrove counts distinct stop words; Arabic function words are often clitics, so the
                // key mode counts occurrences (two «في» are evidence of running text too).
                if !datatrove || stops.insert(w) {
                    s.stop_words += 1;
                }
            }
        }
        s.mean_len = chars as f64 / s.words.max(1) as f64;
        s
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
        let s = self.word_stats(doc);
        let n = s.words;
        cx.metric("words", n as f64);
        if c.min_doc_words > 0 && n < c.min_doc_words {
            // Never stricter than FineWeb-2: its count of the text as read decides too.
            let reference = match c.words {
                WordMode::Key => datatrove_words(doc.text_as_read()),
                WordMode::Datatrove => n,
            };
            if reference < c.min_doc_words {
                return measured(SHORT_DOC, n as f64, c.min_doc_words as f64);
            }
            cx.metric("short_docs_kept_by_fineweb2_count", 1.0);
        }
        if c.max_doc_words > 0 && n > c.max_doc_words {
            return measured(LONG_DOC, n as f64, c.max_doc_words as f64);
        }
        if c.min_avg_word_length > 0.0 && s.mean_len < c.min_avg_word_length {
            return measured(SHORT_WORDS, s.mean_len, c.min_avg_word_length);
        }
        if c.max_avg_word_length > 0.0 && s.mean_len > c.max_avg_word_length {
            return measured(LONG_WORDS, s.mean_len, c.max_avg_word_length);
        }
        let text = &doc.text;
        let tokens = s.tokens.max(1) as f64;
        let verse = std::cell::OnceCell::new();
        let verse = || *verse.get_or_init(|| c.keep_verse && crate::text::looks_like_verse(text));
        if c.max_symbol_word_ratio > 0.0 {
            let hashes = text.matches('#').count() as f64 / tokens;
            if hashes > c.max_symbol_word_ratio {
                return measured(HASHES, hashes, c.max_symbol_word_ratio);
            }
            let ellipses = memchr::memmem::find_iter(text.as_bytes(), "...").count()
                + memchr::memmem::find_iter(text.as_bytes(), "…".as_bytes()).count();
            let ellipses = ellipses as f64 / tokens;
            if ellipses > c.max_symbol_word_ratio && !verse() {
                return measured(ELLIPSES, ellipses, c.max_symbol_word_ratio);
            }
        }
        if let Some(out) = self.line_rules(text, verse) {
            return out;
        }
        let alpha = s.alpha as f64 / tokens;
        if c.min_alpha_words_ratio > 0.0 && alpha < c.min_alpha_words_ratio {
            return measured(ALPHA, alpha, c.min_alpha_words_ratio);
        }
        if s.stop_words < c.min_stop_words {
            return measured(STOP_WORDS, s.stop_words as f64, c.min_stop_words as f64);
        }
        Outcome::Keep
    }
}

/// Words as datatrove counts them for its length rules: spaCy-style tokens that are not only punctuation.
fn datatrove_words(text: &str) -> usize {
    crate::text::datatrove_tokens(text)
        .into_iter()
        .filter(|t| !t.chars().all(is_datatrove_punctuation))
        .count()
}

/// Python's `str.splitlines` boundaries.
fn python_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{B}' | '\u{C}' | '\u{1C}' | '\u{1D}' | '\u{1E}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// The lines of Python's `str.splitlines`: a `\r\n` pair is one break, a final break adds no empty line.
fn python_lines(text: &str) -> Vec<&str> {
    // The usual text breaks lines with `\n` alone: split on it without decoding characters.
    let bytes = text.as_bytes();
    let unusual = bytes.iter().any(|b| matches!(b, b'\r' | 0x0B | 0x0C | 0x1C..=0x1E))
        || ["\u{85}", "\u{2028}", "\u{2029}"]
            .iter()
            .any(|sep| memchr::memmem::find(bytes, sep.as_bytes()).is_some());
    if !unusual {
        let body = text.strip_suffix('\n').unwrap_or(text);
        return if text.is_empty() {
            Vec::new()
        } else {
            crate::text::split_lines(body).collect()
        };
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if python_line_break(c) {
            out.push(&text[start..i]);
            start = i + c.len_utf8();
            if c == '\r' && chars.next_if(|(_, n)| *n == '\n').is_some() {
                start += 1;
            }
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

impl GopherQuality {
    /// Bullet-starting and ellipsis-ending lines (the latter not in verse).
    fn line_rules(&self, text: &str, verse: impl FnOnce() -> bool) -> Option<Outcome> {
        let c = &self.cfg;
        let lines = python_lines(text);
        if lines.len() < c.line_rules_min_lines {
            return None;
        }
        let nl = lines.len().max(1) as f64;
        let short = |l: &str| c.bullet_max_words == 0 || l.split_whitespace().count() <= c.bullet_max_words + 1;
        let bullets = lines
            .iter()
            .filter(|l| l.trim_start().starts_with(['•', '-']) && short(l))
            .count() as f64
            / nl;
        if c.max_bullet_lines_ratio > 0.0 && bullets > c.max_bullet_lines_ratio {
            return Some(measured(BULLETS, bullets, c.max_bullet_lines_ratio));
        }
        let ends = |l: &&&str| {
            let l = l.trim_end();
            l.ends_with("...") || l.ends_with('…')
        };
        let ellipses = lines.iter().filter(ends).count() as f64 / nl;
        if c.max_ellipsis_lines_ratio > 0.0 && ellipses > c.max_ellipsis_lines_ratio && !verse() {
            return Some(measured(END_ELLIPSES, ellipses, c.max_ellipsis_lines_ratio));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::removal_code;

    fn code(text: &str) -> Option<&'static str> {
        removal_code(
            &GopherQuality::from_config(&GopherQualityConfig::default(), KeySpec::default()),
            text,
        )
    }

    const ARTICLE: &str = "قال المتحدث باسم وزارة الصحة إن الوزارة بدأت حملة جديدة للتطعيم في جميع المدن، وإن الحملة ستستمر حتى نهاية الشهر المقبل.\nوأضاف أن الفرق الطبية ستزور المدارس والأحياء السكنية، وأن على الأسر التي لم تطعم أطفالها بعد أن تراجع أقرب مركز صحي.\nوأشار إلى أن الوزارة خصصت خطا هاتفيا للرد على الاستفسارات، وأن عدد المراكز المشاركة في الحملة يزيد على مئتي مركز في المناطق كلها.";

    #[test]
    fn arabic_aware_rules_keep_formal_news_columns_and_bullet_prose() {
        // A royal cable: one free-standing stop word (عن), many proclitic+article words.
        let cable = "بعث خادم الحرمين الشريفين الملك سلمان برقية تهنئة لجلالة السلطان بمناسبة ذكرى يوم النهضة لبلاده. \
                     وأعرب الملك باسمه واسم شعب وحكومة المملكة العربية السعودية عن أصدق التهاني وأطيب التمنيات \
                     بالصحة والسعادة لجلالته ولحكومة وشعب السلطنة الشقيق اطراد التقدم والازدهار والنماء \
                     والاستقرار الدائم للبلدين الشقيقين وللشعبين الكريمين. كما بعث ولي العهد برقية تهنئة مماثلة \
                     لجلالة السلطان بالمناسبة السعيدة متمنيا لجلالته موفور الصحة والعافية وللشعب العماني الشقيق \
                     دوام الرقي والتقدم والازدهار.";
        assert_eq!(code(cable), None);
        let fineweb2_words = GopherQualityConfig {
            stop_words: vec!["،".into(), "في".into(), "عن".into(), "من".into()],
            words: WordMode::Datatrove,
            ..GopherQualityConfig::default()
        };
        let stage = GopherQuality::from_config(&fineweb2_words, KeySpec::default());
        assert_eq!(
            removal_code(&stage, cable),
            Some(STOP_WORDS.code),
            "«عن» alone: too few"
        );
        // A column of full-sentence bullet points, and a three-line piece whose title ends in «...».
        let point = "- قال المدرب بعد المباراة إن الفريق قدم أداء جيدا وإنه راض عن النتيجة رغم الغيابات الكثيرة";
        let bullets = [point; 12]
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{l} {i}"))
            .collect::<Vec<_>>();
        assert_eq!(code(&bullets.join("\n")), None);
        assert_eq!(code(&format!("عنوان المقال...\n\n{ARTICLE}")), None);
        let strict = GopherQualityConfig {
            line_rules_min_lines: 0,
            bullet_max_words: 0,
            ..GopherQualityConfig::default()
        };
        let stage = GopherQuality::from_config(&strict, KeySpec::default());
        assert_eq!(removal_code(&stage, &bullets.join("\n")), Some(BULLETS.code));
    }

    #[test]
    fn lines_split_as_python_splitlines() {
        assert_eq!(python_lines("ب\nج\n"), ["ب", "ج"]);
        assert_eq!(python_lines("ب\r\nج\u{2028}د\n\n"), ["ب", "ج", "د", ""]);
        assert!(python_lines("").is_empty());
    }

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
