//! Planning: expanding the user's inputs (files, folders, globs, mixed) into an ordered file list, then into
//! shards. The plan is deterministic — same inputs, same shards, same document ordinals — and is stored in the
//! run's manifest so that a resumed run reuses it instead of planning again.
//!
//! A file named on the command line must be one we read (else the run stops). A file found in a folder or
//! matched by a glob is either read or listed as skipped, with why — the list goes to `stats.json`, so a
//! folder of `.md` notes does not stop a run, and a folder whose files were all passed over does not look
//! like a small corpus. Extensions are compared without case (`.TXT`, `.Jsonl.GZ`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::compress::strip_suffix_ignore_case;
use super::{json_array, names, Codec};
use crate::{Error, InputConfig, Result};

/// The kind of an input file, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// One document per file.
    Txt,
    /// One JSON object per line, possibly compressed; a `.json` file that opens with `[` is one JSON array of
    /// them instead (its shard is a [`ShardKind::JsonArray`]).
    Jsonl(Codec),
    /// Parquet.
    Parquet,
    /// A WARC or WET archive, possibly compressed.
    Warc(Codec),
    /// One HTML page per file.
    Html,
}

impl FileKind {
    /// The kind implied by a file name (extensions compared without case), or `None` if we cannot read it.
    /// `.txt` and `.html` files may be compressed too: their reader takes the codec from the name.
    pub fn of(path: &Path) -> Option<FileKind> {
        // Only the extension matters, and it is ASCII: a name that is not UTF-8 is still recognised.
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".parquet") {
            return Some(FileKind::Parquet);
        }
        let (codec, stem) = Codec::from_name(&name);
        if stem.ends_with(".txt") {
            return Some(FileKind::Txt);
        }
        if stem.ends_with(".html") || stem.ends_with(".htm") {
            return Some(FileKind::Html);
        }
        if stem.ends_with(".warc") || stem.ends_with(".wet") {
            return Some(FileKind::Warc(codec));
        }
        [".jsonl", ".json", ".ndjson"]
            .iter()
            .any(|ext| stem.ends_with(ext))
            .then_some(FileKind::Jsonl(codec))
    }
}

/// The id of a `.txt` or `.html` file: its path relative to its folder, `/`-separated, without the
/// extension (and compression suffix); `seeds/A.TXT.gz` → `seeds/A`.
pub fn file_id(rel: &Path) -> String {
    let text = rel
        .components()
        .map(|c| names::display(Path::new(c.as_os_str())))
        .collect::<Vec<_>>()
        .join("/");
    let (_, stem) = Codec::from_name(&text);
    [".txt", ".html", ".htm"]
        .iter()
        .find_map(|ext| strip_suffix_ignore_case(stem, ext))
        .unwrap_or(stem)
        .to_owned()
}

/// Why a file found in a folder (or matched by a glob) is not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Its extension names no format we read.
    UnsupportedExtension,
    /// Not a regular file: a FIFO, a socket, a device.
    NotAFile,
    /// A symbolic link to nothing.
    BrokenLink,
    /// A name that is not UTF-8, on a platform where the run's manifest cannot record it.
    UnreadableName,
    /// Inside a ghirbal output folder (this run's `-o`, or another run's: a folder holding `ghirbal.lock`):
    /// reading it would feed a run its own, or another run's, results.
    GhirbalOutput,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SkipReason::UnsupportedExtension => "unsupported extension",
            SkipReason::NotAFile => "not a regular file",
            SkipReason::BrokenLink => "broken symbolic link",
            SkipReason::UnreadableName => "name is not UTF-8",
            SkipReason::GhirbalOutput => "inside a ghirbal output folder",
        })
    }
}

/// A file that is not read, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    /// The path, bytes that are not UTF-8 written `\xNN`.
    pub path: String,
    /// Why it is not read.
    pub reason: SkipReason,
}

impl SkippedFile {
    pub(crate) fn new(path: &Path, reason: SkipReason) -> SkippedFile {
        SkippedFile {
            path: names::display(path),
            reason,
        }
    }
}

/// What the inputs expand to: the files to read, in order, and the files passed over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The files to read.
    pub files: Vec<InputFile>,
    /// Files found in folders or by globs that are not read.
    pub skipped: Vec<SkippedFile>,
}

/// One input file with what identifies its content for resume checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// The path as found.
    #[serde(with = "names")]
    pub path: PathBuf,
    /// For `.txt` files: the folder the id is relative to.
    #[serde(with = "names")]
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
        #[serde(with = "names")]
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
    /// The elements of the JSON array a `.json` file holds (never split: one shard).
    #[serde(rename = "json_array")]
    JsonArray {
        /// The file.
        #[serde(with = "names")]
        path: PathBuf,
        /// Its compression.
        codec: Codec,
    },
    /// `.txt` files under `root`, by relative path; the id is the relative path without `.txt`.
    Txt {
        /// The folder ids are relative to.
        #[serde(with = "names")]
        root: PathBuf,
        /// Files relative to `root`.
        #[serde(with = "names::list")]
        files: Vec<PathBuf>,
    },
    /// A Parquet file.
    Parquet {
        /// The file.
        #[serde(with = "names")]
        path: PathBuf,
    },
    /// WARC records of `path`; for gzip files only the members that start in `start..end`.
    Warc {
        /// The file.
        #[serde(with = "names")]
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
        #[serde(with = "names")]
        root: PathBuf,
        /// Files relative to `root`.
        #[serde(with = "names::list")]
        files: Vec<PathBuf>,
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
    /// The input a document of this shard comes from, when it names no site: the file, or for a folder of
    /// `.txt`/`.html` files (one document each) the folder.
    pub fn source(&self) -> String {
        match &self.kind {
            ShardKind::Jsonl { path, .. }
            | ShardKind::JsonArray { path, .. }
            | ShardKind::Parquet { path }
            | ShardKind::Warc { path, .. } => path.display().to_string(),
            ShardKind::Txt { root, .. } | ShardKind::Html { root, .. } => root.display().to_string(),
        }
    }

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
            ShardKind::Jsonl { path, .. }
            | ShardKind::JsonArray { path, .. }
            | ShardKind::Parquet { path }
            | ShardKind::Warc { path, .. } => path.display().to_string(),
            ShardKind::Txt { root, files } => {
                format!("{} ({} .txt files)", root.display(), files.len())
            }
            ShardKind::Html { root, files } => {
                format!("{} ({} .html files)", root.display(), files.len())
            }
        }
    }
}

/// Expands inputs into the ordered list of files (inputs in the order given; a folder's files sorted by
/// path) and the files of folders and globs that are not read.
pub fn expand(inputs: &[PathBuf]) -> Result<Expansion> {
    let mut out = Expansion::default();
    for input in inputs {
        let text = input.to_string_lossy();
        if !input.exists() && text.contains(['*', '?', '[']) {
            expand_glob(&text, &mut out)?;
        } else if input.is_dir() {
            expand_dir(input, &mut out)?;
        } else if input.exists() {
            let kind = FileKind::of(input).ok_or_else(|| Error::UnsupportedFormat(input.clone()))?;
            let root = input.parent().map(Path::to_path_buf).unwrap_or_default();
            out.files.push(input_file(input, root, kind)?);
        } else {
            return Err(Error::InputNotFound(text.into_owned()));
        }
    }
    if let Some(first) = out.skipped.first() {
        tracing::warn!(
            "{} file(s) in the input folders not read, e.g. {} ({}); all are listed in stats.json",
            out.skipped.len(),
            first.path,
            first.reason
        );
    }
    Ok(out)
}

fn expand_glob(pattern: &str, out: &mut Expansion) -> Result<()> {
    let paths = glob::glob(pattern).map_err(|e| Error::Config(format!("bad glob {pattern:?}: {e}")))?;
    let mut matched: Vec<PathBuf> = paths
        .filter_map(std::result::Result::ok)
        .filter(|p| p.is_file())
        .collect();
    matched.sort();
    let before = out.files.len();
    for path in matched {
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        add_found(&path, root, out)?;
    }
    if out.files.len() == before {
        return Err(Error::InputNotFound(format!(
            "{pattern} (the pattern matches no readable file)"
        )));
    }
    Ok(())
}

fn expand_dir(dir: &Path, out: &mut Expansion) -> Result<()> {
    let walk = walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name();
    // A ghirbal output inside the folder (a folder holding `ghirbal.lock`: this run's -o, or another run's)
    // is not input: reported once, as a folder, and not walked.
    let mut outputs = Vec::new();
    let walk = walk.into_iter().filter_entry(|e| {
        let output = e.depth() > 0 && e.file_type().is_dir() && e.path().join("ghirbal.lock").is_file();
        if output {
            outputs.push(e.path().to_path_buf());
        }
        !output
    });
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if is_broken_link(&e) => {
                let path = e.path().unwrap_or(dir);
                out.skipped.push(SkippedFile::new(path, SkipReason::BrokenLink));
                continue;
            }
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                return Err(Error::Io {
                    op: "listing",
                    path,
                    source: e.into(),
                });
            }
        };
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            out.skipped.push(SkippedFile::new(entry.path(), SkipReason::NotAFile));
            continue;
        }
        add_found(entry.path(), dir.to_path_buf(), out)?;
    }
    for path in outputs {
        out.skipped.push(SkippedFile::new(&path, SkipReason::GhirbalOutput));
    }
    Ok(())
}

/// A file found in a folder or by a glob: read, or listed as skipped with why.
fn add_found(path: &Path, root: PathBuf, out: &mut Expansion) -> Result<()> {
    let reason = match FileKind::of(path) {
        _ if !names::storable(path) => SkipReason::UnreadableName,
        Some(kind) => {
            out.files.push(input_file(path, root, kind)?);
            return Ok(());
        }
        None => SkipReason::UnsupportedExtension,
    };
    out.skipped.push(SkippedFile::new(path, reason));
    Ok(())
}

/// A walk error on a symbolic link whose target does not exist.
fn is_broken_link(e: &walkdir::Error) -> bool {
    let dangling = e.io_error().is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound);
    dangling
        && e.path()
            .is_some_and(|p| p.symlink_metadata().is_ok() && p.metadata().is_err())
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
            FileKind::Jsonl(codec) if is_json_name(&file.path) && json_array::starts_array(&file.path, codec)? => {
                kinds.push(ShardKind::JsonArray {
                    path: file.path.clone(),
                    codec,
                });
            }
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

/// A `.json` name (possibly compressed), which may hold one JSON array instead of JSONL lines.
pub(crate) fn is_json_name(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase());
    name.is_some_and(|name| Codec::from_name(&name).1.ends_with(".json"))
}

fn push_txt(kinds: &mut Vec<ShardKind>, file: &InputFile, per_shard: usize) {
    let rel = file.path.strip_prefix(&file.root).unwrap_or(&file.path).to_path_buf();
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
        let Expansion { files, skipped } = expand(&[dir.path().to_path_buf()]).expect("expand");
        assert_eq!(
            skipped,
            [SkippedFile::new(
                &dir.path().join("notes.md"),
                SkipReason::UnsupportedExtension
            )]
        );
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
        let err = expand(&[dir.path().join("*.md")]).expect_err("glob of unknown files");
        assert!(err.to_string().contains("matches no"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_broken_links_in_a_folder_are_reported() {
        let dir = tempfile::tempdir().expect("tmp");
        write(dir.path(), "a.txt", "x");
        std::os::unix::fs::symlink(dir.path().join("gone.txt"), dir.path().join("b.txt")).expect("symlink");
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join("c.jsonl"))
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let Expansion { files, skipped } = expand(&[dir.path().to_path_buf()]).expect("expand");
        assert_eq!(files.len(), 1);
        assert_eq!(
            skipped,
            [
                SkippedFile::new(&dir.path().join("b.txt"), SkipReason::BrokenLink),
                SkippedFile::new(&dir.path().join("c.jsonl"), SkipReason::NotAFile),
            ]
        );
    }

    #[test]
    fn kinds_ignore_case_and_ids_drop_every_suffix() {
        let kind = |name: &str| FileKind::of(Path::new(name));
        assert_eq!(kind("a.TXT"), Some(FileKind::Txt));
        assert_eq!(kind("a.txt.XZ"), Some(FileKind::Txt));
        assert_eq!(kind("a.Jsonl.GZ"), Some(FileKind::Jsonl(Codec::Gzip)));
        assert_eq!(kind("a.JSONL.bz2"), Some(FileKind::Jsonl(Codec::Bzip2)));
        assert_eq!(kind("a.WARC.GZ"), Some(FileKind::Warc(Codec::Gzip)));
        assert_eq!(kind("a.warc.xz"), Some(FileKind::Warc(Codec::Xz)));
        assert_eq!(kind("a.Parquet"), Some(FileKind::Parquet));
        assert_eq!(kind("a.HTM"), Some(FileKind::Html));
        assert_eq!(kind("a.parquet.gz"), None);
        assert_eq!(kind("a.md"), None);
        assert_eq!(kind("a.gz"), None);
        assert_eq!(file_id(Path::new("seeds/A.TXT.gz")), "seeds/A");
        assert_eq!(file_id(Path::new("نص.html")), "نص");
        assert_eq!(file_id(Path::new("a.b.txt")), "a.b");
    }
}
