//! The output directory as a run finds it: checked to be ours, locked, cleared with `--force`, and given its
//! plan (made, or loaded and checked against this config and these inputs).

use std::path::{Path, PathBuf};

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
            m.check(config, &input_files(opts, &layout)?.files, &layout)?;
            crate::archive::add::check_same(m.archive.as_ref(), opts.archive.as_deref(), &layout)?;
            m
        }
        None if create => {
            layout.clear()?;
            let expansion = input_files(opts, &layout)?;
            let shards = plan::plan(&expansion.files, &config.input)?;
            let mut m = Manifest::new(config, expansion, shards);
            if let Some(root) = &opts.archive {
                m.archive = Some(crate::archive::add::plan(root, config, &m.inputs)?);
            }
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

/// The input files of the run: the user's (or the bundled example), without anything inside a ghirbal
/// output — `OUT` itself (an `-o` inside an input folder would otherwise read its own output on the next
/// run) or another run's (a folder holding `ghirbal.lock`) — which is reported as not read.
fn input_files(opts: &RunOptions, layout: &Layout) -> Result<plan::Expansion> {
    if opts.inputs.is_empty() {
        // The bundled example lives in OUT/work/example/: the one input inside OUT.
        return plan::expand(&[example_corpus(layout)?]);
    }
    let inputs = opts.inputs.clone();
    let mut expansion = plan::expand(&inputs)?;
    // Folders walked skip every ghirbal output and report it (`plan`); this run's own is no news. A file
    // named or globbed inside an output is dropped here.
    let own = layout.out.canonicalize().ok();
    let is_own = |p: &Path| {
        own.as_ref()
            .is_some_and(|o| p.canonicalize().is_ok_and(|p| p.starts_with(o)))
    };
    expansion
        .skipped
        .retain(|s| !(s.reason == plan::SkipReason::GhirbalOutput && is_own(Path::new(&s.path))));
    let (files, outputs): (Vec<_>, Vec<_>) = std::mem::take(&mut expansion.files)
        .into_iter()
        .partition(|f| !inside_an_output(&f.path, own.as_deref()));
    expansion.files = files;
    for f in outputs.iter().filter(|f| !is_own(&f.path)) {
        expansion
            .skipped
            .push(plan::SkippedFile::new(&f.path, plan::SkipReason::GhirbalOutput));
    }
    let files = &expansion.files;
    if files.is_empty() {
        // An empty folder is an empty run (a daily job on a quiet day), said out loud.
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        tracing::warn!("{} hold(s) no file ghirbal reads: an empty run", names.join(", "));
    }
    Ok(expansion)
}

/// True when `path` is inside `own` (this run's OUT) or inside any folder holding a ghirbal lock file.
fn inside_an_output(path: &Path, own: Option<&Path>) -> bool {
    let Ok(path) = path.canonicalize() else {
        return false;
    };
    if own.is_some_and(|o| path.starts_with(o)) {
        return true;
    }
    path.ancestors()
        .skip(1)
        .any(|dir| crate::work::lock::lock_path(dir).is_file())
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
