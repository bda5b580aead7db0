//! Running: the three resumable phases over shards (DESIGN §3).
//!
//! ```text
//! inputs ─plan→ shards ─scan (per shard)→ survivors + keys ─cluster (per partition)→ decisions
//!        ─write (per shard)→ kept/ + removed/ ─finish→ stats.json (conservation checked)
//! ```
//! With site tables on, `scan` holds back the documents that have a site until `lines-count` has counted
//! the tables, and `scan-sited` scans their shards ([`sited`]).
//! Every task reads and writes files only and leaves a marker when its outputs are in place, so a run killed
//! at any moment resumes where it stopped and produces byte-identical output; any engine can run the tasks.

mod cluster;
mod finish;
mod flow;
pub mod lines;
pub mod manifest;
mod near;
mod near_clusters;
mod observe;
mod output;
mod route;
mod scan;
mod scan_sink;
mod sited;
mod stage_run;
pub mod steps;
mod story;
mod time;
mod warnings;

use std::path::PathBuf;

use manifest::Manifest;
use steps::site_lines_on;
use time::{Invocation, StepClock};

pub use crate::work::{Layout, Step, StepReport, TaskSlice};
pub(crate) use finish::read_stats;

use crate::stats::RunStats;
use crate::work::LockMode;
use crate::{Config, Error, Result};
use output::open;

/// Progress callbacks (the CLI draws a bar; the library stays silent).
pub trait Progress: Send + Sync {
    /// A phase starts; `total` is in the phase's unit (scan: input bytes; write: documents).
    fn start(&self, _phase: &'static str, _total: u64) {}
    /// Work done: `position` in the phase's unit, `docs` documents.
    fn advance(&self, _position: u64, _docs: u64) {}
    /// The phase ended.
    fn finish(&self) {}
}

/// No progress reporting.
#[derive(Debug, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// What to run, beyond the config.
pub struct RunOptions {
    /// Files, folders and globs; empty = the bundled example corpus.
    pub inputs: Vec<PathBuf>,
    /// The output directory.
    pub out: PathBuf,
    /// Worker threads (0 = one per core). Never changes the output.
    pub threads: usize,
    /// Start over when `out` holds another run.
    pub force: bool,
    /// Where progress goes.
    pub progress: Box<dyn Progress>,
    /// The news archive to deduplicate against and add the kept documents to (`--archive`).
    pub archive: Option<PathBuf>,
}

impl RunOptions {
    /// Options with defaults: all cores, no force, no progress.
    pub fn new(inputs: Vec<PathBuf>, out: PathBuf) -> RunOptions {
        RunOptions {
            inputs,
            out,
            threads: 0,
            force: false,
            progress: Box::new(NoProgress),
            archive: None,
        }
    }
}

/// The outcome of a run that completed its phases.
#[derive(Debug)]
pub struct RunReport {
    /// What `stats.json` holds.
    pub stats: RunStats,
    /// The output directory.
    pub out: PathBuf,
    /// True when the run had already completed and nothing was done.
    pub already_complete: bool,
    /// Wall-clock seconds of this invocation.
    pub seconds: f64,
    /// CPU seconds of this invocation: the process's, user + system, every thread.
    pub cpu_seconds: f64,
}

/// Runs the whole job: plan (or resume), scan, cluster, write, stats.
pub fn run(opts: &RunOptions, config: &Config) -> Result<RunReport> {
    let invocation = Invocation::start();
    let plan = invocation.step(Step::Plan);
    // One batch at a time per archive: taken before the plan reads the archive, held to the add.
    let archive_lock = match &opts.archive {
        Some(root) => Some(crate::archive::add::ArchiveLock::acquire(root)?),
        None => None,
    };
    let (layout, manifest, _lock) = open(opts, config, LockMode::Exclusive, true)?;
    let config = &manifest.planned(config);
    if layout.stats().exists() {
        return Ok(RunReport {
            stats: finish::read_stats(&layout)?,
            out: opts.out.clone(),
            already_complete: true,
            seconds: 0.0,
            cpu_seconds: 0.0,
        });
    }
    if let Some(snap) = &manifest.archive {
        crate::archive::add::check_resumable(snap, &manifest.inputs, config)?;
    }
    let steps = || -> Result<()> {
        plan.record(&layout)?;
        let runner = Runner::new(opts, config, &layout, &manifest)?;
        // Steps with no tasks in this config (site lines or near dedup off) are skipped, and not timed.
        for step in Step::ALL.into_iter().filter(|s| step_has_tasks(*s, config, &manifest)) {
            let clock = invocation.step(step);
            runner
                .run(step, TaskSlice::ALL, &clock)
                .map_err(|e| redo_producer(&layout, e))?;
            clock.record(&layout)?;
        }
        Ok(())
    };
    // Every task's files on disk and its marker made before `stats.json` says the run is complete.
    settled(&layout, steps())?;
    let finished = finish::finish(&layout, config, &manifest, &invocation, archive_lock.as_ref());
    let stats = settled(&layout, finished.map_err(|e| redo_producer(&layout, e)))?;
    let spent = invocation.elapsed();
    Ok(RunReport {
        stats,
        out: opts.out.clone(),
        already_complete: false,
        seconds: spent.wall_seconds,
        cpu_seconds: spent.cpu_seconds,
    })
}

/// Runs one step of a run, or the slice `slice` of its tasks (`ghirbal run --phase STEP --shard i/N`): the
/// plan makes (or checks) the manifest; every other step needs the plan and every earlier step complete, and
/// its output, once all its slices have run, is what a one-shot run writes, byte for byte.
pub fn run_step(opts: &RunOptions, config: &Config, step: Step, slice: TaskSlice) -> Result<StepReport> {
    let invocation = Invocation::start();
    let clock = invocation.whole(step);
    let mode = match step {
        Step::Plan => LockMode::Exclusive,
        _ => LockMode::Shared,
    };
    let (layout, manifest, _lock) = open(opts, config, mode, step == Step::Plan)?;
    let config = &manifest.planned(config);
    step.check_ready(&layout, config, &manifest)?;
    let complete = layout.stats().exists();
    let done = match step {
        Step::Plan | Step::Finish if !slice.takes(0) || complete => Ok(()),
        Step::Plan => Ok(()),
        Step::Finish => finish::finish(&layout, config, &manifest, &invocation, None).map(|_| ()),
        _ => Runner::new(opts, config, &layout, &manifest)?.run(step, slice, &clock),
    };
    let recorded = done.map_err(|e| redo_producer(&layout, e)).and_then(|()| {
        // `finish` counted its own time; once the run is complete, its time is told.
        match step != Step::Finish && !complete {
            true => clock.record(&layout),
            false => Ok(()),
        }
    });
    // The invocation's files on disk and its markers made before it ends: the next one trusts them.
    settled(&layout, recorded)?;
    Ok(StepReport {
        step,
        slice,
        total: step.tasks(config, &manifest).map_or(1, |t| t.len()),
        pending: step.pending(&layout, config, &manifest),
    })
}

/// What `OUT/stats.json` holds once the run in `out` is finished (by `run`, or by its `finish` step), or
/// `None` before: a scheduler that ran the steps reads the run's outcome (its input problems and warnings) here.
pub fn finished_stats(out: &std::path::Path) -> Result<Option<RunStats>> {
    let layout = Layout::new(out);
    match layout.stats().exists() {
        true => finish::read_stats(&layout).map(Some),
        false => Ok(None),
    }
}

/// The task indices of `step` that have not run yet in the run planned in `opts.out` (which must have its
/// plan): what a scheduler submits, one task each, as `--shard i/N` with N above every index.
pub fn pending_tasks(opts: &RunOptions, config: &Config, step: Step) -> Result<Vec<u32>> {
    let (layout, manifest, _lock) = open(opts, config, LockMode::Shared, false)?;
    Ok(step.pending_tasks(&layout, &manifest.planned(config), &manifest))
}

/// What every step's tasks share: the plan, the threads, the progress bar.
struct Runner<'a> {
    config: &'a Config,
    layout: &'a Layout,
    manifest: &'a Manifest,
    threads: usize,
    pool: rayon::ThreadPool,
    progress: &'a dyn Progress,
}

impl<'a> Runner<'a> {
    fn new(opts: &'a RunOptions, config: &'a Config, layout: &'a Layout, manifest: &'a Manifest) -> Result<Runner<'a>> {
        let wanted = if opts.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            opts.threads
        };
        let threads = manifest.threads(wanted, config.run.batch_bytes);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))?;
        Ok(Runner {
            config,
            layout,
            manifest,
            threads,
            pool,
            progress: opts.progress.as_ref(),
        })
    }

    /// The tasks of `step` in `slice` that have no marker yet (`plan` and `finish` are not run here); `clock`
    /// is the step's, which the scan records at each shard's end.
    fn run(&self, step: Step, slice: TaskSlice, clock: &StepClock<'_>) -> Result<()> {
        let (config, layout) = (self.config, self.layout);
        let shards: Vec<_> = self
            .manifest
            .shards
            .iter()
            .filter(|s| slice.takes(s.index))
            .cloned()
            .collect();
        let cluster = cluster::Cluster {
            layout,
            config,
            shards: &self.manifest.shards,
            pool: &self.pool,
            archive: self.manifest.archive.as_ref(),
        };
        match step {
            Step::Plan | Step::Finish => Ok(()),
            Step::LinesCount | Step::ScanSited if !site_lines_on(config) => Ok(()),
            Step::LinesCount => self.lines().count_partitions(slice),
            Step::Scan => {
                // The tables are not known yet: the documents they apply to are held back.
                let stages = crate::registry::build_stages(config, None)?;
                self.scan(Step::Scan, &stages, clock).run(&shards)
            }
            Step::ScanSited => {
                let stages = crate::registry::build_stages(config, Some(self.lines().load()?))?;
                self.scan(Step::ScanSited, &stages, clock).run(&shards)
            }
            Step::Cluster => cluster.run(slice),
            Step::Near | Step::NearClusters if !config.near_dedup() => Ok(()),
            Step::Near => near::Near(&cluster).partitions(slice),
            Step::NearClusters if slice.takes(0) => near_clusters::run(&cluster),
            Step::NearClusters => Ok(()),
            Step::Story if config.story() && slice.takes(0) => {
                story::run(layout, config, &self.manifest.shards, &self.pool)
            }
            Step::Story => Ok(()),
            Step::Write => {
                // Duplicate ids fail the run before anything is written, whichever invocation ran the cluster.
                cluster.check_ids()?;
                let scanned = finish::scanned_docs(layout, &self.manifest.shards)?;
                route::Route {
                    layout,
                    config,
                    threads: self.threads,
                    progress: self.progress,
                }
                .run(&shards, scanned)
            }
        }
    }

    fn scan<'s>(&'s self, step: Step, stages: &'s [Box<dyn crate::Stage>], clock: &'s StepClock<'s>) -> scan::Scan<'s> {
        let config = self.config;
        scan::Scan {
            layout: self.layout,
            config,
            stages,
            threads: self.threads,
            progress: self.progress,
            clock,
            near: config
                .near_dedup()
                .then(|| crate::dedup::minhash::MinHasher::new(&config.dedup.near.minhash())),
            step,
            hold: step == Step::Scan && site_lines_on(config),
        }
    }

    fn lines(&self) -> lines::Lines<'_> {
        lines::Lines {
            layout: self.layout,
            config: self.config,
            shards: &self.manifest.shards,
            threads: self.threads,
            pool: &self.pool,
            archive: self.manifest.archive.as_ref(),
        }
    }
}

/// True for the steps `run` runs itself (not `plan` and `finish`) that have tasks in this config.
fn step_has_tasks(step: Step, config: &Config, manifest: &Manifest) -> bool {
    step.tasks(config, manifest).is_some_and(|t| !t.is_empty())
}

/// `result`, once the syncs and markers this run handed to the syncing thread are done
/// ([`Layout::settle`]): a failed sync fails a run that had not failed, naming the file; a run that had
/// failed keeps its own error, the sync's is logged.
fn settled<T>(layout: &Layout, result: Result<T>) -> Result<T> {
    match (result, layout.settle()) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(sync)) => Err(sync),
        (Err(e), Ok(())) => Err(e),
        (Err(e), Err(sync)) => {
            tracing::warn!("{sync}");
            Err(e)
        }
    }
}

/// A task failed on a damaged or missing work file: the marker of the task that wrote the file goes, so the
/// next run redoes that task from its inputs (byte for byte what it wrote before), and the error says so.
fn redo_producer(layout: &Layout, err: Error) -> Error {
    let (path, message) = match &err {
        Error::Corrupt { path, message } => (path.clone(), message.clone()),
        Error::Io { path, source, op } if path.starts_with(&layout.work) => (path.clone(), format!("{op}: {source}")),
        _ => return err,
    };
    let Some((step, task)) = layout.producer(&path) else {
        return err;
    };
    if !layout.unmark(step, task).unwrap_or(false) {
        // No marker: the failing task is the one writing the file; its own error stands.
        return err;
    }
    // A shard's scan files come from `scan-sited` when it held documents back: `scan` redone, it is redone.
    if step == Step::Scan && layout.unmark(Step::ScanSited, task).is_err() {
        return err;
    }
    Error::Corrupt {
        path,
        message: format!("{message}; step {step} will redo task {task}, which wrote it: run the same command again"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::memory_origin;
    use crate::{Document, Ordinal, Outcome, StageCx};

    /// Characters that have tripped text code before: Arabic letters, harakat, tatweel, Persian letters,
    /// digits of three scripts, Arabic and Latin punctuation, spaCy's affixes, line separators of every kind,
    /// invisible controls, emoji with ZWJ, presentation forms, the honorific ligatures.
    const POOL: &[&str] = &[
        "ب",
        "ة",
        "أ",
        "ى",
        "ئ",
        "ـ",
        "\u{064E}",
        "\u{0651}",
        "پ",
        "ی",
        "1",
        "٢",
        "۳",
        ".",
        "..",
        "…",
        "،",
        "؛",
        "؟",
        "!",
        "(",
        ")",
        "«",
        "»",
        "\"",
        ":",
        "-",
        "—",
        "•",
        "#",
        "%",
        "$",
        "*",
        " ",
        " ",
        " ",
        "\n",
        "\n\n",
        "\r\n",
        "\r",
        "\u{2028}",
        "\u{85}",
        "\u{200C}",
        "\u{200F}",
        "\u{FEFF}",
        "👍",
        "\u{200D}",
        "ﻻ",
        "ﷺ",
        "x",
        "A",
        "www.",
        "://",
        "رابط الخبر",
        "اقرأ أيضا",
        "د.",
        "):",
        "\t",
        "\u{1C}",
    ];

    #[test]
    fn every_stage_of_both_presets_survives_odd_text() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for preset in [crate::Preset::Ghirbal, crate::Preset::Fineweb2] {
            let config = Config::preset(preset);
            let stages = crate::registry::build_stages(&config, None).expect("stages");
            for i in 0..1500 {
                let len = next(120);
                let text: String = (0..len).map(|_| POOL[next(POOL.len())]).collect();
                // Each stage sees the raw text (the language filter would otherwise stop most of these early)
                // and the normalised one.
                let raw = Document::new(format!("d{i}"), text.as_str(), Ordinal(i), memory_origin(1));
                let mut normalized = raw.clone();
                normalized.text = crate::normalize::output(&text);
                for doc in [raw, normalized] {
                    for stage in &stages {
                        let mut doc = doc.clone();
                        if let Outcome::Remove(r) = stage.process(&mut doc, &mut StageCx::default()) {
                            assert!(
                                stage.reasons().contains(&r.reason),
                                "{}: undeclared {:?}",
                                stage.name(),
                                r.reason
                            );
                        }
                    }
                }
            }
        }
    }
}
