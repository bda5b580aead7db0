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
    s.as_bytes().iter().filter(|b| (**b as i8) >= -0x40).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_like_chars() {
        for s in ["", "abc", "قالَ ١٢٫٥٪", "日本語 😀 x"] {
            assert_eq!(char_count(s), s.chars().count(), "{s}");
        }
    }
}
