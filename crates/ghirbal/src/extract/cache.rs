//! Where a page's main text comes from while a shard is read: extraction, extraction recorded for the
//! `lines` step to hand on, or what the `lines` step recorded, replayed by the scan (so that a page is
//! extracted once per run). The file that carries the entries between the two steps is the work layer's
//! ([`crate::work::pages`]).

use std::collections::BTreeMap;

use super::{Bounds, Extracted, Failure};

/// One page's extraction.
pub type Entry = std::result::Result<Extracted, Failure>;

/// Where a page's main text comes from: extraction, extraction recorded for a cache, or a cache replayed.
pub enum Pages<'a> {
    /// Extract every page.
    Extract,
    /// Extract, and keep each result with its page's sequence number.
    Record(&'a mut Vec<(u32, Entry)>),
    /// Take each page's result from these (by sequence number); extract the pages not there.
    Replay(&'a mut BTreeMap<u32, Entry>),
}

impl Pages<'_> {
    /// The extraction of page `seq`.
    pub fn extract(&mut self, seq: u32, html: &str, url: Option<&str>, bounds: Bounds) -> Entry {
        match self {
            Pages::Extract => super::extract(html, url, bounds),
            Pages::Record(found) => {
                let entry = super::extract(html, url, bounds);
                found.push((seq, entry.clone()));
                entry
            }
            Pages::Replay(known) => known.remove(&seq).unwrap_or_else(|| super::extract(html, url, bounds)),
        }
    }
}
