//! Phase 0, site lines (when `[clean] site_lines_min_docs` > 0): the lines a site repeats on many of its
//! pages — contact footers, "more" links, widget text, fixed bylines — found across the whole corpus before
//! the scan, so that `clean` can remove them from every document and the filters and dedup keys never see them.
//!
//! It runs first because it must: the scan's filters and dedup keys should be computed on text without the
//! site's boilerplate (a shared footer makes unrelated articles of one site look alike), and a line can only
//! be known as repeated once every document has been read. The cost is one extra read of the input, without
//! the stages: per shard, each document's distinct lines are hashed (key form, numbers folded, as every
//! comparison) with its site — `[clean] site_field` (default `source`), else the host of `url` — into
//! partitioned records (`work/lines/S.bin`); then one task per partition sorts its (site, line) records
//! (on disk beyond the memory budget) and keeps those seen in at least `site_lines_min_docs` documents
//! (`work/lines/P.table`). The scan loads the tables into one set.

use std::sync::Arc;

use rayon::prelude::*;

use super::binfile::{read_section, Cursor, Put};
use super::flow::run_ordered;
use super::keybuf::{KeyBuffer, Records};
use super::layout::{Layout, Phase};
use super::sort::PairSorter;
use super::steps::TaskSlice;
use crate::read::{self, ReadItem, ShardSpec};
use crate::text::HashSet64;
use crate::{Config, Document, Error, Result};

/// The (site, line) pairs that recur on many of a site's documents.
#[derive(Debug, Default)]
pub struct SiteLines(HashSet64);

impl SiteLines {
    /// True when `line_key` (a line of the key or analysis form) is one of `site`'s repeated lines.
    pub fn contains(&self, site: u64, line_key: &str) -> bool {
        !line_key.is_empty() && self.0.contains(&pair_key(site, line_hash(line_key)))
    }

    /// A table of the given (site, line key) pairs.
    #[cfg(test)]
    fn from_pairs<'a>(pairs: impl IntoIterator<Item = (u64, &'a str)>) -> SiteLines {
        SiteLines(pairs.into_iter().map(|(s, l)| pair_key(s, line_hash(l))).collect())
    }
}

/// A document's site: the value of `field`, else the host of its `url`, else the empty site.
pub fn site_of(doc: &Document, field: &str) -> u64 {
    let site = doc
        .meta
        .get_str(field)
        .or_else(|| doc.meta.get_str("url").map(|u| host(&u).to_owned()))
        .unwrap_or_default();
    xxhash_rust::xxh3::xxh3_64(site.as_bytes())
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or_default()
}

fn line_hash(line_key: &str) -> u64 {
    crate::dedup::exact::hash_key(line_key) as u64
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

    /// The tables of every partition, as one set (for the scan).
    pub(crate) fn load(&self) -> Result<Arc<SiteLines>> {
        let mut set = HashSet64::default();
        for p in 0..self.config.run.partitions {
            let path = self.table(p);
            let data = std::fs::read(&path).map_err(Error::io("reading", &path))?;
            set.extend(
                data.chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))),
            );
        }
        tracing::info!(lines = set.len(), "site lines");
        Ok(Arc::new(SiteLines(set)))
    }

    fn table(&self, p: u32) -> std::path::PathBuf {
        self.layout.work.join(format!("lines/{p:05}.table"))
    }

    fn records(&self, shard: u32) -> std::path::PathBuf {
        self.layout.work.join(format!("lines/{shard:05}.bin"))
    }

    /// One shard: each document's distinct (site, line) records, partitioned by line.
    fn hash_shard(&self, spec: &ShardSpec) -> Result<()> {
        let parts = self.config.run.partitions as usize;
        let spill = self.layout.work.join(format!("lines/{:05}.spill", spec.index));
        let mut buffer = KeyBuffer::new(parts, spill);
        let field = &self.config.clean.site_field;
        run_ordered(
            self.threads,
            |emit| read::read_shard(spec, &self.config.input, self.config.run.batch_bytes, emit).map(|_| ()),
            |item| match item {
                ReadItem::Batch(batch) => {
                    let mut records: Records = std::array::from_fn(|_| vec![Vec::new(); parts]);
                    let opts = self.config.key;
                    for doc in read::parse_batch(batch, &self.config.input).into_iter().flatten() {
                        doc_records(&doc, field, &opts, &mut records[0]);
                    }
                    records
                }
                ReadItem::End(..) => std::array::from_fn(|_| Vec::new()),
            },
            |records| {
                if records[0].is_empty() {
                    return Ok(());
                }
                buffer.extend(&records)
            },
        )?;
        buffer.write(&self.records(spec.index))?;
        self.layout.mark_done(Phase::Lines, spec.index)
    }

    /// One partition: count each (site, line) over documents, keep the frequent ones.
    fn count(&self, p: u32, budget: u64) -> Result<()> {
        let mut sorter = PairSorter::new(budget, 0, &self.layout.work.join(format!("lines/sort-{p:05}")));
        for shard in self.shards {
            let path = self.records(shard.index);
            let data = read_section(&path, p)?;
            if data.is_empty() {
                continue;
            }
            let mut cur = Cursor::new(&data);
            let recs = cur.bytes();
            if cur.overrun || recs.len() % 16 != 0 {
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
        let min = u64::from(self.config.clean.site_lines_min_docs);
        let mut sorted = sorter.finish()?;
        let mut table = Vec::new();
        let mut run: Option<((u64, u64), u64)> = None;
        let close = |run: Option<((u64, u64), u64)>, table: &mut Vec<u8>| {
            if let Some(((site, line), _)) = run.filter(|r| r.1 >= min) {
                table.put_u64(pair_key(site, line));
            }
        };
        while let Some(rec) = sorted.next()? {
            match &mut run {
                Some((key, n)) if *key == rec => *n += 1,
                _ => {
                    close(run.take(), &mut table);
                    run = Some((rec, 1));
                }
            }
        }
        close(run, &mut table);
        crate::write::write_atomic(&self.table(p), &table)?;
        self.layout.mark_done(Phase::Lines, LINE_TABLES + p)
    }
}

/// Marker indices of the counting tasks (after any shard index).
pub(crate) const LINE_TABLES: u32 = 1 << 30;

/// Appends one document's distinct (site, line) records to its partitions.
fn doc_records(doc: &Document, field: &str, opts: &crate::normalize::KeyOptions, parts: &mut [Vec<u8>]) {
    let site = site_of(doc, field);
    let mut key = String::new();
    // Most documents need no output pass for their line keys (the test `fold_ignores_output_when_it_says_so`).
    if crate::normalize::fold_ignores_output(&doc.text) {
        crate::normalize::fold_lines_into(&doc.text, opts, &mut key);
    } else {
        crate::normalize::fold_lines_into(&crate::normalize::output(&doc.text), opts, &mut key);
    }
    let mut lines: Vec<u64> = key.split('\n').filter(|l| !l.is_empty()).map(line_hash).collect();
    lines.sort_unstable();
    lines.dedup();
    for line in lines {
        let buf = &mut parts[(line % parts.len() as u64) as usize];
        buf.put_u64(site);
        buf.put_u64(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_lines() {
        assert_eq!(host("https://www.alwatan.com/news/1?x=2"), "www.alwatan.com");
        assert_eq!(host("alwatan.com"), "alwatan.com");
        let t = SiteLines::from_pairs([(1, "للتواصل مع الكاتب")]);
        assert!(t.contains(1, "للتواصل مع الكاتب"));
        assert!(!t.contains(2, "للتواصل مع الكاتب"), "another site");
        assert!(!t.contains(1, ""), "blank lines are never site lines");
    }
}
