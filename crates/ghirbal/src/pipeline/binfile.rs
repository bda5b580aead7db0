//! The small binary files under `OUT/work/` (dedup keys by partition, decisions by shard): a sequence of
//! sections followed by an index, so a task reads only the section it needs. Little-endian throughout.
//!
//! Layout: `section bytes…` then `(id u32, offset u64, len u64) × n`, `n u32`, magic `GHRBL001`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

const MAGIC: &[u8; 8] = b"GHRBL001";

/// Writes a sectioned file section by section (streaming), under a temporary name until [`finish`].
///
/// [`finish`]: SectionWriter::finish
pub(crate) struct SectionWriter {
    out: BufWriter<File>,
    tmp: PathBuf,
    path: PathBuf,
    pos: u64,
    start: Option<(u32, u64)>,
    index: Vec<(u32, u64, u64)>,
}

impl SectionWriter {
    /// Starts writing `path`.
    pub(crate) fn create(path: &Path) -> Result<SectionWriter> {
        let (file, tmp) = crate::work::create_tmp(path)?;
        let out = BufWriter::with_capacity(1 << 20, file);
        Ok(SectionWriter {
            out,
            tmp,
            path: path.to_owned(),
            pos: 0,
            start: None,
            index: Vec::new(),
        })
    }

    /// Adds section `id` in one piece (empty sections are omitted).
    pub(crate) fn section(&mut self, id: u32, bytes: &[u8]) -> Result<()> {
        self.begin(id);
        self.write(bytes)?;
        self.end();
        Ok(())
    }

    /// Starts section `id`; follow with [`Self::write`] / [`Self::copy_file`] and [`Self::end`].
    pub(crate) fn begin(&mut self, id: u32) {
        self.start = Some((id, self.pos));
    }

    /// Appends bytes to the open section.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(Error::io("writing", &self.tmp))?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Appends a whole file to the open section.
    pub(crate) fn copy_file(&mut self, path: &Path) -> Result<()> {
        let mut file = File::open(path).map_err(Error::io("opening", path))?;
        let n = std::io::copy(&mut file, &mut self.out).map_err(Error::io("copying", path))?;
        self.pos += n;
        Ok(())
    }

    /// Closes the open section.
    pub(crate) fn end(&mut self) {
        if let Some((id, start)) = self.start.take() {
            if self.pos > start {
                self.index.push((id, start, self.pos - start));
            }
        }
    }

    /// Writes the index and renames the file into place.
    pub(crate) fn finish(mut self) -> Result<()> {
        self.end();
        let mut tail = Vec::with_capacity(self.index.len() * 20 + 12);
        for (id, off, len) in &self.index {
            tail.put_u32(*id);
            tail.put_u64(*off);
            tail.put_u64(*len);
        }
        tail.put_u32(self.index.len() as u32);
        tail.extend_from_slice(MAGIC);
        self.out.write_all(&tail).map_err(Error::io("writing", &self.tmp))?;
        self.out
            .into_inner()
            .map_err(|e| Error::io("writing", &self.tmp)(e.into_error()))?;
        crate::work::commit(&self.tmp, &self.path)
    }
}

/// Reads section `id` of a sectioned file (empty when the file has no such section).
pub(crate) fn read_section(path: &Path, id: u32) -> Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let (mut file, place) = locate(path, id)?;
    let Some((off, len)) = place else {
        return Ok(Vec::new());
    };
    let mut data = vec![0u8; len as usize];
    file.seek(SeekFrom::Start(off)).map_err(Error::io("seeking in", path))?;
    file.read_exact(&mut data).map_err(Error::io("reading", path))?;
    Ok(data)
}

/// The byte length of section `id` (0 when absent), read from the index alone.
pub(crate) fn section_len(path: &Path, id: u32) -> Result<u64> {
    Ok(locate(path, id)?.1.map_or(0, |(_, len)| len))
}

/// Opens a sectioned file and finds section `id` in its index: (offset, length).
fn locate(path: &Path, id: u32) -> Result<(File, Option<(u64, u64)>)> {
    use std::io::{Read, Seek, SeekFrom};
    let corrupt = |message: &str| Error::Corrupt {
        path: path.to_owned(),
        message: message.to_owned(),
    };
    let mut file = File::open(path).map_err(Error::io("opening", path))?;
    let len = file.metadata().map_err(Error::io("reading metadata of", path))?.len();
    if len < 12 {
        return Err(corrupt("too short"));
    }
    let mut tail = [0u8; 12];
    file.seek(SeekFrom::Start(len - 12))
        .map_err(Error::io("seeking in", path))?;
    file.read_exact(&mut tail).map_err(Error::io("reading", path))?;
    if &tail[4..] != MAGIC {
        return Err(corrupt("bad magic (not written by this version)"));
    }
    let n = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    let index_len = n * 20;
    if index_len + 12 > len {
        return Err(corrupt("index runs past the start of the file"));
    }
    let mut index = vec![0u8; index_len as usize];
    file.seek(SeekFrom::Start(len - 12 - index_len))
        .map_err(Error::io("seeking in", path))?;
    file.read_exact(&mut index).map_err(Error::io("reading", path))?;
    for entry in index.chunks_exact(20) {
        let mut cur = Cursor::new(entry);
        let (sid, off, slen) = (cur.u32(), cur.u64(), cur.u64());
        if sid == id {
            if off + slen > len - 12 - index_len {
                return Err(corrupt("section runs past the index"));
            }
            return Ok((file, Some((off, slen))));
        }
    }
    Ok((file, None))
}

/// Appends little-endian values.
pub(crate) trait Put {
    /// Appends a u32.
    fn put_u32(&mut self, v: u32);
    /// Appends a u64.
    fn put_u64(&mut self, v: u64);
    /// Appends a u128.
    fn put_u128(&mut self, v: u128);
    /// Appends length-prefixed bytes.
    fn put_bytes(&mut self, v: &[u8]);
}

impl Put for Vec<u8> {
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn put_u128(&mut self, v: u128) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn put_bytes(&mut self, v: &[u8]) {
        self.put_u32(v.len() as u32);
        self.extend_from_slice(v);
    }
}

/// Reads little-endian values; reading past the end yields zeros and sets `overrun`.
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// True once a read went past the end (the data is corrupt).
    pub(crate) overrun: bool,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Cursor<'a> {
        Cursor {
            data,
            pos: 0,
            overrun: false,
        }
    }
    fn take(&mut self, n: usize) -> &'a [u8] {
        match self.data.get(self.pos..self.pos + n) {
            Some(s) => {
                self.pos += n;
                s
            }
            None => {
                self.overrun = true;
                self.pos = self.data.len();
                &[]
            }
        }
    }
    fn fixed<const N: usize>(&mut self) -> [u8; N] {
        self.take(N).try_into().unwrap_or([0; N])
    }
    pub(crate) fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.fixed())
    }
    pub(crate) fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.fixed())
    }
    pub(crate) fn u128(&mut self) -> u128 {
        u128::from_le_bytes(self.fixed())
    }
    pub(crate) fn bytes(&mut self) -> &'a [u8] {
        let n = self.u32() as usize;
        self.take(n)
    }
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_round_trip_and_corruption_is_reported() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("k.bin");
        let mut w = SectionWriter::create(&path).expect("create");
        let mut a = Vec::new();
        a.put_u128(u128::MAX - 5);
        a.put_bytes("هاش".as_bytes());
        w.section(3, &a).expect("section");
        w.section(4, &[]).expect("section");
        let part = dir.path().join("part");
        std::fs::write(&part, b"yz").expect("write");
        w.begin(9);
        w.write(b"x").expect("write");
        w.copy_file(&part).expect("copy");
        w.end();
        w.finish().expect("finish");
        let s = read_section(&path, 3).expect("read");
        let mut cur = Cursor::new(&s);
        assert_eq!(cur.u128(), u128::MAX - 5);
        assert_eq!(cur.bytes(), "هاش".as_bytes());
        assert!(cur.at_end() && !cur.overrun);
        assert_eq!(read_section(&path, 9).expect("read"), b"xyz");
        assert_eq!(section_len(&path, 9).expect("len"), 3);
        assert_eq!(section_len(&path, 4).expect("len"), 0);
        assert!(read_section(&path, 4).expect("read").is_empty());
        std::fs::write(&path, b"garbage that is long enough").expect("write");
        assert!(matches!(read_section(&path, 3), Err(Error::Corrupt { .. })));
    }
}
