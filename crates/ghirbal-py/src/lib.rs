//! Python bindings (issue #7): `ghirbal.run` and `ghirbal.run_step` drive the same engine as the CLI (so a
//! Python caller, a Ray task or a job array get the CLI's bytes), and the text pieces — the two normalisation
//! profiles and the MinHash signature — are exposed for users who want them inside their own code.
//!
//! Every call that does real work releases the GIL (`Python::detach`), so Python threads (and Ray's
//! worker threads) keep running; every error becomes `ghirbal.GhirbalError` carrying the Rust message.
//! Results cross as JSON text, which the Python layer (`python/ghirbal/__init__.py`) turns into dicts.

use std::path::PathBuf;

use ghirbal::normalize::KeySpec;
use ghirbal::{Config, Preset, RunOptions, Step, TaskSlice};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _ghirbal,
    GhirbalError,
    PyException,
    "A ghirbal run, step or call failed; the message says why."
);

fn err(e: impl std::fmt::Display) -> PyErr {
    GhirbalError::new_err(e.to_string())
}

/// The config: the preset (default `ghirbal`), with the TOML text laid over it when given.
fn config(toml: Option<&str>, preset: Option<&str>) -> PyResult<Config> {
    let preset = match preset {
        None => None,
        Some("ghirbal") => Some(Preset::Ghirbal),
        Some("fineweb2") => Some(Preset::Fineweb2),
        Some(other) => return Err(err(format!("unknown preset {other:?} (ghirbal or fineweb2)"))),
    };
    match toml {
        Some(text) => Config::load(text, preset).map_err(err),
        None => Ok(Config::preset(preset.unwrap_or_default())),
    }
}

fn options(inputs: Vec<PathBuf>, out: PathBuf, threads: usize, force: bool, archive: Option<PathBuf>) -> RunOptions {
    let mut opts = RunOptions::new(inputs, out);
    opts.threads = threads;
    opts.force = force;
    opts.archive = archive;
    opts
}

/// Runs the whole job (what `ghirbal run` does) and returns `stats.json` as JSON text.
#[pyfunction]
#[pyo3(signature = (inputs, out, config_toml=None, preset=None, threads=0, force=false, archive=None))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    config_toml: Option<String>,
    preset: Option<String>,
    threads: usize,
    force: bool,
    archive: Option<PathBuf>,
) -> PyResult<String> {
    let config = config(config_toml.as_deref(), preset.as_deref())?;
    let report = py
        .detach(|| ghirbal::run(&options(inputs, out, threads, force, archive), &config))
        .map_err(err)?;
    serde_json::to_string(&report.stats).map_err(err)
}

/// Runs the slice `shard` ("i/N") of one step's tasks (what `ghirbal run --phase STEP --shard i/N` does);
/// returns {"step", "shard", "total", "pending"} as JSON text.
#[pyfunction]
#[pyo3(signature = (step, inputs, out, config_toml=None, preset=None, shard="0/1", threads=0, force=false, archive=None))]
#[allow(clippy::too_many_arguments)]
fn run_step(
    py: Python<'_>,
    step: &str,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    config_toml: Option<String>,
    preset: Option<String>,
    shard: &str,
    threads: usize,
    force: bool,
    archive: Option<PathBuf>,
) -> PyResult<String> {
    let config = config(config_toml.as_deref(), preset.as_deref())?;
    let step: Step = step.parse().map_err(err)?;
    let slice: TaskSlice = shard.parse().map_err(err)?;
    let report = py
        .detach(|| ghirbal::run_step(&options(inputs, out, threads, force, archive), &config, step, slice))
        .map_err(err)?;
    Ok(serde_json::json!({
        "step": report.step.name(),
        "shard": report.slice.to_string(),
        "total": report.total,
        "pending": report.pending,
    })
    .to_string())
}

/// The task indices of `step` not yet done in the run planned in `out` (which must have its plan).
#[pyfunction]
#[pyo3(signature = (step, inputs, out, config_toml=None, preset=None, archive=None))]
fn pending_tasks(
    py: Python<'_>,
    step: &str,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    config_toml: Option<String>,
    preset: Option<String>,
    archive: Option<PathBuf>,
) -> PyResult<Vec<u32>> {
    let config = config(config_toml.as_deref(), preset.as_deref())?;
    let step: Step = step.parse().map_err(err)?;
    py.detach(|| ghirbal::pending_tasks(&options(inputs, out, 0, false, archive), &config, step))
        .map_err(err)
}

/// The names of the steps, in order.
#[pyfunction]
fn steps() -> Vec<&'static str> {
    Step::ALL.iter().map(|s| s.name()).collect()
}

/// The output profile (`profile="output"`, what ghirbal stores) or the key profile (`"key"`, what it
/// compares) of `text`.
#[pyfunction]
#[pyo3(signature = (text, profile="output"))]
fn normalize(py: Python<'_>, text: String, profile: &str) -> PyResult<String> {
    match profile {
        "output" => Ok(py.detach(|| ghirbal::normalize::output(&text))),
        "key" => Ok(py.detach(|| ghirbal::normalize::key(&text))),
        other => Err(err(format!("unknown profile {other:?} (output or key)"))),
    }
}

/// The MinHash signature ghirbal's near dedup computes for `text` under the config (`[dedup.near]`):
/// bands × rows 64-bit values (112 by default); empty when the text has no words.
#[pyfunction]
#[pyo3(signature = (text, config_toml=None, preset=None))]
fn signature(py: Python<'_>, text: String, config_toml: Option<String>, preset: Option<String>) -> PyResult<Vec<u64>> {
    let config = config(config_toml.as_deref(), preset.as_deref())?;
    Ok(py.detach(|| {
        let hasher = ghirbal::dedup::minhash::MinHasher::new(&config.dedup.near.minhash());
        let mut analysis = ghirbal::text::Analysis::default();
        let spec = KeySpec {
            opts: config.key,
            normalized: false,
        };
        let kw = analysis.key_words(&text, spec);
        let shingles = hasher.shingles(&kw.key, &kw.words);
        hasher.signature(&shingles).unwrap_or_default()
    }))
}

/// The native module; `python/ghirbal/__init__.py` is its public face.
#[pymodule]
fn _ghirbal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("GhirbalError", m.py().get_type::<GhirbalError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(run_step, m)?)?;
    m.add_function(wrap_pyfunction!(steps, m)?)?;
    m.add_function(wrap_pyfunction!(pending_tasks, m)?)?;
    m.add_function(wrap_pyfunction!(normalize, m)?)?;
    m.add_function(wrap_pyfunction!(signature, m)?)?;
    Ok(())
}
