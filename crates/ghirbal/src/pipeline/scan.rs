//! Step `scan`: read every shard, run the per-document stages, compute dedup keys.
//!
//! Per shard it writes the survivors and the documents removed so far ([`crate::work::scanlines`]), the
//! dedup keys split into partitions ([`crate::work::keys`]), the near-dup sketches ([`crate::work::sketch`]),
//! its stats, and last its completion marker. Shards with a marker are skipped.
//!
//! Each stage's CPU seconds are the worker thread's CPU clock read before and after the stage runs over a
//! batch ([`crate::clock`]): two reads per stage per batch, none per document.

use serde::{Deserialize, Serialize};

use super::flow::run_ordered;
use super::observe::Observer;
use super::stage_run::{field_names, run_stage, Removed};
use super::time::StepClock;
use super::Progress;
use crate::clock::thread_seconds;
use crate::dedup::minhash::MinHasher;
use crate::dedup::near::Verify;
use crate::dedup::{exact, keep};
use crate::extract::cache::Pages;
use crate::read::{self, RawBatch, ReadItem, ShardEnd, ShardSpec};
use crate::stats::observe::Observations;
use crate::stats::{InputProblem, StageList};
use crate::work::keys::{KeyBatch, KeyWriter};
use crate::work::pages::PagesReader;
use crate::work::scanlines::{frame_room, line_prefix, seal_frame, ScanWriter};
use crate::work::sketch::{self, SketchWriter};
use crate::work::{json, Layout, Step};
use crate::write::{removed_line, RemovedFields};
use crate::{Config, Document, Error, Result, Stage};

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

/// Everything the scan phase needs.
pub(crate) struct Scan<'a> {
    pub layout: &'a Layout,
    pub config: &'a Config,
    pub stages: &'a [Box<dyn Stage>],
    pub threads: usize,
    pub progress: &'a dyn Progress,
    /// The step's clock, recorded at the end of each shard.
    pub clock: &'a StepClock<'a>,
    /// The signature maker when `dedup.near` is on.
    pub near: Option<MinHasher>,
}

/// One processed batch.
struct BatchOut {
    shard: u32,
    survivors: Vec<u8>,
    removed: Vec<u8>,
    keys: KeyBatch,
    sketches: Vec<u8>,
    sketch_lens: Vec<(u32, u32)>,
    stats: StageList,
    observed: Observations,
    n_survivors: u64,
    n_removed: u64,
    consumed: u64,
    missing_text_fields: Option<Vec<String>>,
}

enum Out {
    // Boxed: a batch carries its observations for the report, far bigger than an end marker.
    Batch(Box<BatchOut>),
    End(u32, ShardEnd),
}

impl Scan<'_> {
    /// Scans every shard that has no marker yet.
    pub(crate) fn run(&self, shards: &[ShardSpec]) -> Result<()> {
        let todo: Vec<&ShardSpec> = shards
            .iter()
            .filter(|s| !self.layout.is_done(Step::Scan, s.index))
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        let total: u64 = todo.iter().map(|s| shard_bytes(s)).sum();
        tracing::info!(shards = todo.len(), skipped = shards.len() - todo.len(), "scan phase");
        // Web shards whose pages the `lines` phase extracted already.
        let mut extracted = std::collections::HashMap::new();
        for spec in &todo {
            match PagesReader::open(&self.layout.pages(spec.index)) {
                Ok(Some(reader)) => {
                    extracted.insert(spec.index, reader);
                }
                Ok(None) => {}
                // A damaged cache is redone from the input: the same text, only slower; failing here would
                // leave a run no rerun can finish.
                Err(e) => tracing::warn!("{e}: extracting the pages of shard {} again", spec.index),
            }
        }
        // The source of documents that name no site: their shard's input.
        let sources: std::collections::HashMap<u32, String> = todo.iter().map(|s| (s.index, s.source())).collect();
        self.progress.start("scan", total);
        let mut sink = Sink { scan: self, open: None };
        let result = run_ordered(
            self.threads,
            |emit| {
                for spec in &todo {
                    tracing::debug!(shard = spec.index, "scanning {}", spec.describe());
                    read::read_shard(spec, &self.config.input, self.config.run.batch_bytes, emit)?;
                }
                Ok(())
            },
            |item| match item {
                ReadItem::Batch(batch) => {
                    let cached = extracted.get(&batch.shard);
                    let source = sources.get(&batch.shard).map_or("", String::as_str);
                    self.process(batch, cached, source).map(|b| Out::Batch(Box::new(b)))
                }
                ReadItem::End(shard, end) => Ok(Out::End(shard, end)),
            },
            |out| sink.accept(out?),
        );
        self.progress.finish();
        result
    }

    fn process(&self, batch: RawBatch, extracted: Option<&PagesReader>, source: &str) -> Result<BatchOut> {
        let (shard, consumed) = (batch.shard, batch.consumed);
        let mut stats = StageList::default();
        let read_stats = stats.entry("read");
        read_stats.bytes_in += batch.raw_bytes;
        let parsing = thread_seconds();
        let seqs = batch.first_seq..batch.first_seq + batch.payload.pages() as u32;
        let records = match extracted.map(|c| c.entries(seqs)) {
            Some(Ok(mut known)) => read::parse_batch_with(batch, &self.config.input, &mut Pages::Replay(&mut known)),
            Some(Err(e)) => {
                // The pages are extracted again: the same text, only slower.
                tracing::warn!("{e}: extracting the pages of shard {shard} again");
                read::parse_batch(batch, &self.config.input)
            }
            None => read::parse_batch(batch, &self.config.input),
        };
        read_stats.cpu_seconds += thread_seconds() - parsing;
        let mut docs = Vec::with_capacity(records.len());
        let mut removed: Vec<(Removed, crate::Ordinal)> = Vec::new();
        let mut observer = Observer::new(&self.config.clean.site_field, source);
        let mut missing_text_fields = None;
        read_stats.docs_in += records.len() as u64;
        for record in records {
            match record {
                Ok(doc) => {
                    read_stats.docs_kept += 1;
                    read_stats.bytes_out += doc.text.len() as u64;
                    observer.read(&doc);
                    docs.push(doc);
                }
                Err(bad) => {
                    read_stats.count_removal(bad.removal.reason.code);
                    observer.bad(&bad);
                    if missing_text_fields.is_none() && bad.removal.reason == read::MISSING_TEXT {
                        missing_text_fields = field_names(&bad.text);
                    }
                    let ordinal = bad.ordinal;
                    removed.push((Removed::Bad(bad), ordinal));
                }
            }
        }
        for stage in self.stages {
            docs = run_stage(stage.as_ref(), docs, &mut stats, &mut removed);
        }
        removed.sort_by_key(|(_, ordinal)| *ordinal);
        for (item, _) in &removed {
            if let Removed::Doc(boxed) = item {
                observer.removed(&boxed.0, &boxed.1);
            }
        }
        let mut out = self.encode(shard, consumed, docs, removed, stats, observer)?;
        out.missing_text_fields = missing_text_fields;
        Ok(out)
    }

    fn encode(
        &self,
        shard: u32,
        consumed: u64,
        mut docs: Vec<Document>,
        removed: Vec<(Removed, crate::Ordinal)>,
        mut stats: StageList,
        mut observer: Observer<'_>,
    ) -> Result<BatchOut> {
        let mut keys = KeyBatch::new(self.config.run.partitions as usize);
        // Sized once: the JSON of a document is its text and a little more (ids, fields, annotations).
        let mut lines = frame_room(docs.iter().map(|d| d.text.len() + 256).sum());
        let mut rank_specs = Vec::with_capacity(docs.len());
        for doc in &mut docs {
            let words = observer.survivor(doc);
            line_prefix(&mut lines, doc.ordinal.seq(), doc.text.len(), words);
            doc.write_json_line(&mut lines);
            keys.id(&doc.id, doc.ordinal, doc.origin.line);
            rank_specs.push((keep::rank(doc, &self.config.dedup), self.dedup_key_spec(doc)));
        }
        // Each kind of key goes to its own records of the batch, so computing them one kind at a time (one
        // clock read each, not one per document) gives the bytes computing them document by document did.
        let exact_on = self.config.exact_dedup();
        let exact_started = thread_seconds();
        if exact_on {
            for (doc, (rank, spec)) in docs.iter_mut().zip(&rank_specs) {
                self.exact_key(doc, *spec, rank, &mut keys);
            }
        }
        let near_started = thread_seconds();
        let mut sketches = (Vec::new(), Vec::new());
        if let Some(hasher) = &self.near {
            // Sized once, generously (pages never written are never mapped): a sketch holds the shingles,
            // about one per word, 8 bytes each — less than the text's bytes — or a signature of 1 KiB.
            let text_bytes: usize = docs.iter().map(|d| d.text.len()).sum();
            sketches = (
                Vec::with_capacity(text_bytes + docs.len() * 1536),
                Vec::with_capacity(docs.len()),
            );
            for (doc, (rank, spec)) in docs.iter_mut().zip(&rank_specs) {
                self.near_key(hasher, doc, *spec, rank, &mut keys, &mut sketches);
            }
        }
        let near_ended = thread_seconds();
        let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
        for (on, name, seconds) in [
            (exact_on, "dedup.exact", near_started - exact_started),
            (self.near.is_some(), "dedup.near", near_ended - near_started),
        ] {
            if on {
                // The cluster phase decides; the write phase moves its removals out of `docs_kept`.
                let st = stats.entry(name);
                st.docs_in += docs.len() as u64;
                st.docs_kept += docs.len() as u64;
                st.bytes_in += bytes;
                st.bytes_out += bytes;
                st.cpu_seconds += seconds;
            }
        }
        let mut removed_lines = frame_room(0);
        for (item, ordinal) in &removed {
            line_prefix(&mut removed_lines, ordinal.seq(), 0, 0);
            match item {
                Removed::Bad(bad) => {
                    keys.id(&bad.id, bad.ordinal, 0);
                    let fields = RemovedFields {
                        id: &bad.id,
                        text: &bad.text,
                        doc: None,
                        removal: &bad.removal,
                    };
                    removed_line(&mut removed_lines, &fields);
                }
                Removed::Doc(boxed) => {
                    let (doc, removal) = boxed.as_ref();
                    keys.id(&doc.id, doc.ordinal, doc.origin.line);
                    let fields = RemovedFields {
                        id: &doc.id,
                        text: &doc.text,
                        doc: Some(doc),
                        removal,
                    };
                    removed_line(&mut removed_lines, &fields);
                }
            }
        }
        let compressing = |path| Error::io("compressing a batch for", path);
        let codec = self.config.run.work_compression;
        Ok(BatchOut {
            shard,
            survivors: seal_frame(codec, lines).map_err(compressing(self.layout.scan_docs(shard)))?,
            removed: seal_frame(codec, removed_lines).map_err(compressing(self.layout.scan_removed(shard)))?,
            keys,
            sketches: sketches.0,
            sketch_lens: sketches.1,
            stats,
            observed: observer.obs,
            n_survivors: docs.len() as u64,
            n_removed: removed.len() as u64,
            consumed,
            missing_text_fields: None,
        })
    }
}

impl Scan<'_> {
    fn key_spec(&self) -> crate::normalize::KeySpec {
        crate::normalize::KeySpec {
            opts: self.config.key,
            normalized: self.config.has_stage("normalize"),
        }
    }

    /// How the dedup keys of `doc` get its key form. Dedup alone on text no stage normalised (nothing else
    /// wants the analysis form): when the output pass cannot change the text's non-blank lines — all that
    /// the exact hash and the shingles see — the raw text is folded as it is, without the pass (checked as
    /// it folds; the fold is kept in the document's analysis).
    fn dedup_key_spec(&self, doc: &mut Document) -> crate::normalize::KeySpec {
        let spec = self.key_spec();
        if spec.normalized || !self.stages.is_empty() {
            return spec;
        }
        let mut key = String::new();
        if crate::normalize::fold_lines_unless_output_matters(&doc.text, &spec.opts, &mut key) {
            let raw = crate::normalize::KeySpec {
                normalized: true,
                ..spec
            };
            doc.analysis.set_key(&doc.text, raw, key);
            return raw;
        }
        spec
    }

    /// The exact-dedup record: key hash, ordinal, rank, id — in the partition of the hash.
    fn exact_key(&self, doc: &mut Document, spec: crate::normalize::KeySpec, rank: &[u8], keys: &mut KeyBatch) {
        let hash = exact::hash_key(doc.analysis.key(&doc.text, spec));
        keys.exact_key(hash, doc.ordinal, rank, &doc.id);
    }

    /// The near-dup records: one (band hash, ordinal) per band in the partition of the hash, and the sketch.
    /// A document without words has no shingles and takes no part.
    fn near_key(
        &self,
        hasher: &MinHasher,
        doc: &mut Document,
        spec: crate::normalize::KeySpec,
        rank: &[u8],
        keys: &mut KeyBatch,
        sketches: &mut (Vec<u8>, Vec<(u32, u32)>),
    ) {
        let kw = doc.analysis.key_words(&doc.text, spec);
        let shingles = hasher.shingles(&kw.key, &kw.words);
        let Some(signature) = hasher.signature(&shingles) else {
            return;
        };
        let bands = hasher.bands(&signature);
        for band in &bands {
            keys.band(*band, doc.ordinal);
        }
        let payload = match self.config.dedup.near.verify {
            Verify::Exact => &shingles,
            Verify::Estimate => &signature,
        };
        let before = sketches.0.len();
        sketch::encode(&mut sketches.0, doc.ordinal.seq(), &doc.id, rank, &bands, payload);
        sketches.1.push((doc.ordinal.seq(), (sketches.0.len() - before) as u32));
    }
}

/// Input bytes a shard covers (compressed size for compressed files), for progress.
fn shard_bytes(spec: &ShardSpec) -> u64 {
    use crate::read::ShardKind;
    match &spec.kind {
        ShardKind::Jsonl {
            start, end: Some(end), ..
        } => end - start,
        ShardKind::Warc {
            start, end: Some(end), ..
        } => end - start,
        ShardKind::Jsonl { path, .. }
        | ShardKind::JsonArray { path, .. }
        | ShardKind::Parquet { path }
        | ShardKind::Warc { path, .. } => std::fs::metadata(path).map_or(0, |m| m.len()),
        ShardKind::Txt { root, files } | ShardKind::Html { root, files } => files
            .iter()
            .map(|f| std::fs::metadata(root.join(f)).map_or(0, |m| m.len()))
            .sum(),
    }
}

/// The open files of the shard being written.
struct OpenShard {
    shard: u32,
    docs: ScanWriter,
    removed: ScanWriter,
    keys: KeyWriter,
    sketches: Option<SketchWriter>,
    stats: ScanShardStats,
}

struct Sink<'s, 'a> {
    scan: &'s Scan<'a>,
    open: Option<OpenShard>,
}

impl Sink<'_, '_> {
    fn shard(&mut self, shard: u32) -> Result<&mut OpenShard> {
        if self.open.as_ref().map(|o| o.shard) != Some(shard) {
            let layout = self.scan.layout;
            let parts = self.scan.config.run.partitions as usize;
            self.open = Some(OpenShard {
                shard,
                docs: ScanWriter::create(layout.scan_docs(shard), self.scan.config.run.work_compression)?,
                removed: ScanWriter::create(layout.scan_removed(shard), self.scan.config.run.work_compression)?,
                keys: KeyWriter::new(parts, &layout.keys(shard)),
                sketches: match self.scan.near {
                    Some(_) => Some(SketchWriter::create(&layout.sketch(shard))?),
                    None => None,
                },
                stats: ScanShardStats::default(),
            });
        }
        self.open
            .as_mut()
            .ok_or_else(|| Error::Config("internal: no open shard".into()))
    }

    fn accept(&mut self, out: Out) -> Result<()> {
        match out {
            Out::Batch(b) => {
                self.scan.progress.advance(b.consumed, b.n_survivors + b.n_removed);
                let open = self.shard(b.shard)?;
                open.docs.append(&b.survivors)?;
                open.removed.append(&b.removed)?;
                open.keys.extend(&b.keys)?;
                if let Some(w) = open.sketches.as_mut() {
                    w.append(&b.sketches, &b.sketch_lens)?;
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

    fn finish(&self, mut open: OpenShard, end: ShardEnd) -> Result<()> {
        let layout = self.scan.layout;
        open.docs.finish()?;
        open.removed.finish()?;
        open.keys.write(&layout.keys(open.shard))?;
        if let Some(w) = open.sketches {
            w.finish()?;
        }
        open.stats.records = end.records;
        open.stats.raw_bytes = end.raw_bytes;
        open.stats.problem = end.problem;
        open.stats.other_records = end.other_records;
        json::write(&layout.task_stats(Step::Scan, open.shard), &open.stats)?;
        // Before the marker: the stage seconds of a shard that counts are always inside a recorded total.
        self.scan.clock.record(layout)?;
        layout.mark_done(Step::Scan, open.shard)?;
        // The shard's extracted pages are in its scan output now.
        let cached = layout.pages(open.shard);
        if cached.exists() {
            std::fs::remove_file(&cached).map_err(crate::Error::io("removing", &cached))?;
        }
        Ok(())
    }
}
