//! The scan's in-order writer: the processed batches of one shard after another, appended to the shard's
//! files ([`crate::work::scanlines`], [`crate::work::keys`], [`crate::work::sketch`]) and, at the shard's
//! end, its stats and its marker — or, in `scan` with the site tables on, what it held back
//! ([`super::sited`]) and, when a document of the shard had a site, nothing else: `scan-sited` writes the
//! shard's files once the tables are known.

use serde::{Deserialize, Serialize};

use super::sited::{Held, HeldShard};
use super::time::StepClock;
use super::Progress;
use crate::read::ShardEnd;
use crate::stats::observe::Observations;
use crate::stats::{InputProblem, StageList};
use crate::work::keys::KeyBatch;
use crate::work::keys::KeyWriter;
use crate::work::scanlines::ScanWriter;
use crate::work::sketch::SketchWriter;
use crate::work::story::RecordWriter;
use crate::work::{json, Layout, Step};
use crate::{Config, Error, Result};

/// What the scan of one shard counted, saved as `work/stats/scan/S.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct ScanShardStats {
    /// Stage by stage, `read` first.
    pub stages: StageList,
    /// Records the reader produced (bad ones included).
    pub records: u64,
    /// Decompressed bytes read.
    pub raw_bytes: u64,
    /// Survivors written for the cluster and write phases.
    pub survivors: u64,
    /// Documents removed in this phase.
    pub removed: u64,
    /// A failure that ended the shard early.
    pub problem: Option<InputProblem>,
    /// WARC records that are not documents, by type.
    #[serde(default)]
    pub other_records: std::collections::BTreeMap<String, u64>,
    /// What the report needs: lengths as read, sources, examples of removals and repairs.
    #[serde(default)]
    pub observed: Observations,
    /// The field names of the shard's first record removed as `read.missing_text`, for the hint of an input
    /// warning ("the records have fields: title, body").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_text_fields: Option<Vec<String>>,
}

/// One processed batch.
pub(super) struct BatchOut {
    pub(super) shard: u32,
    pub(super) survivors: Vec<u8>,
    pub(super) removed: Vec<u8>,
    pub(super) keys: KeyBatch,
    pub(super) sketches: Vec<u8>,
    pub(super) sketch_lens: Vec<(u32, u32)>,
    pub(super) stats: StageList,
    pub(super) observed: Observations,
    pub(super) n_survivors: u64,
    pub(super) n_removed: u64,
    pub(super) consumed: u64,
    pub(super) missing_text_fields: Option<Vec<String>>,
    /// What `scan` held back of the batch ([`super::sited`]).
    pub(super) held: Option<Held>,
    /// The survivors' story terms and their count, when `story` is on.
    pub(super) story: Option<(Vec<u8>, u64)>,
}

pub(super) enum Out {
    // Boxed: a batch carries its observations for the report, far bigger than an end marker.
    Batch(Box<BatchOut>),
    End(u32, ShardEnd),
}

/// What the writer needs of the scan.
pub(super) struct SinkCx<'a> {
    pub(super) layout: &'a Layout,
    pub(super) config: &'a Config,
    pub(super) progress: &'a dyn Progress,
    /// The step's clock, recorded at the end of each shard.
    pub(super) clock: &'a StepClock<'a>,
    /// Near dedup is on: the shard has a sketch file.
    pub(super) sketches: bool,
    /// `scan` or `scan-sited`: the marker a scanned shard gets.
    pub(super) step: Step,
    /// Documents with a site are held back ([`super::sited`]).
    pub(super) hold: bool,
}

/// The open files of the shard being written.
struct OpenShard {
    shard: u32,
    docs: ScanWriter,
    removed: ScanWriter,
    keys: KeyWriter,
    sketches: Option<SketchWriter>,
    story: Option<RecordWriter>,
    stats: ScanShardStats,
    held: Option<HeldShard>,
}

impl OpenShard {
    /// Drops the shard's files unwritten.
    fn abort(self) -> Result<()> {
        self.docs.abort()?;
        self.removed.abort()?;
        self.keys.abort()?;
        if let Some(w) = self.story {
            w.abort()?;
        }
        match self.sketches {
            Some(w) => w.abort(),
            None => Ok(()),
        }
    }
}

/// Writes what the workers processed, in input order.
pub(super) struct Sink<'a> {
    scan: SinkCx<'a>,
    open: Option<OpenShard>,
}

impl<'a> Sink<'a> {
    pub(super) fn new(scan: SinkCx<'a>) -> Sink<'a> {
        Sink { scan, open: None }
    }

    fn shard(&mut self, shard: u32) -> Result<&mut OpenShard> {
        match self.open.as_ref().map(|o| o.shard) {
            Some(open) if open == shard => {}
            Some(open) => {
                return Err(Error::Config(format!(
                    "internal: shard {shard} began before shard {open} ended"
                )))
            }
            None => self.open = Some(self.create(shard)?),
        }
        self.open
            .as_mut()
            .ok_or_else(|| Error::Config("internal: no open shard".into()))
    }

    fn create(&self, shard: u32) -> Result<OpenShard> {
        let (layout, config) = (self.scan.layout, self.scan.config);
        let codec = config.run.work_compression;
        Ok(OpenShard {
            shard,
            docs: ScanWriter::create(layout.scan_docs(shard), codec)?,
            removed: ScanWriter::create(layout.scan_removed(shard), codec)?,
            keys: KeyWriter::new(config.run.partitions as usize, &layout.keys(shard)),
            sketches: match self.scan.sketches {
                true => Some(SketchWriter::create(&layout.sketch(shard))?),
                false => None,
            },
            story: match config.story() {
                true => Some(RecordWriter::terms(layout.story_terms(shard))?),
                false => None,
            },
            stats: ScanShardStats::default(),
            held: match self.scan.hold {
                true => Some(HeldShard::create(layout, config, shard)?),
                false => None,
            },
        })
    }

    pub(super) fn accept(&mut self, out: Out) -> Result<()> {
        match out {
            Out::Batch(b) => self.batch(*b),
            Out::End(shard, end) => {
                self.shard(shard)?;
                let open = self
                    .open
                    .take()
                    .ok_or_else(|| Error::Config("internal: no open shard".into()))?;
                self.finish(open, end)
            }
        }
    }

    fn batch(&mut self, b: BatchOut) -> Result<()> {
        self.scan.progress.advance(b.consumed, b.n_survivors + b.n_removed);
        let open = self.shard(b.shard)?;
        open.docs.append(&b.survivors)?;
        open.removed.append(&b.removed)?;
        open.keys.extend(&b.keys)?;
        if let Some(w) = open.sketches.as_mut() {
            w.append(&b.sketches, &b.sketch_lens)?;
        }
        if let (Some(w), Some((terms, n))) = (open.story.as_mut(), &b.story) {
            w.append(terms, *n)?;
        }
        if let (Some(shard), Some(batch)) = (open.held.as_mut(), b.held) {
            shard.add(batch)?;
        }
        open.stats.stages += &b.stats;
        if !open.stats.observed.merge(b.observed) {
            return Err(Error::Config(
                "internal: histograms of one run with different bins".into(),
            ));
        }
        open.stats.survivors += b.n_survivors;
        open.stats.removed += b.n_removed;
        if open.stats.missing_text_fields.is_none() {
            open.stats.missing_text_fields = b.missing_text_fields;
        }
        Ok(())
    }

    fn finish(&self, mut open: OpenShard, end: ShardEnd) -> Result<()> {
        let (layout, shard) = (self.scan.layout, open.shard);
        let Some(held) = open.held.take() else {
            self.commit(open, end)?;
            // The shard's records are in its scan output now.
            return match self.scan.step {
                Step::ScanSited => remove_staged(layout, shard),
                _ => Ok(()),
            };
        };
        let waits = held.waits();
        held.commit(layout, self.scan.config, shard, &end)?;
        if !waits {
            // No document of the shard has a site: its scan is whole, and `scan-sited` has nothing to do.
            layout.mark_done(Step::ScanSited, shard)?;
            return self.commit(open, end);
        }
        // `scan-sited` scans the whole shard: what this pass wrote of it goes, and so does any marker a
        // scan of it left before (a redone `scan` means a redone `scan-sited`).
        open.abort()?;
        remove_marker(layout, Step::ScanSited, shard)?;
        self.scan.clock.record(layout)?;
        layout.mark_done(Step::Scan, shard)
    }

    /// Puts the shard's files in place, then its stats, then its marker. Every file's data is started on
    /// its way to disk before the first is committed ([`crate::work::TmpFile`]): a commit is mostly a wait
    /// on the disk, and the waits overlap one another and the writing of the key file.
    fn commit(&self, mut open: OpenShard, end: ShardEnd) -> Result<()> {
        let layout = self.scan.layout;
        open.docs.sync_soon()?;
        open.removed.sync_soon()?;
        if let Some(w) = open.sketches.as_mut() {
            w.sync_soon()?;
        }
        if let Some(w) = open.story.as_mut() {
            w.sync_soon()?;
        }
        open.docs.finish()?;
        open.removed.finish()?;
        // After the two scan files, as before their syncs moved: written while they were still open, the
        // key file left the run's peak RSS 2 MB higher (medians of seven; BENCHMARKS.md).
        open.keys.write(&layout.keys(open.shard))?;
        if let Some(w) = open.sketches {
            w.finish()?;
        }
        if let Some(w) = open.story {
            w.finish()?;
        }
        open.stats.records = end.records;
        open.stats.raw_bytes = end.raw_bytes;
        open.stats.problem = end.problem;
        open.stats.other_records = end.other_records;
        json::write_behind(&layout.task_stats(Step::Scan, open.shard), &open.stats)?;
        // Before the marker: the stage seconds of a shard that counts are always inside a recorded total.
        self.scan.clock.record(layout)?;
        layout.mark_done(self.scan.step, open.shard)
    }
}

/// Removes a shard's staged records, if there are any.
pub(super) fn remove_staged(layout: &Layout, shard: u32) -> Result<()> {
    crate::work::discard(&layout.staged(shard))
}

fn remove_marker(layout: &Layout, step: Step, task: u32) -> Result<()> {
    layout.unmark(step, task).map(drop)
}
