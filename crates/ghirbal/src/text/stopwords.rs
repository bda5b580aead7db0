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
    static SET: OnceLock<super::HashSet64> = OnceLock::new();
    SET.get_or_init(|| set().iter().map(|w| xxhash_rust::xxh3::xxh3_64(w.as_bytes())).collect())
        .contains(&hash)
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
