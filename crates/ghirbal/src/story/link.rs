//! From term vectors to stories and related documents: IDF weighting, candidates from an inverted index
//! over each document's strongest terms, cosine similarity, average-link story clustering in date order,
//! top-k related. Everything is indexed by the document's position in the list the caller gives (input
//! order), and every tie is broken by that position, so the same documents give the same links at any thread
//! count.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rayon::prelude::*;

use super::terms::Term;
use super::StoryConfig;

thread_local! {
    /// Shared-term counters, one per document, one array per thread (rayon may start many jobs on one thread:
    /// an array per job would be allocated and zeroed over and over); all zero again after each document.
    static COUNTS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Strongest terms a candidate must share with a document to be scored.
const SHARED_MIN: u8 = 2;
/// Pseudo-documents added to the corpus for the IDF: with a handful of documents every term is about
/// equally rare, so the vectors fall back to weighted term frequency instead of zeroing every shared term
/// (two documents sharing a word would otherwise give it an IDF of ln(2/2) = 0).
const PRIOR_DOCS: f64 = 1000.0;

/// Maps keyed by terms (32-bit folds of hashes, mixed again: the table's control bits are the high ones).
type TermMap<V> = HashMap<u32, V, BuildHasherDefault<crate::text::Mixing>>;

/// Document frequencies, counted one document at a time; then ([`DocFreq::finish`]) each term's IDF.
#[derive(Debug, Default)]
pub struct DocFreq {
    df: TermMap<u32>,
    idf: TermMap<f32>,
    docs: u64,
}

impl DocFreq {
    /// Counts one document's (distinct) terms.
    pub fn add(&mut self, terms: &[Term]) {
        self.docs += 1;
        for (t, _) in terms {
            *self.df.entry(*t).or_default() += 1;
        }
    }

    /// Turns the counts into IDFs (one logarithm per distinct term, not one per occurrence).
    pub fn finish(&mut self) {
        let n = self.docs as f64 + PRIOR_DOCS;
        self.idf = self
            .df
            .drain()
            .map(|(t, df)| (t, (n / (f64::from(df) + 1.0)).ln() as f32))
            .collect();
    }

    /// Documents counted.
    pub fn docs(&self) -> u64 {
        self.docs
    }

    /// Distinct terms counted.
    pub fn terms(&self) -> usize {
        self.df.len().max(self.idf.len())
    }

    /// A term's IDF once [`DocFreq::finish`]ed; a term no counted document had is as rare as can be.
    fn idf(&self, term: u32) -> f32 {
        match self.idf.get(&term) {
            Some(idf) => *idf,
            None => ((self.docs as f64 + PRIOR_DOCS) / 1.0).ln() as f32,
        }
    }

    /// The unit vector of a document's terms weighted by IDF, cut to its `top` strongest terms (ties by
    /// term), sorted by term.
    pub fn vector(&self, terms: &[Term], top: usize) -> Vec<Term> {
        let mut v: Vec<Term> = terms.iter().map(|(t, w)| (*t, w * self.idf(*t))).collect();
        let norm = v.iter().map(|(_, w)| f64::from(*w) * f64::from(*w)).sum::<f64>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut v {
                *w = (f64::from(*w) / norm) as f32;
            }
        }
        if v.len() > top {
            v.select_nth_unstable_by(top - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(top);
        }
        v.retain(|(_, w)| *w > 0.0);
        v.sort_unstable_by_key(|t| t.0);
        // Held for every kept document until the links are made: no room beyond the kept terms.
        v.shrink_to_fit();
        v
    }
}

/// Cosine of two unit vectors sorted by term.
pub fn cosine(a: &[Term], b: &[Term]) -> f32 {
    let mut t = Table::default();
    t.load(a);
    t.dot(b)
}

/// One vector as a table of its terms, for dot products with many others: a 4096-bit filter answers most
/// terms of the other vector (those it does not share) with one bit test, independent of the one before;
/// only filter hits probe the open-addressed slots. A merge of two sorted lists was slower: each step waits on
/// the comparison before it. Slot key 0 is empty: terms are never 0 ([`super::terms`]).
#[derive(Default)]
struct Table {
    bits: Vec<u64>,
    slots: Vec<(u32, f32)>,
    mask: usize,
}

impl Table {
    fn load(&mut self, v: &[Term]) {
        let size = (v.len() * 4).next_power_of_two().max(16);
        self.bits.clear();
        self.bits.resize(64, 0);
        self.slots.clear();
        self.slots.resize(size, (0, 0.0));
        self.mask = size - 1;
        for &(t, w) in v {
            let h = Self::mix(t);
            self.bits[(h >> 26) as usize] |= 1 << ((h >> 20) & 63);
            let mut at = h as usize & self.mask;
            while self.slots[at].0 != 0 {
                at = (at + 1) & self.mask;
            }
            self.slots[at] = (t, w);
        }
    }

    fn mix(t: u32) -> u32 {
        t.wrapping_mul(0x9E37_79B1)
    }

    /// The dot product of the loaded vector with `other`, summed in `other`'s order (deterministic).
    fn dot(&self, other: &[Term]) -> f32 {
        let mut s = 0.0f32;
        for &(t, w) in other {
            let h = Self::mix(t);
            if self.bits[(h >> 26) as usize] & (1 << ((h >> 20) & 63)) == 0 {
                continue;
            }
            let mut at = h as usize & self.mask;
            loop {
                let (k, v) = self.slots[at];
                if k == t {
                    s += v * w;
                    break;
                }
                if k == 0 {
                    break;
                }
                at = (at + 1) & self.mask;
            }
        }
        s
    }
}

/// What linking found, by document position.
#[derive(Debug, Default, PartialEq)]
pub struct Links {
    /// The position of each document's story's first document.
    pub story: Vec<u32>,
    /// Each document's related documents (position, cosine), strongest first.
    pub related: Vec<Vec<(u32, f32)>>,
    /// Candidate pairs scored.
    pub pairs_scored: u64,
}

/// One document as linking sees it.
pub struct LinkDoc {
    /// Its unit vector ([`DocFreq::vector`]).
    pub vector: Vec<Term>,
    /// Days since 1970, if it has a date.
    pub day: Option<i32>,
}

/// Members of a story a newcomer's average is taken over: the first ones (a bound on the work, and an anchor:
/// a story of many members is not carried away, day by day, from the event it began with).
const AVERAGE_OVER: usize = 64;

/// Links `docs` (in input order) into stories and related lists.
pub fn link(docs: &[LinkDoc], cfg: &StoryConfig) -> Links {
    let n = docs.len();
    let neighbours = neighbours(docs, cfg);
    let pairs_scored = neighbours.iter().map(|(_, scored)| *scored).sum();
    let neighbours: Vec<Vec<(u32, f32)>> = symmetric(neighbours.into_iter().map(|(v, _)| v).collect());
    let decay = |a: usize, b: usize| match (docs[a].day, docs[b].day) {
        (Some(x), Some(y)) => (-(f64::from(x.abs_diff(y)) / cfg.decay_days)).exp() as f32,
        _ => 1.0,
    };
    // Stories in date order (no date first), each document joining the story it is closest to on average.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|i| (docs[*i as usize].day, *i));
    let mut story_of: Vec<Option<u32>> = vec![None; n];
    let mut members: Vec<Vec<u32>> = Vec::new();
    let mut table = Table::default();
    for &d in &order {
        let d = d as usize;
        let mut best: Option<(f32, u32)> = None;
        // A story's mean is at most its best member's score: only stories with a member at the threshold
        // among the neighbours are worth averaging over.
        let mut tried: Vec<u32> = neighbours[d]
            .iter()
            .filter(|(j, sim)| f64::from(sim * decay(d, *j as usize)) >= cfg.threshold)
            .filter_map(|(j, _)| story_of[*j as usize])
            .collect();
        tried.sort_unstable();
        tried.dedup();
        if !tried.is_empty() {
            table.load(&docs[d].vector);
        }
        for s in tried {
            // Over the story's first members (in date order), each compared for real: a member the index did
            // not offer as a candidate may still share words.
            let m = &members[s as usize];
            let over = &m[..m.len().min(AVERAGE_OVER)];
            let sum: f32 = over
                .iter()
                .map(|x| table.dot(&docs[*x as usize].vector) * decay(d, *x as usize))
                .sum();
            let mean = sum / over.len() as f32;
            if f64::from(mean) >= cfg.threshold && best.is_none_or(|(b, _)| mean > b) {
                best = Some((mean, s));
            }
        }
        let s = match best {
            Some((_, s)) => s,
            None => {
                members.push(Vec::new());
                (members.len() - 1) as u32
            }
        };
        members[s as usize].push(d as u32);
        story_of[d] = Some(s);
    }
    let head: Vec<u32> = members.iter().map(|m| m[0]).collect();
    let story: Vec<u32> = story_of.iter().map(|s| s.map_or(0, |s| head[s as usize])).collect();
    let related = neighbours
        .into_iter()
        .enumerate()
        .map(|(d, mut near)| {
            near.retain(|(j, sim)| story[*j as usize] != story[d] && f64::from(*sim) >= cfg.related_min);
            near.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            near.truncate(cfg.related);
            near
        })
        .collect();
    Links {
        story,
        related,
        pairs_scored,
    }
}

/// Each document's scored candidates at or above the lowest similarity anything uses, and how many
/// candidates it scored. A candidate shares at least two of the document's strongest terms (one shared term —
/// a city, a ministry — is no link by itself, and would make the pairs grow with the square of a topic).
fn neighbours(docs: &[LinkDoc], cfg: &StoryConfig) -> Vec<(Vec<(u32, f32)>, u64)> {
    let keep_from = cfg.related_min.min(cfg.threshold) as f32;
    let strongest: Vec<Vec<u32>> = docs
        .par_iter()
        .map(|d| {
            let mut by_weight: Vec<Term> = d.vector.clone();
            let k = cfg.index_terms.min(by_weight.len());
            if k > 0 && k < by_weight.len() {
                by_weight.select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            }
            by_weight.into_iter().take(k).map(|t| t.0).collect()
        })
        .collect();
    let mut postings: TermMap<Vec<u32>> = TermMap::default();
    for (i, terms) in strongest.iter().enumerate() {
        for t in terms {
            postings.entry(*t).or_default().push(i as u32);
        }
    }
    postings.retain(|_, p| p.len() <= cfg.max_posting);
    docs.par_iter()
        .enumerate()
        .map_init(
            || (Table::default(), Vec::new()),
            |(table, touched), (i, d)| {
                COUNTS.with_borrow_mut(|counts| {
                    counts.resize(docs.len(), 0);
                    // Shared strongest terms counted per later document (each pair is scored once, from its first
                    // document's side); the counters are cleared through the list of those touched.
                    let mut twice: Vec<u32> = Vec::new();
                    for t in &strongest[i] {
                        if let Some(p) = postings.get(t) {
                            let later = p.partition_point(|j| *j as usize <= i);
                            for &j in &p[later..] {
                                let c = &mut counts[j as usize];
                                if *c == 0 {
                                    touched.push(j);
                                }
                                *c = c.saturating_add(1);
                                if *c == SHARED_MIN {
                                    twice.push(j);
                                }
                            }
                        }
                    }
                    for j in touched.drain(..) {
                        counts[j as usize] = 0;
                    }
                    twice.sort_unstable();
                    table.load(&d.vector);
                    let scored = twice.len() as u64;
                    let near = twice
                        .into_iter()
                        .map(|j| (j, table.dot(&docs[j as usize].vector)))
                        .filter(|(_, sim)| *sim >= keep_from && *sim > 0.0)
                        .collect();
                    (near, scored)
                })
            },
        )
        .collect()
}

/// Pairs found from one side, listed on both, each list in position order.
fn symmetric(upper: Vec<Vec<(u32, f32)>>) -> Vec<Vec<(u32, f32)>> {
    let mut all: Vec<Vec<(u32, f32)>> = vec![Vec::new(); upper.len()];
    for (i, near) in upper.iter().enumerate() {
        for (j, sim) in near {
            all[*j as usize].push((i as u32, *sim));
        }
    }
    for (i, near) in upper.into_iter().enumerate() {
        all[i].extend(near);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(terms: &[(u32, f32)], day: Option<i32>) -> LinkDoc {
        let norm = terms.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        LinkDoc {
            vector: terms.iter().map(|(t, w)| (*t, w / norm)).collect(),
            day,
        }
    }

    fn cfg() -> StoryConfig {
        StoryConfig {
            threshold: 0.5,
            related_min: 0.1,
            ..StoryConfig::default()
        }
    }

    #[test]
    fn idf_weighs_rare_terms_up_and_small_corpora_still_compare() {
        let mut df = DocFreq::default();
        let a = [(1, 1.0), (2, 1.0)];
        let b = [(1, 1.0), (3, 1.0)];
        df.add(&a);
        df.add(&b);
        df.finish();
        let (va, vb) = (df.vector(&a, 64), df.vector(&b, 64));
        assert!(va[1].1 > va[0].1, "term 2 (one document) outweighs term 1 (both)");
        let c = cosine(&va, &vb);
        assert!(
            c > 0.4 && c < 0.5,
            "two documents sharing one of two words still relate: {c}"
        );
        let norm: f32 = va.iter().map(|(_, w)| w * w).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(
            df.vector(&[(9, 1.0), (8, 2.0), (7, 3.0)], 2)
                .iter()
                .map(|t| t.0)
                .collect::<Vec<_>>(),
            [7, 8]
        );
    }

    #[test]
    fn a_bridge_document_does_not_chain_two_events() {
        // Two events (terms 1-3 and 7-9) and a document that shares half of each.
        let docs = [
            doc(&[(1, 1.0), (2, 1.0), (3, 1.0)], Some(0)),
            doc(&[(1, 1.0), (2, 1.0), (3, 0.9)], Some(0)),
            doc(&[(1, 1.0), (2, 1.0), (8, 1.0), (9, 1.0)], Some(1)),
            doc(&[(7, 1.0), (8, 1.0), (9, 1.0)], Some(1)),
            doc(&[(7, 1.0), (8, 0.9), (9, 1.0)], Some(2)),
        ];
        let links = link(&docs, &cfg());
        assert_eq!(links.story[0], links.story[1]);
        assert_eq!(links.story[3], links.story[4]);
        assert_ne!(links.story[0], links.story[3], "{:?}", links.story);
        // The bridge joins at most one of them, and both sides list it as related or as a member.
        assert!(
            links.story[2] == 0 || links.story[2] == 2 || links.story[2] == 3,
            "{:?}",
            links.story
        );
        assert!(links.related[0].iter().any(|(j, _)| *j == 3 || *j == 2) || links.story[2] == 0);
    }

    #[test]
    fn time_splits_a_thread_into_stories_and_relates_them() {
        // The same words a year apart: one thread, two stories, each related to the other.
        let docs = [
            doc(&[(1, 1.0), (2, 1.0), (3, 1.0)], Some(0)),
            doc(&[(1, 1.0), (2, 1.0), (3, 1.0)], Some(365)),
        ];
        let links = link(&docs, &cfg());
        assert_eq!(links.story, [0, 1]);
        assert_eq!(links.related[0].first().map(|r| r.0), Some(1));
        assert_eq!(links.related[1].first().map(|r| r.0), Some(0));
        // Without dates nothing decays: one story, nobody related outside it.
        let docs = [doc(&[(1, 1.0), (2, 1.0)], None), doc(&[(1, 1.0), (2, 1.0)], None)];
        let links = link(&docs, &cfg());
        assert_eq!(links.story, [0, 0]);
        assert!(links.related.iter().all(Vec::is_empty));
    }

    #[test]
    fn unrelated_and_empty_documents_stay_alone() {
        let docs = [
            doc(&[(1, 1.0)], None),
            doc(&[(2, 1.0)], None),
            LinkDoc {
                vector: Vec::new(),
                day: None,
            },
        ];
        let links = link(&docs, &cfg());
        assert_eq!(links.story, [0, 1, 2]);
        assert!(links.related.iter().all(Vec::is_empty));
        assert_eq!(link(&[], &cfg()), Links::default());
    }
}
