//! In-document repetition: a line (paragraph) whose key form already appeared earlier in the document is
//! dropped, the first copy kept. This repairs pages that carry their body twice (seed `004_…`: lines 12–21
//! repeat lines 2–11) instead of losing them to a duplicate-line filter. Lines of fewer than three words are
//! left alone: short repeated lines ("نعم", a dateline) are more often legitimate than not; in a poem or a
//! song (see [`crate::text::looks_like_verse`]) lines under ten words are left alone, as refrains.

use crate::text::{hash64, hash_set};

/// Marks repeated lines in `keep`; returns how many it dropped.
pub(super) fn mark(keys: &[&str], keep: &mut [bool], min_words: usize) -> usize {
    let mut seen = hash_set(keys.len());
    let mut dropped = 0;
    for (i, key) in keys.iter().enumerate() {
        // Fewer than `min_words` words: fewer than `min_words - 1` spaces in a key line.
        if !keep[i]
            || key
                .bytes()
                .filter(|b| *b == b' ')
                .nth(min_words.saturating_sub(2))
                .is_none()
        {
            continue;
        }
        if !seen.insert(hash64(key)) {
            keep[i] = false;
            dropped += 1;
        }
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_copies_of_long_lines_go() {
        let keys = ["عنوان", "قال الوزير ان", "نعم", "قال الوزير ان", "نعم", "فقره اخري هنا"];
        let mut keep = vec![true; keys.len()];
        assert_eq!(mark(&keys, &mut keep, 3), 1);
        assert_eq!(keep, [true, true, true, false, true, true]);
    }
}
