//! The run's manifest: the config, the input files (size and modification time), the files of the input
//! folders that are not read (for `stats.json`) and the shard plan. It ties
//! the phases together and guards resumption: a rerun with the same config and inputs continues where the last
//! one stopped; one with a different config or changed inputs is refused, naming the difference.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{auto_partitions, AUTO_PARTITIONS};
use crate::read::compress::Codec;
use crate::read::plan::{Expansion, FileKind, InputFile, SkippedFile};
use crate::read::ShardSpec;
use crate::work::{json, Layout, VERSION as FORMAT};
use crate::{Config, Error, Result};

/// What a run was started with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Work-file format version.
    pub format: u32,
    /// The ghirbal version that started the run.
    pub ghirbal_version: String,
    /// The full configuration.
    pub config: Config,
    /// Every input file, in order.
    pub inputs: Vec<InputFile>,
    /// Files of the input folders and globs that are not read, with why.
    pub skipped: Vec<SkippedFile>,
    /// The shard plan.
    pub shards: Vec<ShardSpec>,
    /// The news archive this batch is deduplicated against and added to (`--archive`), as the plan saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<crate::archive::Snapshot>,
}

impl Manifest {
    /// A manifest for a new run.
    pub fn new(config: &Config, expansion: Expansion, shards: Vec<ShardSpec>) -> Manifest {
        Manifest {
            format: FORMAT,
            ghirbal_version: env!("CARGO_PKG_VERSION").into(),
            config: config.clone(),
            inputs: expansion.files,
            skipped: expansion.skipped,
            shards,
            archive: None,
        }
    }

    /// The config the steps run with: `config` (the one the run was started with) with `run.partitions =
    /// "auto"` sized — from the inputs this manifest lists, or the news archive's own number — so that every
    /// invocation of the run, on any machine, finds the same partitions.
    pub fn planned(&self, config: &Config) -> Config {
        let mut planned = config.clone();
        if planned.run.partitions == AUTO_PARTITIONS {
            planned.run.partitions = match &self.archive {
                Some(snap) => snap.manifest.partitions.len() as u32,
                None => auto_partitions(self.text_bytes()),
            };
        }
        planned
    }

    /// Worker threads for `wanted` (as asked, or one per core): no more than the input has batches of
    /// `batch_bytes` — a thread with nothing to do is set-up for nothing (a few articles on a 64-core
    /// machine would start 64). Never changes the output.
    pub fn threads(&self, wanted: usize, batch_bytes: u64) -> usize {
        let batches = self.text_bytes().div_ceil(batch_bytes.max(1)).max(1);
        wanted.min(usize::try_from(batches).unwrap_or(usize::MAX)).max(1)
    }

    /// About how many bytes of text the inputs hold ([`text_estimate`]).
    fn text_bytes(&self) -> u64 {
        self.inputs.iter().map(text_estimate).sum()
    }

    /// Loads the manifest of an existing output, if there is one.
    pub fn load(layout: &Layout) -> Result<Option<Manifest>> {
        let path = layout.manifest();
        if !path.exists() {
            return Ok(None);
        }
        json::read(&path).map(Some)
    }

    /// Saves it (atomically: a manifest is whole or absent).
    pub fn save(&self, layout: &Layout) -> Result<()> {
        std::fs::create_dir_all(&layout.work).map_err(crate::Error::io("creating", &layout.work))?;
        json::write(&layout.manifest(), self)
    }

    /// Refuses to continue a run started with another config, version or inputs.
    pub fn check(&self, config: &Config, inputs: &[InputFile], layout: &Layout) -> Result<()> {
        let out = layout.out.display();
        let advice = "rerun with --force to start over, or choose another -o";
        if self.format != FORMAT || self.ghirbal_version != env!("CARGO_PKG_VERSION") {
            return Err(Error::OutputMismatch(format!(
                "{out} was started by ghirbal {} (work format {}); this is {} (format {FORMAT}): {advice}",
                self.ghirbal_version,
                self.format,
                env!("CARGO_PKG_VERSION")
            )));
        }
        // The memory budget changes where the cluster phase sorts, never what it decides: a resumed run may
        // use another one.
        let mut started = self.config.clone();
        started.run.memory_budget.clone_from(&config.run.memory_budget);
        // Every work frame names its codec, so a rerun reads the frames of any.
        started.run.work_compression = config.run.work_compression;
        if started != *config {
            let diff = crate::config::first_difference(&to_value(&self.config), &to_value(config), String::new());
            return Err(Error::OutputMismatch(format!(
                "{out} was started with a different configuration ({diff}): {advice}"
            )));
        }
        if let Some(change) = input_change(&self.inputs, inputs) {
            return Err(Error::OutputMismatch(format!(
                "{out} was started with other inputs ({change}): {advice}"
            )));
        }
        Ok(())
    }
}

/// About how many bytes of text a file holds, for sizing partitions and threads: its size, times 4 when
/// compressed (gzip or zstd on Arabic news JSON give 3.5–4×) and 3 for Parquet (compressed columns). Pages
/// and WARC records hold less text than their bytes: the estimate then errs towards more partitions and
/// threads, as before either was sized.
fn text_estimate(file: &InputFile) -> u64 {
    let factor = match file.kind {
        FileKind::Parquet => 3,
        _ if Codec::from_name(&file.path.to_string_lossy()).0 != Codec::Plain => 4,
        _ => 1,
    };
    file.size.saturating_mul(factor)
}

fn to_value(config: &Config) -> Value {
    serde_json::to_value(config).unwrap_or(Value::Null)
}

fn input_change(old: &[InputFile], new: &[InputFile]) -> Option<String> {
    for (a, b) in old.iter().zip(new) {
        if a.path != b.path {
            return Some(format!("{} where {} was", b.path.display(), a.path.display()));
        }
        if a.size != b.size || a.mtime_ns != b.mtime_ns {
            return Some(format!("{} was modified", a.path.display()));
        }
    }
    match old.len().cmp(&new.len()) {
        std::cmp::Ordering::Less => Some(format!("{} is new", new[old.len()].path.display())),
        std::cmp::Ordering::Greater => Some(format!("{} is gone", old[new.len()].path.display())),
        std::cmp::Ordering::Equal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(files: &[(&str, u64)]) -> Manifest {
        let files = files
            .iter()
            .map(|(name, size)| InputFile {
                path: (*name).into(),
                root: "".into(),
                kind: FileKind::of(std::path::Path::new(name)).expect("a kind we read"),
                size: *size,
                mtime_ns: 0,
            })
            .collect();
        let expansion = Expansion {
            files,
            skipped: Vec::new(),
        };
        Manifest::new(&Config::default(), expansion, Vec::new())
    }

    /// `"auto"` partitions and the threads follow the input's estimated text: compressed files count at 4×
    /// their size, Parquet at 3×; a number given is kept.
    #[test]
    fn partitions_and_threads_follow_the_input() {
        const MIB: u64 = 1 << 20;
        let config = Config::default();
        let one_article = manifest(&[("a.jsonl", 5_000)]);
        assert_eq!(one_article.planned(&config).run.partitions, 1);
        assert_eq!(one_article.threads(64, MIB), 1);
        let small_gz = manifest(&[("a.jsonl.gz", 3 * MIB), ("b.txt", 2 * MIB)]);
        assert_eq!(small_gz.planned(&config).run.partitions, 4, "14 MiB of text");
        assert_eq!(small_gz.threads(64, MIB), 14);
        assert_eq!(small_gz.threads(2, MIB), 2);
        let parquet = manifest(&[("a.parquet", 10 * MIB)]);
        assert_eq!(parquet.planned(&config).run.partitions, 8);
        let large = manifest(&[("a.jsonl.zst", 100 * MIB)]);
        assert_eq!(large.planned(&config).run.partitions, 16);
        let mut fixed = config.clone();
        fixed.run.partitions = 3;
        assert_eq!(one_article.planned(&fixed).run.partitions, 3);
        assert_eq!(manifest(&[]).threads(8, MIB), 1, "an empty run");
    }
}
