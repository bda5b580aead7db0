//! The cluster ledger: for every deduplicated document of a batch — kept, exact copy or near duplicate — the
//! archived document it went to. Clusters are the keepers' stars: a keeper and everything removed in its
//! favour, directly or through an exact copy of one of its near duplicates, in any later batch. Sizes thus
//! grow as later batches bring copies, without rewriting anything already written; `ghirbal archive
//! clusters` reads every batch's ledger and prints (id, cluster_id, cluster_size) per document.
//!
//! `batches/N/ledger.bin`: header (`GHRBLAR\0`, `LDGR`, format u32), records `kind u8 | member u64 | keeper
//! u64 | id bytes` (member: the document's archived ordinal, or `u64::MAX` for an exact copy, which is not
//! stored), then `records u64 | xxh3 u64` of everything before.

use std::path::Path;

use serde::Serialize;

use super::{Paths, FORMAT};
use crate::work::codec::{Decoder, Put};
use crate::{Error, Ordinal, Result};

const NONE: u64 = u64::MAX;

/// How a document entered the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Kept: a keeper of its own cluster.
    Kept,
    /// Removed as an exact copy.
    Exact,
    /// Removed as a near duplicate.
    Near,
}

/// One ledger record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// How it entered.
    pub kind: Kind,
    /// Its archived ordinal (kept documents and near duplicates are stored; exact copies are not).
    pub member: Option<Ordinal>,
    /// The archived document it went to (itself when kept).
    pub keeper: Ordinal,
    /// Its id.
    pub id: String,
}

fn header() -> Vec<u8> {
    let mut h = b"GHRBLAR\0LDGR".to_vec();
    h.put_u32(FORMAT);
    h
}

/// Writes a batch's ledger.
pub(crate) fn write(path: &Path, entries: &[Entry]) -> Result<()> {
    let mut buf = header();
    for e in entries {
        buf.put_u8(match e.kind {
            Kind::Kept => 0,
            Kind::Exact => 1,
            Kind::Near => 2,
        });
        buf.put_u64(e.member.map_or(NONE, |o| o.0));
        buf.put_u64(e.keeper.0);
        buf.put_bytes(e.id.as_bytes());
    }
    buf.put_u64(entries.len() as u64);
    let sum = xxhash_rust::xxh3::xxh3_64(&buf);
    buf.put_u64(sum);
    crate::work::write_atomic(path, &buf)
}

/// Reads a batch's ledger, checking it whole.
pub(crate) fn read(path: &Path) -> Result<Vec<Entry>> {
    let data = std::fs::read(path).map_err(Error::io("reading", path))?;
    let corrupt = |m: &str| Error::Corrupt {
        path: path.to_owned(),
        message: m.to_owned(),
    };
    let h = header();
    if data.len() < h.len() + 16 || !data.starts_with(&h) {
        return Err(corrupt("not a ledger of this archive format"));
    }
    let (body, tail) = data.split_at(data.len() - 8);
    if xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() != tail {
        return Err(corrupt("the ledger does not match its checksum"));
    }
    let mut d = Decoder::new(&body[h.len()..body.len() - 8], path, h.len() as u64);
    let mut out = Vec::new();
    while !d.is_empty() {
        let kind = match d.u8("a ledger record's kind")? {
            0 => Kind::Kept,
            1 => Kind::Exact,
            2 => Kind::Near,
            k => return Err(d.corrupt(&format!("a ledger kind {k}"))),
        };
        let member = d.u64("a ledger member")?;
        out.push(Entry {
            kind,
            member: (member != NONE).then_some(Ordinal(member)),
            keeper: Ordinal(d.u64("a ledger keeper")?),
            id: d.str("a ledger id")?.to_owned(),
        });
    }
    Ok(out)
}

/// One row of `ghirbal archive clusters`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterRow {
    /// The document.
    pub id: String,
    /// The id of its cluster's keeper.
    pub cluster_id: String,
    /// Documents in the cluster, across every batch so far.
    pub cluster_size: u64,
    /// Kept (the keeper), or how it was removed.
    pub status: Kind,
    /// The batch it came in.
    pub batch: u32,
}

/// Every archived document with its cluster, in the order they were added. Memory: one entry per document.
pub fn clusters(root: &Path) -> Result<Vec<ClusterRow>> {
    let manifest = super::load(root)?.ok_or_else(|| Error::Config(format!("{} holds no archive", root.display())))?;
    let paths = Paths::new(root);
    let mut all: Vec<(u32, Entry)> = Vec::new();
    for b in &manifest.batches {
        all.extend(read(&paths.ledger(b.number))?.into_iter().map(|e| (b.number, e)));
    }
    let mut keeper_of: crate::text::OrdinalMap<(Ordinal, usize)> = crate::text::OrdinalMap::default();
    for (i, (_, e)) in all.iter().enumerate() {
        if let Some(m) = e.member {
            keeper_of.insert(m.0, (e.keeper, i));
        }
    }
    // Follows a document's keeper until a document that is its own (a chain is at most copy → near → keeper).
    let root_of = |mut o: Ordinal| -> Option<(Ordinal, usize)> {
        for _ in 0..8 {
            let (k, i) = *keeper_of.get(&o.0)?;
            if k == o {
                return Some((k, i));
            }
            o = k;
        }
        None
    };
    let roots: Vec<Option<(Ordinal, usize)>> = all.iter().map(|(_, e)| root_of(e.keeper)).collect();
    let mut sizes: crate::text::OrdinalMap<u64> = crate::text::OrdinalMap::default();
    for r in roots.iter().flatten() {
        *sizes.entry(r.0 .0).or_default() += 1;
    }
    all.iter()
        .zip(&roots)
        .map(|((batch, e), r)| {
            let (root, at) = r.ok_or_else(|| Error::Corrupt {
                path: paths.ledger(*batch),
                message: format!("document {:?} goes to an archived document no ledger lists", e.id),
            })?;
            Ok(ClusterRow {
                id: e.id.clone(),
                cluster_id: all[at].1.id.clone(),
                cluster_size: sizes.get(&root.0).copied().unwrap_or(1),
                status: e.kind,
                batch: *batch,
            })
        })
        .collect()
}
