//! The site tables (when `[clean] site_lines_min_docs` > 0 or `related_stories` is on): the lines a site
//! repeats on many of its pages — contact footers, "more" links, widget text, fixed bylines — found across
//! the whole corpus, so that `clean` can remove them from every document before the filters and dedup keys
//! see them; and the openings (title, first paragraph) of documents, so that `clean` can tell another
//! story's title or lead printed under an article.
//!
//! A line can only be known as repeated once every document has been read, so the tables are built in the
//! middle of the run: `scan` hashes each document's distinct lines (their analysis form: the key form with
//! its digits, see [`crate::clean::site_table::line_hash`]) with its site — `[clean] site_field` (default
//! `source`), else the host of `url` — into partitioned records ([`crate::work::site_lines`]: every distinct
//! line, and its opening lines, see [`crate::clean::shape::opening`]) and holds those documents back
//! ([`super::sited`]); step `lines-count` then sorts each partition's records (on disk beyond the memory
//! budget) and keeps the lines seen in at least `site_lines_min_docs` documents and the openings found in
//! at least two; `scan-sited` loads the tables into one [`SiteLines`]. A document without a site (no
//! `site_field`, no `url`) has no records: with no site, nothing says which documents share a template, and
//! a corpus of short posts would otherwise lose every copy of a popular one.

use std::sync::Arc;

use rayon::prelude::*;

use crate::archive::run::{RunKind, RunWriter};
use crate::clean::site_table::{line_hash, pair_key, SiteLines};
use crate::read::ShardSpec;
use crate::work::site_lines::{self, LineBatch, LineKind};
use crate::work::sort::{PairSorter, Sorted};
use crate::work::{Layout, Step, TaskSlice};
use crate::{Config, Document, Result};

/// Everything `lines-count` and the loading of its tables need.
pub(crate) struct Lines<'a> {
    pub layout: &'a Layout,
    pub config: &'a Config,
    pub shards: &'a [ShardSpec],
    pub threads: usize,
    pub pool: &'a rayon::ThreadPool,
    /// The news archive, whose counts of earlier batches add to this batch's.
    pub archive: Option<&'a crate::archive::Snapshot>,
}

impl Lines<'_> {
    /// Step `lines-count`: counts every partition of the slice without a marker.
    pub(crate) fn count_partitions(&self, slice: TaskSlice) -> Result<()> {
        let parts = self.config.run.partitions;
        let budget = self.config.run.memory_budget_bytes()? / self.threads.max(1) as u64;
        let todo: Vec<u32> = (0..parts)
            .filter(|p| slice.takes(*p) && !self.layout.is_done(Step::LinesCount, *p))
            .collect();
        self.pool
            .install(|| todo.par_iter().try_for_each(|p| self.count(*p, budget)))
    }

    /// The tables of every partition, as one table (for `scan-sited`).
    pub(crate) fn load(&self) -> Result<Arc<SiteLines>> {
        let mut lines = SiteLines::default();
        for p in 0..self.config.run.partitions {
            site_lines::read_tables(&self.layout.line_tables(p), &mut lines.repeated, &mut lines.openings)?;
        }
        tracing::info!(
            repeated = lines.repeated.len(),
            openings = lines.openings.len(),
            "site lines"
        );
        Ok(Arc::new(lines))
    }

    /// One partition: count each (site, line) over documents; keep the frequent ones, and the openings found
    /// in two documents or more.
    fn count(&self, p: u32, budget: u64) -> Result<()> {
        let mut sorters =
            ["all", "openings"].map(|kind| PairSorter::new(budget / 2, 0, &self.layout.line_sort_runs(p, kind)));
        for shard in self.shards {
            site_lines::read_partition(&self.layout.line_records(shard.index), p, |kind, site, line| {
                sorters[kind as usize].push(site, line)
            })?;
        }
        let [all, openings] = sorters;
        let (table, shared) = self.repeated_and_openings(p, all.finish()?, openings.finish()?)?;
        site_lines::write_tables(&self.layout.line_tables(p), &table, &shared)?;
        self.layout.mark_done(Step::LinesCount, p)
    }

    /// From the sorted (site, line) records of every line and of openings: the site lines (at least
    /// `site_lines_min_docs` documents) and the openings found in two documents or more, as pair keys. With
    /// a news archive, the documents of its earlier batches count too, and this batch's counts are written
    /// for the archive (`lines/P.counts`).
    fn repeated_and_openings(&self, p: u32, mut all: Sorted, mut openings: Sorted) -> Result<(Vec<u64>, Vec<u64>)> {
        let mut tally = Tally {
            min: u64::from(self.config.clean.site_lines_min_docs),
            archived: self
                .archive
                .map(|snap| crate::archive::lookup::Lookup::new(snap).site_counts(p))
                .transpose()?,
            counts: match self.archive {
                Some(_) => Some(RunWriter::create(&self.layout.line_counts(p), RunKind::Sites)?),
                None => None,
            },
            chunk: Vec::new(),
            table: Vec::new(),
            shared: Vec::new(),
        };
        let mut opening = openings.next()?;
        let mut run: Option<((u64, u64), u64)> = None;
        loop {
            let rec = all.next()?;
            match (&mut run, rec) {
                (Some((key, n)), Some(rec)) if *key == rec => *n += 1,
                _ => {
                    if let Some((pair, n)) = run.take() {
                        // Opening records are a subset of all records, in the same order.
                        while opening.is_some_and(|o| o < pair) {
                            opening = openings.next()?;
                        }
                        let mut opens = 0;
                        while opening == Some(pair) {
                            opens += 1;
                            opening = openings.next()?;
                        }
                        tally.push(pair, n, opens)?;
                    }
                    let Some(rec) = rec else { break };
                    run = Some((rec, 1));
                }
            }
        }
        tally.finish()
    }
}

/// The counted pairs of one partition on their way to the tables, a chunk at a time so that the archive's
/// counts are looked up together (one block read per pair at most, in order).
struct Tally {
    min: u64,
    archived: Option<crate::archive::lookup::SiteCounts>,
    counts: Option<RunWriter>,
    /// (pair, documents with the line, documents opening with it) in this batch.
    chunk: Vec<((u64, u64), u64, u64)>,
    table: Vec<u64>,
    shared: Vec<u64>,
}

impl Tally {
    const CHUNK: usize = 1 << 16;

    fn push(&mut self, pair: (u64, u64), n: u64, opens: u64) -> Result<()> {
        self.chunk.push((pair, n, opens));
        if self.chunk.len() == Self::CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let pairs: Vec<(u64, u64)> = self.chunk.iter().map(|c| c.0).collect();
        let archived = match &mut self.archived {
            Some(counts) => counts.of(&pairs)?,
            None => vec![(0, 0); pairs.len()],
        };
        for (((site, line), n, opens), (a_all, a_opens)) in self.chunk.drain(..).zip(archived) {
            let (all, opened) = (n + u64::from(a_all), opens + u64::from(a_opens));
            if self.min > 0 && all >= self.min {
                self.table.push(pair_key(site, line));
            }
            if all >= 2 && opened > 0 {
                self.shared.push(pair_key(site, line));
            }
            if let Some(w) = &mut self.counts {
                let key = (u128::from(site) << 64 | u128::from(line)).to_be_bytes();
                w.push(&key, n.min(u64::from(u32::MAX)) << 32 | opens.min(u64::from(u32::MAX)))?;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(Vec<u64>, Vec<u64>)> {
        self.flush()?;
        if let Some(w) = self.counts.take() {
            w.finish()?;
        }
        Ok((self.table, self.shared))
    }
}

/// Adds the (site, line) records of a document of site `site`: every distinct line and its opening lines.
pub(super) fn doc_records(doc: &Document, site: u64, opts: &crate::normalize::KeyOptions, batch: &mut LineBatch) {
    let mut key = String::new();
    // Most documents need no output pass for their line keys (the test `fold_ignores_output_when_it_says_so`).
    if !crate::normalize::fold_lines_unless_output_matters(&doc.text, opts, &mut key) {
        crate::normalize::fold_lines_into(&crate::normalize::output(&doc.text), opts, &mut key);
    }
    let keys: Vec<&str> = crate::text::split_lines(&key).collect();
    let opening = crate::clean::shape::opening(keys.iter().map(|k| crate::clean::shape::opening_words(k)));
    let mut openings: Vec<u64> = opening.into_iter().flatten().map(|i| line_hash(keys[i])).collect();
    let mut lines: Vec<u64> = keys.iter().filter(|l| !l.is_empty()).map(|l| line_hash(l)).collect();
    for (kind, hashes) in [(LineKind::All, &mut lines), (LineKind::Opening, &mut openings)] {
        hashes.sort_unstable();
        hashes.dedup();
        for &line in hashes.iter() {
            batch.push(kind, site, line);
        }
    }
}
