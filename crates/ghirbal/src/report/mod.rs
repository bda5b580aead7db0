//! `OUT/report.html`: what a run did, to look at. The finish step writes it after `stats.json`, and
//! `ghirbal report OUT` writes it again from the same two files: `stats.json` (counts, distributions, sources)
//! and `examples.json` (a few documents per reason and per repair rule, chosen while the run wrote them).
//! Nothing reads `kept/` or `removed/` again, so the report costs next to nothing on a big run.
//!
//! [`crate::stats::observe`] collects during the run, [`page`] lays out the HTML, [`charts`] draws the SVG.

mod charts;
mod page;

use std::path::{Path, PathBuf};

use crate::stats::observe::{Examples, RunObservations};
use crate::stats::RunStats;
use crate::{Config, Error, Result};

/// The report's file name in `OUT`.
pub const REPORT_FILE: &str = "report.html";
/// The examples' file name in `OUT`.
pub const EXAMPLES_FILE: &str = "examples.json";

/// One row of the repairs table.
pub(crate) struct RepairRow {
    pub rule: String,
    pub docs: u64,
    /// Lines cut (`None` for character-level rules).
    pub lines: Option<u64>,
    pub chars: u64,
}

/// What the page is made from.
pub(crate) struct ReportData<'a> {
    pub out: String,
    pub stats: &'a RunStats,
    pub config: Option<&'a Config>,
    pub observed: RunObservations,
    pub examples: &'a Examples,
    pub repairs: Vec<RepairRow>,
    pub wall_seconds: f64,
    pub cpu_label: String,
}

/// Writes `OUT/report.html` from `OUT/stats.json` and `OUT/examples.json`; returns its path.
pub fn write(out: &Path) -> Result<PathBuf> {
    let stats_path = out.join("stats.json");
    let stats: RunStats = read_json(&stats_path)?;
    let examples_path = out.join(EXAMPLES_FILE);
    let examples: Examples = if examples_path.exists() {
        read_json(&examples_path)?
    } else {
        Examples::default()
    };
    write_with(out, &stats, &examples)
}

/// Writes `OUT/report.html` from stats and examples in hand (the finish step has them).
pub(crate) fn write_with(out: &Path, stats: &RunStats, examples: &Examples) -> Result<PathBuf> {
    let html = render(out, stats, examples)?;
    let path = out.join(REPORT_FILE);
    crate::work::write_atomic(&path, html.as_bytes())?;
    Ok(path)
}

/// The page's HTML.
pub fn render(out: &Path, stats: &RunStats, examples: &Examples) -> Result<String> {
    let data = ReportData {
        out: out.display().to_string(),
        stats,
        config: stats.config.as_ref(),
        observed: stats.report.clone().unwrap_or_default(),
        examples,
        repairs: repair_rows(stats),
        wall_seconds: wall_seconds(stats),
        cpu_label: cpu_label(stats),
    };
    page::render(&data).map_err(|message| Error::Corrupt {
        path: out.join(REPORT_FILE),
        message,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let data = std::fs::read(path).map_err(Error::io("reading", path))?;
    serde_json::from_slice(&data).map_err(|e| Error::Corrupt {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Repairs from every stage's recorded repairs, most documents first.
fn repair_rows(stats: &RunStats) -> Vec<RepairRow> {
    let mut rows: Vec<RepairRow> = stats
        .stages
        .0
        .iter()
        .flat_map(|(_, st)| st.repairs.iter())
        .map(|(rule, r)| RepairRow {
            rule: rule.clone(),
            docs: r.docs,
            lines: r.lines,
            chars: r.chars,
        })
        .collect();
    rows.sort_by(|a, b| b.docs.cmp(&a.docs).then_with(|| a.rule.cmp(&b.rule)));
    rows
}

fn wall_seconds(stats: &RunStats) -> f64 {
    stats.time.wall_seconds.total
}

/// The CPU line under the wall time: process CPU over every invocation, and the stages' share of it.
fn cpu_label(stats: &RunStats) -> String {
    let t = &stats.time;
    if !t.cpu_measured {
        return "CPU time not measured on this platform".into();
    }
    let invocations = if t.invocations > 1 {
        format!(" over {} invocations", t.invocations)
    } else {
        String::new()
    };
    format!(
        "{:.2} CPU-s{invocations}, {:.2} in the stages",
        t.cpu_seconds.total, t.stage_cpu_seconds
    )
}

/// The settings that differ from the run's preset, as (dotted key, value, preset's value).
pub(crate) fn changed_knobs(config: &Config) -> Vec<(String, String, String)> {
    let (Ok(ours), Ok(base)) = (
        serde_json::to_value(config),
        serde_json::to_value(Config::preset(config.preset)),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    diff("", &ours, &base, &mut out);
    out
}

fn diff(prefix: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<(String, String, String)>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                diff(&key, v, y.get(k).unwrap_or(&Value::Null), out);
            }
        }
        _ if a != b => out.push((prefix.to_owned(), a.to_string(), b.to_string())),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_knobs_name_the_key_and_both_values() {
        let mut config = Config::default();
        assert!(changed_knobs(&config).is_empty(), "the preset itself changes nothing");
        config.dedup.near.threshold = 0.9;
        config.run.partitions = 3;
        let knobs = changed_knobs(&config);
        let keys: Vec<&str> = knobs.iter().map(|k| k.0.as_str()).collect();
        assert!(keys.contains(&"dedup.near.threshold"), "{keys:?}");
        let near = knobs
            .iter()
            .find(|k| k.0 == "dedup.near.threshold")
            .expect("the threshold");
        assert_eq!(near.1, "0.9");
    }
}
