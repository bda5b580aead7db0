//! `filter.gopher_repetition`: Gopher's repetition rules with FineWeb-2's Arabic thresholds. A document is
//! removed when too much of it repeats: the fraction of duplicate lines, the character share of its most
//! frequent 2/3/4-gram, or the character share of duplicated 5…10-grams (paragraph rules off, as FineWeb-2).
//!
//! Arithmetic follows datatrove's `GopherRepetitionFilter` (0.10.1): a duplicate line is any line seen
//! before; the top n-gram share is (characters of the n-gram joined by spaces × its count) / text characters,
//! the first-seen n-gram winning ties; duplicated n-grams are counted greedily left to right, jumping over an
//! n-gram once it repeats, their characters (words joined without spaces) over text characters. With
//! `words = "key"` (the `ghirbal` preset) words are the key form's and blank and separator lines are not
//! lines; with
//! `words = "datatrove"` (the `fineweb2` preset) words are spaCy-style tokens and lines are datatrove's
//! pieces of `re.split("\n+")`, so an empty first or last piece counts, and an empty text is removed as
//! `filter.gopher_repetition.empty`.
//!
//! In the `ghirbal` preset the top n-gram rule also asks how the n-gram is spread (`top_n_gram_spread`): a
//! news or encyclopaedia text names its topic — «الرئيس الأمريكي دونالد ترامب», «مجلس أبحاث الآداب
//! والعلوم الإنسانية» — in its title, its lead and its body, sentences apart; keyword stuffing and chants
//! repeat a phrase back to back («شقق للبيع في الرياض بأسعار مناسبة، شقق للبيع في الرياض قريبة…»). The
//! rule counts an n-gram only when at least half of the gaps between its consecutive occurrences are
//! shorter than `top_n_gram_spread` words.
//!
//! Speed: an n-gram can only repeat where the (n−1)-gram at the same place repeats, so each size counts only
//! the places the previous size left; in running text few survive past n = 4.

use serde::{Deserialize, Serialize};

use super::{measured, WordMode};
use crate::normalize::KeySpec;
use crate::text::{char_count, hash64, hash_set, mix, Fast, HashMap64};
use crate::{Document, Outcome, Reason, Removal, Stage, StageCx};

/// Nothing to measure (datatrove mode).
pub const EMPTY: Reason = Reason::new("filter.gopher_repetition", "filter.gopher_repetition.empty");
/// Too many duplicate lines.
pub const DUP_LINE_FRAC: Reason = Reason::new("filter.gopher_repetition", "filter.gopher_repetition.dup_line_frac");
const fn top(code: &'static str) -> Reason {
    Reason::new("filter.gopher_repetition", code)
}
/// The most frequent n-gram (n = 2…10) covers too much of the text.
pub const TOP_N_GRAM: [Reason; 9] = [
    top("filter.gopher_repetition.top_2_gram"),
    top("filter.gopher_repetition.top_3_gram"),
    top("filter.gopher_repetition.top_4_gram"),
    top("filter.gopher_repetition.top_5_gram"),
    top("filter.gopher_repetition.top_6_gram"),
    top("filter.gopher_repetition.top_7_gram"),
    top("filter.gopher_repetition.top_8_gram"),
    top("filter.gopher_repetition.top_9_gram"),
    top("filter.gopher_repetition.top_10_gram"),
];
/// Duplicated n-grams (n = 2…10) cover too much of the text.
pub const DUP_N_GRAMS: [Reason; 9] = [
    top("filter.gopher_repetition.duplicated_2_n_grams"),
    top("filter.gopher_repetition.duplicated_3_n_grams"),
    top("filter.gopher_repetition.duplicated_4_n_grams"),
    top("filter.gopher_repetition.duplicated_5_n_grams"),
    top("filter.gopher_repetition.duplicated_6_n_grams"),
    top("filter.gopher_repetition.duplicated_7_n_grams"),
    top("filter.gopher_repetition.duplicated_8_n_grams"),
    top("filter.gopher_repetition.duplicated_9_n_grams"),
    top("filter.gopher_repetition.duplicated_10_n_grams"),
];

/// `[filter.gopher_repetition]`; defaults are FineWeb-2 `arb_Arab`. A threshold of 0 switches a rule off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GopherRepetitionConfig {
    /// Maximum duplicate lines / lines.
    pub dup_line_frac: f64,
    /// (n, maximum character share of the most frequent n-gram), n in 2..=10.
    pub top_n_grams: Vec<(usize, f64)>,
    /// (n, maximum character share of duplicated n-grams), n in 2..=10.
    pub dup_n_grams: Vec<(usize, f64)>,
    /// `key` (the key form's words) or `datatrove` (spaCy-style tokens, for parity).
    pub words: WordMode,
    /// Leave a title line (a first line followed by a blank line) out of the n-gram rules: a news lead that
    /// restates its headline is style, not repetition. Key mode only.
    pub skip_title: bool,
    /// The top n-gram rule counts only an n-gram seen at least this many times (datatrove: 1, so that in a
    /// short text even a phrase said once can "cover" too much of it). A name said twice in a short news item
    /// is not repetition.
    pub top_n_gram_min_count: u32,
    /// The top n-gram rule counts an n-gram only when at least half of the gaps between its consecutive
    /// occurrences are shorter than this many words (0: always, as datatrove). A name that recurs sentences
    /// apart is the text's topic, not repetition.
    pub top_n_gram_spread: usize,
}

impl Default for GopherRepetitionConfig {
    fn default() -> GopherRepetitionConfig {
        GopherRepetitionConfig {
            dup_line_frac: 0.304,
            top_n_grams: vec![(2, 0.197), (3, 0.172), (4, 0.146)],
            dup_n_grams: vec![(5, 0.165), (6, 0.153), (7, 0.142), (8, 0.131), (9, 0.12), (10, 0.109)],
            words: WordMode::Key,
            skip_title: true,
            top_n_gram_min_count: 3,
            top_n_gram_spread: 6,
        }
    }
}

impl GopherRepetitionConfig {
    /// Checks n-gram sizes.
    pub fn validate(&self) -> Result<(), String> {
        for (n, _) in self.top_n_grams.iter().chain(&self.dup_n_grams) {
            if !(2..=10).contains(n) {
                return Err(format!("filter.gopher_repetition: n-gram size {n} is not in 2..=10"));
            }
        }
        Ok(())
    }
}

/// The stage.
#[derive(Debug)]
pub struct GopherRepetition {
    cfg: GopherRepetitionConfig,
    key: KeySpec,
}

impl GopherRepetition {
    /// Builds the stage.
    pub fn from_config(cfg: &GopherRepetitionConfig, key: KeySpec) -> GopherRepetition {
        GopherRepetition { cfg: cfg.clone(), key }
    }
}

/// (duplicate lines, lines). `datatrove`: the pieces of `re.split("\n+", text)`; else lines with a letter
/// or a digit — a separator (`.`, `>`, `***` between a poem's stanzas) is no repeated line of text.
fn duplicate_lines(text: &str, mode: WordMode) -> (usize, usize) {
    let mut seen = hash_set(64);
    let (mut dups, mut total) = (0, 0);
    let last = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    for (i, line) in crate::text::split_lines(text).enumerate() {
        let counted = match mode {
            WordMode::Datatrove => !line.is_empty() || i == 0 || i == last,
            WordMode::Key => line.contains(char::is_alphanumeric),
        };
        if !counted {
            continue;
        }
        total += 1;
        if !seen.insert(hash64(line)) {
            dups += 1;
        }
    }
    (dups, total.max(1))
}

/// The title line of a news text: a first line of at most 20 words followed by a blank line and more text.
fn title(text: &str) -> Option<&str> {
    let (first, rest) = text.split_once('\n')?;
    let rest = rest.strip_prefix('\n')?;
    let short = first.split_whitespace().count() <= 20;
    (short && !first.trim().is_empty() && !rest.trim().is_empty()).then_some(first)
}

/// The n-gram hash at each place in `at`, from the word hashes (the text layer's n-gram mix).
fn hashes_at(words: &[u64], at: &[u32], n: usize) -> Vec<u64> {
    at.iter().map(|&i| mix(&words[i as usize..i as usize + n], 0)).collect()
}

/// For one n: the places (among `at`) whose n-gram occurs more than once, and the (count, first place) of
/// the most frequent n-gram there (first seen wins ties), or `None` when no n-gram repeats.
fn repeats(words: &[u64], at: &[u32], n: usize) -> (Vec<u32>, Option<(u32, u32)>) {
    let hashes = hashes_at(words, at, n);
    let mut counts: HashMap64<(u32, u32)> = HashMap64::with_capacity_and_hasher(at.len(), Fast::default());
    for (h, &i) in hashes.iter().zip(at) {
        counts.entry(*h).or_insert((0, i)).0 += 1;
    }
    let top = counts
        .values()
        .filter(|c| c.0 > 1)
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .copied();
    let again = hashes
        .iter()
        .zip(at)
        .filter(|(h, _)| counts.get(*h).is_some_and(|c| c.0 > 1))
        .map(|(_, &i)| i)
        .collect();
    (again, top)
}

/// Characters of duplicated n-grams (words joined without spaces), counted greedily as datatrove does; only
/// places in `again` (whose n-gram occurs twice or more) can be duplicates.
fn duplicated_ngram_chars(words: &[u64], lens: &[u32], again: &[u32], n: usize) -> usize {
    let hashes = hashes_at(words, again, n);
    let mut seen = hash_set(again.len());
    let (mut chars, mut next) = (0usize, 0usize);
    for (h, &i) in hashes.iter().zip(again) {
        let i = i as usize;
        if i < next {
            continue;
        }
        if !seen.insert(*h) {
            chars += lens[i..i + n].iter().map(|l| *l as usize).sum::<usize>();
            next = i + n;
        }
    }
    chars
}

/// Characters of an n-gram starting at `i` joined by spaces.
fn spaced_chars(lens: &[u32], i: usize, n: usize) -> usize {
    lens[i..i + n].iter().map(|l| *l as usize).sum::<usize>() + n - 1
}

impl GopherRepetition {
    fn ngram_rules(&self, hashes: &[u64], lens: &[u32], chars: f64) -> Option<Outcome> {
        let max_n = self
            .cfg
            .top_n_grams
            .iter()
            .chain(&self.cfg.dup_n_grams)
            .map(|(n, _)| *n)
            .max()?;
        // `again[n]`: places whose n-gram repeats; `top[n]`: (count, first place) of the most frequent one.
        let mut again: Vec<Vec<u32>> = vec![Vec::new(); max_n + 1];
        let mut top: Vec<Option<(u32, u32)>> = vec![None; max_n + 1];
        let mut at: Vec<u32> = (0..hashes.len().saturating_sub(1) as u32).collect();
        for n in 2..=max_n.min(hashes.len()) {
            at.retain(|&i| i as usize + n <= hashes.len());
            let (rep, best) = repeats(hashes, &at, n);
            top[n] = best;
            at.clone_from(&rep);
            again[n] = rep;
        }
        for &(n, threshold) in &self.cfg.top_n_grams {
            if threshold <= 0.0 || hashes.len() < n {
                continue;
            }
            let (count, first) = top[n].unwrap_or((1, 0));
            if count < self.cfg.top_n_gram_min_count || self.spread(hashes, &again[n], first as usize, n) {
                continue;
            }
            let share = (spaced_chars(lens, first as usize, n) * count as usize) as f64 / chars;
            if share > threshold {
                return Some(measured(TOP_N_GRAM[n - 2], share, threshold));
            }
        }
        for &(n, threshold) in &self.cfg.dup_n_grams {
            if threshold <= 0.0 || hashes.len() < n {
                continue;
            }
            let share = duplicated_ngram_chars(hashes, lens, &again[n], n) as f64 / chars;
            if share > threshold {
                return Some(measured(DUP_N_GRAMS[n - 2], share, threshold));
            }
        }
        None
    }
}

impl GopherRepetition {
    /// True when the n-gram at `first` recurs sentences apart: at least half of the gaps between its
    /// consecutive occurrences (among `again`, the places whose n-gram repeats) are `top_n_gram_spread`
    /// words or longer.
    fn spread(&self, hashes: &[u64], again: &[u32], first: usize, n: usize) -> bool {
        let min_gap = self.cfg.top_n_gram_spread;
        if min_gap == 0 {
            return false;
        }
        let target = mix(&hashes[first..first + n], 0);
        let places: Vec<usize> = hashes_at(hashes, again, n)
            .iter()
            .zip(again)
            .filter(|(h, _)| **h == target)
            .map(|(_, &i)| i as usize)
            .collect();
        let gaps: Vec<usize> = places.windows(2).map(|w| w[1].saturating_sub(w[0] + n)).collect();
        let long = gaps.iter().filter(|g| **g >= min_gap).count();
        !gaps.is_empty() && long * 2 >= gaps.len()
    }
}

impl Stage for GopherRepetition {
    fn name(&self) -> &'static str {
        "filter.gopher_repetition"
    }

    fn reasons(&self) -> &'static [Reason] {
        static ALL: std::sync::OnceLock<Vec<Reason>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| {
            [EMPTY, DUP_LINE_FRAC]
                .into_iter()
                .chain(TOP_N_GRAM)
                .chain(DUP_N_GRAMS)
                .collect()
        })
    }

    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome {
        if doc.text.is_empty() && self.cfg.words == WordMode::Datatrove {
            return Outcome::Remove(Removal::new(EMPTY));
        }
        let chars = char_count(&doc.text).max(1) as f64;
        let (dups, lines) = duplicate_lines(&doc.text, self.cfg.words);
        let frac = dups as f64 / lines as f64;
        cx.metric("dup_line_frac", frac);
        if self.cfg.dup_line_frac > 0.0 && frac > self.cfg.dup_line_frac {
            return measured(DUP_LINE_FRAC, frac, self.cfg.dup_line_frac);
        }
        let (source, words, skip, title_chars) = match self.cfg.words {
            WordMode::Key => {
                let kw = doc.analysis.key_words_counted(&doc.text, self.key);
                let title = if self.cfg.skip_title { title(&doc.text) } else { None };
                let (skip, title_chars) = title.map_or((0, 0), |t| {
                    // The analysis form has one line per text line: the title's words are its first line's.
                    let first = kw.key.split('\n').next().unwrap_or("");
                    (crate::text::words(first).len(), char_count(t) + 1)
                });
                (kw.key.as_str(), &kw.words, skip, title_chars)
            }
            WordMode::Datatrove => (doc.text.as_str(), doc.analysis.tokens(&doc.text), 0, 0),
        };
        let chars = (chars - title_chars as f64).max(1.0);
        self.ngram_rules(&words.hashes[skip..], &words.chars(source)[skip..], chars)
            .unwrap_or(Outcome::Keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::removal_code;

    fn code(text: &str) -> Option<&'static str> {
        removal_code(
            &GopherRepetition::from_config(&GopherRepetitionConfig::default(), KeySpec::default()),
            text,
        )
    }

    #[test]
    fn datatrove_counting() {
        // Words a b a b a b c: the 2-gram "a b" is at 0, 2, 4; "b a" at 1, 3.
        let words: Vec<u64> = vec![1, 2, 1, 2, 1, 2, 3];
        let lens = vec![2; 7];
        let all: Vec<u32> = (0..6).collect();
        let (again, top) = repeats(&words, &all, 2);
        assert_eq!(again, [0, 1, 2, 3, 4]);
        assert_eq!(top, Some((3, 0)), "a b, three times, first at 0");
        // Greedy: 0 new, 1 new, 2 repeats (jump to 4), 4 repeats (jump to 6).
        assert_eq!(duplicated_ngram_chars(&words, &lens, &again, 2), 8);
        assert_eq!(duplicate_lines("a\n\nb\na\na", WordMode::Key), (2, 4));
        assert_eq!(
            duplicate_lines("a\n.\nb\n.\nc\n.", WordMode::Key),
            (0, 3),
            "separators are no lines"
        );
        assert_eq!(
            duplicate_lines("\na\n\nb\n", WordMode::Datatrove),
            (1, 4),
            "empty first and last pieces"
        );
    }

    #[test]
    fn a_lead_that_restates_the_headline_is_news_style() {
        let text =
            "انتشال غريق في حقل أم عنم بتبوك\n\nباشرت فرق الهلال الأحمر انتشال غريق في حقل أم عنم بتبوك ظهر اليوم، \
                    وقال المتحدث إن حالته غير مستقرة وإنه نقل إلى مستشفى المحافظة لتلقي العلاج.";
        assert_eq!(code(text), None);
        // datatrove's arithmetic (title counted, an n-gram seen twice enough) removes it.
        let strict = GopherRepetitionConfig {
            skip_title: false,
            top_n_gram_min_count: 1,
            ..GopherRepetitionConfig::default()
        };
        let stage = GopherRepetition::from_config(&strict, KeySpec::default());
        assert!(removal_code(&stage, text).is_some());
    }

    #[test]
    fn a_topic_named_sentences_apart_is_not_repetition_but_stuffing_is() {
        // The shape of a short encyclopaedia entry: a 4-word name in the title, the lead and the body.
        let text = "الرئيس الأمريكي دونالد ترامب\n\nأعلن الرئيس الأمريكي دونالد ترامب يوم الجمعة عن خطة جديدة \
                    لدعم الصناعة المحلية، وقال إن الخطة ستوفر آلاف الوظائف في الولايات الصناعية خلال العامين \
                    المقبلين. وأضاف البيت الأبيض في بيان أن الرئيس الأمريكي دونالد ترامب سيوقع القرار الأسبوع \
                    المقبل بحضور عدد من رؤساء الشركات الكبرى. وكان الديمقراطيون قد انتقدوا الخطة، لكن الرئيس \
                    الأمريكي دونالد ترامب دافع عنها في مؤتمر صحفي عقده مساء أمس في واشنطن.";
        assert_eq!(code(text), None);
        let datatrove_like = GopherRepetitionConfig {
            top_n_gram_spread: 0,
            ..GopherRepetitionConfig::default()
        };
        let stage = GopherRepetition::from_config(&datatrove_like, KeySpec::default());
        assert!(
            removal_code(&stage, text).is_some_and(|c| c.contains("top_")),
            "{:?}",
            removal_code(&stage, text)
        );
        let stuffing = "شقق للبيع في الرياض بأسعار مناسبة، شقق للبيع في الرياض قريبة من الخدمات، شقق للبيع في الرياض \
                        بالتقسيط، شقق للبيع في الرياض للعائلات، شقق للبيع في الرياض في حي النرجس.";
        assert!(
            code(stuffing).is_some_and(|c| c.contains("top_")),
            "{:?}",
            code(stuffing)
        );
    }

    #[test]
    fn a_doubled_body_is_removed_when_not_repaired_and_prose_is_kept() {
        let body = "قال المتحدث إن الحكومة تعمل على خطة جديدة لتحسين الخدمات في المدن الكبرى.\nوأضاف أن التنفيذ سيبدأ في العام المقبل بعد موافقة المجلس على الميزانية.\nوأشار إلى أن المواطنين سيلمسون النتائج خلال أشهر قليلة من بدء العمل.";
        assert_eq!(code(body), None);
        let doubled = format!("{body}\n{body}");
        assert_eq!(code(&doubled), Some("filter.gopher_repetition.dup_line_frac"));
        let chant = "عاش الوطن عاش الوطن عاش الوطن عاش الوطن عاش الوطن عاش الوطن عاش الوطن.";
        assert!(
            code(chant).is_some_and(|c| c.contains("top_2_gram")),
            "{:?}",
            code(chant)
        );
    }
}
