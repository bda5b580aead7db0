//! Arabic stop words for the Gopher stop-word rule: ~180 function words composed for this project, stored in
//! key form (`stopwords_ar.txt`) so that الى and إلى, على and علي, all match the same entry.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The list as shipped: one key-form word per line, `#` comments.
pub const STOP_WORDS: &str = include_str!("stopwords_ar.txt");

fn set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        STOP_WORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// True when a key-form word whose xxh3-64 (seed 0) is `hash` is an Arabic stop word: for callers that
/// hashed the word already ([`crate::text::Words::hashes`]).
pub fn is_stop_hash(hash: u64) -> bool {
    stop_hashes().contains(hash)
}

/// The stop words' hashes, for a loop over many words ([`stop_hashes`]).
#[derive(Debug)]
pub struct StopHashes {
    /// A bit per value of the hash's low 15 bits: most words are not stop words, and are told so by one bit
    /// (set for about 180 of 32,768 values), without a probe of the set.
    bits: Vec<u64>,
    set: super::HashSet64,
}

impl StopHashes {
    /// True when `hash` is a stop word's.
    #[inline]
    pub fn contains(&self, hash: u64) -> bool {
        let low = (hash & 0x7FFF) as usize;
        self.bits[low >> 6] >> (low & 63) & 1 == 1 && self.set.contains(&hash)
    }
}

/// The set [`is_stop_hash`] asks (built once).
pub fn stop_hashes() -> &'static StopHashes {
    static SET: OnceLock<StopHashes> = OnceLock::new();
    SET.get_or_init(|| {
        let set: super::HashSet64 = set().iter().map(|w| xxhash_rust::xxh3::xxh3_64(w.as_bytes())).collect();
        let mut bits = vec![0u64; 512];
        for h in &set {
            let low = (h & 0x7FFF) as usize;
            bits[low >> 6] |= 1 << (low & 63);
        }
        StopHashes { bits, set }
    })
}

/// True when `word` (a word of a key-form text) is an Arabic stop word.
///
/// ```
/// use ghirbal::normalize::key;
/// use ghirbal::text::is_stop_word;
/// assert!(is_stop_word(&key("إلى")) && is_stop_word(&key("الى")) && is_stop_word(&key("على")));
/// assert!(!is_stop_word(&key("الوزير")));
/// ```
pub fn is_stop_word(word: &str) -> bool {
    set().contains(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::key;

    #[test]
    fn the_list_is_in_key_form_and_unique() {
        let entries: Vec<&str> = STOP_WORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert!((100..=250).contains(&entries.len()), "{} entries", entries.len());
        for w in &entries {
            assert_eq!(key(w), *w, "{w:?} is not in key form");
        }
        assert_eq!(set().len(), entries.len(), "duplicates in the list");
    }

    #[test]
    fn the_hash_set_answers_as_the_word_set() {
        let h = |w: &str| xxhash_rust::xxh3::xxh3_64(key(w).as_bytes());
        for w in set() {
            assert!(is_stop_hash(h(w)), "{w}");
        }
        for w in ["الوزير", "درعا", "2017", "السعودية", "قال"] {
            assert_eq!(is_stop_hash(h(w)), is_stop_word(&key(w)), "{w}");
        }
        // A hash that passes the bit filter but is not in the set.
        let some = *set().iter().next().expect("a stop word");
        assert!(!stop_hashes().contains(h(some) ^ (1 << 40)));
    }

    #[test]
    fn common_function_words_match_in_any_spelling() {
        for w in [
            "في",
            "من",
            "إلى",
            "الى",
            "على",
            "عَلَى",
            "أن",
            "إن",
            "التي",
            "الذي",
            "هذه",
            "كان",
            "قد",
            "لا",
        ] {
            assert!(is_stop_word(&key(w)), "{w}");
        }
    }
}
