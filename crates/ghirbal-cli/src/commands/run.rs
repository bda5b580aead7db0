//! `ghirbal run`: resolve the config (file, then flags), run, print a one-screen summary, then what went wrong
//! with the inputs: the problems that fail the run (exit 1), and the warnings about inputs most of whose
//! records could not be read, which fail it under `--strict`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use ghirbal::{Compression, Config, OutputFormat, RunOptions, RunReport};

use crate::flags::{CompressionArg, FormatArg, RunArgs};
use crate::progress::Tracker;
use crate::terminal::escape_controls;

pub(crate) fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let config = resolve_config(&args)?;
    let mut opts = RunOptions::new(args.inputs.clone(), args.out.clone());
    opts.threads = capped_threads(args.threads, available_cores());
    opts.force = args.force;
    opts.archive.clone_from(&args.archive);
    let step = args
        .phase
        .map(|step| format!("{step} --shard {}", args.shard.unwrap_or_default()));
    let tracker = Tracker::new(step, !args.quiet);
    opts.progress = tracker.reporter();
    crate::signals::stop_with_message(Arc::clone(&tracker))?;
    if let Some(step) = args.phase {
        let slice = args.shard.unwrap_or_default();
        let report = ghirbal::run_step(&opts, &config, step, slice);
        tracker.stop();
        let report =
            report.with_context(|| format!("step {step} (--shard {slice}) into {} failed", args.out.display()))?;
        if !args.quiet {
            eprintln!(
                "ghirbal: step {step} --shard {slice} done; {} of the step's {} task(s) still to run",
                report.pending, report.total
            );
        }
        return finished_step(&args, step);
    }
    let report = ghirbal::run(&opts, &config);
    tracker.stop();
    let report = report.with_context(|| format!("run into {} failed", args.out.display()))?;
    if !args.quiet {
        // OUT may be any path; nothing in the summary may drive the terminal.
        eprint!("{}", escape_controls(&summary(&report)));
    }
    let strict_failed = warn(&report.stats, args.strict);
    for problem in &report.stats.input_problems {
        // The message names an input, which may be a file found in a folder: data, not the user's words.
        eprintln!("ghirbal: error: {}", escape_controls(&problem.message));
    }
    match report.stats.input_problems.is_empty() && !strict_failed {
        true => Ok(ExitCode::SUCCESS),
        false => Ok(ExitCode::from(1)),
    }
}

/// After a `--phase` step: the finish step's warnings (and `--strict`'s verdict on them) once the run is finished.
fn finished_step(args: &RunArgs, step: ghirbal::Step) -> anyhow::Result<ExitCode> {
    if step != ghirbal::Step::Finish {
        return Ok(ExitCode::SUCCESS);
    }
    let stats =
        ghirbal::finished_stats(&args.out).with_context(|| format!("reading the stats of {}", args.out.display()))?;
    match stats.is_some_and(|stats| warn(&stats, args.strict)) {
        true => Ok(ExitCode::from(1)),
        false => Ok(ExitCode::SUCCESS),
    }
}

/// Prints one warning per input most of whose records could not be read; with `strict`, an error naming
/// them too. Returns whether `strict` fails the run.
fn warn(stats: &ghirbal::RunStats, strict: bool) -> bool {
    let warnings = &stats.input_warnings;
    for w in warnings {
        let line = format!(
            "ghirbal: warning: {}: {} of {} records could not be read ({} most often): {}",
            w.file, w.failed, w.records, w.top_reason, w.hint
        );
        // File names come from the inputs: data, not the user's words.
        eprintln!("{}", escape_controls(&line));
    }
    if !strict || warnings.is_empty() {
        return false;
    }
    let files: Vec<String> = warnings
        .iter()
        .map(|w| format!("{} ({})", w.file, w.top_reason))
        .collect();
    let line = format!(
        "ghirbal: error: --strict: {} input(s) could not be read for the most part: {}; the run is complete, \
         see stats.json \"input_warnings\"",
        warnings.len(),
        files.join(", ")
    );
    eprintln!("{}", escape_controls(&line));
    true
}

/// Worker threads per core at most. The work is CPU-bound, so threads beyond the cores only cost start-up time
/// and memory (`--threads 100000` ran for minutes on 5 documents); four per core leave room for waiting on a
/// slow disk. Capping, not refusing: the output never depends on the thread count, and a job script that asks
/// for a node's worth of threads inside a smaller container should still run.
const THREADS_PER_CORE: usize = 4;

/// The cores this process may use (its CPU affinity and cgroup quota count), at least 1.
fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// `--threads` (0 = one per core), capped at [`THREADS_PER_CORE`] × `cores` with a warning that says so.
fn capped_threads(asked: usize, cores: usize) -> usize {
    let cap = cores.max(1).saturating_mul(THREADS_PER_CORE);
    if asked <= cap {
        return asked;
    }
    tracing::warn!(
        "--threads {asked} is more than {THREADS_PER_CORE} per core ({cores} core(s) available): using {cap} threads"
    );
    cap
}

fn resolve_config(args: &RunArgs) -> anyhow::Result<Config> {
    let preset = args.preset.map(ghirbal::Preset::from);
    let mut config = match &args.config {
        Some(path) => {
            // A config file that cannot be read is a mistake in the command, as one that does not parse.
            let text = std::fs::read_to_string(path)
                .with_context(|| crate::Usage(format!("reading config {}", path.display())))?;
            Config::load(&text, preset).with_context(|| format!("in config {}", path.display()))?
        }
        None => Config::preset(preset.unwrap_or_default()),
    };
    if let Some(c) = args.compression {
        config.output.compression = match c {
            CompressionArg::Zstd => Compression::Zstd,
            CompressionArg::Gzip => Compression::Gzip,
            CompressionArg::None => Compression::None,
        };
    }
    if let Some(stages) = &args.stages {
        config.stages.clone_from(stages);
        config.validate().context("in --stages")?;
    }
    if let Some(budget) = &args.memory_budget {
        config.run.memory_budget.clone_from(budget);
        config.validate().context("in --memory-budget")?;
    }
    if let Some(f) = args.format {
        config.output.format = match f {
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Parquet => OutputFormat::Parquet,
        };
    }
    Ok(config)
}

fn summary(report: &RunReport) -> String {
    let s = &report.stats;
    let t = &s.totals;
    let out = report.out.display();
    if report.already_complete {
        return format!(
            "ghirbal: {out} is already complete ({} in, {} kept, {} removed); nothing to do. Use --force to start over.\n",
            t.docs_in, t.docs_kept, t.docs_removed
        );
    }
    let mut reasons: Vec<_> = t.removed_by_reason.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    const SHOWN: usize = 8;
    let mut top: Vec<String> = reasons
        .iter()
        .take(SHOWN)
        .map(|(code, n)| format!("{code} {n}"))
        .collect();
    if reasons.len() > SHOWN {
        top.push(format!("{} more reasons in stats.json", reasons.len() - SHOWN));
    }
    let mb = t.text_bytes_in as f64 / 1e6;
    let rate = if report.seconds > 0.0 { mb / report.seconds } else { 0.0 };
    let cpu = if s.time.cpu_measured {
        format!(", {:.1} CPU-s", report.cpu_seconds)
    } else {
        String::new()
    };
    let removed = if top.is_empty() {
        String::new()
    } else {
        format!(" ({})", top.join(", "))
    };
    format!(
        "ghirbal: {} documents in, {} kept, {} removed{removed}\n  {mb:.1} MB of text in {:.1} s wall{cpu} ({rate:.1} MB/s)\n{}{}  kept: {out}/kept/  removed: {out}/removed/  stats: {out}/stats.json\n  report: {out}/report.html (what the run did, to look at)\n",
        t.docs_in, t.docs_kept, t.docs_removed, report.seconds, not_read(s), archived(s)
    )
}

/// The line saying what the archive got, with `--archive`.
fn archived(stats: &ghirbal::RunStats) -> String {
    let Some(a) = &stats.archive else {
        return String::new();
    };
    let mut line = format!(
        "  archive: batch {} added ({} kept documents; {} removed as copies of archived ones); {} batches now\n",
        a.batch, a.kept, a.duplicates_of_archive, a.batches
    );
    if let Some(first) = a.ids_seen_before_examples.first() {
        line += &format!(
            "  archive: {} document(s) have an id the archive has seen, e.g. {:?} (batch {}) at {}; see stats.json\n",
            a.ids_seen_before, first.id, first.batch, first.at
        );
    }
    line
}

/// The line naming the first few files of the input folders that were not read (all are in stats.json).
fn not_read(stats: &ghirbal::RunStats) -> String {
    const SHOWN: usize = 3;
    if stats.skipped_files.is_empty() {
        return String::new();
    }
    let mut shown: Vec<String> = stats
        .skipped_files
        .iter()
        .take(SHOWN)
        .map(|f| format!("{} ({})", f.path, f.reason))
        .collect();
    if stats.skipped_files.len() > SHOWN {
        shown.push(format!("{} more", stats.skipped_files.len() - SHOWN));
    }
    format!(
        "  {} file(s) not read: {} (listed in stats.json \"skipped_files\")\n",
        stats.skipped_file_count,
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_capped_at_four_per_core() {
        assert_eq!(capped_threads(0, 2), 0, "0 still means one per core");
        assert_eq!(capped_threads(8, 2), 8);
        assert_eq!(capped_threads(9, 2), 8);
        assert_eq!(capped_threads(100_000, 2), 8);
        assert_eq!(capped_threads(usize::MAX, 64), 256);
        assert_eq!(capped_threads(5, 0), 4, "no core count known: one core");
    }
}
