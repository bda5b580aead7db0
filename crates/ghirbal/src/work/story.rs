//! The story step's two files per shard, both checksummed frames ([`super::frame`]) of records:
//!
//! ```text
//! work/story/S.terms    (scan)   seq u32 | id | source | day: u8 flag + i32 | splice u8 | n u32 | (term u32, weight f32)×n
//! work/story/S.links    (story)  seq u32 | splice u8 | fields
//! ```
//! A links record's `fields` are the JSON members `write` adds to `meta.ghirbal`, ready to copy
//! ([`LinksRecord::new`]): `write` splices them into most lines as they are, without a string or a number
//! to format per document.
//! Each file opens with a header frame (`GHRBLWK\0`, its tag, [`super::VERSION`]) and ends with a frame
//! holding its record count, so a file cut at a frame boundary is an error too, not fewer documents.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::codec::{Decoder, Put};
use super::frame::{self, FrameError, FrameReader};
use crate::story::terms::Term;
use crate::{Error, Result, WorkCompression};

const TERMS: &[u8; 4] = b"STRM";
const LINKS: &[u8; 4] = b"SLNK";

fn header(tag: &[u8; 4]) -> Vec<u8> {
    let mut h = b"GHRBLWK\0".to_vec();
    h.extend_from_slice(tag);
    h.put_u32(super::VERSION);
    h
}

/// One survivor's story terms.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TermsRecord {
    pub seq: u32,
    pub id: String,
    pub source: String,
    pub day: Option<i32>,
    /// How `write` may add the story's fields to the document's scan line without parsing it ([`Splice`]).
    pub splice: u8,
    pub terms: Vec<Term>,
}

/// Where a scan line's JSON (`{"id":…,"text":…,"meta":{…}}`) takes new `meta.ghirbal` fields, by the shape
/// the scan wrote it in.
pub(crate) mod splice {
    /// The line must be parsed (its input metadata has a `ghirbal` field of its own).
    pub(crate) const PARSE: u8 = 0;
    /// Before the `ghirbal` object's closing brace: the line ends `…}}}`.
    pub(crate) const INTO_ANNOTATIONS: u8 = 1;
    /// A new `,"ghirbal":{…}` before `meta`'s closing brace: the line ends `…}}`.
    pub(crate) const AFTER_META: u8 = 2;
    /// A new `"ghirbal":{…}` in an empty `meta`: the line ends `{}}`.
    pub(crate) const EMPTY_META: u8 = 3;
}

/// One kept document's links.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LinksRecord {
    pub seq: u32,
    /// The terms record's [`TermsRecord::splice`].
    pub splice: u8,
    /// `"story_id":…,"story_size":…,"story_sources":…,"related":[{"id":…,"similarity":…},…]`, as serde_json
    /// writes the same values.
    pub fields: Vec<u8>,
}

impl LinksRecord {
    /// The links of document `seq`: its story's first document, size and distinct sources, and its related
    /// documents (id, cosine) strongest first.
    #[cfg(test)]
    pub(crate) fn new<'a>(
        seq: u32,
        splice: u8,
        story_id: &str,
        (size, sources): (u32, u32),
        related: impl IntoIterator<Item = (&'a str, f32)>,
    ) -> LinksRecord {
        let mut fields = Vec::new();
        put_fields(&mut fields, story_id, (size, sources), related);
        LinksRecord { seq, splice, fields }
    }

    /// The fields as a JSON object's members (the parse path of `write`).
    pub(crate) fn members(&self) -> serde_json::Result<serde_json::Map<String, serde_json::Value>> {
        let mut object = Vec::with_capacity(self.fields.len() + 2);
        object.push(b'{');
        object.extend_from_slice(&self.fields);
        object.push(b'}');
        serde_json::from_slice(&object)
    }
}

/// Appends the JSON members of [`LinksRecord::fields`].
fn put_fields<'a>(
    out: &mut Vec<u8>,
    story_id: &str,
    (size, sources): (u32, u32),
    related: impl IntoIterator<Item = (&'a str, f32)>,
) {
    use std::io::Write as _;
    out.extend_from_slice(b"\"story_id\":");
    crate::doc::write_json_str(out, story_id);
    // Writing to a Vec cannot fail.
    let _ = write!(out, ",\"story_size\":{size},\"story_sources\":{sources},\"related\":[");
    for (i, (id, sim)) in related.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"id\":");
        crate::doc::write_json_str(out, id);
        out.extend_from_slice(b",\"similarity\":");
        let _ = serde_json::to_writer(&mut *out, &crate::doc::round4(f64::from(sim)));
        out.push(b'}');
    }
    out.push(b']');
}

/// Appends a terms record to a batch.
pub(crate) fn put_terms(buf: &mut Vec<u8>, r: &TermsRecord) {
    buf.put_u32(r.seq);
    buf.put_bytes(r.id.as_bytes());
    buf.put_bytes(r.source.as_bytes());
    match r.day {
        Some(d) => {
            buf.put_u8(1);
            buf.put_u32(d as u32);
        }
        None => buf.put_u8(0),
    }
    buf.put_u8(r.splice);
    buf.put_u32(r.terms.len() as u32);
    put_term_list(buf, &r.terms);
}

/// Bytes of one term as stored: term u32, weight f32, little-endian.
pub(crate) const TERM_BYTES: usize = 8;

/// Appends terms as stored (a terms record's list, the story step's scratch file of vectors).
pub(crate) fn put_term_list(buf: &mut Vec<u8>, terms: &[Term]) {
    for (t, w) in terms {
        buf.put_u32(*t);
        buf.put_u32(w.to_bits());
    }
}

/// Terms as [`put_term_list`] stored them (a trailing part shorter than a term is not read).
pub(crate) fn term_list(raw: &[u8]) -> impl Iterator<Item = Term> + '_ {
    raw.chunks_exact(TERM_BYTES).map(|c| {
        let t = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        (t, f32::from_bits(u32::from_le_bytes([c[4], c[5], c[6], c[7]])))
    })
}

/// Appends a links record to a batch: the record [`LinksRecord::new`] would make, without making it.
pub(crate) fn put_links<'a>(
    buf: &mut Vec<u8>,
    (seq, splice): (u32, u8),
    story_id: &str,
    story: (u32, u32),
    related: impl IntoIterator<Item = (&'a str, f32)>,
) {
    buf.put_u32(seq);
    buf.put_u8(splice);
    // The fields' length, known once they are written.
    let at = buf.len();
    buf.put_u32(0);
    put_fields(buf, story_id, story, related);
    let len = (buf.len() - at - 4) as u32;
    buf[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

/// A terms record as read: borrowed from its batch, nothing allocated per record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TermsView<'a> {
    pub seq: u32,
    pub id: &'a str,
    pub source: &'a str,
    pub day: Option<i32>,
    pub splice: u8,
    /// The terms, 8 bytes each (term, weight bits), little-endian.
    raw: &'a [u8],
}

impl<'a> TermsView<'a> {
    /// The terms and their weights, in the order written.
    pub(crate) fn terms(&self) -> impl Iterator<Item = Term> + 'a {
        term_list(self.raw)
    }

    /// The record, owned.
    #[cfg(test)]
    pub(crate) fn to_record(self) -> TermsRecord {
        TermsRecord {
            seq: self.seq,
            id: self.id.to_owned(),
            source: self.source.to_owned(),
            day: self.day,
            splice: self.splice,
            terms: self.terms().collect(),
        }
    }
}

fn get_terms<'a>(d: &mut Decoder<'a>) -> Result<TermsView<'a>> {
    let seq = d.u32("a terms record's sequence number")?;
    let id = d.str("a terms record's id")?;
    let source = d.str("a terms record's source")?;
    let day = match d.u8("a terms record's date flag")? {
        0 => None,
        1 => Some(d.u32("a terms record's day")? as i32),
        _ => return Err(d.corrupt("a date flag other than 0 or 1")),
    };
    let splice = get_splice(d)?;
    let n = d.u32("a terms record's length")? as usize;
    let len = n
        .checked_mul(TERM_BYTES)
        .ok_or_else(|| d.corrupt(&format!("a terms record's length of {n} overflows")))?;
    let raw = d.raw(len, "a record's terms")?;
    Ok(TermsView {
        seq,
        id,
        source,
        day,
        splice,
        raw,
    })
}

fn get_splice(d: &mut Decoder<'_>) -> Result<u8> {
    match d.u8("a splice kind")? {
        k @ splice::PARSE..=splice::EMPTY_META => Ok(k),
        _ => Err(d.corrupt("a splice kind this version does not have")),
    }
}

fn get_links(d: &mut Decoder<'_>) -> Result<LinksRecord> {
    let seq = d.u32("a links record's sequence number")?;
    let splice = get_splice(d)?;
    let fields = d.bytes("a links record's fields")?.to_vec();
    Ok(LinksRecord { seq, splice, fields })
}

/// Writes one file of records, batch by batch, under a temporary name until [`RecordWriter::finish`].
pub(crate) struct RecordWriter {
    out: BufWriter<super::TmpFile>,
    tmp: PathBuf,
    path: PathBuf,
    records: u64,
}

impl RecordWriter {
    fn create(path: PathBuf, tag: &[u8; 4]) -> Result<RecordWriter> {
        let (file, tmp) = super::create_tmp(&path)?;
        let mut w = RecordWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            tmp,
            path,
            records: 0,
        };
        w.frame(&header(tag))?;
        Ok(w)
    }

    /// Starts a shard's terms file.
    pub(crate) fn terms(path: PathBuf) -> Result<RecordWriter> {
        RecordWriter::create(path, TERMS)
    }

    /// Starts a shard's links file.
    pub(crate) fn links(path: PathBuf) -> Result<RecordWriter> {
        RecordWriter::create(path, LINKS)
    }

    fn frame(&mut self, raw: &[u8]) -> Result<()> {
        let f = frame::encode(WorkCompression::None, raw).map_err(Error::io("framing a batch of", &self.path))?;
        self.out.write_all(&f).map_err(Error::io("writing", &self.tmp))
    }

    /// Appends a batch of `records` records encoded by [`put_terms`] or [`put_links`].
    pub(crate) fn append(&mut self, batch: &[u8], records: u64) -> Result<()> {
        if records == 0 {
            return Ok(());
        }
        self.records += records;
        self.frame(batch)
    }

    /// Drops the file unwritten.
    pub(crate) fn abort(self) -> Result<()> {
        drop(self.out);
        super::discard(&self.tmp)
    }

    /// Starts what is written on its way to disk, before [`RecordWriter::finish`]
    /// ([`super::TmpFile::sync_behind`]).
    pub(crate) fn sync_soon(&mut self) -> Result<()> {
        super::sync_soon(&mut self.out)
    }

    /// Writes the count and puts the file in place.
    pub(crate) fn finish(mut self) -> Result<()> {
        let mut end = b"END\0".to_vec();
        end.put_u64(self.records);
        self.frame(&end)?;
        self.out
            .into_inner()
            .map_err(|e| Error::io("writing", &self.tmp)(e.into_error()))?
            .commit_behind(&self.path)
    }
}

/// Reads every record of a terms file, in order.
pub(crate) fn read_terms(path: &Path, mut each: impl FnMut(TermsView<'_>) -> Result<()>) -> Result<()> {
    read(path, TERMS, |d| each(get_terms(d)?))
}

/// Reads every record of a links file, in order.
pub(crate) fn read_links(path: &Path, mut each: impl FnMut(LinksRecord) -> Result<()>) -> Result<()> {
    read(path, LINKS, |d| each(get_links(d)?))
}

/// Reads the file's batches and hands each record's decoder to `record`, which reads one record.
fn read(path: &Path, tag: &[u8; 4], mut record: impl FnMut(&mut Decoder<'_>) -> Result<()>) -> Result<()> {
    let file = File::open(path).map_err(Error::io("opening", path))?;
    let mut frames = FrameReader::new(BufReader::with_capacity(1 << 20, file));
    let corrupt = |message: String| Error::Corrupt {
        path: path.to_owned(),
        message,
    };
    let mut raw = Vec::new();
    let mut next = |raw: &mut Vec<u8>| match frames.next_into(raw) {
        Ok(more) => Ok(more),
        Err(FrameError::Io(e)) => Err(Error::io("reading", path)(e)),
        Err(FrameError::Corrupt(m)) => Err(corrupt(m)),
    };
    if !next(&mut raw)? || raw != header(tag) {
        return Err(corrupt("not a story file of this version (header)".into()));
    }
    let mut records = 0u64;
    loop {
        if !next(&mut raw)? {
            return Err(corrupt("the file ends before its record count".into()));
        }
        // The count frame is 12 bytes; no record is that short (a terms record is at least 18, a links
        // record 21), so a batch whose first bytes happen to read `END\0` is never taken for it.
        if let Some(count) = raw.strip_prefix(b"END\0").filter(|c| c.len() == 8) {
            let count = <[u8; 8]>::try_from(count).map(u64::from_le_bytes);
            return match count {
                Ok(c) if c == records && !next(&mut raw)? => Ok(()),
                _ => Err(corrupt(format!(
                    "the record count does not match the {records} records read"
                ))),
            };
        }
        let mut d = Decoder::new(&raw, path, 0);
        while !d.is_empty() {
            record(&mut d)?;
            records += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records in batches of two; the first batch opens with the bytes of the count frame's tag (a sequence
    /// number of 0x00444E45 reads `END\0`) and must still read as a batch.
    fn sample() -> Vec<TermsRecord> {
        (0..5)
            .map(|i| TermsRecord {
                seq: if i == 0 { u32::from_le_bytes(*b"END\0") } else { i * 3 },
                id: format!("مقال-{i}"),
                source: "sabq".into(),
                day: (i % 2 == 0).then_some(16000 + i as i32),
                splice: (i % 4) as u8,
                terms: (0..i).map(|t| (t * 7, 0.5 + t as f32)).collect(),
            })
            .collect()
    }

    fn write(path: &Path, records: &[TermsRecord]) {
        let mut w = RecordWriter::terms(path.to_owned()).expect("create");
        for chunk in records.chunks(2) {
            let mut buf = Vec::new();
            chunk.iter().for_each(|r| put_terms(&mut buf, r));
            w.append(&buf, chunk.len() as u64).expect("append");
        }
        w.finish().expect("finish");
    }

    #[test]
    fn records_round_trip_and_damage_is_an_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("0.terms");
        write(&path, &sample());
        let mut got = Vec::new();
        read_terms(&path, |r| {
            got.push(r.to_record());
            Ok(())
        })
        .expect("read");
        assert_eq!(got, sample());
        let good = std::fs::read(&path).expect("bytes");
        for cut in [good.len() - 1, good.len() - 30, 40] {
            std::fs::write(&path, &good[..cut]).expect("cut");
            assert!(read_terms(&path, |_| Ok(())).is_err(), "cut at {cut}");
        }
        assert!(
            read_links(&path, |_| Ok(())).is_err(),
            "a terms file is not a links file"
        );
    }

    #[test]
    fn links_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("0.links");
        let r = LinksRecord::new(4, splice::AFTER_META, "a", (3, 2), [("b", 0.25), ("ج", 0.125)]);
        let mut w = RecordWriter::links(path.clone()).expect("create");
        let mut buf = Vec::new();
        put_links(
            &mut buf,
            (4, splice::AFTER_META),
            "a",
            (3, 2),
            [("b", 0.25), ("ج", 0.125)],
        );
        w.append(&buf, 1).expect("append");
        w.finish().expect("finish");
        let mut got = Vec::new();
        read_links(&path, |x| {
            got.push(x);
            Ok(())
        })
        .expect("read");
        assert_eq!(got, std::slice::from_ref(&r));
        let fields = String::from_utf8(r.fields.clone()).expect("utf-8");
        assert_eq!(
            fields,
            r#""story_id":"a","story_size":3,"story_sources":2,"related":[{"id":"b","similarity":0.25},{"id":"ج","similarity":0.125}]"#
        );
        assert_eq!(r.members().expect("parses")["story_size"], 3);
    }
}
