//! Step `cluster`: one task per key partition reads that partition's exact keys and ids from every shard's
//! key file, groups the keys and decides each group's keeper, and checks that ids are unique. It writes the
//! decisions sectioned by shard ([`crate::work::decisions`]) so each write task reads only its own. Memory per
//! task is about 1/partitions of all keys.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::archive::{ArchivedId, ArchivedIds};
use crate::dedup::{exact, Decision};
use crate::read::{ShardKind, ShardSpec};
use crate::text::OrdinalMap;
use crate::work::decisions::{self, ARCHIVED_IDS, DUP_IDS};
use crate::work::keys::{IdRecord, KeyPartition};
use crate::work::sections::Kind;
use crate::work::{Layout, Step, TaskSlice};
use crate::{Config, Error, Ordinal, Result};

/// Two documents with one id.
#[derive(Debug, Serialize, Deserialize)]
struct DupId {
    id: String,
    first: String,
    second: String,
}

/// Everything the cluster phase needs.
pub(crate) struct Cluster<'a> {
    pub layout: &'a Layout,
    pub config: &'a Config,
    pub shards: &'a [ShardSpec],
    pub pool: &'a rayon::ThreadPool,
    /// The news archive the batch is deduplicated against, as the plan saw it.
    pub archive: Option<&'a crate::archive::Snapshot>,
}

impl Cluster<'_> {
    /// Step `cluster`: every partition of the slice without a marker; then, once every partition is done
    /// (by this invocation or others), fails if any id is used twice.
    pub(crate) fn run(&self, slice: TaskSlice) -> Result<()> {
        let todo: Vec<u32> = (0..self.config.run.partitions)
            .filter(|p| slice.takes(*p) && !self.layout.is_done(Step::Cluster, *p))
            .collect();
        tracing::info!(partitions = todo.len(), "cluster phase");
        self.pool
            .install(|| todo.par_iter().try_for_each(|p| self.partition(*p)))?;
        if (0..self.config.run.partitions).all(|p| self.layout.is_done(Step::Cluster, p)) {
            self.check_ids()?;
        }
        Ok(())
    }

    /// Fails if the cluster tasks found an id used by two documents.
    pub(crate) fn check_ids(&self) -> Result<()> {
        for p in 0..self.config.run.partitions {
            let data = decisions::read_extra(&self.layout.dups(p), Kind::ExactDecisions, DUP_IDS)?;
            if data.is_empty() {
                continue;
            }
            let dups: Vec<DupId> = serde_json::from_slice(&data).map_err(|e| Error::Corrupt {
                path: self.layout.dups(p),
                message: e.to_string(),
            })?;
            if let Some(d) = dups.into_iter().next() {
                return Err(Error::DuplicateId {
                    id: d.id,
                    first: d.first,
                    second: d.second,
                });
            }
        }
        Ok(())
    }

    fn partition(&self, p: u32) -> Result<()> {
        let (mut keys, mut ids) = (Vec::new(), Vec::new());
        for shard in self.shards {
            let part = KeyPartition::read(&self.layout.keys(shard.index), p)?;
            part.exact_keys(&mut keys)?;
            part.ids(&mut ids)?;
        }
        let decided = match self.archive {
            Some(snap) => decide_with_archive(p, keys, snap)?,
            None => exact::decide(keys),
        };
        let archived_ids = match self.archive {
            Some(snap) => self.archived_ids(p, &ids, snap)?,
            None => Vec::new(),
        };
        let dup_ids = self.dup_ids(ids);
        let dup_ids = match dup_ids.is_empty() {
            true => Vec::new(),
            false => serde_json::to_vec(&dup_ids).map_err(|e| Error::Corrupt {
                path: self.layout.dups(p),
                message: e.to_string(),
            })?,
        };
        decisions::write(
            &self.layout.dups(p),
            Kind::ExactDecisions,
            &decided,
            &[(DUP_IDS, &dup_ids), (ARCHIVED_IDS, &archived_ids)],
        )?;
        self.layout.mark_done(Step::Cluster, p)
    }

    /// The batch's ids that the archive has seen (JSON [`ArchivedIds`], empty when none): one run over all
    /// batches would refuse them as used twice; a news archive sees a page again when it is scraped again,
    /// so the batch goes on and the ids are reported.
    fn archived_ids(&self, p: u32, ids: &[IdRecord], snap: &crate::archive::Snapshot) -> Result<Vec<u8>> {
        let mut hashes: Vec<u128> = ids.iter().map(|r| r.hash).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let found = crate::archive::lookup::Lookup::new(snap).ids(p, &hashes)?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let batch_of = |h: u128| {
            found
                .binary_search_by_key(&h, |(i, _)| hashes[*i])
                .ok()
                .map(|k| found[k].1)
        };
        let mut seen: Vec<(&IdRecord, u32)> = ids.iter().filter_map(|r| batch_of(r.hash).map(|b| (r, b))).collect();
        seen.sort_unstable_by_key(|(r, _)| r.ordinal);
        let report = ArchivedIds {
            count: seen.len() as u64,
            examples: seen
                .iter()
                .take(ArchivedIds::EXAMPLES)
                .map(|(r, b)| ArchivedId {
                    id: r.id.clone(),
                    batch: *b,
                    at: self.place(r),
                })
                .collect(),
        };
        serde_json::to_vec(&report).map_err(|e| Error::Corrupt {
            path: self.layout.dups(p),
            message: e.to_string(),
        })
    }

    fn dup_ids(&self, mut ids: Vec<IdRecord>) -> Vec<DupId> {
        ids.sort_unstable_by(|a, b| (a.hash, &a.id, a.ordinal).cmp(&(b.hash, &b.id, b.ordinal)));
        ids.windows(2)
            .filter(|w| w[0].hash == w[1].hash && w[0].id == w[1].id)
            .map(|w| DupId {
                id: w[0].id.clone(),
                first: self.place(&w[0]),
                second: self.place(&w[1]),
            })
            .collect()
    }

    /// Where a document was read, for error messages.
    fn place(&self, e: &IdRecord) -> String {
        match self.shards.get(e.ordinal.shard() as usize).map(|s| &s.kind) {
            Some(ShardKind::Txt { root, files } | ShardKind::Html { root, files }) => files
                .get(e.ordinal.seq() as usize)
                .map_or_else(String::new, |f| root.join(f).display().to_string()),
            Some(ShardKind::Jsonl { path, .. } | ShardKind::Parquet { path }) => {
                format!("{}:{}", path.display(), e.line)
            }
            Some(ShardKind::JsonArray { path, .. }) => format!("{} element {}", path.display(), e.line),
            Some(ShardKind::Warc { path, .. }) => format!("{} (a WARC record)", path.display()),
            None => format!("shard {} record {}", e.ordinal.shard(), e.ordinal.seq()),
        }
    }
}

/// Exact decisions with the archive: a key the archive holds makes every document of the batch with it a copy
/// of the archived document (the archive's documents come first in every keep order: they are published);
/// the other keys are grouped as in a run without one.
fn decide_with_archive(
    p: u32,
    keys: Vec<exact::ExactKey>,
    snap: &crate::archive::Snapshot,
) -> Result<Vec<(Ordinal, Decision)>> {
    let lookup = crate::archive::lookup::Lookup::new(snap);
    let mut hashes: Vec<u128> = keys.iter().map(|k| k.hash).collect();
    hashes.sort_unstable();
    hashes.dedup();
    let found = lookup.exact(p, &hashes)?;
    if found.is_empty() {
        return Ok(exact::decide(keys));
    }
    let archived_of = |h: u128| found.binary_search_by_key(&h, |f| f.0).ok().map(|i| found[i].1);
    let (copies, rest): (Vec<_>, Vec<_>) = keys.into_iter().partition(|k| archived_of(k.hash).is_some());
    let mut out = exact::decide(rest);
    let mut docs = lookup.docs();
    let mut copies = copies;
    copies.sort_unstable_by_key(|k| (k.hash, k.ordinal));
    for group in copies.chunk_by(|a, b| a.hash == b.hash) {
        let Some(keeper) = archived_of(group[0].hash) else {
            continue;
        };
        let keeper_id = docs.id(keeper)?;
        for copy in group {
            out.push((
                copy.ordinal,
                Decision::Exact {
                    keeper_id: keeper_id.clone(),
                    group_size: group.len() as u32 + 1,
                    cluster: None,
                    archived: Some(keeper),
                },
            ));
        }
    }
    out.sort_unstable_by_key(|(o, _)| *o);
    Ok(out)
}

/// Every exact decision about documents of `shard`, sorted by sequence number.
pub(crate) fn decisions_for(layout: &Layout, partitions: u32, shard: u32) -> Result<Vec<(u32, Decision)>> {
    let mut out = Vec::new();
    for p in 0..partitions {
        out.extend(decisions::read(&layout.dups(p), Kind::ExactDecisions, shard)?);
    }
    out.sort_unstable_by_key(|(seq, _)| *seq);
    Ok(out)
}

/// What near dedup needs from exact dedup: which documents are exact duplicates (left out of the band
/// records), and the size of each exact keeper's group (a near cluster counts its members' copies).
pub(crate) struct ExactInfo {
    /// Each exact copy's keeper: its id, and its ordinal when it is an archived document.
    pub(crate) duplicates: OrdinalMap<(String, Option<Ordinal>)>,
    sizes: OrdinalMap<u32>,
}

impl ExactInfo {
    /// Reads every exact decision.
    pub(crate) fn load(layout: &Layout, partitions: u32, shards: &[ShardSpec]) -> Result<ExactInfo> {
        let mut info = ExactInfo {
            duplicates: OrdinalMap::default(),
            sizes: OrdinalMap::default(),
        };
        for shard in shards {
            for (seq, decision) in decisions_for(layout, partitions, shard.index)? {
                let o = Ordinal::new(shard.index, seq).0;
                match decision {
                    Decision::Keeper { cluster_size, .. } => {
                        info.sizes.insert(o, cluster_size);
                    }
                    Decision::Exact {
                        keeper_id, archived, ..
                    } => {
                        info.duplicates.insert(o, (keeper_id, archived));
                    }
                    Decision::Near { .. } => {}
                }
            }
        }
        Ok(info)
    }

    pub(crate) fn size(&self, o: Ordinal) -> u32 {
        self.sizes.get(&o.0).copied().unwrap_or(1)
    }
}
