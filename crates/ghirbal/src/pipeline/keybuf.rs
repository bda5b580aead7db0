//! The dedup keys and id records of the shard being scanned, split by partition. They stay in memory up to a
//! limit, then spill to per-partition files under `work/keys/S.spill/`, so the scan of one huge input (a
//! 30 GB `.jsonl.gz` is a single shard) does not hold all its keys in memory. At the end of the shard they are
//! streamed into the sectioned key file `work/keys/S.bin`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::binfile::SectionWriter;
use crate::{Error, Result};

/// In-memory bytes above which the buffers are spilled.
const SPILL_BYTES: usize = 32 << 20;

/// The record kinds of a key file, in the order each partition stores them: exact keys, ids, LSH band records.
pub(crate) const KINDS: [&str; 3] = ["keys", "ids", "bands"];

/// One batch's records: per kind, per partition.
pub(crate) type Records = [Vec<Vec<u8>>; 3];

/// Key, id and band records of one shard, by partition.
pub(crate) struct KeyBuffer {
    bufs: Records,
    buffered: usize,
    spill_dir: PathBuf,
    spilled: bool,
}

impl KeyBuffer {
    /// An empty buffer for `partitions` partitions, spilling under `spill_dir`.
    pub(crate) fn new(partitions: usize, spill_dir: PathBuf) -> KeyBuffer {
        KeyBuffer {
            bufs: std::array::from_fn(|_| vec![Vec::new(); partitions]),
            buffered: 0,
            spill_dir,
            spilled: false,
        }
    }

    /// Adds one batch's records.
    pub(crate) fn extend(&mut self, records: &Records) -> Result<()> {
        for (bufs, parts) in self.bufs.iter_mut().zip(records) {
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

    fn spill_path(&self, kind: &str, p: usize) -> PathBuf {
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
        for (kind, bufs) in KINDS.iter().zip(&mut self.bufs) {
            for (p, buf) in bufs.iter_mut().enumerate() {
                let path = self.spill_dir.join(format!("{p:05}.{kind}"));
                let mut file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(Error::io("opening", &path))?;
                file.write_all(buf).map_err(Error::io("writing", &path))?;
                buf.clear();
            }
        }
        self.buffered = 0;
        Ok(())
    }

    /// Writes the key file: per partition, `[u32 len][records]` for each of [`KINDS`].
    pub(crate) fn write(self, path: &Path) -> Result<()> {
        let mut out = SectionWriter::create(path)?;
        for p in 0..self.bufs[0].len() {
            let parts: [(&str, &Vec<u8>); 3] = std::array::from_fn(|k| (KINDS[k], &self.bufs[k][p]));
            let mut lens = [0u64; 3];
            for (len, (kind, buf)) in lens.iter_mut().zip(parts) {
                let spilled = if self.spilled {
                    file_len(&self.spill_path(kind, p))?
                } else {
                    0
                };
                *len = spilled + buf.len() as u64;
            }
            if lens == [0; 3] {
                continue;
            }
            out.begin(p as u32);
            for (len, (kind, buf)) in lens.into_iter().zip(parts) {
                let len = u32::try_from(len).map_err(|_| Error::Corrupt {
                    path: path.to_owned(),
                    message: format!("partition {p} of this shard exceeds 4 GiB of {kind}; raise run.partitions"),
                })?;
                out.write(&len.to_le_bytes())?;
                let spill = self.spill_path(kind, p);
                if self.spilled && spill.exists() {
                    out.copy_file(&spill)?;
                }
                out.write(buf)?;
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
    use crate::pipeline::binfile::{read_section, Cursor};

    #[test]
    fn spilled_and_unspilled_buffers_write_the_same_file() {
        let dir = tempfile::tempdir().expect("tmp");
        // Partition 1 has ids only; partition 2 stays empty.
        let batches: Vec<Records> = (0..50u8)
            .map(|i| {
                [
                    vec![vec![i; 3], vec![], vec![]],
                    vec![vec![i + 100], vec![i; 2], vec![]],
                    vec![vec![i; 4], vec![], vec![]],
                ]
            })
            .collect();
        let mut plain = KeyBuffer::new(3, dir.path().join("a.spill"));
        let mut spilling = KeyBuffer::new(3, dir.path().join("b.spill"));
        for (i, records) in batches.iter().enumerate() {
            plain.extend(records).expect("extend");
            spilling.extend(records).expect("extend");
            if i % 7 == 3 {
                spilling.spill().expect("spill");
            }
        }
        plain.write(&dir.path().join("a.bin")).expect("write");
        spilling.write(&dir.path().join("b.bin")).expect("write");
        let a = std::fs::read(dir.path().join("a.bin")).expect("read");
        assert_eq!(a, std::fs::read(dir.path().join("b.bin")).expect("read"));
        assert!(!dir.path().join("b.spill").exists(), "spill files are removed");
        let section = read_section(&dir.path().join("a.bin"), 0).expect("section");
        let mut cur = Cursor::new(&section);
        assert_eq!(cur.bytes().len(), 150);
        assert_eq!(cur.bytes().len(), 50);
        assert_eq!(cur.bytes().len(), 200);
        assert!(read_section(&dir.path().join("a.bin"), 2).expect("section").is_empty());
    }
}
