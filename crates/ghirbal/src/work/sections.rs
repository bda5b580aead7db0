//! The sectioned binary file most work files are: a header naming the file's kind and format version, then
//! sections (a task reads only the one it needs: a partition's keys out of a shard's key file, a shard's
//! decisions out of a partition's), then an index of the sections with a checksum each, then a footer.
//! Little-endian throughout.
//!
//! ```text
//! header  "GHRBLWK\0" | kind [u8; 4] | version u32
//! body    section bytes …
//! index   (id u32, offset u64, len u64, xxh3 u64) × n
//! footer  n u32 | xxh3 of the index u64 | "GHRBLEND"
//! ```
//! A reader checks the header (a file of another kind or version is refused by name), the index's checksum,
//! and the checksum of every section it reads: a truncated, overwritten or bit-flipped file is an error naming
//! it, never different decisions.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use super::codec::{checksum, corrupt_at, Decoder, Put};
use super::VERSION;
use crate::{Error, Result};

const HEAD: &[u8; 8] = b"GHRBLWK\0";
const END: &[u8; 8] = b"GHRBLEND";
const HEADER_LEN: u64 = 16;
const FOOTER_LEN: u64 = 20;
const ENTRY_LEN: u64 = 28;

/// What a sectioned file holds, written in its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A shard's dedup keys, ids and band records, by partition (`keys/S.bin`).
    Keys,
    /// A shard's site-line records, by partition (`lines/S.bin`).
    LineRecords,
    /// A partition's site-line tables (`lines/P.tables`).
    LineTables,
    /// A partition's exact-dedup decisions, by shard (`dups/P.bin`).
    ExactDecisions,
    /// A partition's verified near-dup pairs (`near/edges/P.bin`).
    Edges,
    /// The near-dup decisions, by shard (`near/clusters.bin`).
    NearDecisions,
}

impl Kind {
    fn tag(self) -> &'static [u8; 4] {
        match self {
            Kind::Keys => b"KEYS",
            Kind::LineRecords => b"LINE",
            Kind::LineTables => b"TABL",
            Kind::ExactDecisions => b"DUPS",
            Kind::Edges => b"EDGE",
            Kind::NearDecisions => b"CLUS",
        }
    }
}

/// Writes a sectioned file section by section (streaming), under a temporary name until [`Self::finish`].
pub(crate) struct SectionWriter {
    out: BufWriter<super::TmpFile>,
    tmp: PathBuf,
    path: PathBuf,
    pos: u64,
    open: Option<(u32, u64, Xxh3)>,
    index: Vec<(u32, u64, u64, u64)>,
}

impl SectionWriter {
    /// Starts writing `path`, a file of `kind`.
    pub(crate) fn create(path: &Path, kind: Kind) -> Result<SectionWriter> {
        let (file, tmp) = super::create_tmp(path)?;
        let mut w = SectionWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            tmp,
            path: path.to_owned(),
            pos: 0,
            open: None,
            index: Vec::new(),
        };
        let mut header = HEAD.to_vec();
        header.extend_from_slice(kind.tag());
        header.put_u32(VERSION);
        w.raw(&header)?;
        Ok(w)
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(Error::io("writing", &self.tmp))?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Adds section `id` in one piece (an empty section is left out: reading it gives nothing).
    pub(crate) fn section(&mut self, id: u32, bytes: &[u8]) -> Result<()> {
        self.begin(id);
        self.write(bytes)?;
        self.end();
        Ok(())
    }

    /// Starts section `id`; follow with [`Self::write`] / [`Self::copy_file`] and [`Self::end`].
    pub(crate) fn begin(&mut self, id: u32) {
        self.open = Some((id, self.pos, Xxh3::new()));
    }

    /// Appends bytes to the open section.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some((_, _, hash)) = self.open.as_mut() {
            hash.update(bytes);
        }
        self.raw(bytes)
    }

    /// Appends a whole file to the open section.
    pub(crate) fn copy_file(&mut self, path: &Path) -> Result<()> {
        let mut file = File::open(path).map_err(Error::io("opening", path))?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf).map_err(Error::io("reading", path))?;
            if n == 0 {
                return Ok(());
            }
            self.write(&buf[..n])?;
        }
    }

    /// Closes the open section.
    pub(crate) fn end(&mut self) {
        if let Some((id, start, hash)) = self.open.take() {
            if self.pos > start {
                self.index.push((id, start, self.pos - start, hash.digest()));
            }
        }
    }

    /// Writes the index (sorted by id, for lookups) and the footer, and puts the file in place. Section
    /// ids must be distinct.
    pub(crate) fn finish(mut self) -> Result<()> {
        self.end();
        self.index.sort_unstable_by_key(|e| e.0);
        let mut tail = Vec::with_capacity(self.index.len() * ENTRY_LEN as usize + FOOTER_LEN as usize);
        for (id, offset, len, sum) in &self.index {
            tail.put_u32(*id);
            tail.put_u64(*offset);
            tail.put_u64(*len);
            tail.put_u64(*sum);
        }
        let sum = checksum(&tail);
        tail.put_u32(self.index.len() as u32);
        tail.put_u64(sum);
        tail.extend_from_slice(END);
        self.raw(&tail)?;
        self.out
            .into_inner()
            .map_err(|e| Error::io("writing", &self.tmp)(e.into_error()))?
            .commit_behind(&self.path)
    }
}

/// An open sectioned file whose header and index were checked.
pub(crate) struct Sections {
    file: File,
    path: PathBuf,
    /// (id, offset, len, checksum), in file order.
    index: Vec<(u32, u64, u64, u64)>,
}

impl Sections {
    /// Opens `path`, which must be a file of `kind` written by this format version.
    pub(crate) fn open(path: &Path, kind: Kind) -> Result<Sections> {
        let mut file = File::open(path).map_err(Error::io("opening", path))?;
        let len = file.metadata().map_err(Error::io("reading metadata of", path))?.len();
        if len < HEADER_LEN + FOOTER_LEN {
            return Err(corrupt_at(path, len, "the file is shorter than its header and footer"));
        }
        let header = read_at(&mut file, path, 0, HEADER_LEN)?;
        check_header(path, &header, kind)?;
        let footer = read_at(&mut file, path, len - FOOTER_LEN, FOOTER_LEN)?;
        let mut d = Decoder::new(&footer, path, len - FOOTER_LEN);
        let (n, sum) = (u64::from(d.u32("the section count")?), d.u64("the index checksum")?);
        if &footer[12..] != END {
            return Err(corrupt_at(
                path,
                len - 8,
                "the footer's magic is missing (the file is truncated)",
            ));
        }
        let index_at = (len - FOOTER_LEN)
            .checked_sub(n * ENTRY_LEN)
            .filter(|at| *at >= HEADER_LEN)
            .ok_or_else(|| corrupt_at(path, len - FOOTER_LEN, "the index runs past the header"))?;
        let raw = read_at(&mut file, path, index_at, n * ENTRY_LEN)?;
        if checksum(&raw) != sum {
            return Err(corrupt_at(path, index_at, "the index does not match its checksum"));
        }
        let mut d = Decoder::new(&raw, path, index_at);
        let mut index: Vec<(u32, u64, u64, u64)> = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let entry = (d.u32("id")?, d.u64("offset")?, d.u64("length")?, d.u64("checksum")?);
            if entry.1 < HEADER_LEN || entry.1.checked_add(entry.2).is_none_or(|e| e > index_at) {
                return Err(corrupt_at(path, index_at, "a section runs outside the body"));
            }
            if index.last().is_some_and(|last| last.0 >= entry.0) {
                return Err(corrupt_at(path, index_at, "the index is not sorted by id"));
            }
            index.push(entry);
        }
        Ok(Sections {
            file,
            path: path.to_owned(),
            index,
        })
    }

    fn entry(&self, id: u32) -> Option<&(u32, u64, u64, u64)> {
        self.index
            .binary_search_by_key(&id, |e| e.0)
            .ok()
            .map(|at| &self.index[at])
    }

    /// Section `id`'s bytes (empty when absent) and its offset in the file; its checksum is verified.
    pub(crate) fn read(&mut self, id: u32) -> Result<(Vec<u8>, u64)> {
        let Some(&(_, offset, len, sum)) = self.entry(id) else {
            return Ok((Vec::new(), 0));
        };
        let data = read_at(&mut self.file, &self.path, offset, len)?;
        self.verify(id, offset, sum, data)
    }

    fn verify(&self, id: u32, offset: u64, sum: u64, data: Vec<u8>) -> Result<(Vec<u8>, u64)> {
        if checksum(&data) != sum {
            return Err(corrupt_at(
                &self.path,
                offset,
                &format!("section {id} does not match its checksum"),
            ));
        }
        Ok((data, offset))
    }
}

fn check_header(path: &Path, header: &[u8], kind: Kind) -> Result<()> {
    if &header[..8] != HEAD {
        return Err(corrupt_at(path, 0, "not a ghirbal work file (no header)"));
    }
    if &header[8..12] != kind.tag() {
        return Err(corrupt_at(
            path,
            8,
            &format!(
                "a {} file where a {} file belongs",
                String::from_utf8_lossy(&header[8..12]),
                String::from_utf8_lossy(kind.tag())
            ),
        ));
    }
    let version = u32::from_le_bytes([header[12], header[13], header[14], header[15]]);
    if version != VERSION {
        return Err(corrupt_at(
            path,
            12,
            &format!("written by work format {version}; this ghirbal reads format {VERSION}"),
        ));
    }
    Ok(())
}

fn read_at(file: &mut File, path: &Path, offset: u64, len: u64) -> Result<Vec<u8>> {
    let mut data = vec![0u8; len as usize];
    file.seek(SeekFrom::Start(offset))
        .map_err(Error::io("seeking in", path))?;
    file.read_exact(&mut data).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => corrupt_at(path, offset, "the file ends early"),
        _ => Error::io("reading", path)(e),
    })?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(path: &Path) {
        let mut w = SectionWriter::create(path, Kind::Keys).expect("create");
        w.section(3, "هاش".as_bytes()).expect("section");
        w.section(4, &[]).expect("empty");
        let dir = path.parent().expect("dir");
        std::fs::write(dir.join("part"), b"yz").expect("write");
        w.begin(9);
        w.write(b"x").expect("write");
        w.copy_file(&dir.join("part")).expect("copy");
        w.end();
        w.finish().expect("finish");
    }

    #[test]
    fn sections_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("k.bin");
        sample(&path);
        let mut s = Sections::open(&path, Kind::Keys).expect("open");
        assert_eq!(s.read(3).expect("read").0, "هاش".as_bytes());
        assert_eq!(s.read(9).expect("read").0, b"xyz");
        assert!(s.read(4).expect("absent").0.is_empty());
        let err = Sections::open(&path, Kind::Edges).err().expect("another kind");
        assert!(
            err.to_string().contains("a KEYS file where a EDGE file belongs"),
            "{err}"
        );
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("k.bin");
        sample(&path);
        let good = std::fs::read(&path).expect("read");
        let read_all = |p: &Path| -> Result<()> {
            let mut s = Sections::open(p, Kind::Keys)?;
            for id in [3, 4, 9] {
                s.read(id)?;
            }
            Ok(())
        };
        for cut in 0..good.len() {
            std::fs::write(&path, &good[..cut]).expect("write");
            let err = read_all(&path).expect_err("truncated");
            assert!(err.to_string().contains("k.bin"), "cut {cut}: {err}");
        }
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x20;
            std::fs::write(&path, &bad).expect("write");
            assert!(read_all(&path).is_err(), "a flip at byte {at} went unnoticed");
        }
    }
}
