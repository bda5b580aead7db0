//! From term vectors to stories and related documents: IDF weighting, candidates from an inverted index
//! over each document's strongest terms, cosine similarity, average-link story clustering in date order,
//! top-k related. Everything is indexed by the document's position in the list the caller gives (input
//! order), and every tie is broken by that position, so the same documents give the same links at any thread
//! count.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::terms::Term;
use super::StoryConfig;
use crate::work::story::TERM_BYTES;

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

/// Documents whose vectors are made at a time, on all threads, in runs of [`VECTOR_RUN`] (a run is one job:
/// its vectors share one allocation).
const VECTOR_WAVE: usize = 2048;
const VECTOR_RUN: usize = 256;

/// Maps keyed by terms (32-bit folds of hashes, mixed again: the table's control bits are the high ones).
type TermMap<V> = HashMap<u32, V, BuildHasherDefault<crate::text::Mixing>>;

/// The kept documents' terms: each distinct term's document frequency, and — while they fit in the memory
/// given — each document's terms with their weights before IDF, so that the terms are read once; then
/// ([`DocFreq::finish`]) each term's IDF and ([`DocFreq::into_docs`]) every document's vector. Past that
/// memory the terms held are counted and dropped, the rest only counted as they come: the caller reads them
/// a second time and makes each vector from them ([`DocFreq::vector_of`]).
///
/// Held terms are counted in [`DocFreq::finish`], a share of the documents per thread, each share in a map
/// of its own, the maps then merged: counting as the terms were read kept the step's reading on one thread
/// (a map access per term, 2.5 million on 20,000 articles). The counts, so the IDFs, never depend on how
/// the documents were shared out.
#[derive(Debug)]
pub struct DocFreq {
    /// Each distinct term's document frequency — counted as the documents come once the terms are no longer
    /// held, otherwise in [`DocFreq::finish`] —, then (finished) the bits of its IDF (`f32::to_bits`: the
    /// count is replaced in place, the map is not built a second time).
    counts: TermMap<u32>,
    /// The documents' terms (term, weight before IDF), document `i`'s ending at `ends[i]`, held while
    /// `entries` stays within `hold_bytes`.
    ends: Vec<usize>,
    entries: Vec<(u32, f32)>,
    days: Vec<Option<i32>>,
    hold_bytes: usize,
    holds: bool,
    finished: bool,
}

impl Default for DocFreq {
    fn default() -> DocFreq {
        DocFreq::holding(usize::MAX)
    }
}

impl DocFreq {
    /// Counts, holding the documents' terms while they take at most `bytes`.
    pub fn holding(bytes: usize) -> DocFreq {
        DocFreq {
            counts: TermMap::default(),
            ends: Vec::new(),
            entries: Vec::new(),
            days: Vec::new(),
            hold_bytes: bytes,
            holds: true,
            finished: false,
        }
    }

    /// Makes room at once for about `terms` terms (as many as the memory given holds): the held terms then
    /// grow without being copied to a larger place again and again (most of a corpus's terms are read after
    /// the last doubling but one).
    pub fn expect(&mut self, terms: usize) {
        let room = terms.min(self.hold_bytes / std::mem::size_of::<(u32, f32)>());
        if self.holds {
            self.entries.reserve(room.saturating_sub(self.entries.len()));
        }
    }

    /// Adds the next document: its (distinct) terms, in the order they were written, and its day.
    pub fn add(&mut self, terms: impl IntoIterator<Item = Term>, day: Option<i32>) {
        let terms = terms.into_iter();
        // Growing the held terms doubles their room: past the bytes given, they are counted and dropped.
        let room = self.entries.capacity();
        let grows = self.entries.len() + terms.size_hint().0 > room;
        if self.holds && grows && (room * 2).max(1024) * std::mem::size_of::<(u32, f32)>() > self.hold_bytes {
            self.holds = false;
            count_into(&mut self.counts, &self.entries);
            self.entries = Vec::new();
            self.ends = Vec::new();
        }
        if self.holds {
            self.entries.extend(terms);
            self.ends.push(self.entries.len());
        } else {
            for (t, _) in terms {
                *self.counts.entry(t).or_insert(0) += 1;
            }
        }
        self.days.push(day);
    }

    /// True while every document's terms are held: [`DocFreq::into_docs`] can make the vectors; otherwise
    /// the caller reads the terms again ([`DocFreq::vector_of`]).
    pub fn holds_terms(&self) -> bool {
        self.holds
    }

    /// Counts the held terms (on all threads) and turns the counts into IDFs (one logarithm per distinct
    /// term, not one per occurrence).
    pub fn finish(&mut self) {
        if self.holds {
            self.counts = count_on_all_threads(&self.entries);
        }
        let n = self.days.len() as f64 + PRIOR_DOCS;
        for v in self.counts.values_mut() {
            *v = ((n / (f64::from(*v) + 1.0)).ln() as f32).to_bits();
        }
        self.finished = true;
    }

    /// The IDF of a counted term, once finished.
    fn idf(&self, term: u32) -> Option<f32> {
        debug_assert!(self.finished, "IDFs asked for before DocFreq::finish");
        self.counts.get(&term).map(|bits| f32::from_bits(*bits))
    }

    /// Documents added.
    pub fn docs(&self) -> usize {
        self.days.len()
    }

    /// Distinct terms over them.
    pub fn terms(&self) -> usize {
        self.counts.len()
    }

    /// The documents with their vectors ([`DocFreq::vector_into`]) in `docs`, once [`DocFreq::finish`]ed
    /// with the terms held; the terms are dropped. In memory, each vector takes the place of the terms it
    /// was made of (a vector is never longer than its terms, and both are `(u32, f32)`): the terms and the
    /// vectors are never held side by side.
    pub fn into_docs(mut self, top: usize, mut docs: LinkDocs) -> crate::Result<LinkDocs> {
        let in_memory = matches!(docs.store, Store::Memory(_)) && docs.is_empty();
        let mut entries = std::mem::take(&mut self.entries);
        let mut written = 0;
        // A wave of documents' vectors made on all threads, a run of documents each, then stored in order:
        // each vector is no longer than its terms, so `written` never passes the start of the wave's
        // terms, all read by then.
        let n = self.ends.len();
        for wave in (0..n).step_by(VECTOR_WAVE) {
            let runs: Vec<(Vec<Term>, Vec<usize>)> = (wave..(wave + VECTOR_WAVE).min(n))
                .step_by(VECTOR_RUN)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|from| self.vectors_of_run(&entries, from..(from + VECTOR_RUN).min(n), top))
                .collect();
            let mut i = wave;
            for (flat, ends) in &runs {
                for j in 0..ends.len() {
                    let v = &flat[span(ends, j)];
                    if in_memory {
                        entries[written..written + v.len()].copy_from_slice(v);
                        written += v.len();
                        docs.ends.push(written);
                        docs.days.push(self.days[i]);
                    } else {
                        docs.push(v, self.days[i])?;
                    }
                    i += 1;
                }
            }
        }
        if in_memory {
            entries.truncate(written);
            entries.shrink_to_fit();
            docs.store = Store::Memory(entries);
        }
        Ok(docs)
    }

    /// The vectors of documents `run`, one after the other, and where each ends.
    fn vectors_of_run(
        &self,
        entries: &[(u32, f32)],
        run: std::ops::Range<usize>,
        top: usize,
    ) -> (Vec<Term>, Vec<usize>) {
        let (mut flat, mut ends) = (Vec::new(), Vec::with_capacity(run.len()));
        let (mut v, mut scratch) = (Vec::new(), Vec::new());
        for i in run {
            self.vector_into(&entries[span(&self.ends, i)], top, &mut v, &mut scratch);
            flat.extend_from_slice(&v);
            ends.push(flat.len());
        }
        (flat, ends)
    }

    /// The vector of a document whose terms are read again ([`DocFreq::vector_into`]), into `v`: the same
    /// vector [`DocFreq::into_docs`] makes of it. `entries` is room for its terms.
    /// `Err(term)` for a term that was never counted (the terms read again are not the ones counted).
    pub fn vector_of(
        &self,
        terms: impl IntoIterator<Item = Term>,
        top: usize,
        (v, scratch, entries): (&mut Vec<Term>, &mut Vec<Term>, &mut Vec<(u32, f32)>),
    ) -> Result<(), u32> {
        entries.clear();
        entries.extend(terms);
        if let Some(&(t, _)) = entries.iter().find(|(t, _)| !self.counts.contains_key(t)) {
            return Err(t);
        }
        self.vector_into(entries, top, v, scratch);
        Ok(())
    }

    /// The unit vector of a document whose terms are `entries` (term, weight before IDF), all counted,
    /// weighted by IDF, cut to its `top` strongest terms (ties by term), sorted by term, into `v` (cleared
    /// first; `scratch` is room to choose the strongest in).
    fn vector_into(&self, entries: &[(u32, f32)], top: usize, v: &mut Vec<Term>, scratch: &mut Vec<Term>) {
        v.clear();
        // Every term here was counted — the held terms are the ones counted, and `vector_of` checks the terms
        // read again first — so the lookup never misses; 0 would only drop a term, never invent one.
        v.extend(entries.iter().map(|&(t, w)| (t, w * self.idf(t).unwrap_or(0.0))));
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

/// Counts each term of `entries` once into `counts` (the entries of a document are distinct terms: a count
/// is a document frequency).
fn count_into(counts: &mut TermMap<u32>, entries: &[(u32, f32)]) {
    counts.reserve(entries.len() / 8);
    for &(t, _) in entries {
        *counts.entry(t).or_insert(0) += 1;
    }
}

/// The fewest terms a thread counts in [`count_on_all_threads`] (fewer cost more to merge than to count).
const COUNT_SHARE_MIN: usize = 1 << 16;

/// The terms of `entries` counted on every thread of the pool: a contiguous share each, in a map of its
/// own, the maps then merged (each smaller one into the largest).
fn count_on_all_threads(entries: &[(u32, f32)]) -> TermMap<u32> {
    let share = entries
        .len()
        .div_ceil(rayon::current_num_threads())
        .max(COUNT_SHARE_MIN);
    let mut maps: Vec<TermMap<u32>> = entries
        .par_chunks(share)
        .map(|chunk| {
            let mut counts = TermMap::default();
            count_into(&mut counts, chunk);
            counts
        })
        .collect();
    maps.sort_by_key(|m| std::cmp::Reverse(m.len()));
    let mut maps = maps.into_iter();
    let mut all = maps.next().unwrap_or_default();
    for other in maps {
        for (t, df) in other {
            *all.entry(t).or_insert(0) += df;
        }
    }
    all
}

/// The documents to link, in input order: each one's unit vector ([`DocFreq::vector_into`]) and day. The
/// vectors of all documents sit in one flat array — no document pays for an allocation of its own, and a
/// document's terms are one run of memory to stream through (terms and weights in two arrays were no faster:
/// the cosines wait on the first read of each vector, not on its bytes) — or, past the memory budget, in a
/// scratch file read a block of documents at a time ([`LinkDocs::spilled`]). Either gives the same links.
#[derive(Debug, Default)]
pub struct LinkDocs {
    ends: Vec<usize>,
    days: Vec<Option<i32>>,
    store: Store,
}

/// Where the vectors are.
#[derive(Debug)]
enum Store {
    Memory(Vec<Term>),
    /// The vectors' bytes (term u32, weight f32, little-endian), read a block of documents of at most
    /// `block_bytes` at a time (a document bigger than that is a block of its own); `out` until sealed.
    File {
        path: PathBuf,
        out: Option<BufWriter<File>>,
        file: Option<File>,
        block_bytes: usize,
    },
}

impl Default for Store {
    fn default() -> Store {
        Store::Memory(Vec::new())
    }
}

impl LinkDocs {
    /// Vectors kept in a scratch file at `path` (created, or emptied), read `block_bytes` of them at a time.
    /// [`LinkDocs::seal`] once every document is pushed; [`LinkDocs::remove`] when done.
    pub fn spilled(path: PathBuf, block_bytes: usize) -> crate::Result<LinkDocs> {
        let file = File::create(&path).map_err(crate::Error::io("creating", &path))?;
        Ok(LinkDocs {
            store: Store::File {
                out: Some(BufWriter::with_capacity(1 << 20, file)),
                path,
                file: None,
                block_bytes: block_bytes.max(TERM_BYTES),
            },
            ..LinkDocs::default()
        })
    }

    /// Adds the next document: its vector (sorted by term) and its day since 1970, if it has a date.
    pub fn push(&mut self, vector: &[Term], day: Option<i32>) -> crate::Result<()> {
        match &mut self.store {
            Store::Memory(terms) => terms.extend_from_slice(vector),
            Store::File { path, out, .. } => {
                let out = out.as_mut().ok_or_else(|| sealed(path))?;
                let mut bytes = Vec::with_capacity(vector.len() * TERM_BYTES);
                crate::work::story::put_term_list(&mut bytes, vector);
                out.write_all(&bytes)
                    .map_err(crate::Error::io("writing", path.as_path()))?;
            }
        }
        self.ends.push(self.ends.last().copied().unwrap_or(0) + vector.len());
        self.days.push(day);
        Ok(())
    }

    /// Ends the pushing: a scratch file is flushed and opened for reading.
    pub fn seal(&mut self) -> crate::Result<()> {
        if let Store::File { path, out, file, .. } = &mut self.store {
            if let Some(out) = out.take() {
                // Flushed, and the file for writing closed.
                out.into_inner()
                    .map_err(|e| crate::Error::io("writing", path.as_path())(e.into_error()))?;
                *file = Some(File::open(&*path).map_err(crate::Error::io("opening", path.as_path()))?);
            }
        }
        Ok(())
    }

    /// Removes the scratch file, if any.
    pub fn remove(self) -> crate::Result<()> {
        match self.store {
            Store::Memory(_) => Ok(()),
            Store::File { path, out, file, .. } => {
                drop((out, file));
                crate::work::discard(&path)
            }
        }
    }

    /// Documents held.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when no document was pushed.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn day(&self, i: usize) -> Option<i32> {
        self.days[i]
    }

    /// The documents in blocks read whole: one block in memory.
    fn blocks(&self) -> Vec<std::ops::Range<usize>> {
        let n = self.len();
        let Store::File { block_bytes, .. } = &self.store else {
            return std::iter::once(0..n).filter(|r| !r.is_empty()).collect();
        };
        let per_block = block_bytes / TERM_BYTES;
        let mut out = Vec::new();
        let mut start = 0;
        while start < n {
            let base = span(&self.ends, start).start;
            let mut end = start + 1;
            while end < n && self.ends[end] - base <= per_block {
                end += 1;
            }
            out.push(start..end);
            start = end;
        }
        out
    }

    /// The vectors of the documents `docs`.
    fn block(&self, docs: std::ops::Range<usize>) -> crate::Result<Block<'_>> {
        let (first, last) = (span(&self.ends, docs.start).start, self.ends[docs.end - 1]);
        let terms = match &self.store {
            Store::Memory(terms) => Cow::Borrowed(&terms[first..last]),
            Store::File { path, file, .. } => Cow::Owned(read_terms(path, file.as_ref(), first, last)?),
        };
        Ok(Block {
            ends: &self.ends,
            base: first,
            terms,
        })
    }
}

fn sealed(path: &Path) -> crate::Error {
    crate::Error::Corrupt {
        path: path.to_owned(),
        message: "internal: a vector pushed after the scratch file was sealed, or read before".into(),
    }
}

/// Terms `first..last` of a scratch file.
fn read_terms(path: &Path, file: Option<&File>, first: usize, last: usize) -> crate::Result<Vec<Term>> {
    use std::os::unix::fs::FileExt as _;
    let file = file.ok_or_else(|| sealed(path))?;
    let mut bytes = vec![0u8; (last - first) * TERM_BYTES];
    file.read_exact_at(&mut bytes, (first * TERM_BYTES) as u64)
        .map_err(crate::Error::io("reading", path))?;
    Ok(crate::work::story::term_list(&bytes).collect())
}

/// The vectors of a run of documents.
struct Block<'a> {
    ends: &'a [usize],
    /// Where the run starts among all the documents' terms.
    base: usize,
    terms: Cow<'a, [Term]>,
}

impl Block<'_> {
    /// Document `i`'s vector (`i` in the block).
    fn vector(&self, i: usize) -> &[Term] {
        let r = span(self.ends, i);
        &self.terms[r.start - self.base..r.end - self.base]
    }
}

/// Any document's vector, in any order (the story clustering): from memory, or read from the scratch file
/// and kept while the ones kept take at most its block size.
struct Vectors<'a> {
    docs: &'a LinkDocs,
    kept: HashMap<usize, Vec<Term>>,
    kept_terms: usize,
}

impl<'a> Vectors<'a> {
    fn new(docs: &'a LinkDocs) -> Vectors<'a> {
        Vectors {
            docs,
            kept: HashMap::new(),
            kept_terms: 0,
        }
    }

    fn get(&mut self, i: usize) -> crate::Result<&[Term]> {
        let r = span(&self.docs.ends, i);
        let (path, file, block_bytes) = match &self.docs.store {
            Store::Memory(terms) => return Ok(&terms[r]),
            Store::File {
                path,
                file,
                block_bytes,
                ..
            } => (path, file, *block_bytes),
        };
        if !self.kept.contains_key(&i) && (self.kept_terms + r.len()) * TERM_BYTES > block_bytes {
            self.kept.clear();
            self.kept_terms = 0;
        }
        let kept_terms = &mut self.kept_terms;
        Ok(match self.kept.entry(i) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                *kept_terms += r.len();
                e.insert(read_terms(path, file.as_ref(), r.start, r.end)?)
            }
        })
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
pub fn link(docs: &LinkDocs, cfg: &StoryConfig) -> crate::Result<Links> {
    let n = docs.len();
    let (upper, pairs_scored) = neighbours(docs, cfg)?;
    let neighbours = Near::both_ways(n, &upper);
    drop(upper);
    let decay = |a: usize, b: usize| match (docs.day(a), docs.day(b)) {
        (Some(x), Some(y)) => (-(f64::from(x.abs_diff(y)) / cfg.decay_days)).exp() as f32,
        _ => 1.0,
    };
    // Stories in date order (no date first), each document joining the story it is closest to on average.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|i| (docs.day(*i as usize), *i));
    let mut story_of: Vec<Option<u32>> = vec![None; n];
    let mut members: Vec<Vec<u32>> = Vec::new();
    let (mut table, mut vectors) = (Table::default(), Vectors::new(docs));
    for &d in &order {
        let d = d as usize;
        let mut best: Option<(f32, u32)> = None;
        // A story's mean is at most its best member's score: only stories with a member at the threshold
        // among the neighbours are worth averaging over.
        let mut tried: Vec<u32> = neighbours
            .of(d)
            .iter()
            .filter(|(j, sim)| f64::from(sim * decay(d, *j as usize)) >= cfg.threshold)
            .filter_map(|(j, _)| story_of[*j as usize])
            .collect();
        tried.sort_unstable();
        tried.dedup();
        if !tried.is_empty() {
            table.load(vectors.get(d)?);
        }
        for s in tried {
            // Over the story's first members (in date order), each compared for real: a member the index did
            // not offer as a candidate may still share words.
            let m = &members[s as usize];
            let over = &m[..m.len().min(AVERAGE_OVER)];
            let mut sum = 0.0f32;
            for x in over {
                sum += table.dot(vectors.get(*x as usize)?) * decay(d, *x as usize);
            }
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
    let related = (0..n)
        .into_par_iter()
        .map(|d| {
            let mut near: Vec<(u32, f32)> = neighbours
                .of(d)
                .iter()
                .copied()
                .filter(|(j, sim)| story[*j as usize] != story[d] && f64::from(*sim) >= cfg.related_min)
                .collect();
            near.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            near.truncate(cfg.related);
            near.shrink_to_fit();
            near
        })
        .collect();
    Ok(Links {
        story,
        related,
        pairs_scored,
    })
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

/// A scored pair: the two documents' positions, the first before the second, and their cosine.
type Pair = (u32, u32, f32);

/// The scored pairs at or above the lowest similarity anything uses, each from its first document's side,
/// and how many candidates were scored. A candidate shares at least two of the document's strongest terms (one shared term —
/// a city, a ministry — is no link by itself, and would make the pairs grow with the square of a topic).
/// Block by block: a block's candidates are found, then scored against each block from it on, two blocks of
/// vectors at a time (one block, when the vectors are in memory).
fn neighbours(docs: &LinkDocs, cfg: &StoryConfig) -> crate::Result<(Vec<Pair>, u64)> {
    let keep_from = cfg.related_min.min(cfg.threshold) as f32;
    let blocks = docs.blocks();
    let mut strongest: Vec<Vec<u32>> = Vec::with_capacity(docs.len());
    for b in &blocks {
        let block = docs.block(b.clone())?;
        strongest.par_extend(
            b.clone()
                .into_par_iter()
                .map(|i| strongest_terms(block.vector(i), cfg.index_terms)),
        );
    }
    let postings = Postings::build(&strongest);
    drop(strongest);
    let (mut pairs, mut scored) = (Vec::new(), 0u64);
    for (at, a) in blocks.iter().enumerate() {
        let candidates: Vec<Vec<u32>> = a
            .clone()
            .into_par_iter()
            .map(|i| candidates(&postings, i, cfg.max_posting, docs.len()))
            .collect();
        scored += candidates.iter().map(|c| c.len() as u64).sum::<u64>();
        let block_a = docs.block(a.clone())?;
        for b in &blocks[at..] {
            let other;
            let block_b = if b == a {
                &block_a
            } else {
                other = docs.block(b.clone())?;
                &other
            };
            let near: Vec<Vec<(u32, f32)>> = a
                .clone()
                .into_par_iter()
                .map_init(Table::default, |table, i| {
                    let all = &candidates[i - a.start];
                    let here = &all[all.partition_point(|j| (*j as usize) < b.start)
                        ..all.partition_point(|j| (*j as usize) < b.end)];
                    if here.is_empty() {
                        return Vec::new();
                    }
                    table.load(block_a.vector(i));
                    let mut sims = vec![0.0; here.len()];
                    table.dots(here.iter().map(|j| block_b.vector(*j as usize)), &mut sims);
                    here.iter()
                        .zip(sims)
                        .filter(|(_, sim)| *sim >= keep_from && *sim > 0.0)
                        .map(|(j, sim)| (*j, sim))
                        .collect()
                })
                .collect();
            for (i, near) in near.into_iter().enumerate() {
                pairs.extend(near.into_iter().map(|(j, sim)| ((a.start + i) as u32, j, sim)));
            }
        }
    }
    Ok((pairs, scored))
}

/// Each document's scored pairs — (the other's position, cosine) — listed on both sides, flat: a list per
/// document would cost an allocation and its slack each.
struct Near {
    ends: Vec<usize>,
    pairs: Vec<(u32, f32)>,
}

impl Near {
    /// From the pairs `(i, j, cosine)` found from one side, over `n` documents.
    fn both_ways(n: usize, upper: &[Pair]) -> Near {
        let mut count = vec![0usize; n];
        for &(i, j, _) in upper {
            count[i as usize] += 1;
            count[j as usize] += 1;
        }
        let mut ends = Vec::with_capacity(n);
        let mut at = 0;
        for c in &count {
            at += c;
            ends.push(at);
        }
        // Each list filled from its start; `next` is its next free place.
        let mut next: Vec<usize> = (0..n).map(|i| span(&ends, i).start).collect();
        drop(count);
        let mut pairs = vec![(0u32, 0f32); at];
        for &(i, j, sim) in upper {
            pairs[next[i as usize]] = (j, sim);
            next[i as usize] += 1;
            pairs[next[j as usize]] = (i, sim);
            next[j as usize] += 1;
        }
        Near { ends, pairs }
    }

    fn of(&self, i: usize) -> &[(u32, f32)] {
        &self.pairs[span(&self.ends, i)]
    }
}

/// A vector's `k` strongest terms (ties by term).
fn strongest_terms(vector: &[Term], k: usize) -> Vec<u32> {
    let mut by_weight: Vec<Term> = vector.to_vec();
    let k = k.min(by_weight.len());
    if k > 0 && k < by_weight.len() {
        by_weight.select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    // From a slice, not `into_iter`: collecting in place would keep the whole vector's allocation.
    by_weight[..k].iter().map(|t| t.0).collect()
}

/// The documents after `i` that share at least [`SHARED_MIN`] of its strongest terms (those indexing at most
/// `max` documents), in position order.
fn candidates(postings: &Postings, i: usize, max: usize, n: usize) -> Vec<u32> {
    COUNTS.with_borrow_mut(|counts| {
        counts.resize(n, 0);
        // Shared strongest terms counted per later document (each pair is scored once, from its first
        // document's side); the counters are cleared through the list of those touched.
        let (mut touched, mut twice): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        for later in postings.later(i, max) {
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
        for j in touched {
            counts[j as usize] = 0;
        }
        twice.sort_unstable();
        twice
    })
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
            docs.push(&v, *day).expect("in memory");
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
            df.vector_into(&df.entries[span(&df.ends, i)], top, &mut v, &mut Vec::new());
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
        assert_eq!(df.into_docs(2, LinkDocs::default()).expect("in memory").len(), 3);
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
        let links = link(&docs, &cfg()).expect("links");
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
        let links = link(&docs, &cfg()).expect("links");
        assert_eq!(links.story, [0, 1]);
        assert_eq!(links.related[0].first().map(|r| r.0), Some(1));
        assert_eq!(links.related[1].first().map(|r| r.0), Some(0));
        // Without dates nothing decays: one story, nobody related outside it.
        let docs = unit_docs(&[(&[(1, 1.0), (2, 1.0)], None), (&[(1, 1.0), (2, 1.0)], None)]);
        let links = link(&docs, &cfg()).expect("links");
        assert_eq!(links.story, [0, 0]);
        assert!(links.related.iter().all(Vec::is_empty));
    }

    /// Documents of topics: each draws most of its words from one of a few topics, the rest from all.
    fn topical_terms(n: usize) -> Vec<(Vec<Term>, Option<i32>)> {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        (0..n)
            .map(|i| {
                let topic = next(6) as u32;
                let mut terms: Vec<Term> = (0..40 + next(60))
                    .map(|_| {
                        if next(8) > 0 {
                            (topic * 1000 + 1 + next(60) as u32, 2.0 + next(3) as f32)
                        } else {
                            (50_000 + next(5000) as u32, 1.0)
                        }
                    })
                    .collect();
                terms.sort_by_key(|t| t.0);
                terms.dedup_by_key(|t| t.0);
                (terms, (i % 3 > 0).then_some(i as i32 / 10))
            })
            .collect()
    }

    #[test]
    fn terms_read_twice_and_vectors_on_disk_give_the_same_links() {
        let corpus = topical_terms(300);
        let cfg = StoryConfig {
            top_terms: 32,
            index_terms: 8,
            ..StoryConfig::default()
        };
        let counted = |hold: usize| {
            let mut df = DocFreq::holding(hold);
            for (terms, day) in &corpus {
                df.add(terms.iter().copied(), *day);
            }
            df.finish();
            df
        };
        let df = counted(usize::MAX);
        assert!(df.holds_terms());
        let memory = df.into_docs(cfg.top_terms, LinkDocs::default()).expect("in memory");
        let expected = link(&memory, &cfg).expect("links");
        assert!(
            expected.pairs_scored > 1000,
            "{} pairs: the test lost its load",
            expected.pairs_scored
        );
        assert!(expected.story.iter().zip(0..).filter(|(s, i)| **s != *i).count() > 50);
        // Terms dropped after a few documents and read again; vectors in a file of blocks of about 4 documents.
        let df = counted(4096);
        assert!(!df.holds_terms());
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("vectors");
        let mut spilled = LinkDocs::spilled(path.clone(), 4 * 32 * 8).expect("scratch file");
        let mut room = (Vec::new(), Vec::new(), Vec::new());
        for (terms, day) in &corpus {
            df.vector_of(
                terms.iter().copied(),
                cfg.top_terms,
                (&mut room.0, &mut room.1, &mut room.2),
            )
            .expect("every term counted");
            spilled.push(&room.0, *day).expect("written");
        }
        assert!(link(&spilled, &cfg).is_err(), "read before it is sealed");
        spilled.seal().expect("sealed");
        assert!(spilled.blocks().len() > 50, "{} blocks", spilled.blocks().len());
        assert_eq!(link(&spilled, &cfg).expect("links"), expected);
        assert_eq!(
            df.vector_of([(999_999, 1.0)], 8, (&mut room.0, &mut room.1, &mut room.2)),
            Err(999_999)
        );
        spilled.remove().expect("removed");
        assert!(!path.exists());
    }

    #[test]
    fn the_counts_are_the_same_on_any_number_of_threads() {
        let corpus = topical_terms(5000);
        let entries: Vec<(u32, f32)> = corpus.iter().flat_map(|(t, _)| t.iter().copied()).collect();
        assert!(
            entries.len() > 3 * COUNT_SHARE_MIN,
            "{} terms: too few to share out",
            entries.len()
        );
        let mut expected: std::collections::BTreeMap<u32, u32> = Default::default();
        for (t, _) in &entries {
            *expected.entry(*t).or_default() += 1;
        }
        for threads in [1, 2, 3, 5] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let counts = pool.install(|| count_on_all_threads(&entries));
            let counts: std::collections::BTreeMap<u32, u32> = counts.into_iter().collect();
            assert_eq!(counts, expected, "{threads} threads");
        }
        // The step's IDFs too: terms held and counted at the end, or counted as they come.
        let idfs = |hold: usize| {
            let mut df = DocFreq::holding(hold);
            for (terms, day) in &corpus {
                df.add(terms.iter().copied(), *day);
            }
            df.finish();
            let idf: Vec<f32> = expected.keys().map(|t| df.idf(*t).expect("counted")).collect();
            (df.holds_terms(), idf)
        };
        let (held, in_memory) = idfs(usize::MAX);
        let (dropped, streamed) = idfs(4096);
        assert!(held && !dropped);
        assert_eq!(in_memory, streamed);
    }

    #[test]
    fn unrelated_and_empty_documents_stay_alone() {
        let docs = unit_docs(&[(&[(1, 1.0)], None), (&[(2, 1.0)], None), (&[], None)]);
        let links = link(&docs, &cfg()).expect("links");
        assert_eq!(links.story, [0, 1, 2]);
        assert!(links.related.iter().all(Vec::is_empty));
        assert_eq!(link(&LinkDocs::default(), &cfg()).expect("links"), Links::default());
    }
}
