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

/// Item `i`'s place in a flat array where item `i` ends at `ends[i]` (and starts where the one before ends).
fn span(ends: &[usize], i: usize) -> std::ops::Range<usize> {
    (if i == 0 { 0 } else { ends[i - 1] })..ends[i]
}

/// Strongest terms a candidate must share with a document to be scored.
const SHARED_MIN: u8 = 2;
/// Pseudo-documents added to the corpus for the IDF: with a handful of documents every term is about
/// equally rare, so the vectors fall back to weighted term frequency instead of zeroing every shared term
/// (two documents sharing a word would otherwise give it an IDF of ln(2/2) = 0).
const PRIOR_DOCS: f64 = 1000.0;

/// Maps keyed by terms (32-bit folds of hashes, mixed again: the table's control bits are the high ones).
type TermMap<V> = HashMap<u32, V, BuildHasherDefault<crate::text::Mixing>>;

/// The kept documents' terms, read once: each document's terms with their weights before IDF (as indexes
/// into the distinct terms: the IDF is then an array lookup, not a hash lookup), and each distinct term's
/// document frequency; then ([`DocFreq::finish`]) each term's IDF and ([`DocFreq::into_docs`]) every
/// document's vector.
#[derive(Debug, Default)]
pub struct DocFreq {
    index: TermMap<u32>,
    /// By term index: the term, its document frequency, then its IDF.
    terms: Vec<u32>,
    df: Vec<u32>,
    idf: Vec<f32>,
    /// The documents' terms (term index, weight before IDF), document `i`'s ending at `ends[i]`.
    ends: Vec<usize>,
    entries: Vec<(u32, f32)>,
    days: Vec<Option<i32>>,
}

impl DocFreq {
    /// Adds the next document: its (distinct) terms, in the order they were written, and its day.
    pub fn add(&mut self, terms: impl IntoIterator<Item = Term>, day: Option<i32>) {
        for (t, w) in terms {
            let k = *self.index.entry(t).or_insert_with(|| {
                self.terms.push(t);
                self.df.push(0);
                (self.terms.len() - 1) as u32
            });
            self.df[k as usize] += 1;
            self.entries.push((k, w));
        }
        self.ends.push(self.entries.len());
        self.days.push(day);
    }

    /// Turns the counts into IDFs (one logarithm per distinct term, not one per occurrence).
    pub fn finish(&mut self) {
        let n = self.ends.len() as f64 + PRIOR_DOCS;
        self.idf = self
            .df
            .iter()
            .map(|df| (n / (f64::from(*df) + 1.0)).ln() as f32)
            .collect();
        self.index = TermMap::default();
    }

    /// Documents added.
    pub fn docs(&self) -> usize {
        self.ends.len()
    }

    /// Distinct terms over them.
    pub fn terms(&self) -> usize {
        self.terms.len()
    }

    /// The documents with their vectors ([`DocFreq::vector_into`]), once [`DocFreq::finish`]ed; the terms
    /// read are dropped.
    pub fn into_docs(self, top: usize) -> LinkDocs {
        let mut docs = LinkDocs::default();
        let (mut v, mut scratch) = (Vec::new(), Vec::new());
        for i in 0..self.docs() {
            self.vector_into(i, top, &mut v, &mut scratch);
            docs.push(&v, self.days[i]);
        }
        docs
    }

    /// Document `i`'s unit vector of terms weighted by IDF, cut to its `top` strongest terms (ties by term),
    /// sorted by term, into `v` (cleared first; `scratch` is room to choose the strongest in).
    pub fn vector_into(&self, i: usize, top: usize, v: &mut Vec<Term>, scratch: &mut Vec<Term>) {
        v.clear();
        v.extend(
            self.entries[span(&self.ends, i)]
                .iter()
                .map(|&(k, w)| (self.terms[k as usize], w * self.idf[k as usize])),
        );
        let norm = v.iter().map(|(_, w)| f64::from(*w) * f64::from(*w)).sum::<f64>().sqrt();
        if norm > 0.0 {
            for (_, w) in v.iter_mut() {
                *w = (f64::from(*w) / norm) as f32;
            }
        }
        if !v.is_sorted_by_key(|t| t.0) {
            v.sort_unstable_by_key(|t| t.0);
        }
        // Stronger first, then the lower term: a strict order (terms are distinct).
        let stronger = |a: &Term, b: &Term| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if v.len() > top {
            // The `top`-th strongest, chosen in a copy: the terms keep their order, no sort after.
            scratch.clear();
            scratch.extend_from_slice(v);
            scratch.select_nth_unstable_by(top - 1, stronger);
            let last = scratch[top - 1];
            v.retain(|t| stronger(t, &last) != std::cmp::Ordering::Greater);
        }
        v.retain(|(_, w)| *w > 0.0);
    }
}

/// The documents to link, in input order: each one's unit vector ([`DocFreq::vector_into`]) and day. The
/// vectors of all documents sit in one flat array: no document pays for an allocation of its own, and a
/// document's terms are one run of memory to stream through. (Terms and weights in two arrays were no
/// faster: the cosines wait on the first read of each vector, not on its bytes.)
#[derive(Debug, Default)]
pub struct LinkDocs {
    ends: Vec<usize>,
    terms: Vec<Term>,
    days: Vec<Option<i32>>,
}

impl LinkDocs {
    /// Adds the next document: its vector (sorted by term) and its day since 1970, if it has a date.
    pub fn push(&mut self, vector: &[Term], day: Option<i32>) {
        self.terms.extend_from_slice(vector);
        self.ends.push(self.terms.len());
        self.days.push(day);
    }

    /// Documents held.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when no document was pushed.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Document `i`'s vector.
    fn vector(&self, i: usize) -> &[Term] {
        &self.terms[span(&self.ends, i)]
    }

    fn day(&self, i: usize) -> Option<i32> {
        self.days[i]
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
struct Table {
    bits: [u64; 64],
    slots: Vec<(u32, f32)>,
    mask: usize,
    /// Places in the other vectors the filter lets through, and where each vector's end ([`Table::dots`]).
    maybe: Vec<u32>,
    ends: Vec<usize>,
}

impl Default for Table {
    fn default() -> Table {
        Table {
            bits: [0; 64],
            slots: Vec::new(),
            mask: 0,
            maybe: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl Table {
    fn load(&mut self, terms: &[Term]) {
        let size = (terms.len() * 4).next_power_of_two().max(16);
        self.bits = [0; 64];
        self.slots.clear();
        self.slots.resize(size, (0, 0.0));
        self.mask = size - 1;
        for &(t, w) in terms {
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

    /// The dot product of the loaded vector with another (its terms, their weights), summed in the other's
    /// order (deterministic).
    fn dot(&mut self, terms: &[Term]) -> f32 {
        let mut out = [0.0];
        self.dots(std::iter::once(terms), &mut out);
        out[0]
    }

    /// The dot products of the loaded vector with others, into `out` (one per other, in order), each
    /// summed in its other's order. Two passes: the filter's answers for the terms of every other vector
    /// first — without a branch: the places that may be shared are listed, the list grows by the answer, so
    /// the loads of one vector's terms overlap the next one's —, then a probe per place listed. One branch per
    /// term was a misprediction for every shared one, and the loads waited on it.
    fn dots<'v>(&mut self, others: impl Iterator<Item = &'v [Term]> + Clone, out: &mut [f32]) {
        self.ends.clear();
        let total: usize = others.clone().map(<[Term]>::len).sum();
        if self.maybe.len() < total {
            self.maybe.resize(total, 0);
        }
        let mut n = 0;
        for terms in others.clone() {
            for (k, &(t, _)) in terms.iter().enumerate() {
                let h = Self::mix(t);
                self.maybe[n] = k as u32;
                n += (self.bits[(h >> 26) as usize] >> ((h >> 20) & 63)) as usize & 1;
            }
            self.ends.push(n);
        }
        let mut from = 0;
        for ((terms, end), dot) in others.zip(&self.ends).zip(out) {
            let mut s = 0.0f32;
            for &k in &self.maybe[from..*end] {
                let (t, w) = terms[k as usize];
                let mut at = Self::mix(t) as usize & self.mask;
                loop {
                    let (key, v) = self.slots[at];
                    if key == t {
                        s += v * w;
                        break;
                    }
                    if key == 0 {
                        break;
                    }
                    at = (at + 1) & self.mask;
                }
            }
            *dot = s;
            from = *end;
        }
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

/// Members of a story a newcomer's average is taken over: the first ones (a bound on the work, and an anchor:
/// a story of many members is not carried away, day by day, from the event it began with).
const AVERAGE_OVER: usize = 64;

/// Links `docs` (in input order) into stories and related lists.
pub fn link(docs: &LinkDocs, cfg: &StoryConfig) -> Links {
    let n = docs.len();
    let neighbours = neighbours(docs, cfg);
    let pairs_scored = neighbours.iter().map(|(_, scored)| *scored).sum();
    let neighbours: Vec<Vec<(u32, f32)>> = symmetric(neighbours.into_iter().map(|(v, _)| v).collect());
    let decay = |a: usize, b: usize| match (docs.day(a), docs.day(b)) {
        (Some(x), Some(y)) => (-(f64::from(x.abs_diff(y)) / cfg.decay_days)).exp() as f32,
        _ => 1.0,
    };
    // Stories in date order (no date first), each document joining the story it is closest to on average.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|i| (docs.day(*i as usize), *i));
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
            table.load(docs.vector(d));
        }
        for s in tried {
            // Over the story's first members (in date order), each compared for real: a member the index did
            // not offer as a candidate may still share words.
            let m = &members[s as usize];
            let over = &m[..m.len().min(AVERAGE_OVER)];
            let sum: f32 = over
                .iter()
                .map(|x| table.dot(docs.vector(*x as usize)) * decay(d, *x as usize))
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

/// The inverted index over each document's strongest terms, flat: the documents of term `k` (in input
/// order) are `docs[start[k]..start[k + 1]]`, and each document's entries name its terms and its own place
/// in their lists, so the documents after it are found without a search. One hash lookup per entry, when
/// the index is built; none when it is read (a lookup per entry, random over the terms, was most of the
/// counting's time).
struct Postings {
    start: Vec<usize>,
    docs: Vec<u32>,
    /// Per document, its entries `(term index, place in that term's list)`: `entries[ends[i - 1]..ends[i]]`.
    entries: Vec<(u32, u32)>,
    ends: Vec<usize>,
}

impl Postings {
    fn build(strongest: &[Vec<u32>]) -> Postings {
        let mut index: TermMap<u32> = TermMap::default();
        let mut count: Vec<u32> = Vec::new();
        let mut entries: Vec<(u32, u32)> = Vec::with_capacity(strongest.iter().map(Vec::len).sum());
        let mut ends = Vec::with_capacity(strongest.len());
        for terms in strongest {
            for t in terms {
                let k = *index.entry(*t).or_insert_with(|| {
                    count.push(0);
                    (count.len() - 1) as u32
                });
                entries.push((k, count[k as usize]));
                count[k as usize] += 1;
            }
            ends.push(entries.len());
        }
        let mut start = Vec::with_capacity(count.len() + 1);
        start.push(0usize);
        for c in &count {
            start.push(start[start.len() - 1] + *c as usize);
        }
        let mut docs = vec![0u32; entries.len()];
        let mut from = 0;
        for (i, end) in ends.iter().enumerate() {
            for &(k, at) in &entries[from..*end] {
                docs[start[k as usize] + at as usize] = i as u32;
            }
            from = *end;
        }
        Postings {
            start,
            docs,
            entries,
            ends,
        }
    }

    /// For each of document `i`'s strongest terms indexing at most `max` documents, the documents after
    /// `i` that have it among theirs.
    fn later(&self, i: usize, max: usize) -> impl Iterator<Item = &[u32]> {
        self.entries[span(&self.ends, i)].iter().filter_map(move |&(k, at)| {
            let (start, end) = (self.start[k as usize], self.start[k as usize + 1]);
            (end - start <= max).then(|| &self.docs[start + at as usize + 1..end])
        })
    }
}

/// Each document's scored candidates at or above the lowest similarity anything uses, and how many
/// candidates it scored. A candidate shares at least two of the document's strongest terms (one shared term —
/// a city, a ministry — is no link by itself, and would make the pairs grow with the square of a topic).
fn neighbours(docs: &LinkDocs, cfg: &StoryConfig) -> Vec<(Vec<(u32, f32)>, u64)> {
    let keep_from = cfg.related_min.min(cfg.threshold) as f32;
    let strongest: Vec<Vec<u32>> = (0..docs.len())
        .into_par_iter()
        .map(|i| {
            let mut by_weight: Vec<Term> = docs.vector(i).to_vec();
            let k = cfg.index_terms.min(by_weight.len());
            if k > 0 && k < by_weight.len() {
                by_weight.select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            }
            by_weight.into_iter().take(k).map(|t| t.0).collect()
        })
        .collect();
    let postings = Postings::build(&strongest);
    drop(strongest);
    (0..docs.len())
        .into_par_iter()
        .map_init(
            || (Table::default(), Vec::new()),
            |(table, touched), i| {
                COUNTS.with_borrow_mut(|counts| {
                    counts.resize(docs.len(), 0);
                    // Shared strongest terms counted per later document (each pair is scored once, from its first
                    // document's side); the counters are cleared through the list of those touched.
                    let mut twice: Vec<u32> = Vec::new();
                    for later in postings.later(i, cfg.max_posting) {
                        for &j in later {
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
                    for j in touched.drain(..) {
                        counts[j as usize] = 0;
                    }
                    twice.sort_unstable();
                    table.load(docs.vector(i));
                    let scored = twice.len() as u64;
                    let mut sims = vec![0.0; twice.len()];
                    table.dots(twice.iter().map(|j| docs.vector(*j as usize)), &mut sims);
                    let near = twice
                        .into_iter()
                        .zip(sims)
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

    /// Documents of (terms, day), each vector made a unit one.
    fn unit_docs(list: &[(&[Term], Option<i32>)]) -> LinkDocs {
        let mut docs = LinkDocs::default();
        for (terms, day) in list {
            let norm = terms.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            let v: Vec<Term> = terms.iter().map(|(t, w)| (*t, w / norm)).collect();
            docs.push(&v, *day);
        }
        docs
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
        df.add([(1, 1.0), (2, 1.0)], None);
        df.add([(1, 1.0), (3, 1.0)], None);
        df.add([(9, 1.0), (8, 2.0), (7, 3.0)], None);
        df.finish();
        let vector = |i: usize, top: usize| {
            let mut v = Vec::new();
            df.vector_into(i, top, &mut v, &mut Vec::new());
            v
        };
        let (va, vb) = (vector(0, 64), vector(1, 64));
        assert!(va[1].1 > va[0].1, "term 2 (one document) outweighs term 1 (both)");
        let c = cosine(&va, &vb);
        assert!(
            c > 0.4 && c < 0.5,
            "two documents sharing one of two words still relate: {c}"
        );
        let norm: f32 = va.iter().map(|(_, w)| w * w).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(
            vector(2, 3).iter().map(|t| t.0).collect::<Vec<_>>(),
            [7, 8, 9],
            "sorted by term"
        );
        assert_eq!(vector(2, 2).iter().map(|t| t.0).collect::<Vec<_>>(), [7, 8]);
        assert_eq!(df.into_docs(2).len(), 3);
    }

    #[test]
    fn a_bridge_document_does_not_chain_two_events() {
        // Two events (terms 1-3 and 7-9) and a document that shares half of each.
        let docs = unit_docs(&[
            (&[(1, 1.0), (2, 1.0), (3, 1.0)], Some(0)),
            (&[(1, 1.0), (2, 1.0), (3, 0.9)], Some(0)),
            (&[(1, 1.0), (2, 1.0), (8, 1.0), (9, 1.0)], Some(1)),
            (&[(7, 1.0), (8, 1.0), (9, 1.0)], Some(1)),
            (&[(7, 1.0), (8, 0.9), (9, 1.0)], Some(2)),
        ]);
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
        let docs = unit_docs(&[
            (&[(1, 1.0), (2, 1.0), (3, 1.0)], Some(0)),
            (&[(1, 1.0), (2, 1.0), (3, 1.0)], Some(365)),
        ]);
        let links = link(&docs, &cfg());
        assert_eq!(links.story, [0, 1]);
        assert_eq!(links.related[0].first().map(|r| r.0), Some(1));
        assert_eq!(links.related[1].first().map(|r| r.0), Some(0));
        // Without dates nothing decays: one story, nobody related outside it.
        let docs = unit_docs(&[(&[(1, 1.0), (2, 1.0)], None), (&[(1, 1.0), (2, 1.0)], None)]);
        let links = link(&docs, &cfg());
        assert_eq!(links.story, [0, 0]);
        assert!(links.related.iter().all(Vec::is_empty));
    }

    #[test]
    fn unrelated_and_empty_documents_stay_alone() {
        let docs = unit_docs(&[(&[(1, 1.0)], None), (&[(2, 1.0)], None), (&[], None)]);
        let links = link(&docs, &cfg());
        assert_eq!(links.story, [0, 1, 2]);
        assert!(links.related.iter().all(Vec::is_empty));
        assert_eq!(link(&LinkDocs::default(), &cfg()), Links::default());
    }
}
