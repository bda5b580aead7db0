//! Checksummed frames: how the work files that hold documents (the scan's survivors and removals) store
//! one batch each. A frame's bytes are stored as `[run] work_compression` says — as they are, or as a zstd
//! frame at its fastest level — under a header that names the codec, so a reader needs no setting and a
//! resumed run may use the other.
//!
//! ```text
//! "GHF1" | codec u8 | raw length u32 | stored length u32 | xxh3-64 of the stored bytes | xxh3-32 of the above
//! stored bytes
//! ```
//! The header's own checksum makes a flipped length an error before anything is allocated from it; the
//! stored bytes are checked before they are decoded, so a decoder never sees damaged input; the decoded
//! length must be the raw length. Why not zstd by default: even its fastest level cost 6% of a whole run to
//! write and read back (BENCHMARKS.md); LZ4 (lz4_flex) was measured too and saved nothing over it at these
//! 1 MiB frames, so it is not a dependency.

use std::io::{self, Read};

use xxhash_rust::xxh3::xxh3_64;

use crate::WorkCompression;

const MAGIC: &[u8; 4] = b"GHF1";
/// The header's length: magic, codec, two lengths, the stored bytes' checksum, the header's checksum.
const HEADER_LEN: usize = 4 + 1 + 4 + 4 + 8 + 4;
/// zstd's fastest level: these files live minutes and are read once.
const ZSTD_LEVEL: i32 = -7;

fn codec_tag(codec: WorkCompression) -> u8 {
    match codec {
        WorkCompression::None => 0,
        WorkCompression::Zstd => 1,
    }
}

/// One frame holding `raw`, stored by `codec`. Fails only for a batch over 4 GiB or a zstd error.
pub(crate) fn encode(codec: WorkCompression, raw: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = vec![0u8; HEADER_LEN];
    match codec {
        WorkCompression::None => out.extend_from_slice(raw),
        WorkCompression::Zstd => out.extend_from_slice(&crate::zstd_ctx::compress(raw, ZSTD_LEVEL)?),
    }
    write_header(codec, raw.len(), &mut out)?;
    Ok(out)
}

/// An empty batch with room for a frame header, and for `capacity` bytes after it: what is written after
/// the room and then given to [`seal`] becomes a frame without being copied again (when stored as it is).
pub(crate) fn room(capacity: usize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(HEADER_LEN + capacity);
    buf.resize(HEADER_LEN, 0);
    buf
}

/// The frame of a batch made by [`room`]: the same bytes as [`encode`] of what follows the room.
pub(crate) fn seal(codec: WorkCompression, mut buf: Vec<u8>) -> io::Result<Vec<u8>> {
    let raw = buf.get(HEADER_LEN..).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "internal: a batch without room for its frame header",
        )
    })?;
    match codec {
        WorkCompression::None => {
            let raw_len = raw.len();
            write_header(codec, raw_len, &mut buf)?;
            Ok(buf)
        }
        WorkCompression::Zstd => encode(codec, raw),
    }
}

/// Fills the header at the start of `out`, whose stored bytes follow it.
fn write_header(codec: WorkCompression, raw_len: usize, out: &mut [u8]) -> io::Result<()> {
    let raw_len =
        u32::try_from(raw_len).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a batch of 4 GiB or more"))?;
    let stored_len = u32::try_from(out.len() - HEADER_LEN)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a stored batch of 4 GiB or more"))?;
    let sum = xxh3_64(&out[HEADER_LEN..]);
    out[..4].copy_from_slice(MAGIC);
    out[4] = codec_tag(codec);
    out[5..9].copy_from_slice(&raw_len.to_le_bytes());
    out[9..13].copy_from_slice(&stored_len.to_le_bytes());
    out[13..21].copy_from_slice(&sum.to_le_bytes());
    let head_sum = xxh3_64(&out[..21]) as u32;
    out[21..25].copy_from_slice(&head_sum.to_le_bytes());
    Ok(())
}

/// Why a frame could not be read: the stream failed, or the bytes are not a frame this code wrote.
#[derive(Debug)]
pub(crate) enum FrameError {
    Io(io::Error),
    Corrupt(String),
}

/// Reads frames one after another from a stream, counting the bytes it consumed (for error messages).
pub(crate) struct FrameReader<R> {
    inner: R,
    offset: u64,
    stored: Vec<u8>,
}

impl<R: Read> FrameReader<R> {
    pub(crate) fn new(inner: R) -> FrameReader<R> {
        FrameReader {
            inner,
            offset: 0,
            stored: Vec::new(),
        }
    }

    /// Decodes the next frame into `raw` (replacing its contents); false at a clean end of the stream.
    pub(crate) fn next_into(&mut self, raw: &mut Vec<u8>) -> Result<bool, FrameError> {
        let mut head = [0u8; HEADER_LEN];
        let got = read_full(&mut self.inner, &mut head).map_err(FrameError::Io)?;
        if got == 0 {
            return Ok(false);
        }
        let at = self.offset;
        let corrupt = |what: &str| FrameError::Corrupt(format!("the frame at byte {at} {what}"));
        if got < HEADER_LEN {
            return Err(corrupt("is cut short in its header"));
        }
        let word = |r: std::ops::Range<usize>| u32::from_le_bytes(head[r].try_into().unwrap_or_default());
        if &head[..4] != MAGIC || xxh3_64(&head[..21]) as u32 != word(21..25) {
            return Err(corrupt("has a damaged header"));
        }
        let (codec, raw_len, stored_len) = (head[4], word(5..9) as usize, word(9..13) as usize);
        let sum = u64::from_le_bytes(head[13..21].try_into().unwrap_or_default());
        self.stored.resize(stored_len, 0);
        let got = read_full(&mut self.inner, &mut self.stored).map_err(FrameError::Io)?;
        if got < stored_len {
            return Err(corrupt(&format!("is cut short: {got} of its {stored_len} bytes")));
        }
        if xxh3_64(&self.stored) != sum {
            return Err(corrupt("fails its checksum"));
        }
        self.offset += (HEADER_LEN + stored_len) as u64;
        raw.clear();
        match codec {
            0 => std::mem::swap(raw, &mut self.stored),
            1 => {
                *raw = zstd::bulk::decompress(&self.stored, raw_len)
                    .map_err(|e| corrupt(&format!("does not decode as zstd ({e})")))?;
            }
            other => {
                return Err(corrupt(&format!(
                    "names codec {other}, which this version does not have"
                )))
            }
        }
        if raw.len() != raw_len {
            return Err(corrupt(&format!("decodes to {} bytes, not {raw_len}", raw.len())));
        }
        Ok(true)
    }
}

/// Reads until `buf` is full or the stream ends; the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODECS: [WorkCompression; 2] = [WorkCompression::None, WorkCompression::Zstd];

    fn frames(codec: WorkCompression, batches: &[&[u8]]) -> Vec<u8> {
        batches.iter().flat_map(|b| encode(codec, b).expect("encode")).collect()
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<Vec<u8>>, FrameError> {
        let mut r = FrameReader::new(bytes);
        let mut out = Vec::new();
        let mut raw = Vec::new();
        while r.next_into(&mut raw)? {
            out.push(raw.clone());
        }
        Ok(out)
    }

    #[test]
    fn a_sealed_batch_is_the_frame_encode_makes() {
        let text = "{\"text\":\"خبر عاجل\"}\n".repeat(20);
        for codec in CODECS {
            for raw in [text.as_bytes(), b""] {
                let mut batch = room(raw.len());
                batch.extend_from_slice(raw);
                assert_eq!(
                    seal(codec, batch).expect("seal"),
                    encode(codec, raw).expect("encode"),
                    "{codec:?}"
                );
            }
        }
        assert!(
            seal(WorkCompression::None, vec![0; 3]).is_err(),
            "no room for the header"
        );
    }

    #[test]
    fn every_codec_round_trips_arabic_and_empty_batches() {
        let text = "{\"text\":\"قال الأمير إن المشروع يخدم المنطقة\"}\n".repeat(50);
        let batches: [&[u8]; 3] = [text.as_bytes(), b"", b"x\n"];
        for codec in CODECS {
            let got = read_all(&frames(codec, &batches)).expect("read");
            assert_eq!(got, batches.map(<[u8]>::to_vec), "{codec:?}");
        }
    }

    #[test]
    fn any_cut_or_flipped_byte_is_an_error_never_other_bytes() {
        let text = "سطر من النص العربي ١٢٣\n".repeat(40);
        for codec in CODECS {
            let good = frames(codec, &[text.as_bytes(), b"second\n"]);
            for cut in 1..good.len() {
                // A cut at a frame's end is a whole (shorter) file: the scan file's line count catches it.
                if let Ok(got) = read_all(&good[..cut]) {
                    assert_eq!(got.len(), 1, "{codec:?}: cut at {cut} read as {} frames", got.len());
                }
            }
            for at in 0..good.len() {
                let mut bad = good.clone();
                bad[at] ^= 0x10;
                assert!(read_all(&bad).is_err(), "{codec:?}: a flip at byte {at} went unnoticed");
            }
        }
    }
}
