//! Step `story` (one task, after the dedup decisions): links the documents `write` will keep into stories
//! and related lists ([`crate::story`]) and writes each shard's links (`work/story/S.links`) for `write`.
//!
//! Memory, within `--memory-budget` (which never changes the links): the step reads every shard's story
//! terms once, holding each kept document's terms (8 bytes each, about 1.6 KB a news article) until the
//! document frequencies are known — past a quarter of the budget it stops holding them and reads them a
//! second time; then `top_terms` weighted terms per kept document (8 bytes each, about 1 KB), written over
//! the terms they were made of — past a quarter of the budget they go to a scratch file, read two blocks at
//! a time. Beyond those it holds about 0.7 KB per kept news article, not bounded by the budget: its id and
//! source, its candidate-index entries, its links, 28 bytes per pair scored above `related_min` (about a
//! dozen per article) and about 20 bytes per distinct term; never the texts.

use std::collections::{BTreeSet, HashMap};

use super::route::shard_decisions;
use crate::dedup::Decision;
use crate::read::ShardSpec;
use crate::story::link::{link, DocFreq, LinkDocs, Links};
use crate::story::{StoryMemory, StorySummary};
use crate::work::story::{put_links, read_terms, RecordWriter, TermsView};
use crate::work::{json, Layout, Step};
use crate::{Config, DedupMode, Result};

/// One kept document, as the step holds it.
struct Kept {
    shard: u32,
    seq: u32,
    splice: u8,
    id: String,
    /// Its source, as an index into [`Sources`].
    source: u32,
}

/// The distinct sources, each named once (a corpus has few; every document names one).
#[derive(Default)]
struct Sources {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Sources {
    fn of(&mut self, name: &str) -> u32 {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), (self.names.len() - 1) as u32);
        (self.names.len() - 1) as u32
    }
}

/// Each story's size and distinct sources, by its first document's position (0 for other documents).
struct Sizes {
    docs: Vec<u32>,
    sources: Vec<u32>,
}

impl Sizes {
    fn of(kept: &[Kept], story: &[u32]) -> Sizes {
        let mut docs = vec![0u32; kept.len()];
        for head in story {
            docs[*head as usize] += 1;
        }
        let mut pairs: Vec<(u32, u32)> = story.iter().zip(kept).map(|(h, k)| (*h, k.source)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut sources = vec![0u32; kept.len()];
        for (head, _) in pairs {
            sources[head as usize] += 1;
        }
        Sizes { docs, sources }
    }
}

/// Runs the step (its single task) unless it is done.
pub(crate) fn run(layout: &Layout, config: &Config, shards: &[ShardSpec], pool: &rayon::ThreadPool) -> Result<()> {
    if layout.is_done(Step::Story, 0) {
        return Ok(());
    }
    tracing::info!("story step");
    let removed = removed_by_dedup(layout, config, shards)?;
    let ToLink {
        kept,
        names,
        docs,
        terms,
        memory,
    } = pool.install(|| to_link(layout, config, shards, &removed))?;
    let links = pool.install(|| link(&docs, &config.story))?;
    docs.remove()?;
    let sizes = Sizes::of(&kept, &links.story);
    let mut stats = summary(&kept, &names, &links.story, &sizes);
    stats.terms = terms as u64;
    stats.pairs_scored = links.pairs_scored;
    stats.docs_with_related = links.related.iter().filter(|r| !r.is_empty()).count() as u64;
    pool.install(|| write_links(layout, shards, &kept, &links, &sizes))?;
    stats.memory = StoryMemory {
        peak_rss_bytes: crate::stats::peak_rss(),
        ..memory
    };
    json::write_behind(&layout.task_stats(Step::Story, 0), &stats)?;
    layout.mark_done(Step::Story, 0)
}

/// What the step links, read from the terms files.
struct ToLink {
    kept: Vec<Kept>,
    /// The sources' names ([`Kept::source`]).
    names: Vec<String>,
    /// Their vectors, sealed.
    docs: LinkDocs,
    /// Distinct terms over them.
    terms: usize,
    memory: StoryMemory,
}

/// The kept documents, their vectors, the distinct terms over them, and how memory was kept within
/// the budget: a quarter of it for the terms held between their two uses, a quarter for the vectors (two
/// blocks of an eighth when they go to the scratch file); the rest for the ids, sources and pairs.
fn to_link(layout: &Layout, config: &Config, shards: &[ShardSpec], removed: &[Vec<u32>]) -> Result<ToLink> {
    let top = config.story.top_terms;
    let budget = usize::try_from(config.run.memory_budget_bytes()?).unwrap_or(usize::MAX);
    let (mut df, mut kept, mut sources) = (DocFreq::holding(budget / 4), Vec::new(), Sources::default());
    // The files' sizes bound the terms they hold (a term is 8 bytes; ids and sources take the rest). Only a
    // hint: a file that cannot be looked at here is reported by the read that follows.
    let bytes: u64 = shards
        .iter()
        .map(|s| std::fs::metadata(layout.story_terms(s.index)).map_or(0, |m| m.len()))
        .sum();
    df.expect(usize::try_from(bytes).unwrap_or(usize::MAX) / crate::work::story::TERM_BYTES);
    each_kept(layout, shards, removed, |shard, r| {
        df.add(r.terms(), r.day);
        kept.push(Kept {
            shard,
            seq: r.seq,
            splice: r.splice,
            id: r.id.to_owned(),
            source: sources.of(r.source),
        });
        Ok(())
    })?;
    df.finish();
    let memory = StoryMemory {
        terms_read_twice: !df.holds_terms(),
        vectors_on_disk: kept.len().saturating_mul(top).saturating_mul(8) > budget / 4,
        peak_rss_bytes: 0,
    };
    let store = if memory.vectors_on_disk {
        LinkDocs::spilled(layout.story_vectors(), budget / 8)?
    } else {
        LinkDocs::default()
    };
    let terms = df.terms();
    let mut docs = if df.holds_terms() {
        df.into_docs(top, store)?
    } else {
        vectors_read_again(layout, shards, removed, &df, top, store)?
    };
    docs.seal()?;
    Ok(ToLink {
        kept,
        names: sources.names,
        docs,
        terms,
        memory,
    })
}

/// One links file per shard, every shard (empty when nothing of it is kept). The records are formatted on
/// all threads, a frame of [`LINKS_FRAME`] documents each, a frame per thread at a time (the frames, so the
/// file's bytes, never depend on the threads).
fn write_links(layout: &Layout, shards: &[ShardSpec], kept: &[Kept], links: &Links, sizes: &Sizes) -> Result<()> {
    use rayon::prelude::*;
    let wave = LINKS_FRAME * rayon::current_num_threads();
    let mut at = 0;
    for s in shards {
        let mut w = RecordWriter::links(layout.story_links(s.index))?;
        let start = at;
        while at < kept.len() && kept[at].shard == s.index {
            at += 1;
        }
        for from in (start..at).step_by(wave) {
            let starts: Vec<usize> = (from..(from + wave).min(at)).step_by(LINKS_FRAME).collect();
            let frames: Vec<(Vec<u8>, usize)> = starts
                .into_par_iter()
                .map(|first| {
                    let end = (first + LINKS_FRAME).min(at);
                    let mut buf = Vec::new();
                    for i in first..end {
                        put_links_of(&mut buf, i, kept, links, sizes);
                    }
                    (buf, end - first)
                })
                .collect();
            for (buf, records) in &frames {
                w.append(buf, *records as u64)?;
            }
        }
        w.finish()?;
    }
    Ok(())
}

/// Documents per frame of a links file (about a MiB for news with a dozen related each; a shard of
/// millions of documents stays far from a frame's 4 GiB).
const LINKS_FRAME: usize = 2048;

/// The links record of kept document `i`.
fn put_links_of(buf: &mut Vec<u8>, i: usize, kept: &[Kept], links: &Links, sizes: &Sizes) {
    let head = links.story[i] as usize;
    let related = links.related[i]
        .iter()
        .map(|(j, sim)| (kept[*j as usize].id.as_str(), *sim));
    let story = (sizes.docs[head], sizes.sources[head]);
    put_links(buf, (kept[i].seq, kept[i].splice), &kept[head].id, story, related);
}

/// Hands each terms record of a document `write` keeps to `each`, shard by shard.
fn each_kept(
    layout: &Layout,
    shards: &[ShardSpec],
    removed: &[Vec<u32>],
    mut each: impl FnMut(u32, TermsView<'_>) -> Result<()>,
) -> Result<()> {
    for (s, gone) in shards.iter().zip(removed) {
        read_terms(&layout.story_terms(s.index), |r| {
            if gone.binary_search(&r.seq).is_err() {
                each(s.index, r)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The vectors, from the terms read a second time: they outgrew their share of the memory budget while
/// the document frequencies were counted.
fn vectors_read_again(
    layout: &Layout,
    shards: &[ShardSpec],
    removed: &[Vec<u32>],
    df: &DocFreq,
    top: usize,
    mut docs: LinkDocs,
) -> Result<LinkDocs> {
    let mut room = (Vec::new(), Vec::new(), Vec::new());
    each_kept(layout, shards, removed, |shard, r| {
        df.vector_of(r.terms(), top, (&mut room.0, &mut room.1, &mut room.2))
            .map_err(|term| crate::Error::Corrupt {
                path: layout.story_terms(shard),
                message: format!("term {term} of sequence number {} was not there when counted", r.seq),
            })?;
        docs.push(&room.0, r.day)
    })?;
    Ok(docs)
}

/// Each shard's sequence numbers that dedup removes (sorted), shard by shard: none in `annotate` mode,
/// where duplicates are kept.
fn removed_by_dedup(layout: &Layout, config: &Config, shards: &[ShardSpec]) -> Result<Vec<Vec<u32>>> {
    let mut out = Vec::with_capacity(shards.len());
    for s in shards {
        let mut gone = Vec::new();
        if config.dedup.mode == DedupMode::Remove {
            for (seq, d) in shard_decisions(layout, config, s.index)? {
                if !matches!(d, Decision::Keeper { .. }) {
                    gone.push(seq);
                }
            }
        }
        out.push(gone);
    }
    Ok(out)
}

fn summary(kept: &[Kept], names: &[String], story: &[u32], sizes: &Sizes) -> StorySummary {
    let mut heads: Vec<u32> = story.to_vec();
    heads.sort_unstable();
    heads.dedup();
    let size = |h: &u32| sizes.docs[*h as usize];
    let mut by_size: std::collections::BTreeMap<u32, u64> = Default::default();
    for h in &heads {
        *by_size.entry(size(h)).or_default() += 1;
    }
    let shared: Vec<u32> = heads.iter().copied().filter(|h| size(h) > 1).collect();
    let mut largest = shared.clone();
    largest.sort_by_key(|h| (std::cmp::Reverse(size(h)), *h));
    largest.truncate(10);
    // The sources of the largest stories, by name.
    let named = |h: u32| -> Vec<String> {
        let of: BTreeSet<&str> = (0..kept.len())
            .filter(|i| story[*i] == h)
            .map(|i| names[kept[i].source as usize].as_str())
            .collect();
        of.into_iter().map(str::to_owned).collect()
    };
    StorySummary {
        docs: kept.len() as u64,
        stories: heads.len() as u64,
        shared_stories: shared.len() as u64,
        docs_in_shared_stories: shared.iter().map(|h| u64::from(size(h))).sum(),
        multi_source_stories: heads.iter().filter(|h| sizes.sources[**h as usize] > 1).count() as u64,
        sizes: by_size.into_iter().collect(),
        largest: largest
            .into_iter()
            .map(|h| (kept[h as usize].id.clone(), size(&h), named(h)))
            .collect(),
        ..StorySummary::default()
    }
}
