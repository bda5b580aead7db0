//! Running the per-document stages over one batch of the scan: each stage sees the survivors of the one
//! before, and the runner — not the stage — counts documents, bytes, removals by reason, thread CPU time, and
//! what the stage recorded (metrics, histograms, repairs), so no stage can forget to.

use crate::clock::thread_seconds;
use crate::read::BadRecord;
use crate::stats::StageList;
use crate::{Document, Outcome, Removal, Stage, StageCx};

pub(super) enum Removed {
    Bad(Box<BadRecord>),
    Doc(Box<(Document, Removal)>),
}

/// Runs one stage over a batch; the runner does the counting.
pub(super) fn run_stage(
    stage: &dyn Stage,
    docs: Vec<Document>,
    stats: &mut StageList,
    removed: &mut Vec<(Removed, crate::Ordinal)>,
) -> Vec<Document> {
    let started = thread_seconds();
    let mut cx = StageCx::default();
    let st = stats.entry(stage.name());
    let mut kept = Vec::with_capacity(docs.len());
    for mut doc in docs {
        st.docs_in += 1;
        st.bytes_in += doc.text.len() as u64;
        match stage.process(&mut doc, &mut cx) {
            Outcome::Keep => {
                st.docs_kept += 1;
                st.bytes_out += doc.text.len() as u64;
                kept.push(doc);
            }
            Outcome::Modified => {
                st.docs_kept += 1;
                st.docs_modified += 1;
                st.bytes_out += doc.text.len() as u64;
                kept.push(doc);
            }
            Outcome::Remove(removal) => {
                st.count_removal(removal.reason.code);
                let ordinal = doc.ordinal;
                removed.push((Removed::Doc(Box::new((doc, removal))), ordinal));
            }
        }
    }
    for (name, metric) in cx.metrics {
        *st.metrics.entry(name.to_owned()).or_default() += metric;
    }
    for (name, histogram) in &cx.histograms {
        st.add_histogram(name, histogram);
    }
    for (rule, counts) in cx.repairs {
        *st.repairs.entry(rule.to_owned()).or_default() += &counts;
    }
    st.cpu_seconds += thread_seconds() - started;
    kept
}

/// The field names of a JSON object (at most 20), or `None` when `record` is not one. Runs for one record
/// of a batch at most.
pub(super) fn field_names(record: &str) -> Option<Vec<String>> {
    const MOST: usize = 20;
    let object: crate::doc::RawObject<'_> = serde_json::from_str(record).ok()?;
    Some(
        object
            .0
            .into_iter()
            .take(MOST)
            .map(|(key, _)| key.into_owned())
            .collect(),
    )
}
