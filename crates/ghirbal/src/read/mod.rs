//! Reading inputs: turning the user's paths, folders and globs into a deterministic list of shards, and each
//! shard into batches of raw records for the worker threads.
//!
//! A shard is one input file, a byte range of a large uncompressed JSONL file (split at line boundaries so a
//! 20 GB file is not one task), or a group of `.txt` files from one folder. A `.json` file is JSONL unless it
//! opens a JSON array (`json_array.rs`), whose elements are read as JSONL lines are. Readers never alter text;
//! a record that cannot become a document is not dropped but removed with a `read.*` reason that names its
//! file and line.

pub mod charset;
pub(crate) mod compress;
mod json_array;
mod jsonl;
pub(crate) mod names;
#[cfg(feature = "parquet")]
mod parquet;
pub mod plan;
mod txt;
pub mod warc;
mod web;

use std::path::Path;
use std::sync::Arc;

pub use compress::{Codec, Place};
pub use plan::{plan, ShardKind, ShardSpec};

use crate::doc::RecordProblem;
use crate::{Document, InputConfig, Reason, Removal, Result};

/// Bytes that are not valid UTF-8.
pub const INVALID_UTF8: Reason = Reason::new("read", "read.invalid_utf8");
/// Bytes that are not valid in the encoding `[input] encoding` names (or the one detected).
pub const INVALID_ENCODING: Reason = Reason::new("read", "read.invalid_encoding");
/// A JSONL line that is not a JSON object.
pub const MALFORMED_JSON: Reason = Reason::new("read", "read.malformed_json");
/// A record without a text field, or whose text is not a string.
pub const MISSING_TEXT: Reason = Reason::new("read", "read.missing_text");
/// A text containing a NUL character (binary data, not text).
pub const NUL_BYTE: Reason = Reason::new("read", "read.nul_byte");
/// Every reason the readers return.
pub const REASONS: &[Reason] = &[
    INVALID_UTF8,
    INVALID_ENCODING,
    MALFORMED_JSON,
    MISSING_TEXT,
    NUL_BYTE,
    web::NOT_HTML,
    web::HTTP_STATUS,
    web::BAD_HTTP,
    web::TRUNCATED,
];

/// The reasons that say a record could not be read at all — not that it is a record of another kind, as a
/// web response that is not HTML or not status 200. When most of a file's records end with one of them, a
/// setting is likely wrong: `stats.json` lists the file in `input_warnings`.
pub const FAILURES: &[Reason] = &[
    INVALID_UTF8,
    INVALID_ENCODING,
    MALFORMED_JSON,
    MISSING_TEXT,
    NUL_BYTE,
    web::BAD_HTTP,
    web::TRUNCATED,
];

/// A problem with an input that did not stop the run but makes it fail at the end (exit 1); listed in
/// `stats.json` as `input_problems`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputProblem {
    /// The input file.
    pub file: String,
    /// What happened, with the byte offset.
    pub message: String,
}

/// A record the readers could not turn into a document: removed, with its place and raw content.
#[derive(Clone, Debug)]
pub struct BadRecord {
    /// The record's id (from the record when it could be read, else `file:line`).
    pub id: String,
    /// The removal, its detail naming file and line.
    pub removal: Removal,
    /// Whatever text could be recovered (the raw line for malformed JSON), so nothing is lost.
    pub text: String,
    /// Position in the run.
    pub ordinal: crate::Ordinal,
}

/// One record out of a reader.
pub type Record = std::result::Result<Document, Box<BadRecord>>;

/// Raw records read from one shard, not yet parsed: parsing happens on the worker threads.
#[derive(Debug)]
pub struct RawBatch {
    /// The shard they come from.
    pub shard: u32,
    /// Sequence number of the first record in the shard.
    pub first_seq: u32,
    /// Decompressed bytes this batch covers.
    pub raw_bytes: u64,
    /// Input (compressed) bytes consumed since the previous batch, for progress.
    pub consumed: u64,
    /// The records.
    pub payload: Payload,
}

/// The records of a batch, by input kind.
#[derive(Debug)]
pub enum Payload {
    /// JSONL lines: line `i` is `buf[ends[i-1]..ends[i]]`, its 1-based line number `lines[i]`.
    Lines {
        /// The file.
        file: Arc<Path>,
        /// Concatenated line bytes (newlines stripped).
        buf: Vec<u8>,
        /// End offset of each line in `buf`.
        ends: Vec<usize>,
        /// Line number of each line.
        lines: Vec<u64>,
    },
    /// Whole `.txt` files: (id, path, bytes).
    Files(Vec<(String, Arc<Path>, Vec<u8>)>),
    /// Whole `.html` files: (id, path, bytes).
    Pages(Vec<(String, Arc<Path>, Vec<u8>)>),
    /// WARC records that may be documents, framed by the reader, from this file.
    Web(Arc<Path>, Vec<warc::WarcRecord>),
    /// Records already decoded by the reader (Parquet decodes column-wise).
    Records(Vec<Record>),
}

impl Payload {
    /// The number of web pages in the batch (0 for other kinds).
    pub fn pages(&self) -> usize {
        match self {
            Payload::Web(_, records) => records.len(),
            Payload::Pages(files) => files.len(),
            _ => 0,
        }
    }
}

/// What the reader says when a shard is finished.
#[derive(Debug, Default)]
pub struct ShardEnd {
    /// Records read (bad ones included).
    pub records: u64,
    /// Decompressed bytes read.
    pub raw_bytes: u64,
    /// A decoding or I/O failure that ended the shard early; the records before it were read.
    pub problem: Option<InputProblem>,
    /// WARC records that are not documents (`request`, `metadata`, `warcinfo`, `revisit` …), by type.
    pub other_records: std::collections::BTreeMap<String, u64>,
}

/// One item from a shard reader.
#[derive(Debug)]
pub enum ReadItem {
    /// A batch of records.
    Batch(RawBatch),
    /// The shard is finished.
    End(u32, ShardEnd),
}

/// Reads one shard, calling `emit` for each batch and once at the end. Returns an error only when the input
/// cannot be opened at all; failures part-way end the shard with a [`ShardEnd::problem`].
pub fn read_shard(
    spec: &ShardSpec,
    input: &InputConfig,
    batch_bytes: u64,
    emit: &mut dyn FnMut(ReadItem) -> bool,
) -> Result<()> {
    let end = match &spec.kind {
        ShardKind::Jsonl { .. } => jsonl::read(spec, input, batch_bytes, emit)?,
        ShardKind::JsonArray { .. } => json_array::read(spec, input, batch_bytes, emit)?,
        ShardKind::Txt { .. } | ShardKind::Html { .. } => txt::read(spec, batch_bytes, emit)?,
        ShardKind::Warc { .. } => warc::read(spec, input, batch_bytes, emit)?,
        ShardKind::Parquet { path } => read_parquet(spec.index, path, input, emit)?,
    };
    emit(ReadItem::End(spec.index, end));
    Ok(())
}

#[cfg(feature = "parquet")]
fn read_parquet(
    shard: u32,
    path: &Path,
    input: &InputConfig,
    emit: &mut dyn FnMut(ReadItem) -> bool,
) -> Result<ShardEnd> {
    parquet::read(shard, path, input, emit)
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(_: u32, path: &Path, _: &InputConfig, _: &mut dyn FnMut(ReadItem) -> bool) -> Result<ShardEnd> {
    Err(crate::Error::UnsupportedFormat(path.to_owned()))
}

/// Turns a raw batch into records (documents or bad records). Runs on worker threads.
pub fn parse_batch(batch: RawBatch, input: &InputConfig) -> Vec<Record> {
    match batch.payload {
        Payload::Lines { file, buf, ends, lines } => {
            jsonl::parse(batch.shard, batch.first_seq, &file, &buf, &ends, &lines, input)
        }
        Payload::Files(files) => txt::parse(batch.shard, batch.first_seq, files, input),
        Payload::Pages(files) => web::parse_pages(batch.shard, batch.first_seq, files, input),
        Payload::Web(file, records) => web::parse_records(batch.shard, batch.first_seq, &file, records, input),
        Payload::Records(records) => records,
    }
}

/// Builds the removal for a record problem, its detail naming the place.
fn bad_record(
    id: String,
    problem: RecordProblem,
    origin: &crate::Origin,
    text: String,
    ordinal: crate::Ordinal,
) -> Box<BadRecord> {
    let (reason, message) = match problem {
        RecordProblem::Malformed(m) => (MALFORMED_JSON, m),
        RecordProblem::MissingText(m) => (MISSING_TEXT, m),
        RecordProblem::NulByte => (NUL_BYTE, "text contains a NUL character".to_owned()),
    };
    let removal = place_detail(Removal::new(reason), origin).with("error", message);
    Box::new(BadRecord {
        id,
        removal,
        text,
        ordinal,
    })
}

/// The removal of bytes that do not decode: `read.invalid_utf8` or `read.invalid_encoding`, its detail
/// naming the place, the encoding tried and (when the bytes are another encoding) the knob to turn; the raw
/// bytes go with it so nothing is lost.
fn undecodable(
    id: String,
    bytes: Vec<u8>,
    err: &charset::Undecodable,
    unit: &str,
    origin: &crate::Origin,
    ordinal: crate::Ordinal,
) -> Box<BadRecord> {
    let reason = if err.encoding == encoding_rs::UTF_8 {
        INVALID_UTF8
    } else {
        INVALID_ENCODING
    };
    let removal = place_detail(Removal::new(reason), origin).with("error", err.message(unit));
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Box::new(BadRecord {
        id,
        removal: Removal {
            raw: Some(bytes),
            ..removal
        },
        text,
        ordinal,
    })
}

/// Notes in `meta.ghirbal.charset` how a text that was not plain UTF-8 was decoded.
fn note_charset(doc: &mut Document, decoded: &charset::Decoded) {
    if decoded.encoding == encoding_rs::UTF_8 && decoded.found != charset::Found::Bom {
        return;
    }
    let mut note = serde_json::Map::new();
    note.insert("encoding".into(), decoded.encoding.name().to_ascii_lowercase().into());
    note.insert("found".into(), decoded.found.as_str().into());
    doc.annotations.insert("charset".into(), note.into());
}

fn place_detail(removal: Removal, origin: &crate::Origin) -> Removal {
    let removal = removal.with("file", origin.file.display().to_string());
    if origin.line > 0 {
        removal.with("line", origin.line)
    } else {
        removal
    }
}
