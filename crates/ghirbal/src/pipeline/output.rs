//! The output directory as a run finds it: checked to be ours, locked, cleared with `--force`, and given its
//! plan (made, or loaded and checked against this config and these inputs).

use std::path::PathBuf;

use super::manifest::Manifest;
use super::RunOptions;
use crate::read::plan;
use crate::work::{Layout, LockMode, OutLock};
use crate::{Config, Error, Result};

/// The output directory, locked, and its plan: made (step `plan`, or the first invocation of a one-shot run)
/// or loaded and checked against this config and these inputs.
///
/// The manifest is the first thing a run writes that says what `OUT` holds, and it lands whole (atomic
/// write) or not at all: an `OUT` without one holds nothing worth keeping, so a run that finds none starts
/// over, whatever a killed predecessor left there.
pub(super) fn open(
    opts: &RunOptions,
    config: &Config,
    mode: LockMode,
    create: bool,
) -> Result<(Layout, Manifest, OutLock)> {
    config.validate()?;
    let layout = Layout::new(&opts.out);
    let lock = lock_output(&layout, mode, create, opts.force)?;
    let manifest = match load_manifest(&layout)? {
        Some(m) => {
            m.check(config, &input_files(opts, &layout)?, &layout)?;
            m
        }
        None if create => {
            layout.clear()?;
            let files = input_files(opts, &layout)?;
            let shards = plan::plan(&files, &config.input)?;
            let m = Manifest::new(config, files, shards);
            m.save(&layout)?;
            m
        }
        None => {
            return Err(Error::NotReady(format!(
                "{} has no plan: run `ghirbal run … --phase plan` first",
                opts.out.display()
            )))
        }
    };
    layout.create()?;
    Ok((layout, manifest, lock))
}

/// The manifest, if the plan was made; an unreadable one is named with the way out.
fn load_manifest(layout: &Layout) -> Result<Option<Manifest>> {
    Manifest::load(layout).map_err(|e| match e {
        Error::Corrupt { path, message } => Error::OutputMismatch(format!(
            "{} is unreadable ({message}): rerun with --force to start over",
            path.display()
        )),
        e => e,
    })
}

/// The input files of the run: the user's (or the bundled example), without anything inside `OUT` itself
/// (an `-o` inside an input folder would otherwise read its own output on the next run).
fn input_files(opts: &RunOptions, layout: &Layout) -> Result<Vec<plan::InputFile>> {
    if opts.inputs.is_empty() {
        // The bundled example lives in OUT/work/example/: the one input inside OUT.
        return plan::expand(&[example_corpus(layout)?]);
    }
    let inputs = opts.inputs.clone();
    let mut files = plan::expand(&inputs)?;
    if let Ok(out) = layout.out.canonicalize() {
        files.retain(|f| f.path.canonicalize().map_or(true, |p| !p.starts_with(&out)));
    }
    if files.is_empty() {
        // An empty folder is an empty run (a daily job on a quiet day), said out loud.
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        tracing::warn!("{} hold(s) no file ghirbal reads: an empty run", names.join(", "));
    }
    Ok(files)
}

/// Makes sure `out` is ours to write — absent, empty, or a ghirbal output (its lock file or its manifest
/// says so) — and locks it. With `force`, clears what a previous run left (under the exclusive lock).
fn lock_output(layout: &Layout, mode: LockMode, create: bool, force: bool) -> Result<OutLock> {
    let out = &layout.out;
    if !out.exists() {
        if !create {
            return Err(Error::NotReady(format!(
                "{} does not exist: run `ghirbal run … --phase plan` first",
                out.display()
            )));
        }
        std::fs::create_dir_all(out).map_err(Error::io("creating", out))?;
    }
    if !out.is_dir() {
        return Err(Error::OutputMismatch(format!(
            "{} exists and is not a directory",
            out.display()
        )));
    }
    let ours = crate::work::lock::lock_path(out).exists() || layout.manifest().exists();
    let empty = std::fs::read_dir(out)
        .map_err(Error::io("listing", out))?
        .next()
        .is_none();
    if !ours && !empty {
        return Err(Error::OutputMismatch(format!(
            "{} exists, is not empty and is not a ghirbal output; choose another -o",
            out.display()
        )));
    }
    let lock = OutLock::acquire(out, mode)?;
    if mode == LockMode::Exclusive {
        if force {
            layout.clear()?;
        }
        // No other process works in OUT now: temporary files are what killed processes left.
        crate::work::atomic::remove_stale_tmp(out)?;
    }
    Ok(lock)
}

/// Writes the embedded example corpus under `OUT/work/example/` (only when missing or different, so that its
/// modification time, part of the resume check, stays put).
fn example_corpus(layout: &Layout) -> Result<PathBuf> {
    let dir = layout.work.join("example");
    let path = dir.join("news.jsonl");
    if std::fs::read(&path).ok().as_deref() != Some(crate::EXAMPLE_CORPUS.as_bytes()) {
        std::fs::create_dir_all(&dir).map_err(Error::io("creating", &dir))?;
        std::fs::write(&path, crate::EXAMPLE_CORPUS).map_err(Error::io("writing", &path))?;
    }
    Ok(path)
}
