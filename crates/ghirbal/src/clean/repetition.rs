//! In-document repetition: a line (paragraph) whose key form already appeared earlier in the document is
//! dropped, the first copy kept. This repairs pages that carry their body twice (seed `004_…`: lines 12–21
//! repeat lines 2–11) instead of losing them to a duplicate-line filter. Lines of fewer than three words are
//! left alone: short repeated lines ("نعم", a dateline) are more often legitimate than not.

use std::collections::HashSet;

/// Marks repeated lines in `keep`; returns how many it dropped.
pub(super) fn mark(keys: &[&str], keep: &mut [bool]) -> usize {
    let mut seen: HashSet<&str> = HashSet::with_capacity(keys.len());
    let mut dropped = 0;
    for (i, key) in keys.iter().enumerate() {
        if !keep[i] || key.split(' ').count() < 3 {
            continue;
        }
        if !seen.insert(key) {
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
        assert_eq!(mark(&keys, &mut keep), 1);
        assert_eq!(keep, [true, true, true, false, true, true]);
    }
}
