//! The keep rule: which document of a duplicate group survives. Each document gets a *rank* — a byte string
//! whose order is the rule's preference — computed in the scan phase; the keeper of a group is the document with
//! the smallest (rank, ordinal). Ties fall back to input order, so the choice is the same on every run, at
//! every thread count, under every engine.

use crate::{DedupConfig, Document, KeepRule, Ordinal};

const MISSING: u8 = 0xff;

/// The rank of `doc` under the configured rule (smaller is preferred).
pub fn rank(doc: &Document, cfg: &DedupConfig) -> Vec<u8> {
    match cfg.keep {
        KeepRule::First => Vec::new(),
        KeepRule::Longest => (u64::MAX - doc.text.chars().count() as u64).to_be_bytes().to_vec(),
        KeepRule::Earliest => field_rank(doc, &cfg.keep_field),
        KeepRule::Source => {
            let source = doc.meta.get_str(&cfg.source_field);
            let pos = source.and_then(|s| cfg.source_priority.iter().position(|p| *p == s));
            pos.map_or(u32::MAX, |p| p as u32).to_be_bytes().to_vec()
        }
    }
}

/// The order keepers are chosen in: documents of the news archive first (they are published; a batch never
/// takes their place), then (rank, ordinal).
pub fn keep_order(rank: &[u8], o: Ordinal) -> (bool, &[u8], Ordinal) {
    (!crate::archive::is_archived(o), rank, o)
}

/// Numbers sort numerically before strings, strings by bytes (ISO dates sort right), missing values last.
fn field_rank(doc: &Document, field: &str) -> Vec<u8> {
    let Some(raw) = doc.meta.get(field) else {
        return vec![MISSING];
    };
    match serde_json::from_str::<serde_json::Value>(raw.get()) {
        Ok(serde_json::Value::Number(n)) => {
            let f = n.as_f64().unwrap_or(f64::MAX);
            // Flip the bits so that the byte order of the encoding is the numeric order.
            let bits = f.to_bits();
            let key = if f.is_sign_negative() { !bits } else { bits | (1 << 63) };
            let mut out = vec![0x01];
            out.extend_from_slice(&key.to_be_bytes());
            out
        }
        Ok(serde_json::Value::String(s)) => {
            let mut out = vec![0x02];
            out.extend_from_slice(s.as_bytes());
            out
        }
        _ => vec![MISSING],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{memory_origin, parse_record};
    use crate::Ordinal;

    fn doc(json: &str) -> Document {
        let (id, text, meta, annotations) = parse_record(json, "id", "text", || "x".into()).expect("parse");
        Document {
            id,
            text,
            meta,
            annotations,
            ordinal: Ordinal(0),
            origin: memory_origin(1),
            analysis: Default::default(),
            as_read: None,
        }
    }

    fn cfg(keep: KeepRule) -> DedupConfig {
        DedupConfig {
            keep,
            keep_field: "date".into(),
            source_priority: vec!["wire".into(), "daily".into()],
            ..Default::default()
        }
    }

    #[test]
    fn longest_prefers_more_characters() {
        let c = cfg(KeepRule::Longest);
        assert!(rank(&doc(r#"{"text":"أطول نص"}"#), &c) < rank(&doc(r#"{"text":"نص"}"#), &c));
    }

    #[test]
    fn earliest_orders_dates_numbers_and_missing() {
        let c = cfg(KeepRule::Earliest);
        let d1 = rank(&doc(r#"{"text":"a","date":"2015-07-21"}"#), &c);
        let d2 = rank(&doc(r#"{"text":"a","date":"2015-08-01"}"#), &c);
        let none = rank(&doc(r#"{"text":"a"}"#), &c);
        let n9 = rank(&doc(r#"{"text":"a","date":9}"#), &c);
        let n10 = rank(&doc(r#"{"text":"a","date":10}"#), &c);
        let neg = rank(&doc(r#"{"text":"a","date":-3.5}"#), &c);
        assert!(neg < n9 && n9 < n10 && n10 < d1 && d1 < d2 && d2 < none);
    }

    #[test]
    fn source_follows_the_priority_list() {
        let c = cfg(KeepRule::Source);
        let wire = rank(&doc(r#"{"text":"a","source":"wire"}"#), &c);
        let daily = rank(&doc(r#"{"text":"a","source":"daily"}"#), &c);
        let other = rank(&doc(r#"{"text":"a","source":"blog"}"#), &c);
        assert!(wire < daily && daily < other);
        assert_eq!(rank(&doc(r#"{"text":"a"}"#), &cfg(KeepRule::First)), Vec::<u8>::new());
    }
}
