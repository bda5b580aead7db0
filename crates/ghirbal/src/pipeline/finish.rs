//! Finishing a run: summing every task's stats into `stats.json` and checking conservation — documents read
//! must equal documents written to `kept/` plus `removed/`. A run whose books do not balance fails loudly.
//! The files of the input folders that were not read are copied from the manifest, so that `stats.json`
//! accounts for every file as well as every document; every invocation's time records are summed into its
//! `time` ([`super::time`]); the inputs most of whose records failed to read are listed with the likely fix
//! (`warnings.rs`). Last, the report: what the tasks observed goes into `stats.json` (distributions, sources)
//! and `examples.json`, and `report.html` is drawn from the two.

use super::manifest::Manifest;
use super::route::WriteShardStats;
use super::scan::ScanShardStats;
use super::time::{run_time, Invocation};
use super::warnings::Tally;
use crate::read::ShardSpec;
use crate::stats::observe::{InputSummary, Observations, RunObservations, SOURCES_KEPT};
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

/// Writes `OUT/stats.json` or `OUT/examples.json`: outputs for people and scripts, plain pretty JSON with no
/// checksum key.
fn write_json<T: serde::Serialize>(path: &std::path::Path, value: &T) -> Result<()> {
    let mut data = serde_json::to_vec_pretty(value).map_err(|e| Error::Corrupt {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    data.push(b'\n');
    crate::work::write_atomic(path, &data)
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
    held: Option<&crate::archive::add::ArchiveLock>,
) -> Result<RunStats> {
    let shards = &manifest.shards;
    let mut stats = RunStats {
        ghirbal_version: env!("CARGO_PKG_VERSION").into(),
        skipped_files: manifest.skipped.clone(),
        skipped_file_count: manifest.skipped.len() as u64,
        ..Default::default()
    };
    if config.story() {
        stats.story = Some(json::read(&layout.task_stats(Step::Story, 0))?);
    }
    let mut stages = StageList::default();
    stages.entry("read");
    for name in &config.stages {
        stages.entry(name);
    }
    let (mut kept, mut removed) = (0, 0);
    let mut exact_removed = (0, 0);
    let mut observed = Observations::default();
    let mut inputs = Tally::default();
    for s in shards {
        let scan: ScanShardStats = json::read(&layout.task_stats(Step::Scan, s.index))?;
        let write: WriteShardStats = json::read(&layout.task_stats(Step::Write, s.index))?;
        inputs.add(s, &scan);
        add_observed(&mut observed, scan.observed, &layout.task_stats(Step::Scan, s.index))?;
        add_observed(&mut observed, write.observed, &layout.task_stats(Step::Write, s.index))?;
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
    if let Some(summary) = &stats.story {
        story_stats(&mut stages, summary);
    }
    if let Some((_, read)) = stages.0.first() {
        stats.totals.text_bytes_in = read.bytes_out;
    }
    for (_, st) in &stages.0 {
        for (code, n) in &st.removed {
            *stats.totals.removed_by_reason.entry(code.clone()).or_default() += n;
        }
    }
    stats.input_warnings = inputs.warnings(&config.input);
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
    if let Some(snapshot) = manifest.archive.as_ref().filter(|_| holds) {
        // Only a batch whose books balance joins the archive; stats.json, written after, marks both done.
        let batch = crate::archive::add::Finished {
            layout,
            config,
            snapshot,
            inputs: &manifest.inputs,
            shards: shards.iter().map(|s| s.index).collect(),
            decisions: all_decisions(layout, config, shards)?,
            totals: crate::archive::add::Totals {
                docs_in: stats.totals.docs_in,
                removed,
            },
            site_counts: super::steps::site_lines_on(config),
        };
        let mut report = crate::archive::add::add(batch, held)?;
        (report.ids_seen_before, report.ids_seen_before_examples) = ids_seen_before(layout, config)?;
        stats.archive = Some(report);
    }
    stats.peak_rss_bytes = crate::stats::peak_rss();
    stats.config = Some(config.clone());
    let examples = std::mem::take(&mut observed.examples);
    observed.count_exact_groups();
    observed.cap_sources(SOURCES_KEPT);
    stats.report = Some(RunObservations {
        inputs: input_summary(manifest),
        observed,
    });
    // Last, so that as little as possible of this invocation's time is left out (the report is drawn after:
    // a few milliseconds).
    stats.time = run_time(layout, invocation, &stats.stages);
    write_json(&layout.stats(), &stats)?;
    write_json(&layout.out.join(crate::report::EXAMPLES_FILE), &examples)?;
    crate::report::write_with(&layout.out, &stats, &examples)?;
    if !holds {
        return Err(Error::Conservation {
            input: stats.totals.docs_in,
            kept,
            removed,
        });
    }
    Ok(stats)
}

/// The batch's ids the archive had seen, from every `cluster` task: their count and the first few.
fn ids_seen_before(layout: &Layout, config: &Config) -> Result<(u64, Vec<crate::archive::ArchivedId>)> {
    let (mut count, mut examples) = (0, Vec::new());
    for p in 0..config.run.partitions {
        let path = layout.dups(p);
        let data = crate::work::decisions::read_extra(
            &path,
            crate::work::sections::Kind::ExactDecisions,
            crate::work::decisions::ARCHIVED_IDS,
        )?;
        if data.is_empty() {
            continue;
        }
        let part: crate::archive::ArchivedIds = serde_json::from_slice(&data).map_err(|e| Error::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        count += part.count;
        examples.extend(part.examples);
    }
    examples.truncate(crate::archive::ArchivedIds::EXAMPLES);
    Ok((count, examples))
}

/// Every dedup decision of the run, exact and near merged, by ordinal (for the archive's ledger).
fn all_decisions(
    layout: &Layout,
    config: &Config,
    shards: &[ShardSpec],
) -> Result<crate::text::OrdinalMap<crate::dedup::Decision>> {
    let mut all = crate::text::OrdinalMap::default();
    for s in shards {
        let exact = super::cluster::decisions_for(layout, config.run.partitions, s.index)?;
        let near = super::near_clusters::decisions_of_shard(layout, config.near_dedup(), s.index)?;
        for (seq, d) in crate::dedup::decision::merge(exact, near) {
            all.insert(crate::Ordinal::new(s.index, seq).0, d);
        }
    }
    Ok(all)
}

/// Adds one task's observations; bins that differ are stats written by another version of ghirbal.
fn add_observed(into: &mut Observations, task: Observations, path: &std::path::Path) -> Result<()> {
    if into.merge(task) {
        return Ok(());
    }
    Err(Error::Corrupt {
        path: path.to_owned(),
        message: "its histograms have other bins than this version's".into(),
    })
}

/// The inputs in short: how many files, their size, the first few.
fn input_summary(manifest: &Manifest) -> InputSummary {
    InputSummary {
        files: manifest.inputs.len() as u64,
        bytes: manifest.inputs.iter().map(|f| f.size).sum(),
        first: manifest
            .inputs
            .iter()
            .take(10)
            .map(|f| f.path.display().to_string())
            .collect(),
    }
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
        if parts.archived_band_records > 0 {
            // With `--archive`: band records of archived keepers that share a bucket with the batch.
            set_count(
                st.metrics.entry("archived_band_records".into()).or_default(),
                parts.archived_band_records,
            );
        }
    }
    Ok(())
}

/// The `story` row takes in what dedup kept (the scan counted every survivor) and keeps it all.
fn story_stats(stages: &mut StageList, summary: &crate::story::StorySummary) {
    let at = stages.0.iter().position(|(name, _)| name == crate::story::STAGE);
    let before = at
        .and_then(|i| i.checked_sub(1))
        .map(|i| (stages.0[i].1.docs_kept, stages.0[i].1.bytes_out));
    let st = stages.entry(crate::story::STAGE);
    if let Some((docs, bytes)) = before {
        (st.docs_in, st.docs_kept, st.bytes_in, st.bytes_out) = (docs, docs, bytes, bytes);
    }
    for (name, n) in [
        ("stories", summary.stories),
        ("shared_stories", summary.shared_stories),
        ("pairs_scored", summary.pairs_scored),
    ] {
        set_count(st.metrics.entry(name.into()).or_default(), n);
    }
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
