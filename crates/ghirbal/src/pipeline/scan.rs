//! Phase 1, scan: read every shard, run the per-document stages, compute dedup keys.
//!
//! Per shard it writes the survivors (`work/scan/S.jsonl.zst`, lines prefixed `SEQ\tTEXT_BYTES\t`), the
//! documents removed so far (`work/scan/S.removed.jsonl.zst`), the dedup keys split into partitions
//! (`work/keys/S.bin`), its stats, and last its completion marker. Shards with a marker are skipped.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::binfile::Put;
use super::flow::run_ordered;
use super::keybuf::{KeyBuffer, Records};
use super::layout::{write_json, Layout, Phase};
use super::sketch::{self, SketchWriter};
use super::Progress;
use crate::dedup::minhash::MinHasher;
use crate::dedup::near::Verify;
use crate::dedup::{exact, keep};
use crate::extract::cache::{self, Pages};
use crate::read::{self, BadRecord, RawBatch, ReadItem, ShardEnd, ShardSpec};
use crate::stats::{InputProblem, StageList};
use crate::work::tmp_path;
use crate::write::{removed_line, Encoder, RemovedFields};
use crate::{Compression, Config, Document, Error, Outcome, Removal, Result, Stage, StageCx};

/// Work files are written fast: zstd level 1.
pub(crate) const WORK_ENCODER: Encoder = Encoder::new(Compression::Zstd, -7, 6);

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
}

/// Everything the scan phase needs.
pub(crate) struct Scan<'a> {
    pub layout: &'a Layout,
    pub config: &'a Config,
    pub stages: &'a [Box<dyn Stage>],
    pub threads: usize,
    pub progress: &'a dyn Progress,
    /// The signature maker when `dedup.near` is on.
    pub near: Option<MinHasher>,
}

/// One processed batch.
struct BatchOut {
    shard: u32,
    survivors: Vec<u8>,
    removed: Vec<u8>,
    records: Records,
    sketches: Vec<u8>,
    sketch_lens: Vec<(u32, u32)>,
    stats: StageList,
    n_survivors: u64,
    n_removed: u64,
    consumed: u64,
}

enum Out {
    Batch(BatchOut),
    End(u32, ShardEnd),
}

impl Scan<'_> {
    /// Scans every shard that has no marker yet.
    pub(crate) fn run(&self, shards: &[ShardSpec]) -> Result<()> {
        let todo: Vec<&ShardSpec> = shards
            .iter()
            .filter(|s| !self.layout.is_done(Phase::Scan, s.index))
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        let total: u64 = todo.iter().map(|s| shard_bytes(s)).sum();
        tracing::info!(shards = todo.len(), skipped = shards.len() - todo.len(), "scan phase");
        // Web shards whose pages the `lines` phase extracted already.
        let mut extracted = std::collections::HashMap::new();
        for spec in &todo {
            match cache::Reader::open(cache::path(&self.layout.work, spec.index)) {
                Ok(Some(reader)) => {
                    extracted.insert(spec.index, reader);
                }
                Ok(None) => {}
                // A damaged cache is redone from the input: the same text, only slower; failing here would
                // leave a run no rerun can finish.
                Err(e) => tracing::warn!("{e}: extracting the pages of shard {} again", spec.index),
            }
        }
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
                    self.process(batch, cached).map(Out::Batch)
                }
                ReadItem::End(shard, end) => Ok(Out::End(shard, end)),
            },
            |out| sink.accept(out?),
        );
        self.progress.finish();
        result
    }

    fn process(&self, batch: RawBatch, extracted: Option<&cache::Reader>) -> Result<BatchOut> {
        let (shard, consumed) = (batch.shard, batch.consumed);
        let mut stats = StageList::default();
        let read_stats = stats.entry("read");
        read_stats.bytes_in += batch.raw_bytes;
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
        let mut docs = Vec::with_capacity(records.len());
        let mut removed: Vec<(Removed, crate::Ordinal)> = Vec::new();
        read_stats.docs_in += records.len() as u64;
        for record in records {
            match record {
                Ok(doc) => {
                    read_stats.docs_kept += 1;
                    read_stats.bytes_out += doc.text.len() as u64;
                    docs.push(doc);
                }
                Err(bad) => {
                    read_stats.count_removal(bad.removal.reason.code);
                    let ordinal = bad.ordinal;
                    removed.push((Removed::Bad(bad), ordinal));
                }
            }
        }
        for stage in self.stages {
            docs = run_stage(stage.as_ref(), docs, &mut stats, &mut removed);
        }
        removed.sort_by_key(|(_, ordinal)| *ordinal);
        self.encode(shard, consumed, docs, removed, stats)
    }

    fn encode(
        &self,
        shard: u32,
        consumed: u64,
        mut docs: Vec<Document>,
        removed: Vec<(Removed, crate::Ordinal)>,
        mut stats: StageList,
    ) -> Result<BatchOut> {
        let parts = self.config.run.partitions as usize;
        let mut records: Records = std::array::from_fn(|_| vec![Vec::new(); parts]);
        let mut lines = Vec::new();
        let exact_on = self.config.has_stage("dedup.exact");
        let mut sketches = (Vec::new(), Vec::new());
        let (mut exact_seconds, mut near_seconds) = (0.0, 0.0);
        for doc in &mut docs {
            lines.extend_from_slice(format!("{}\t{}\t", doc.ordinal.seq(), doc.text.len()).as_bytes());
            doc.write_json_line(&mut lines);
            push_id(&mut records[1], &doc.id, doc.ordinal, doc.origin.line);
            let rank = keep::rank(&*doc, &self.config.dedup);
            let spec = self.dedup_key_spec(doc);
            if exact_on {
                let started = Instant::now();
                self.exact_key(doc, spec, &rank, &mut records[0]);
                exact_seconds += started.elapsed().as_secs_f64();
            }
            if let Some(hasher) = &self.near {
                let started = Instant::now();
                self.near_key(hasher, doc, spec, &rank, &mut records[2], &mut sketches);
                near_seconds += started.elapsed().as_secs_f64();
            }
        }
        let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
        for (on, name, seconds) in [
            (exact_on, "dedup.exact", exact_seconds),
            (self.near.is_some(), "dedup.near", near_seconds),
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
        let mut removed_lines = Vec::new();
        for (item, ordinal) in &removed {
            removed_lines.extend_from_slice(format!("{}\t0\t", ordinal.seq()).as_bytes());
            match item {
                Removed::Bad(bad) => {
                    push_id(&mut records[1], &bad.id, bad.ordinal, 0);
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
                    push_id(&mut records[1], &doc.id, doc.ordinal, doc.origin.line);
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
        Ok(BatchOut {
            shard,
            survivors: WORK_ENCODER
                .encode(&lines)
                .map_err(compressing(self.layout.scan_docs(shard)))?,
            removed: WORK_ENCODER
                .encode(&removed_lines)
                .map_err(compressing(self.layout.scan_removed(shard)))?,
            records,
            sketches: sketches.0,
            sketch_lens: sketches.1,
            stats,
            n_survivors: docs.len() as u64,
            n_removed: removed.len() as u64,
            consumed,
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
    /// the exact hash and the shingles see — the raw text is folded as it is, without the pass.
    fn dedup_key_spec(&self, doc: &Document) -> crate::normalize::KeySpec {
        let spec = self.key_spec();
        if !spec.normalized && self.stages.is_empty() && crate::normalize::fold_ignores_output(&doc.text) {
            return crate::normalize::KeySpec {
                normalized: true,
                ..spec
            };
        }
        spec
    }

    /// The exact-dedup record: key hash, ordinal, rank, id — in the partition of the hash.
    fn exact_key(&self, doc: &mut Document, spec: crate::normalize::KeySpec, rank: &[u8], parts: &mut [Vec<u8>]) {
        let hash = exact::hash_key(doc.analysis.key(&doc.text, spec));
        let buf = &mut parts[(hash as u64 % parts.len() as u64) as usize];
        buf.put_u128(hash);
        buf.put_u64(doc.ordinal.0);
        buf.put_bytes(rank);
        buf.put_bytes(doc.id.as_bytes());
    }

    /// The near-dup records: one (band hash, ordinal) per band in the partition of the hash, and the sketch.
    /// A document without words has no shingles and takes no part.
    fn near_key(
        &self,
        hasher: &MinHasher,
        doc: &mut Document,
        spec: crate::normalize::KeySpec,
        rank: &[u8],
        parts: &mut [Vec<u8>],
        sketches: &mut (Vec<u8>, Vec<(u32, u32)>),
    ) {
        let kw = doc.analysis.key_words(&doc.text, spec);
        let shingles = hasher.shingles(&kw.key, &kw.words);
        let Some(signature) = hasher.signature(&shingles) else {
            return;
        };
        let bands = hasher.bands(&signature);
        for band in &bands {
            let buf = &mut parts[(band % parts.len() as u64) as usize];
            buf.put_u64(*band);
            buf.put_u64(doc.ordinal.0);
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

enum Removed {
    Bad(Box<BadRecord>),
    Doc(Box<(Document, Removal)>),
}

fn push_id(ids: &mut [Vec<u8>], id: &str, ordinal: crate::Ordinal, line: u64) {
    let hash = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
    let buf = &mut ids[(hash as u64 % ids.len() as u64) as usize];
    buf.put_u128(hash);
    buf.put_u64(ordinal.0);
    buf.put_u64(line);
    buf.put_bytes(id.as_bytes());
}

/// Runs one stage over a batch; the runner does the counting.
fn run_stage(
    stage: &dyn Stage,
    docs: Vec<Document>,
    stats: &mut StageList,
    removed: &mut Vec<(Removed, crate::Ordinal)>,
) -> Vec<Document> {
    let started = Instant::now();
    let mut cx = StageCx::default();
    let st = stats.entry(stage.name());
    let mut kept = Vec::with_capacity(docs.len());
    for mut doc in docs {
        st.docs_in += 1;
        st.bytes_in += doc.text.len() as u64;
        match stage.process(&mut doc, &mut cx) {
            Outcome::Keep => {
                st.docs_kept += 1;
                st.bytes_out += doc.text.len() as u64;
                kept.push(doc);
            }
            Outcome::Modified => {
                st.docs_kept += 1;
                st.docs_modified += 1;
                st.bytes_out += doc.text.len() as u64;
                kept.push(doc);
            }
            Outcome::Remove(removal) => {
                st.count_removal(removal.reason.code);
                let ordinal = doc.ordinal;
                removed.push((Removed::Doc(Box::new((doc, removal))), ordinal));
            }
        }
    }
    for (name, metric) in cx.metrics {
        *st.metrics.entry(name.to_owned()).or_default() += metric;
    }
    st.cpu_seconds += started.elapsed().as_secs_f64();
    kept
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
        ShardKind::Jsonl { path, .. } | ShardKind::Parquet { path } | ShardKind::Warc { path, .. } => {
            std::fs::metadata(path).map_or(0, |m| m.len())
        }
        ShardKind::Txt { root, files } | ShardKind::Html { root, files } => files
            .iter()
            .map(|f| std::fs::metadata(root.join(f)).map_or(0, |m| m.len()))
            .sum(),
    }
}

/// The open files of the shard being written.
struct OpenShard {
    shard: u32,
    docs: (BufWriter<File>, PathBuf),
    removed: (BufWriter<File>, PathBuf),
    keys: KeyBuffer,
    sketches: Option<SketchWriter>,
    stats: ScanShardStats,
}

struct Sink<'s, 'a> {
    scan: &'s Scan<'a>,
    open: Option<OpenShard>,
}

fn create(path: PathBuf) -> Result<(BufWriter<File>, PathBuf)> {
    let (file, _) = crate::work::create_tmp(&path)?;
    Ok((BufWriter::with_capacity(1 << 20, file), path))
}

fn append(file: &mut (BufWriter<File>, PathBuf), data: &[u8]) -> Result<()> {
    file.0.write_all(data).map_err(Error::io("writing", tmp_path(&file.1)))
}

fn close(file: (BufWriter<File>, PathBuf)) -> Result<()> {
    let (writer, path) = file;
    let tmp = tmp_path(&path);
    writer
        .into_inner()
        .map_err(|e| Error::io("writing", &tmp)(e.into_error()))?;
    crate::work::commit(&tmp, &path)
}

impl Sink<'_, '_> {
    fn shard(&mut self, shard: u32) -> Result<&mut OpenShard> {
        if self.open.as_ref().map(|o| o.shard) != Some(shard) {
            let layout = self.scan.layout;
            let parts = self.scan.config.run.partitions as usize;
            self.open = Some(OpenShard {
                shard,
                docs: create(layout.scan_docs(shard))?,
                removed: create(layout.scan_removed(shard))?,
                keys: KeyBuffer::new(parts, layout.work.join(format!("keys/{shard:05}.spill"))),
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
                append(&mut open.docs, &b.survivors)?;
                append(&mut open.removed, &b.removed)?;
                open.keys.extend(&b.records)?;
                if let Some(w) = open.sketches.as_mut() {
                    w.append(&b.sketches, &b.sketch_lens)?;
                }
                open.stats.stages += &b.stats;
                open.stats.survivors += b.n_survivors;
                open.stats.removed += b.n_removed;
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
        close(open.docs)?;
        close(open.removed)?;
        open.keys.write(&layout.keys(open.shard))?;
        if let Some(w) = open.sketches {
            w.finish()?;
        }
        open.stats.records = end.records;
        open.stats.raw_bytes = end.raw_bytes;
        open.stats.problem = end.problem;
        open.stats.other_records = end.other_records;
        write_json(&layout.task_stats(Phase::Scan, open.shard), &open.stats)?;
        layout.mark_done(Phase::Scan, open.shard)?;
        // The shard's extracted pages are in its scan output now.
        let cached = cache::path(&layout.work, open.shard);
        if cached.exists() {
            std::fs::remove_file(&cached).map_err(crate::Error::io("removing", &cached))?;
        }
        Ok(())
    }
}
