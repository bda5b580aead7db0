//! Steps `scan` and `scan-sited`: read every shard, run the per-document stages, compute dedup keys.
//!
//! Per shard it writes the survivors and the documents removed so far ([`crate::work::scanlines`]), the
//! dedup keys split into partitions ([`crate::work::keys`]), the near-dup sketches ([`crate::work::sketch`]),
//! its stats, and last its completion marker ([`super::scan_sink`]). Shards with a marker are skipped. With
//! the site tables on, `scan` holds back the documents that have a site ([`super::sited`]) and `scan-sited`
//! scans their shards once the tables are counted, from the records `scan` staged when it could.
//!
//! Each stage's CPU seconds are the worker thread's CPU clock read before and after the stage runs over a
//! batch ([`crate::clock`]): two reads per stage per batch, none per document.

use super::flow::run_ordered;
use super::observe::Observer;
pub(crate) use super::scan_sink::ScanShardStats;
use super::scan_sink::{BatchOut, Out, Sink, SinkCx};
use super::sited;
use super::stage_run::{field_names, run_stage, Removed};
use super::time::StepClock;
use super::Progress;
use crate::clock::thread_seconds;
use crate::dedup::minhash::MinHasher;
use crate::dedup::near::Verify;
use crate::dedup::{exact, keep};
use crate::read::{self, ReadItem, Record, ShardSpec};
use crate::stats::StageList;
use crate::work::keys::KeyBatch;
use crate::work::scanlines::{frame_room, line_prefix, seal_frame};
use crate::work::sketch;
use crate::work::staged::{self, Staged, StagedReader};
use crate::work::{Layout, Step};
use crate::write::{removed_line, RemovedFields};
use crate::{Config, Document, Error, Result, Stage};

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
    /// `scan` or `scan-sited`: the marker a scanned shard gets.
    pub step: Step,
    /// In `scan` with the site tables on: hold back the documents that have a site ([`super::sited`]).
    pub hold: bool,
}

/// What the reader thread hands a worker: a raw batch to parse (or a shard's end), or a frame of the records
/// `scan` staged for `scan-sited`.
enum Input {
    Read(ReadItem),
    Staged(u32, Vec<u8>),
}

impl Scan<'_> {
    /// Scans every shard that has no marker of the step yet: in `scan-sited` from the records `scan`
    /// staged when they are there, else from the input.
    pub(crate) fn run(&self, shards: &[ShardSpec]) -> Result<()> {
        let (done, todo): (Vec<&ShardSpec>, Vec<&ShardSpec>) =
            shards.iter().partition(|s| self.layout.is_done(self.step, s.index));
        if self.step == Step::ScanSited {
            // A run killed between a shard's marker and the removal of its staged records.
            for spec in &done {
                super::scan_sink::remove_staged(self.layout, spec.index)?;
            }
        }
        if todo.is_empty() {
            return Ok(());
        }
        let total: u64 = todo.iter().map(|s| shard_bytes(s)).sum();
        tracing::info!(shards = todo.len(), skipped = shards.len() - todo.len(), "scan phase");
        // The source of documents that name no site: their shard's input.
        let sources: std::collections::HashMap<u32, String> = todo.iter().map(|s| (s.index, s.source())).collect();
        self.progress.start("scan", total);
        let mut sink = Sink::new(SinkCx {
            layout: self.layout,
            config: self.config,
            progress: self.progress,
            clock: self.clock,
            sketches: self.near.is_some(),
            step: self.step,
            hold: self.hold,
        });
        let result = run_ordered(
            self.threads,
            |emit| {
                for spec in &todo {
                    tracing::debug!(shard = spec.index, "scanning {}", spec.describe());
                    if !self.read_shard(spec, emit)? {
                        break;
                    }
                }
                Ok(())
            },
            |item| {
                let source = |shard| sources.get(&shard).map_or("", String::as_str);
                match item {
                    Input::Read(ReadItem::Batch(batch)) => {
                        let (shard, raw_bytes, consumed) = (batch.shard, batch.raw_bytes, batch.consumed);
                        let parsing = thread_seconds();
                        let records = read::parse_batch(batch, &self.config.input);
                        let read = (raw_bytes, consumed, thread_seconds() - parsing);
                        self.process(shard, read, records, source(shard))
                            .map(|b| Out::Batch(Box::new(b)))
                    }
                    Input::Read(ReadItem::End(shard, end)) => Ok(Out::End(shard, end)),
                    Input::Staged(shard, frame) => {
                        let decoding = thread_seconds();
                        match staged::decode(&frame, &self.layout.staged(shard))? {
                            Staged::Batch(b) => {
                                let records = b.records;
                                let read = (b.raw_bytes, b.consumed, thread_seconds() - decoding);
                                self.process(shard, read, records, source(shard))
                                    .map(|b| Out::Batch(Box::new(b)))
                            }
                            Staged::End(end) => Ok(Out::End(shard, end)),
                        }
                    }
                }
            },
            |out| sink.accept(out?),
        );
        self.progress.finish();
        result
    }

    /// Hands one shard to the workers: its staged records' frames (in `scan-sited`), or its input's raw
    /// batches. False when the consumer stopped (its error ends the run).
    fn read_shard(&self, spec: &ShardSpec, emit: &mut dyn FnMut(Input) -> bool) -> Result<bool> {
        let staged = match self.step {
            Step::ScanSited => StagedReader::open(&self.layout.staged(spec.index))?,
            _ => None,
        };
        let Some(mut reader) = staged else {
            let mut going = true;
            read::read_shard(spec, &self.config.input, self.config.run.batch_bytes, &mut |item| {
                going = emit(Input::Read(item));
                going
            })?;
            return Ok(going);
        };
        let mut ended = false;
        while let Some(frame) = reader.next_frame()? {
            if ended {
                return Err(staged_corrupt(reader.path(), "frames after the shard's end"));
            }
            ended = staged::is_end(&frame);
            if !emit(Input::Staged(spec.index, frame)) {
                return Ok(false);
            }
        }
        if !ended {
            return Err(staged_corrupt(reader.path(), "the file ends before the shard's end"));
        }
        Ok(true)
    }

    /// One batch's records through the stages (in `scan` with the site tables on, those of documents
    /// without a site: the others are held back); `read` is (decompressed bytes, input bytes consumed, CPU
    /// seconds spent reading them).
    fn process(&self, shard: u32, read: (u64, u64, f64), records: Vec<Record>, source: &str) -> Result<BatchOut> {
        let (raw_bytes, consumed, read_seconds) = read;
        let (records, held) = match self.hold {
            true => {
                let (now, held) =
                    sited::split(self.config, records, (raw_bytes, consumed), &self.layout.staged(shard))?;
                (now, Some(held))
            }
            false => (records, None),
        };
        let mut stats = StageList::default();
        let read_stats = stats.entry("read");
        read_stats.bytes_in += raw_bytes;
        read_stats.cpu_seconds += read_seconds;
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
        let mut out = self.encode(shard, (consumed, source), docs, removed, stats, observer)?;
        out.missing_text_fields = missing_text_fields;
        out.held = held;
        Ok(out)
    }

    fn encode(
        &self,
        shard: u32,
        (consumed, source): (u64, &str),
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
        let story = self.story_terms(&mut docs, source);
        let story_ended = thread_seconds();
        let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
        for (on, name, seconds) in [
            (exact_on, "dedup.exact", near_started - exact_started),
            (self.near.is_some(), "dedup.near", near_ended - near_started),
            (story.is_some(), crate::story::STAGE, story_ended - near_ended),
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
            held: None,
            story,
        })
    }

    /// The survivors' story terms, encoded ([`crate::work::story`]), and how many; `None` when `story` is
    /// off. `source` names the documents whose metadata names no site.
    fn story_terms(&self, docs: &mut [Document], source: &str) -> Option<(Vec<u8>, u64)> {
        use crate::story::terms;
        if !self.config.story() {
            return None;
        }
        let cfg = &self.config.story;
        let (spec, site_field) = (self.key_spec(), &self.config.clean.site_field);
        let mut buf = Vec::with_capacity(docs.len() * 1024);
        for doc in docs.iter_mut() {
            let kw = doc.analysis.key_words(&doc.text, spec);
            let record = crate::work::story::TermsRecord {
                seq: doc.ordinal.seq(),
                terms: terms::of_key(&kw.key, &kw.words, cfg.head_weight as f32, cfg.number_weight as f32),
                day: cfg.day(|f| doc.meta.get(f).map(|raw| raw.get())),
                source: crate::clean::site_table::site_name(doc, site_field).unwrap_or_else(|| source.to_owned()),
                splice: splice_kind(doc),
                id: std::mem::take(&mut doc.id),
            };
            crate::work::story::put_terms(&mut buf, &record);
            doc.id = record.id;
        }
        Some((buf, docs.len() as u64))
    }
}

impl Scan<'_> {
    pub(super) fn key_spec(&self) -> crate::normalize::KeySpec {
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

/// How `write` may add story fields to this document's scan line ([`crate::work::story::splice`]): the
/// shape [`Document::write_json_line`] gave it.
pub(super) fn splice_kind(doc: &Document) -> u8 {
    use crate::work::story::splice;
    // ghirbal's own output read again brings its story fields back: the parse path replaces them in place.
    let has_story_field = ["story_id", "story_size", "story_sources", "related"]
        .iter()
        .any(|k| doc.annotations.contains_key(*k));
    if has_story_field {
        splice::PARSE
    } else if !doc.annotations.is_empty() {
        splice::INTO_ANNOTATIONS
    } else if doc.meta.get(crate::doc::ANNOTATIONS_KEY).is_some() {
        splice::PARSE
    } else if doc.meta.is_empty() {
        splice::EMPTY_META
    } else {
        splice::AFTER_META
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

fn staged_corrupt(path: &std::path::Path, message: &str) -> Error {
    Error::Corrupt {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}
