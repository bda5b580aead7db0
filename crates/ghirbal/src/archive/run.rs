//! A sorted run: the archive's index files (exact keys, LSH band records). Fixed records `key | ordinal`
//! sorted by their bytes (key and ordinal big-endian, so byte order is numeric order), in blocks of
//! [`BLOCK`] records, each block checksummed; the blocks' first keys and checksums (the *fences*) follow the
//! records, and a footer says where. A lookup loads the fences (a few bytes per 128 records), finds the block
//! a key may be in by binary search and reads that block alone (one `pread`), so a batch's lookups cost
//! O(batch · log archive) reads and bounded memory, never a load of the archive.
//!
//! Layout: header (`GHRBLAR\0`, kind tag, version u32) | records | fences: per block `first key | xxh3 u64`
//! | footer: `records u64 | fences offset u64 | xxh3 of the fences u64 | GHRBLEND`.
//! Runs are written once, under a temporary name, and never changed: merging writes a new run.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::work::sketch::read_at_ref as read_at;
use crate::{Error, Result};

/// Records per checksummed block.
pub(crate) const BLOCK: usize = 128;
const MAGIC: &[u8; 8] = b"GHRBLAR\0";
const END: &[u8; 8] = b"GHRBLEND";
const HEADER_LEN: u64 = 16;
const FOOTER_LEN: u64 = 32;

/// The two kinds of run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunKind {
    /// Exact-dedup keys: xxh3-128 of the key form → the first archived document with it.
    Exact,
    /// LSH band records: band hash → an archived keeper with that band.
    Bands,
    /// Site-line counts: (site, line hash) → documents with the line `<< 32` | documents opening with it
    /// (the value field holds the two counts; equal keys of merged runs are summed).
    Sites,
    /// Ids: xxh3-128 of a document's id → the batch that read it (every document read, kept or not).
    Ids,
}

impl RunKind {
    /// Bytes of a key.
    pub(crate) const fn key_len(self) -> usize {
        match self {
            RunKind::Exact | RunKind::Sites | RunKind::Ids => 16,
            RunKind::Bands => 8,
        }
    }
    const fn record_len(self) -> usize {
        self.key_len() + 8
    }
    const fn tag(self) -> &'static [u8; 4] {
        match self {
            RunKind::Exact => b"EXCT",
            RunKind::Bands => b"BAND",
            RunKind::Sites => b"SITE",
            RunKind::Ids => b"IDSS",
        }
    }
}

fn header(kind: RunKind) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(kind.tag());
    h[12..].copy_from_slice(&super::FORMAT.to_le_bytes());
    h
}

fn corrupt(path: &Path, at: u64, what: &str) -> Error {
    Error::Corrupt {
        path: path.to_owned(),
        message: format!("byte {at}: {what}"),
    }
}

/// Writes one run from records given in sorted order.
pub(crate) struct RunWriter {
    kind: RunKind,
    out: BufWriter<crate::work::TmpFile>,
    tmp: PathBuf,
    path: PathBuf,
    block: Vec<u8>,
    fences: Vec<u8>,
    records: u64,
    last: Option<Vec<u8>>,
}

impl RunWriter {
    /// Starts `path` (under a temporary name until [`RunWriter::finish`]).
    pub(crate) fn create(path: &Path, kind: RunKind) -> Result<RunWriter> {
        let (file, tmp) = crate::work::create_tmp(path)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(&header(kind)).map_err(Error::io("writing", &tmp))?;
        Ok(RunWriter {
            kind,
            out,
            tmp,
            path: path.to_owned(),
            block: Vec::with_capacity(BLOCK * kind.record_len()),
            fences: Vec::new(),
            records: 0,
            last: None,
        })
    }

    /// Appends one record (`key` big-endian bytes of the kind's length); records must come sorted.
    pub(crate) fn push(&mut self, key: &[u8], ordinal: u64) -> Result<()> {
        debug_assert_eq!(key.len(), self.kind.key_len());
        let mut record = Vec::with_capacity(self.kind.record_len());
        record.extend_from_slice(key);
        record.extend_from_slice(&ordinal.to_be_bytes());
        if self.last.as_ref().is_some_and(|l| *l > record) {
            // Our own bug, not the data's: a run out of order would make lookups miss.
            return Err(Error::Corrupt {
                path: self.tmp.clone(),
                message: "records of a sorted run were given out of order".into(),
            });
        }
        self.block.extend_from_slice(&record);
        self.last = Some(record);
        self.records += 1;
        if self.block.len() == BLOCK * self.kind.record_len() {
            self.flush_block()?;
        }
        Ok(())
    }

    fn flush_block(&mut self) -> Result<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        self.fences.extend_from_slice(&self.block[..self.kind.key_len()]);
        self.fences
            .extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&self.block).to_le_bytes());
        self.out
            .write_all(&self.block)
            .map_err(Error::io("writing", &self.tmp))?;
        self.block.clear();
        Ok(())
    }

    /// Writes the fences and footer and puts the run in place; returns its record count.
    pub(crate) fn finish(mut self) -> Result<u64> {
        self.flush_block()?;
        let fences_at = HEADER_LEN + self.records * self.kind.record_len() as u64;
        let mut footer = Vec::with_capacity(FOOTER_LEN as usize);
        footer.extend_from_slice(&self.records.to_le_bytes());
        footer.extend_from_slice(&fences_at.to_le_bytes());
        footer.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&self.fences).to_le_bytes());
        footer.extend_from_slice(END);
        let tmp = self.tmp.clone();
        self.out.write_all(&self.fences).map_err(Error::io("writing", &tmp))?;
        self.out.write_all(&footer).map_err(Error::io("writing", &tmp))?;
        self.out
            .into_inner()
            .map_err(|e| Error::io("writing", &tmp)(e.into_error()))?
            .commit(&self.path)?;
        Ok(self.records)
    }
}

/// An open run: its fences in memory, its blocks read on demand.
pub(crate) struct RunReader {
    kind: RunKind,
    file: File,
    path: PathBuf,
    records: u64,
    /// First key of each block.
    firsts: Vec<u8>,
    sums: Vec<u64>,
    /// The block last read, for lookups of neighbouring keys.
    cached: Option<(usize, Vec<u8>)>,
}

impl RunReader {
    /// Opens `path`, checking header, footer and fences.
    pub(crate) fn open(path: &Path, kind: RunKind) -> Result<RunReader> {
        let mut file = File::open(path).map_err(Error::io("opening", path))?;
        let len = file.metadata().map_err(Error::io("reading metadata of", path))?.len();
        if len < HEADER_LEN + FOOTER_LEN {
            return Err(corrupt(path, 0, "shorter than a run's header and footer"));
        }
        let mut head = [0u8; 16];
        file.read_exact(&mut head).map_err(Error::io("reading", path))?;
        if head != header(kind) {
            return Err(corrupt(path, 0, "not an archive run of this kind and format"));
        }
        let mut footer = [0u8; FOOTER_LEN as usize];
        read_at(&file, len - FOOTER_LEN, &mut footer).map_err(Error::io("reading", path))?;
        let word = |i: usize| u64::from_le_bytes(footer[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        let (records, fences_at, sum) = (word(0), word(1), word(2));
        let blocks = records.div_ceil(BLOCK as u64);
        // A damaged footer must fail here, not overflow: every size is checked against the file's.
        let sizes = records
            .checked_mul(kind.record_len() as u64)
            .and_then(|r| r.checked_add(HEADER_LEN))
            .zip(blocks.checked_mul(kind.key_len() as u64 + 8));
        let fits = sizes.is_some_and(|(end, fence_len)| {
            fences_at == end && end.checked_add(fence_len).and_then(|e| e.checked_add(FOOTER_LEN)) == Some(len)
        });
        let fence_len = sizes.map_or(0, |(_, f)| f);
        if &footer[24..] != END || !fits {
            return Err(corrupt(
                path,
                len - FOOTER_LEN,
                "the footer does not match the file's size",
            ));
        }
        let mut fences = vec![0u8; fence_len as usize];
        read_at(&file, fences_at, &mut fences).map_err(Error::io("reading", path))?;
        if xxhash_rust::xxh3::xxh3_64(&fences) != sum {
            return Err(corrupt(path, fences_at, "the block index does not match its checksum"));
        }
        let (mut firsts, mut sums) = (Vec::new(), Vec::new());
        for fence in fences.chunks_exact(kind.key_len() + 8) {
            firsts.extend_from_slice(&fence[..kind.key_len()]);
            sums.push(u64::from_le_bytes(fence[kind.key_len()..].try_into().unwrap_or([0; 8])));
        }
        Ok(RunReader {
            kind,
            file,
            path: path.to_owned(),
            records,
            firsts,
            sums,
            cached: None,
        })
    }

    /// Records in the run.
    pub(crate) fn records_len(&self) -> u64 {
        self.records
    }

    fn first_key(&self, block: usize) -> &[u8] {
        let k = self.kind.key_len();
        &self.firsts[block * k..(block + 1) * k]
    }

    fn block(&mut self, b: usize) -> Result<&[u8]> {
        if self.cached.as_ref().map(|c| c.0) != Some(b) {
            let rec = self.kind.record_len() as u64;
            let start = b as u64 * BLOCK as u64;
            let n = (self.records - start).min(BLOCK as u64);
            let at = HEADER_LEN + start * rec;
            let mut buf = vec![0u8; (n * rec) as usize];
            read_at(&self.file, at, &mut buf).map_err(Error::io("reading", &self.path))?;
            if xxhash_rust::xxh3::xxh3_64(&buf) != self.sums[b] {
                return Err(corrupt(&self.path, at, "a block does not match its checksum"));
            }
            self.cached = Some((b, buf));
        }
        Ok(self.cached.as_ref().map_or(&[][..], |c| c.1.as_slice()))
    }

    /// Every record whose key is one of `keys` (sorted ascending, big-endian bytes of the kind's length),
    /// as (index into `keys`, ordinal), in key order.
    pub(crate) fn lookup(&mut self, keys: &[&[u8]]) -> Result<Vec<(usize, u64)>> {
        let (k, rec) = (self.kind.key_len(), self.kind.record_len());
        let blocks = self.firsts.len() / k;
        let mut out = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            // The first block that may hold `key`: the last whose first key is below it (a key's records may
            // start at the end of the block before the one it opens).
            let (mut lo, mut hi) = (0, blocks);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if self.first_key(mid) < *key {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            let mut b = lo.saturating_sub(1);
            'blocks: while b < blocks {
                if self.first_key(b) > *key {
                    break;
                }
                let data = self.block(b)?.to_vec();
                for r in data.chunks_exact(rec) {
                    match r[..k].cmp(key) {
                        std::cmp::Ordering::Less => {}
                        std::cmp::Ordering::Equal => {
                            out.push((i, u64::from_be_bytes(r[k..].try_into().unwrap_or([0; 8]))));
                        }
                        std::cmp::Ordering::Greater => break 'blocks,
                    }
                }
                b += 1;
            }
        }
        Ok(out)
    }

    /// Every record in order, checked block by block (for merging runs).
    pub(crate) fn records(&self) -> Result<RunRecords> {
        let mut input = BufReader::with_capacity(
            1 << 20,
            File::open(&self.path).map_err(Error::io("opening", &self.path))?,
        );
        let mut head = [0u8; 16];
        input.read_exact(&mut head).map_err(Error::io("reading", &self.path))?;
        Ok(RunRecords {
            kind: self.kind,
            input,
            path: self.path.clone(),
            sums: self.sums.clone(),
            records: self.records,
            next_block: 0,
            block: Vec::new(),
            pos: 0,
        })
    }
}

/// A run's records streamed in order.
pub(crate) struct RunRecords {
    kind: RunKind,
    input: BufReader<File>,
    path: PathBuf,
    sums: Vec<u64>,
    records: u64,
    next_block: usize,
    block: Vec<u8>,
    pos: usize,
}

impl RunRecords {
    /// The next record (key bytes, ordinal), or `None` at the end.
    pub(crate) fn next_record(&mut self) -> Result<Option<(Vec<u8>, u64)>> {
        let (k, rec) = (self.kind.key_len(), self.kind.record_len());
        if self.pos >= self.block.len() {
            let start = self.next_block as u64 * BLOCK as u64;
            if start >= self.records {
                return Ok(None);
            }
            let n = (self.records - start).min(BLOCK as u64) as usize;
            self.block.resize(n * rec, 0);
            self.input
                .read_exact(&mut self.block)
                .map_err(Error::io("reading", &self.path))?;
            if xxhash_rust::xxh3::xxh3_64(&self.block) != self.sums[self.next_block] {
                return Err(corrupt(
                    &self.path,
                    HEADER_LEN + start * rec as u64,
                    "a block does not match its checksum",
                ));
            }
            self.next_block += 1;
            self.pos = 0;
        }
        let r = &self.block[self.pos..self.pos + rec];
        self.pos += rec;
        Ok(Some((
            r[..k].to_vec(),
            u64::from_be_bytes(r[k..].try_into().unwrap_or([0; 8])),
        )))
    }
}

/// Merges sorted runs into one at `path` (a k-way merge; a few blocks of each in memory).
pub(crate) fn merge(inputs: &[RunReader], kind: RunKind, path: &Path) -> Result<u64> {
    let mut streams = inputs.iter().map(RunReader::records).collect::<Result<Vec<_>>>()?;
    let mut heads = Vec::with_capacity(streams.len());
    for s in &mut streams {
        heads.push(s.next_record()?);
    }
    let mut out = RunWriter::create(path, kind)?;
    let mut pending: Option<(Vec<u8>, u64)> = None;
    loop {
        // Few runs are merged at once: a linear scan for the smallest head is enough.
        let smallest = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|h| (i, h)))
            .min_by(|a, b| (&a.1 .0, a.1 .1).cmp(&(&b.1 .0, b.1 .1)))
            .map(|(i, _)| i);
        let Some(i) = smallest else { break };
        if let Some((key, value)) = heads[i].take() {
            pending = match pending.take() {
                // Counts of one (site, line) in two runs are one record of their sum.
                Some((k, v)) if kind == RunKind::Sites && k == key => Some((k, add_counts(v, value))),
                Some((k, v)) => {
                    out.push(&k, v)?;
                    Some((key, value))
                }
                None => Some((key, value)),
            };
        }
        heads[i] = streams[i].next_record()?;
    }
    if let Some((k, v)) = pending {
        out.push(&k, v)?;
    }
    out.finish()
}

/// Two site-line count values (`all << 32 | openings`) added, each half saturating.
pub(crate) fn add_counts(a: u64, b: u64) -> u64 {
    let all = (a >> 32).saturating_add(b >> 32).min(u64::from(u32::MAX));
    let open = (a & 0xffff_ffff)
        .saturating_add(b & 0xffff_ffff)
        .min(u64::from(u32::MAX));
    all << 32 | open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, kind: RunKind, records: &[(u64, u64)]) {
        let mut w = RunWriter::create(path, kind).expect("create");
        for (k, o) in records {
            w.push(&k.to_be_bytes(), *o).expect("push");
        }
        assert_eq!(w.finish().expect("finish"), records.len() as u64);
    }

    #[test]
    fn lookups_find_every_record_of_a_key_across_blocks() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("r.run");
        // Key 7 spans the boundary of the first two blocks; keys are even up to 1000.
        let mut records: Vec<(u64, u64)> = (0..BLOCK as u64 - 2).map(|i| (i * 2, i)).collect();
        records.retain(|r| r.0 < 7);
        let below = records.len() as u64;
        records.extend((0..5).map(|i| (7, 100 + i)));
        records.extend((4..500u64).map(|i| (i * 2 + 1, i)));
        records.sort_unstable();
        write(&path, RunKind::Bands, &records);
        let mut r = RunReader::open(&path, RunKind::Bands).expect("open");
        assert_eq!(r.records_len(), records.len() as u64);
        let keys: Vec<[u8; 8]> = [0u64, 3, 7, 9, 999, 5000].iter().map(|k| k.to_be_bytes()).collect();
        let refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
        let found = r.lookup(&refs).expect("lookup");
        let sevens: Vec<u64> = found.iter().filter(|f| f.0 == 2).map(|f| f.1).collect();
        assert_eq!(sevens, [100, 101, 102, 103, 104]);
        assert!(found.iter().any(|f| f.0 == 0), "key 0");
        assert!(found.iter().any(|f| f.0 == 3), "key 9");
        assert!(!found.iter().any(|f| f.0 == 1 || f.0 == 5), "absent keys");
        assert!(below > 0);
    }

    #[test]
    fn merging_keeps_order_and_a_damaged_block_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let (a, b, m) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("m"));
        write(&a, RunKind::Bands, &(0..300u64).map(|i| (i * 2, i)).collect::<Vec<_>>());
        write(&b, RunKind::Bands, &(0..300u64).map(|i| (i * 3, i)).collect::<Vec<_>>());
        let runs = [RunKind::Bands, RunKind::Bands]
            .iter()
            .zip([&a, &b])
            .map(|(k, p)| RunReader::open(p, *k).expect("open"))
            .collect::<Vec<_>>();
        assert_eq!(merge(&runs, RunKind::Bands, &m).expect("merge"), 600);
        let merged = RunReader::open(&m, RunKind::Bands).expect("open");
        let mut rs = merged.records().expect("records");
        let mut last = None;
        let mut n = 0;
        while let Some(r) = rs.next_record().expect("next") {
            assert!(last.as_ref().is_none_or(|l| *l <= r), "sorted");
            last = Some(r);
            n += 1;
        }
        assert_eq!(n, 600);
        // A flipped byte in the records: the lookup that reads its block fails, naming the file.
        let mut bytes = std::fs::read(&a).expect("read");
        bytes[HEADER_LEN as usize + 5] ^= 1;
        std::fs::write(&a, &bytes).expect("write");
        let mut r = RunReader::open(&a, RunKind::Bands).expect("fences are intact");
        let key = 4u64.to_be_bytes();
        let err = r.lookup(&[&key[..]]).expect_err("damaged");
        assert!(err.to_string().contains(&a.display().to_string()), "{err}");
        // A cut file fails at open.
        std::fs::write(&b, &std::fs::read(&b).expect("read")[..100]).expect("cut");
        assert!(RunReader::open(&b, RunKind::Bands).is_err());
    }

    #[test]
    fn merged_site_counts_are_summed_per_pair() {
        let dir = tempfile::tempdir().expect("tmp");
        let key = |site: u64, line: u64| (u128::from(site) << 64 | u128::from(line)).to_be_bytes();
        let write = |name: &str, records: &[((u64, u64), u64)]| {
            let path = dir.path().join(name);
            let mut w = RunWriter::create(&path, RunKind::Sites).expect("create");
            for ((s, l), v) in records {
                w.push(&key(*s, *l), *v).expect("push");
            }
            w.finish().expect("finish");
            RunReader::open(&path, RunKind::Sites).expect("open")
        };
        let a = write("a", &[((1, 5), 2 << 32 | 1), ((1, 9), 1 << 32)]);
        let b = write("b", &[((1, 5), 3 << 32), ((2, 1), 1 << 32 | 1)]);
        let merged = dir.path().join("m");
        assert_eq!(
            merge(&[a, b], RunKind::Sites, &merged).expect("merge"),
            3,
            "one record per pair"
        );
        let mut m = RunReader::open(&merged, RunKind::Sites).expect("open");
        let k = key(1, 5);
        assert_eq!(m.lookup(&[&k[..]]).expect("lookup"), [(0, 5 << 32 | 1)]);
        assert_eq!(
            add_counts(u64::from(u32::MAX) << 32, 1 << 32) >> 32,
            u64::from(u32::MAX),
            "saturates"
        );
    }
}
