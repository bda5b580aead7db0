//! The per-shard sketch file of near-dup dedup: for every survivor with words, what verification and
//! `ghirbal explain` need — id, keep-rule rank, LSH bands and shingles (or the signature under
//! `verify = "estimate"`). The scan phase appends records in input order (`work/near/S.sketch`) and writes an
//! index of offsets (`S.sketch.idx`) so the cluster phase reads only the documents that are candidates.
//!
//! Record: `seq u32 | id bytes | rank bytes | bands u32 + u64×n | payload u32 + u64×n`; index: `(seq u32,
//! offset u64)` per record, then the end offset as `(u32::MAX, len)`.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::binfile::{Cursor, Put};
use crate::dedup::near::Sketch;
use crate::{Error, Result};

/// One document's sketch as stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SketchRecord {
    /// Sequence number in the shard.
    pub seq: u32,
    /// Document id.
    pub id: String,
    /// Keep-rule rank.
    pub rank: Vec<u8>,
    /// Bands and shingles (the signature is recomputed when needed).
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

fn decode(data: &[u8]) -> Option<(SketchRecord, Vec<u64>)> {
    let mut cur = Cursor::new(data);
    let seq = cur.u32();
    let id = String::from_utf8_lossy(cur.bytes()).into_owned();
    let rank = cur.bytes().to_vec();
    let mut lists: [Vec<u64>; 2] = Default::default();
    for list in &mut lists {
        let n = cur.u32() as usize;
        if n > data.len() / 8 {
            return None;
        }
        *list = (0..n).map(|_| cur.u64()).collect();
    }
    let [bands, payload] = lists;
    let record = SketchRecord {
        seq,
        id,
        rank,
        sketch: Sketch {
            bands,
            ..Sketch::default()
        },
    };
    (!cur.overrun && cur.at_end()).then_some((record, payload))
}

/// Writes one shard's sketch file and its index, under temporary names until [`SketchWriter::finish`].
pub(crate) struct SketchWriter {
    data: BufWriter<File>,
    path: PathBuf,
    index: Vec<u8>,
    offset: u64,
}

impl SketchWriter {
    /// Starts `path` (and `path.idx`).
    pub(crate) fn create(path: &Path) -> Result<SketchWriter> {
        let (file, _) = crate::work::create_tmp(path)?;
        Ok(SketchWriter {
            data: BufWriter::with_capacity(1 << 20, file),
            path: path.to_owned(),
            index: Vec::new(),
            offset: 0,
        })
    }

    /// Appends encoded records; `lens` gives (seq, byte length) of each, in order.
    pub(crate) fn append(&mut self, records: &[u8], lens: &[(u32, u32)]) -> Result<()> {
        self.data
            .write_all(records)
            .map_err(Error::io("writing", crate::work::tmp_path(&self.path)))?;
        for (seq, len) in lens {
            self.index.put_u32(*seq);
            self.index.put_u64(self.offset);
            self.offset += u64::from(*len);
        }
        Ok(())
    }

    /// Writes the index and renames both files into place.
    pub(crate) fn finish(mut self) -> Result<()> {
        let tmp = crate::work::tmp_path(&self.path);
        self.data
            .into_inner()
            .map_err(|e| Error::io("writing", &tmp)(e.into_error()))?;
        self.index.put_u32(u32::MAX);
        self.index.put_u64(self.offset);
        crate::work::write_atomic(&index_path(&self.path), &self.index)?;
        crate::work::commit(&tmp, &self.path)
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
    path: PathBuf,
    index: PathBuf,
}

impl SketchReader {
    /// Opens a shard's sketch file; `None` when the shard wrote none (no survivor had words).
    pub(crate) fn open(path: &Path) -> Result<Option<SketchReader>> {
        let index = index_path(path);
        if !index.exists() {
            return Ok(None);
        }
        let file = File::open(path).map_err(Error::io("opening", path))?;
        Ok(Some(SketchReader {
            file,
            path: path.to_owned(),
            index,
        }))
    }

    /// Reads the records of `seqs` (sorted, distinct); a seq without a record is skipped. Returns each record
    /// with its payload (shingles or signature).
    pub(crate) fn read(&mut self, seqs: &[u32]) -> Result<Vec<(SketchRecord, Vec<u64>)>> {
        let idx = File::open(&self.index).map_err(Error::io("opening", &self.index))?;
        let mut idx = std::io::BufReader::with_capacity(1 << 16, idx);
        let mut entry = [0u8; 12];
        let mut next_entry = |idx: &mut std::io::BufReader<File>| -> Result<(u32, u64)> {
            idx.read_exact(&mut entry).map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => Error::Corrupt {
                    path: self.index.clone(),
                    message: "truncated index".into(),
                },
                _ => Error::io("reading", &self.index)(e),
            })?;
            let mut cur = Cursor::new(&entry);
            Ok((cur.u32(), cur.u64()))
        };
        let mut out = Vec::with_capacity(seqs.len());
        let mut buf = Vec::new();
        let mut current = next_entry(&mut idx)?;
        for &seq in seqs {
            while current.0 < seq {
                current = next_entry(&mut idx)?;
            }
            if current.0 != seq || seq == u32::MAX {
                continue;
            }
            let following = next_entry(&mut idx)?;
            let (start, end) = (current.1, following.1);
            current = following;
            buf.resize((end - start) as usize, 0);
            self.file
                .seek(SeekFrom::Start(start))
                .map_err(Error::io("seeking in", &self.path))?;
            self.file
                .read_exact(&mut buf)
                .map_err(Error::io("reading", &self.path))?;
            out.push(decode(&buf).ok_or_else(|| Error::Corrupt {
                path: self.path.clone(),
                message: format!("record {seq} does not decode"),
            })?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_by_sequence_number() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("00000.sketch");
        let mut w = SketchWriter::create(&path).expect("create");
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
        let mut r = SketchReader::open(&path).expect("open").expect("exists");
        let got = r.read(&[3, 5, 7]).expect("read");
        assert_eq!(got.len(), 2, "5 has no record");
        assert_eq!(got[0].0.id, "خبر-3");
        assert_eq!(got[0].0.rank, vec![3]);
        assert_eq!(got[0].0.sketch.bands, vec![1, 2]);
        assert_eq!(got[1].1, vec![7, 7, 7]);
        assert!(SketchReader::open(&dir.path().join("none")).expect("absent").is_none());
    }
}
