//! WARC and WET archives (`.warc`, compressed `.warc.gz`, `.warc.zst`, `.warc.bz2`, `.warc.xz`, Common Crawl's
//! `.warc.wet.gz`): the reader
//! thread frames records by their `Content-Length`; worker threads turn each into a document
//! ([`super::web`]).
//!
//! Only `response`, `resource` and `conversion` (WET text) records can be documents; `request`, `metadata`,
//! `warcinfo`, `revisit` and any other type are counted by type in `stats.json` and not read further. Framing
//! is ours rather than the `warc` crate's: we need a bound on every header and block (a 50 MB page must not
//! be buffered whole), the byte offset of every record for errors and resharding, gzip-member boundaries to
//! split one large file across cores, and records whose `WARC-Date` does not parse (ClueWeb's WARC/0.18)
//! read instead of rejected. A truncated or corrupt archive ends its shard with an input problem naming
//! the offset (the run then fails, as for any truncated input); the records before it are read.

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::compress::{self, Codec, Counting, Position};
use super::InputProblem;
use super::{Payload, RawBatch, ReadItem, ShardEnd, ShardKind, ShardSpec};
use crate::{InputConfig, Result};

/// The longest WARC header line, and all header lines of one record together.
const MAX_HEADER_LINE: usize = 64 << 10;
const MAX_HEADER: usize = 1 << 20;

/// One record that may become a document, as framed by the reader.
#[derive(Debug)]
pub struct WarcRecord {
    /// `WARC-Type`, lower case.
    pub kind: String,
    /// The WARC header fields, names as written.
    pub headers: Vec<(String, String)>,
    /// The block (the HTTP response for `response`), at most `max_page_bytes`.
    pub block: Vec<u8>,
    /// The block's length as declared by `Content-Length`.
    pub declared: u64,
    /// Where the record starts: the compressed offset of its gzip member, else its offset in the stream.
    pub offset: u64,
    /// The block ended before `Content-Length` bytes (the archive is cut short).
    pub truncated: bool,
}

impl WarcRecord {
    /// A header's value, the name compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// WARC record types that can hold a document.
pub fn is_document_type(kind: &str) -> bool {
    matches!(kind, "response" | "resource" | "conversion")
}

/// Reads the records of a WARC shard into batches; other record types are counted in the shard end.
pub(super) fn read(
    spec: &ShardSpec,
    input: &InputConfig,
    batch_bytes: u64,
    emit: &mut dyn FnMut(ReadItem) -> bool,
) -> Result<ShardEnd> {
    let ShardKind::Warc {
        path,
        codec,
        start,
        end,
    } = &spec.kind
    else {
        unreachable!("warc::read called on a non-WARC shard")
    };
    let mut stream = Stream::open(path, *codec, *start, *end)?;
    let mut end_info = ShardEnd::default();
    let (mut batch, mut bytes, mut next_seq, mut reported) = (Vec::new(), 0u64, 0u32, 0u64);
    let file: Arc<Path> = Arc::from(path.as_path());
    loop {
        let record = match next_record(&mut stream, input.max_page_bytes) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                end_info.problem = Some(problem(path, &e));
                break;
            }
        };
        end_info.raw_bytes += record.declared;
        if !is_document_type(&record.kind) {
            *end_info.other_records.entry(record.kind).or_default() += 1;
            continue;
        }
        let (truncated, record_offset) = (record.truncated, record.offset);
        bytes += record.block.len() as u64;
        batch.push(record);
        if truncated {
            let message = format!(
                "the archive ends inside the record at byte {record_offset} (nothing could be read past byte {})",
                stream.position()
            );
            end_info.problem = Some(problem(path, &message));
        }
        if bytes >= batch_bytes || truncated {
            let consumed = stream.consumed();
            let raw = RawBatch {
                shard: spec.index,
                first_seq: next_seq,
                raw_bytes: std::mem::take(&mut bytes),
                consumed: consumed - reported,
                payload: Payload::Web(Arc::clone(&file), std::mem::take(&mut batch)),
            };
            reported = consumed;
            next_seq += raw_len(&raw);
            if !emit(ReadItem::Batch(raw)) {
                return Ok(ShardEnd::default());
            }
        }
        if truncated {
            break;
        }
    }
    if !batch.is_empty() {
        let raw = RawBatch {
            shard: spec.index,
            first_seq: next_seq,
            raw_bytes: bytes,
            consumed: stream.consumed() - reported,
            payload: Payload::Web(Arc::clone(&file), batch),
        };
        next_seq += raw_len(&raw);
        emit(ReadItem::Batch(raw));
    }
    end_info.records = u64::from(next_seq);
    Ok(end_info)
}

fn raw_len(batch: &RawBatch) -> u32 {
    match &batch.payload {
        Payload::Web(_, records) => records.len() as u32,
        _ => 0,
    }
}

fn problem(path: &Path, message: &dyn std::fmt::Display) -> InputProblem {
    InputProblem {
        file: path.display().to_string(),
        message: format!("{}: {message}", path.display()),
    }
}

/// Reads the next record; `None` at a clean end of the stream.
fn next_record(stream: &mut Stream, max_block: u64) -> std::result::Result<Option<WarcRecord>, String> {
    let offset = stream.record_offset();
    let Some(version) = first_line(stream)? else {
        return Ok(None);
    };
    if !version.starts_with("WARC/") {
        return Err(format!("no WARC record at byte {offset} (found {:?})", clip(&version)));
    }
    let headers = header_fields(stream, offset)?;
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let declared: u64 = find("Content-Length")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("record at byte {offset} has no valid Content-Length"))?;
    let kind = find("WARC-Type").map_or_else(|| "unknown".to_owned(), |t| t.trim().to_ascii_lowercase());
    let keep = if is_document_type(&kind) {
        declared.min(max_block)
    } else {
        0
    };
    let mut block = Vec::with_capacity(keep.min(1 << 20) as usize);
    let (got, failed) = read_up_to(&mut stream.reader, keep, &mut block);
    let (skipped, failed) = match failed {
        Some(e) => (0, Some(e)),
        None => skip_up_to(&mut stream.reader, declared - keep),
    };
    let truncated = got + skipped < declared;
    if let (Some(e), false) = (&failed, is_document_type(&kind)) {
        return Err(io_message(stream, e));
    }
    if !truncated {
        skip_newlines(stream).map_err(|e| io_message(stream, &e))?;
    }
    Ok(Some(WarcRecord {
        kind,
        headers,
        block,
        declared,
        offset,
        truncated,
    }))
}

/// Reads up to `n` bytes into `out`: the count, and the error that stopped it early (a corrupt or cut
/// gzip stream), so a record cut short keeps what was read.
fn read_up_to(reader: &mut dyn BufRead, n: u64, out: &mut Vec<u8>) -> (u64, Option<io::Error>) {
    let mut left = n;
    while left > 0 {
        let buf = match reader.fill_buf() {
            Ok([]) => return (n - left, None),
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return (n - left, Some(e)),
        };
        let take = buf.len().min(left as usize);
        out.extend_from_slice(&buf[..take]);
        reader.consume(take);
        left -= take as u64;
    }
    (n, None)
}

/// Skips up to `n` bytes without keeping them.
fn skip_up_to(reader: &mut dyn BufRead, n: u64) -> (u64, Option<io::Error>) {
    let mut left = n;
    while left > 0 {
        let len = match reader.fill_buf() {
            Ok([]) => return (n - left, None),
            Ok(b) => b.len(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return (n - left, Some(e)),
        };
        let take = len.min(left as usize);
        reader.consume(take);
        left -= take as u64;
    }
    (n, None)
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

fn io_message(stream: &Stream, e: &io::Error) -> String {
    match compress::Fault::of(e) {
        Some(fault) => format!("decoding failed {} of the file: {e}", fault.place),
        None => format!("cannot read past byte {} of the file: {e}", stream.position()),
    }
}

/// The first non-blank line (the version line), or `None` at the end of the stream.
fn first_line(stream: &mut Stream) -> std::result::Result<Option<String>, String> {
    loop {
        let line = bounded_line(stream)?;
        match line {
            None => return Ok(None),
            Some(l) if l.trim().is_empty() => continue,
            Some(l) => return Ok(Some(l.trim_end().to_owned())),
        }
    }
}

/// Header fields up to the blank line; continuation lines (leading space) join the previous field.
fn header_fields(stream: &mut Stream, offset: u64) -> std::result::Result<Vec<(String, String)>, String> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut total = 0;
    loop {
        let line = bounded_line(stream)?.ok_or_else(|| format!("record at byte {offset}: headers cut short"))?;
        total += line.len();
        if total > MAX_HEADER {
            return Err(format!(
                "record at byte {offset}: headers longer than {MAX_HEADER} bytes"
            ));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Ok(fields);
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
}

/// One line (with its end), at most `MAX_HEADER_LINE` bytes; `None` at the end of the stream.
fn bounded_line(stream: &mut Stream) -> std::result::Result<Option<String>, String> {
    let mut buf = Vec::new();
    let n = (&mut stream.reader)
        .take(MAX_HEADER_LINE as u64)
        .read_until(b'\n', &mut buf)
        .map_err(|e| io_message(stream, &e))?;
    if n == 0 {
        return Ok(None);
    }
    if n == MAX_HEADER_LINE && buf.last() != Some(&b'\n') {
        return Err(format!(
            "a header line longer than {MAX_HEADER_LINE} bytes near byte {}",
            stream.position()
        ));
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Skips the CR/LF bytes that end a record.
fn skip_newlines(stream: &mut Stream) -> io::Result<()> {
    loop {
        let buf = stream.reader.fill_buf()?;
        let n = buf.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        if n == 0 {
            return Ok(());
        }
        stream.reader.consume(n);
    }
}

/// The decompressed bytes of a shard, and where in the file they come from.
struct Stream {
    reader: Box<dyn BufRead + Send>,
    /// Where the decoder is in the file, and the gzip member it is in.
    file: Arc<Position>,
    /// Decompressed bytes handed out (plain and zstd offsets).
    position: Arc<AtomicU64>,
    start: u64,
    gzip: bool,
}

impl Stream {
    fn open(path: &Path, codec: Codec, start: u64, end: Option<u64>) -> Result<Stream> {
        let (raw, file) = compress::decoded(path, codec, start, end)?;
        let position = Arc::new(AtomicU64::new(0));
        let positioned = Counting {
            inner: raw,
            count: Arc::clone(&position),
        };
        Ok(Stream {
            reader: Box::new(BufReader::with_capacity(1 << 20, positioned)),
            file,
            position,
            start,
            gzip: codec == Codec::Gzip,
        })
    }

    /// Compressed bytes consumed since the shard's start.
    fn consumed(&self) -> u64 {
        self.file.consumed()
    }

    /// The file offset the decoder has reached.
    fn position(&self) -> u64 {
        self.file.offset()
    }

    /// The offset a record starting now reports: its gzip member's, else its place in the stream.
    fn record_offset(&mut self) -> u64 {
        if self.gzip {
            // Make sure the member holding the next byte has been entered.
            let _ = self.reader.fill_buf();
            self.file.member()
        } else {
            let buffered = self.reader.fill_buf().map_or(0, |b| b.len() as u64);
            self.start + self.position.load(Ordering::Relaxed) - buffered
        }
    }
}
