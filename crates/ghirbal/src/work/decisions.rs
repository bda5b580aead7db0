//! The decision files: `dups/P.bin` (a partition's exact-dedup decisions) and `near/clusters.bin` (every
//! near-dup decision), both sectioned by shard so that each `write` task reads only its own, both holding the
//! one [`Decision`] type in one codec.
//!
//! Record: `seq u32 | tag u8 | fields`. Tag 0 keeper: `cluster_size u32 | has_cluster u8 [| cluster_id
//! bytes]`; 1 exact copy: `group_size u32 | keeper_id bytes | has_cluster u8 [| cluster_id bytes |
//! cluster_size u32]`; 2 near duplicate: `keeper_id bytes | value f64 | estimate f64 | cluster_id bytes |
//! cluster_size u32`. Any other tag is corruption.

use std::path::Path;

use super::codec::{Decoder, Put};
use super::sections::{Kind, SectionWriter, Sections};
use crate::dedup::near::Similarity;
use crate::dedup::Decision;
use crate::{Ordinal, Result};

/// The section of a `dups/P.bin` file holding the ids found twice (JSON), beside the per-shard sections.
pub(crate) const DUP_IDS: u32 = u32::MAX;

/// The section of a `dups/P.bin` file holding the batch's ids the news archive has seen (JSON).
pub(crate) const ARCHIVED_IDS: u32 = u32::MAX - 1;

/// Appends one decision.
fn encode(buf: &mut Vec<u8>, seq: u32, decision: &Decision) {
    buf.put_u32(seq);
    match decision {
        Decision::Keeper {
            cluster_id,
            cluster_size,
        } => {
            buf.put_u8(0);
            buf.put_u32(*cluster_size);
            buf.put_opt_str(cluster_id.as_deref());
        }
        Decision::Exact {
            keeper_id,
            group_size,
            cluster,
            archived,
        } => {
            buf.put_u8(1);
            buf.put_u32(*group_size);
            buf.put_bytes(keeper_id.as_bytes());
            buf.put_opt_str(cluster.as_ref().map(|c| c.0.as_str()));
            if let Some((_, size)) = cluster {
                buf.put_u32(*size);
            }
            put_archived(buf, *archived);
        }
        Decision::Near {
            keeper_id,
            similarity,
            cluster_id,
            cluster_size,
            archived,
        } => {
            buf.put_u8(2);
            buf.put_bytes(keeper_id.as_bytes());
            buf.put_u64(similarity.value.to_bits());
            buf.put_u64(similarity.estimate.to_bits());
            buf.put_bytes(cluster_id.as_bytes());
            buf.put_u32(*cluster_size);
            put_archived(buf, *archived);
        }
    }
}

/// An archived keeper's ordinal: a presence byte, then the ordinal.
fn put_archived(buf: &mut Vec<u8>, archived: Option<Ordinal>) {
    match archived {
        Some(o) => {
            buf.put_u8(1);
            buf.put_u64(o.0);
        }
        None => buf.put_u8(0),
    }
}

fn archived(d: &mut Decoder<'_>) -> Result<Option<Ordinal>> {
    match d.u8("an archived keeper's presence byte")? {
        0 => Ok(None),
        1 => Ok(Some(Ordinal(d.u64("an archived keeper's ordinal")?))),
        b => Err(d.corrupt(&format!("an archived keeper's presence byte {b}"))),
    }
}

fn decode(d: &mut Decoder<'_>) -> Result<(u32, Decision)> {
    let seq = d.u32("a decision's sequence number")?;
    let decision = match d.u8("a decision's tag")? {
        0 => {
            let cluster_size = d.u32("a keeper's cluster size")?;
            Decision::Keeper {
                cluster_id: d.opt_str("a keeper's cluster id")?,
                cluster_size,
            }
        }
        1 => {
            let group_size = d.u32("a copy's group size")?;
            let keeper_id = d.str("a copy's keeper id")?.to_owned();
            let cluster = match d.opt_str("a copy's cluster id")? {
                Some(id) => Some((id, d.u32("a copy's cluster size")?)),
                None => None,
            };
            Decision::Exact {
                keeper_id,
                group_size,
                cluster,
                archived: archived(d)?,
            }
        }
        2 => Decision::Near {
            keeper_id: d.str("a near duplicate's keeper id")?.to_owned(),
            similarity: Similarity {
                value: f64::from_bits(d.u64("a similarity")?),
                estimate: f64::from_bits(d.u64("a similarity estimate")?),
            },
            cluster_id: d.str("a near duplicate's cluster id")?.to_owned(),
            cluster_size: d.u32("a near duplicate's cluster size")?,
            archived: archived(d)?,
        },
        tag => return Err(d.corrupt(&format!("a decision tag {tag} that the format does not have"))),
    };
    Ok((seq, decision))
}

/// Writes `decisions` (sorted by ordinal) to `path` sectioned by shard, plus `extra` sections.
pub(crate) fn write(path: &Path, kind: Kind, decisions: &[(Ordinal, Decision)], extra: &[(u32, &[u8])]) -> Result<()> {
    let mut out = SectionWriter::create(path, kind)?;
    for group in decisions.chunk_by(|a, b| a.0.shard() == b.0.shard()) {
        let mut buf = Vec::new();
        for (ordinal, decision) in group {
            encode(&mut buf, ordinal.seq(), decision);
        }
        out.section(group[0].0.shard(), &buf)?;
    }
    for (id, bytes) in extra {
        out.section(*id, bytes)?;
    }
    out.finish()
}

/// The decisions about documents of `shard` in `path`, in file order (by sequence number).
pub(crate) fn read(path: &Path, kind: Kind, shard: u32) -> Result<Vec<(u32, Decision)>> {
    let (data, offset) = Sections::open(path, kind)?.read(shard)?;
    let mut d = Decoder::new(&data, path, offset);
    let mut out = Vec::new();
    while !d.is_empty() {
        out.push(decode(&mut d)?);
    }
    Ok(out)
}

/// Section `id` of `path` (the extra sections of [`write`]).
pub(crate) fn read_extra(path: &Path, kind: Kind, id: u32) -> Result<Vec<u8>> {
    Ok(Sections::open(path, kind)?.read(id)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decision_round_trips_and_an_unknown_tag_is_corruption() {
        let sim = Similarity {
            value: 0.8125,
            estimate: 0.8,
        };
        let decisions = vec![
            (
                Ordinal::new(0, 1),
                Decision::Keeper {
                    cluster_id: None,
                    cluster_size: 2,
                },
            ),
            (
                Ordinal::new(0, 2),
                Decision::Exact {
                    keeper_id: "أ".into(),
                    group_size: 2,
                    cluster: Some(("ب".into(), 4)),
                    archived: None,
                },
            ),
            (
                Ordinal::new(3, 0),
                Decision::Near {
                    keeper_id: "ب".into(),
                    similarity: sim,
                    cluster_id: "ب".into(),
                    cluster_size: 4,
                    archived: Some(crate::archive::archived(2, 7)),
                },
            ),
            (
                Ordinal::new(3, 9),
                Decision::Keeper {
                    cluster_id: Some("ب".into()),
                    cluster_size: 4,
                },
            ),
        ];
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("clusters.bin");
        write(&path, Kind::NearDecisions, &decisions, &[(DUP_IDS, b"[]")]).expect("write");
        let shard0 = read(&path, Kind::NearDecisions, 0).expect("read");
        let shard3 = read(&path, Kind::NearDecisions, 3).expect("read");
        let back: Vec<(Ordinal, Decision)> = shard0
            .into_iter()
            .map(|(s, d)| (Ordinal::new(0, s), d))
            .chain(shard3.into_iter().map(|(s, d)| (Ordinal::new(3, s), d)))
            .collect();
        assert_eq!(back, decisions);
        assert!(read(&path, Kind::NearDecisions, 1).expect("none").is_empty());
        assert_eq!(read_extra(&path, Kind::NearDecisions, DUP_IDS).expect("extra"), b"[]");

        let mut bad = Vec::new();
        bad.put_u32(1);
        bad.put_u8(7);
        let err = decode(&mut Decoder::new(&bad, &path, 0)).expect_err("tag 7");
        assert!(err.to_string().contains("tag 7"), "{err}");
    }
}
