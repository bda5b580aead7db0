//! JSONL (plain or compressed: gzip, zstd, bzip2, xz): the reader cuts the decompressed stream into batches of whole lines; workers
//! parse them. Blank lines are not records; a UTF-8 byte order mark before a line is dropped. Lines are
//! decoded under `[input] encoding`. A line that does not decode, is not a JSON object, or has no string
//! text becomes a [`BadRecord`] whose detail names the file and line and whose text is the raw line.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use super::charset::{self, Charset};
use super::compress::{self, Place};
use super::InputProblem;
use super::{bad_record, undecodable, Payload, RawBatch, ReadItem, Record, ShardEnd};
use super::{ShardKind, ShardSpec};
use crate::doc::parse_record;
use crate::{Document, Error, InputConfig, Ordinal, Origin, Result};

const MAX_LINES_PER_BATCH: usize = 8192;

/// The records of a batch being filled: JSONL lines, or the elements of a JSON array (`json_array.rs`).
pub(super) struct Batcher {
    shard: u32,
    file: Arc<Path>,
    /// The records' bytes, end to end.
    pub(super) buf: Vec<u8>,
    /// Where each record ends in `buf`.
    pub(super) ends: Vec<usize>,
    /// The line number of each record.
    pub(super) lines: Vec<u64>,
    /// Decompressed bytes the batch covers.
    pub(super) raw_bytes: u64,
    /// The sequence number of the batch's first record.
    pub(super) next_seq: u32,
    position: Arc<compress::Position>,
    reported: u64,
}

impl Batcher {
    pub(super) fn new(shard: u32, file: &Path, position: &Arc<compress::Position>) -> Batcher {
        Batcher {
            shard,
            file: Arc::from(file),
            buf: Vec::new(),
            ends: Vec::new(),
            lines: Vec::new(),
            raw_bytes: 0,
            next_seq: 0,
            position: Arc::clone(position),
            reported: 0,
        }
    }

    /// Records read so far, in batches taken and in this one.
    pub(super) fn records(&self) -> u64 {
        u64::from(self.next_seq) + self.ends.len() as u64
    }

    /// Whether the batch should go to the workers now.
    pub(super) fn full(&self, batch_bytes: u64) -> bool {
        self.buf.len() as u64 >= batch_bytes || self.ends.len() >= MAX_LINES_PER_BATCH
    }

    pub(super) fn take(&mut self) -> RawBatch {
        let first_seq = self.next_seq;
        self.next_seq += self.ends.len() as u32;
        // Capped: after one giant record the next batch needs no giant buffer.
        let sizes = (self.buf.len().min(64 << 20), self.ends.len());
        let consumed = self.position.consumed();
        let delta = consumed.saturating_sub(self.reported);
        self.reported = consumed;
        RawBatch {
            shard: self.shard,
            first_seq,
            consumed: delta,
            raw_bytes: std::mem::take(&mut self.raw_bytes),
            // The next batch starts at this one's size: a buffer grown from empty copies itself about twice
            // over on the way (3% of a dedup-only run).
            payload: Payload::Lines {
                file: Arc::clone(&self.file),
                buf: std::mem::replace(&mut self.buf, Vec::with_capacity(sizes.0 + sizes.0 / 8)),
                ends: std::mem::replace(&mut self.ends, Vec::with_capacity(sizes.1)),
                lines: std::mem::replace(&mut self.lines, Vec::with_capacity(sizes.1)),
            },
        }
    }
}

/// Reads the lines of a JSONL shard into batches.
pub(super) fn read(
    spec: &ShardSpec,
    input: &InputConfig,
    batch_bytes: u64,
    emit: &mut dyn FnMut(ReadItem) -> bool,
) -> Result<ShardEnd> {
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
    if !input.charset()?.splits_at_newline() {
        return Err(Error::Config(format!(
            "{}: JSONL cannot be read in UTF-16 (lines are not split at a newline byte); convert it to UTF-8 \
             (iconv -f UTF-16 -t UTF-8) or set [input] encoding to an 8-bit encoding",
            path.display()
        )));
    }
    let mut opened = compress::open(path, *codec, *start, *end)?;
    let mut b = Batcher::new(spec.index, path, &opened.position);
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
            problem = Some(truncated(path, &e, &opened.position, b.records()));
            break;
        }
        if n == 0 {
            break;
        }
        if b.full(batch_bytes) {
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
        ..Default::default()
    })
}

/// The problem of a compressed input that stopped decoding after `records` records: its place and message.
pub(super) fn truncated(path: &Path, e: &std::io::Error, position: &compress::Position, records: u64) -> InputProblem {
    let place = compress::Fault::of(e).map_or(Place::At(position.offset()), |f| f.place);
    let err = Error::Truncated {
        path: path.to_path_buf(),
        place,
        records,
        message: e.to_string(),
    };
    InputProblem {
        file: path.display().to_string(),
        message: err.to_string(),
    }
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
    let charset = input.charset().unwrap_or(Charset::Utf8);
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
        out.push(parse_line(bytes, ordinal, origin, input, charset));
    }
    out
}

fn parse_line(bytes: &[u8], ordinal: Ordinal, origin: Origin, input: &InputConfig, charset: Charset) -> Record {
    let fallback = || format!("{}:{}", origin.file.display(), origin.line);
    // A byte order mark starts a file saved by some editors, or a line of files joined with `cat`: not text.
    let bytes = charset::strip_utf8_bom(bytes);
    let mut note = None;
    let line = match simdutf8::basic::from_utf8(bytes) {
        Ok(line) if !matches!(charset, Charset::Fixed(_)) => line,
        _ => match charset::decode_text(bytes.to_vec(), charset) {
            Ok(decoded) => note.insert(decoded).text.as_str(),
            Err((raw, err)) => return Err(undecodable(fallback(), raw, &err, "line", &origin, ordinal)),
        },
    };
    match parse_record(line, &input.id_field, &input.text_field, fallback) {
        Ok((id, text, meta, annotations)) => {
            let mut doc = Document {
                id,
                text,
                meta,
                annotations,
                ordinal,
                origin,
                analysis: Default::default(),
                as_read: None,
            };
            if let Some(decoded) = &note {
                super::note_charset(&mut doc, decoded);
            }
            Ok(doc)
        }
        Err((id, problem)) => {
            let id = id.unwrap_or_else(|| format!("{}:{}", origin.file.display(), origin.line));
            Err(bad_record(id, problem, &origin, line.to_owned(), ordinal))
        }
    }
}
