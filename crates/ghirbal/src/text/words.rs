//! Words, n-grams, lines, paragraphs and sentences.
//!
//! Words are taken from the **key form** (see [`crate::normalize::key`]), where punctuation is already a word
//! break: splitting on spaces is then Unicode word segmentation for Arabic and Latin text, and tokens in
//! other scripts (CJK, Thai…) go through UAX #29 word boundaries. Clitics (و، ب، ال…) are not split, as in
//! every reference pipeline.

use unicode_segmentation::UnicodeSegmentation;

/// Calls `f` on every word of a key-form text.
pub fn for_each_word<'a>(key: &'a str, mut f: impl FnMut(&'a str)) {
    let bytes = key.as_bytes();
    // Most keys hold only ASCII and two-byte characters (their largest byte, a vectorised reduction, says
    // so): every space-separated token is then a word, found by a vectorised search.
    if bytes.iter().copied().max().unwrap_or(0) < 0xE0 {
        let mut start = 0;
        for end in memchr::memchr2_iter(b' ', b'\n', bytes).chain(std::iter::once(bytes.len())) {
            // Spaces and newlines are ASCII, so `start..end` always falls on character boundaries.
            emit(&key[start..end], false, &mut f);
            start = end + 1;
        }
        return;
    }
    // Otherwise one pass over the bytes notes which tokens need UAX #29.
    let (mut start, mut wide) = (0, false);
    for (i, &b) in bytes.iter().enumerate() {
        if b == b' ' || b == b'\n' {
            emit(&key[start..i], wide, &mut f);
            (start, wide) = (i + 1, false);
        } else {
            wide |= b >= 0xE0;
        }
    }
    emit(&key[start..], wide, &mut f);
}

/// One space-separated token: itself when it is made only of ASCII and two-byte UTF-8 (Latin supplements,
/// Greek, Cyrillic, Hebrew, Arabic: scripts where a key token is already one word), else its UAX #29 words.
#[inline]
fn emit<'a>(token: &'a str, wide: bool, f: &mut impl FnMut(&'a str)) {
    if token.is_empty() {
        return;
    }
    if wide {
        token.unicode_words().for_each(f);
    } else {
        f(token);
    }
}

/// The words of a key-form text.
///
/// ```
/// use ghirbal::text::words;
/// assert_eq!(words("وقال الرييس في 0"), ["وقال", "الرييس", "في", "0"]);
/// ```
pub fn words(key: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(key.len() / 6);
    for_each_word(key, |w| out.push(w));
    out
}

/// Word n-grams as slices of `words`, without allocating per n-gram. A text with fewer than `n` words (but at
/// least one) yields one shorter n-gram of all its words, never nothing: an empty shingle set would make every
/// short document look alike.
pub fn ngrams<'w, 'a>(words: &'w [&'a str], n: usize) -> impl Iterator<Item = &'w [&'a str]> {
    let n = n.max(1);
    let short = (!words.is_empty() && words.len() < n).then_some(words);
    let windows = if words.len() >= n {
        words.windows(n)
    } else {
        [].windows(1)
    };
    short.into_iter().chain(windows)
}

/// Hashes of the word n-grams: each word is hashed once (xxh3-64 with `seed`), each n-gram hash mixes its
/// words' hashes in order, so hashing costs one pass over the text whatever `n` is.
pub fn ngram_hashes(words: &[&str], n: usize, seed: u64) -> Vec<u64> {
    ngram_hashes_of(&word_hashes(words, seed), n, seed)
}

/// xxh3-64 of every word, with `seed`.
pub fn word_hashes(words: &[&str], seed: u64) -> Vec<u64> {
    words
        .iter()
        .map(|w| xxhash_rust::xxh3::xxh3_64_with_seed(w.as_bytes(), seed))
        .collect()
}

/// The n-gram hashes of [`ngram_hashes`] from word hashes computed once (several `n` over one text).
pub fn ngram_hashes_of(word_hashes: &[u64], n: usize, seed: u64) -> Vec<u64> {
    let n = n.max(1);
    if word_hashes.is_empty() {
        return Vec::new();
    }
    if word_hashes.len() < n {
        return vec![mix(word_hashes, seed)];
    }
    word_hashes.windows(n).map(|w| mix(w, seed)).collect()
}

/// Order-sensitive mix of word hashes (multiply-rotate, then a SplitMix64 finaliser).
pub(crate) fn mix(hashes: &[u64], seed: u64) -> u64 {
    let mut h = seed ^ (hashes.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for &w in hashes {
        h = (h ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(31);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

/// The pieces of `text` between line feeds, exactly `text.split('\n')` (empty pieces included), found by a
/// vectorised search: the standard library's is a byte-pair loop, and every filter splits every text.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .chain(std::iter::once(text.len()))
        .map(move |end| {
            // A line feed is one byte: both ends fall on character boundaries.
            let line = &text[start..end];
            start = end + 1;
            line
        })
}

/// Non-empty lines (trimmed).
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    split_lines(text).map(str::trim).filter(|l| !l.is_empty())
}

/// Paragraphs: blocks separated by one or more blank lines, trimmed.
pub fn paragraphs(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        match (blank, start) {
            (false, None) => start = Some(offset),
            (true, Some(s)) => {
                out.push(text[s..offset].trim());
                start = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some(s) = start {
        out.push(text[s..].trim());
    }
    out
}

/// Sentences: split after `.` `!` `?` `؟` `۔` (and runs of them) and at line breaks; trimmed, non-empty.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = match c {
            '\n' => Some(i),
            '.' | '!' | '?' | '؟' | '۔' => {
                while chars
                    .peek()
                    .is_some_and(|(_, n)| matches!(n, '.' | '!' | '?' | '؟' | '۔'))
                {
                    chars.next();
                }
                Some(chars.peek().map_or(text.len(), |(j, _)| *j))
            }
            _ => None,
        };
        if let Some(end) = end {
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = if c == '\n' { i + 1 } else { end };
        }
    }
    let s = text[start..].trim();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::key;

    #[test]
    fn words_come_from_the_key_form_and_keep_clitics() {
        let k = key("قالَ الرئيسُ، في بيانٍ: «اقرأ أيضاً» جـــميل ١٢٫٥٪ وال‌كتاب؟");
        assert_eq!(
            words(&k),
            ["قال", "الرييس", "في", "بيان", "اقرا", "ايضا", "جميل", "0", "والكتاب"]
        );
        assert_eq!(words("日本語 abc"), ["日", "本", "語", "abc"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn ngrams_cover_short_texts_with_one_gram() {
        let w = ["a", "b", "c"];
        assert_eq!(ngrams(&w, 2).collect::<Vec<_>>(), [&["a", "b"][..], &["b", "c"][..]]);
        assert_eq!(ngrams(&w, 5).collect::<Vec<_>>(), [&["a", "b", "c"][..]]);
        assert_eq!(ngrams(&[], 5).count(), 0);
        assert_eq!(ngram_hashes(&w, 5, 1).len(), 1);
        assert_eq!(ngram_hashes(&w, 2, 1).len(), 2);
    }

    #[test]
    fn ngram_hashes_depend_on_order_seed_and_words() {
        let h = |w: &[&str], seed| ngram_hashes(w, 2, seed);
        assert_eq!(h(&["a", "b"], 1), h(&["a", "b"], 1));
        assert_ne!(h(&["a", "b"], 1), h(&["b", "a"], 1));
        assert_ne!(h(&["a", "b"], 1), h(&["a", "b"], 2));
        assert_ne!(h(&["ab", "c"], 1), h(&["a", "bc"], 1));
    }

    #[test]
    fn split_lines_is_split_on_line_feeds() {
        for t in ["", "\n", "a", "a\n", "\na", "سطر\n\nآخر\n", "a\r\nb", "\n\n\n"] {
            assert_eq!(
                split_lines(t).collect::<Vec<_>>(),
                t.split('\n').collect::<Vec<_>>(),
                "{t:?}"
            );
        }
    }

    #[test]
    fn lines_paragraphs_sentences() {
        let t = "عنوان\n\nقال الوزير. وأضاف: هل؟! نعم\nسطر ثان۔ آخر\n\n\nفقرة أخيرة";
        assert_eq!(lines(t).count(), 4);
        assert_eq!(
            paragraphs(t),
            ["عنوان", "قال الوزير. وأضاف: هل؟! نعم\nسطر ثان۔ آخر", "فقرة أخيرة"]
        );
        assert_eq!(
            sentences(t),
            [
                "عنوان",
                "قال الوزير.",
                "وأضاف: هل؟!",
                "نعم",
                "سطر ثان۔",
                "آخر",
                "فقرة أخيرة"
            ]
        );
    }
}
