//! `ghirbal run`: resolve the config (file, then flags), run, print a one-screen summary.

use std::process::ExitCode;

use anyhow::Context;
use ghirbal::{Compression, Config, OutputFormat, RunOptions, RunReport};

use crate::flags::{CompressionArg, FormatArg, RunArgs};

pub(crate) fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let config = resolve_config(&args)?;
    let mut opts = RunOptions::new(args.inputs.clone(), args.out.clone());
    opts.threads = args.threads;
    opts.force = args.force;
    if !args.quiet {
        opts.progress = crate::progress::bar();
    }
    if let Some(step) = args.phase {
        let slice = args.shard.unwrap_or_default();
        let report = ghirbal::run_step(&opts, &config, step, slice)
            .with_context(|| format!("step {step} (--shard {slice}) into {} failed", args.out.display()))?;
        if !args.quiet {
            eprintln!(
                "ghirbal: step {step} --shard {slice} done; {} of the step's {} task(s) still to run",
                report.pending, report.total
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let report = ghirbal::run(&opts, &config).with_context(|| format!("run into {} failed", args.out.display()))?;
    if !args.quiet {
        eprint!("{}", summary(&report));
    }
    if report.stats.input_problems.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &report.stats.input_problems {
        eprintln!("ghirbal: error: {}", problem.message);
    }
    Ok(ExitCode::from(1))
}

fn resolve_config(args: &RunArgs) -> anyhow::Result<Config> {
    let preset = args.preset.map(ghirbal::Preset::from);
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading config {}", path.display()))?;
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
    let removed = if top.is_empty() {
        String::new()
    } else {
        format!(" ({})", top.join(", "))
    };
    format!(
        "ghirbal: {} documents in, {} kept, {} removed{removed}\n  {mb:.1} MB of text in {:.1} s ({rate:.1} MB/s)\n{}  kept: {out}/kept/  removed: {out}/removed/  stats: {out}/stats.json\n",
        t.docs_in, t.docs_kept, t.docs_removed, report.seconds, not_read(s)
    )
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
