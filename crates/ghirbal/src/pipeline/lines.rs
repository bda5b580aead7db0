//! Phase 0, site lines (when `[clean] site_lines_min_docs` > 0 or `related_stories` is on): the lines a site
//! repeats on many of its pages — contact footers, "more" links, widget text, fixed bylines — found across
//! the whole corpus before the scan, so that `clean` can remove them from every document and the filters and
//! dedup keys never see them; and the openings (title, first paragraph) of documents, so that `clean` can
//! tell another story's title or lead printed under an article.
//!
//! It runs first because it must: the scan's filters and dedup keys should be computed on text without the
//! site's boilerplate (a shared footer makes unrelated articles of one site look alike), and a line can only
//! be known as repeated once every document has been read. The cost is one extra read of the input, without
//! the stages: per shard, each document's distinct lines are hashed (their analysis form: the key form with
//! its digits, see [`line_hash`]) with its site — `[clean] site_field` (default `source`), else the host of `url` — into
//! partitioned records (`work/lines/S.bin`, two kinds: every distinct line, and its opening lines, see
//! [`crate::clean::shape::opening`]); then one task per partition sorts its records (on disk beyond the
//! memory budget) and keeps the lines seen in at least `site_lines_min_docs` documents
//! (`work/lines/P.table`) and the openings found in at least two documents (`P.openings`). The scan loads
//! the tables into two sets. A document without a site (no `site_field`, no `url`) has no records: with no
//! site, nothing says which documents share a template, and a corpus of short posts would otherwise lose
//! every copy of a popular one.

use std::sync::Arc;

use rayon::prelude::*;

use super::binfile::{read_section, Cursor, Put};
use super::flow::run_ordered;
use super::keybuf::{KeyBuffer, Records};
use super::layout::{Layout, Phase};
use super::sort::{PairSorter, Sorted};
use super::steps::TaskSlice;
use crate::extract::cache::{self, Pages};
use crate::read::{self, ReadItem, ShardKind, ShardSpec};
use crate::text::HashSet64;
use crate::{Config, Document, Error, Result};

/// The (site, line) pairs that recur on many of a site's documents, and the openings of documents that
/// stand in another document of the site too.
#[derive(Debug, Default)]
pub struct SiteLines {
    repeated: HashSet64,
    openings: HashSet64,
}

impl SiteLines {
    /// True when `line_key` (a line of the key or analysis form) is one of `site`'s repeated lines.
    pub fn contains(&self, site: u64, line_key: &str) -> bool {
        !line_key.is_empty() && self.repeated.contains(&pair_key(site, line_hash(line_key)))
    }

    /// True when `line_key` is the opening (title or first paragraph) of a document of `site` and stands in
    /// another document of the site too: in any other document of it, another story's title or lead.
    pub fn opens_another(&self, site: u64, line_key: &str) -> bool {
        !line_key.is_empty() && self.openings.contains(&pair_key(site, line_hash(line_key)))
    }

    /// A table of the given repeated lines and shared openings, as (site, line key) pairs.
    #[cfg(test)]
    pub(crate) fn from_pairs<'a>(
        repeated: impl IntoIterator<Item = (u64, &'a str)>,
        openings: impl IntoIterator<Item = (u64, &'a str)>,
    ) -> SiteLines {
        let set =
            |pairs: &mut dyn Iterator<Item = (u64, &'a str)>| pairs.map(|(s, l)| pair_key(s, line_hash(l))).collect();
        SiteLines {
            repeated: set(&mut repeated.into_iter()),
            openings: set(&mut openings.into_iter()),
        }
    }
}

/// A document's site: the value of `field`, else the host of its `url`; `None` when it has neither.
pub fn site_of(doc: &Document, field: &str) -> Option<u64> {
    let site = doc
        .meta
        .get_str(field)
        .or_else(|| doc.meta.get_str("url").map(|u| host(&u).to_owned()))
        .filter(|s| !s.is_empty())?;
    Some(xxhash_rust::xxh3::xxh3_64(site.as_bytes()))
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or_default()
}

/// A line's identity: its analysis form, digits and all. A template with figures that change from page to
/// page («18:08 ت م», a dated dateline) stays in the text; a vote table, a price list or a daily report's
/// closing sentence, whose rows differ from day to day only by their figures, is never taken for one.
fn line_hash(line_key: &str) -> u64 {
    crate::text::hash64(line_key)
}

fn pair_key(site: u64, line: u64) -> u64 {
    crate::text::mix(&[site, line], 0)
}

/// Everything the phase needs.
pub(crate) struct Lines<'a> {
    pub layout: &'a Layout,
    pub config: &'a Config,
    pub shards: &'a [ShardSpec],
    pub threads: usize,
    pub pool: &'a rayon::ThreadPool,
}

impl Lines<'_> {
    /// Step `lines`: hashes every shard of the slice without a marker.
    pub(crate) fn hash_shards(&self, slice: TaskSlice) -> Result<()> {
        let dir = self.layout.work.join("lines");
        std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
        for spec in self
            .shards
            .iter()
            .filter(|s| slice.takes(s.index) && !self.layout.is_done(Phase::Lines, s.index))
        {
            self.hash_shard(spec)?;
        }
        Ok(())
    }

    /// Step `lines-count`: counts every partition of the slice without a marker.
    pub(crate) fn count_partitions(&self, slice: TaskSlice) -> Result<()> {
        let parts = self.config.run.partitions;
        let budget = self.config.run.memory_budget_bytes()? / self.threads.max(1) as u64;
        let todo: Vec<u32> = (0..parts)
            .filter(|p| slice.takes(*p) && !self.layout.is_done(Phase::Lines, LINE_TABLES + p))
            .collect();
        self.pool
            .install(|| todo.par_iter().try_for_each(|p| self.count(*p, budget)))
    }

    /// The tables of every partition, as two sets (for the scan).
    pub(crate) fn load(&self) -> Result<Arc<SiteLines>> {
        let mut lines = SiteLines::default();
        for p in 0..self.config.run.partitions {
            let tables = [
                (&mut lines.repeated, self.table(p, "table")),
                (&mut lines.openings, self.table(p, "openings")),
            ];
            for (set, path) in tables {
                let data = std::fs::read(&path).map_err(Error::io("reading", &path))?;
                if data.len() % 8 != 0 {
                    return Err(Error::Corrupt {
                        path,
                        message: "a table of 8-byte records is truncated".into(),
                    });
                }
                set.extend(
                    data.chunks_exact(8)
                        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))),
                );
            }
        }
        tracing::info!(
            repeated = lines.repeated.len(),
            openings = lines.openings.len(),
            "site lines"
        );
        Ok(Arc::new(lines))
    }

    /// Partition `p`'s table of a kind: `table` (site lines) or `openings`.
    fn table(&self, p: u32, kind: &str) -> std::path::PathBuf {
        self.layout.work.join(format!("lines/{p:05}.{kind}"))
    }

    fn records(&self, shard: u32) -> std::path::PathBuf {
        self.layout.work.join(format!("lines/{shard:05}.bin"))
    }

    /// One shard: each document's distinct (site, line) records, partitioned by line. A web shard's pages
    /// are extracted here; what extraction gave each goes to the shard's cache for the scan.
    fn hash_shard(&self, spec: &ShardSpec) -> Result<()> {
        let parts = self.config.run.partitions as usize;
        let spill = self.layout.work.join(format!("lines/{:05}.spill", spec.index));
        let mut buffer = KeyBuffer::new(parts, spill);
        let field = &self.config.clean.site_field;
        let web = matches!(spec.kind, ShardKind::Warc { .. } | ShardKind::Html { .. });
        let mut cache = match web {
            true => Some(cache::Writer::create(cache::path(&self.layout.work, spec.index))?),
            false => None,
        };
        run_ordered(
            self.threads,
            |emit| read::read_shard(spec, &self.config.input, self.config.run.batch_bytes, emit).map(|_| ()),
            |item| match item {
                ReadItem::Batch(batch) => {
                    let mut records: Records = std::array::from_fn(|_| vec![Vec::new(); parts]);
                    let opts = self.config.key;
                    let mut found = Vec::new();
                    let mut pages = if web { Pages::Record(&mut found) } else { Pages::Extract };
                    for doc in read::parse_batch_with(batch, &self.config.input, &mut pages)
                        .into_iter()
                        .flatten()
                    {
                        doc_records(&doc, field, &opts, &mut records);
                    }
                    (records, found)
                }
                ReadItem::End(..) => (std::array::from_fn(|_| Vec::new()), Vec::new()),
            },
            |(records, found)| {
                if let Some(cache) = cache.as_mut() {
                    cache.append(&found)?;
                }
                if records.iter().all(Vec::is_empty) {
                    return Ok(());
                }
                buffer.extend(&records)
            },
        )?;
        buffer.write(&self.records(spec.index))?;
        if let Some(cache) = cache {
            cache.finish()?;
        }
        self.layout.mark_done(Phase::Lines, spec.index)
    }

    /// One partition: count each (site, line) over documents; keep the frequent ones, and the openings found
    /// in two documents or more.
    fn count(&self, p: u32, budget: u64) -> Result<()> {
        let sort_dir = |kind: &str| self.layout.work.join(format!("lines/sort-{p:05}-{kind}"));
        let mut sorters = ["all", "openings"].map(|kind| PairSorter::new(budget / 2, 0, &sort_dir(kind)));
        for shard in self.shards {
            let path = self.records(shard.index);
            let data = read_section(&path, p)?;
            if data.is_empty() {
                continue;
            }
            let mut cur = Cursor::new(&data);
            for sorter in &mut sorters {
                let recs = cur.bytes();
                if cur.overrun || !recs.len().is_multiple_of(16) {
                    return Err(Error::Corrupt {
                        path,
                        message: format!("partition {p} is truncated"),
                    });
                }
                for rec in recs.chunks_exact(16) {
                    let mut c = Cursor::new(rec);
                    sorter.push(c.u64(), c.u64())?;
                }
            }
        }
        let [all, openings] = sorters;
        let (table, shared) = self.repeated_and_openings(all.finish()?, openings.finish()?)?;
        crate::work::write_atomic(&self.table(p, "table"), &table)?;
        crate::work::write_atomic(&self.table(p, "openings"), &shared)?;
        self.layout.mark_done(Phase::Lines, LINE_TABLES + p)
    }

    /// From the sorted (site, line) records of every line and of openings: the site lines (at least
    /// `site_lines_min_docs` documents) and the openings found in two documents or more, as pair keys.
    fn repeated_and_openings(&self, mut all: Sorted, mut openings: Sorted) -> Result<(Vec<u8>, Vec<u8>)> {
        let min = u64::from(self.config.clean.site_lines_min_docs);
        let (mut table, mut shared) = (Vec::new(), Vec::new());
        let mut opening = openings.next()?;
        let mut run: Option<((u64, u64), u64)> = None;
        loop {
            let rec = all.next()?;
            match (&mut run, rec) {
                (Some((key, n)), Some(rec)) if *key == rec => *n += 1,
                _ => {
                    if let Some((pair, n)) = run.take() {
                        if min > 0 && n >= min {
                            table.put_u64(pair_key(pair.0, pair.1));
                        }
                        // Opening records are a subset of all records, in the same order.
                        while opening.is_some_and(|o| o < pair) {
                            opening = openings.next()?;
                        }
                        if n >= 2 && opening == Some(pair) {
                            shared.put_u64(pair_key(pair.0, pair.1));
                        }
                    }
                    let Some(rec) = rec else { break };
                    run = Some((rec, 1));
                }
            }
        }
        Ok((table, shared))
    }
}

/// Marker indices of the counting tasks (after any shard index).
pub(crate) const LINE_TABLES: u32 = 1 << 30;

/// Appends one document's (site, line) records to their partitions: every distinct line (kind 0) and its
/// opening lines (kind 1). A document without a site has none.
fn doc_records(doc: &Document, field: &str, opts: &crate::normalize::KeyOptions, records: &mut Records) {
    let Some(site) = site_of(doc, field) else {
        return;
    };
    let mut key = String::new();
    // Most documents need no output pass for their line keys (the test `fold_ignores_output_when_it_says_so`).
    if crate::normalize::fold_ignores_output(&doc.text) {
        crate::normalize::fold_lines_into(&doc.text, opts, &mut key);
    } else {
        crate::normalize::fold_lines_into(&crate::normalize::output(&doc.text), opts, &mut key);
    }
    let keys: Vec<&str> = key.split('\n').collect();
    let opening = crate::clean::shape::opening(keys.iter().map(|k| crate::clean::shape::key_words(k)));
    let mut openings: Vec<u64> = opening.into_iter().flatten().map(|i| line_hash(keys[i])).collect();
    let mut lines: Vec<u64> = keys.iter().filter(|l| !l.is_empty()).map(|l| line_hash(l)).collect();
    for (kind, hashes) in [(0, &mut lines), (1, &mut openings)] {
        hashes.sort_unstable();
        hashes.dedup();
        let parts = &mut records[kind];
        let n = parts.len() as u64;
        for &line in hashes.iter() {
            let buf = &mut parts[(line % n) as usize];
            buf.put_u64(site);
            buf.put_u64(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_lines() {
        assert_eq!(host("https://www.alwatan.com/news/1?x=2"), "www.alwatan.com");
        assert_eq!(host("alwatan.com"), "alwatan.com");
        let t = SiteLines::from_pairs([(1, "للتواصل مع الكاتب")], [(1, "قال الوزير كذا في خبر اخر")]);
        assert!(t.opens_another(1, "قال الوزير كذا في خبر اخر") && !t.contains(1, "قال الوزير كذا في خبر اخر"));
        assert!(!t.opens_another(1, "للتواصل مع الكاتب"));
        assert!(t.contains(1, "للتواصل مع الكاتب"));
        assert!(!t.contains(2, "للتواصل مع الكاتب"), "another site");
        assert!(!t.contains(1, ""), "blank lines are never site lines");
    }
}
