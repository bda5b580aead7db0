//! `filter.gopher_repetition`: Gopher's repetition rules with FineWeb-2's Arabic thresholds. A document is
//! removed when too much of it repeats: the fraction of duplicate lines, the character share of its most
//! frequent 2/3/4-gram, or the character share of duplicated 5…10-grams (paragraph rules off, as FineWeb-2).
//!
//! Semantics follow datatrove's `GopherRepetitionFilter`: lines split on runs of `\n`; a duplicate line is any
//! line seen before; the top n-gram share is (characters of the n-gram joined by spaces × its count) / text
//! characters, the first-seen n-gram winning ties; duplicated n-grams are counted greedily left to right,
//! jumping over an n-gram once it repeats, their characters (words joined without spaces) over text
//! characters. Words are the text layer's words of the key form (clitics kept), not spaCy tokens: the
//! `fineweb2` parity preset is future work. Run after `clean`, which repairs most repetition first.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::measured;
use crate::normalize::{fold_into, KeyOptions};
use crate::text::{ngram_hashes_of, word_hashes, words};
use crate::{Document, Outcome, Reason, Stage, StageCx};

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
}

impl Default for GopherRepetitionConfig {
    fn default() -> GopherRepetitionConfig {
        GopherRepetitionConfig {
            dup_line_frac: 0.304,
            top_n_grams: vec![(2, 0.197), (3, 0.172), (4, 0.146)],
            dup_n_grams: vec![(5, 0.165), (6, 0.153), (7, 0.142), (8, 0.131), (9, 0.12), (10, 0.109)],
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
    key: KeyOptions,
}

impl GopherRepetition {
    /// Builds the stage.
    pub fn from_config(cfg: &GopherRepetitionConfig, key: KeyOptions) -> GopherRepetition {
        GopherRepetition { cfg: cfg.clone(), key }
    }
}

/// Keys here are already xxh3-mixed 64-bit hashes: hashing them again would only cost time.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Fast = BuildHasherDefault<Prehashed>;

/// (duplicate lines, lines) with lines split on runs of `\n`.
fn duplicate_lines(text: &str) -> (usize, usize) {
    let mut seen = HashSet::new();
    let (mut dups, mut total) = (0, 0);
    for line in text.split('\n').filter(|l| !l.is_empty()) {
        total += 1;
        if !seen.insert(line) {
            dups += 1;
        }
    }
    (dups, total.max(1))
}

/// Characters of the most frequent n-gram (words joined by spaces) times its count; first seen wins ties.
fn top_ngram_chars(hashes: &[u64], lens: &[usize], n: usize) -> usize {
    let mut counts: HashMap<u64, (u32, usize), Fast> = HashMap::with_capacity_and_hasher(hashes.len(), Fast::default());
    for (i, h) in hashes.iter().enumerate() {
        counts.entry(*h).or_insert((0, i)).0 += 1;
    }
    let best = counts.values().max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    best.map_or(0, |&(count, first)| {
        (lens[first..first + n].iter().sum::<usize>() + n - 1) * count as usize
    })
}

/// Characters of duplicated n-grams (words joined without spaces), counted greedily as datatrove does.
fn duplicated_ngram_chars(hashes: &[u64], lens: &[usize], n: usize) -> usize {
    let mut seen: HashSet<u64, Fast> = HashSet::with_capacity_and_hasher(hashes.len(), Fast::default());
    let (mut chars, mut i) = (0, 0);
    while i < hashes.len() {
        if seen.insert(hashes[i]) {
            i += 1;
        } else {
            chars += lens[i..i + n].iter().sum::<usize>();
            i += n;
        }
    }
    chars
}

impl Stage for GopherRepetition {
    fn name(&self) -> &'static str {
        "filter.gopher_repetition"
    }

    fn reasons(&self) -> &'static [Reason] {
        static ALL: std::sync::OnceLock<Vec<Reason>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| {
            [DUP_LINE_FRAC]
                .into_iter()
                .chain(TOP_N_GRAM)
                .chain(DUP_N_GRAMS)
                .collect()
        })
    }

    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome {
        let chars = doc.text.chars().count().max(1) as f64;
        let (dups, lines) = duplicate_lines(&doc.text);
        let frac = dups as f64 / lines as f64;
        cx.metric("dup_line_frac", frac);
        if self.cfg.dup_line_frac > 0.0 && frac > self.cfg.dup_line_frac {
            return measured(DUP_LINE_FRAC, frac, self.cfg.dup_line_frac);
        }
        let mut key = String::new();
        fold_into(&doc.text, &self.key, &mut key);
        let words = words(&key);
        let lens: Vec<usize> = words.iter().map(|w| w.chars().count()).collect();
        let hashes = word_hashes(&words, 0);
        for &(n, threshold) in &self.cfg.top_n_grams {
            if threshold <= 0.0 || words.len() < n {
                continue;
            }
            let share = top_ngram_chars(&ngram_hashes_of(&hashes, n, 0), &lens, n) as f64 / chars;
            if share > threshold {
                return measured(TOP_N_GRAM[n - 2], share, threshold);
            }
        }
        for &(n, threshold) in &self.cfg.dup_n_grams {
            if threshold <= 0.0 || words.len() < n {
                continue;
            }
            let share = duplicated_ngram_chars(&ngram_hashes_of(&hashes, n, 0), &lens, n) as f64 / chars;
            if share > threshold {
                return measured(DUP_N_GRAMS[n - 2], share, threshold);
            }
        }
        Outcome::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::memory_origin;
    use crate::Ordinal;

    fn decide(text: &str) -> Outcome {
        let stage = GopherRepetition::from_config(&GopherRepetitionConfig::default(), KeyOptions::default());
        stage.process(
            &mut Document::new("d", text, Ordinal(0), memory_origin(1)),
            &mut StageCx::default(),
        )
    }

    fn reason(o: Outcome) -> Option<&'static str> {
        match o {
            Outcome::Remove(r) => Some(r.reason.code),
            _ => None,
        }
    }

    #[test]
    fn datatrove_counting() {
        let h: Vec<u64> = vec![1, 2, 1, 2, 1, 3];
        let lens = vec![2; 7];
        // windows of 2 words: hashes stand for n-grams; (1,2) at 0 and 2 and 4 → greedy duplicates at 2 and 4.
        assert_eq!(duplicated_ngram_chars(&h, &lens, 2), 8);
        assert_eq!(top_ngram_chars(&h, &lens, 2), (2 + 2 + 1) * 3);
        assert_eq!(duplicate_lines("a\n\nb\na\na"), (2, 4));
    }

    #[test]
    fn a_doubled_body_is_removed_when_not_repaired_and_prose_is_kept() {
        let body = "قال المتحدث إن الحكومة تعمل على خطة جديدة لتحسين الخدمات في المدن الكبرى.\nوأضاف أن التنفيذ سيبدأ في العام المقبل بعد موافقة المجلس على الميزانية.\nوأشار إلى أن المواطنين سيلمسون النتائج خلال أشهر قليلة من بدء العمل.";
        assert_eq!(reason(decide(body)), None);
        let doubled = format!("{body}\n{body}");
        assert_eq!(reason(decide(&doubled)), Some("filter.gopher_repetition.dup_line_frac"));
        let chant = "عاش الوطن عاش الوطن عاش الوطن عاش الوطن عاش الوطن عاش الوطن عاش الوطن.";
        assert!(
            reason(decide(chant)).is_some_and(|c| c.contains("top_2_gram")),
            "{:?}",
            reason(decide(chant))
        );
    }
}
