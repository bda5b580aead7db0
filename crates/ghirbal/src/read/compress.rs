//! Opening an input file through the right decompressor, keeping track of where in the compressed file the
//! decoder is, so that a corrupt or truncated file is reported at the byte where decoding failed.
//!
//! The count is of bytes the decoder *consumed* ([`BufRead::consume`]), not bytes read from the file: a
//! buffered reader reads a megabyte ahead, so counting reads would put every fault at the end of a buffer
//! (a plain-text file named `.gz` was reported "at byte 1048576"). flate2, bzip2 and liblzma consume the
//! bytes they decoded before they report an error, so their count is the place of the failure; zstd does
//! not consume the slice it was handed when it fails, so its failures are placed within that slice. A
//! file that does not start with its format's magic bytes fails at its first byte, and a gzip member whose
//! header is bad fails at the member's first byte.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The read buffer over an input file.
const BUF: usize = 1 << 20;
/// The skippable frame that holds a `.warc.zst` file's dictionary.
const ZSTD_DICT_FRAME: u32 = 0x184D_2A5D;

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
    /// Bzip2, one or more streams (`pbzip2` writes several).
    Bzip2,
    /// Xz, one or more streams.
    Xz,
}

/// Compression suffixes, compared without case.
const SUFFIXES: &[(&str, Codec)] = &[
    (".gz", Codec::Gzip),
    (".zst", Codec::Zstd),
    (".bz2", Codec::Bzip2),
    (".xz", Codec::Xz),
];

impl Codec {
    /// The codec implied by a file name (its suffix compared without case), and the name without it.
    pub fn from_name(name: &str) -> (Codec, &str) {
        SUFFIXES
            .iter()
            .find_map(|&(suffix, codec)| strip_suffix_ignore_case(name, suffix).map(|stem| (codec, stem)))
            .unwrap_or((Codec::Plain, name))
    }

    /// The format's name in messages.
    fn label(self) -> &'static str {
        match self {
            Codec::Plain => "plain",
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
            Codec::Bzip2 => "bzip2",
            Codec::Xz => "xz",
        }
    }

    /// Whether `head` (the first bytes of a non-empty file) starts the way this format must.
    fn starts_right(self, head: &[u8]) -> bool {
        let zstd_frame = |h: &[u8]| h.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]);
        // Skippable frames are 0x184D2A50..=0x184D2A5F, little-endian.
        let skippable = |h: &[u8]| h.len() >= 4 && h[0] & 0xF0 == 0x50 && h[1..4] == [0x2A, 0x4D, 0x18];
        match self {
            Codec::Plain => true,
            Codec::Gzip => head.starts_with(&[0x1F, 0x8B]),
            Codec::Zstd => zstd_frame(head) || skippable(head),
            Codec::Bzip2 => head.starts_with(b"BZh"),
            Codec::Xz => head.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]),
        }
    }
}

/// `name` without `suffix` when it ends with it, ASCII case ignored.
pub(crate) fn strip_suffix_ignore_case<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = name.len().checked_sub(suffix.len())?;
    let tail = name.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &name[..cut])
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

/// Where a decoder is in the compressed file, shared with the reader that owns the decoder.
#[derive(Debug, Default)]
pub struct Position {
    /// The file offset reading started at.
    start: u64,
    /// Bytes the decoder consumed since `start`.
    consumed: AtomicU64,
    /// Bytes it was last handed and has not consumed yet.
    window: AtomicU64,
    /// Offset of the gzip member being decoded.
    member: AtomicU64,
}

impl Position {
    /// Compressed bytes consumed since reading started.
    pub fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }

    /// The file offset of the next byte the decoder will consume.
    pub fn offset(&self) -> u64 {
        self.start + self.consumed()
    }

    /// The file offset of the gzip member being decoded.
    pub fn member(&self) -> u64 {
        self.member.load(Ordering::Relaxed)
    }

    /// The bytes the decoder was handed when it failed: from the next byte to consume to the end of its
    /// last window.
    fn window(&self) -> Place {
        let from = self.offset();
        Place::new(from, from + self.window.load(Ordering::Relaxed))
    }
}

/// Where in a compressed file decoding failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// At this byte offset.
    At(u64),
    /// Somewhere in bytes `from..to` (a decoder that reports a failure for a whole slice it was handed).
    Within(u64, u64),
}

impl Place {
    fn new(from: u64, to: u64) -> Place {
        if to > from {
            Place::Within(from, to)
        } else {
            Place::At(from)
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::At(at) => write!(f, "at byte {at}"),
            Place::Within(from, to) => write!(f, "in bytes {from}..{to}"),
        }
    }
}

/// A decoding failure with its place, carried inside the `io::Error` a decoding reader returns.
#[derive(Debug)]
pub struct Fault {
    /// Where decoding failed.
    pub place: Place,
    /// What the decoder said.
    pub message: String,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fault {}

impl Fault {
    fn error(kind: io::ErrorKind, place: Place, message: String) -> io::Error {
        io::Error::new(kind, Fault { place, message })
    }

    /// The fault an `io::Error` from a decoding reader carries, if it is one.
    pub fn of(e: &io::Error) -> Option<&Fault> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<Fault>())
    }
}

/// A buffered reader that counts what its user consumes, and the size of the last slice it handed out.
struct Tally<R> {
    inner: R,
    position: Arc<Position>,
}

impl<R: BufRead> Read for Tally<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tally<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let buf = self.inner.fill_buf()?;
        self.position.window.store(buf.len() as u64, Ordering::Relaxed);
        Ok(buf)
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.position.consumed.fetch_add(n as u64, Ordering::Relaxed);
        let window = self.position.window.load(Ordering::Relaxed);
        self.position
            .window
            .store(window.saturating_sub(n as u64), Ordering::Relaxed);
    }
}

type FileTally = Tally<BufReader<io::Take<File>>>;

/// A decompressed byte stream over (a range of) an input file.
pub struct Opened {
    /// Buffered decompressed bytes; a failure carries its [`Fault`].
    pub reader: Box<dyn BufRead + Send>,
    /// Where the decoder is in the file.
    pub position: Arc<Position>,
}

/// Opens `path` with `codec` from byte `start`, buffered. `end` (exclusive) bounds a plain file's bytes and
/// a gzip file's members (only those starting before it are read); `None` reads to the end.
pub fn open(path: &Path, codec: Codec, start: u64, end: Option<u64>) -> Result<Opened> {
    let (source, position) = source(path, codec, start, end)?;
    let reader: Box<dyn BufRead + Send> = match codec {
        // Already buffered: a second buffer would only copy.
        Codec::Plain => Box::new(source),
        _ => Box::new(BufReader::with_capacity(BUF, decoder(path, codec, source, end)?)),
    };
    Ok(Opened { reader, position })
}

/// [`open`] without the buffer over the decompressed bytes, for readers that put their own above it.
pub(crate) fn decoded(
    path: &Path,
    codec: Codec,
    start: u64,
    end: Option<u64>,
) -> Result<(Box<dyn Read + Send>, Arc<Position>)> {
    let (source, position) = source(path, codec, start, end)?;
    Ok((decoder(path, codec, source, end)?, position))
}

/// The file's bytes from `start` (to `end` for a plain file), buffered and counted.
fn source(path: &Path, codec: Codec, start: u64, end: Option<u64>) -> Result<(FileTally, Arc<Position>)> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path).map_err(Error::io("opening", path))?;
    if start > 0 {
        file.seek(SeekFrom::Start(start))
            .map_err(Error::io("seeking in", path))?;
    }
    let position = Arc::new(Position {
        start,
        member: AtomicU64::new(start),
        ..Position::default()
    });
    let limit = match (codec, end) {
        (Codec::Plain, Some(end)) => end.saturating_sub(start),
        _ => u64::MAX,
    };
    let tally = Tally {
        inner: BufReader::with_capacity(BUF, file.take(limit)),
        position: Arc::clone(&position),
    };
    Ok((tally, position))
}

/// The decompressed stream over `source`, its failures placed.
fn decoder(path: &Path, codec: Codec, mut source: FileTally, end: Option<u64>) -> Result<Box<dyn Read + Send>> {
    let head = source.fill_buf().map_err(Error::io("reading", path))?;
    if !head.is_empty() && !codec.starts_right(head) {
        let message = format!("not a {} file: it does not start as one", codec.label());
        return Ok(Box::new(Failed(message, source.position.offset())));
    }
    let position = Arc::clone(&source.position);
    let decoder: Box<dyn Read + Send> = match codec {
        Codec::Plain => return Ok(Box::new(source)),
        Codec::Gzip => Box::new(GzMembers {
            state: MemberState::Between(source),
            end,
        }),
        Codec::Zstd => zstd_decoder(path, source)?,
        Codec::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(source)),
        Codec::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(source)),
    };
    Ok(Box::new(Located {
        decoder,
        position,
        codec,
    }))
}

/// Places the errors of a decoder that does not place its own.
struct Located {
    decoder: Box<dyn Read + Send>,
    position: Arc<Position>,
    codec: Codec,
}

impl Read for Located {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder.read(buf).map_err(|e| {
            if Fault::of(&e).is_some() {
                return e;
            }
            // zstd leaves the slice it failed on unconsumed; the others consume up to the failure.
            let place = match self.codec {
                Codec::Zstd => self.position.window(),
                _ => Place::At(self.position.offset()),
            };
            Fault::error(e.kind(), place, e.to_string())
        })
    }
}

/// A stream that fails at every read, at its first byte: a file that is not what its name says.
struct Failed(String, u64);

impl Read for Failed {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(Fault::error(
            io::ErrorKind::InvalidData,
            Place::At(self.1),
            self.0.clone(),
        ))
    }
}

/// Gzip members one after another, only those that start before `end` (a shard's share of a file cut at
/// member starts); a member with a bad header fails at its first byte.
struct GzMembers {
    state: MemberState,
    end: Option<u64>,
}

enum MemberState {
    /// Between two members.
    Between(FileTally),
    /// Inside one.
    Inside(Box<flate2::bufread::GzDecoder<FileTally>>),
    /// A read failed: the stream is over.
    Failed,
}

impl Read for GzMembers {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match std::mem::replace(&mut self.state, MemberState::Failed) {
                MemberState::Inside(mut decoder) => match decoder.read(buf) {
                    Ok(0) if !buf.is_empty() => self.state = MemberState::Between(decoder.into_inner()),
                    Ok(n) => {
                        self.state = MemberState::Inside(decoder);
                        return Ok(n);
                    }
                    Err(e) if decoder.header().is_none() => {
                        let at = decoder.get_ref().position.member();
                        let message = if e.kind() == io::ErrorKind::UnexpectedEof {
                            format!("a gzip member header cut short ({e})")
                        } else {
                            format!("not a gzip member ({e})")
                        };
                        return Err(Fault::error(e.kind(), Place::At(at), message));
                    }
                    Err(e) => return Err(e),
                },
                MemberState::Between(mut inner) => {
                    let at = inner.position.offset();
                    if self.end.is_some_and(|end| at >= end) || inner.fill_buf()?.is_empty() {
                        self.state = MemberState::Between(inner);
                        return Ok(0);
                    }
                    inner.position.member.store(at, Ordering::Relaxed);
                    self.state = MemberState::Inside(Box::new(flate2::bufread::GzDecoder::new(inner)));
                }
                MemberState::Failed => return Err(io::Error::other("the gzip stream failed earlier")),
            }
        }
    }
}

/// A zstd stream; a leading skippable frame 0x184D2A5D holds the dictionary the frames were compressed with
/// (the `.warc.zst` convention), itself possibly zstd-compressed.
fn zstd_decoder(path: &Path, mut tally: FileTally) -> Result<Box<dyn Read + Send>> {
    let head = tally.fill_buf().map_err(Error::io("reading", path))?;
    let dict_frame = head.len() >= 8 && u32::from_le_bytes([head[0], head[1], head[2], head[3]]) == ZSTD_DICT_FRAME;
    if !dict_frame {
        let decoder =
            zstd::stream::read::Decoder::with_buffer(tally).map_err(Error::io("opening zstd stream", path))?;
        return Ok(Box::new(decoder));
    }
    let len = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
    tally.consume(8);
    let mut dict = Vec::new();
    (&mut tally)
        .take(len)
        .read_to_end(&mut dict)
        .map_err(Error::io("reading", path))?;
    if dict.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        dict = zstd::stream::decode_all(&dict[..]).map_err(Error::io("reading the zstd dictionary of", path))?;
    }
    let decoder =
        zstd::stream::read::Decoder::with_dictionary(tally, &dict).map_err(Error::io("opening zstd stream", path))?;
    Ok(Box::new(decoder))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).expect("gzip in memory");
        enc.finish().expect("gzip in memory")
    }

    fn compress(codec: Codec, data: &[u8]) -> Vec<u8> {
        match codec {
            Codec::Plain => data.to_vec(),
            Codec::Gzip => gzip(data),
            Codec::Zstd => zstd::encode_all(data, 3).expect("zstd in memory"),
            Codec::Bzip2 => {
                let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
                enc.write_all(data).expect("bzip2 in memory");
                enc.finish().expect("bzip2 in memory")
            }
            Codec::Xz => {
                let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
                enc.write_all(data).expect("xz in memory");
                enc.finish().expect("xz in memory")
            }
        }
    }

    /// Everything `file` decodes to, or the place and message of the failure.
    fn read_all(file: &[u8], codec: Codec) -> std::result::Result<Vec<u8>, (Place, String)> {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("input");
        std::fs::write(&path, file).expect("write");
        let mut opened = open(&path, codec, 0, None).expect("open");
        let mut out = Vec::new();
        match opened.reader.read_to_end(&mut out) {
            Ok(_) => Ok(out),
            Err(e) => {
                let fault = Fault::of(&e).unwrap_or_else(|| panic!("an error without its place: {e}"));
                Err((fault.place, fault.message.clone()))
            }
        }
    }

    const CODECS: [Codec; 4] = [Codec::Gzip, Codec::Zstd, Codec::Bzip2, Codec::Xz];

    #[test]
    fn every_codec_reads_back_and_concatenated_streams_are_read_whole() {
        let (a, b) = ("{\"id\":\"a\"}\n".repeat(500), "{\"id\":\"b\"}\n".repeat(300));
        for codec in CODECS {
            let mut file = compress(codec, a.as_bytes());
            file.extend(compress(codec, b.as_bytes()));
            let text = read_all(&file, codec).unwrap_or_else(|e| panic!("{codec:?}: {e:?}"));
            assert_eq!(text, format!("{a}{b}").into_bytes(), "{codec:?}");
        }
    }

    #[test]
    fn a_plain_file_under_a_compressed_name_fails_at_byte_zero() {
        let plain = "{\"id\":\"a\",\"text\":\"not compressed\"}\n".repeat(40_000);
        for codec in CODECS {
            let (place, message) = read_all(plain.as_bytes(), codec).expect_err("not compressed");
            assert_eq!(place, Place::At(0), "{codec:?}: {message}");
            assert!(message.contains(codec.label()), "{codec:?}: {message}");
        }
    }

    #[test]
    fn a_bad_gzip_member_fails_at_its_first_byte() {
        let first = gzip(b"one\ntwo\n");
        let mut file = first.clone();
        file.extend_from_slice(b"trailing garbage that is not a gzip member");
        let (place, message) = read_all(&file, Codec::Gzip).expect_err("garbage");
        assert_eq!(place, Place::At(first.len() as u64), "{message}");
    }

    #[test]
    fn a_cut_file_fails_at_its_end() {
        let data: String = (0..5000).map(|i| format!("{{\"id\":\"{i}\"}}\n")).collect();
        for codec in CODECS {
            let full = compress(codec, data.as_bytes());
            let cut = &full[..full.len() * 6 / 10];
            let (place, message) = read_all(cut, codec).expect_err("cut");
            assert_eq!(place, Place::At(cut.len() as u64), "{codec:?}: {message}");
        }
    }

    #[test]
    fn suffixes_are_compared_without_case() {
        assert_eq!(Codec::from_name("x.JSONL.GZ"), (Codec::Gzip, "x.JSONL"));
        assert_eq!(Codec::from_name("x.warc.Xz"), (Codec::Xz, "x.warc"));
        assert_eq!(Codec::from_name("x.txt.BZ2"), (Codec::Bzip2, "x.txt"));
        assert_eq!(Codec::from_name("x.Zst"), (Codec::Zstd, "x"));
        assert_eq!(Codec::from_name("نص.jsonl"), (Codec::Plain, "نص.jsonl"));
        assert_eq!(strip_suffix_ignore_case("ـgz", ".gz"), None);
    }
}
