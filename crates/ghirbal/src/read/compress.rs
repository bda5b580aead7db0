//! Opening an input file through the right decompressor, with a count of the compressed bytes consumed so a
//! corrupt or truncated file can be reported with the byte offset where decoding failed.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How an input file is compressed, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// Not compressed.
    Plain,
    /// Gzip, single- or multi-member.
    Gzip,
    /// Zstandard, one or more frames.
    Zstd,
}

impl Codec {
    /// The codec implied by a file name, and the name without the compression suffix.
    pub fn from_name(name: &str) -> (Codec, &str) {
        if let Some(stem) = name.strip_suffix(".gz") {
            (Codec::Gzip, stem)
        } else if let Some(stem) = name.strip_suffix(".zst") {
            (Codec::Zstd, stem)
        } else {
            (Codec::Plain, name)
        }
    }
}

/// Counts bytes read through it; the count stays readable after the reader moves into a decoder.
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A decompressed byte stream over (a range of) an input file.
pub struct Opened {
    /// Buffered decompressed bytes.
    pub reader: Box<dyn BufRead + Send>,
    /// Compressed bytes consumed so far.
    pub consumed: Arc<AtomicU64>,
}

/// Opens `path` with `codec`; for plain files, only bytes `start..end` (end `None` = to the end).
pub fn open(path: &Path, codec: Codec, start: u64, end: Option<u64>) -> Result<Opened> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path).map_err(Error::io("opening", path))?;
    if start > 0 {
        file.seek(SeekFrom::Start(start))
            .map_err(Error::io("seeking in", path))?;
    }
    let consumed = Arc::new(AtomicU64::new(0));
    let counting = Counting {
        inner: file,
        count: Arc::clone(&consumed),
    };
    const BUF: usize = 1 << 20;
    let reader: Box<dyn BufRead + Send> = match codec {
        Codec::Plain => match end {
            Some(end) => Box::new(BufReader::with_capacity(BUF, counting.take(end - start))),
            None => Box::new(BufReader::with_capacity(BUF, counting)),
        },
        Codec::Gzip => Box::new(BufReader::with_capacity(
            BUF,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(BUF, counting)),
        )),
        Codec::Zstd => {
            let decoder = zstd::stream::read::Decoder::new(counting).map_err(Error::io("opening zstd stream", path))?;
            Box::new(BufReader::with_capacity(BUF, decoder))
        }
    };
    Ok(Opened { reader, consumed })
}
