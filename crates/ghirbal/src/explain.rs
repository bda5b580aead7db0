//! `ghirbal explain OUT ID`: why a document was kept or removed, with the evidence, read back from a finished
//! output directory: `kept/`, `removed/` and the run's config in `stats.json` — nothing under `work/`, which
//! may be deleted once a run is complete (a run not finished yet is read with its `work/manifest.json`).
//!
//! - a near duplicate: its keeper, the LSH bands the two share, the estimated and exact similarity
//!   (recomputed from the two stored texts, so `work/` may be deleted), and a short line diff;
//! - an exact copy: the document it copies;
//! - any other removal: the rule, what it measured and the threshold;
//! - a kept document: its cluster — the other keepers and the duplicates of each, with their similarity.
//!
//! For every document, kept or removed, it first lists what the repairs did: each line (or line end) `clean`
//! removed, with its rule and line number (from `meta.ghirbal.clean`), and the counts of `normalize`'s edits.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::dedup::minhash::{estimated_jaccard, exact_jaccard, MinHasher};
use crate::pipeline::manifest::Manifest;
use crate::work::Layout;
use crate::{Config, Error, Result};

/// Lines of diff shown on each side at most.
const DIFF_LINES: usize = 12;
/// Characters of a line shown at most.
const LINE_CHARS: usize = 90;

/// Explains document `id` of the run in `out`, as text for a terminal.
pub fn explain(out: &Path, id: &str) -> Result<String> {
    let layout = Layout::new(out);
    let config = &run_config(&layout)?;
    let kept = find(&layout.kept(), |r| r["id"] == id)?;
    let mut text = String::new();
    if let Some(doc) = kept {
        explain_kept(&layout, &doc, &mut text)?;
        return Ok(text);
    }
    let Some(doc) = find(&layout.removed(), |r| r["id"] == id)? else {
        return Err(Error::OutputMismatch(format!(
            "no document with id {id:?} in {}/kept or {}/removed",
            out.display(),
            out.display()
        )));
    };
    let reason = doc["reason"].as_str().unwrap_or_default();
    let _ = writeln!(text, "{id}: removed by {reason}");
    repairs(&doc["meta"]["ghirbal"], "before it was removed", &mut text);
    match reason {
        "dedup.near" => explain_near(&layout, config, &doc, &mut text)?,
        "dedup.exact" => {
            let keeper = doc["duplicate_of"].as_str().unwrap_or_default();
            let _ = writeln!(
                text,
                "  an exact copy of {keeper} (equal once harakat, hamza forms, digits, punctuation and spacing \
                 are folded); {} documents in the group",
                doc["detail"]["group_size"]
            );
            archived_keeper(&doc, &mut text);
        }
        _ => {
            let _ = writeln!(text, "  stage {}", doc["stage"].as_str().unwrap_or_default());
            if let Some(detail) = doc["detail"].as_object() {
                for (k, v) in detail {
                    let _ = writeln!(text, "  {k}: {v}");
                }
            }
        }
    }
    Ok(text)
}

/// The run's configuration: from `stats.json` once the run is complete, else from the plan.
fn run_config(layout: &Layout) -> Result<Config> {
    if layout.stats().exists() {
        let stats = crate::pipeline::read_stats(layout)?;
        if let Some(config) = stats.config {
            return Ok(config);
        }
    }
    let manifest = Manifest::load(layout)?.ok_or_else(|| {
        Error::OutputMismatch(format!(
            "{} is not a finished ghirbal output (no stats.json with its config, no work/manifest.json)",
            layout.out.display()
        ))
    })?;
    Ok(manifest.planned(&manifest.config))
}

/// Says where the keeper is when it is a document of the news archive; true if so.
fn archived_keeper(doc: &Value, text: &mut String) -> bool {
    let archived = doc["detail"]["archived"] == Value::Bool(true);
    if archived {
        let _ = writeln!(
            text,
            "  the keeper is in the news archive (`--archive`): an earlier batch kept it, so its text is in that \
             batch's output, not here; `ghirbal archive clusters ARCHIVE` lists its cluster"
        );
    }
    archived
}

fn explain_near(layout: &Layout, config: &Config, doc: &Value, text: &mut String) -> Result<()> {
    let keeper_id = doc["duplicate_of"].as_str().unwrap_or_default();
    let detail = &doc["detail"];
    let _ = writeln!(
        text,
        "  a near duplicate of {keeper_id}: similarity {} (threshold {}), estimate {}",
        doc["similarity"], detail["threshold"], detail["estimate"]
    );
    let _ = writeln!(
        text,
        "  cluster {} of {} documents",
        detail["cluster_id"].as_str().unwrap_or_default(),
        detail["cluster_size"]
    );
    if archived_keeper(doc, text) {
        return Ok(());
    }
    let Some(keeper) = find(&layout.kept(), |r| r["id"] == keeper_id)? else {
        let _ = writeln!(text, "  (the keeper is not in kept/: was the output edited?)");
        return Ok(());
    };
    let (a, b) = (
        doc["text"].as_str().unwrap_or_default(),
        keeper["text"].as_str().unwrap_or_default(),
    );
    let evidence = Evidence::of(config, a, b);
    let _ = writeln!(
        text,
        "  recomputed from the stored texts: {} and {} shingles, exact Jaccard {:.4}, estimate {:.4}",
        evidence.shingles.0, evidence.shingles.1, evidence.exact, evidence.estimate
    );
    let _ = writeln!(
        text,
        "  LSH bands shared: {} of {} ({:?})",
        evidence.shared_bands.len(),
        config.dedup.near.bands,
        evidence.shared_bands
    );
    let _ = writeln!(
        text,
        "  line diff (- only in {}, + only in {keeper_id}):",
        doc["id"].as_str().unwrap_or_default()
    );
    text.push_str(&line_diff(config, a, b));
    Ok(())
}

/// Characters of a removed line shown at most.
const REMOVED_CHARS: usize = 300;

/// What `normalize` and `clean` did to a document (its `meta.ghirbal`), as indented lines.
fn repairs(ghirbal: &Value, when: &str, text: &mut String) {
    let clean = &ghirbal["clean"];
    if let Some(counts) = clean.as_object() {
        let lines: u64 = counts
            .iter()
            .filter(|(k, _)| k.as_str() != "chars_removed" && k.as_str() != "removed")
            .filter_map(|(_, v)| v.as_u64())
            .sum();
        let _ = writeln!(
            text,
            "  repaired by clean {when}: {lines} line(s) or line end(s) removed, {} characters",
            clean["chars_removed"]
        );
        match clean["removed"].as_array() {
            Some(removed) => {
                for r in removed {
                    let at = r["from"]
                        .as_u64()
                        .map_or_else(String::new, |from| format!(" from character {from}"));
                    let _ = writeln!(
                        text,
                        "    line {}{at}  {}  {}",
                        r["line"],
                        r["rule"].as_str().unwrap_or_default(),
                        clip_to(r["text"].as_str().unwrap_or_default(), REMOVED_CHARS)
                    );
                }
            }
            None => {
                for (k, v) in counts.iter().filter(|(k, _)| k.as_str() != "chars_removed") {
                    let _ = writeln!(text, "    {k}: {v}");
                }
                let _ = writeln!(
                    text,
                    "    (the lines themselves were not recorded: [clean] record = \"counts\")"
                );
            }
        }
    }
    if let Some(edits) = ghirbal["normalize"].as_object() {
        let list: Vec<String> = edits.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(text, "  normalized {when}: {}", list.join(", "));
    }
}

fn explain_kept(layout: &Layout, doc: &Value, text: &mut String) -> Result<()> {
    let id = doc["id"].as_str().unwrap_or_default();
    let ghirbal = &doc["meta"]["ghirbal"];
    let Some(cluster) = ghirbal["cluster_id"].as_str() else {
        let _ = writeln!(text, "{id}: kept; it has no exact or near duplicate");
        repairs(ghirbal, "before it was kept", text);
        return story(layout, doc, text);
    };
    let _ = writeln!(
        text,
        "{id}: kept, a keeper of cluster {cluster} ({} documents)",
        ghirbal["cluster_size"]
    );
    repairs(ghirbal, "before it was kept", text);
    let mut keepers = Vec::new();
    for_each(&layout.kept(), |r| {
        if r["meta"]["ghirbal"]["cluster_id"] == cluster && r["id"] != id {
            keepers.push(r["id"].as_str().unwrap_or_default().to_owned());
        }
    })?;
    if !keepers.is_empty() {
        let _ = writeln!(
            text,
            "  other keepers in the cluster (below the threshold against each other, so both stay): {}",
            keepers.join(", ")
        );
    }
    let mut members = Vec::new();
    for_each(&layout.removed(), |r| {
        let in_cluster = r["detail"]["cluster_id"] == cluster || r["duplicate_of"] == id;
        if in_cluster && r["reason"].as_str().is_some_and(|s| s.starts_with("dedup.")) {
            members.push(r);
        }
    })?;
    for m in &members {
        let similarity = m["similarity"]
            .as_f64()
            .map_or_else(|| "identical key form".to_owned(), |s| format!("similarity {s}"));
        let _ = writeln!(
            text,
            "  {} {}: duplicate of {}, {similarity}",
            m["reason"].as_str().unwrap_or_default(),
            m["id"].as_str().unwrap_or_default(),
            m["duplicate_of"].as_str().unwrap_or_default()
        );
    }
    story(layout, doc, text)
}

/// The document's story (its members, their sources and dates, the words they share with it) and its
/// related documents, when the run had the `story` stage.
fn story(layout: &Layout, doc: &Value, text: &mut String) -> Result<()> {
    let ghirbal = &doc["meta"]["ghirbal"];
    let Some(story) = ghirbal["story_id"].as_str() else {
        return Ok(());
    };
    let config = run_config(layout)?;
    let id = doc["id"].as_str().unwrap_or_default();
    let body = doc["text"].as_str().unwrap_or_default();
    let _ = writeln!(
        text,
        "  story {story}: {} document(s) from {} source(s)",
        ghirbal["story_size"], ghirbal["story_sources"]
    );
    let related: Vec<(String, f64)> = ghirbal["related"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap_or_default().to_owned(),
                        r["similarity"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut lines = Vec::new();
    let mut members = 0usize;
    let ours = KeyWordSet::of(&config, body);
    for_each(&layout.kept(), |r| {
        let rid = r["id"].as_str().unwrap_or_default();
        let member = r["meta"]["ghirbal"]["story_id"].as_str() == Some(story) && rid != id;
        let rel = related.iter().find(|(x, _)| x == rid).map(|(_, sim)| *sim);
        members += usize::from(member);
        // The first members in input order (a story may have hundreds), every related document.
        if (member && members <= MEMBERS_SHOWN) || rel.is_some() {
            let meta = &r["meta"];
            let date = config.story.date_shown(meta);
            let source = meta[config.clean.site_field.as_str()]
                .as_str()
                .or_else(|| meta["url"].as_str())
                .unwrap_or("no source")
                .to_owned();
            let shared = ours.shared_with(&config, r["text"].as_str().unwrap_or_default());
            let what = match rel {
                Some(sim) => format!("related, similarity {sim}"),
                None => "same story".to_owned(),
            };
            lines.push((
                rel.is_some(),
                rel.unwrap_or(2.0),
                format!("    {rid} ({what}; {source}, {date}): shares {shared}"),
            ));
        }
    })?;
    lines.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    for (_, _, line) in lines {
        let _ = writeln!(text, "{line}");
    }
    if members > MEMBERS_SHOWN {
        let _ = writeln!(text, "    … and {} other member(s)", members - MEMBERS_SHOWN);
    }
    if related.is_empty() {
        let _ = writeln!(text, "  no related document above story.related_min");
    }
    Ok(())
}

/// Members of a story `explain` lists.
const MEMBERS_SHOWN: usize = 20;

/// The explained document's key-form words, computed once for every document it is compared with.
struct KeyWordSet {
    key: String,
    spans: Vec<std::ops::Range<usize>>,
}

impl KeyWordSet {
    fn of(config: &Config, text: &str) -> KeyWordSet {
        let mut a = crate::text::Analysis::default();
        let kw = a.key_words(text, key_spec(config));
        let base = kw.key.as_ptr() as usize;
        let spans = kw
            .words
            .iter(&kw.key)
            .map(|w| {
                let at = w.as_ptr() as usize - base;
                at..at + w.len()
            })
            .collect();
        KeyWordSet {
            key: kw.key.clone(),
            spans,
        }
    }

    /// Up to ten of these words that `other`'s key form has too (stop words and words under three letters
    /// left out), in this text's order.
    fn shared_with(&self, config: &Config, other: &str) -> String {
        let mut b = crate::text::Analysis::default();
        let kb = b.key_words(other, key_spec(config));
        let theirs: std::collections::HashSet<&str> = kb.words.iter(&kb.key).collect();
        let mut seen = std::collections::HashSet::new();
        let words: Vec<&str> = self
            .spans
            .iter()
            .map(|r| &self.key[r.clone()])
            .filter(|w| {
                w.chars().count() >= 3 && !crate::text::is_stop_word(w) && theirs.contains(w) && seen.insert(*w)
            })
            .take(10)
            .collect();
        match words.is_empty() {
            true => "no word".to_owned(),
            false => words.join(" "),
        }
    }
}

/// Similarity evidence recomputed from two stored texts.
struct Evidence {
    shingles: (usize, usize),
    exact: f64,
    estimate: f64,
    shared_bands: Vec<usize>,
}

impl Evidence {
    fn of(config: &Config, a: &str, b: &str) -> Evidence {
        let hasher = MinHasher::new(&config.dedup.near.minhash());
        let spec = key_spec(config);
        let shingles = |t: &str| {
            let mut analysis = crate::text::Analysis::default();
            let kw = analysis.key_words(t, spec);
            hasher.shingles(&kw.key, &kw.words)
        };
        let (sa, sb) = (shingles(a), shingles(b));
        let (ga, gb) = (
            hasher.signature(&sa).unwrap_or_default(),
            hasher.signature(&sb).unwrap_or_default(),
        );
        let (ba, bb) = (hasher.bands(&ga), hasher.bands(&gb));
        Evidence {
            shingles: (sa.len(), sb.len()),
            exact: exact_jaccard(&sa, &sb),
            estimate: estimated_jaccard(&ga, &gb),
            shared_bands: (0..ba.len().min(bb.len())).filter(|i| ba[*i] == bb[*i]).collect(),
        }
    }
}

fn key_spec(config: &Config) -> crate::normalize::KeySpec {
    crate::normalize::KeySpec {
        opts: config.key,
        normalized: config.has_stage("normalize"),
    }
}

/// A line diff of two texts, lines compared in the key form; runs of common lines are collapsed.
fn line_diff(config: &Config, a: &str, b: &str) -> String {
    let lines = |t: &str| -> Vec<(String, String)> {
        t.lines()
            .filter(|l| !l.trim().is_empty())
            .take(2000)
            .map(|l| (crate::normalize::key_with(l, &config.key), l.to_owned()))
            .collect()
    };
    let (la, lb) = (lines(a), lines(b));
    // Longest common subsequence of the key lines.
    let (n, m) = (la.len(), lb.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if la[i].0 == lb[j].0 {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut common, mut shown) = (0, 0, 0usize, [0usize; 2]);
    let mut out = String::new();
    while i < n || j < m {
        if i < n && j < m && la[i].0 == lb[j].0 {
            common += 1;
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
            flush(&mut common, &mut out);
            if shown[0] < DIFF_LINES {
                let _ = writeln!(out, "    - {}", clip(&la[i].1));
            }
            shown[0] += 1;
            i += 1;
        } else {
            flush(&mut common, &mut out);
            if shown[1] < DIFF_LINES {
                let _ = writeln!(out, "    + {}", clip(&lb[j].1));
            }
            shown[1] += 1;
            j += 1;
        }
    }
    flush(&mut common, &mut out);
    for (sign, n) in ["-", "+"].iter().zip(shown) {
        if n > DIFF_LINES {
            let _ = writeln!(out, "    ({} more {sign} line(s) not shown)", n - DIFF_LINES);
        }
    }
    out
}

/// Writes a pending run of common lines as one line.
fn flush(common: &mut usize, out: &mut String) {
    if *common > 0 {
        let _ = writeln!(out, "    = {common} common line(s)");
        *common = 0;
    }
}

fn clip(line: &str) -> String {
    clip_to(line, LINE_CHARS)
}

/// `line` cut to `max` characters, with `…` when it was longer.
fn clip_to(line: &str, max: usize) -> String {
    let mut chars = line.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        head + "…"
    } else {
        head
    }
}

/// The first record of an output folder matching `pred`.
fn find(dir: &Path, pred: impl Fn(&Value) -> bool) -> Result<Option<Value>> {
    let mut found = None;
    for_each_until(dir, |r| {
        if pred(&r) {
            found = Some(r);
            return false;
        }
        true
    })?;
    Ok(found)
}

fn for_each(dir: &Path, mut f: impl FnMut(Value)) -> Result<()> {
    for_each_until(dir, |r| {
        f(r);
        true
    })
}

/// Calls `f` on every record of the part files in `dir` (JSONL of any compression, or Parquet) until it
/// returns false.
fn for_each_until(dir: &Path, mut f: impl FnMut(Value) -> bool) -> Result<()> {
    let mut parts: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("part-")))
            .collect(),
        Err(e) => return Err(Error::io("listing", dir)(e)),
    };
    parts.sort();
    for path in parts {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".parquet") {
            if !parquet_records(&path, &mut f)? {
                return Ok(());
            }
            continue;
        }
        let (codec, _) = crate::read::compress::Codec::from_name(&name);
        let opened = crate::read::compress::open(&path, codec, 0, None)?;
        for line in std::io::BufRead::lines(opened.reader) {
            let line = line.map_err(Error::io("reading", &path))?;
            let record: Value = serde_json::from_str(&line).map_err(|e| Error::Corrupt {
                path: path.clone(),
                message: e.to_string(),
            })?;
            if !f(record) {
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(feature = "parquet")]
fn parquet_records(path: &Path, f: &mut impl FnMut(Value) -> bool) -> Result<bool> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let err = |e: &dyn std::fmt::Display| Error::Parquet {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(Error::io("opening", path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| err(&e))?;
    for batch in reader {
        let batch = batch.map_err(|e| err(&e))?;
        let mut writer = arrow_json::LineDelimitedWriter::new(Vec::new());
        writer
            .write(&batch)
            .and_then(|()| writer.finish())
            .map_err(|e| err(&e))?;
        for line in writer.into_inner().split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let mut record: Value = serde_json::from_slice(line).map_err(|e| err(&e))?;
            // `meta` and `detail` are stored as JSON text.
            for key in ["meta", "detail"] {
                if let Some(Value::String(s)) = record.get(key) {
                    if let Ok(v) = serde_json::from_str::<Value>(s) {
                        record[key] = v;
                    }
                }
            }
            if !f(record) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

#[cfg(not(feature = "parquet"))]
fn parquet_records(path: &Path, _f: &mut impl FnMut(Value) -> bool) -> Result<bool> {
    Err(Error::Parquet {
        path: path.to_owned(),
        message: "this build has no Parquet support".into(),
    })
}
