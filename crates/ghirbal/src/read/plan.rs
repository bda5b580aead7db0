//! Planning: expanding the user's inputs (files, folders, globs, mixed) into an ordered file list, then into
//! shards. The plan is deterministic — same inputs, same shards, same document ordinals — and is stored in the
//! run's manifest so that a resumed run reuses it instead of planning again.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Codec;
use crate::{Error, InputConfig, Result};

/// The kind of an input file, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// One document per file.
    Txt,
    /// One JSON object per line, possibly compressed.
    Jsonl(Codec),
    /// Parquet.
    Parquet,
    /// A WARC or WET archive, possibly compressed.
    Warc(Codec),
    /// One HTML page per file.
    Html,
}

impl FileKind {
    /// The kind implied by a file name, or `None` if we cannot read it.
    pub fn of(path: &Path) -> Option<FileKind> {
        let name = path.file_name()?.to_str()?;
        if name.ends_with(".txt") {
            return Some(FileKind::Txt);
        }
        if name.ends_with(".parquet") {
            return Some(FileKind::Parquet);
        }
        if name.ends_with(".html") || name.ends_with(".htm") {
            return Some(FileKind::Html);
        }
        let (codec, stem) = Codec::from_name(name);
        if stem.ends_with(".warc") || stem.ends_with(".wet") {
            return Some(FileKind::Warc(codec));
        }
        [".jsonl", ".json", ".ndjson"]
            .iter()
            .any(|ext| stem.ends_with(ext))
            .then_some(FileKind::Jsonl(codec))
    }
}

/// One input file with what identifies its content for resume checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// The path as found.
    pub path: PathBuf,
    /// For `.txt` files: the folder the id is relative to.
    pub root: PathBuf,
    /// Its kind.
    pub kind: FileKind,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch (0 where unknown).
    pub mtime_ns: u64,
}

/// What a shard reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ShardKind {
    /// JSONL lines of `path`; for plain files only bytes `start..end`, whose first line is `first_line`.
    Jsonl {
        /// The file.
        path: PathBuf,
        /// Its compression.
        codec: Codec,
        /// First byte (a line start).
        start: u64,
        /// End byte, exclusive (`None`: to the end).
        end: Option<u64>,
        /// 1-based number of the line at `start`.
        first_line: u64,
    },
    /// `.txt` files under `root`, by relative path; the id is the relative path without `.txt`.
    Txt {
        /// The folder ids are relative to.
        root: PathBuf,
        /// Files relative to `root`, `/`-separated.
        files: Vec<String>,
    },
    /// A Parquet file.
    Parquet {
        /// The file.
        path: PathBuf,
    },
    /// WARC records of `path`; for gzip files only the members that start in `start..end`.
    Warc {
        /// The file.
        path: PathBuf,
        /// Its compression.
        codec: Codec,
        /// First byte (a gzip member's start).
        start: u64,
        /// End byte, exclusive (`None`: to the end).
        end: Option<u64>,
    },
    /// `.html` files under `root`, by relative path; the id is the relative path without the extension.
    Html {
        /// The folder ids are relative to.
        root: PathBuf,
        /// Files relative to `root`, `/`-separated.
        files: Vec<String>,
    },
}

/// One unit of scan/write work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    /// Position in the plan; the high half of every ordinal in it.
    pub index: u32,
    /// What it reads.
    #[serde(flatten)]
    pub kind: ShardKind,
}

impl ShardSpec {
    /// A short human description ("file.jsonl bytes 0..64MiB").
    pub fn describe(&self) -> String {
        match &self.kind {
            ShardKind::Jsonl {
                path,
                start,
                end: Some(end),
                ..
            } => {
                format!("{} bytes {start}..{end}", path.display())
            }
            ShardKind::Warc {
                path,
                start,
                end: Some(end),
                ..
            } => format!("{} bytes {start}..{end}", path.display()),
            ShardKind::Jsonl { path, .. } | ShardKind::Parquet { path } | ShardKind::Warc { path, .. } => {
                path.display().to_string()
            }
            ShardKind::Txt { root, files } => {
                format!("{} ({} .txt files)", root.display(), files.len())
            }
            ShardKind::Html { root, files } => {
                format!("{} ({} .html files)", root.display(), files.len())
            }
        }
    }
}

/// Expands inputs into the ordered list of files: inputs in the order given; a folder's files sorted by path.
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut files = Vec::new();
    for input in inputs {
        let text = input.to_string_lossy();
        if !input.exists() && text.contains(['*', '?', '[']) {
            expand_glob(&text, &mut files)?;
        } else if input.is_dir() {
            expand_dir(input, &mut files)?;
        } else if input.exists() {
            let kind = FileKind::of(input).ok_or_else(|| Error::UnsupportedFormat(input.clone()))?;
            let root = input.parent().map(Path::to_path_buf).unwrap_or_default();
            files.push(input_file(input, root, kind)?);
        } else {
            return Err(Error::InputNotFound(text.into_owned()));
        }
    }
    Ok(files)
}

fn expand_glob(pattern: &str, files: &mut Vec<InputFile>) -> Result<()> {
    let paths = glob::glob(pattern).map_err(|e| Error::Config(format!("bad glob {pattern:?}: {e}")))?;
    let mut matched: Vec<PathBuf> = paths
        .filter_map(std::result::Result::ok)
        .filter(|p| p.is_file())
        .collect();
    matched.sort();
    matched.retain(|p| FileKind::of(p).is_some());
    if matched.is_empty() {
        return Err(Error::InputNotFound(format!(
            "{pattern} (the pattern matches no readable file)"
        )));
    }
    for path in matched {
        let kind = FileKind::of(&path).ok_or_else(|| Error::UnsupportedFormat(path.clone()))?;
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        files.push(input_file(&path, root, kind)?);
    }
    Ok(())
}

fn expand_dir(dir: &Path, files: &mut Vec<InputFile>) -> Result<()> {
    let mut skipped = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::Io {
                op: "listing",
                path,
                source: e.into(),
            }
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        match FileKind::of(entry.path()) {
            Some(kind) => files.push(input_file(entry.path(), dir.to_path_buf(), kind)?),
            None => skipped.push(entry.path().to_path_buf()),
        }
    }
    if let Some(first) = skipped.first() {
        tracing::warn!(
            "{}: skipped {} file(s) of unknown format, e.g. {}",
            dir.display(),
            skipped.len(),
            first.display()
        );
    }
    Ok(())
}

fn input_file(path: &Path, root: PathBuf, kind: FileKind) -> Result<InputFile> {
    let meta = std::fs::metadata(path).map_err(Error::io("reading metadata of", path))?;
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64);
    Ok(InputFile {
        path: path.to_path_buf(),
        root,
        kind,
        size: meta.len(),
        mtime_ns,
    })
}

/// Turns the file list into shards.
pub fn plan(files: &[InputFile], cfg: &InputConfig) -> Result<Vec<ShardSpec>> {
    let mut kinds: Vec<ShardKind> = Vec::new();
    for file in files {
        match file.kind {
            FileKind::Txt | FileKind::Html => push_txt(&mut kinds, file, cfg.txt_files_per_shard as usize),
            FileKind::Warc(Codec::Gzip) if file.size > cfg.shard_bytes => {
                kinds.extend(split_warc_gz(&file.path, file.size, cfg.shard_bytes)?);
            }
            FileKind::Warc(codec) => kinds.push(ShardKind::Warc {
                path: file.path.clone(),
                codec,
                start: 0,
                end: None,
            }),
            FileKind::Parquet => kinds.push(ShardKind::Parquet {
                path: file.path.clone(),
            }),
            FileKind::Jsonl(Codec::Plain) if file.size > cfg.shard_bytes => {
                kinds.extend(split_jsonl(&file.path, cfg.shard_bytes)?);
            }
            FileKind::Jsonl(codec) => {
                kinds.push(ShardKind::Jsonl {
                    path: file.path.clone(),
                    codec,
                    start: 0,
                    end: None,
                    first_line: 1,
                });
            }
        }
    }
    Ok(kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| ShardSpec { index: i as u32, kind })
        .collect())
}

fn push_txt(kinds: &mut Vec<ShardKind>, file: &InputFile, per_shard: usize) {
    let rel = file.path.strip_prefix(&file.root).unwrap_or(&file.path);
    let rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let html = file.kind == FileKind::Html;
    match kinds.last_mut() {
        Some(ShardKind::Txt { root, files }) if !html && *root == file.root && files.len() < per_shard => {
            files.push(rel);
        }
        Some(ShardKind::Html { root, files }) if html && *root == file.root && files.len() < per_shard => {
            files.push(rel);
        }
        _ if html => kinds.push(ShardKind::Html {
            root: file.root.clone(),
            files: vec![rel],
        }),
        _ => kinds.push(ShardKind::Txt {
            root: file.root.clone(),
            files: vec![rel],
        }),
    }
}

/// Cuts an uncompressed JSONL file every `shard_bytes`, each cut moved forward to just after a newline; one
/// sequential pass that also counts lines, so every shard knows the line number it starts at.
fn split_jsonl(path: &Path, shard_bytes: u64) -> Result<Vec<ShardKind>> {
    let file = std::fs::File::open(path).map_err(Error::io("opening", path))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let (mut pos, mut line, mut start, mut start_line) = (0u64, 1u64, 0u64, 1u64);
    let mut shards = Vec::new();
    loop {
        let buf = reader.fill_buf().map_err(Error::io("reading", path))?;
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        let mut consumed = 0;
        while consumed < len {
            let target = start + shard_bytes;
            let chunk = &buf[consumed..];
            let Some(nl) = memchr::memchr(b'\n', chunk) else {
                break;
            };
            let at = pos + (consumed + nl) as u64;
            line += 1;
            consumed += nl + 1;
            if at + 1 >= target {
                let end = at + 1;
                shards.push(ShardKind::Jsonl {
                    path: path.to_path_buf(),
                    codec: Codec::Plain,
                    start,
                    end: Some(end),
                    first_line: start_line,
                });
                (start, start_line) = (end, line);
            }
        }
        reader.consume(len);
        pos += len as u64;
    }
    if start < pos || shards.is_empty() {
        shards.push(ShardKind::Jsonl {
            path: path.to_path_buf(),
            codec: Codec::Plain,
            start,
            end: Some(pos),
            first_line: start_line,
        });
    }
    Ok(shards)
}

/// Cuts a `.warc.gz` file near every `shard_bytes` at the start of a gzip member (Common Crawl writes one
/// member per record), so one large archive runs on every core. A cut is the first offset at or after the
/// target where a whole gzip member decodes and its text starts with `WARC/`; a file written as one
/// member has no such offset and stays one shard.
fn split_warc_gz(path: &Path, size: u64, shard_bytes: u64) -> Result<Vec<ShardKind>> {
    let data = std::fs::File::open(path).map_err(Error::io("opening", path))?;
    let mut cuts = vec![0u64];
    let mut target = shard_bytes;
    while target < size {
        match member_start_from(&data, path, target, size)? {
            Some(at) if at > *cuts.last().unwrap_or(&0) => {
                cuts.push(at);
                target = at + shard_bytes;
            }
            _ => break,
        }
    }
    let shard = |i: usize| ShardKind::Warc {
        path: path.to_path_buf(),
        codec: Codec::Gzip,
        start: cuts[i],
        end: cuts.get(i + 1).copied(),
    };
    Ok((0..cuts.len()).map(shard).collect())
}

/// The first gzip member at or after `from` whose content is a WARC record.
fn member_start_from(file: &std::fs::File, path: &Path, from: u64, size: u64) -> Result<Option<u64>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file;
    let mut window = vec![0u8; 1 << 20];
    let mut pos = from;
    while pos < size {
        f.seek(SeekFrom::Start(pos)).map_err(Error::io("seeking in", path))?;
        let n = f.read(&mut window).map_err(Error::io("reading", path))?;
        if n < 3 {
            return Ok(None);
        }
        let mut at = 0;
        while let Some(rel) = memchr::memmem::find(&window[at..n], b"\x1f\x8b\x08") {
            let candidate = pos + (at + rel) as u64;
            if starts_warc_member(f, path, candidate)? {
                return Ok(Some(candidate));
            }
            at += rel + 1;
        }
        pos += (n - 2) as u64;
    }
    Ok(None)
}

/// Whether a gzip member starts at `offset` and decodes to text beginning `WARC/`.
fn starts_warc_member(mut f: &std::fs::File, path: &Path, offset: u64) -> Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    f.seek(SeekFrom::Start(offset)).map_err(Error::io("seeking in", path))?;
    let mut head = [0u8; 5];
    let mut decoder = flate2::read::GzDecoder::new(BufReader::new(f));
    Ok(decoder.read_exact(&mut head).is_ok() && &head == b"WARC/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, body).expect("write");
        path
    }

    #[test]
    fn split_cuts_at_line_boundaries_and_numbers_lines() {
        let dir = tempfile::tempdir().expect("tmp");
        let body: String = (0..100)
            .map(|i| format!("{{\"id\":\"{i}\",\"text\":\"{}\"}}\n", "x".repeat(i)))
            .collect();
        let path = write(dir.path(), "a.jsonl", &body);
        let shards = split_jsonl(&path, 500).expect("split");
        assert!(shards.len() > 5, "{}", shards.len());
        let bytes = body.as_bytes();
        let mut expect_start = 0;
        for s in &shards {
            let ShardKind::Jsonl {
                start,
                end: Some(end),
                first_line,
                ..
            } = s
            else {
                panic!("kind")
            };
            assert_eq!(*start, expect_start);
            assert!(*start == 0 || bytes[*start as usize - 1] == b'\n');
            let lines_before = bytes[..*start as usize].iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(*first_line, lines_before + 1);
            expect_start = *end;
        }
        assert_eq!(expect_start, bytes.len() as u64);
    }

    #[test]
    fn folders_are_sorted_and_unknown_files_skipped() {
        let dir = tempfile::tempdir().expect("tmp");
        write(dir.path(), "b/2.txt", "x");
        write(dir.path(), "a.txt", "x");
        write(dir.path(), "c.jsonl.gz", "");
        write(dir.path(), "notes.md", "x");
        let files = expand(&[dir.path().to_path_buf()]).expect("expand");
        let names: Vec<_> = files
            .iter()
            .map(|f| f.path.strip_prefix(dir.path()).expect("rel").to_owned())
            .collect();
        assert_eq!(names, [PathBuf::from("a.txt"), "b/2.txt".into(), "c.jsonl.gz".into()]);
        let shards = plan(&files, &InputConfig::default()).expect("plan");
        assert_eq!(shards.len(), 2);
        assert_eq!(
            shards[0].kind,
            ShardKind::Txt {
                root: dir.path().to_owned(),
                files: vec!["a.txt".into(), "b/2.txt".into()]
            }
        );
    }

    #[test]
    fn missing_and_unknown_inputs_are_errors() {
        let dir = tempfile::tempdir().expect("tmp");
        let err = expand(&[dir.path().join("nope.jsonl")]).expect_err("missing");
        assert!(matches!(err, Error::InputNotFound(_)));
        let md = write(dir.path(), "x.md", "");
        assert!(matches!(
            expand(&[md]).expect_err("format"),
            Error::UnsupportedFormat(_)
        ));
        let err = expand(&[dir.path().join("*.jsonl")]).expect_err("glob");
        assert!(err.to_string().contains("matches no"), "{err}");
    }
}
