//! MinHash signatures and LSH bands for near-duplicate detection (issue #5; not wired into the phases yet).
//!
//! Shingles are word n-grams (default 5) of the key form, numbers folded to `0` as in the exact-dedup key:
//! two reprints of a wire story that differ in hamza spelling, harakat or a date's digits share their
//! shingles. A document with fewer words than `n` gets one shorter shingle of all its words — never an empty
//! set, which would make every short document collide with every other.
//!
//! The signature has `bands × rows` positions. By default it is computed by **one-permutation hashing with
//! optimal densification** (Li, Owen & Zhang 2012; Shrivastava 2017): each shingle's hash picks a position
//! (a bin) and competes for that bin's minimum; a bin no shingle fell in copies the value of a non-empty bin
//! chosen by a fixed hash chain, the same for every document. Two documents agree at a position with
//! probability equal to their shingles' Jaccard similarity, as with k independent permutations, at the cost
//! of one hash per shingle instead of 112 — the classic scheme (`x ↦ a·x + b` per position) is kept as
//! [`Scheme::KPermutations`] for users who want FineWeb-2's exact construction, and measured beside it in
//! BENCHMARKS.md. A band is `rows` consecutive positions hashed together: documents sharing any band hash are
//! candidates, which the cluster phase then verifies.

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::text::{ngram_hashes_of, Words};

/// How the signature positions are computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheme {
    /// One hash per shingle into `bands × rows` bins, empty bins densified (default; ~100× less work).
    #[default]
    OnePermutation,
    /// `bands × rows` independent permutations `a·x + b (mod 2⁶⁴)`: the textbook construction.
    KPermutations,
}

/// `[dedup.near]` settings that shape signatures (FineWeb-2's bands, rows and n-gram size by default).
#[derive(Clone, Debug, PartialEq)]
pub struct MinHashConfig {
    /// How positions are computed.
    pub scheme: Scheme,
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
            scheme: Scheme::OnePermutation,
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

    /// The signature of a shingle set (`bands × rows` values); `None` for an empty set.
    pub fn signature(&self, shingles: &[u64]) -> Option<Vec<u64>> {
        if shingles.is_empty() {
            return None;
        }
        Some(match self.cfg.scheme {
            Scheme::OnePermutation => self.one_permutation(shingles),
            Scheme::KPermutations => self.k_permutations(shingles),
        })
    }

    fn k_permutations(&self, shingles: &[u64]) -> Vec<u64> {
        let mut sig = vec![u64::MAX; self.a.len()];
        for &x in shingles {
            for ((m, a), b) in sig.iter_mut().zip(&self.a).zip(&self.b) {
                *m = (*m).min(a.wrapping_mul(x).wrapping_add(*b));
            }
        }
        sig
    }

    fn one_permutation(&self, shingles: &[u64]) -> Vec<u64> {
        let k = self.a.len();
        let mut sig = vec![u64::MAX; k];
        let mut filled = vec![false; k];
        for &x in shingles {
            // The high bits pick the bin (a multiply-shift range reduction), the whole hash competes in it.
            let bin = ((u128::from(x) * k as u128) >> 64) as usize;
            sig[bin] = sig[bin].min(x);
            filled[bin] = true;
        }
        // Optimal densification: an empty bin takes the value of the first non-empty bin along its own
        // fixed hash chain. The chain depends only on (bin, attempt, seed), so equal sets densify alike.
        let original = sig.clone();
        for i in (0..k).filter(|i| !filled[*i]) {
            let mut attempt = 0u64;
            loop {
                let probe = xxh3_64_with_seed(&(i as u64).to_le_bytes(), self.cfg.seed ^ attempt);
                let j = ((u128::from(probe) * k as u128) >> 64) as usize;
                if filled[j] {
                    sig[i] = original[j];
                    break;
                }
                attempt += 1;
            }
        }
        sig
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

    #[test]
    fn raw_text_the_output_pass_cannot_change_has_the_shingles_of_its_output_form() {
        // What lets a dedup-only run fold raw text without the output pass (scan.rs, `dedup_key_spec`).
        let h = MinHasher::new(&MinHashConfig::default());
        let of = |text: &str, normalized: bool| {
            let mut a = Analysis::default();
            let kw = a.key_words(
                text,
                KeySpec {
                    opts: Default::default(),
                    normalized,
                },
            );
            h.shingles(&kw.key, &kw.words)
        };
        let text = "\n\n  قال الوزيـــر  إن 58.1 مليار ريال «تكفي»…\n\n\n\u{200F}وأضاف: لا جديد  \n* * *\n\nانتهى.  ";
        assert!(crate::normalize::fold_ignores_output(text));
        let raw = of(text, true);
        assert!(raw.len() > 5);
        assert_eq!(raw, of(text, false));
    }

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
        for scheme in [Scheme::OnePermutation, Scheme::KPermutations] {
            near_copies(scheme);
        }
    }

    fn near_copies(scheme: Scheme) {
        let h = MinHasher::new(&MinHashConfig {
            scheme,
            ..MinHashConfig::default()
        });
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
        let again = MinHasher::new(&MinHashConfig {
            scheme,
            ..MinHashConfig::default()
        });
        assert_eq!(again.signature(&a), Some(sa));
    }

    #[test]
    fn short_documents_densify_alike_and_apart() {
        let h = MinHasher::new(&MinHashConfig::default());
        let a = shingles(&h, "وصل الوفد إلى العاصمة مساء أمس في زيارة رسمية تستمر ثلاثة أيام");
        assert!(a.len() < 20, "far fewer shingles than 112 bins");
        let sa = h.signature(&a).expect("sig");
        assert_eq!(h.signature(&a.clone()), Some(sa.clone()));
        let b = shingles(
            &h,
            "أعلن النادي تعاقده مع مدرب جديد لقيادة الفريق في الموسم المقبل بعقد لعامين",
        );
        let sb = h.signature(&b).expect("sig");
        assert!(estimated_jaccard(&sa, &sb) < 0.1, "{}", estimated_jaccard(&sa, &sb));
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
