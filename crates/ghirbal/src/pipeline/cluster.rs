//! Phase 2, cluster: one task per key partition reads that partition's section from every shard's key file,
//! groups the keys and decides each group's keeper, and checks that ids are unique. It writes the decisions
//! sectioned by shard (`work/dups/P.bin`) so each write task reads only its own. Memory per task is about
//! 1/partitions of all keys.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::binfile::{read_section, Cursor, Put, SectionWriter};
use super::layout::{Layout, Phase};
use super::steps::TaskSlice;
use crate::dedup::exact::{self, Decision, ExactKey};
use crate::read::{ShardKind, ShardSpec};
use crate::{Config, Error, Ordinal, Result};

/// The section of a dups file holding duplicate-id findings.
const DUP_IDS: u32 = u32::MAX;

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
}

struct IdEntry {
    hash: u128,
    ordinal: Ordinal,
    line: u64,
    id: String,
}

impl Cluster<'_> {
    /// Step `cluster`: every partition of the slice without a marker; then, once every partition is done
    /// (by this invocation or others), fails if any id is used twice.
    pub(crate) fn run(&self, slice: TaskSlice) -> Result<()> {
        let todo: Vec<u32> = (0..self.config.run.partitions)
            .filter(|p| slice.takes(*p) && !self.layout.is_done(Phase::Cluster, *p))
            .collect();
        tracing::info!(partitions = todo.len(), "cluster phase");
        self.pool
            .install(|| todo.par_iter().try_for_each(|p| self.partition(*p)))?;
        if (0..self.config.run.partitions).all(|p| self.layout.is_done(Phase::Cluster, p)) {
            self.check_ids()?;
        }
        Ok(())
    }

    /// Fails if the cluster tasks found an id used by two documents.
    pub(crate) fn check_ids(&self) -> Result<()> {
        for p in 0..self.config.run.partitions {
            let data = read_section(&self.layout.dups(p), DUP_IDS)?;
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
            let path = self.layout.keys(shard.index);
            let data = read_section(&path, p)?;
            if !data.is_empty() && !decode_keys(&data, &mut keys, &mut ids) {
                return Err(Error::Corrupt {
                    path,
                    message: format!("partition {p} is truncated"),
                });
            }
        }
        let decisions = exact::decide(keys);
        let dup_ids = self.dup_ids(ids);
        let mut out = SectionWriter::create(&self.layout.dups(p))?;
        for group in decisions.chunk_by(|a, b| a.0.shard() == b.0.shard()) {
            let mut buf = Vec::new();
            for (ordinal, decision) in group {
                encode_decision(&mut buf, ordinal.seq(), decision);
            }
            out.section(group[0].0.shard(), &buf)?;
        }
        if !dup_ids.is_empty() {
            out.section(DUP_IDS, &serde_json::to_vec(&dup_ids).unwrap_or_default())?;
        }
        out.finish()?;
        self.layout.mark_done(Phase::Cluster, p)
    }

    fn dup_ids(&self, mut ids: Vec<IdEntry>) -> Vec<DupId> {
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
    fn place(&self, e: &IdEntry) -> String {
        match self.shards.get(e.ordinal.shard() as usize).map(|s| &s.kind) {
            Some(ShardKind::Txt { root, files } | ShardKind::Html { root, files }) => files
                .get(e.ordinal.seq() as usize)
                .map_or_else(String::new, |f| root.join(f).display().to_string()),
            Some(ShardKind::Jsonl { path, .. } | ShardKind::Parquet { path }) => {
                format!("{}:{}", path.display(), e.line)
            }
            Some(ShardKind::Warc { path, .. }) => format!("{} (a WARC record)", path.display()),
            None => format!("shard {} record {}", e.ordinal.shard(), e.ordinal.seq()),
        }
    }
}

/// Decodes one partition section of a key file; false when it is truncated.
fn decode_keys(data: &[u8], keys: &mut Vec<ExactKey>, ids: &mut Vec<IdEntry>) -> bool {
    let mut cur = Cursor::new(data);
    let (k, i) = (cur.bytes(), cur.bytes());
    let mut kc = Cursor::new(k);
    while !kc.at_end() && !kc.overrun {
        let hash = kc.u128();
        let ordinal = Ordinal(kc.u64());
        let rank = kc.bytes().to_vec();
        let id = String::from_utf8_lossy(kc.bytes()).into_owned();
        keys.push(ExactKey {
            hash,
            ordinal,
            rank,
            id,
        });
    }
    let mut ic = Cursor::new(i);
    while !ic.at_end() && !ic.overrun {
        let (hash, ordinal, line) = (ic.u128(), Ordinal(ic.u64()), ic.u64());
        let id = String::from_utf8_lossy(ic.bytes()).into_owned();
        ids.push(IdEntry {
            hash,
            ordinal,
            line,
            id,
        });
    }
    !(cur.overrun || kc.overrun || ic.overrun)
}

fn encode_decision(buf: &mut Vec<u8>, seq: u32, decision: &Decision) {
    buf.put_u32(seq);
    match decision {
        Decision::Keeper { cluster_size } => {
            buf.put_u32(0);
            buf.put_u32(*cluster_size);
        }
        Decision::Duplicate { keeper_id, group_size } => {
            buf.put_u32(1);
            buf.put_u32(*group_size);
            buf.put_bytes(keeper_id.as_bytes());
        }
    }
}

/// Every decision about documents of `shard`, sorted by sequence number.
pub(crate) fn decisions_for(layout: &Layout, partitions: u32, shard: u32) -> Result<Vec<(u32, Decision)>> {
    let mut out = Vec::new();
    for p in 0..partitions {
        let path = layout.dups(p);
        let data = read_section(&path, shard)?;
        let mut cur = Cursor::new(&data);
        while !cur.at_end() && !cur.overrun {
            let seq = cur.u32();
            let kind = cur.u32();
            let size = cur.u32();
            let decision = match kind {
                0 => Decision::Keeper { cluster_size: size },
                _ => Decision::Duplicate {
                    keeper_id: String::from_utf8_lossy(cur.bytes()).into_owned(),
                    group_size: size,
                },
            };
            out.push((seq, decision));
        }
        if cur.overrun {
            return Err(Error::Corrupt {
                path,
                message: format!("section for shard {shard} is truncated"),
            });
        }
    }
    out.sort_unstable_by_key(|(seq, _)| *seq);
    Ok(out)
}
