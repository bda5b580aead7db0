//! ghirbal (غربال, "sieve"): an Arabic-first corpus curation engine.
//!
//! A run turns input documents (folders of `.txt`, JSONL, JSONL.gz/.zst, Parquet) into a clean, deduplicated
//! corpus in which every input document is accounted for: it is either in `kept/` or in `removed/` with a
//! `stage.rule` reason. The work happens in three resumable phases over shards (see [`pipeline`]):
//!
//! 1. **scan** — read, run the per-document stages ([`Stage`]), compute dedup keys;
//! 2. **cluster** — group the keys globally and pick one deterministic keeper per group;
//! 3. **write** — route every document to `kept/` or `removed/` and prove `input = kept + removed`.
//!
//! ```no_run
//! use ghirbal::{Config, RunOptions};
//! let report = ghirbal::run(&RunOptions::new(vec!["corpus/".into()], "out".into()), &Config::default())?;
//! assert!(report.stats.conservation.holds);
//! # Ok::<(), ghirbal::Error>(())
//! ```
#![deny(missing_docs)]

pub mod archive;
pub mod clean;
mod clock;
mod config;
pub mod dedup;
pub mod doc;
mod error;
pub mod explain;
pub mod extract;
pub mod filter;
pub mod normalize;
pub mod pipeline;
pub mod read;
mod reason;
mod registry;
pub mod report;
mod stage;
pub mod stats;
pub mod story;
pub mod text;
pub mod work;
pub mod write;
mod zstd_ctx;

pub use config::{
    parse_bytes, Compression, Config, DedupConfig, DedupMode, InputConfig, KeepRule, OutputConfig, OutputFormat,
    Preset, RunConfig, WorkCompression, DEFAULT_TOML, FINEWEB2_TOML,
};
pub use doc::{Document, Meta, Ordinal, Origin};
pub use error::{Error, Result};
pub use pipeline::{
    finished_stats, pending_tasks, run, run_step, Progress, RunOptions, RunReport, Step, StepReport, TaskSlice,
};
pub use reason::{Reason, Removal};
pub use stage::{Outcome, Stage, StageCx};
pub use stats::{Conservation, InputWarning, Metric, PhaseSeconds, RepairCounts, RunStats, RunTime, StageStats};

/// The bundled example corpus, embedded so that `ghirbal run` with no input works from any directory.
pub const EXAMPLE_CORPUS: &str = include_str!("../../../examples/corpus/news.jsonl");
