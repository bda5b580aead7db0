//! The key file of a shard (`work/keys/S.bin`): what the scan computed for dedup, by partition, in three
//! named kinds — exact keys, ids (every document's, to find an id used twice) and LSH band records. The scan
//! writes it; the `cluster` step reads a partition's exact keys and ids, the `near` step its band records.
//!
//! Records (little-endian): exact key `hash u128 | ordinal u64 | rank bytes | id bytes`; id `hash u128 |
//! ordinal u64 | line u64 | id bytes`; band `band u64 | ordinal u64`. Bytes are `len u32 | bytes`.

use std::path::Path;

use super::codec::Put;
use super::partbuf::{PartBatch, PartBuffer, PartSection};
use super::sections::Kind;
use crate::dedup::exact::ExactKey;
use crate::{Ordinal, Result};

const KEYS: usize = 0;
const IDS: usize = 1;
const BANDS: usize = 2;

/// Bytes of one band record.
pub(crate) const BAND_RECORD: u64 = 16;

/// A document's id with where it was read, for the duplicate-id check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdRecord {
    /// xxh3-128 of the id (the partition is chosen by it).
    pub hash: u128,
    /// The document.
    pub ordinal: Ordinal,
    /// Its line in a JSONL input (0 elsewhere).
    pub line: u64,
    /// The id.
    pub id: String,
}

/// One batch's key records, by partition.
pub(crate) struct KeyBatch(PartBatch<3>);

impl KeyBatch {
    /// An empty batch.
    pub(crate) fn new(partitions: usize) -> KeyBatch {
        KeyBatch(PartBatch::new(partitions))
    }

    /// The exact-dedup record of a document, in the partition of its key hash.
    pub(crate) fn exact_key(&mut self, hash: u128, ordinal: Ordinal, rank: &[u8], id: &str) {
        let buf = self.0.buf(KEYS, hash as u64);
        buf.put_u128(hash);
        buf.put_u64(ordinal.0);
        buf.put_bytes(rank);
        buf.put_bytes(id.as_bytes());
    }

    /// A document's id, in the partition of its hash.
    pub(crate) fn id(&mut self, id: &str, ordinal: Ordinal, line: u64) {
        let hash = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
        let buf = self.0.buf(IDS, hash as u64);
        buf.put_u128(hash);
        buf.put_u64(ordinal.0);
        buf.put_u64(line);
        buf.put_bytes(id.as_bytes());
    }

    /// One LSH band record, in the partition of the band hash.
    pub(crate) fn band(&mut self, band: u64, ordinal: Ordinal) {
        let buf = self.0.buf(BANDS, band);
        buf.put_u64(band);
        buf.put_u64(ordinal.0);
    }
}

/// A shard's key records so far.
pub(crate) struct KeyWriter(PartBuffer<3>);

impl KeyWriter {
    /// An empty writer for `partitions`, spilling beside `path`.
    pub(crate) fn new(partitions: usize, path: &Path) -> KeyWriter {
        KeyWriter(PartBuffer::new(partitions, super::spill_dir(path)))
    }
    /// Adds a batch.
    pub(crate) fn extend(&mut self, batch: &KeyBatch) -> Result<()> {
        self.0.extend(&batch.0)
    }
    /// Writes the key file.
    pub(crate) fn write(self, path: &Path) -> Result<()> {
        self.0.write(path, Kind::Keys)
    }
    /// Drops the records unwritten.
    pub(crate) fn abort(self) -> Result<()> {
        self.0.abort()
    }
}

/// Partition `p` of a shard's key file.
pub(crate) struct KeyPartition(PartSection<3>);

impl KeyPartition {
    /// Reads partition `p` of the key file `path`.
    pub(crate) fn read(path: &Path, p: u32) -> Result<KeyPartition> {
        PartSection::read(path, Kind::Keys, p).map(KeyPartition)
    }

    /// Appends its exact keys to `out`.
    pub(crate) fn exact_keys(&self, out: &mut Vec<ExactKey>) -> Result<()> {
        let mut d = self.0.kind(KEYS);
        while !d.is_empty() {
            out.push(ExactKey {
                hash: d.u128("an exact key's hash")?,
                ordinal: Ordinal(d.u64("an exact key's ordinal")?),
                rank: d.bytes("an exact key's rank")?.to_vec(),
                id: d.str("an exact key's id")?.to_owned(),
            });
        }
        Ok(())
    }

    /// Appends its id records to `out`.
    pub(crate) fn ids(&self, out: &mut Vec<IdRecord>) -> Result<()> {
        let mut d = self.0.kind(IDS);
        while !d.is_empty() {
            out.push(IdRecord {
                hash: d.u128("an id's hash")?,
                ordinal: Ordinal(d.u64("an id's ordinal")?),
                line: d.u64("an id's line")?,
                id: d.str("an id")?.to_owned(),
            });
        }
        Ok(())
    }

    /// Calls `f(band, ordinal)` for each of its band records.
    pub(crate) fn bands(&self, mut f: impl FnMut(u64, Ordinal) -> Result<()>) -> Result<()> {
        let mut d = self.0.kind(BANDS);
        if !(self.0.kind_len(BANDS) as u64).is_multiple_of(BAND_RECORD) {
            return Err(d.corrupt("the band records are not whole"));
        }
        while !d.is_empty() {
            let band = d.u64("a band hash")?;
            f(band, Ordinal(d.u64("a band record's ordinal")?))?;
        }
        Ok(())
    }

    /// How many band records it has.
    pub(crate) fn band_count(&self) -> u64 {
        self.0.kind_len(BANDS) as u64 / BAND_RECORD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_records_round_trip_by_partition() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("00000.bin");
        let mut w = KeyWriter::new(2, &path);
        let mut batch = KeyBatch::new(2);
        batch.exact_key(5, Ordinal::new(0, 1), b"r", "خبر-1");
        batch.exact_key(4, Ordinal::new(0, 2), b"", "خبر-2");
        batch.id("خبر-1", Ordinal::new(0, 1), 7);
        batch.band(9, Ordinal::new(0, 1));
        w.extend(&batch).expect("extend");
        w.write(&path).expect("write");
        let p1 = KeyPartition::read(&path, 1).expect("read");
        let mut keys = Vec::new();
        p1.exact_keys(&mut keys).expect("keys");
        assert_eq!(keys.len(), 1);
        assert_eq!(
            (keys[0].hash, keys[0].id.as_str(), keys[0].rank.as_slice()),
            (5, "خبر-1", &b"r"[..])
        );
        let mut bands = Vec::new();
        p1.bands(|b, o| {
            bands.push((b, o));
            Ok(())
        })
        .expect("bands");
        assert_eq!(bands, [(9, Ordinal::new(0, 1))]);
        let mut all_ids = Vec::new();
        for p in 0..2 {
            KeyPartition::read(&path, p)
                .expect("read")
                .ids(&mut all_ids)
                .expect("ids");
        }
        assert_eq!(all_ids.len(), 1);
        assert_eq!((all_ids[0].line, all_ids[0].id.as_str()), (7, "خبر-1"));
    }
}
