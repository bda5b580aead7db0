//! The steps of a run as a job array sees them (`ghirbal run --phase STEP --shard i/N`, issue #7): each step
//! is a list of independent tasks (one per shard or per partition) that read and write files only, and a step
//! may start once every task of the steps before it has left its marker.
//!
//! ```text
//! plan → scan → lines-count → scan-sited → cluster → near → near-clusters → story → write → finish
//! (1)    shards partitions    shards       partitions partitions (1)          (1)     shards  (1)
//! ```
//! `lines-count` and `scan-sited` have tasks only when the site tables are on (`scan-sited`'s tasks of the
//! shards whose documents have no site are done by `scan`), `near` and `near-clusters` only with
//! `dedup.near`, `story` only with the `story` stage. `--shard i/N` takes the tasks whose index is i modulo N, so N invocations with i = 0..N-1
//! (in any order, on any machines sharing OUT) do the step's work exactly once between them. A step that is
//! run again skips the tasks with markers, as a resumed run does.

use super::manifest::Manifest;
use crate::work::{Layout, Step};
use crate::{Config, Error, Result};

impl Step {
    /// The step's tasks (shard or partition indices; 0 for a single task), given the plan; `None` for the
    /// steps whose completion is a file of their own (`plan`: the manifest, `finish`: `stats.json`).
    pub(crate) fn tasks(self, config: &Config, manifest: &Manifest) -> Option<Vec<u32>> {
        let shards = || manifest.shards.iter().map(|s| s.index).collect();
        let parts = || (0..config.run.partitions).collect();
        let site_lines = site_lines_on(config);
        let near = config.near_dedup();
        Some(match self {
            Step::Plan | Step::Finish => return None,
            Step::LinesCount if site_lines => parts(),
            Step::ScanSited if site_lines => shards(),
            Step::LinesCount | Step::ScanSited => Vec::new(),
            Step::Scan | Step::Write => shards(),
            Step::Cluster => parts(),
            Step::Near if near => parts(),
            Step::NearClusters if near => vec![0],
            Step::Near | Step::NearClusters => Vec::new(),
            Step::Story if config.story() => vec![0],
            Step::Story => Vec::new(),
        })
    }

    /// The tasks of the step without a marker: the `i` of the `--shard i/N` that runs each alone, with N
    /// above every index.
    pub(crate) fn pending_tasks(self, layout: &Layout, config: &Config, manifest: &Manifest) -> Vec<u32> {
        match self.tasks(config, manifest) {
            Some(tasks) => tasks.into_iter().filter(|t| !layout.is_done(self, *t)).collect(),
            None => {
                let done = match self {
                    Step::Finish => layout.stats().exists(),
                    _ => layout.manifest().exists(),
                };
                if done {
                    Vec::new()
                } else {
                    vec![0]
                }
            }
        }
    }

    /// How many of the step's tasks have no marker yet.
    pub(crate) fn pending(self, layout: &Layout, config: &Config, manifest: &Manifest) -> usize {
        self.pending_tasks(layout, config, manifest).len()
    }

    /// Fails unless every task of every step before this one is done.
    pub(crate) fn check_ready(self, layout: &Layout, config: &Config, manifest: &Manifest) -> Result<()> {
        for before in Step::ALL.into_iter().take_while(|s| *s < self) {
            let pending = before.pending(layout, config, manifest);
            if pending > 0 {
                return Err(Error::NotReady(format!(
                    "cannot run step {}: {pending} task(s) of step {} are not done yet (run `--phase {}` first, \
                     with every --shard i/N)",
                    self.name(),
                    before.name(),
                    before.name()
                )));
            }
        }
        Ok(())
    }
}

/// True when the config uses the site tables (site lines, related stories), so that `lines-count` and
/// `scan-sited` have tasks.
pub(crate) fn site_lines_on(config: &Config) -> bool {
    config.has_stage("clean") && config.clean.needs_site_tables()
}
