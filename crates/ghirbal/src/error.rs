//! The library's error type. Every variant carries the place (file, line, byte offset, shard) the user needs to
//! find the problem; bad *records* are not errors but removals with a `read.*` reason (see [`crate::read`]).

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong in a run, with the place it went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation failed on a named file.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What we were doing ("reading", "writing", "renaming", ...).
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An input path given by the user does not exist or matches nothing.
    #[error("input not found: {0}")]
    InputNotFound(String),
    /// An input file has an extension we cannot read.
    #[error("unsupported input format: {} (expected .txt, .html, .jsonl, .json, .ndjson, .warc, .wet or .parquet; all but .parquet possibly compressed: .gz, .zst, .bz2, .xz)", .0.display())]
    UnsupportedFormat(PathBuf),
    /// A compressed input ended early or is corrupt; what was read before was processed.
    #[error("{}: input is truncated or corrupt {place} of the compressed file ({records} records read before it): {message}", path.display())]
    Truncated {
        /// The input file.
        path: PathBuf,
        /// Where in the file decoding failed.
        place: crate::read::Place,
        /// Records read and accounted before the failure.
        records: u64,
        /// The decoder's message.
        message: String,
    },
    /// A `.json` file that opens a JSON array breaks the array's grammar between elements (a missing comma,
    /// text after the closing `]`, an end before it); the elements before the break were read.
    #[error("{}: not a well-formed JSON array at line {line}, byte {byte} of its JSON text ({records} element(s) read before it): {message}", path.display())]
    BadArray {
        /// The input file.
        path: PathBuf,
        /// 1-based line of the break.
        line: u64,
        /// Offset of the break in the (decompressed) text.
        byte: u64,
        /// Elements read and accounted before the break.
        records: u64,
        /// What was expected, and found.
        message: String,
    },
    /// Two documents share an id.
    #[error("duplicate document id {id:?}: at {first} and at {second}")]
    DuplicateId {
        /// The clashing id.
        id: String,
        /// Where the first one was read.
        first: String,
        /// Where the second one was read.
        second: String,
    },
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The output directory belongs to another run (different config or inputs) or is not a ghirbal output.
    #[error("{0}")]
    OutputMismatch(String),
    /// Another process holds the output directory's lock.
    #[error("{} is in use by another ghirbal process ({holder}): wait for it to end, or choose another -o", out.display())]
    Locked {
        /// The output directory.
        out: PathBuf,
        /// What the lock file says about the process that holds it.
        holder: String,
    },
    /// A step of a run was asked for before the steps it needs (`--phase`).
    #[error("{0}")]
    NotReady(String),
    /// A file of a news archive is damaged (its checksum, size or format is not what was written).
    #[error(
        "damaged archive file {}: {message}; restore the archive from its backup (or rebuild it by adding its \
         batches again, in order), then run the same command",
        path.display()
    )]
    ArchiveDamaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file under `OUT/work/` is not what this version wrote.
    #[error("corrupt work file {}: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A Parquet input or output failed.
    #[error("parquet {}: {message}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The Parquet/Arrow message.
        message: String,
    },
    /// The accounting check failed: a bug, reported loudly rather than hidden.
    #[error("conservation check failed: input {input} != kept {kept} + removed {removed}")]
    Conservation {
        /// Documents read.
        input: u64,
        /// Documents written to kept/.
        kept: u64,
        /// Documents written to removed/.
        removed: u64,
    },
}

impl Error {
    /// Wraps an I/O error with the operation and the file it concerned.
    pub fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { op, path, source }
    }
}
