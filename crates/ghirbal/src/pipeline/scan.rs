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
use super::keybuf::KeyBuffer;
use super::layout::{write_json, Layout, Phase};
use super::Progress;
use crate::dedup::{exact, keep};
use crate::read::{self, BadRecord, RawBatch, ReadItem, ShardEnd, ShardSpec};
use crate::stats::{InputProblem, StageList};
use crate::write::{removed_line, tmp_path, Encoder, RemovedFields};
use crate::{Compression, Config, Document, Error, Outcome, Removal, Result, Stage, StageCx};

/// Work files are written fast: zstd level 1.
pub(crate) const WORK_ENCODER: Encoder = Encoder::new(Compression::Zstd, 1, 6);

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
}

/// Everything the scan phase needs.
pub(crate) struct Scan<'a> {
    pub layout: &'a Layout,
    pub config: &'a Config,
    pub stages: &'a [Box<dyn Stage>],
    pub threads: usize,
    pub progress: &'a dyn Progress,
}

/// One processed batch.
struct BatchOut {
    shard: u32,
    survivors: Vec<u8>,
    removed: Vec<u8>,
    keys: Vec<Vec<u8>>,
    ids: Vec<Vec<u8>>,
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
                ReadItem::Batch(batch) => Out::Batch(self.process(batch)),
                ReadItem::End(shard, end) => Out::End(shard, end),
            },
            |out| sink.accept(out),
        );
        self.progress.finish();
        result
    }

    fn process(&self, batch: RawBatch) -> BatchOut {
        let (shard, consumed) = (batch.shard, batch.consumed);
        let mut stats = StageList::default();
        let read_stats = stats.entry("read");
        read_stats.bytes_in += batch.raw_bytes;
        let records = read::parse_batch(batch, &self.config.input);
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
    ) -> BatchOut {
        let parts = self.config.run.partitions as usize;
        let (mut keys, mut ids) = (vec![Vec::new(); parts], vec![Vec::new(); parts]);
        let mut lines = Vec::new();
        let exact_on = self.config.has_stage("dedup.exact");
        let spec = crate::normalize::KeySpec {
            opts: self.config.key,
            normalized: self.config.has_stage("normalize"),
        };
        let started = Instant::now();
        for doc in &mut docs {
            lines.extend_from_slice(format!("{}\t{}\t", doc.ordinal.seq(), doc.text.len()).as_bytes());
            doc.write_json_line(&mut lines);
            push_id(&mut ids, &doc.id, doc.ordinal, doc.origin.line);
            if exact_on {
                let hash = exact::hash_key(&doc.analysis.key_words(&doc.text, spec).key);
                let buf = &mut keys[(hash as u64 % parts as u64) as usize];
                buf.put_u128(hash);
                buf.put_u64(doc.ordinal.0);
                buf.put_bytes(&keep::rank(&*doc, &self.config.dedup));
                buf.put_bytes(doc.id.as_bytes());
            }
        }
        if exact_on {
            let st = stats.entry("dedup.exact");
            st.docs_in += docs.len() as u64;
            st.docs_kept += docs.len() as u64;
            let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
            st.bytes_in += bytes;
            st.bytes_out += bytes;
            st.cpu_seconds += started.elapsed().as_secs_f64();
        }
        let mut removed_lines = Vec::new();
        for (item, ordinal) in &removed {
            removed_lines.extend_from_slice(format!("{}\t0\t", ordinal.seq()).as_bytes());
            match item {
                Removed::Bad(bad) => {
                    push_id(&mut ids, &bad.id, bad.ordinal, 0);
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
                    push_id(&mut ids, &doc.id, doc.ordinal, doc.origin.line);
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
        BatchOut {
            shard,
            survivors: WORK_ENCODER.encode(&lines),
            removed: WORK_ENCODER.encode(&removed_lines),
            keys,
            ids,
            stats,
            n_survivors: docs.len() as u64,
            n_removed: removed.len() as u64,
            consumed,
        }
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
        ShardKind::Jsonl { path, .. } | ShardKind::Parquet { path } => std::fs::metadata(path).map_or(0, |m| m.len()),
        ShardKind::Txt { root, files } => files
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
    stats: ScanShardStats,
}

struct Sink<'s, 'a> {
    scan: &'s Scan<'a>,
    open: Option<OpenShard>,
}

fn create(path: PathBuf) -> Result<(BufWriter<File>, PathBuf)> {
    let tmp = tmp_path(&path);
    let file = File::create(&tmp).map_err(Error::io("creating", &tmp))?;
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
    std::fs::rename(&tmp, &path).map_err(Error::io("renaming", &tmp))
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
                open.keys.extend(&b.keys, &b.ids)?;
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
        open.stats.records = end.records;
        open.stats.raw_bytes = end.raw_bytes;
        open.stats.problem = end.problem;
        write_json(&layout.task_stats(Phase::Scan, open.shard), &open.stats)?;
        layout.mark_done(Phase::Scan, open.shard)
    }
}
