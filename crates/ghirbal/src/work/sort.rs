//! External sort of fixed-size records of `u64` words (pairs, mostly) under a memory budget: records accumulate in memory; when the budget
//! is reached they are sorted and written as a run file; at the end the runs are merged. With everything in
//! memory no file is written. The cluster phase sorts LSH band records with it, so a partition's band table
//! never needs to fit in RAM — and the order, hence the output, is the same at any budget.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Collects records of `N` words, spilling sorted runs under `dir` when the budget is full.
pub(crate) struct Sorter<const N: usize> {
    buf: Vec<[u64; N]>,
    cap: usize,
    dir: PathBuf,
    runs: Vec<PathBuf>,
}

/// The sorter of (key, value) pairs most steps use.
pub(crate) type PairSorter = Sorter<2>;

impl<const N: usize> Sorter<N> {
    const RECORD: usize = 8 * N;

    /// A sorter holding at most `budget` bytes of records (at least 4096 records) and expecting about
    /// `expected` records in all.
    pub(crate) fn new(budget: u64, expected: usize, dir: &Path) -> Self {
        let cap = ((budget / Self::RECORD as u64) as usize).max(4096);
        Sorter {
            buf: Vec::with_capacity(expected.min(cap)),
            cap,
            dir: dir.to_owned(),
            runs: Vec::new(),
        }
    }

    /// Adds one record.
    pub(crate) fn push_record(&mut self, record: [u64; N]) -> Result<()> {
        if self.buf.len() == self.cap {
            self.spill()?;
        }
        if self.buf.len() == self.buf.capacity() {
            // Grow by at most what the budget has left: a doubling past it would hold twice the budget.
            let room = self.cap - self.buf.len();
            self.buf.reserve_exact(self.buf.capacity().clamp(1024, room.max(1)));
        }
        self.buf.push(record);
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
        for rec in &self.buf {
            for word in rec {
                out.write_all(&word.to_le_bytes())
                    .map_err(Error::io("writing", &path))?;
            }
        }
        out.into_inner()
            .map_err(|e| Error::io("writing", &path)(e.into_error()))?;
        self.runs.push(path);
        self.buf.clear();
        Ok(())
    }

    /// All records in ascending order.
    pub(crate) fn finish_records(mut self) -> Result<SortedRecords<N>> {
        if self.runs.is_empty() {
            self.buf.sort_unstable();
            return Ok(SortedRecords::Memory(std::mem::take(&mut self.buf).into_iter()));
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
        Ok(SortedRecords::Merge {
            readers,
            heap,
            dir: self.dir,
        })
    }
}

impl PairSorter {
    /// Adds one (key, value) pair.
    pub(crate) fn push(&mut self, key: u64, value: u64) -> Result<()> {
        self.push_record([key, value])
    }

    /// All pairs in ascending order.
    pub(crate) fn finish(self) -> Result<Sorted> {
        self.finish_records().map(Sorted)
    }
}

/// Reads one run file back.
pub(crate) struct RunReader {
    inner: BufReader<File>,
    path: PathBuf,
}

impl RunReader {
    fn next<const N: usize>(&mut self) -> Result<Option<[u64; N]>> {
        let mut rec = [0u64; N];
        for (i, word) in rec.iter_mut().enumerate() {
            let mut bytes = [0u8; 8];
            match self.inner.read_exact(&mut bytes) {
                Ok(()) => *word = u64::from_le_bytes(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && i == 0 => return Ok(None),
                Err(e) => return Err(Error::io("reading", &self.path)(e)),
            }
        }
        Ok(Some(rec))
    }
}

/// The sorted records: from memory, or merged from run files (removed when the merge ends).
pub(crate) enum SortedRecords<const N: usize> {
    /// Everything fitted the budget.
    Memory(std::vec::IntoIter<[u64; N]>),
    /// A k-way merge of run files.
    Merge {
        /// One reader per run.
        readers: Vec<RunReader>,
        /// The smallest unread record of each run.
        heap: BinaryHeap<Reverse<([u64; N], usize)>>,
        /// The runs' folder.
        dir: PathBuf,
    },
}

impl<const N: usize> SortedRecords<N> {
    /// The next record.
    pub(crate) fn next(&mut self) -> Result<Option<[u64; N]>> {
        match self {
            SortedRecords::Memory(it) => Ok(it.next()),
            SortedRecords::Merge { readers, heap, dir } => {
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

/// Sorted (key, value) pairs.
pub(crate) struct Sorted(SortedRecords<2>);

impl Sorted {
    /// The next pair.
    pub(crate) fn next(&mut self) -> Result<Option<(u64, u64)>> {
        Ok(self.0.next()?.map(|[k, v]| (k, v)))
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
