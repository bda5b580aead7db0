//! What extraction gave each page of a web shard (`work/extract/S.bin`), kept between the `lines` step and
//! the scan so that a page is extracted once per run, not once per step. A sectioned file (one section per
//! page, id = its sequence number, each with its checksum); the scan replays the entries of each batch and
//! deletes the file once the shard is scanned.
//!
//! An entry: tag u8 (0 extracted, 1 refused); extracted → text, title and published (each `has u8 [|
//! bytes]`), head lines (`n u32 | bytes × n`); refused → reason code, message. A damaged file is not fatal:
//! the scan extracts those pages again — the same function of the same bytes, so the same output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::codec::{Decoder, Put};
use super::sections::{Kind, SectionWriter, Sections};
use crate::extract::cache::Entry;
use crate::extract::{Extracted, Failure, REASONS};
use crate::Result;

/// Writes one shard's entries, in sequence order.
pub struct PagesWriter(SectionWriter);

impl PagesWriter {
    /// Starts the file of a shard at `path`.
    pub fn create(path: &Path) -> Result<PagesWriter> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(crate::Error::io("creating", dir))?;
        }
        SectionWriter::create(path, Kind::Pages).map(PagesWriter)
    }

    /// Appends the entries of one batch (sequence numbers above every earlier one).
    pub fn append(&mut self, entries: &[(u32, Entry)]) -> Result<()> {
        let mut buf = Vec::new();
        for (seq, entry) in entries {
            buf.clear();
            encode(&mut buf, entry);
            self.0.section(*seq, &buf)?;
        }
        Ok(())
    }

    /// Puts the file in place.
    pub fn finish(self) -> Result<()> {
        self.0.finish()
    }
}

fn encode(buf: &mut Vec<u8>, entry: &Entry) {
    match entry {
        Ok(x) => {
            buf.put_u8(0);
            buf.put_bytes(x.text.as_bytes());
            buf.put_opt_str(x.title.as_deref());
            buf.put_opt_str(x.published.as_deref());
            buf.put_u32(x.head_lines.len() as u32);
            for line in &x.head_lines {
                buf.put_bytes(line.as_bytes());
            }
        }
        Err(f) => {
            buf.put_u8(1);
            buf.put_bytes(f.reason.code.as_bytes());
            buf.put_bytes(f.message.as_bytes());
        }
    }
}

fn decode(d: &mut Decoder<'_>) -> Result<Entry> {
    match d.u8("an entry's tag")? {
        0 => {
            let text = d.str("a page's text")?.to_owned();
            let (title, published) = (d.opt_str("a title")?, d.opt_str("a date")?);
            let n = d.u32("the head-line count")?;
            let head_lines = (0..n)
                .map(|_| Ok(d.str("a head line")?.to_owned()))
                .collect::<Result<_>>()?;
            Ok(Ok(Extracted {
                text,
                title,
                published,
                head_lines,
            }))
        }
        1 => {
            let code = d.str("a reason code")?;
            let reason = REASONS
                .iter()
                .find(|x| x.code == code)
                .copied()
                .ok_or_else(|| d.corrupt(&format!("an unknown reason {code:?}")))?;
            Ok(Err(Failure {
                reason,
                message: d.str("a message")?.to_owned(),
            }))
        }
        tag => Err(d.corrupt(&format!("an entry tag {tag} that the format does not have"))),
    }
}

/// A shard's entries, opened.
pub struct PagesReader {
    file: Sections,
    path: PathBuf,
}

impl PagesReader {
    /// Opens the file at `path`; `None` when there is none (the `lines` step did not run here).
    pub fn open(path: &Path) -> Result<Option<PagesReader>> {
        if !path.exists() {
            return Ok(None);
        }
        Ok(Some(PagesReader {
            file: Sections::open(path, Kind::Pages)?,
            path: path.to_owned(),
        }))
    }

    /// The entries of pages `seqs` (a batch's range of sequence numbers). Takes `&self`: the scan's workers
    /// share one reader, each call reading through its own handle.
    pub fn entries(&self, seqs: std::ops::Range<u32>) -> Result<BTreeMap<u32, Entry>> {
        let mut file = std::fs::File::open(&self.path).map_err(crate::Error::io("opening", &self.path))?;
        let wanted: Vec<u32> = self.file.ids().filter(|id| seqs.contains(id)).collect();
        let mut out = BTreeMap::new();
        for seq in wanted {
            let (data, offset) = self.file.read_from(&mut file, seq)?;
            let mut d = Decoder::new(&data, &self.path, offset);
            out.insert(seq, decode(&mut d)?);
            if !d.is_empty() {
                return Err(d.corrupt("bytes after an entry"));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_back_as_written_batch_by_batch() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("extract/00003.bin");
        let ok = |t: &str| -> Entry {
            Ok(Extracted {
                text: t.into(),
                title: Some("عنوان".into()),
                published: None,
                head_lines: vec!["حوار: فلان".into()],
            })
        };
        let refused: Entry = Err(Failure {
            reason: crate::extract::FAILED,
            message: "failed to grab the article".into(),
        });
        let mut w = PagesWriter::create(&path).expect("create");
        w.append(&[(0, ok("أ")), (2, refused)]).expect("append");
        w.append(&[(5, ok("ب\nج"))]).expect("append");
        w.finish().expect("finish");
        let r = PagesReader::open(&path).expect("open").expect("a file");
        let first = r.entries(0..3).expect("entries");
        assert_eq!(first.keys().copied().collect::<Vec<_>>(), [0, 2]);
        assert!(matches!(&first[&2], Err(f) if f.reason == crate::extract::FAILED && f.message.contains("grab")));
        let second = r.entries(3..10).expect("entries");
        let x = second[&5].as_ref().expect("extracted");
        assert_eq!(
            (x.text.as_str(), x.title.as_deref(), x.published.as_deref()),
            ("ب\nج", Some("عنوان"), None)
        );
        assert_eq!(x.head_lines, ["حوار: فلان"]);
        assert!(r.entries(6..9).expect("entries").is_empty());
        assert!(PagesReader::open(&dir.path().join("none.bin"))
            .expect("no error")
            .is_none());
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() - 5]).expect("write");
        assert!(
            PagesReader::open(&path).is_err(),
            "a cut file is an error, never entries made up"
        );
    }
}
