//! External sort of `(u64, u64)` records under a memory budget: records accumulate in memory; when the budget
//! is reached they are sorted and written as a run file; at the end the runs are merged. With everything in
//! memory no file is written. The cluster phase sorts LSH band records with it, so a partition's band table
//! never needs to fit in RAM — and the order, hence the output, is the same at any budget.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Bytes one record takes in memory and in a run file.
const RECORD: usize = 16;

/// Collects records, spilling sorted runs under `dir` when the budget is full.
pub(crate) struct PairSorter {
    buf: Vec<(u64, u64)>,
    cap: usize,
    dir: PathBuf,
    runs: Vec<PathBuf>,
}

impl PairSorter {
    /// A sorter holding at most `budget` bytes of records (at least 4096 records) and expecting about
    /// `expected` records in all.
    pub(crate) fn new(budget: u64, expected: usize, dir: &Path) -> PairSorter {
        let cap = ((budget / RECORD as u64) as usize).max(4096);
        PairSorter {
            buf: Vec::with_capacity(expected.min(cap)),
            cap,
            dir: dir.to_owned(),
            runs: Vec::new(),
        }
    }

    /// Adds one record.
    pub(crate) fn push(&mut self, key: u64, value: u64) -> Result<()> {
        if self.buf.len() == self.cap {
            self.spill()?;
        }
        self.buf.push((key, value));
        Ok(())
    }

    /// Run files written so far.
    pub(crate) fn runs(&self) -> usize {
        self.runs.len()
    }

    fn spill(&mut self) -> Result<()> {
        if self.runs.is_empty() {
            std::fs::create_dir_all(&self.dir).map_err(Error::io("creating", &self.dir))?;
        }
        self.buf.sort_unstable();
        let path = self.dir.join(format!("run-{:05}", self.runs.len()));
        let file = File::create(&path).map_err(Error::io("creating", &path))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        for (k, v) in &self.buf {
            out.write_all(&k.to_le_bytes()).map_err(Error::io("writing", &path))?;
            out.write_all(&v.to_le_bytes()).map_err(Error::io("writing", &path))?;
        }
        out.into_inner()
            .map_err(|e| Error::io("writing", &path)(e.into_error()))?;
        self.runs.push(path);
        self.buf.clear();
        Ok(())
    }

    /// All records in ascending order.
    pub(crate) fn finish(mut self) -> Result<Sorted> {
        if self.runs.is_empty() {
            self.buf.sort_unstable();
            return Ok(Sorted::Memory(std::mem::take(&mut self.buf).into_iter()));
        }
        if !self.buf.is_empty() {
            self.spill()?;
        }
        self.buf = Vec::new();
        let mut readers = Vec::with_capacity(self.runs.len());
        let mut heap = BinaryHeap::with_capacity(self.runs.len());
        for (i, path) in self.runs.iter().enumerate() {
            let file = File::open(path).map_err(Error::io("opening", path))?;
            let mut reader = RunReader {
                inner: BufReader::with_capacity(64 << 10, file),
                path: path.clone(),
            };
            if let Some(rec) = reader.next()? {
                heap.push(Reverse((rec, i)));
            }
            readers.push(reader);
        }
        Ok(Sorted::Merge {
            readers,
            heap,
            dir: self.dir,
        })
    }
}

pub(crate) struct RunReader {
    inner: BufReader<File>,
    path: PathBuf,
}

impl RunReader {
    fn next(&mut self) -> Result<Option<(u64, u64)>> {
        let mut rec = [0u8; RECORD];
        match self.inner.read_exact(&mut rec) {
            Ok(()) => {
                let (k, v) = rec.split_at(8);
                let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
                Ok(Some((word(k), word(v))))
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(Error::io("reading", &self.path)(e)),
        }
    }
}

/// The sorted records: from memory, or merged from run files (removed when the merge ends).
pub(crate) enum Sorted {
    /// Everything fitted the budget.
    Memory(std::vec::IntoIter<(u64, u64)>),
    /// A k-way merge of run files.
    Merge {
        /// One reader per run.
        readers: Vec<RunReader>,
        /// The smallest unread record of each run.
        heap: BinaryHeap<Reverse<((u64, u64), usize)>>,
        /// The runs' folder.
        dir: PathBuf,
    },
}

impl Sorted {
    /// The next record.
    pub(crate) fn next(&mut self) -> Result<Option<(u64, u64)>> {
        match self {
            Sorted::Memory(it) => Ok(it.next()),
            Sorted::Merge { readers, heap, dir } => {
                let Some(Reverse((rec, i))) = heap.pop() else {
                    if dir.exists() {
                        std::fs::remove_dir_all(&*dir).map_err(Error::io("removing", &*dir))?;
                    }
                    return Ok(None);
                };
                if let Some(next) = readers[i].next()? {
                    heap.push(Reverse((next, i)));
                }
                Ok(Some(rec))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(mut s: Sorted) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        while let Some(r) = s.next().expect("next") {
            out.push(r);
        }
        out
    }

    #[test]
    fn spilled_and_in_memory_sorts_agree() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut state = 7u64;
        let records: Vec<(u64, u64)> = (0..20_000)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 50, i)
            })
            .collect();
        let mut big = PairSorter::new(u64::MAX, records.len(), &dir.path().join("a"));
        let mut small = PairSorter::new(0, records.len(), &dir.path().join("b"));
        for &(k, v) in &records {
            big.push(k, v).expect("push");
            small.push(k, v).expect("push");
        }
        assert_eq!(big.runs(), 0);
        assert_eq!(small.runs(), 4, "4096 records per run");
        let (a, b) = (
            drain(big.finish().expect("finish")),
            drain(small.finish().expect("finish")),
        );
        let mut expected = records;
        expected.sort_unstable();
        assert_eq!(a, expected);
        assert_eq!(b, expected);
        assert!(!dir.path().join("b").exists(), "runs are removed after the merge");
    }
}
