//! The scan's document files: `scan/S.jsonl.zst` (a shard's survivors) and `scan/S.removed.jsonl.zst` (what
//! its stages removed), written by the `scan` step and streamed by the `write` step.
//!
//! A file is a sequence of zstd frames, each with zstd's content checksum: first a frame holding the
//! [`HEADER`] line, then one frame per batch. A line is `SEQ\tTEXT_BYTES\tWORDS\tJSON` (`WORDS` for the report's lengths). The reader checks the header,
//! the frames' checksums (a flipped byte fails the frame), that sequence numbers rise, and that the file
//! holds exactly the lines the scan counted (a file cut at a frame boundary is still whole zstd).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The first line of every scan file: what it is and the work format.
pub(crate) const HEADER: &[u8] = b"ghirbal scan lines, work format 5\n";

/// zstd's fastest levels: these files live minutes and are read once.
const LEVEL: i32 = -7;

/// One batch's lines as a checksummed zstd frame.
pub(crate) fn encode_frame(lines: &[u8]) -> std::io::Result<Vec<u8>> {
    // One-shot (the batch's size is known up front, as the stream encoder cannot tell zstd).
    let mut enc = zstd::bulk::Compressor::new(LEVEL)?;
    enc.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))?;
    enc.compress(lines)
}

/// Appends the `SEQ\tTEXT_BYTES\tWORDS\t` prefix of a line (the JSON and the newline follow).
pub(crate) fn line_prefix(buf: &mut Vec<u8>, seq: u32, text_bytes: usize, words: u64) {
    use std::io::Write as _;
    // Writing to a Vec cannot fail.
    let _ = write!(buf, "{seq}\t{text_bytes}\t{words}\t");
}

/// Writes one scan file under a temporary name until [`ScanWriter::finish`].
pub(crate) struct ScanWriter {
    out: BufWriter<File>,
    tmp: PathBuf,
    path: PathBuf,
}

impl ScanWriter {
    /// Starts `path` with its header frame.
    pub(crate) fn create(path: PathBuf) -> Result<ScanWriter> {
        let (file, tmp) = super::create_tmp(&path)?;
        let mut w = ScanWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            tmp,
            path,
        };
        let header = encode_frame(HEADER).map_err(Error::io("compressing the header of", &w.path))?;
        w.append(&header)?;
        Ok(w)
    }

    /// Appends a frame made by [`encode_frame`].
    pub(crate) fn append(&mut self, frame: &[u8]) -> Result<()> {
        self.out.write_all(frame).map_err(Error::io("writing", &self.tmp))
    }

    /// Puts the file in place.
    pub(crate) fn finish(self) -> Result<()> {
        self.out
            .into_inner()
            .map_err(|e| Error::io("writing", &self.tmp)(e.into_error()))?;
        super::commit(&self.tmp, &self.path)
    }
}

/// One line of a scan file.
pub(crate) struct ScanLine {
    /// The document's sequence number in its shard.
    pub seq: u32,
    /// Its text's byte length (0 for removals).
    pub text_bytes: u64,
    /// Its words (0 for removals).
    pub words: u64,
    /// The JSON record.
    pub json: Vec<u8>,
}

/// Streams the lines of one scan file, checking it as it goes.
pub(crate) struct ScanReader {
    reader: Box<dyn BufRead + Send>,
    path: PathBuf,
    expected: u64,
    read: u64,
    last_seq: Option<u32>,
    pending: Option<ScanLine>,
}

impl ScanReader {
    /// Opens `path`, which the scan said holds `expected` lines.
    pub(crate) fn open(path: &Path, expected: u64) -> Result<ScanReader> {
        let file = File::open(path).map_err(Error::io("opening", path))?;
        let decoder = zstd::stream::read::Decoder::new(file).map_err(Error::io("opening", path))?;
        let mut r = ScanReader {
            reader: Box::new(BufReader::with_capacity(1 << 20, decoder)),
            path: path.to_owned(),
            expected,
            read: 0,
            last_seq: None,
            pending: None,
        };
        let mut header = Vec::new();
        r.read_line(&mut header)?;
        if header != HEADER {
            return Err(r.corrupt("the file does not start with the scan header of this work format"));
        }
        Ok(r)
    }

    fn corrupt(&self, what: &str) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            message: format!("after {} line(s): {what}", self.read),
        }
    }

    fn read_line(&mut self, line: &mut Vec<u8>) -> Result<usize> {
        self.reader.read_until(b'\n', line).map_err(|e| match e.kind() {
            std::io::ErrorKind::Other | std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => {
                self.corrupt(&format!("the compressed stream is damaged ({e})"))
            }
            _ => Error::io("reading", &self.path)(e),
        })
    }

    /// Puts a line back: the next [`Self::next`] returns it again.
    pub(crate) fn push_back(&mut self, line: ScanLine) {
        self.pending = Some(line);
    }

    /// The next line; `None` at the end, once the count matched.
    pub(crate) fn next(&mut self) -> Result<Option<ScanLine>> {
        if let Some(line) = self.pending.take() {
            return Ok(Some(line));
        }
        let mut line = Vec::new();
        if self.read_line(&mut line)? == 0 {
            if self.read != self.expected {
                return Err(self.corrupt(&format!("the scan wrote {} line(s)", self.expected)));
            }
            return Ok(None);
        }
        if line.pop() != Some(b'\n') {
            return Err(self.corrupt("the last line has no newline"));
        }
        let parsed = self.parse(line)?;
        if self.last_seq.is_some_and(|last| parsed.seq <= last) {
            return Err(self.corrupt("sequence numbers do not rise"));
        }
        self.last_seq = Some(parsed.seq);
        self.read += 1;
        if self.read > self.expected {
            return Err(self.corrupt(&format!("more lines than the {} the scan wrote", self.expected)));
        }
        Ok(Some(parsed))
    }

    fn parse(&self, line: Vec<u8>) -> Result<ScanLine> {
        let bad = || self.corrupt("a line without its SEQ\\tBYTES\\tWORDS\\t prefix");
        let tab = |from: usize| line[from..].iter().position(|&b| b == b'\t').map(|i| from + i);
        let first = tab(0).ok_or_else(bad)?;
        let second = tab(first + 1).ok_or_else(bad)?;
        let number = |s: &[u8]| std::str::from_utf8(s).ok().and_then(|s| s.parse::<u64>().ok());
        let seq = number(&line[..first])
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(bad)?;
        let third = tab(second + 1).ok_or_else(bad)?;
        let text_bytes = number(&line[first + 1..second]).ok_or_else(bad)?;
        let words = number(&line[second + 1..third]).ok_or_else(bad)?;
        let json = line[third + 1..].to_vec();
        Ok(ScanLine {
            seq,
            text_bytes,
            words,
            json,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, seqs: &[u32]) {
        let mut w = ScanWriter::create(path.to_owned()).expect("create");
        for chunk in seqs.chunks(2) {
            let mut lines = Vec::new();
            for seq in chunk {
                line_prefix(&mut lines, *seq, 4, 1);
                lines.extend_from_slice(b"{\"id\":\"x\"}\n");
            }
            w.append(&encode_frame(&lines).expect("frame")).expect("append");
        }
        w.finish().expect("finish");
    }

    fn read_all(path: &Path, expected: u64) -> Result<Vec<u32>> {
        let mut r = ScanReader::open(path, expected)?;
        let mut seqs = Vec::new();
        while let Some(line) = r.next()? {
            seqs.push(line.seq);
        }
        Ok(seqs)
    }

    #[test]
    fn lines_round_trip_and_damage_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("00000.jsonl.zst");
        write(&path, &[0, 2, 5]);
        assert_eq!(read_all(&path, 3).expect("read"), [0, 2, 5]);
        assert!(read_all(&path, 4).is_err(), "a line short");
        assert!(read_all(&path, 2).is_err(), "a line over");
        let good = std::fs::read(&path).expect("read");
        for cut in 0..good.len() {
            std::fs::write(&path, &good[..cut]).expect("write");
            let err = read_all(&path, 3).expect_err("truncated");
            assert!(err.to_string().contains("00000.jsonl.zst"), "cut {cut}: {err}");
        }
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x04;
            std::fs::write(&path, &bad).expect("write");
            if let Ok(seqs) = read_all(&path, 3) {
                // A flip zstd cannot see (in a frame's unused bits) must leave the content as it was.
                assert_eq!(seqs, [0, 2, 5], "a flip at byte {at} changed the lines unnoticed");
            }
        }
        write(&path, &[]);
        assert!(read_all(&path, 0).expect("empty").is_empty());
    }
}
