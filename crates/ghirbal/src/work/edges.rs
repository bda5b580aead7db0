//! A partition's verified near-dup pairs (`work/near/edges/P.bin`), written by its `near` task and read by
//! the `near-clusters` task: section 0 holds the documents the pairs join (`ordinal u64 | rank bytes | id
//! bytes`, sorted by ordinal), section 1 the pairs (`a u64 | b u64 | value f64 | estimate f64`).

use std::path::Path;

use super::codec::{Decoder, Put};
use super::sections::{Kind, SectionWriter, Sections};
use crate::dedup::near::{Edge, Similarity};
use crate::{Ordinal, Result};

const DOCS: u32 = 0;
const EDGES: u32 = 1;
const EDGE_LEN: usize = 32;

/// One document that has a verified pair.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EdgeDoc {
    /// The document.
    pub ordinal: Ordinal,
    /// Its keep-rule rank.
    pub rank: Vec<u8>,
    /// Its id.
    pub id: String,
}

/// Writes a partition's pairs and the documents they join.
pub(crate) fn write(path: &Path, docs: &[EdgeDoc], edges: &[Edge]) -> Result<()> {
    let mut buf = Vec::new();
    for d in docs {
        buf.put_u64(d.ordinal.0);
        buf.put_bytes(&d.rank);
        buf.put_bytes(d.id.as_bytes());
    }
    let mut out = SectionWriter::create(path, Kind::Edges)?;
    out.section(DOCS, &buf)?;
    buf.clear();
    for e in edges {
        buf.put_u64(e.a.0);
        buf.put_u64(e.b.0);
        buf.put_u64(e.similarity.value.to_bits());
        buf.put_u64(e.similarity.estimate.to_bits());
    }
    out.section(EDGES, &buf)?;
    out.finish()
}

/// Appends a partition's documents (those its pairs join).
pub(crate) fn read_docs(path: &Path, docs: &mut Vec<EdgeDoc>) -> Result<()> {
    let (data, offset) = Sections::open(path, Kind::Edges)?.read(DOCS)?;
    let mut d = Decoder::new(&data, path, offset);
    while !d.is_empty() {
        docs.push(EdgeDoc {
            ordinal: Ordinal(d.u64("a document's ordinal")?),
            rank: d.bytes("a document's rank")?.to_vec(),
            id: d.str("a document's id")?.to_owned(),
        });
    }
    Ok(())
}

/// Calls `f` with each of a partition's pairs (one section in memory at a time, not every partition's).
pub(crate) fn for_each_pair(path: &Path, mut f: impl FnMut(Edge) -> Result<()>) -> Result<()> {
    let (data, offset) = Sections::open(path, Kind::Edges)?.read(EDGES)?;
    let mut d = Decoder::new(&data, path, offset);
    if data.len() % EDGE_LEN != 0 {
        return Err(d.corrupt("the pairs are not whole"));
    }
    while !d.is_empty() {
        let (a, b) = (
            Ordinal(d.u64("a pair's first ordinal")?),
            Ordinal(d.u64("a pair's second ordinal")?),
        );
        let value = f64::from_bits(d.u64("a similarity")?);
        let estimate = f64::from_bits(d.u64("an estimate")?);
        f(Edge {
            a,
            b,
            similarity: Similarity { value, estimate },
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_their_documents_round_trip() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("00000.bin");
        let docs = vec![
            EdgeDoc {
                ordinal: Ordinal::new(0, 1),
                rank: vec![1],
                id: "أ".into(),
            },
            EdgeDoc {
                ordinal: Ordinal::new(2, 0),
                rank: vec![],
                id: "ب".into(),
            },
        ];
        let edges = vec![Edge {
            a: Ordinal::new(0, 1),
            b: Ordinal::new(2, 0),
            similarity: Similarity {
                value: 0.75,
                estimate: 0.7,
            },
        }];
        write(&path, &docs, &edges).expect("write");
        let (mut d, mut e) = (Vec::new(), Vec::new());
        read_docs(&path, &mut d).expect("docs");
        for_each_pair(&path, |pair| {
            e.push(pair);
            Ok(())
        })
        .expect("pairs");
        assert_eq!(d, docs);
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].a, e[0].b, e[0].similarity.value), (edges[0].a, edges[0].b, 0.75));
    }
}
