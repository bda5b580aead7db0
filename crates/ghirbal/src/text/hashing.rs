//! Small, fast building blocks for counting within one document: sets keyed by 64-bit hashes that are
//! already well mixed (so hashing them again is wasted work), and character counts without decoding UTF-8.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for keys that are already xxh3 (or similarly mixed) 64-bit hashes: it passes them through.
#[derive(Default)]
pub struct Prehashed(u64);

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

/// `BuildHasher` for [`Prehashed`].
pub type Fast = BuildHasherDefault<Prehashed>;
/// A set of 64-bit hashes.
pub type HashSet64 = HashSet<u64, Fast>;
/// A map from 64-bit hashes.
pub type HashMap64<V> = HashMap<u64, V, Fast>;

/// A hasher for keys that are not hashes — document ordinals (`shard << 32 | seq`), counters — which it mixes
/// (the splitmix64 finaliser). The pass-through [`Prehashed`] would put ordinal 5 of every shard in one
/// bucket chain: lookups slow down with the number of input files.
#[derive(Default)]
pub struct Mixing(u64);

impl Hasher for Mixing {
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
}

/// A map from document ordinals (or other structured 64-bit keys).
pub type OrdinalMap<V> = HashMap<u64, V, BuildHasherDefault<Mixing>>;

/// An empty [`HashSet64`] with room for `n`.
pub fn hash_set(n: usize) -> HashSet64 {
    HashSet::with_capacity_and_hasher(n, Fast::default())
}

/// xxh3-64 of a string: identity for line and n-gram comparisons within a document (a collision between
/// two of one document's lines is a 1-in-2^64 event).
pub fn hash64(s: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(s.as_bytes())
}

/// Characters (code points) of `s`, counted from its bytes (every byte that does not continue a UTF-8
/// sequence starts a character).
pub fn char_count(s: &str) -> usize {
    let bytes = s.as_bytes();
    if bytes.len() >= 64 {
        // Long strings: the standard library's count sums bytes a machine word at a time (4x this function's
        // byte loop on a whole article, without target-specific flags).
        return s.chars().count();
    }
    // Short ones (a word): eight bytes at a time, less the continuation bytes (10xxxxxx) among them.
    let mut chunks = bytes.chunks_exact(8);
    let mut continuations = 0;
    for chunk in &mut chunks {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let x = u64::from_le_bytes(eight);
        continuations += (x & !(x << 1) & 0x8080_8080_8080_8080).count_ones() as usize;
    }
    let rest = chunks.remainder();
    bytes.len() - continuations - rest.iter().filter(|b| (**b as i8) < -0x40).count()
}

/// Characters (code points) of `bytes[range]`, a slice of valid UTF-8 on character boundaries: as
/// [`char_count`], but a word of up to 16 bytes (most words of most scripts) is read as one or two machine
/// words from `bytes`, masked to its length — no loop over its bytes. The words of a document are counted
/// one after the other, so the bytes past each one are there to read (the last word of a text takes the
/// general path).
pub fn char_count_in(bytes: &[u8], range: std::ops::Range<usize>) -> usize {
    let len = range.len();
    let word_at = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
    };
    // Bit 7 of each byte of the result: set for a continuation byte (10xxxxxx) among the `n` first bytes.
    let continuations = |x: u64, n: usize| {
        let mask = if n >= 8 { u64::MAX } else { (1u64 << (n * 8)) - 1 };
        (x & !(x << 1) & 0x8080_8080_8080_8080 & mask).count_ones() as usize
    };
    if len <= 16 {
        let first = word_at(range.start);
        let second = if len > 8 { word_at(range.start + 8) } else { Some(0) };
        if let (Some(a), Some(b)) = (first, second) {
            return len - continuations(a, len) - continuations(b, len.saturating_sub(8));
        }
    }
    let word = &bytes[range];
    word.len() - word.iter().filter(|b| (**b as i8) < -0x40).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_like_chars() {
        let long = "قال الوزير في بيان اليوم 😀 ".repeat(3);
        for s in [
            "",
            "abc",
            "قالَ ١٢٫٥٪",
            "日本語 😀 x",
            "الرييس",
            "والمعلومات",
            "😀😀😀",
            long.as_str(),
        ] {
            assert_eq!(char_count(s), s.chars().count(), "{s}");
        }
        // Every length, across the short and long paths, with characters of one to four bytes.
        let mixed = "aب日😀".repeat(12);
        for (end, _) in mixed.char_indices() {
            assert_eq!(char_count(&mixed[..end]), mixed[..end].chars().count(), "{end}");
        }
    }

    #[test]
    fn counts_characters_in_a_range_like_chars() {
        // Every range on character boundaries of a text mixing one- to four-byte characters: words of every
        // length at every offset, up to the text's last bytes (where fewer than 16 are left to read).
        let text = "aب日😀 والمعلومات x".repeat(3);
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        for (k, &start) in bounds.iter().enumerate() {
            for &end in &bounds[k..] {
                let want = text[start..end].chars().count();
                assert_eq!(char_count_in(text.as_bytes(), start..end), want, "{start}..{end}");
            }
        }
        assert_eq!(char_count_in(b"abc", 0..0), 0);
    }
}
