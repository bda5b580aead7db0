//! The scan's document files: `scan/S.lines` (a shard's survivors) and `scan/S.removed.lines` (what its
//! stages removed), written by the `scan` step and streamed by the `write` step.
//!
//! A file is a sequence of checksummed frames ([`super::frame`], stored as `[run] work_compression` says):
//! first a frame holding the [`HEADER`] line, then one frame per batch, each holding whole lines. A line is
//! `SEQ\tTEXT_BYTES\tWORDS\tJSON` (`WORDS` for the report's lengths). The reader checks the header, the
//! frames' checksums (a flipped byte fails the frame), that sequence numbers rise, and that the file holds
//! exactly the lines the scan counted (a file cut at a frame boundary is still a sequence of whole frames).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::frame::{FrameError, FrameReader};
use crate::{Error, Result, WorkCompression};

/// The first line of every scan file: what it is and the work format.
pub(crate) const HEADER: &[u8] = b"ghirbal scan lines, work format 8\n";

/// One batch's lines as a checksummed frame.
pub(crate) fn encode_frame(codec: WorkCompression, lines: &[u8]) -> std::io::Result<Vec<u8>> {
    super::frame::encode(codec, lines)
}

/// A batch to write lines into, with room for its frame header ([`seal_frame`]).
pub(crate) fn frame_room(capacity: usize) -> Vec<u8> {
    super::frame::room(capacity)
}

/// The frame of a batch from [`frame_room`]: the bytes [`encode_frame`] gives for its lines.
pub(crate) fn seal_frame(codec: WorkCompression, batch: Vec<u8>) -> std::io::Result<Vec<u8>> {
    super::frame::seal(codec, batch)
}

/// Appends the `SEQ\tTEXT_BYTES\tWORDS\t` prefix of a line (the JSON and the newline follow).
pub(crate) fn line_prefix(buf: &mut Vec<u8>, seq: u32, text_bytes: usize, words: u64) {
    use std::io::Write as _;
    // Writing to a Vec cannot fail.
    let _ = write!(buf, "{seq}\t{text_bytes}\t{words}\t");
}

/// Writes one scan file under a temporary name until [`ScanWriter::finish`].
pub(crate) struct ScanWriter {
    out: BufWriter<super::TmpFile>,
    tmp: PathBuf,
    path: PathBuf,
}

impl ScanWriter {
    /// Starts `path` with its header frame.
    pub(crate) fn create(path: PathBuf, codec: WorkCompression) -> Result<ScanWriter> {
        let (file, tmp) = super::create_tmp(&path)?;
        let mut w = ScanWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            tmp,
            path,
        };
        let header = encode_frame(codec, HEADER).map_err(Error::io("compressing the header of", &w.path))?;
        w.append(&header)?;
        Ok(w)
    }

    /// Appends a frame made by [`encode_frame`].
    pub(crate) fn append(&mut self, frame: &[u8]) -> Result<()> {
        self.out.write_all(frame).map_err(Error::io("writing", &self.tmp))
    }

    /// Drops the file unwritten.
    pub(crate) fn abort(self) -> Result<()> {
        drop(self.out);
        super::discard(&self.tmp)
    }

    /// Starts what is written on its way to disk, before [`ScanWriter::finish`] ([`super::TmpFile::sync_behind`]).
    pub(crate) fn sync_soon(&mut self) -> Result<()> {
        super::sync_soon(&mut self.out)
    }

    /// Puts the file in place.
    pub(crate) fn finish(self) -> Result<()> {
        self.out
            .into_inner()
            .map_err(|e| Error::io("writing", &self.tmp)(e.into_error()))?
            .commit_behind(&self.path)
    }
}

/// One line of a scan file; its JSON stays in the reader ([`ScanReader::json`]) until the reader moves on.
pub(crate) struct ScanLine {
    /// The document's sequence number in its shard.
    pub seq: u32,
    /// Its text's byte length (0 for removals).
    pub text_bytes: u64,
    /// Its words (0 for removals).
    pub words: u64,
    /// Where the JSON record is in the reader's current frame.
    json: std::ops::Range<usize>,
}

/// Streams the lines of one scan file, checking it as it goes.
pub(crate) struct ScanReader {
    frames: FrameReader<std::io::BufReader<File>>,
    /// The frame being read, and where its next line starts.
    frame: Vec<u8>,
    at: usize,
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
        let mut r = ScanReader {
            frames: FrameReader::new(std::io::BufReader::with_capacity(1 << 16, file)),
            frame: Vec::new(),
            at: 0,
            path: path.to_owned(),
            expected,
            read: 0,
            last_seq: None,
            pending: None,
        };
        if !r.next_frame()? || r.frame != HEADER {
            return Err(r.corrupt("the file does not start with the scan header of this work format"));
        }
        r.at = r.frame.len();
        Ok(r)
    }

    fn corrupt(&self, what: &str) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            message: format!("after {} line(s): {what}", self.read),
        }
    }

    /// Loads the next frame; false (and no frame) at the end of the file, however often asked.
    fn next_frame(&mut self) -> Result<bool> {
        self.at = 0;
        let more = self.frames.next_into(&mut self.frame).map_err(|e| match e {
            FrameError::Corrupt(what) => self.corrupt(&what),
            FrameError::Io(e) => Error::io("reading", &self.path)(e),
        })?;
        if !more {
            self.frame.clear();
        }
        Ok(more)
    }

    /// The next line's bytes (without its newline), or `None` at the end of the file.
    fn read_line(&mut self) -> Result<Option<std::ops::Range<usize>>> {
        while self.at == self.frame.len() {
            if !self.next_frame()? {
                return Ok(None);
            }
        }
        let start = self.at;
        let Some(len) = memchr::memchr(b'\n', &self.frame[start..]) else {
            return Err(self.corrupt("a frame ends inside a line"));
        };
        self.at = start + len + 1;
        Ok(Some(start..start + len))
    }

    /// The JSON record of `line`, the last line [`Self::next`] returned (the write step copies it straight
    /// into its batch: no copy of its own per line on the serial reading thread).
    pub(crate) fn json(&self, line: &ScanLine) -> &[u8] {
        &self.frame[line.json.clone()]
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
        let Some(span) = self.read_line()? else {
            if self.read != self.expected {
                return Err(self.corrupt(&format!("the scan wrote {} line(s)", self.expected)));
            }
            return Ok(None);
        };
        let parsed = self.parse(span)?;
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

    fn parse(&self, span: std::ops::Range<usize>) -> Result<ScanLine> {
        let line = &self.frame[span.clone()];
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
        Ok(ScanLine {
            seq,
            text_bytes,
            words,
            json: span.start + third + 1..span.end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, seqs: &[u32]) {
        let mut w = ScanWriter::create(path.to_owned(), WorkCompression::Zstd).expect("create");
        for chunk in seqs.chunks(2) {
            let mut lines = Vec::new();
            for seq in chunk {
                line_prefix(&mut lines, *seq, 4, 1);
                lines.extend_from_slice(b"{\"id\":\"x\"}\n");
            }
            w.append(&encode_frame(WorkCompression::Zstd, &lines).expect("frame"))
                .expect("append");
        }
        w.finish().expect("finish");
    }

    fn read_all(path: &Path, expected: u64) -> Result<Vec<u32>> {
        let mut r = ScanReader::open(path, expected)?;
        let mut seqs = Vec::new();
        while let Some(line) = r.next()? {
            assert_eq!(r.json(&line), b"{\"id\":\"x\"}", "the JSON of line {}", line.seq);
            seqs.push(line.seq);
        }
        // The write step asks again after the end: still the end, never the last frame once more.
        assert!(r.next()?.is_none() && r.next()?.is_none(), "a line after the end");
        Ok(seqs)
    }

    #[test]
    fn lines_round_trip_and_damage_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("00000.lines");
        write(&path, &[0, 2, 5]);
        assert_eq!(read_all(&path, 3).expect("read"), [0, 2, 5]);
        assert!(read_all(&path, 4).is_err(), "a line short");
        assert!(read_all(&path, 2).is_err(), "a line over");
        let good = std::fs::read(&path).expect("read");
        for cut in 0..good.len() {
            std::fs::write(&path, &good[..cut]).expect("write");
            let err = read_all(&path, 3).expect_err("truncated");
            assert!(err.to_string().contains("00000.lines"), "cut {cut}: {err}");
        }
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x04;
            std::fs::write(&path, &bad).expect("write");
            assert!(read_all(&path, 3).is_err(), "a flip at byte {at} went unnoticed");
        }
        write(&path, &[]);
        assert!(read_all(&path, 0).expect("empty").is_empty());
    }
}
