//! What the scan and write steps see of each document for the report ([`crate::report`]): lengths, the source,
//! the removal or repair, and — for the few documents whose id ranks lowest under a reason or a rule — an
//! example with its evidence. One [`Observer`] per batch on the worker thread; its [`Observations`] add up
//! into the task's stats like the stage counts.

use serde_json::{Map, Value};

use crate::dedup::Decision;
use crate::read::BadRecord;
use crate::stats::observe::{rank, word_count, Example, Observations};
use crate::{Document, Removal};

/// Characters of text kept for an example (the page shows fewer).
const EXCERPT_CHARS: usize = 400;
/// Lines of a repair shown per example.
const CUT_LINES: usize = 6;
/// Characters of one evidence string.
const EVIDENCE_CHARS: usize = 200;

/// One batch's observations.
pub(crate) struct Observer<'a> {
    /// The `[clean] site_field`.
    site_field: &'a str,
    /// The source of documents that name no site (the shard's input).
    fallback: &'a str,
    pub obs: Observations,
}

impl<'a> Observer<'a> {
    pub(crate) fn new(site_field: &'a str, fallback: &'a str) -> Observer<'a> {
        Observer {
            site_field,
            fallback,
            obs: Observations::default(),
        }
    }

    fn source(&self, doc: &Document) -> String {
        crate::clean::site_table::site_name(doc, self.site_field).unwrap_or_else(|| self.fallback.to_owned())
    }

    /// A document as read.
    pub(crate) fn read(&mut self, doc: &Document) {
        self.obs.words_read.add(word_count(&doc.text) as f64);
        let source = self.source(doc);
        self.obs.source(&source).docs += 1;
    }

    /// A record that could not be read (it has no source field: its input's name stands in).
    pub(crate) fn bad(&mut self, bad: &BadRecord) {
        let code = bad.removal.reason.code;
        let fallback = self.fallback.to_owned();
        let counts = self.obs.source(&fallback);
        counts.docs += 1;
        *counts.removed.entry(code.to_owned()).or_default() += 1;
        let r = rank(&bad.id);
        if self.obs.examples.wants(code, r) {
            let example = removal_example(&bad.id, r, fallback, &bad.text, &bad.removal);
            self.obs.examples.offer(code, example);
        }
    }

    /// A document a stage removed during the scan, or dedup removed at the write.
    pub(crate) fn removed(&mut self, doc: &Document, removal: &Removal) {
        let code = removal.reason.code;
        let source = self.source(doc);
        *self.obs.source(&source).removed.entry(code.to_owned()).or_default() += 1;
        let r = rank(&doc.id);
        if self.obs.examples.wants(code, r) {
            let example = removal_example(&doc.id, r, source, &doc.text, removal);
            self.obs.examples.offer(code, example);
        }
    }

    /// A document that survived the scan; returns its words (for the write step's kept lengths).
    pub(crate) fn survivor(&mut self, doc: &Document) -> u64 {
        if doc.as_read.is_some() {
            let source = self.source(doc);
            self.obs.source(&source).repaired += 1;
            self.repair_examples(doc, &source);
        }
        word_count(&doc.text)
    }

    /// A document written to `kept/`.
    pub(crate) fn kept(&mut self, words: u64) {
        self.obs.words_kept.add(words as f64);
    }

    /// A dedup decision applied at the write step: group and cluster sizes, similarities.
    pub(crate) fn decision(&mut self, decision: &Decision) {
        match decision {
            Decision::Keeper {
                cluster_id: Some(_),
                cluster_size,
            } => self.obs.near_clusters.add(f64::from(*cluster_size)),
            Decision::Keeper { .. } => {}
            // A group of g documents has g - 1 copies, maybe in other shards; the finish step divides.
            Decision::Exact { group_size, .. } => *self.obs.exact_copies.entry(*group_size).or_default() += 1,
            Decision::Near { similarity, .. } => self.obs.near_similarity.add(similarity.value),
        }
    }

    /// Offers the document as an example of each repair rule that edited it.
    fn repair_examples(&mut self, doc: &Document, source: &str) {
        let r = rank(&doc.id);
        if let Some(Value::Object(clean)) = doc.annotations.get("clean") {
            let removed = clean.get("removed").and_then(Value::as_array);
            let rules: Vec<&str> = removed
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("rule").and_then(Value::as_str))
                .collect();
            for rule in dedup_sorted(rules) {
                if !self.obs.examples.wants(rule, r) {
                    continue;
                }
                let cut: Vec<String> = removed
                    .into_iter()
                    .flatten()
                    .filter(|e| e.get("rule").and_then(Value::as_str) == Some(rule))
                    .filter_map(|e| e.get("text").and_then(Value::as_str))
                    .take(CUT_LINES)
                    .map(|t| truncate(t, EVIDENCE_CHARS))
                    .collect();
                let evidence = counts_of(clean);
                let example = repair_example(doc, r, source, cut, evidence);
                self.obs.examples.offer(rule, example);
            }
        }
        if let Some(Value::Object(normalize)) = doc.annotations.get("normalize") {
            for (kind, n) in normalize {
                let rule = format!("normalize.{kind}");
                if !self.obs.examples.wants(&rule, r) {
                    continue;
                }
                let mut evidence = Map::new();
                evidence.insert(format!("{kind} edits"), n.clone());
                let example = repair_example(doc, r, source, Vec::new(), evidence);
                self.obs.examples.offer(&rule, example);
            }
        }
    }
}

fn dedup_sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v.dedup();
    v
}

/// The counts of `meta.ghirbal.clean` (everything but the list of removed lines).
fn counts_of(clean: &Map<String, Value>) -> Map<String, Value> {
    clean
        .iter()
        .filter(|(k, _)| *k != "removed")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn removal_example(id: &str, rank: u64, source: String, text: &str, removal: &Removal) -> Example {
    Example {
        id: id.to_owned(),
        rank,
        source,
        excerpt: truncate(text, EXCERPT_CHARS),
        cut: Vec::new(),
        evidence: removal
            .detail
            .iter()
            .map(|(k, v)| (k.clone(), short_value(v)))
            .collect(),
        duplicate_of: removal.duplicate_of.clone(),
        similarity: removal.similarity,
    }
}

fn repair_example(doc: &Document, rank: u64, source: &str, cut: Vec<String>, evidence: Map<String, Value>) -> Example {
    Example {
        id: doc.id.clone(),
        rank,
        source: source.to_owned(),
        excerpt: truncate(&doc.text, EXCERPT_CHARS),
        cut,
        evidence,
        duplicate_of: None,
        similarity: None,
    }
}

fn short_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(truncate(s, EVIDENCE_CHARS)),
        other => other.clone(),
    }
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
