//! JSONL (plain, gzip, zstd): the reader cuts the decompressed stream into batches of whole lines; workers
//! parse them. Blank lines are not records. A line that is not valid UTF-8, not a JSON object, or has no string
//! text becomes a [`BadRecord`] whose detail names the file and line and whose text is the raw line.

use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{bad_record, compress, place_detail, BadRecord, Payload, RawBatch, ReadItem, Record, ShardEnd};
use super::{ShardKind, ShardSpec, INVALID_UTF8};
use crate::doc::parse_record;
use crate::stats::InputProblem;
use crate::{Document, Error, InputConfig, Ordinal, Origin, Removal, Result};

const MAX_LINES_PER_BATCH: usize = 8192;

struct Batcher {
    shard: u32,
    file: Arc<Path>,
    buf: Vec<u8>,
    ends: Vec<usize>,
    lines: Vec<u64>,
    raw_bytes: u64,
    next_seq: u32,
    consumed: Arc<std::sync::atomic::AtomicU64>,
    reported: u64,
}

impl Batcher {
    fn take(&mut self) -> RawBatch {
        let first_seq = self.next_seq;
        self.next_seq += self.ends.len() as u32;
        let consumed = self.consumed.load(Ordering::Relaxed);
        let delta = consumed.saturating_sub(self.reported);
        self.reported = consumed;
        RawBatch {
            shard: self.shard,
            first_seq,
            consumed: delta,
            raw_bytes: std::mem::take(&mut self.raw_bytes),
            payload: Payload::Lines {
                file: Arc::clone(&self.file),
                buf: std::mem::take(&mut self.buf),
                ends: std::mem::take(&mut self.ends),
                lines: std::mem::take(&mut self.lines),
            },
        }
    }
}

/// Reads the lines of a JSONL shard into batches.
pub(super) fn read(spec: &ShardSpec, batch_bytes: u64, emit: &mut dyn FnMut(ReadItem) -> bool) -> Result<ShardEnd> {
    let ShardKind::Jsonl {
        path,
        codec,
        start,
        end,
        first_line,
    } = &spec.kind
    else {
        unreachable!("jsonl::read called on a non-JSONL shard")
    };
    let mut opened = compress::open(path, *codec, *start, *end)?;
    let mut b = Batcher {
        shard: spec.index,
        file: Arc::from(path.as_path()),
        buf: Vec::new(),
        ends: Vec::new(),
        lines: Vec::new(),
        raw_bytes: 0,
        next_seq: 0,
        consumed: Arc::clone(&opened.consumed),
        reported: 0,
    };
    let (mut line_no, mut total_raw, mut problem) = (*first_line, 0u64, None);
    loop {
        let before = b.buf.len();
        let result = opened.reader.read_until(b'\n', &mut b.buf);
        let n = b.buf.len() - before;
        b.raw_bytes += n as u64;
        total_raw += n as u64;
        if b.buf.last() == Some(&b'\n') && n > 0 {
            b.buf.pop();
        }
        if n > 0 {
            if b.buf[before..].iter().all(u8::is_ascii_whitespace) {
                b.buf.truncate(before);
            } else {
                b.ends.push(b.buf.len());
                b.lines.push(line_no);
            }
            line_no += 1;
        }
        if let Err(e) = result {
            let records = u64::from(b.next_seq) + b.ends.len() as u64;
            let offset = *start + opened.consumed.load(Ordering::Relaxed);
            let err = Error::Truncated {
                path: path.clone(),
                offset,
                records,
                message: e.to_string(),
            };
            problem = Some(InputProblem {
                file: path.display().to_string(),
                message: err.to_string(),
            });
            break;
        }
        if n == 0 {
            break;
        }
        if b.buf.len() as u64 >= batch_bytes || b.ends.len() >= MAX_LINES_PER_BATCH {
            let batch = b.take();
            if !emit(ReadItem::Batch(batch)) {
                return Ok(ShardEnd::default());
            }
        }
    }
    if !b.ends.is_empty() {
        let batch = b.take();
        emit(ReadItem::Batch(batch));
    }
    Ok(ShardEnd {
        records: u64::from(b.next_seq),
        raw_bytes: total_raw,
        problem,
    })
}

/// Parses the lines of a batch into records.
pub(super) fn parse(
    shard: u32,
    first_seq: u32,
    file: &Arc<Path>,
    buf: &[u8],
    ends: &[usize],
    lines: &[u64],
    input: &InputConfig,
) -> Vec<Record> {
    let mut out = Vec::with_capacity(ends.len());
    let mut start = 0;
    for (i, (&end, &line)) in ends.iter().zip(lines).enumerate() {
        let bytes = &buf[start..end];
        start = end;
        let ordinal = Ordinal::new(shard, first_seq + i as u32);
        let origin = Origin {
            file: Arc::clone(file),
            line,
        };
        out.push(parse_line(bytes, ordinal, origin, input));
    }
    out
}

fn parse_line(bytes: &[u8], ordinal: Ordinal, origin: Origin, input: &InputConfig) -> Record {
    let fallback = || format!("{}:{}", origin.file.display(), origin.line);
    let line = match simdutf8::basic::from_utf8(bytes) {
        Ok(line) => line,
        Err(_) => {
            let e = std::str::from_utf8(bytes).err();
            let valid_up_to = e.map_or(0, |e| e.valid_up_to());
            let removal = place_detail(Removal::new(INVALID_UTF8), &origin)
                .with("error", format!("invalid UTF-8 at byte {} of the line", valid_up_to));
            let removal = Removal {
                raw: Some(bytes.to_vec()),
                ..removal
            };
            let text = String::from_utf8_lossy(bytes).into_owned();
            return Err(Box::new(BadRecord {
                id: fallback(),
                removal,
                text,
                ordinal,
            }));
        }
    };
    match parse_record(line, &input.id_field, &input.text_field, fallback) {
        Ok((id, text, meta, annotations)) => Ok(Document {
            id,
            text,
            meta,
            annotations,
            ordinal,
            origin,
            analysis: Default::default(),
            as_read: None,
        }),
        Err((id, problem)) => {
            let id = id.unwrap_or_else(|| format!("{}:{}", origin.file.display(), origin.line));
            Err(bad_record(id, problem, &origin, line.to_owned(), ordinal))
        }
    }
}
