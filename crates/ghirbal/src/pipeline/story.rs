//! Step `story` (one task, after the dedup decisions): links the documents `write` will keep into stories
//! and related lists ([`crate::story`]) and writes each shard's links (`work/story/S.links`) for `write`.
//!
//! It reads every shard's story terms once, holding each kept document's terms (8 bytes each) until the
//! document frequencies are known; then `top_terms` weighted terms per kept document (8 bytes each), its id
//! and source, and the candidate pairs above `related_min`; never the texts.

use std::collections::HashMap;

use super::route::shard_decisions;
use crate::dedup::Decision;
use crate::read::ShardSpec;
use crate::story::link::{link, DocFreq};
use crate::story::StorySummary;
use crate::work::story::{put_links, read_terms, LinksRecord, RecordWriter};
use crate::work::{json, Layout, Step};
use crate::{Config, DedupMode, Result};

/// One kept document, as the step holds it.
struct Kept {
    shard: u32,
    seq: u32,
    splice: u8,
    id: String,
    source: String,
}

/// Runs the step (its single task) unless it is done.
pub(crate) fn run(layout: &Layout, config: &Config, shards: &[ShardSpec], pool: &rayon::ThreadPool) -> Result<()> {
    if layout.is_done(Step::Story, 0) {
        return Ok(());
    }
    let cfg = &config.story;
    let removed = removed_by_dedup(layout, config, shards)?;
    let (mut df, mut kept) = (DocFreq::default(), Vec::new());
    for s in shards {
        let gone = &removed[&s.index];
        read_terms(&layout.story_terms(s.index), |r| {
            if gone.binary_search(&r.seq).is_err() {
                df.add(r.terms(), r.day);
                kept.push(Kept {
                    shard: s.index,
                    seq: r.seq,
                    splice: r.splice,
                    id: r.id.to_owned(),
                    source: r.source.to_owned(),
                });
            }
            Ok(())
        })?;
    }
    df.finish();
    let terms = df.terms();
    let docs = df.into_docs(cfg.top_terms);
    let links = pool.install(|| link(&docs, cfg));
    drop(docs);
    let (size, sources) = story_sizes(&kept, &links.story);
    let mut stats = summary(&kept, &links.story, &size, &sources);
    stats.terms = terms as u64;
    stats.pairs_scored = links.pairs_scored;
    stats.docs_with_related = links.related.iter().filter(|r| !r.is_empty()).count() as u64;
    // One links file per shard, every shard (empty when nothing of it is kept).
    let mut at = 0;
    for s in shards {
        let mut w = RecordWriter::links(layout.story_links(s.index))?;
        let mut buf = Vec::new();
        let mut start = at;
        while at < kept.len() && kept[at].shard == s.index {
            let head = links.story[at] as usize;
            let record = LinksRecord {
                seq: kept[at].seq,
                splice: kept[at].splice,
                story_id: kept[head].id.clone(),
                size: size[&(head as u32)],
                sources: sources[&(head as u32)].len() as u32,
                related: links.related[at]
                    .iter()
                    .map(|(j, sim)| (kept[*j as usize].id.clone(), *sim))
                    .collect(),
            };
            put_links(&mut buf, &record);
            at += 1;
            // Frames of about a MiB: a shard of millions of documents stays far from a frame's 4 GiB.
            if buf.len() >= 1 << 20 {
                w.append(&buf, (at - start) as u64)?;
                buf.clear();
                start = at;
            }
        }
        w.append(&buf, (at - start) as u64)?;
        w.finish()?;
    }
    json::write(&layout.task_stats(Step::Story, 0), &stats)?;
    layout.mark_done(Step::Story, 0)
}

/// Each shard's sequence numbers that dedup removes (sorted): none in `annotate` mode, where duplicates
/// are kept.
fn removed_by_dedup(layout: &Layout, config: &Config, shards: &[ShardSpec]) -> Result<HashMap<u32, Vec<u32>>> {
    let mut out = HashMap::new();
    for s in shards {
        let mut gone = Vec::new();
        if config.dedup.mode == DedupMode::Remove {
            for (seq, d) in shard_decisions(layout, config, s.index)? {
                if !matches!(d, Decision::Keeper { .. }) {
                    gone.push(seq);
                }
            }
        }
        out.insert(s.index, gone);
    }
    Ok(out)
}

/// Each story's size and distinct sources, by its first document's position.
fn story_sizes<'a>(
    kept: &'a [Kept],
    story: &[u32],
) -> (HashMap<u32, u32>, HashMap<u32, std::collections::BTreeSet<&'a str>>) {
    let mut size: HashMap<u32, u32> = HashMap::new();
    let mut sources: HashMap<u32, std::collections::BTreeSet<&str>> = HashMap::new();
    for (i, head) in story.iter().enumerate() {
        *size.entry(*head).or_default() += 1;
        sources.entry(*head).or_default().insert(kept[i].source.as_str());
    }
    (size, sources)
}

fn summary(
    kept: &[Kept],
    story: &[u32],
    size: &HashMap<u32, u32>,
    sources: &HashMap<u32, std::collections::BTreeSet<&str>>,
) -> StorySummary {
    let mut heads: Vec<u32> = story.to_vec();
    heads.sort_unstable();
    heads.dedup();
    let mut by_size: std::collections::BTreeMap<u32, u64> = Default::default();
    for h in &heads {
        *by_size.entry(size[h]).or_default() += 1;
    }
    let shared: Vec<u32> = heads.iter().copied().filter(|h| size[h] > 1).collect();
    let mut largest = shared.clone();
    largest.sort_by_key(|h| (std::cmp::Reverse(size[h]), *h));
    largest.truncate(10);
    StorySummary {
        docs: kept.len() as u64,
        stories: heads.len() as u64,
        shared_stories: shared.len() as u64,
        docs_in_shared_stories: shared.iter().map(|h| u64::from(size[h])).sum(),
        multi_source_stories: heads.iter().filter(|h| sources[h].len() > 1).count() as u64,
        sizes: by_size.into_iter().collect(),
        largest: largest
            .into_iter()
            .map(|h| {
                let src = sources[&h].iter().map(|s| (*s).to_owned()).collect();
                (kept[h as usize].id.clone(), size[&h], src)
            })
            .collect(),
        ..StorySummary::default()
    }
}
