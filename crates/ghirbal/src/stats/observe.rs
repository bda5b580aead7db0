//! What a run observes for its report, collected while the documents pass (never by a second pass over the
//! output): distributions as fixed-bin histograms, counts per source, and a few examples per reason and per
//! repair rule.
//!
//! Every value here is a plain sum that adds up like the stage stats: each batch fills its own, the task sums
//! its batches into its task stats file, and the finish step sums the tasks. Examples are chosen by the
//! smallest hash of their id (bottom-k), so the same five come out at any thread count and any split into
//! shards or processes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Examples kept per reason and per repair rule.
pub const EXAMPLES: usize = 5;

/// Sources kept by name in one task's counts; beyond that the smallest are summed into [`OTHER_SOURCES`].
pub const SOURCES_PER_TASK: usize = 5_000;

/// Sources kept by name in `stats.json`.
pub const SOURCES_KEPT: usize = 200;

/// The row that sums the sources not kept by name.
pub const OTHER_SOURCES: &str = "(other sources)";

/// The input files, in short.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InputSummary {
    /// Input files read.
    pub files: u64,
    /// Their size on disk.
    pub bytes: u64,
    /// The first few, as given.
    pub first: Vec<String>,
}

/// What `stats.json` holds for the report beyond the stage counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunObservations {
    /// The inputs.
    pub inputs: InputSummary,
    /// Distributions and sources (its examples are in `examples.json`).
    #[serde(flatten)]
    pub observed: Observations,
}

/// A histogram over fixed bins: `counts[i]` counts the values in `[edges[i], edges[i + 1])`; the last bin
/// counts everything from its edge up, and values below the first edge go to the first bin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// The lower edge of each bin, rising.
    pub edges: Vec<f64>,
    /// Values per bin.
    pub counts: Vec<u64>,
}

impl Histogram {
    /// An empty histogram with these lower edges.
    pub fn new(edges: &[f64]) -> Histogram {
        Histogram {
            edges: edges.to_vec(),
            counts: vec![0; edges.len()],
        }
    }

    /// Words per document: 1-2-5 steps from 0 to 20,000.
    pub fn words() -> Histogram {
        Histogram::new(&[
            0.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 20_000.0,
        ])
    }

    /// A score or similarity in `[0, 1]`: twenty bins of 0.05.
    pub fn unit() -> Histogram {
        let edges: Vec<f64> = (0..20).map(|i| f64::from(i) / 20.0).collect();
        Histogram::new(&edges)
    }

    /// Cluster sizes (documents in a group, the keeper included).
    pub fn sizes() -> Histogram {
        Histogram::new(&[2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1_000.0])
    }

    /// Counts one value.
    pub fn add(&mut self, value: f64) {
        self.add_n(value, 1);
    }

    /// Counts `n` values equal to `value`.
    pub fn add_n(&mut self, value: f64, n: u64) {
        // The last edge not above the value; values below the first edge (and NaN) go to the first bin.
        let bin = self.edges.partition_point(|e| *e <= value).saturating_sub(1);
        if let Some(c) = self.counts.get_mut(bin) {
            *c += n;
        }
    }

    /// Values counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Adds another histogram's counts; false (and nothing added) when its bins differ.
    #[must_use]
    pub fn merge(&mut self, other: &Histogram) -> bool {
        // Edges read back from JSON may differ in the last bit (serde_json parses floats fast, not exactly).
        let same = |a: &f64, b: &f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
        if other.edges.len() != self.edges.len()
            || other.counts.len() != self.counts.len()
            || !self.edges.iter().zip(&other.edges).all(|(a, b)| same(a, b))
        {
            return false;
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        true
    }
}

/// What happened to the documents of one source (the `[clean] site_field`, else the host of `url`, else the
/// input file).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceCounts {
    /// Documents read.
    pub docs: u64,
    /// Documents whose text a stage changed (normalisation or a repair), among those that survived the scan.
    pub repaired: u64,
    /// Documents removed, by reason.
    pub removed: BTreeMap<String, u64>,
}

impl SourceCounts {
    fn add(&mut self, o: &SourceCounts) {
        self.docs += o.docs;
        self.repaired += o.repaired;
        for (k, n) in &o.removed {
            *self.removed.entry(k.clone()).or_default() += n;
        }
    }

    /// Documents removed, all reasons.
    pub fn removed_total(&self) -> u64 {
        self.removed.values().sum()
    }
}

/// One example of a reason or a repair rule, with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// The document's id (`ghirbal explain OUT ID` shows it whole).
    pub id: String,
    /// The hash that chose it (the smallest win).
    pub rank: u64,
    /// Its source.
    pub source: String,
    /// The start of its text (as removed, or as kept after the repair).
    pub excerpt: String,
    /// What a repair cut: the removed lines (or line ends), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cut: Vec<String>,
    /// The measured values: a removal's detail (value and threshold), a repair's counts.
    #[serde(default)]
    pub evidence: serde_json::Map<String, serde_json::Value>,
    /// For a duplicate, the document kept instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// For a near duplicate, the verified similarity to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
}

/// The rank of a document among the candidate examples: a hash of its id, so the choice does not depend on
/// the order documents arrive in.
pub fn rank(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(id.as_bytes(), 0x6768_6972_6261_6c21)
}

/// Up to [`EXAMPLES`] examples per key (reason code or repair rule), the lowest ranks kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Examples(pub BTreeMap<String, Vec<Example>>);

impl Examples {
    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when an example of `key` with this rank would be kept: callers build the (costly) example only
    /// then.
    pub fn wants(&self, key: &str, rank: u64) -> bool {
        match self.0.get(key) {
            Some(list) if list.len() >= EXAMPLES => list.last().is_some_and(|last| rank < last.rank),
            _ => true,
        }
    }

    /// Offers one example; it stays if its rank is among the lowest.
    pub fn offer(&mut self, key: &str, example: Example) {
        if !self.wants(key, example.rank) {
            return;
        }
        let list = self.0.entry(key.to_owned()).or_default();
        let at = list.partition_point(|e| (e.rank, &e.id) < (example.rank, &example.id));
        if list
            .get(at)
            .is_some_and(|e| e.id == example.id && e.rank == example.rank)
        {
            return;
        }
        list.insert(at, example);
        list.truncate(EXAMPLES);
    }

    /// Merges another set: the lowest ranks of both.
    pub fn merge(&mut self, other: Examples) {
        for (key, list) in other.0 {
            for example in list {
                self.offer(&key, example);
            }
        }
    }
}

/// Everything one task (or one batch) observed for the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observations {
    /// Words per document as read (documents that could not be read have none).
    pub words_read: Histogram,
    /// Words per document as written to `kept/`.
    pub words_kept: Histogram,
    /// Exact duplicate groups by size (the keeper included), filled from [`Observations::exact_copies`] by
    /// the finish step.
    pub exact_groups: Histogram,
    /// Exact copies removed (or annotated), by the size of their group: a group of `g` documents has `g - 1`
    /// copies, possibly in several shards, so groups are counted once all tasks are summed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exact_copies: BTreeMap<u32, u64>,
    /// Near-duplicate clusters by size (exact copies included).
    pub near_clusters: Histogram,
    /// The verified similarity of each near duplicate removed (or annotated) to its keeper.
    pub near_similarity: Histogram,
    /// Counts per source.
    pub sources: BTreeMap<String, SourceCounts>,
    /// Examples per removal reason and per repair rule (in the task stats; `examples.json` for the run).
    #[serde(default, skip_serializing_if = "Examples::is_empty")]
    pub examples: Examples,
}

impl Default for Observations {
    fn default() -> Self {
        Observations {
            words_read: Histogram::words(),
            words_kept: Histogram::words(),
            exact_groups: Histogram::sizes(),
            exact_copies: BTreeMap::new(),
            near_clusters: Histogram::sizes(),
            near_similarity: Histogram::unit(),
            sources: BTreeMap::new(),
            examples: Examples::default(),
        }
    }
}

impl Observations {
    /// The counts of one source, created when missing.
    pub fn source(&mut self, name: &str) -> &mut SourceCounts {
        self.sources.entry(name.to_owned()).or_default()
    }

    /// Adds another task's or batch's observations; false when a histogram's bins differ (stats written by
    /// another version).
    #[must_use]
    pub fn merge(&mut self, other: Observations) -> bool {
        let same = self.words_read.merge(&other.words_read)
            && self.words_kept.merge(&other.words_kept)
            && self.exact_groups.merge(&other.exact_groups)
            && self.near_clusters.merge(&other.near_clusters)
            && self.near_similarity.merge(&other.near_similarity);
        for (size, n) in &other.exact_copies {
            *self.exact_copies.entry(*size).or_default() += n;
        }
        for (name, counts) in &other.sources {
            self.source(name).add(counts);
        }
        self.examples.merge(other.examples);
        same
    }

    /// Turns the exact copies counted by group size into groups, once every task is summed.
    pub fn count_exact_groups(&mut self) {
        for (size, copies) in std::mem::take(&mut self.exact_copies) {
            if size >= 2 {
                self.exact_groups.add_n(f64::from(size), copies / u64::from(size - 1));
            }
        }
    }

    /// Keeps the `keep` largest sources by documents read (ties by name) and sums the others into one row, so
    /// that a web crawl of a million hosts keeps its stats small.
    pub fn cap_sources(&mut self, keep: usize) {
        if self.sources.len() <= keep {
            return;
        }
        let mut all: Vec<(String, SourceCounts)> = std::mem::take(&mut self.sources).into_iter().collect();
        all.sort_by(|a, b| b.1.docs.cmp(&a.1.docs).then_with(|| a.0.cmp(&b.0)));
        let mut other = SourceCounts::default();
        for (i, (name, counts)) in all.into_iter().enumerate() {
            if i < keep && name != OTHER_SOURCES {
                self.sources.insert(name, counts);
            } else {
                other.add(&counts);
            }
        }
        self.source(OTHER_SOURCES).add(&other);
    }
}

/// Words in a text: runs of bytes above the space (0x20), so ASCII spaces, tabs, line breaks and other control
/// characters separate words and a no-break space or other Unicode space does not. Written as one comparison
/// per pair of neighbouring bytes, which the compiler turns into vector code: the report's two length
/// histograms must cost next to nothing.
pub fn word_count(text: &str) -> u64 {
    let b = text.as_bytes();
    let Some(&first) = b.first() else {
        return 0;
    };
    let mut words = u64::from(first > b' ');
    // A word starts where a byte above the space follows one that is not. Counted in blocks of 255 pairs in
    // a u8, so that the compiler can use byte-wide vector lanes.
    for (prev, next) in b[..b.len() - 1].chunks(255).zip(b[1..].chunks(255)) {
        let mut starts: u8 = 0;
        for (&p, &n) in prev.iter().zip(next) {
            starts = starts.wrapping_add(u8::from(p <= b' ') & u8::from(n > b' '));
        }
        words += u64::from(starts);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_values_by_their_lower_edge() {
        let mut h = Histogram::words();
        for v in [0.0, 9.0, 10.0, 150.0, 25_000.0, -3.0] {
            h.add(v);
        }
        assert_eq!(h.counts[0], 3, "0, 9 and a value below the first edge");
        assert_eq!(h.counts[1], 1);
        assert_eq!(h.counts[4], 1, "150 is in [100, 200)");
        assert_eq!(*h.counts.last().expect("present"), 1, "the last bin is open");
        assert_eq!(h.total(), 6);
        let mut other = Histogram::words();
        other.add(10.0);
        assert!(h.merge(&other));
        assert_eq!(h.counts[1], 2);
        assert!(!h.merge(&Histogram::unit()), "different bins do not add up");
    }

    #[test]
    fn unit_histogram_puts_one_in_the_last_bin() {
        let mut h = Histogram::unit();
        h.add(1.0);
        h.add(0.049);
        h.add(0.05);
        assert_eq!(h.counts[19], 1);
        assert_eq!(h.counts[0], 1);
        assert_eq!(h.counts[1], 1);
    }

    fn example(id: &str) -> Example {
        Example {
            id: id.into(),
            rank: rank(id),
            source: "s".into(),
            excerpt: String::new(),
            cut: vec![],
            evidence: Default::default(),
            duplicate_of: None,
            similarity: None,
        }
    }

    #[test]
    fn examples_are_the_lowest_ranks_whatever_the_order() {
        let ids: Vec<String> = (0..40).map(|i| format!("doc-{i}")).collect();
        let mut forward = Examples::default();
        for id in &ids {
            forward.offer("r", example(id));
        }
        // The same ids split in two halves, offered backwards, then merged.
        let (mut a, mut b) = (Examples::default(), Examples::default());
        for id in ids[..20].iter().rev() {
            a.offer("r", example(id));
        }
        for id in ids[20..].iter().rev() {
            b.offer("r", example(id));
        }
        a.merge(b);
        assert_eq!(forward, a);
        let list = &forward.0["r"];
        assert_eq!(list.len(), EXAMPLES);
        let mut ranks: Vec<u64> = ids.iter().map(|i| rank(i)).collect();
        ranks.sort_unstable();
        assert_eq!(list.iter().map(|e| e.rank).collect::<Vec<_>>(), ranks[..EXAMPLES]);
        // Offering a kept example again does not duplicate it.
        forward.offer("r", list[0].clone());
        assert_eq!(forward.0["r"].len(), EXAMPLES);
    }

    #[test]
    fn exact_groups_are_counted_from_their_copies() {
        let (mut a, mut b) = (Observations::default(), Observations::default());
        // A group of 3 whose two copies are in two tasks, and two groups of 2.
        a.exact_copies.insert(3, 1);
        b.exact_copies.insert(3, 1);
        b.exact_copies.insert(2, 2);
        assert!(a.merge(b));
        a.count_exact_groups();
        assert_eq!(a.exact_groups.counts[0], 2, "two groups of 2");
        assert_eq!(a.exact_groups.counts[1], 1, "one group of 3");
        assert!(a.exact_copies.is_empty());
    }

    #[test]
    fn sources_beyond_the_cap_are_summed() {
        let mut o = Observations::default();
        for (name, docs) in [("a", 5), ("b", 3), ("c", 1), ("d", 1)] {
            o.source(name).docs = docs;
            o.source(name).removed.insert("x".into(), 1);
        }
        o.cap_sources(2);
        assert_eq!(o.sources.len(), 3);
        assert_eq!(o.sources[OTHER_SOURCES].docs, 2);
        assert_eq!(o.sources[OTHER_SOURCES].removed["x"], 2);
        assert_eq!(o.sources["a"].docs, 5);
        let total: u64 = o.sources.values().map(|s| s.docs).sum();
        assert_eq!(total, 10, "nothing lost by the cap");
    }

    #[test]
    fn words_are_runs_between_ascii_spaces() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("  \n"), 0);
        assert_eq!(word_count("قال الوزير\nإن  الاتفاق"), 4);
        assert_eq!(word_count("a\u{a0}b c"), 2, "a no-break space does not split");
        assert_eq!(word_count(" x"), 1);
        // Words across the blocks of 255 pairs the count is cut into.
        let long = "كلمة ".repeat(20_000);
        assert_eq!(word_count(&long), 20_000);
        let joined = "ب".repeat(40_000);
        assert_eq!(word_count(&joined), 1, "one word over two chunks");
    }
}
