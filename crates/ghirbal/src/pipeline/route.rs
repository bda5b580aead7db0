//! Step `write`: for every shard, stream its scan survivors and scan removals in input order, apply the
//! cluster decisions, and write `kept/part-S-NNN.*` and `removed/part-S-NNN.*`.
//!
//! Most documents are not in any duplicate group: their scan line is copied as is, without parsing. Keepers are
//! re-serialised with `meta.ghirbal.cluster_size`; duplicates become removed records with `duplicate_of`.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::cluster::decisions_for;
use super::flow::run_ordered;
use super::near_clusters::decisions_of_shard;
use super::observe::Observer;
use super::scan::ScanShardStats;
use super::Progress;
use crate::dedup::{decision, Decision, EXACT, NEAR};
use crate::doc::parse_record;
use crate::read::ShardSpec;
use crate::stats::observe::Observations;
use crate::work::scanlines::{ScanLine, ScanReader};
use crate::work::story::{splice, LinksRecord};
use crate::work::{json, Layout, Step};
use crate::write::{encode_output, removed_line, Channel, Encoded, PartWriter, RemovedFields};
use crate::{Config, DedupMode, Document, Error, Ordinal, Removal, Result};

/// What the write task of one shard counted, saved as `work/stats/write/S.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct WriteShardStats {
    /// Documents written to `kept/`.
    pub kept: u64,
    /// Their text bytes.
    pub kept_text_bytes: u64,
    /// Documents written to `removed/` (scan removals included).
    pub removed: u64,
    /// Removals decided by the cluster phase, by reason code: (documents, text bytes).
    pub dedup_removed: std::collections::BTreeMap<String, (u64, u64)>,
    /// Keepers annotated with a cluster size.
    pub keepers: u64,
    /// Duplicates kept with their cluster (`dedup.mode = "annotate"`), by reason code.
    #[serde(default)]
    pub annotated: std::collections::BTreeMap<String, u64>,
    /// What the report needs: lengths as kept, dedup removals by source, cluster sizes, examples.
    #[serde(default)]
    pub observed: Observations,
}

/// Scan lines held in one buffer: (sequence number, text bytes, words, the JSON's range).
#[derive(Default)]
struct Lines {
    buf: Vec<u8>,
    items: Vec<(u32, u64, u64, Range<usize>)>,
}

struct Batch {
    shard: u32,
    docs: Lines,
    removed: Lines,
    decisions: Vec<(u32, Decision)>,
    /// Stories and related documents of the batch's kept documents (`story` on).
    links: Vec<LinksRecord>,
}

struct BatchOut {
    shard: u32,
    kept: Encoded,
    removed: Encoded,
    stats: WriteShardStats,
}

enum Item {
    Batch(Batch),
    End(u32),
}

enum Out {
    // Boxed: a batch carries its observations for the report, far bigger than an end marker.
    Batch(Box<BatchOut>),
    End(u32),
}

/// Everything the write phase needs.
pub(crate) struct Route<'a> {
    pub layout: &'a Layout,
    pub config: &'a Config,
    pub threads: usize,
    pub progress: &'a dyn Progress,
}

impl Route<'_> {
    /// Writes every shard that has no write marker.
    pub(crate) fn run(&self, shards: &[ShardSpec], total_docs: u64) -> Result<()> {
        let todo: Vec<u32> = shards
            .iter()
            .map(|s| s.index)
            .filter(|s| !self.layout.is_done(Step::Write, *s))
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        tracing::info!(shards = todo.len(), "write phase");
        // Only this invocation's shards: others may be writing theirs into the same folders (`--shard`).
        let prefixes: Vec<String> = todo.iter().map(|s| part_prefix(*s)).collect();
        // The source of documents that name no site: their shard's input.
        let sources: std::collections::HashMap<u32, String> = shards.iter().map(|s| (s.index, s.source())).collect();
        remove_tmp_files(&self.layout.kept(), &prefixes)?;
        remove_tmp_files(&self.layout.removed(), &prefixes)?;
        self.progress.start("write", total_docs);
        let mut open: Option<(u32, PartWriter, PartWriter, WriteShardStats)> = None;
        let result = run_ordered(
            self.threads,
            |emit| {
                for shard in &todo {
                    if !self.produce(*shard, emit)? || !emit(Item::End(*shard)) {
                        break;
                    }
                }
                Ok(())
            },
            |item| match item {
                Item::Batch(b) => {
                    let source = sources.get(&b.shard).map_or("", String::as_str);
                    self.process(b, source).map(|b| Out::Batch(Box::new(b)))
                }
                Item::End(s) => Ok(Out::End(s)),
            },
            |out| self.consume(out?, &mut open),
        );
        self.progress.finish();
        result
    }

    fn produce(&self, shard: u32, emit: &mut dyn FnMut(Item) -> bool) -> Result<bool> {
        let mut decisions = shard_decisions(self.layout, self.config, shard)?.into_iter().peekable();
        let mut links = self.links(shard)?.into_iter().peekable();
        let counts: ScanShardStats = json::read(&self.layout.task_stats(Step::Scan, shard))?;
        let mut docs = ScanReader::open(&self.layout.scan_docs(shard), counts.survivors)?;
        let mut removed = ScanReader::open(&self.layout.scan_removed(shard), counts.removed)?;
        loop {
            let mut batch = Batch {
                shard,
                // A batch's survivors fill `batch_bytes` and a line more: sized once, not grown from empty.
                docs: Lines {
                    buf: Vec::with_capacity(self.config.run.batch_bytes as usize + (64 << 10)),
                    items: Vec::new(),
                },
                removed: Lines::default(),
                decisions: Vec::new(),
                links: Vec::new(),
            };
            let more = fill(&mut docs, &mut batch.docs, self.config.run.batch_bytes)?;
            let cut = if more {
                batch.docs.items.last().map_or(0, |i| i.0 + 1)
            } else {
                u32::MAX
            };
            fill_until(&mut removed, &mut batch.removed, cut)?;
            while let Some(d) = decisions.next_if(|d| d.0 < cut) {
                batch.decisions.push(d);
            }
            while let Some(l) = links.next_if(|l| l.seq < cut) {
                batch.links.push(l);
            }
            if batch.docs.items.is_empty() && batch.removed.items.is_empty() {
                return Ok(true);
            }
            if !emit(Item::Batch(batch)) {
                return Ok(false);
            }
            if !more {
                return Ok(true);
            }
        }
    }

    fn process(&self, b: Batch, source: &str) -> Result<BatchOut> {
        let mut stats = WriteShardStats::default();
        let mut observer = Observer::new(&self.config.clean.site_field, source);
        let (mut kept, mut removed) = (Vec::with_capacity(b.docs.buf.len() + b.docs.items.len()), Vec::new());
        let mut decisions = b.decisions.into_iter().peekable();
        let mut links = b.links.into_iter().peekable();
        let mut scan_removed = b.removed.items.iter().peekable();
        for (seq, text_bytes, words, span) in &b.docs.items {
            while let Some((_, _, _, r)) = scan_removed.next_if(|r| r.0 < *seq) {
                push_line(&mut removed, &b.removed.buf[r.clone()]);
                stats.removed += 1;
            }
            let json = &b.docs.buf[span.clone()];
            let decision = decisions.next_if(|d| d.0 == *seq).map(|d| d.1);
            let mut link = links.next_if(|l| l.seq == *seq);
            if decision.is_none() {
                // Most documents: the scan line as it is, or with its story fields spliced in.
                let copied = match link.take_if(|l| l.splice != splice::PARSE) {
                    None if link.is_none() => {
                        push_line(&mut kept, json);
                        true
                    }
                    None => false,
                    Some(l) => {
                        splice_story(&mut kept, json, &l)
                            .map_err(|what| corrupt_line(&self.layout.scan_docs(b.shard), *seq, what))?;
                        true
                    }
                };
                if copied {
                    stats.kept += 1;
                    stats.kept_text_bytes += text_bytes;
                    observer.kept(*words);
                    continue;
                }
            }
            if let Some(decision) = &decision {
                observer.decision(decision);
            }
            let out = Routed {
                kept: &mut kept,
                removed: &mut removed,
                stats: &mut stats,
                observer: &mut observer,
            };
            self.decided(json, b.shard, (*seq, *words), (decision, link), out)?;
        }
        stats.observed = observer.obs;
        for (_, _, _, r) in scan_removed {
            push_line(&mut removed, &b.removed.buf[r.clone()]);
            stats.removed += 1;
        }
        let out = &self.config.output;
        Ok(BatchOut {
            shard: b.shard,
            kept: encode_output(kept, Channel::Kept, out, &self.layout.kept())?,
            removed: encode_output(removed, Channel::Removed, out, &self.layout.removed())?,
            stats,
        })
    }

    /// Applies one decision and the document's story links (either may be absent); `(seq, words)` are the
    /// document's sequence number and words.
    fn decided(
        &self,
        json: &[u8],
        shard: u32,
        (seq, words): (u32, u64),
        (decision, link): (Option<Decision>, Option<LinksRecord>),
        out: Routed<'_, '_>,
    ) -> Result<()> {
        let Routed {
            kept,
            removed,
            stats,
            observer,
        } = out;
        let origin = crate::doc::memory_origin(0);
        // A scan line we wrote ourselves that does not parse is a corrupt work file: keeping it would let a
        // document dedup removed escape, so the task fails and names the file.
        // simdutf8: the check std does, several times faster on Arabic (most bytes are not ASCII).
        let (id, text, meta, annotations) = simdutf8::compat::from_utf8(json)
            .map_err(|e| e.to_string())
            .and_then(|line| parse_record(line, "id", "text", String::new).map_err(|e| format!("{e:?}")))
            .map_err(|e| Error::Corrupt {
                path: self.layout.scan_docs(shard),
                message: format!("the record of sequence number {seq} does not parse: {e}"),
            })?;
        let mut doc = Document {
            id,
            text,
            meta,
            annotations,
            ordinal: Ordinal::new(shard, seq),
            origin,
            analysis: Default::default(),
            as_read: None,
        };
        let removal = match decision {
            None => None,
            Some(Decision::Keeper {
                cluster_id,
                cluster_size,
            }) => {
                let cluster_id = cluster_id.unwrap_or_else(|| doc.id.clone());
                doc.annotations.insert("cluster_id".into(), cluster_id.into());
                doc.annotations.insert("cluster_size".into(), cluster_size.into());
                stats.keepers += 1;
                None
            }
            Some(Decision::Exact {
                keeper_id,
                group_size,
                cluster,
                archived,
            }) => {
                let mut removal = Removal::new(EXACT).with("group_size", group_size);
                if archived.is_some() {
                    removal = removal.with("archived", true);
                }
                removal.duplicate_of = Some(keeper_id.clone());
                let (cluster_id, size) = cluster.unwrap_or((keeper_id, group_size));
                Some((removal, cluster_id, size))
            }
            Some(Decision::Near {
                keeper_id,
                similarity,
                cluster_id,
                cluster_size,
                archived,
            }) => {
                let cfg = &self.config.dedup.near;
                let mut removal = Removal::new(NEAR)
                    .with("estimate", crate::doc::round4(similarity.estimate))
                    .with("threshold", cfg.threshold)
                    .with("cluster_id", cluster_id.clone())
                    .with("cluster_size", cluster_size);
                if archived.is_some() {
                    removal = removal.with("archived", true);
                }
                removal.duplicate_of = Some(keeper_id);
                removal.similarity = Some(crate::doc::round4(similarity.value));
                Some((removal, cluster_id, cluster_size))
            }
        };
        match removal {
            None => {}
            Some((removal, cluster_id, size)) if self.config.dedup.mode == DedupMode::Annotate => {
                let keeper = removal.duplicate_of.clone().unwrap_or_default();
                doc.annotations.insert("cluster_id".into(), cluster_id.into());
                doc.annotations.insert("cluster_size".into(), size.into());
                doc.annotations.insert("duplicate_of".into(), keeper.into());
                if let Some(sim) = removal.similarity {
                    doc.annotations.insert("similarity".into(), sim.into());
                }
                *stats.annotated.entry(removal.reason.code.to_owned()).or_default() += 1;
            }
            Some((removal, _, _)) => {
                observer.removed(&doc, &removal);
                removed_line(
                    removed,
                    &RemovedFields {
                        id: &doc.id,
                        text: &doc.text,
                        doc: Some(&doc),
                        removal: &removal,
                    },
                );
                stats.removed += 1;
                let entry = stats.dedup_removed.entry(removal.reason.code.to_owned()).or_default();
                entry.0 += 1;
                entry.1 += doc.text.len() as u64;
                return Ok(());
            }
        }
        if let Some(link) = link {
            annotate_story(&mut doc, &link).map_err(|what| corrupt_line(&self.layout.story_links(shard), seq, what))?;
        }
        doc.write_json_line(kept);
        stats.kept += 1;
        stats.kept_text_bytes += doc.text.len() as u64;
        observer.kept(words);
        Ok(())
    }

    /// The shard's story links, by sequence number (none when `story` is off).
    fn links(&self, shard: u32) -> Result<Vec<LinksRecord>> {
        let mut out = Vec::new();
        if self.config.story() {
            crate::work::story::read_links(&self.layout.story_links(shard), |r| {
                out.push(r);
                Ok(())
            })?;
        }
        Ok(out)
    }

    fn consume(&self, out: Out, open: &mut Option<(u32, PartWriter, PartWriter, WriteShardStats)>) -> Result<()> {
        let shard = match &out {
            Out::Batch(b) => b.shard,
            Out::End(s) => *s,
        };
        if open.as_ref().map(|o| o.0) != Some(shard) {
            let prefix = part_prefix(shard);
            let kept = PartWriter::new(&self.layout.kept(), prefix.clone(), Channel::Kept, &self.config.output);
            let removed = PartWriter::new(&self.layout.removed(), prefix, Channel::Removed, &self.config.output);
            *open = Some((shard, kept, removed, WriteShardStats::default()));
        }
        let Some((_, kept, removed, stats)) = open.as_mut() else {
            unreachable!("opened above")
        };
        match out {
            Out::Batch(b) => {
                self.progress
                    .advance(b.stats.kept + b.stats.removed, b.stats.kept + b.stats.removed);
                kept.write(b.kept)?;
                removed.write(b.removed)?;
                merge(stats, b.stats)
            }
            Out::End(shard) => {
                let Some((_, kept, removed, stats)) = open.take() else {
                    unreachable!("opened above")
                };
                kept.finish()?;
                removed.finish()?;
                json::write_behind(&self.layout.task_stats(Step::Write, shard), &stats)?;
                self.layout.mark_done(Step::Write, shard)
            }
        }
    }
}

/// Appends the scan line `json` with `meta.ghirbal`'s story fields added where its shape says
/// ([`LinksRecord::splice`]), and a newline: the bytes parsing it and [`annotate_story`] would write.
fn splice_story(out: &mut Vec<u8>, json: &[u8], link: &LinksRecord) -> std::result::Result<(), &'static str> {
    let (tail, open, close): (&[u8], &[u8], &[u8]) = match link.splice {
        splice::INTO_ANNOTATIONS => (b"}}}", b",", b""),
        splice::AFTER_META => (b"}}", b",\"ghirbal\":{", b"}"),
        splice::EMPTY_META => (b"{}}", b"\"ghirbal\":{", b"}"),
        _ => return Err("a splice kind that needs a parse"),
    };
    if !json.ends_with(tail) {
        return Err("its end is not the shape its story record says");
    }
    // The insertion point: before the last two closing braces (`ghirbal`'s or `meta`'s, and the record's).
    let at = json.len() - if link.splice == splice::INTO_ANNOTATIONS { 3 } else { 2 };
    out.extend_from_slice(&json[..at]);
    out.extend_from_slice(open);
    out.extend_from_slice(&link.fields);
    out.extend_from_slice(close);
    out.extend_from_slice(&json[at..]);
    out.push(b'\n');
    Ok(())
}

fn corrupt_line(path: &std::path::Path, seq: u32, what: &str) -> Error {
    Error::Corrupt {
        path: path.to_owned(),
        message: format!("the record of sequence number {seq}: {what}"),
    }
}

/// `meta.ghirbal.story_id`, `story_size`, `story_sources` and `related` (`[{id, similarity}]`), from the
/// links record's fields.
fn annotate_story(doc: &mut Document, link: &LinksRecord) -> std::result::Result<(), &'static str> {
    let members = link.members().map_err(|_| "its story fields are not JSON")?;
    doc.annotations.extend(members);
    Ok(())
}

/// The dedup decisions of a shard's documents, by sequence number (exact and near merged).
pub(crate) fn shard_decisions(layout: &Layout, config: &Config, shard: u32) -> Result<Vec<(u32, Decision)>> {
    let exact = decisions_for(layout, config.run.partitions, shard)?;
    let near = decisions_of_shard(layout, config.near_dedup(), shard)?;
    Ok(decision::merge(exact, near))
}

fn merge(into: &mut WriteShardStats, b: WriteShardStats) -> Result<()> {
    if !into.observed.merge(b.observed) {
        return Err(Error::Config(
            "internal: histograms of one run with different bins".into(),
        ));
    }
    for (k, n) in b.annotated {
        *into.annotated.entry(k).or_default() += n;
    }
    into.kept += b.kept;
    into.kept_text_bytes += b.kept_text_bytes;
    into.removed += b.removed;
    into.keepers += b.keepers;
    for (k, (n, bytes)) in b.dedup_removed {
        let e = into.dedup_removed.entry(k).or_default();
        e.0 += n;
        e.1 += bytes;
    }
    Ok(())
}

/// Where the write step puts a decided document, and what it counts.
struct Routed<'b, 'o> {
    kept: &'b mut Vec<u8>,
    removed: &'b mut Vec<u8>,
    stats: &'b mut WriteShardStats,
    observer: &'b mut Observer<'o>,
}

fn push_line(out: &mut Vec<u8>, json: &[u8]) {
    out.extend_from_slice(json);
    out.push(b'\n');
}

fn push(lines: &mut Lines, reader: &ScanReader, line: ScanLine) {
    let start = lines.buf.len();
    lines.buf.extend_from_slice(reader.json(&line));
    lines
        .items
        .push((line.seq, line.text_bytes, line.words, start..lines.buf.len()));
}

/// Reads lines until `batch_bytes` are buffered; false once the file is exhausted.
fn fill(reader: &mut ScanReader, lines: &mut Lines, batch_bytes: u64) -> Result<bool> {
    while (lines.buf.len() as u64) < batch_bytes {
        match reader.next()? {
            Some(line) => push(lines, reader, line),
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// Reads every line whose sequence number is below `cut`.
fn fill_until(reader: &mut ScanReader, lines: &mut Lines, cut: u32) -> Result<()> {
    while let Some(line) = reader.next()? {
        if line.seq >= cut {
            reader.push_back(line);
            break;
        }
        push(lines, reader, line);
    }
    Ok(())
}

/// The name every output part of a shard starts with (then `-NNN`).
fn part_prefix(shard: u32) -> String {
    format!("part-{shard:05}")
}

fn remove_tmp_files(dir: &std::path::Path, prefixes: &[String]) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".tmp")
            && prefixes
                .iter()
                .any(|p| name.trim_start_matches('.').starts_with(&format!("{p}-")))
        {
            std::fs::remove_file(entry.path()).map_err(Error::io("removing", entry.path()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::work::story::splice;

    /// The line as `decided` writes it: parsed, annotated, serialised again.
    fn reserialised(json: &[u8], link: &LinksRecord) -> Vec<u8> {
        let line = std::str::from_utf8(json).expect("utf-8");
        let (id, text, meta, annotations) = parse_record(line, "id", "text", String::new).expect("parses");
        let mut doc = Document {
            id,
            text,
            meta,
            annotations,
            ordinal: Ordinal::new(0, 0),
            origin: crate::doc::memory_origin(0),
            analysis: Default::default(),
            as_read: None,
        };
        annotate_story(&mut doc, link).expect("fields parse");
        let mut out = Vec::new();
        doc.write_json_line(&mut out);
        out
    }

    #[test]
    fn a_spliced_line_is_the_line_parsing_writes() {
        let related = [("b\\x", 0.123_456), ("ج", 0.5), ("d", 1.0 / 3.0)];
        let link = LinksRecord::new(0, 0, "قصة \"1\"", (3, 2), related);
        let inputs = [
            (
                r#"{"id":"a","text":"نص\nسطر","source":"sabq","date":"2015-07-24"}"#,
                true,
            ),
            (r#"{"id":"a","text":"نص"}"#, false),
            (r#"{"id":"a","text":"نص","x":{"y":{}}}"#, false),
            (r#"{"id":"a","text":"نص","source":"sabq"}"#, true),
        ];
        for (input, annotate) in inputs {
            let (id, text, meta, _) = parse_record(input, "id", "text", String::new).expect("parses");
            let mut doc = Document::new(id, text, Ordinal::new(0, 0), crate::doc::memory_origin(0));
            doc.meta = meta;
            if annotate {
                doc.annotations.insert("language".into(), "ar".into());
            }
            let mut json = Vec::new();
            doc.write_json_line(&mut json);
            json.pop();
            let kind = crate::pipeline::scan::splice_kind(&doc);
            assert_ne!(kind, splice::PARSE, "{input}");
            let link = LinksRecord {
                splice: kind,
                ..link.clone()
            };
            let mut spliced = Vec::new();
            splice_story(&mut spliced, &json, &link).expect("splices");
            assert_eq!(
                String::from_utf8_lossy(&spliced),
                String::from_utf8_lossy(&reserialised(&json, &link)),
                "{input}"
            );
        }
        // Input metadata with a `ghirbal` field of its own is parsed, never spliced.
        let (id, text, meta, _) = parse_record(
            r#"{"id":"a","text":"نص","ghirbal":{"old":1}}"#,
            "id",
            "text",
            String::new,
        )
        .expect("parses");
        let mut doc = Document::new(id, text, Ordinal::new(0, 0), crate::doc::memory_origin(0));
        doc.meta = meta;
        if doc.annotations.is_empty() {
            assert_eq!(crate::pipeline::scan::splice_kind(&doc), splice::PARSE);
        }
        // ghirbal's own output read again: its story fields are replaced by the parse path, never doubled.
        let mut again = Document::new("a", "نص", Ordinal::new(0, 0), crate::doc::memory_origin(0));
        again.annotations.insert("story_id".into(), "old".into());
        assert_eq!(crate::pipeline::scan::splice_kind(&again), splice::PARSE);
        let mut bad = Vec::new();
        let wrong = LinksRecord {
            splice: splice::INTO_ANNOTATIONS,
            ..link
        };
        assert!(splice_story(&mut bad, br#"{"id":"a","text":"x","meta":{}}"#, &wrong).is_err());
    }
}
