//! What extraction gave each page of a shard, kept on disk between the `lines` phase and the scan so that a
//! page is extracted once per run, not once per phase (with site tables on, the `lines` phase must read the
//! extracted text too). The scan replays an entry instead of extracting; a page without one (no cache: the
//! `lines` phase did not run, or ran on another machine that kept no work folder) is extracted as before —
//! the same function of the same bytes, so the output is the same either way.
//!
//! Format, version 1 (`work/extract/SSSSS.bin`, one per web shard, written whole and renamed into place
//! before the shard's `lines` marker): `GXC1`, then the entries in sequence order, then the index (per entry:
//! seq u32, offset u64), then the footer (index offset u64, entry count u32, `GXC1`). Little-endian. An
//! entry: seq u32, tag u8 (0 extracted, 1 refused), then strings as u32 length + UTF-8 bytes: extracted →
//! text, title, published (tag byte 0/1 before each option), head-line count u32 and the lines; refused →
//! reason code, message.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{Bounds, Extracted, Failure, REASONS};
use crate::{Error, Result};

const MAGIC: &[u8; 4] = b"GXC1";

/// One page's extraction.
pub type Entry = std::result::Result<Extracted, Failure>;

/// Where a page's main text comes from: extraction, extraction recorded for a cache, or a cache replayed.
pub enum Pages<'a> {
    /// Extract every page.
    Extract,
    /// Extract, and keep each result with its page's sequence number.
    Record(&'a mut Vec<(u32, Entry)>),
    /// Take each page's result from these (by sequence number); extract the pages not there.
    Replay(&'a mut BTreeMap<u32, Entry>),
}

impl Pages<'_> {
    /// The extraction of page `seq`.
    pub fn extract(&mut self, seq: u32, html: &str, url: Option<&str>, bounds: Bounds) -> Entry {
        match self {
            Pages::Extract => super::extract(html, url, bounds),
            Pages::Record(found) => {
                let entry = super::extract(html, url, bounds);
                found.push((seq, entry.clone()));
                entry
            }
            Pages::Replay(known) => known.remove(&seq).unwrap_or_else(|| super::extract(html, url, bounds)),
        }
    }
}

/// The cache file of shard `shard` in the work folder `work`.
pub fn path(work: &Path, shard: u32) -> PathBuf {
    work.join(format!("extract/{shard:05}.bin"))
}

/// Writes one shard's entries, in sequence order, to a temporary file renamed into place by [`Writer::finish`].
pub struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    offset: u64,
    index: Vec<(u32, u64)>,
}

impl Writer {
    /// Starts the cache of a shard at `path`.
    pub fn create(path: PathBuf) -> Result<Writer> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(Error::io("creating", dir))?;
        }
        let (file, tmp) = crate::work::create_tmp(&path)?;
        let mut w = Writer {
            path,
            tmp,
            out: std::io::BufWriter::new(file),
            offset: 0,
            index: Vec::new(),
        };
        w.put(MAGIC)?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(Error::io("writing", &self.tmp))?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn put_str(&mut self, s: &str) -> Result<()> {
        // Page text is bounded by `max_page_bytes` (u32 range); a longer string would not fit its length.
        let len = u32::try_from(s.len()).map_err(|_| Error::Corrupt {
            path: self.tmp.clone(),
            message: format!("a string of {} bytes is too long for the cache", s.len()),
        })?;
        self.put(&len.to_le_bytes())?;
        self.put(s.as_bytes())
    }

    fn put_opt(&mut self, s: Option<&str>) -> Result<()> {
        match s {
            Some(s) => {
                self.put(&[1])?;
                self.put_str(s)
            }
            None => self.put(&[0]),
        }
    }

    /// Appends the entries of one batch (sequence numbers above every earlier one).
    pub fn append(&mut self, entries: &[(u32, Entry)]) -> Result<()> {
        for (seq, entry) in entries {
            self.index.push((*seq, self.offset));
            self.put(&seq.to_le_bytes())?;
            match entry {
                Ok(x) => {
                    self.put(&[0])?;
                    self.put_str(&x.text)?;
                    self.put_opt(x.title.as_deref())?;
                    self.put_opt(x.published.as_deref())?;
                    self.put(&(x.head_lines.len() as u32).to_le_bytes())?;
                    for line in &x.head_lines {
                        self.put_str(line)?;
                    }
                }
                Err(f) => {
                    self.put(&[1])?;
                    self.put_str(f.reason.code)?;
                    self.put_str(&f.message)?;
                }
            }
        }
        Ok(())
    }

    /// Writes the index and footer and renames the file into place.
    pub fn finish(mut self) -> Result<()> {
        let index_at = self.offset;
        let index = std::mem::take(&mut self.index);
        for (seq, offset) in &index {
            self.put(&seq.to_le_bytes())?;
            self.put(&offset.to_le_bytes())?;
        }
        self.put(&index_at.to_le_bytes())?;
        self.put(&(index.len() as u32).to_le_bytes())?;
        self.put(MAGIC)?;
        self.out.flush().map_err(Error::io("writing", &self.tmp))?;
        self.out.get_ref().sync_all().map_err(Error::io("syncing", &self.tmp))?;
        crate::work::commit(&self.tmp, &self.path)
    }
}

/// A shard's cache, opened: its index in memory, its entries read batch by batch.
pub struct Reader {
    path: PathBuf,
    index: Vec<(u32, u64)>,
}

impl Reader {
    /// Opens the cache at `path`; `None` when there is none.
    pub fn open(path: PathBuf) -> Result<Option<Reader>> {
        let mut file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("opening", &path)(e)),
        };
        let corrupt = |message: &str| Error::Corrupt {
            path: path.clone(),
            message: message.into(),
        };
        let len = file.metadata().map_err(Error::io("reading", &path))?.len();
        if len < 20 {
            return Err(corrupt("shorter than its footer"));
        }
        let mut footer = [0u8; 16];
        file.seek(SeekFrom::End(-16))
            .and_then(|_| file.read_exact(&mut footer))
            .map_err(Error::io("reading", &path))?;
        let index_at = u64::from_le_bytes(footer[..8].try_into().unwrap_or_default());
        let count = u32::from_le_bytes(footer[8..12].try_into().unwrap_or_default()) as u64;
        let end = count
            .checked_mul(12)
            .and_then(|n| n.checked_add(16))
            .and_then(|n| n.checked_add(index_at));
        if &footer[12..] != MAGIC || end != Some(len) {
            return Err(corrupt("its footer does not match its length"));
        }
        let mut raw = vec![0u8; (count * 12) as usize];
        file.seek(SeekFrom::Start(index_at))
            .and_then(|_| file.read_exact(&mut raw))
            .map_err(Error::io("reading", &path))?;
        let index = raw
            .chunks_exact(12)
            .map(|c| {
                let seq = u32::from_le_bytes(c[..4].try_into().unwrap_or_default());
                (seq, u64::from_le_bytes(c[4..].try_into().unwrap_or_default()))
            })
            .collect();
        Ok(Some(Reader { path, index }))
    }

    /// The entries of pages `seqs` (a batch's range of sequence numbers).
    pub fn entries(&self, seqs: std::ops::Range<u32>) -> Result<BTreeMap<u32, Entry>> {
        let first = self.index.partition_point(|(seq, _)| *seq < seqs.start);
        let Some(&(_, offset)) = self.index.get(first) else {
            return Ok(BTreeMap::new());
        };
        let mut file = std::fs::File::open(&self.path).map_err(Error::io("opening", &self.path))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(Error::io("reading", &self.path))?;
        let mut r = BufReader::new(file);
        let mut out = BTreeMap::new();
        for &(seq, _) in self.index[first..].iter().take_while(|(seq, _)| seqs.contains(seq)) {
            let entry = read_entry(&mut r, seq).map_err(|message| Error::Corrupt {
                path: self.path.clone(),
                message,
            })?;
            out.insert(seq, entry);
        }
        Ok(out)
    }
}

fn read_entry(r: &mut impl Read, seq: u32) -> std::result::Result<Entry, String> {
    let mut b4 = [0u8; 4];
    let mut byte = [0u8; 1];
    let get = |r: &mut dyn Read, buf: &mut [u8]| r.read_exact(buf).map_err(|e| format!("entry {seq}: {e}"));
    get(r, &mut b4)?;
    if u32::from_le_bytes(b4) != seq {
        return Err(format!("entry {seq} is not where its index says"));
    }
    let string = |r: &mut dyn Read| -> std::result::Result<String, String> {
        let mut len = [0u8; 4];
        r.read_exact(&mut len).map_err(|e| format!("entry {seq}: {e}"))?;
        // Read through `take`: a damaged length gives a short read, never a huge allocation.
        let len = u64::from(u32::from_le_bytes(len));
        let mut bytes = Vec::new();
        r.take(len)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("entry {seq}: {e}"))?;
        if bytes.len() as u64 != len {
            return Err(format!("entry {seq} is cut short"));
        }
        String::from_utf8(bytes).map_err(|_| format!("entry {seq} holds invalid UTF-8"))
    };
    get(r, &mut byte)?;
    if byte[0] == 1 {
        let code = string(r)?;
        let reason = REASONS
            .iter()
            .find(|x| x.code == code)
            .copied()
            .ok_or_else(|| format!("entry {seq} names an unknown reason {code:?}"))?;
        return Ok(Err(Failure {
            reason,
            message: string(r)?,
        }));
    }
    let text = string(r)?;
    let opt = |r: &mut dyn Read| -> std::result::Result<Option<String>, String> {
        let mut flag = [0u8; 1];
        r.read_exact(&mut flag).map_err(|e| format!("entry {seq}: {e}"))?;
        if flag[0] == 1 {
            string(r).map(Some)
        } else {
            Ok(None)
        }
    };
    let (title, published) = (opt(r)?, opt(r)?);
    get(r, &mut b4)?;
    let head_lines = (0..u32::from_le_bytes(b4))
        .map(|_| string(r))
        .collect::<std::result::Result<_, _>>()?;
    Ok(Ok(Extracted {
        text,
        title,
        published,
        head_lines,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_back_as_written_batch_by_batch() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = path(dir.path(), 3);
        let ok = |t: &str| -> Entry {
            Ok(Extracted {
                text: t.into(),
                title: Some("عنوان".into()),
                published: None,
                head_lines: vec!["حوار: فلان".into()],
            })
        };
        let refused: Entry = Err(Failure {
            reason: super::super::FAILED,
            message: "failed to grab the article".into(),
        });
        let mut w = Writer::create(path.clone()).expect("create");
        w.append(&[(0, ok("أ")), (2, refused)]).expect("append");
        w.append(&[(5, ok("ب\nج"))]).expect("append");
        w.finish().expect("finish");
        let r = Reader::open(path.clone()).expect("open").expect("a cache");
        let first = r.entries(0..3).expect("entries");
        assert_eq!(first.keys().copied().collect::<Vec<_>>(), [0, 2]);
        assert!(matches!(&first[&2], Err(f) if f.reason == super::super::FAILED && f.message.contains("grab")));
        let second = r.entries(3..10).expect("entries");
        let x = second[&5].as_ref().expect("extracted");
        assert_eq!(
            (x.text.as_str(), x.title.as_deref(), x.published.as_deref()),
            ("ب\nج", Some("عنوان"), None)
        );
        assert_eq!(x.head_lines, ["حوار: فلان"]);
        assert!(r.entries(6..9).expect("entries").is_empty());
        assert!(Reader::open(dir.path().join("none.bin")).expect("no error").is_none());
        // A cut file is an error naming it, never entries made up.
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() - 5]).expect("write");
        assert!(matches!(Reader::open(path.clone()), Err(Error::Corrupt { .. })));
        // A footer whose numbers overflow is damage too, not a panic or a huge allocation.
        let mut forged = bytes[..bytes.len() - 16].to_vec();
        forged.extend(u64::MAX.to_le_bytes());
        forged.extend(u32::MAX.to_le_bytes());
        forged.extend(MAGIC);
        std::fs::write(&path, &forged).expect("write");
        assert!(matches!(Reader::open(path), Err(Error::Corrupt { .. })));
    }
}
