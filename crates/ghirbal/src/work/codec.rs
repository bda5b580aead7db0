//! Little-endian values in work files: [`Put`] appends them, [`Decoder`] reads them back strictly — a read
//! past the end, a length that runs past its record, an id that is not UTF-8 or a tag the format does not
//! have is an [`Error::Corrupt`] naming the file and the byte, never a zero, a lossy string or a guess.

use std::path::Path;

use crate::{Error, Result};

/// Appends little-endian values.
pub(crate) trait Put {
    /// Appends a u8.
    fn put_u8(&mut self, v: u8);
    /// Appends a u32.
    fn put_u32(&mut self, v: u32);
    /// Appends a u64.
    fn put_u64(&mut self, v: u64);
    /// Appends a u128.
    fn put_u128(&mut self, v: u128);
    /// Appends length-prefixed bytes (u32 length).
    fn put_bytes(&mut self, v: &[u8]);
    /// Appends an optional string: a presence byte (0 or 1), then the string's bytes when present.
    fn put_opt_str(&mut self, v: Option<&str>) {
        match v {
            Some(s) => {
                self.put_u8(1);
                self.put_bytes(s.as_bytes());
            }
            None => self.put_u8(0),
        }
    }
}

impl Put for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
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

/// Reads little-endian values out of bytes that came from `path` at byte `base`.
pub(crate) struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
    path: &'a Path,
    base: u64,
}

impl<'a> Decoder<'a> {
    /// A decoder over `data`, which starts at byte `base` of `path`.
    pub(crate) fn new(data: &'a [u8], path: &'a Path, base: u64) -> Decoder<'a> {
        Decoder {
            data,
            pos: 0,
            path,
            base,
        }
    }

    /// The corruption error for what was expected at the current place.
    pub(crate) fn corrupt(&self, what: &str) -> Error {
        corrupt_at(self.path, self.base + self.pos as u64, what)
    }

    /// True once every byte was read.
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    #[inline]
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.data.len());
        let Some(end) = end else {
            return Err(self.corrupt(&format!("{what} runs past the end of its record")));
        };
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn fixed<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let bytes = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// A u8.
    pub(crate) fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.fixed::<1>(what)?[0])
    }
    /// A u32.
    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        self.fixed(what).map(u32::from_le_bytes)
    }
    /// A u64.
    pub(crate) fn u64(&mut self, what: &str) -> Result<u64> {
        self.fixed(what).map(u64::from_le_bytes)
    }
    /// `n` u64s in a row, read in one bounds check (a sketch holds hundreds).
    pub(crate) fn u64s(&mut self, n: usize, what: &str) -> Result<Vec<u64>> {
        let len = n
            .checked_mul(8)
            .ok_or_else(|| self.corrupt(&format!("{what}: a count of {n} overflows")))?;
        let bytes = self.take(len, what)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }
    /// `n` bytes as they are (a list the caller decodes lazily).
    pub(crate) fn raw(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        self.take(n, what)
    }
    /// A u128.
    pub(crate) fn u128(&mut self, what: &str) -> Result<u128> {
        self.fixed(what).map(u128::from_le_bytes)
    }
    /// Length-prefixed bytes.
    pub(crate) fn bytes(&mut self, what: &str) -> Result<&'a [u8]> {
        let n = self.u32(what)? as usize;
        self.take(n, what)
    }
    /// An optional string written by [`Put::put_opt_str`]; a presence byte other than 0 or 1 is corruption.
    pub(crate) fn opt_str(&mut self, what: &str) -> Result<Option<String>> {
        match self.u8(what)? {
            0 => Ok(None),
            1 => Ok(Some(self.str(what)?.to_owned())),
            _ => Err(self.corrupt(&format!("{what}: a presence flag other than 0 or 1"))),
        }
    }
    /// Length-prefixed UTF-8 (ids, reason codes, texts): invalid UTF-8 is corruption, never replaced.
    /// simdutf8: the check std does, several times faster on Arabic (most bytes are not ASCII).
    pub(crate) fn str(&mut self, what: &str) -> Result<&'a str> {
        let at = self.base + self.pos as u64;
        let bytes = self.bytes(what)?;
        simdutf8::basic::from_utf8(bytes).map_err(|_| corrupt_at(self.path, at, &format!("{what} is not UTF-8")))
    }
}

/// A corrupt work file: `what` was wrong at byte `offset` of `path`.
pub(crate) fn corrupt_at(path: &Path, offset: u64, what: &str) -> Error {
    Error::Corrupt {
        path: path.to_owned(),
        message: format!("at byte {offset}: {what}"),
    }
}

/// The checksum every work file and section carries (xxh3, 64 bits).
pub(crate) fn checksum(data: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_every_overrun_is_named() {
        let mut buf = Vec::new();
        buf.put_u8(7);
        buf.put_u32(1);
        buf.put_u64(u64::MAX);
        buf.put_u128(3);
        buf.put_bytes("معرّف".as_bytes());
        let path = Path::new("work/x.bin");
        let mut d = Decoder::new(&buf, path, 100);
        assert_eq!(d.u8("tag").expect("u8"), 7);
        assert_eq!(d.u32("n").expect("u32"), 1);
        assert_eq!(d.u64("n").expect("u64"), u64::MAX);
        assert_eq!(d.u128("hash").expect("u128"), 3);
        assert_eq!(d.str("id").expect("str"), "معرّف");
        assert!(d.is_empty());
        let err = d.u32("the next record").expect_err("past the end").to_string();
        assert!(
            err.contains("work/x.bin") && err.contains("at byte 143") && err.contains("next record"),
            "{err}"
        );
        let mut bad = Vec::new();
        bad.put_bytes(&[0xff, 0xfe]);
        let err = Decoder::new(&bad, path, 0).str("id").expect_err("not UTF-8");
        assert!(err.to_string().contains("id is not UTF-8"), "{err}");
        let mut long = Vec::new();
        long.put_u32(1000);
        assert!(Decoder::new(&long, path, 0).bytes("rank").is_err());
    }
}
