//! The run configuration (TOML). Every knob has a default; `ghirbal config` prints [`DEFAULT_TOML`], which a
//! test keeps identical to [`Config::default`].
//!
//! Thread count is not part of the config on purpose: it never changes the output.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The default configuration (the `ghirbal` preset), documented; `ghirbal config` prints it.
pub const DEFAULT_TOML: &str = include_str!("default_config.toml");
/// What the `fineweb2` preset changes, documented; `ghirbal config --preset fineweb2` prints it.
pub const FINEWEB2_TOML: &str = include_str!("preset_fineweb2.toml");

/// A named starting point for the configuration; a config file's keys override it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Repair first (normalize, clean), then FineWeb-2's Arabic filters with Arabic-aware words and AraMix's
    /// punctuation rule.
    #[default]
    Ghirbal,
    /// No repairs; FineWeb-2's `arb_Arab` filters computed as datatrove computes them.
    Fineweb2,
}

impl Preset {
    /// The preset's changes to the defaults, as TOML.
    fn overlay(self) -> &'static str {
        match self {
            Preset::Ghirbal => "",
            Preset::Fineweb2 => FINEWEB2_TOML,
        }
    }
}

/// A run's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The preset the other values start from.
    pub preset: Preset,
    /// Per-document stages of the scan phase, in order, then the dedup stages.
    pub stages: Vec<String>,
    /// How inputs are read and split into shards.
    pub input: InputConfig,
    /// How outputs are written.
    pub output: OutputConfig,
    /// Deduplication settings shared by every dedup stage.
    pub dedup: DedupConfig,
    /// Optional folds of the key profile (the form every comparison uses).
    pub key: crate::normalize::KeyOptions,
    /// Repairs (`[clean]`).
    pub clean: crate::clean::CleanConfig,
    /// Filter settings, one table per filter.
    pub filter: FilterConfig,
    /// Stories and related documents (`[story]`).
    pub story: crate::story::StoryConfig,
    /// Engine settings that change where work happens, not what it produces.
    pub run: RunConfig,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            preset: Preset::Ghirbal,
            stages: crate::registry::names().map(str::to_owned).collect(),
            input: InputConfig::default(),
            output: OutputConfig::default(),
            dedup: DedupConfig::default(),
            key: crate::normalize::KeyOptions::default(),
            clean: crate::clean::CleanConfig::default(),
            filter: FilterConfig {
                fineweb_quality: crate::filter::fineweb_quality::FinewebQualityConfig {
                    line_punct_thr: 0.0,
                    ..Default::default()
                },
                ..Default::default()
            },
            run: RunConfig::default(),
            story: Default::default(),
        }
    }
}

/// `[filter.*]`: one table per filter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilterConfig {
    /// `[filter.language]`.
    pub language: crate::filter::language::LanguageConfig,
    /// `[filter.fineweb_quality]`.
    pub fineweb_quality: crate::filter::fineweb_quality::FinewebQualityConfig,
    /// `[filter.aramix_punctuation]`.
    pub aramix_punctuation: crate::filter::aramix_punctuation::AramixPunctuationConfig,
    /// `[filter.gopher_quality]`.
    pub gopher_quality: crate::filter::gopher_quality::GopherQualityConfig,
    /// `[filter.gopher_repetition]`.
    pub gopher_repetition: crate::filter::gopher_repetition::GopherRepetitionConfig,
}

/// `[input]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    /// JSONL/Parquet field holding the document id (absent: the id is `file:line`).
    pub id_field: String,
    /// JSONL/Parquet field holding the text.
    pub text_field: String,
    /// Uncompressed JSONL files larger than this are split into byte-range shards at line boundaries.
    pub shard_bytes: u64,
    /// A folder's `.txt` files are grouped into shards of at most this many files.
    pub txt_files_per_shard: u32,
    /// Encoding of `.txt` and JSONL inputs: `"utf-8"`, `"auto"` (byte order mark, else valid UTF-8, else
    /// detection) or a label such as `"windows-1256"`. Web pages always find their own.
    pub encoding: String,
    /// Largest web page (WARC block or `.html` file, and its decoded body): bigger ones are removed with
    /// `extract.too_large`, never buffered whole.
    pub max_page_bytes: u64,
    /// Most HTML elements in a page the extractor will parse.
    pub max_page_elements: u64,
    /// Deepest element nesting in a page the extractor will parse.
    pub max_page_depth: u64,
}

impl InputConfig {
    /// The parsed `encoding` setting.
    pub fn charset(&self) -> Result<crate::read::charset::Charset> {
        crate::read::charset::Charset::parse(&self.encoding).map_err(|e| Error::Config(format!("input.encoding: {e}")))
    }
}

impl Default for InputConfig {
    fn default() -> InputConfig {
        InputConfig {
            id_field: "id".into(),
            text_field: "text".into(),
            shard_bytes: 64 << 20,
            txt_files_per_shard: 4096,
            encoding: "utf-8".into(),
            max_page_bytes: 8 << 20,
            max_page_elements: 60_000,
            max_page_depth: 512,
        }
    }
}

/// Output compression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Zstandard (`.zst`).
    Zstd,
    /// Gzip (`.gz`).
    Gzip,
    /// None.
    None,
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
}

/// `[output]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// `zstd`, `gzip` or `none`.
    pub compression: Compression,
    /// `jsonl` or `parquet`.
    pub format: OutputFormat,
    /// Zstandard level (1–19).
    pub zstd_level: i32,
    /// Gzip level (1–9).
    pub gzip_level: u32,
    /// A part file is closed once it holds this many uncompressed bytes.
    pub part_bytes: u64,
}

impl Default for OutputConfig {
    fn default() -> OutputConfig {
        OutputConfig {
            compression: Compression::Zstd,
            format: OutputFormat::Jsonl,
            zstd_level: 3,
            gzip_level: 6,
            part_bytes: 256 << 20,
        }
    }
}

/// Which document of a duplicate group is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeepRule {
    /// The first in input order.
    First,
    /// The longest text (ties: first in input order).
    Longest,
    /// The smallest value of `keep_field` (ISO dates sort correctly; missing values lose; ties: input order).
    Earliest,
    /// The best-ranked `source_field` value in `source_priority` (unlisted sources lose; ties: input order).
    Source,
}

/// `[dedup]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DedupConfig {
    /// The keep rule.
    pub keep: KeepRule,
    /// Meta field compared by `earliest`.
    pub keep_field: String,
    /// Meta field compared by `source`.
    pub source_field: String,
    /// Sources from most to least preferred, for `source`.
    pub source_priority: Vec<String>,
    /// `remove` duplicates, or `annotate` them (keep everything, write cluster ids and sizes).
    pub mode: DedupMode,
    /// `[dedup.near]`: MinHash-LSH near-duplicates.
    pub near: crate::dedup::near::NearConfig,
}

/// What dedup does with the duplicates it finds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DedupMode {
    /// Route duplicates to `removed/`.
    #[default]
    Remove,
    /// Keep every document; write `cluster_id`, `cluster_size`, `duplicate_of` and `similarity` in `meta.ghirbal`.
    Annotate,
}

impl Default for DedupConfig {
    fn default() -> DedupConfig {
        DedupConfig {
            keep: KeepRule::First,
            keep_field: "date_extracted".into(),
            source_field: "source".into(),
            source_priority: Vec::new(),
            mode: DedupMode::Remove,
            near: Default::default(),
        }
    }
}

/// `[run]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Number of partitions of the dedup keys; the cluster phase runs one task per partition. `"auto"` (the
    /// default; [`AUTO_PARTITIONS`] here) lets the plan size them to the input ([`auto_partitions`]). Never
    /// changes the output.
    #[serde(with = "partitions_field")]
    pub partitions: u32,
    /// Target uncompressed bytes per batch handed to a worker thread.
    pub batch_bytes: u64,
    /// Memory the global steps may hold before they go to disk (the cluster phase's LSH band tables, the
    /// story step's terms and vectors): bytes with an optional unit (`"2GiB"`, `"512MB"`), or `"auto"` for
    /// half of the machine's RAM. Never changes the output.
    pub memory_budget: String,
    /// How the work files that hold documents (the scan's survivors and removals) are stored: as they are by
    /// default (the cheapest round trip measured, BENCHMARKS.md; they take about the input's text in disk),
    /// or `zstd` at its fastest level where disk is short (less than half the size, 6% more CPU on a whole
    /// run). Never changes the output; a resumed run may use the other.
    pub work_compression: WorkCompression,
}

/// `run.partitions = "auto"` as the field holds it until the plan sizes it: the pipeline only ever sees a
/// planned config ([`crate::pipeline`]'s manifest resolves it), where it is 1 or more.
pub const AUTO_PARTITIONS: u32 = 0;

/// The most partitions `"auto"` gives, and what it gives a news archive (whose partitions are fixed for its
/// life, so they cannot follow one batch's size): the number every run used before `"auto"`.
pub const MAX_AUTO_PARTITIONS: u32 = 16;

/// Estimated text bytes per partition under `"auto"`.
const AUTO_PARTITION_BYTES: u64 = 4 << 20;

/// The partitions `"auto"` gives an input of about `text_bytes` of text: one per 4 MiB, 1 to
/// [`MAX_AUTO_PARTITIONS`]. Every partition is a task per dedup step, with files of its own to write and
/// sync: sixteen of them for a few articles cost most of the run's wall time (23 ms against 43 ms for one
/// article, 450 against 480 ms for 3,000 articles; BENCHMARKS.md), while a large input keeps sixteen.
pub fn auto_partitions(text_bytes: u64) -> u32 {
    let wanted = text_bytes.div_ceil(AUTO_PARTITION_BYTES).max(1);
    u32::try_from(wanted).map_or(MAX_AUTO_PARTITIONS, |p| p.min(MAX_AUTO_PARTITIONS))
}

/// `run.partitions`: a number, or `"auto"` ([`AUTO_PARTITIONS`]).
mod partitions_field {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::AUTO_PARTITIONS;

    pub fn serialize<S: Serializer>(value: &u32, s: S) -> Result<S::Ok, S::Error> {
        match *value {
            AUTO_PARTITIONS => s.serialize_str("auto"),
            n => s.serialize_u32(n),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Field {
            Count(i64),
            Word(String),
        }
        let wrong =
            |what: String| serde::de::Error::custom(format!("run.partitions must be \"auto\" or 1..=4096, not {what}"));
        match Field::deserialize(d)? {
            Field::Count(n) => match u32::try_from(n) {
                Ok(n) if n != AUTO_PARTITIONS => Ok(n),
                _ => Err(wrong(n.to_string())),
            },
            Field::Word(w) if w.eq_ignore_ascii_case("auto") => Ok(AUTO_PARTITIONS),
            Field::Word(w) => Err(wrong(format!("{w:?}"))),
        }
    }
}

/// `[run] work_compression`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkCompression {
    /// Stored as written, checksummed.
    None,
    /// Zstandard at its fastest level.
    Zstd,
}

impl RunConfig {
    /// The memory budget in bytes.
    pub fn memory_budget_bytes(&self) -> Result<u64> {
        parse_bytes(&self.memory_budget).ok_or_else(|| {
            Error::Config(format!(
                "run.memory_budget: {:?} is not a size (e.g. \"2GiB\", \"512MB\", \"auto\")",
                self.memory_budget
            ))
        })
    }
}

/// Parses `"auto"` (half of RAM), `"123"`, `"64KiB"`, `"2GiB"`, `"1.5GB"`.
pub fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("auto") {
        return Some(total_ram().map_or(4 << 30, |r| r / 2));
    }
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        _ => return None,
    };
    let bytes = num * mult as f64;
    (bytes.is_finite() && bytes >= 1.0).then_some(bytes as u64)
}

/// Physical memory (Linux `MemTotal`).
fn total_ram() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb = info.lines().find_map(|l| l.strip_prefix("MemTotal:"))?;
    kb.trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()
        .map(|k| k * 1024)
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            partitions: AUTO_PARTITIONS,
            batch_bytes: 1 << 20,
            memory_budget: "auto".into(),
            work_compression: WorkCompression::None,
        }
    }
}

/// Writes `over` into `base`, table by table (arrays and values replace).
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn parse_table(text: &str) -> Result<toml::Table> {
    text.parse::<toml::Table>().map_err(|e| Error::Config(e.to_string()))
}

impl Config {
    /// Parses a TOML config (its `preset`, default `ghirbal`, supplies every value it omits) and validates it.
    pub fn from_toml(text: &str) -> Result<Config> {
        Config::load(text, None)
    }

    /// The named preset's configuration.
    pub fn preset(preset: Preset) -> Config {
        Config::load("", Some(preset)).expect("the shipped presets are valid")
    }

    /// Parses a TOML config over a preset: `preset` when given (a command-line choice), else the file's own
    /// `preset` key, else `ghirbal`. Keys in `text` override the preset's.
    pub fn load(text: &str, preset: Option<Preset>) -> Result<Config> {
        // Parsing the file on its own first gives errors with its line numbers and catches unknown keys.
        let own: Config = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        let user = parse_table(text)?;
        let preset = preset.unwrap_or(if user.contains_key("preset") {
            own.preset
        } else {
            Preset::Ghirbal
        });
        let mut table = parse_table(DEFAULT_TOML)?;
        merge(&mut table, parse_table(preset.overlay())?);
        merge(&mut table, user);
        table.insert(
            "preset".into(),
            toml::Value::try_from(preset).map_err(|e| Error::Config(e.to_string()))?,
        );
        let config: Config = table
            .try_into()
            .map_err(|e: toml::de::Error| Error::Config(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values that serde cannot.
    pub fn validate(&self) -> Result<()> {
        for name in &self.stages {
            crate::registry::lookup(name)?;
        }
        if let Err(e) = crate::clean::boilerplate::Boilerplate::new(&self.clean.extra_boilerplate) {
            return Err(Error::Config(format!("clean.extra_boilerplate: {e}")));
        }
        self.filter.gopher_repetition.validate().map_err(Error::Config)?;
        if self.output.format == OutputFormat::Parquet && !cfg!(feature = "parquet") {
            return Err(Error::Config(
                "output.format = \"parquet\" needs a ghirbal built with the `parquet` feature".into(),
            ));
        }
        self.input.charset()?;
        let dedup_at = self.stages.iter().position(|s| s.starts_with("dedup."));
        if let Some(at) = dedup_at {
            if self.stages[at..]
                .iter()
                .any(|s| !s.starts_with("dedup.") && s != crate::story::STAGE)
            {
                return Err(Error::Config(
                    "dedup stages must come after every per-document stage".into(),
                ));
            }
        }
        let at = |name: &str| self.stages.iter().position(|s| s == name);
        if at(crate::story::STAGE).is_some_and(|s| s + 1 != self.stages.len()) {
            return Err(Error::Config(
                "story must be the last stage (it links the documents dedup kept)".into(),
            ));
        }
        if let (Some(e), Some(n)) = (at("dedup.exact"), at("dedup.near")) {
            if n < e {
                return Err(Error::Config(
                    "dedup.near must come after dedup.exact (exact copies are removed first)".into(),
                ));
            }
        }
        let checks = [
            (
                self.input.shard_bytes >= 4096,
                "input.shard_bytes must be at least 4096",
            ),
            (
                self.input.txt_files_per_shard >= 1,
                "input.txt_files_per_shard must be at least 1",
            ),
            (
                (1..=22).contains(&self.output.zstd_level),
                "output.zstd_level must be 1..=22",
            ),
            (
                (1..=9).contains(&self.output.gzip_level),
                "output.gzip_level must be 1..=9",
            ),
            (self.output.part_bytes >= 1, "output.part_bytes must be at least 1"),
            (
                self.run.partitions == AUTO_PARTITIONS || (1..=4096).contains(&self.run.partitions),
                "run.partitions must be \"auto\" or 1..=4096",
            ),
            (self.run.batch_bytes >= 1, "run.batch_bytes must be at least 1"),
            (
                self.run.memory_budget_bytes().is_ok(),
                "run.memory_budget must be a size such as \"2GiB\" or \"auto\"",
            ),
        ];
        self.dedup.near.validate().map_err(Error::Config)?;
        self.story.validate().map_err(Error::Config)?;
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, msg)) => Err(Error::Config((*msg).into())),
            None => Ok(()),
        }
    }

    /// True when stage `name` is enabled.
    pub fn has_stage(&self, name: &str) -> bool {
        self.stages.iter().any(|s| s == name)
    }

    /// True when near dedup runs (the `near` and `near-clusters` steps have tasks).
    pub fn near_dedup(&self) -> bool {
        self.has_stage(crate::dedup::NEAR.stage)
    }

    /// True when the `story` step runs.
    pub fn story(&self) -> bool {
        self.has_stage(crate::story::STAGE)
    }

    /// True when exact dedup runs.
    pub fn exact_dedup(&self) -> bool {
        self.has_stage(crate::dedup::EXACT.stage)
    }
}

/// The first key whose value differs, as `key: old → new`.
pub(crate) fn first_difference(old: &serde_json::Value, new: &serde_json::Value, path: String) -> String {
    use serde_json::Value;
    if let (Value::Object(a), Value::Object(b)) = (old, new) {
        for (key, va) in a {
            let vb = b.get(key).unwrap_or(&Value::Null);
            if va != vb {
                let sub = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                return first_difference(va, vb, sub);
            }
        }
    }
    format!("{path}: {old} → {new}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_toml_is_the_default_config() {
        assert_eq!(Config::from_toml(DEFAULT_TOML).expect("parses"), Config::default());
        assert_eq!(Config::from_toml("").expect("parses"), Config::default());
        assert_eq!(Config::preset(Preset::Ghirbal), Config::default());
    }

    #[test]
    fn presets_start_values_and_files_override_them() {
        use crate::filter::WordMode;
        let fw = Config::preset(Preset::Fineweb2);
        assert_eq!(fw.preset, Preset::Fineweb2);
        assert!(!fw.has_stage("clean") && !fw.has_stage("normalize"));
        assert_eq!(fw.filter.gopher_quality.words, WordMode::Datatrove);
        assert_eq!(fw.filter.gopher_quality.stop_words.len(), 19);
        assert_eq!(fw.filter.fineweb_quality.line_punct_thr, 0.143);
        // The file picks the preset; its keys override the preset's; the command line's choice wins.
        let text = "preset = \"fineweb2\"\n[filter.gopher_quality]\nmin_doc_words = 20\n";
        let c = Config::from_toml(text).expect("parses");
        assert_eq!(
            (c.preset, c.filter.gopher_quality.min_doc_words),
            (Preset::Fineweb2, 20)
        );
        assert_eq!(c.filter.gopher_quality.words, WordMode::Datatrove);
        let c = Config::load(text, Some(Preset::Ghirbal)).expect("parses");
        assert_eq!(
            (c.preset, c.filter.gopher_quality.words),
            (Preset::Ghirbal, WordMode::Key)
        );
        assert_eq!(c.filter.gopher_quality.min_doc_words, 20);
        let err = Config::from_toml("preset = \"c4\"").expect_err("unknown preset");
        assert!(err.to_string().contains("c4"), "{err}");
    }

    #[test]
    fn bad_configs_are_refused_with_the_knob_named() {
        let err = Config::from_toml("stages = [\"normalise\"]").expect_err("typo");
        assert!(err.to_string().contains("unknown stage \"normalise\""), "{err}");
        let err = Config::from_toml("[output]\nzstd_level = 40").expect_err("range");
        assert!(err.to_string().contains("zstd_level"), "{err}");
        let err = Config::from_toml("[output]\ncolour = 1").expect_err("unknown key");
        assert!(err.to_string().contains("colour"), "{err}");
        let err = Config::from_toml("stages = [\"dedup.exact\", \"normalize\"]").expect_err("order");
        assert!(err.to_string().contains("after"), "{err}");
        for bad in ["0", "-3", "5000", "\"many\"", "1.5"] {
            let err = Config::from_toml(&format!("[run]\npartitions = {bad}")).expect_err(bad);
            assert!(err.to_string().contains("partitions"), "{bad}: {err}");
        }
    }

    /// `"auto"` (any case) or a number, written back the way it was given; `"auto"` sizes to the input,
    /// one partition per 4 MiB of text, 1 to 16.
    #[test]
    fn partitions_are_a_number_or_auto() {
        assert_eq!(Config::default().run.partitions, AUTO_PARTITIONS);
        let auto = Config::from_toml("[run]\npartitions = \"AUTO\"").expect("auto");
        assert_eq!(auto.run.partitions, AUTO_PARTITIONS);
        assert!(toml::to_string(&auto.run)
            .expect("toml")
            .contains("partitions = \"auto\""));
        let three = Config::from_toml("[run]\npartitions = 3").expect("three");
        assert_eq!(three.run.partitions, 3);
        let back: RunConfig = toml::from_str(&toml::to_string(&three.run).expect("toml")).expect("back");
        assert_eq!(back.partitions, 3);
        let sizes = [
            (0, 1),
            (1, 1),
            (4 << 20, 1),
            ((4 << 20) + 1, 2),
            (13 << 20, 4),
            (64 << 20, 16),
            (u64::MAX, 16),
        ];
        for (bytes, want) in sizes {
            assert_eq!(auto_partitions(bytes), want, "{bytes} bytes");
        }
    }
}
