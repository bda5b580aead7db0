//! Deduplication: keys computed per document in the scan phase, decided globally in the cluster phase.
//!
//! The sequence is: scan computes each survivor's [`exact::ExactKey`] and its keep-rule rank ([`keep`]), and
//! writes them partitioned by hash; the cluster phase groups each partition independently and picks one keeper
//! per group, the same on every run; the write phase routes the others to `removed/` with `dedup.exact`,
//! `duplicate_of` and the group size. Near duplicates ([`minhash`], [`near`]) follow, among the exact keepers
//! and unique documents: LSH candidates, each verified, clustered around keepers without chaining, removed
//! with `dedup.near`, `duplicate_of`, the similarity and the cluster size.

pub mod decision;
pub mod exact;
pub mod keep;
pub mod minhash;
pub mod near;

pub use decision::Decision;

use crate::Reason;

/// An exact duplicate of a kept document (after whitespace normalisation).
pub const EXACT: Reason = Reason::new("dedup.exact", "dedup.exact");
/// A near duplicate of a kept document: verified similarity to it at or above `dedup.near.threshold`.
pub const NEAR: Reason = Reason::new("dedup.near", "dedup.near");
/// Every reason the dedup phases return.
pub const REASONS: &[Reason] = &[EXACT, NEAR];
