//! The site-line files. `lines/S.bin` (`scan`, per shard): (site, line) records by partition, in
//! two kinds — every distinct line of a document, and its opening lines — each record `site u64 | line
//! u64`. `lines/P.tables` (the `lines-count` step, per partition): section 0 the pair keys of the lines a
//! site repeats, section 1 those of openings found in two documents or more, `u64` each.

use std::path::Path;

use super::codec::{Decoder, Put};
use super::partbuf::{PartBatch, PartBuffer, PartSection};
use super::sections::{Kind, SectionWriter, Sections};
use crate::Result;

/// The two kinds of records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Every distinct line of a document.
    All = 0,
    /// The document's opening lines (title, first paragraph).
    Opening = 1,
}

const REPEATED: u32 = 0;
const OPENINGS: u32 = 1;

/// One batch's (site, line) records, by partition of the line hash.
pub(crate) struct LineBatch(PartBatch<2>);

impl LineBatch {
    /// An empty batch.
    pub(crate) fn new(partitions: usize) -> LineBatch {
        LineBatch(PartBatch::new(partitions))
    }
    /// Adds a record.
    pub(crate) fn push(&mut self, kind: LineKind, site: u64, line: u64) {
        let buf = self.0.buf(kind as usize, line);
        buf.put_u64(site);
        buf.put_u64(line);
    }
}

/// A shard's records so far.
pub(crate) struct LineWriter(PartBuffer<2>);

impl LineWriter {
    /// An empty writer for `partitions`, spilling beside `path`.
    pub(crate) fn new(partitions: usize, path: &Path) -> LineWriter {
        LineWriter(PartBuffer::new(partitions, super::spill_dir(path)))
    }
    /// Adds a batch.
    pub(crate) fn extend(&mut self, batch: &LineBatch) -> Result<()> {
        self.0.extend(&batch.0)
    }
    /// Writes the shard's file.
    pub(crate) fn write(self, path: &Path) -> Result<()> {
        self.0.write(path, Kind::LineRecords)
    }
}

/// Calls `f(kind, site, line)` for every record of partition `p` in the shard file `path`.
pub(crate) fn read_partition(path: &Path, p: u32, mut f: impl FnMut(LineKind, u64, u64) -> Result<()>) -> Result<()> {
    let section = PartSection::<2>::read(path, Kind::LineRecords, p)?;
    for kind in [LineKind::All, LineKind::Opening] {
        let mut d = section.kind(kind as usize);
        if section.kind_len(kind as usize) % 16 != 0 {
            return Err(d.corrupt("the (site, line) records are not whole"));
        }
        while !d.is_empty() {
            let site = d.u64("a site")?;
            f(kind, site, d.u64("a line")?)?;
        }
    }
    Ok(())
}

/// Writes a partition's tables: the repeated lines and the shared openings, as pair keys.
pub(crate) fn write_tables(path: &Path, repeated: &[u64], openings: &[u64]) -> Result<()> {
    let mut out = SectionWriter::create(path, Kind::LineTables)?;
    for (id, keys) in [(REPEATED, repeated), (OPENINGS, openings)] {
        let mut buf = Vec::with_capacity(keys.len() * 8);
        for k in keys {
            buf.put_u64(*k);
        }
        out.section(id, &buf)?;
    }
    out.finish()
}

/// Reads a partition's tables into `repeated` and `openings`.
pub(crate) fn read_tables(path: &Path, repeated: &mut impl Extend<u64>, openings: &mut impl Extend<u64>) -> Result<()> {
    let mut file = Sections::open(path, Kind::LineTables)?;
    let mut read = |id: u32, into: &mut dyn FnMut(u64)| -> Result<()> {
        let (data, offset) = file.read(id)?;
        let mut d = Decoder::new(&data, path, offset);
        if data.len() % 8 != 0 {
            return Err(d.corrupt("a table of 8-byte keys is not whole"));
        }
        while !d.is_empty() {
            into(d.u64("a pair key")?);
        }
        Ok(())
    };
    read(REPEATED, &mut |k| repeated.extend([k]))?;
    read(OPENINGS, &mut |k| openings.extend([k]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_tables_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("00000.bin");
        let mut w = LineWriter::new(2, &path);
        let mut b = LineBatch::new(2);
        b.push(LineKind::All, 7, 4);
        b.push(LineKind::Opening, 7, 4);
        b.push(LineKind::All, 8, 5);
        w.extend(&b).expect("extend");
        w.write(&path).expect("write");
        let mut got = Vec::new();
        read_partition(&path, 0, |k, s, l| {
            got.push((k, s, l));
            Ok(())
        })
        .expect("read");
        assert_eq!(got, [(LineKind::All, 7, 4), (LineKind::Opening, 7, 4)]);
        let tables = dir.path().join("00000.tables");
        write_tables(&tables, &[1, 2], &[3]).expect("write");
        let (mut r, mut o) = (Vec::new(), Vec::new());
        read_tables(&tables, &mut r, &mut o).expect("read");
        assert_eq!((r, o), (vec![1, 2], vec![3]));
    }
}
