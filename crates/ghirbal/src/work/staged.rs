//! A shard's records held back by `scan` (`work/staged/S.docs`) while the site tables are counted, so
//! that `scan-sited` reads, decodes and parses each input once per run ([`crate::pipeline`]'s `sited`):
//! every record of a shard whose documents all have a site, web pages already extracted.
//!
//! The file is a sequence of checksummed frames ([`super::frame`], stored as `[run] work_compression`
//! says): a header frame, one frame per read batch — `tag 1 | raw_bytes u64 | consumed u64 |
//! n u32 | records` — and last the shard's end — `tag 2 | records u64 | raw_bytes u64 | problem JSON | other
//! records JSON`. A file without its end frame is cut short: an error, like a damaged frame. A record is a
//! document — `0 | ordinal u64 | file | line u64 | id | text | meta n u32 (name | raw JSON) × n |
//! annotations JSON` — or a record that could not be read — `1 | ordinal u64 | id | text | reason code | detail
//! JSON | duplicate_of opt | similarity opt f64 | raw opt`.
//!
//! `scan-sited` deletes the file once its shard is committed. When it finds none (deleted, or the shard's
//! `scan-sited` redone after that), it reads the input instead: the same records, the same bytes out, only
//! slower.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::codec::{Decoder, Put};
use super::frame::{FrameError, FrameReader};
use crate::doc::Meta;
use crate::read::{BadRecord, Record, ShardEnd, REASONS};
use crate::{Document, Error, Ordinal, Origin, Removal, Result, WorkCompression};

/// The first frame of every staged file: what it is and the work format.
const HEADER: &[u8] = b"ghirbal staged records, work format 8\n";
const BATCH: u8 = 1;
const END: u8 = 2;
const DOC: u8 = 0;
const BAD: u8 = 1;

/// One read batch as staged: what it covered of the input, and its records.
pub(crate) struct StagedBatch {
    /// Decompressed input bytes it covers.
    pub raw_bytes: u64,
    /// Input bytes consumed since the batch before (for progress).
    pub consumed: u64,
    /// The records.
    pub records: Vec<Record>,
}

/// What one frame of a staged file holds after the header.
pub(crate) enum Staged {
    /// A batch of records.
    Batch(StagedBatch),
    /// The shard's end: what the reader counted.
    End(ShardEnd),
}

/// The frame of one batch: `(raw_bytes, consumed)` as the reader counted them, and the records.
pub(crate) fn batch_frame(
    codec: WorkCompression,
    (raw_bytes, consumed): (u64, u64),
    records: &[Record],
) -> std::io::Result<Vec<u8>> {
    let capacity: usize = records
        .iter()
        .map(|r| match r {
            Ok(doc) => doc.text.len() + doc.id.len() + 128,
            Err(bad) => bad.text.len() + 256,
        })
        .sum();
    let mut buf = super::frame::room(capacity + 32);
    buf.put_u8(BATCH);
    buf.put_u64(raw_bytes);
    buf.put_u64(consumed);
    buf.put_u32(records.len() as u32);
    for record in records {
        match record {
            Ok(doc) => put_doc(&mut buf, doc),
            Err(bad) => put_bad(&mut buf, bad),
        }
    }
    super::frame::seal(codec, buf)
}

/// The frame of the shard's end.
pub(crate) fn end_frame(codec: WorkCompression, end: &ShardEnd) -> std::io::Result<Vec<u8>> {
    let mut buf = super::frame::room(256);
    buf.put_u8(END);
    buf.put_u64(end.records);
    buf.put_u64(end.raw_bytes);
    buf.put_bytes(&serde_json::to_vec(&end.problem).map_err(std::io::Error::other)?);
    buf.put_bytes(&serde_json::to_vec(&end.other_records).map_err(std::io::Error::other)?);
    super::frame::seal(codec, buf)
}

fn put_doc(buf: &mut Vec<u8>, doc: &Document) {
    buf.put_u8(DOC);
    buf.put_u64(doc.ordinal.0);
    buf.put_bytes(path_bytes(&doc.origin.file));
    buf.put_u64(doc.origin.line);
    buf.put_bytes(doc.id.as_bytes());
    buf.put_bytes(doc.text.as_bytes());
    let fields: Vec<(&str, &RawValue)> = doc.meta.iter().collect();
    buf.put_u32(fields.len() as u32);
    for (name, raw) in fields {
        buf.put_bytes(name.as_bytes());
        buf.put_bytes(raw.get().as_bytes());
    }
    put_json_map(buf, &doc.annotations);
}

fn put_bad(buf: &mut Vec<u8>, bad: &BadRecord) {
    buf.put_u8(BAD);
    buf.put_u64(bad.ordinal.0);
    buf.put_bytes(bad.id.as_bytes());
    buf.put_bytes(bad.text.as_bytes());
    let r = &bad.removal;
    buf.put_bytes(r.reason.code.as_bytes());
    put_json_map(buf, &r.detail);
    buf.put_opt_str(r.duplicate_of.as_deref());
    match r.similarity {
        Some(s) => {
            buf.put_u8(1);
            buf.put_u64(s.to_bits());
        }
        None => buf.put_u8(0),
    }
    match &r.raw {
        Some(raw) => {
            buf.put_u8(1);
            buf.put_bytes(raw);
        }
        None => buf.put_u8(0),
    }
}

/// An empty map is no bytes (most documents have no annotations when read).
fn put_json_map(buf: &mut Vec<u8>, map: &Map<String, Value>) {
    match map.is_empty() {
        true => buf.put_bytes(b""),
        // A map of JSON values always serialises.
        false => buf.put_bytes(&serde_json::to_vec(map).unwrap_or_default()),
    }
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> &[u8] {
    std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str())
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> &[u8] {
    path.to_str().map_or(b"", str::as_bytes)
}

#[cfg(unix)]
fn bytes_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes))
}

#[cfg(not(unix))]
fn bytes_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// True when `frame` (as [`StagedReader::next_frame`] gives it) is the shard's end.
pub(crate) fn is_end(frame: &[u8]) -> bool {
    frame.first() == Some(&END)
}

/// Decodes one frame (after the header) of the staged file at `path`. Runs on the scan's workers.
pub(crate) fn decode(frame: &[u8], path: &Path) -> Result<Staged> {
    let mut d = Decoder::new(frame, path, 0);
    let staged = match d.u8("a frame's tag")? {
        BATCH => Staged::Batch(decode_batch(&mut d)?),
        END => Staged::End(ShardEnd {
            records: d.u64("the record count")?,
            raw_bytes: d.u64("the byte count")?,
            problem: json(&mut d, "the shard's problem")?,
            other_records: json(&mut d, "the other records")?,
        }),
        tag => return Err(d.corrupt(&format!("a frame tag {tag} that the format does not have"))),
    };
    if !d.is_empty() {
        return Err(d.corrupt("bytes after the end of a frame's records"));
    }
    Ok(staged)
}

fn decode_batch(d: &mut Decoder<'_>) -> Result<StagedBatch> {
    let (raw_bytes, consumed) = (d.u64("a batch's bytes")?, d.u64("its input")?);
    let n = d.u32("a batch's record count")?;
    let mut records = Vec::with_capacity(n.min(1 << 20) as usize);
    let mut file: Option<Arc<Path>> = None;
    for _ in 0..n {
        records.push(match d.u8("a record's tag")? {
            DOC => decode_doc(d, &mut file)?,
            BAD => Err(Box::new(decode_bad(d)?)),
            tag => return Err(d.corrupt(&format!("a record tag {tag} that the format does not have"))),
        });
    }
    Ok(StagedBatch {
        raw_bytes,
        consumed,
        records,
    })
}

fn decode_doc(d: &mut Decoder<'_>, file: &mut Option<Arc<Path>>) -> Result<Record> {
    let ordinal = Ordinal(d.u64("an ordinal")?);
    let path = d.bytes("a file name")?;
    // The documents of a batch mostly share their file: one allocation for all of them.
    let file = match file.as_ref().filter(|f| path_bytes(f) == path) {
        Some(f) => f.clone(),
        None => file.insert(Arc::from(bytes_path(path))).clone(),
    };
    let line = d.u64("a line number")?;
    let id = d.str("an id")?.to_owned();
    let text = d.str("a text")?.to_owned();
    let mut meta = Meta::default();
    for _ in 0..d.u32("a field count")? {
        let name = d.str("a field name")?.to_owned();
        let raw = d.str("a field value")?.to_owned();
        let raw = RawValue::from_string(raw).map_err(|e| d.corrupt(&format!("a field value that is not JSON: {e}")))?;
        meta.insert(name, raw);
    }
    let annotations = json_map(d, "annotations")?;
    let mut doc = Document::new(id, text, ordinal, Origin { file, line });
    doc.meta = meta;
    doc.annotations = annotations;
    Ok(Ok(doc))
}

fn decode_bad(d: &mut Decoder<'_>) -> Result<BadRecord> {
    let ordinal = Ordinal(d.u64("an ordinal")?);
    let id = d.str("an id")?.to_owned();
    let text = d.str("a text")?.to_owned();
    let code = d.str("a reason")?;
    // Records are refused by the readers and, for web pages, by extraction.
    let reason = REASONS
        .iter()
        .chain(crate::extract::REASONS)
        .find(|r| r.code == code)
        .copied()
        .ok_or_else(|| d.corrupt(&format!("an unknown reason {code:?}")))?;
    let mut removal = Removal::new(reason);
    removal.detail = json_map(d, "a removal's detail")?;
    removal.duplicate_of = d.opt_str("a duplicate_of")?;
    if d.u8("a similarity's presence")? == 1 {
        removal.similarity = Some(f64::from_bits(d.u64("a similarity")?));
    }
    if d.u8("raw bytes' presence")? == 1 {
        removal.raw = Some(d.bytes("raw bytes")?.to_vec());
    }
    Ok(BadRecord {
        id,
        removal,
        text,
        ordinal,
    })
}

fn json_map(d: &mut Decoder<'_>, what: &str) -> Result<Map<String, Value>> {
    let bytes = d.bytes(what)?;
    if bytes.is_empty() {
        return Ok(Map::new());
    }
    serde_json::from_slice(bytes).map_err(|e| d.corrupt(&format!("{what} that are not a JSON object: {e}")))
}

fn json<T: serde::de::DeserializeOwned>(d: &mut Decoder<'_>, what: &str) -> Result<T> {
    let bytes = d.bytes(what)?;
    serde_json::from_slice(bytes).map_err(|e| d.corrupt(&format!("{what} that is not the JSON written: {e}")))
}

/// Writes one shard's staged file under a temporary name until [`StagedWriter::finish`].
pub(crate) struct StagedWriter {
    out: BufWriter<super::TmpFile>,
    tmp: PathBuf,
    path: PathBuf,
    ended: bool,
}

impl StagedWriter {
    /// Starts `path` with its header frame.
    pub(crate) fn create(path: &Path, codec: WorkCompression) -> Result<StagedWriter> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(Error::io("creating", dir))?;
        }
        let (file, tmp) = super::create_tmp(path)?;
        let mut w = StagedWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            tmp,
            path: path.to_owned(),
            ended: false,
        };
        let header = super::frame::encode(codec, HEADER).map_err(Error::io("writing the header of", path))?;
        w.append(&header)?;
        Ok(w)
    }

    /// Appends a frame of [`batch_frame`]; `end` says it is the [`end_frame`].
    pub(crate) fn append_frame(&mut self, frame: &[u8], end: bool) -> Result<()> {
        self.ended |= end;
        self.append(frame)
    }

    fn append(&mut self, frame: &[u8]) -> Result<()> {
        self.out.write_all(frame).map_err(Error::io("writing", &self.tmp))
    }

    /// Drops the file unwritten.
    pub(crate) fn abort(self) -> Result<()> {
        drop(self.out);
        super::discard(&self.tmp)
    }

    /// Puts the file in place; it must hold the shard's end.
    pub(crate) fn finish(self) -> Result<()> {
        if !self.ended {
            return Err(Error::Corrupt {
                path: self.path,
                message: "internal: the shard's end was never staged".into(),
            });
        }
        self.out
            .into_inner()
            .map_err(|e| Error::io("writing", &self.tmp)(e.into_error()))?
            .commit_behind(&self.path)
    }
}

/// Streams the frames of one staged file; they are decoded by [`decode`] (on the workers).
pub(crate) struct StagedReader {
    frames: FrameReader<std::io::BufReader<File>>,
    path: PathBuf,
}

impl StagedReader {
    /// Opens the file at `path`; `None` when there is none.
    pub(crate) fn open(path: &Path) -> Result<Option<StagedReader>> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("opening", path)(e)),
        };
        let mut r = StagedReader {
            frames: FrameReader::new(std::io::BufReader::with_capacity(1 << 16, file)),
            path: path.to_owned(),
        };
        let mut head = Vec::new();
        if !r.next_into(&mut head)? || head != HEADER {
            return Err(r.corrupt("the file does not start with the staged header of this work format"));
        }
        Ok(Some(r))
    }

    /// The path, for the errors of [`decode`].
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The next frame; `None` at the end of the file (which must be after the shard's end frame: the
    /// scan checks that it decoded one).
    pub(crate) fn next_frame(&mut self) -> Result<Option<Vec<u8>>> {
        let mut frame = Vec::new();
        Ok(self.next_into(&mut frame)?.then_some(frame))
    }

    fn next_into(&mut self, frame: &mut Vec<u8>) -> Result<bool> {
        self.frames.next_into(frame).map_err(|e| match e {
            FrameError::Corrupt(what) => self.corrupt(&what),
            FrameError::Io(e) => Error::io("reading", &self.path)(e),
        })
    }

    fn corrupt(&self, what: &str) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            message: what.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::MALFORMED_JSON;

    fn records() -> Vec<Record> {
        let file: Arc<Path> = Arc::from(Path::new("in/أخبار.jsonl"));
        let mut doc = Document::new(
            "a1",
            "قال الوزير\nسطر ثان",
            Ordinal::new(3, 7),
            Origin {
                file: file.clone(),
                line: 8,
            },
        );
        doc.meta
            .insert("source".into(), RawValue::from_string("\"sabq\"".into()).expect("json"));
        doc.meta
            .insert("n".into(), RawValue::from_string("1.50e3".into()).expect("json"));
        doc.annotations
            .insert("charset".into(), serde_json::json!({"from": "windows-1256"}));
        let plain = Document::new("a2", "", Ordinal::new(3, 9), Origin { file, line: 10 });
        let mut removal = Removal::new(MALFORMED_JSON).with("line", 9);
        removal.raw = Some(vec![0xff, 0x00]);
        removal.similarity = Some(0.1 + 0.2);
        let bad = BadRecord {
            id: "in/x.jsonl:9".into(),
            removal,
            text: "{\"id\":".into(),
            ordinal: Ordinal::new(3, 8),
        };
        vec![Ok(doc), Err(Box::new(bad)), Ok(plain)]
    }

    fn write(path: &Path, codec: WorkCompression) -> Vec<Record> {
        let recs = records();
        let mut w = StagedWriter::create(path, codec).expect("create");
        w.append_frame(&batch_frame(codec, (100, 40), &recs).expect("frame"), false)
            .expect("append");
        let end = ShardEnd {
            records: 3,
            raw_bytes: 100,
            problem: Some(crate::read::InputProblem {
                file: "in/x.jsonl".into(),
                message: "gzip: cut at byte 90".into(),
            }),
            other_records: [("request".to_owned(), 2u64)].into_iter().collect(),
        };
        w.append_frame(&end_frame(codec, &end).expect("end"), true)
            .expect("append");
        w.finish().expect("finish");
        recs
    }

    fn read_all(path: &Path) -> Result<Vec<Staged>> {
        let mut r = StagedReader::open(path)?.expect("a file");
        let mut out = Vec::new();
        while let Some(frame) = r.next_frame()? {
            out.push(decode(&frame, r.path())?);
        }
        Ok(out)
    }

    fn same(a: &Record, b: &Record) -> bool {
        match (a, b) {
            (Ok(a), Ok(b)) => {
                (&a.id, &a.text, &a.meta, &a.annotations, a.ordinal, &a.origin)
                    == (&b.id, &b.text, &b.meta, &b.annotations, b.ordinal, &b.origin)
            }
            (Err(a), Err(b)) => (&a.id, &a.text, &a.removal, a.ordinal) == (&b.id, &b.text, &b.removal, b.ordinal),
            _ => false,
        }
    }

    #[test]
    fn records_round_trip_and_damage_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("staged/00003.docs");
        for codec in [WorkCompression::None, WorkCompression::Zstd] {
            let written = write(&path, codec);
            let frames = read_all(&path).expect("read");
            let [Staged::Batch(b), Staged::End(end)] = frames.as_slice() else {
                panic!("a batch then the end");
            };
            assert_eq!((b.raw_bytes, b.consumed), (100, 40));
            assert_eq!(b.records.len(), written.len());
            for (got, want) in b.records.iter().zip(&written) {
                assert!(same(got, want), "{:?} ≠ {:?}", got.as_ref().err(), want.as_ref().err());
            }
            assert_eq!((end.records, end.other_records.get("request")), (3, Some(&2)));
            assert_eq!(
                end.problem.as_ref().map(|p| p.message.as_str()),
                Some("gzip: cut at byte 90")
            );
        }
        let good = std::fs::read(&path).expect("read");
        for cut in (0..good.len()).step_by(7) {
            std::fs::write(&path, &good[..cut]).expect("write");
            // A file cut at a frame boundary reads as fewer frames: the scan then misses the end frame.
            let whole = matches!(read_all(&path).as_deref(), Ok([Staged::Batch(_), Staged::End(_)]));
            assert!(!whole, "cut at {cut} read as the whole file");
        }
        for at in (0..good.len()).step_by(5) {
            let mut bad = good.clone();
            bad[at] ^= 0x04;
            std::fs::write(&path, &bad).expect("write");
            let err = read_all(&path)
                .err()
                .unwrap_or_else(|| panic!("a flip at byte {at} went unnoticed"));
            assert!(err.to_string().contains("00003.docs"), "{err}");
        }
        std::fs::remove_file(&path).expect("rm");
        assert!(
            StagedReader::open(&path).expect("no error").is_none(),
            "no file: read the input"
        );
    }
}
