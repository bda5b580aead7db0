//! Records of one shard split by partition, `K` kinds of them, as the scan (keys, ids, bands) and the
//! `scan` (site lines, openings) produce them. They stay in memory up to a limit, then spill to
//! per-partition files beside the target, so the scan of one huge input (a 30 GB `.jsonl.gz` is a single
//! shard) does not hold them all; at the end of the shard they are streamed into one sectioned file, a
//! section per partition holding the `K` kinds each as `len u64 | bytes`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::codec::Decoder;
use super::sections::{Kind, SectionWriter, Sections};
use crate::{Error, Result};

/// In-memory bytes above which the buffers are spilled.
const SPILL_BYTES: usize = 32 << 20;

/// One batch's records: per kind, per partition, encoded.
#[derive(Debug)]
pub(crate) struct PartBatch<const K: usize> {
    pub(crate) parts: [Vec<Vec<u8>>; K],
}

impl<const K: usize> PartBatch<K> {
    /// An empty batch for `partitions` partitions.
    pub(crate) fn new(partitions: usize) -> Self {
        PartBatch {
            parts: std::array::from_fn(|_| vec![Vec::new(); partitions]),
        }
    }

    /// The buffer of kind `kind` in the partition of `hash`.
    pub(crate) fn buf(&mut self, kind: usize, hash: u64) -> &mut Vec<u8> {
        let parts = &mut self.parts[kind];
        let n = parts.len() as u64;
        &mut parts[(hash % n) as usize]
    }

    fn is_empty(&self) -> bool {
        self.parts.iter().all(|k| k.iter().all(Vec::is_empty))
    }
}

/// All of a shard's records so far, by kind and partition.
pub(crate) struct PartBuffer<const K: usize> {
    bufs: PartBatch<K>,
    buffered: usize,
    spill_dir: PathBuf,
    spilled: bool,
}

impl<const K: usize> PartBuffer<K> {
    /// An empty buffer for `partitions` partitions, spilling under `spill_dir`.
    pub(crate) fn new(partitions: usize, spill_dir: PathBuf) -> Self {
        PartBuffer {
            bufs: PartBatch::new(partitions),
            buffered: 0,
            spill_dir,
            spilled: false,
        }
    }

    /// Adds one batch's records.
    pub(crate) fn extend(&mut self, batch: &PartBatch<K>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        for (bufs, parts) in self.bufs.parts.iter_mut().zip(&batch.parts) {
            for (acc, part) in bufs.iter_mut().zip(parts) {
                acc.extend_from_slice(part);
                self.buffered += part.len();
            }
        }
        if self.buffered > SPILL_BYTES {
            self.spill()?;
        }
        Ok(())
    }

    fn spill_path(&self, kind: usize, p: usize) -> PathBuf {
        self.spill_dir.join(format!("{p:05}.{kind}"))
    }

    fn spill(&mut self) -> Result<()> {
        if !self.spilled {
            if self.spill_dir.exists() {
                std::fs::remove_dir_all(&self.spill_dir).map_err(Error::io("removing", &self.spill_dir))?;
            }
            std::fs::create_dir_all(&self.spill_dir).map_err(Error::io("creating", &self.spill_dir))?;
            self.spilled = true;
        }
        for kind in 0..K {
            for p in 0..self.bufs.parts[kind].len() {
                let path = self.spill_path(kind, p);
                let mut file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(Error::io("opening", &path))?;
                let buf = &mut self.bufs.parts[kind][p];
                file.write_all(buf).map_err(Error::io("writing", &path))?;
                buf.clear();
            }
        }
        self.buffered = 0;
        Ok(())
    }

    /// Drops the records unwritten (and what spilled of them).
    pub(crate) fn abort(self) -> Result<()> {
        match self.spilled {
            true => std::fs::remove_dir_all(&self.spill_dir).map_err(Error::io("removing", &self.spill_dir)),
            false => Ok(()),
        }
    }

    /// Writes the shard's file, a section per partition that has records.
    pub(crate) fn write(self, path: &Path, kind: Kind) -> Result<()> {
        let mut out = SectionWriter::create(path, kind)?;
        for p in 0..self.bufs.parts[0].len() {
            let mut lens = [0u64; K];
            for (k, len) in lens.iter_mut().enumerate() {
                let spilled = if self.spilled {
                    file_len(&self.spill_path(k, p))?
                } else {
                    0
                };
                *len = spilled + self.bufs.parts[k][p].len() as u64;
            }
            if lens == [0; K] {
                continue;
            }
            out.begin(p as u32);
            for (k, len) in lens.into_iter().enumerate() {
                out.write(&len.to_le_bytes())?;
                let spill = self.spill_path(k, p);
                if self.spilled && spill.exists() {
                    out.copy_file(&spill)?;
                }
                out.write(&self.bufs.parts[k][p])?;
            }
            out.end();
        }
        out.finish()?;
        if self.spilled {
            std::fs::remove_dir_all(&self.spill_dir).map_err(Error::io("removing", &self.spill_dir))?;
        }
        Ok(())
    }
}

/// One partition's section of a shard's file, split into its `K` kinds.
pub(crate) struct PartSection<const K: usize> {
    data: Vec<u8>,
    offset: u64,
    spans: [std::ops::Range<usize>; K],
    path: PathBuf,
}

impl<const K: usize> PartSection<K> {
    /// Partition `p`'s section of `path` (a file of `kind`); empty when the shard had no records there.
    pub(crate) fn read(path: &Path, kind: Kind, p: u32) -> Result<Self> {
        let (data, offset) = Sections::open(path, kind)?.read(p)?;
        let mut spans: [std::ops::Range<usize>; K] = std::array::from_fn(|_| 0..0);
        if !data.is_empty() {
            let mut d = Decoder::new(&data, path, offset);
            let mut at = 0usize;
            for span in &mut spans {
                let len = d.u64("a record kind's length")? as usize;
                let start = at + 8;
                let end = start.checked_add(len).filter(|e| *e <= data.len());
                let Some(end) = end else {
                    return Err(d.corrupt("a record kind runs past its section"));
                };
                *span = start..end;
                at = end;
                d = Decoder::new(&data[at..], path, offset + at as u64);
            }
            if at != data.len() {
                return Err(d.corrupt("bytes after the last record kind"));
            }
        }
        Ok(PartSection {
            data,
            offset,
            spans,
            path: path.to_owned(),
        })
    }

    /// A decoder over the records of kind `kind`.
    pub(crate) fn kind(&self, kind: usize) -> Decoder<'_> {
        let span = self.spans[kind].clone();
        Decoder::new(&self.data[span.clone()], &self.path, self.offset + span.start as u64)
    }

    /// The byte length of kind `kind`.
    pub(crate) fn kind_len(&self, kind: usize) -> usize {
        self.spans[kind].len()
    }
}

fn file_len(path: &Path) -> Result<u64> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(Error::io("reading metadata of", path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_and_unspilled_buffers_write_the_same_file() {
        let dir = tempfile::tempdir().expect("tmp");
        // Partition 1 has kind 1 only; partition 2 stays empty.
        let batches: Vec<PartBatch<3>> = (0..50u8)
            .map(|i| PartBatch {
                parts: [
                    vec![vec![i; 3], vec![], vec![]],
                    vec![vec![i + 100], vec![i; 2], vec![]],
                    vec![vec![i; 4], vec![], vec![]],
                ],
            })
            .collect();
        let mut plain = PartBuffer::<3>::new(3, dir.path().join("a.spill"));
        let mut spilling = PartBuffer::<3>::new(3, dir.path().join("b.spill"));
        for (i, batch) in batches.iter().enumerate() {
            plain.extend(batch).expect("extend");
            spilling.extend(batch).expect("extend");
            if i % 7 == 3 {
                spilling.spill().expect("spill");
            }
        }
        let (a, b) = (dir.path().join("a.bin"), dir.path().join("b.bin"));
        plain.write(&a, Kind::Keys).expect("write");
        spilling.write(&b, Kind::Keys).expect("write");
        assert_eq!(std::fs::read(&a).expect("read"), std::fs::read(&b).expect("read"));
        assert!(!dir.path().join("b.spill").exists(), "spill files are removed");
        let section = PartSection::<3>::read(&a, Kind::Keys, 0).expect("section");
        assert_eq!([0, 1, 2].map(|k| section.kind_len(k)), [150, 50, 200]);
        let empty = PartSection::<3>::read(&a, Kind::Keys, 2).expect("section");
        assert_eq!([0, 1, 2].map(|k| empty.kind_len(k)), [0, 0, 0]);
    }
}
