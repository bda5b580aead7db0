//! The documents `scan` holds back when the site tables are on (site lines, related stories): a line is a
//! site line only once every page of its site has been read, and `clean` must remove it before any filter
//! or dedup key sees the text. So the first pass over the input does two things at once, batch by batch:
//!
//! - a document **without a site** (no `[clean] site_field`, no `url`) owes nothing to the tables: it runs
//!   through the stages there and then, as in a run without site tables;
//! - a document **with a site** gives its (site, line) records and openings ([`super::lines::doc_records`]),
//!   and is staged as read ([`crate::work::staged`]) for `scan-sited`, which runs once `lines-count` has
//!   built the tables.
//!
//! A shard decides at its end. No document with a site: its scan is whole, and `scan-sited` has nothing to
//! do. Otherwise what the first pass wrote of it is dropped and `scan-sited` scans the whole shard again,
//! from the staged records when they are the whole shard (every document had a site) or from the input (a
//! shard of both kinds: its documents without a site are scanned twice). Either way a shard's files and
//! stats come from one scan of all its records, and the bytes out are those of a run that counted the
//! tables first and then scanned. Records that could not be read go both ways (they are few).

use std::path::Path;

use super::lines::doc_records;
use crate::clean::site_table::site_of;
use crate::read::{Record, ShardEnd};
use crate::work::site_lines::{LineBatch, LineWriter};
use crate::work::staged::{self, StagedWriter};
use crate::work::Layout;
use crate::{Config, Error, Result};

/// What one batch holds back: the (site, line) records of its documents with a site, the frame that stages
/// them, and how many documents of each kind it had.
pub(super) struct Held {
    lines: LineBatch,
    frame: Vec<u8>,
    sited: u64,
    unsited: u64,
}

/// Splits a batch's records: the ones the stages take now, and what is held back. `read` is the batch's
/// (decompressed bytes, input bytes consumed); `path` the shard's staged file (for errors).
pub(super) fn split(
    config: &Config,
    records: Vec<Record>,
    read: (u64, u64),
    path: &Path,
) -> Result<(Vec<Record>, Held)> {
    let field = &config.clean.site_field;
    let mut lines = LineBatch::new(config.run.partitions as usize);
    let (mut now, mut later) = (Vec::with_capacity(records.len()), Vec::new());
    let (mut sited, mut unsited) = (0, 0);
    for record in records {
        match record {
            Ok(doc) => match site_of(&doc, field) {
                Some(site) => {
                    doc_records(&doc, site, &config.key, &mut lines);
                    later.push(Ok(doc));
                    sited += 1;
                }
                None => {
                    now.push(Ok(doc));
                    unsited += 1;
                }
            },
            Err(bad) => {
                later.push(Err(bad.clone()));
                now.push(Err(bad));
            }
        }
    }
    let frame = staged::batch_frame(config.run.work_compression, read, &later)
        .map_err(|e| Error::io("staging records in", path)(e))?;
    Ok((
        now,
        Held {
            lines,
            frame,
            sited,
            unsited,
        },
    ))
}

/// What one shard holds back so far.
pub(super) struct HeldShard {
    lines: LineWriter,
    staged: StagedWriter,
    sited: u64,
    unsited: u64,
}

impl HeldShard {
    /// Starts shard `shard`'s files.
    pub(super) fn create(layout: &Layout, config: &Config, shard: u32) -> Result<HeldShard> {
        Ok(HeldShard {
            lines: LineWriter::new(config.run.partitions as usize, &layout.line_records(shard)),
            staged: StagedWriter::create(&layout.staged(shard), config.run.work_compression)?,
            sited: 0,
            unsited: 0,
        })
    }

    /// Adds one batch's.
    pub(super) fn add(&mut self, held: Held) -> Result<()> {
        self.lines.extend(&held.lines)?;
        self.sited += held.sited;
        self.unsited += held.unsited;
        // A shard of both kinds is read again from the input: its staged records would go unused.
        match self.sited > 0 && self.unsited > 0 {
            true => Ok(()),
            false => self.staged.append_frame(&held.frame, false),
        }
    }

    /// True when a document of the shard has a site: `scan-sited` scans the shard.
    pub(super) fn waits(&self) -> bool {
        self.sited > 0
    }

    /// Puts in place what `lines-count` and `scan-sited` need: the line records, and the staged records
    /// when they are the whole shard (else `scan-sited` reads the input).
    pub(super) fn commit(mut self, layout: &Layout, config: &Config, shard: u32, end: &ShardEnd) -> Result<()> {
        self.lines.write(&layout.line_records(shard))?;
        if self.sited == 0 || self.unsited > 0 {
            return self.staged.abort();
        }
        let path = layout.staged(shard);
        let frame = staged::end_frame(config.run.work_compression, end)
            .map_err(|e| Error::io("staging records in", &path)(e))?;
        self.staged.append_frame(&frame, true)?;
        self.staged.finish()
    }
}
