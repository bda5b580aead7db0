//! The command line, as clap structs only; turning them into a run happens in `commands/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// ghirbal (غربال): an Arabic-first corpus curation engine.
#[derive(Debug, Parser)]
#[command(name = "ghirbal", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Curate a corpus: read, normalise, deduplicate, write kept/ and removed/ with stats.json.
    Run(RunArgs),
    /// Normalise stdin to stdout, line by line, with the output or the key profile.
    Normalize(NormalizeArgs),
    /// Print the default configuration (TOML), every knob documented, or what a preset changes.
    Config(ConfigArgs),
    /// Why a document was kept or removed: the rule and what it measured, or its keeper, shared LSH bands,
    /// similarity and a line diff, or its cluster.
    Explain(ExplainArgs),
    /// Write OUT/report.html again from OUT/stats.json and OUT/examples.json (a run writes it itself).
    Report(ReportArgs),
    /// A news archive (`run --archive`): its batches and counts, or every archived document's cluster.
    #[command(subcommand)]
    Archive(ArchiveCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum ArchiveCommand {
    /// Batches, documents, clusters and disk size of an archive.
    Stats {
        /// The archive folder.
        archive: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every document the archive has seen (kept or deduplicated) as JSONL: id, cluster_id, cluster_size,
    /// status, batch — for up-sampling weights without rewriting old outputs.
    Clusters {
        /// The archive folder.
        archive: PathBuf,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    /// The output directory of a finished run.
    pub(crate) out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ExplainArgs {
    /// The output directory of a finished run.
    pub(crate) out: PathBuf,
    /// The document id.
    pub(crate) id: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Input files, folders or globs: .txt, .jsonl, .json (JSONL, or one JSON array of records), .parquet, .warc,
    /// WET, .html, .htm; compressed .gz, .zst, .bz2, .xz. None: the bundled example.
    pub(crate) inputs: Vec<PathBuf>,
    /// Output directory.
    #[arg(short, long, default_value = "ghirbal-out")]
    pub(crate) out: PathBuf,
    /// Configuration file (TOML); see `ghirbal config`.
    #[arg(short, long)]
    pub(crate) config: Option<PathBuf>,
    /// Preset the configuration starts from (overrides the config file's `preset`): `ghirbal` repairs, then
    /// filters with Arabic-aware words; `fineweb2` filters exactly as FineWeb-2/datatrove, no repairs.
    #[arg(long, value_enum)]
    pub(crate) preset: Option<PresetArg>,
    /// Worker threads (default: one per core; more than 4 per core are capped, with a warning; a small input
    /// uses no more than it has 1 MiB batches). Never changes the output.
    #[arg(long, default_value_t = 0)]
    pub(crate) threads: usize,
    /// Compression of the output parts (overrides the config).
    #[arg(long, value_enum)]
    pub(crate) compression: Option<CompressionArg>,
    /// Format of the output parts (overrides the config).
    #[arg(long, value_enum)]
    pub(crate) format: Option<FormatArg>,
    /// Stages to run, comma-separated, in order (overrides the config), e.g. `normalize,dedup.exact`.
    #[arg(long, value_delimiter = ',')]
    pub(crate) stages: Option<Vec<String>>,
    /// Memory the global steps may use before they go to disk — the cluster phase's LSH band tables (sorted
    /// on disk past it), the story step's terms and vectors (read twice, kept in a scratch file) —, e.g.
    /// `2GiB`, `512MB` (default: the config's `run.memory_budget`, "auto" = half of RAM). Never changes the
    /// output.
    #[arg(long, value_name = "SIZE")]
    pub(crate) memory_budget: Option<String>,
    /// Start over when OUT holds a run with another config or other inputs.
    #[arg(long)]
    pub(crate) force: bool,
    /// A news archive: deduplicate the inputs against every document it holds (exact and near), then add
    /// the kept ones to it. Created on first use; one run adds to it at a time.
    #[arg(long, value_name = "ARCHIVE")]
    pub(crate) archive: Option<PathBuf>,
    /// Run one step only, for a job array or a scheduler: plan, lines, lines-count, scan, cluster, near,
    /// near-clusters, story, write, finish (in that order; each needs the ones before it done).
    #[arg(long, value_name = "STEP")]
    pub(crate) phase: Option<ghirbal::Step>,
    /// With --phase: run only the step's tasks (shards or partitions) whose index is I modulo N.
    #[arg(long, value_name = "I/N", requires = "phase")]
    pub(crate) shard: Option<ghirbal::TaskSlice>,
    /// No progress and no summary. Progress is a bar on a terminal, else a line every 15 s on stderr
    /// (GHIRBAL_PROGRESS_INTERVAL=SECONDS changes it).
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Exit 1 when an input warns: at least 90% of its records could not be read (a wrong text field,
    /// encoding or format). The run still completes and writes everything. With --phase, the finish step.
    #[arg(long)]
    pub(crate) strict: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ConfigArgs {
    /// Print what this preset changes instead of the defaults.
    #[arg(long, value_enum)]
    pub(crate) preset: Option<PresetArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum PresetArg {
    Ghirbal,
    Fineweb2,
}

impl From<PresetArg> for ghirbal::Preset {
    fn from(p: PresetArg) -> ghirbal::Preset {
        match p {
            PresetArg::Ghirbal => ghirbal::Preset::Ghirbal,
            PresetArg::Fineweb2 => ghirbal::Preset::Fineweb2,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum CompressionArg {
    Zstd,
    Gzip,
    None,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    Jsonl,
    Parquet,
}

#[derive(Debug, clap::Args)]
pub(crate) struct NormalizeArgs {
    /// `output`: what ghirbal stores (encoding repair, no folding); `key`: what it compares.
    #[arg(long, value_enum, default_value = "output")]
    pub(crate) profile: ProfileArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ProfileArg {
    Output,
    Key,
}
