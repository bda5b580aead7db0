//! Finishing a run: summing every task's stats into `stats.json` and checking conservation — documents read
//! must equal documents written to `kept/` plus `removed/`. A run whose books do not balance fails loudly.
//! The files of the input folders that were not read are copied from the manifest, so that `stats.json`
//! accounts for every file as well as every document, and every invocation's time records are summed into
//! its `time` ([`super::time`]).

use super::manifest::Manifest;
use super::route::WriteShardStats;
use super::scan::ScanShardStats;
use super::time::{run_time, Invocation};
use crate::read::ShardSpec;
use crate::stats::{Conservation, RunStats, StageList};
use crate::work::{json, Layout, Step};
use crate::{Config, Error, Result};

/// `OUT/stats.json`, as a finished run wrote it.
pub(crate) fn read_stats(layout: &Layout) -> Result<RunStats> {
    let path = layout.stats();
    let data = std::fs::read(&path).map_err(Error::io("reading", &path))?;
    serde_json::from_slice(&data).map_err(|e| Error::Corrupt {
        path: path.clone(),
        message: e.to_string(),
    })
}

/// Writes `OUT/stats.json` (an output for people and scripts: plain JSON, no checksum key).
fn write_stats(layout: &Layout, stats: &RunStats) -> Result<()> {
    let path = layout.stats();
    let mut data = serde_json::to_vec_pretty(stats).map_err(|e| Error::Corrupt {
        path: path.clone(),
        message: e.to_string(),
    })?;
    data.push(b'\n');
    crate::work::write_atomic(&path, &data)
}

/// Documents that reached the write phase (survivors and scan removals), for progress.
pub(crate) fn scanned_docs(layout: &Layout, shards: &[ShardSpec]) -> Result<u64> {
    let mut total = 0;
    for s in shards {
        let stats: ScanShardStats = json::read(&layout.task_stats(Step::Scan, s.index))?;
        total += stats.survivors + stats.removed;
    }
    Ok(total)
}

/// Sums the task stats, checks conservation and writes `stats.json`; `invocation` is the one finishing.
pub(crate) fn finish(
    layout: &Layout,
    config: &Config,
    manifest: &Manifest,
    invocation: &Invocation,
) -> Result<RunStats> {
    let shards = &manifest.shards;
    let mut stats = RunStats {
        ghirbal_version: env!("CARGO_PKG_VERSION").into(),
        skipped_files: manifest.skipped.clone(),
        skipped_file_count: manifest.skipped.len() as u64,
        ..Default::default()
    };
    let mut stages = StageList::default();
    stages.entry("read");
    for name in &config.stages {
        stages.entry(name);
    }
    let (mut kept, mut removed) = (0, 0);
    let mut exact_removed = (0, 0);
    for s in shards {
        let scan: ScanShardStats = json::read(&layout.task_stats(Step::Scan, s.index))?;
        let write: WriteShardStats = json::read(&layout.task_stats(Step::Write, s.index))?;
        stages += &scan.stages;
        stats.totals.docs_in += scan.records;
        stats.totals.bytes_in += scan.raw_bytes;
        stats.input_problems.extend(scan.problem);
        for (kind, n) in &scan.other_records {
            *stats.other_records.entry(kind.clone()).or_default() += n;
        }
        for (code, (n, bytes)) in &write.dedup_removed {
            let st = stages.entry(code);
            st.docs_kept -= n;
            st.bytes_out -= bytes;
            st.docs_removed += n;
            *st.removed.entry(code.clone()).or_default() += n;
            if code == crate::dedup::EXACT.code {
                exact_removed.0 += n;
                exact_removed.1 += bytes;
            }
        }
        for (code, n) in &write.annotated {
            let m = stages.entry(code).metrics.entry("annotated".into()).or_default();
            set_count(m, m.sum as u64 + n);
        }
        kept += write.kept;
        removed += write.removed;
        stats.totals.text_bytes_kept += write.kept_text_bytes;
    }
    if config.near_dedup() {
        near_stats(layout, config, &mut stages, exact_removed)?;
    }
    if let Some((_, read)) = stages.0.first() {
        stats.totals.text_bytes_in = read.bytes_out;
    }
    for (_, st) in &stages.0 {
        for (code, n) in &st.removed {
            *stats.totals.removed_by_reason.entry(code.clone()).or_default() += n;
        }
    }
    stats.totals.docs_kept = kept;
    stats.totals.docs_removed = removed;
    let balanced = stages.0.iter().all(|(_, st)| st.balanced());
    let reasons: u64 = stats.totals.removed_by_reason.values().sum();
    let holds = stats.totals.docs_in == kept + removed && balanced && reasons == removed;
    stats.conservation = Conservation {
        input: stats.totals.docs_in,
        kept,
        removed,
        holds,
    };
    stats.stages = stages;
    stats.peak_rss_bytes = crate::stats::peak_rss();
    stats.config = Some(config.clone());
    // Last, so that as little as possible of this invocation's time is left out.
    stats.time = run_time(layout, invocation, &stats.stages);
    write_stats(layout, &stats)?;
    if !holds {
        return Err(Error::Conservation {
            input: stats.totals.docs_in,
            kept,
            removed,
        });
    }
    Ok(stats)
}

/// Near dedup runs after exact dedup: its input is what exact dedup kept. Adds the cluster phase's counts.
fn near_stats(layout: &Layout, config: &Config, stages: &mut StageList, exact_removed: (u64, u64)) -> Result<()> {
    let st = stages.entry(crate::dedup::NEAR.code);
    st.docs_in -= exact_removed.0;
    st.docs_kept -= exact_removed.0;
    st.bytes_in -= exact_removed.1;
    st.bytes_out -= exact_removed.1;
    let (clusters, parts) = super::near_clusters::stats(layout, config.run.partitions)?;
    {
        let counts = [
            ("band_records", parts.band_records),
            ("candidates_verified", parts.verified),
            ("candidates_rejected", parts.rejected),
            ("buckets", parts.buckets),
            ("sort_runs", parts.sort_runs),
            ("sketch_chunks", parts.sketch_chunks),
            ("verified_pairs", clusters.edges),
            ("clusters", clusters.clusters),
            ("largest_cluster", clusters.largest_cluster),
        ];
        for (name, n) in counts {
            set_count(st.metrics.entry(name.into()).or_default(), n);
        }
    }
    Ok(())
}

/// A count shown as a metric: one observation of value `n`.
fn set_count(m: &mut crate::stats::Metric, n: u64) {
    let n = n as f64;
    *m = crate::stats::Metric {
        count: 1,
        sum: n,
        min: n,
        max: n,
    };
}
