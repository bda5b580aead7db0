//! The per-shard sketch file of near-dup dedup: for every survivor with words, what verification needs — id,
//! keep-rule rank, LSH bands and shingles (or the signature under `verify = "estimate"`). The scan appends
//! records in input order (`work/near/S.sketch`) and writes an index (`S.sketch.idx`) so the `near` step
//! reads only the documents that are candidates. Both files exist for every shard once near dedup is on.
//!
//! Data: header (`GHRBLWK\0`, `SKCH`, version u32), then records `seq u32 | id bytes | rank bytes | bands
//! u32 + u64×n | payload u32 + u64×n`. Index: the same header (`SKIX`), then per record `(seq u32, offset
//! u64, xxh3 u64 of the record)`, then the end `(u32::MAX, end offset, 0)`. A record is verified against its
//! checksum and its own sequence number when read; a candidate whose record is not in the index is an error
//! (every document with band records has a sketch).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::codec::{checksum, corrupt_at, Decoder, Put};
use crate::dedup::near::Sketch;
use crate::{Error, Result};

const HEAD: &[u8; 8] = b"GHRBLWK\0";
const HEADER_LEN: u64 = 16;
const ENTRY_LEN: usize = 20;
/// Bytes of one index entry (for estimates of a shard's record count from the index's size).
pub(crate) const INDEX_ENTRY: u64 = ENTRY_LEN as u64;

/// The tags and version of a sketch file's two headers: the work folder's, or the news archive's (whose
/// document files share this format but not the work format's version).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Format {
    data: &'static [u8; 4],
    index: &'static [u8; 4],
    version: u32,
}

impl Format {
    /// `work/near/S.sketch`.
    pub(crate) const WORK: Format = Format {
        data: b"SKCH",
        index: b"SKIX",
        version: super::VERSION,
    };
    /// `ARCHIVE/batches/N/docs.sketch`.
    pub(crate) const ARCHIVE: Format = Format {
        data: b"ADOC",
        index: b"ADIX",
        version: crate::archive::FORMAT,
    };
}

fn header(tag: &[u8; 4], version: u32) -> Vec<u8> {
    let mut h = HEAD.to_vec();
    h.extend_from_slice(tag);
    h.put_u32(version);
    h
}

/// One document's sketch as stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SketchRecord {
    /// Sequence number in the shard.
    pub seq: u32,
    /// Document id.
    pub id: String,
    /// Keep-rule rank.
    pub rank: Vec<u8>,
    /// Bands (shingles or signature are the payload, returned beside it).
    pub sketch: Sketch,
}

/// Appends one record to `buf`; `payload` is the shingles (or the signature).
pub(crate) fn encode(buf: &mut Vec<u8>, seq: u32, id: &str, rank: &[u8], bands: &[u64], payload: &[u64]) {
    buf.put_u32(seq);
    buf.put_bytes(id.as_bytes());
    buf.put_bytes(rank);
    for list in [bands, payload] {
        buf.put_u32(list.len() as u32);
        for v in list {
            buf.put_u64(*v);
        }
    }
}

fn decode(d: &mut Decoder<'_>) -> Result<(SketchRecord, Vec<u64>)> {
    let seq = d.u32("a sketch's sequence number")?;
    let id = d.str("a sketch's id")?.to_owned();
    let rank = d.bytes("a sketch's rank")?.to_vec();
    let mut lists: [Vec<u64>; 2] = Default::default();
    for list in &mut lists {
        let n = d.u32("a sketch list's length")?;
        *list = d.u64s(n as usize, "a sketch list")?;
    }
    if !d.is_empty() {
        return Err(d.corrupt("bytes after the end of a sketch record"));
    }
    let [bands, payload] = lists;
    let sketch = Sketch {
        bands,
        ..Sketch::default()
    };
    Ok((SketchRecord { seq, id, rank, sketch }, payload))
}

/// Writes one shard's sketch file and its index, under temporary names until [`SketchWriter::finish`].
pub(crate) struct SketchWriter {
    data: BufWriter<super::TmpFile>,
    tmp: PathBuf,
    path: PathBuf,
    index: Vec<u8>,
    offset: u64,
}

impl SketchWriter {
    /// Starts `path` (and `path.idx`).
    pub(crate) fn create(path: &Path) -> Result<SketchWriter> {
        SketchWriter::create_as(path, Format::WORK)
    }

    /// Starts `path` (and `path.idx`) in `format`.
    pub(crate) fn create_as(path: &Path, format: Format) -> Result<SketchWriter> {
        let (file, tmp) = super::create_tmp(path)?;
        let mut data = BufWriter::with_capacity(1 << 20, file);
        data.write_all(&header(format.data, format.version))
            .map_err(Error::io("writing", &tmp))?;
        Ok(SketchWriter {
            data,
            tmp,
            path: path.to_owned(),
            index: header(format.index, format.version),
            offset: HEADER_LEN,
        })
    }

    /// Appends encoded records; `lens` gives (seq, byte length) of each, in order.
    pub(crate) fn append(&mut self, records: &[u8], lens: &[(u32, u32)]) -> Result<()> {
        self.data.write_all(records).map_err(Error::io("writing", &self.tmp))?;
        let mut at = 0usize;
        for (seq, len) in lens {
            let record = &records[at..at + *len as usize];
            self.index.put_u32(*seq);
            self.index.put_u64(self.offset);
            self.index.put_u64(checksum(record));
            self.offset += u64::from(*len);
            at += *len as usize;
        }
        Ok(())
    }

    /// Drops the files unwritten.
    pub(crate) fn abort(self) -> Result<()> {
        drop(self.data);
        super::discard(&self.tmp)
    }

    /// Starts what is written on its way to disk, before [`SketchWriter::finish`]
    /// ([`super::TmpFile::sync_behind`]).
    pub(crate) fn sync_soon(&mut self) -> Result<()> {
        super::sync_soon(&mut self.data)
    }

    /// Writes the index and puts both files in place (the index last: it says the data is whole).
    pub(crate) fn finish(mut self) -> Result<()> {
        let data = self
            .data
            .into_inner()
            .map_err(|e| Error::io("writing", &self.tmp)(e.into_error()))?;
        self.index.put_u32(u32::MAX);
        self.index.put_u64(self.offset);
        self.index.put_u64(0);
        data.commit_behind(&self.path)?;
        super::write_behind(&index_path(&self.path), &self.index)
    }
}

/// The index file of a sketch file.
pub(crate) fn index_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".idx");
    PathBuf::from(p)
}

/// Reads records of one shard by sequence number. The index is streamed, not held: a read of n sorted
/// sequence numbers walks the index file once, so memory does not grow with the shard.
pub(crate) struct SketchReader {
    file: File,
    len: u64,
    path: PathBuf,
    index: PathBuf,
    cursor: Option<IndexCursor>,
}

/// A place in a sketch index: the reader and the entry it is at — (seq, offset, checksum, byte of the entry).
struct IndexCursor {
    reader: BufReader<File>,
    pos: u64,
    current: (u32, u64, u64, u64),
}

impl IndexCursor {
    /// At the index's first entry.
    fn open(index: &Path) -> Result<IndexCursor> {
        let mut reader = BufReader::with_capacity(1 << 16, File::open(index).map_err(Error::io("opening", index))?);
        reader
            .seek(SeekFrom::Start(HEADER_LEN))
            .map_err(Error::io("seeking in", index))?;
        let mut c = IndexCursor {
            reader,
            pos: HEADER_LEN,
            current: (0, 0, 0, 0),
        };
        c.advance(index)?;
        Ok(c)
    }

    /// Moves to the next entry.
    fn advance(&mut self, index: &Path) -> Result<()> {
        let at = self.pos;
        let mut entry = [0u8; ENTRY_LEN];
        self.reader.read_exact(&mut entry).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => corrupt_at(index, at, "the index ends early"),
            _ => Error::io("reading", index)(e),
        })?;
        let mut d = Decoder::new(&entry, index, at);
        self.pos += ENTRY_LEN as u64;
        self.current = (d.u32("seq")?, d.u64("offset")?, d.u64("checksum")?, at);
        Ok(())
    }
}

impl SketchReader {
    /// Opens a shard's sketch file (both files must be there, with this format's headers).
    pub(crate) fn open(path: &Path) -> Result<SketchReader> {
        SketchReader::open_as(path, Format::WORK)
    }

    /// Opens a sketch file of `format`.
    pub(crate) fn open_as(path: &Path, format: Format) -> Result<SketchReader> {
        let mut file = File::open(path).map_err(Error::io("opening", path))?;
        let len = file.metadata().map_err(Error::io("reading metadata of", path))?.len();
        check_header(&mut file, path, format.data, format.version)?;
        let index = index_path(path);
        check_header(
            &mut File::open(&index).map_err(Error::io("opening", &index))?,
            &index,
            format.index,
            format.version,
        )?;
        Ok(SketchReader {
            file,
            len,
            path: path.to_owned(),
            index,
            cursor: None,
        })
    }

    /// The records of `seqs` (sorted, distinct), each with its payload (shingles or signature). The walk
    /// through the index goes on from where the last call stopped when `seqs` start at or after it (a shard
    /// read a chunk at a time costs one pass over its index), else it starts again from the top.
    pub(crate) fn read(&mut self, seqs: &[u32]) -> Result<Vec<(SketchRecord, Vec<u64>)>> {
        let mut cursor = match self.cursor.take() {
            Some(c) if seqs.first().is_none_or(|s| c.current.0 <= *s) => c,
            _ => IndexCursor::open(&self.index)?,
        };
        let mut out = Vec::with_capacity(seqs.len());
        let mut buf = Vec::new();
        for &seq in seqs {
            while cursor.current.0 < seq {
                cursor.advance(&self.index)?;
            }
            let current = cursor.current;
            if current.0 != seq || seq == u32::MAX {
                return Err(corrupt_at(
                    &self.index,
                    current.3,
                    &format!("no sketch for sequence number {seq}, which has band records"),
                ));
            }
            cursor.advance(&self.index)?;
            let following = cursor.current;
            out.push(self.record(seq, (current.1, following.1, current.2), following.3, &mut buf)?);
        }
        self.cursor = Some(cursor);
        Ok(out)
    }

    /// The record of `seq` at bytes `start..end` with checksum `sum` (its index entry at byte `at`), checked.
    fn record(
        &mut self,
        seq: u32,
        (start, end, sum): (u64, u64, u64),
        at: u64,
        buf: &mut Vec<u8>,
    ) -> Result<(SketchRecord, Vec<u64>)> {
        // Checked before allocating: a damaged offset must not ask for terabytes.
        let len = end
            .checked_sub(start)
            .filter(|_| end <= self.len)
            .ok_or_else(|| corrupt_at(&self.index, at, "a record's offsets fall outside the data file"))?;
        buf.resize(len as usize, 0);
        read_at(&mut self.file, start, buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => corrupt_at(&self.path, start, "the file ends early"),
            _ => Error::io("reading", &self.path)(e),
        })?;
        if checksum(buf) != sum {
            return Err(corrupt_at(&self.path, start, "a record does not match its checksum"));
        }
        let record = decode(&mut Decoder::new(buf, &self.path, start))?;
        if record.0.seq != seq {
            return Err(corrupt_at(&self.path, start, "a record of another sequence number"));
        }
        Ok(record)
    }

    /// The records of `seqs` (any order) from a file whose sequence numbers are dense, 0..n (an archive
    /// batch's documents): each index entry is found by position, one `pread` for it and one for the
    /// record, so a lookup never walks the index.
    pub(crate) fn read_dense(&mut self, seqs: &[u32]) -> Result<Vec<(SketchRecord, Vec<u64>)>> {
        let mut out = Vec::with_capacity(seqs.len());
        let mut entries = [0u8; 2 * ENTRY_LEN];
        let mut buf = Vec::new();
        let index = File::open(&self.index).map_err(Error::io("opening", &self.index))?;
        for &seq in seqs {
            let at = HEADER_LEN + u64::from(seq) * ENTRY_LEN as u64;
            read_at_ref(&index, at, &mut entries).map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => corrupt_at(&self.index, at, &format!("no document {seq}")),
                _ => Error::io("reading", &self.index)(e),
            })?;
            let mut d = Decoder::new(&entries, &self.index, at);
            let (s, start, sum) = (d.u32("seq")?, d.u64("offset")?, d.u64("checksum")?);
            let (_, end) = (d.u32("seq")?, d.u64("offset")?);
            if s != seq {
                return Err(corrupt_at(&self.index, at, "an entry of another sequence number"));
            }
            out.push(self.record(seq, (start, end, sum), at, &mut buf)?);
        }
        Ok(out)
    }
}

#[cfg(unix)]
pub(crate) fn read_at_ref(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
pub(crate) fn read_at_ref(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// Reads `buf.len()` bytes at `offset`: one `pread` where there is one (a candidate's sketch is one system
/// call, not a seek and a read).
#[cfg(unix)]
fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

fn check_header(file: &mut File, path: &Path, tag: &[u8; 4], version: u32) -> Result<()> {
    let mut head = [0u8; HEADER_LEN as usize];
    file.read_exact(&mut head)
        .map_err(|_| corrupt_at(path, 0, "the file is shorter than its header"))?;
    if head[..] != header(tag, version)[..] {
        return Err(corrupt_at(
            path,
            0,
            &format!("not a {} file of format {}", String::from_utf8_lossy(tag), version),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path) {
        let mut w = SketchWriter::create(path).expect("create");
        let mut buf = Vec::new();
        let mut lens = Vec::new();
        for seq in [0u32, 3, 7] {
            let before = buf.len();
            encode(
                &mut buf,
                seq,
                &format!("خبر-{seq}"),
                &[seq as u8],
                &[1, 2],
                &[u64::from(seq); 3],
            );
            lens.push((seq, (buf.len() - before) as u32));
        }
        w.append(&buf, &lens).expect("append");
        w.finish().expect("finish");
    }

    #[test]
    fn records_round_trip_by_sequence_number() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("00000.sketch");
        write(&path);
        let mut r = SketchReader::open(&path).expect("open");
        let got = r.read(&[3, 7]).expect("read");
        assert_eq!(got[0].0.id, "خبر-3");
        assert_eq!(got[0].0.rank, vec![3]);
        assert_eq!(got[0].0.sketch.bands, vec![1, 2]);
        assert_eq!(got[1].1, vec![7, 7, 7]);
        assert!(r.read(&[5]).is_err(), "a candidate without a sketch");
        assert!(SketchReader::open(&dir.path().join("none")).is_err());
    }

    #[test]
    fn a_flipped_or_cut_byte_in_either_file_is_an_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("00000.sketch");
        write(&path);
        for file in [path.clone(), index_path(&path)] {
            let good = std::fs::read(&file).expect("read");
            let read = || SketchReader::open(&path).and_then(|mut r| r.read(&[0, 3, 7]));
            let expected = read().expect("intact");
            for at in 0..good.len() {
                let mut bad = good.clone();
                bad[at] ^= 0x10;
                std::fs::write(&file, &bad).expect("write");
                // Either an error, or (a flip in a field the read does not depend on) the same records.
                if let Ok(got) = read() {
                    assert_eq!(
                        got,
                        expected,
                        "{}: a flip at byte {at} changed a record",
                        file.display()
                    );
                }
            }
            // Cut inside what the read needs (the index's end entry is not needed to read record 7's start,
            // but its offset is: every cut of either file fails).
            for cut in 0..good.len() {
                std::fs::write(&file, &good[..cut]).expect("write");
                assert!(read().is_err(), "{}: cut at {cut} went unnoticed", file.display());
            }
            std::fs::write(&file, &good).expect("restore");
        }
    }
}
