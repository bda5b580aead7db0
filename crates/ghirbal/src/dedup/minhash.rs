//! MinHash signatures and LSH bands for near-duplicate detection (issue #5; not wired into the phases yet).
//!
//! Shingles are word n-grams (default 5) of the key form, numbers folded to `0` as in the exact-dedup key:
//! two reprints of a wire story that differ in hamza spelling, harakat or a date's digits share their
//! shingles. A document with fewer words than `n` gets one shorter shingle of all its words — never an empty
//! set, which would make every short document collide with every other.
//!
//! Each of the `bands × rows` permutations is `x ↦ a·x + b (mod 2⁶⁴)` with odd `a`, applied to the shingle's
//! xxh3 hash: one multiply-add and one compare per permutation and shingle, a loop the compiler vectorises.
//! The minimum of each permutation over the shingle set is the signature; two documents agree at each
//! position with probability equal to their shingles' Jaccard similarity. A band is `rows` consecutive
//! positions hashed together: documents sharing any band hash are candidates, which the cluster phase then
//! verifies.

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::text::{ngram_hashes_of, Words};

/// `[dedup.near]` settings that shape signatures (FineWeb-2's choices by default).
#[derive(Clone, Debug, PartialEq)]
pub struct MinHashConfig {
    /// Words per shingle.
    pub ngram: usize,
    /// LSH bands.
    pub bands: usize,
    /// Rows (signature positions) per band.
    pub rows: usize,
    /// Seed of the permutations and shingle hashes: signatures are comparable only under one seed.
    pub seed: u64,
}

impl Default for MinHashConfig {
    fn default() -> MinHashConfig {
        MinHashConfig {
            ngram: 5,
            bands: 14,
            rows: 8,
            seed: 0x6768_6972_6261_6c00, // "ghirbal\0"
        }
    }
}

/// Precomputed permutations for one [`MinHashConfig`].
#[derive(Clone, Debug)]
pub struct MinHasher {
    cfg: MinHashConfig,
    a: Vec<u64>,
    b: Vec<u64>,
}

/// The hash every number word gets, as the key form writes numbers `0`.
fn number_word_hash() -> u64 {
    xxh3_64(b"0")
}

fn is_number_word(word: &str) -> bool {
    word.bytes().next().is_some_and(|b| b.is_ascii_digit()) && word.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

impl MinHasher {
    /// Draws the permutations from the seed (SplitMix64), so the same config gives the same signatures.
    pub fn new(cfg: &MinHashConfig) -> MinHasher {
        let mut state = cfg.seed;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let k = cfg.bands * cfg.rows;
        let (mut a, mut b) = (Vec::with_capacity(k), Vec::with_capacity(k));
        for _ in 0..k {
            a.push(next() | 1);
            b.push(next());
        }
        MinHasher { cfg: cfg.clone(), a, b }
    }

    /// The shingle set of a document: sorted, distinct n-gram hashes of its key-form `words` (taken from
    /// `key`), numbers folded. Empty only when the document has no words.
    pub fn shingles(&self, key: &str, words: &Words) -> Vec<u64> {
        let folded: Vec<u64> = words
            .iter(key)
            .zip(&words.hashes)
            .map(|(w, h)| if is_number_word(w) { number_word_hash() } else { *h })
            .collect();
        let mut shingles = ngram_hashes_of(&folded, self.cfg.ngram, self.cfg.seed);
        // Words hashed with seed 0 are mixed again per shingle with the seed, so seeds separate signatures.
        for s in &mut shingles {
            *s = xxh3_64_with_seed(&s.to_le_bytes(), self.cfg.seed);
        }
        shingles.sort_unstable();
        shingles.dedup();
        shingles
    }

    /// The signature of a shingle set (`bands × rows` minima); `None` for an empty set.
    pub fn signature(&self, shingles: &[u64]) -> Option<Vec<u64>> {
        if shingles.is_empty() {
            return None;
        }
        let mut sig = vec![u64::MAX; self.a.len()];
        for &x in shingles {
            for ((m, a), b) in sig.iter_mut().zip(&self.a).zip(&self.b) {
                *m = (*m).min(a.wrapping_mul(x).wrapping_add(*b));
            }
        }
        Some(sig)
    }

    /// The LSH band hashes of a signature: band `i` is xxh3 of its `rows` values, seeded with `i`.
    pub fn bands(&self, sig: &[u64]) -> Vec<u64> {
        sig.chunks(self.cfg.rows)
            .enumerate()
            .map(|(i, rows)| {
                let bytes: Vec<u8> = rows.iter().flat_map(|v| v.to_le_bytes()).collect();
                xxh3_64_with_seed(&bytes, i as u64)
            })
            .collect()
    }
}

/// The share of signature positions on which two signatures agree: an estimate of Jaccard similarity.
pub fn estimated_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// The exact Jaccard similarity of two sorted, distinct shingle sets.
pub fn exact_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        1.0
    } else {
        both as f64 / union as f64
    }
}

/// The probability that two documents of Jaccard similarity `s` share at least one band: `1 − (1 − sʳ)ᵇ`.
pub fn candidate_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::KeySpec;
    use crate::text::Analysis;

    fn shingles(h: &MinHasher, text: &str) -> Vec<u64> {
        let mut a = Analysis::default();
        let kw = a.key_words(text, KeySpec::default());
        h.shingles(&kw.key, &kw.words)
    }

    const STORY: &str = "أعلنت وزارة الصحة اليوم بدء حملة وطنية للتطعيم ضد الحصبة في جميع المدارس الحكومية والأهلية \
        وقال المتحدث باسم الوزارة إن الحملة تستمر أسبوعين وتستهدف أكثر من مليون طالب وطالبة في مختلف المناطق \
        وأضاف أن الفرق الصحية ستزور المدارس وفق جدول معلن وأن على أولياء الأمور إحضار بطاقات التطعيم \
        وأشار إلى أن اللقاح آمن ومجاني وأن الوزارة خصصت رقما للاستفسارات على مدار الساعة طوال أيام الحملة";

    #[test]
    fn spelling_variants_and_numbers_share_shingles() {
        let h = MinHasher::new(&MinHashConfig::default());
        let a = shingles(&h, "قال الوزير إن المشروع سيكتمل في عام 2015 بتكلفة مليار ريال");
        let b = shingles(&h, "قال الوزير ان المشروع سيكتمل فى عام ٢٠١٦ بتكلفة مليار ريال");
        assert_eq!(a, b, "hamza, ى/ي and digits fold; the numbers' values do not matter");
        assert_eq!(
            shingles(&h, "خبر قصير").len(),
            1,
            "fewer words than n: one shorter shingle"
        );
        assert!(shingles(&h, "  ، .").is_empty());
        assert_eq!(h.signature(&[]), None);
    }

    #[test]
    fn signatures_estimate_jaccard_and_bands_find_near_copies() {
        let h = MinHasher::new(&MinHashConfig::default());
        let a = shingles(&h, STORY);
        // A reprint with a dateline added and one word changed: Jaccard above 0.8, a candidate with p > 0.9.
        let reprint = format!("الرياض - واس: {}", STORY.replace("مجاني", "متوفر"));
        let b = shingles(&h, &reprint);
        let exact = exact_jaccard(&a, &b);
        assert!((0.8..0.95).contains(&exact), "{exact}");
        let (sa, sb) = (h.signature(&a).expect("sig"), h.signature(&b).expect("sig"));
        let est = estimated_jaccard(&sa, &sb);
        assert!((est - exact).abs() < 0.15, "estimate {est} vs exact {exact}");
        assert_eq!(sa.len(), 112);
        let shared = h.bands(&sa).iter().zip(h.bands(&sb)).filter(|(x, y)| **x == *y).count();
        assert!(shared > 0, "a near copy shares a band");
        // Unrelated text shares nothing.
        let other = shingles(
            &h,
            "فاز فريق الساحل بالبطولة بعد مباراة مثيرة انتهت بركلات الترجيح أمام جماهير غفيرة",
        );
        let so = h.signature(&other).expect("sig");
        assert!(estimated_jaccard(&sa, &so) < 0.05);
        assert!(h.bands(&sa).iter().zip(h.bands(&so)).all(|(x, y)| *x != y));
        // Deterministic: the same config, the same signature.
        assert_eq!(MinHasher::new(&MinHashConfig::default()).signature(&a), Some(sa));
    }

    #[test]
    fn the_s_curve_of_14_bands_of_8() {
        let p = |s| candidate_probability(s, 14, 8);
        assert!(
            p(0.8) > 0.9 && p(0.5) < 0.06 && p(0.9) > 0.999,
            "{} {} {}",
            p(0.8),
            p(0.5),
            p(0.9)
        );
    }
}
