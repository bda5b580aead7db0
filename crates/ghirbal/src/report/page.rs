//! The HTML of `report.html`, made with `maud` (templates checked by the compiler, text escaped by default).
//! One self-contained page: the style is inline, the charts are inline SVG, nothing is fetched. Arabic text
//! (excerpts, removed lines, source names) is set right-to-left in its own elements, the rest of the page
//! left-to-right; tables scroll sideways on a narrow screen instead of squeezing.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::charts::{self, Marker, Series, ORANGE, TEAL};
use super::{changed_knobs, RepairRow, ReportData};
use crate::stats::observe::{Example, Histogram, OTHER_SOURCES};

const STYLE: &str = include_str!("report.css");

/// Examples' excerpts are cut to this many characters.
const EXCERPT_CHARS: usize = 320;
/// Sources shown in the table.
const SOURCE_ROWS: usize = 30;

/// The whole page.
pub(super) fn render(data: &ReportData<'_>) -> Result<String, String> {
    let stats = data.stats;
    let title = format!("ghirbal report — {}", data.out);
    let page = html! {
        (DOCTYPE)
        html lang="en" dir="ltr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(format!("ghirbal {}", stats.ghirbal_version));
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { "ghirbal run report" }
                    p.sub { code { (data.out) } " · ghirbal " (stats.ghirbal_version) }
                    nav {
                        a href="#run" { "Run" } a href="#funnel" { "Funnel" } a href="#removals" { "Removals" }
                        a href="#repairs" { "Repairs" } a href="#sources" { "Sources" } a href="#lengths" { "Lengths" }
                        a href="#language" { "Language" } a href="#duplicates" { "Duplicates" }
                        @if stats.story.is_some() { a href="#stories" { "Stories" } }
                        a href="#examples" { "Examples" }
                    }
                }
                main {
                    (run_section(data))
                    (funnel_section(data)?)
                    (removals_section(data)?)
                    (repairs_section(data))
                    (sources_section(data))
                    (lengths_section(data)?)
                    (language_section(data)?)
                    (duplicates_section(data)?)
                    (stories_section(data)?)
                    (examples_section(data))
                }
                footer { p { "Written by ghirbal " (stats.ghirbal_version) " from " code { "stats.json" } " and "
                    code { "examples.json" } "; " code { "ghirbal report " (data.out) } " writes it again." } }
            }
        }
    };
    Ok(page.into_string())
}

fn run_section(data: &ReportData<'_>) -> Markup {
    let stats = data.stats;
    let c = &stats.conservation;
    let inputs = &data.observed.inputs;
    let knobs = data.config.map(changed_knobs).unwrap_or_default();
    let preset = data
        .config
        .map_or("unknown".to_owned(), |c| format!("{:?}", c.preset).to_lowercase());
    html! {
        section #run {
            h2 { "The run" }
            div.cards {
                div.card.ok[c.holds] .bad[!c.holds] {
                    span.big { (num(c.input)) " = " (num(c.kept)) " + " (num(c.removed)) }
                    span { "documents read = kept + removed" }
                    span.verdict { @if c.holds { "✓ every document accounted for" } @else { "✗ the books do not balance" } }
                }
                div.card {
                    span.big { (pct(c.kept, c.input)) }
                    span { "of documents kept" }
                    span.verdict { (mb(stats.totals.text_bytes_kept)) " of " (mb(stats.totals.text_bytes_in)) " of text" }
                }
                div.card {
                    span.big { (secs(data.wall_seconds)) }
                    span { "wall-clock time" }
                    span.verdict { (data.cpu_label) }
                }
                div.card {
                    span.big { (mb(stats.peak_rss_bytes)) }
                    span { "peak memory (the process that finished)" }
                }
            }
            div.scroll { table.kv {
                tr { th { "Inputs" } td {
                    (num(inputs.files)) " file(s), " (mb(inputs.bytes)) " on disk"
                    @if !inputs.first.is_empty() { ul.files { @for f in &inputs.first { li { code { (f) } } } } }
                    @if inputs.files > inputs.first.len() as u64 { span.muted { "… and " (num(inputs.files - inputs.first.len() as u64)) " more" } }
                } }
                @if stats.skipped_file_count > 0 {
                    tr { th { "Files not read" } td { (num(stats.skipped_file_count)) " (listed in " code { "stats.json" } ")" } }
                }
                @if !stats.input_problems.is_empty() {
                    tr { th { "Input problems" } td { ul { @for p in &stats.input_problems { li { code { (p.file) } ": " (p.message) } } } } }
                }
                tr { th { "Preset" } td { (preset) } }
                tr { th { "Settings changed from the preset" } td {
                    @if knobs.is_empty() { span.muted { "none" } }
                    @else { ul.knobs { @for (key, value, default) in &knobs {
                        li { code { (key) } " = " code { (value) } span.muted { " (preset: " (default) ")" } }
                    } } }
                } }
                tr { th { "Version" } td { "ghirbal " (stats.ghirbal_version) } }
            } }
        }
    }
}

fn funnel_section(data: &ReportData<'_>) -> Result<Markup, String> {
    let stats = data.stats;
    let mut labels = vec!["input".to_owned()];
    let mut docs = vec![stats.totals.docs_in];
    let mut bytes = vec![None];
    for (name, st) in &stats.stages.0 {
        labels.push(format!("after {name}"));
        docs.push(st.docs_kept);
        bytes.push(Some(st.bytes_out));
    }
    let chart = charts::bars(&labels, &docs, TEAL, "documents")?;
    Ok(html! {
        section #funnel {
            h2 { "Funnel" }
            p.lead { "Documents left after each stage, in pipeline order. Dedup decides over the whole corpus; its counts are those of the write step." }
            div.chart { (PreEscaped(chart)) }
            div.scroll { table {
                thead { tr { th { "Stage" } th.n { "Documents in" } th.n { "Removed" } th.n { "Edited" } th.n { "Left" } th.n { "Text left" } th.n { "CPU-s" } } }
                tbody {
                    @for (name, st) in &stats.stages.0 {
                        tr {
                            td { code { (name) } }
                            td.n { (num(st.docs_in)) }
                            td.n { (num(st.docs_removed)) }
                            td.n { (num(st.docs_modified)) }
                            td.n { (num(st.docs_kept)) " " span.muted { (pct(st.docs_kept, stats.totals.docs_in)) } }
                            td.n { (mb(st.bytes_out)) }
                            td.n { (format!("{:.2}", st.cpu_seconds)) }
                        }
                    }
                }
            } }
            @if bytes.len() > 1 { p.muted { "Text left is the UTF-8 size of the documents' text." } }
        }
    })
}

fn removals_section(data: &ReportData<'_>) -> Result<Markup, String> {
    let totals = &data.stats.totals;
    let mut reasons: Vec<(&String, &u64)> = totals.removed_by_reason.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let labels: Vec<String> = reasons.iter().map(|(r, _)| (*r).clone()).collect();
    let values: Vec<u64> = reasons.iter().map(|(_, n)| **n).collect();
    let chart = if reasons.is_empty() {
        None
    } else {
        Some(charts::bars(&labels, &values, ORANGE, "documents removed")?)
    };
    Ok(html! {
        section #removals {
            h2 { "Removals by reason" }
            @match chart {
                None => p.muted { "Nothing was removed." },
                Some(svg) => {
                    div.chart { (PreEscaped(svg)) }
                    div.scroll { table {
                        thead { tr { th { "Reason" } th.n { "Documents" } th.n { "Share of input" } th { "" } } }
                        tbody { @for (reason, n) in &reasons {
                            tr { td { code { (reason) } } td.n { (num(**n)) } td.n { (pct(**n, totals.docs_in)) }
                                 td { a href=(format!("#ex-{}", anchor(reason))) { "examples" } } }
                        } }
                    } }
                }
            }
        }
    })
}

fn repairs_section(data: &ReportData<'_>) -> Markup {
    let rows: &[RepairRow] = &data.repairs;
    html! {
        section #repairs {
            h2 { "Repairs by rule" }
            p.lead { "Edits made to documents that were kept in the scan: lines cut by " code { "clean" } " and characters rewritten by " code { "normalize" } ". Every edit is recorded in " code { "meta.ghirbal" } " and shown by " code { "ghirbal explain" } "." }
            @if rows.is_empty() { p.muted { "No document was edited." } }
            @else {
                div.scroll { table {
                    thead { tr { th { "Rule" } th.n { "Documents" } th.n { "Lines" } th.n { "Characters" } th { "" } } }
                    tbody { @for r in rows {
                        tr { td { code { (r.rule) } } td.n { (num(r.docs)) }
                             td.n { @match r.lines { Some(l) => (num(l)), None => span.muted { "—" } } }
                             td.n { (num(r.chars)) }
                             td { a href=(format!("#ex-{}", anchor(&r.rule))) { "examples" } } }
                    } }
                } }
            }
        }
    }
}

fn sources_section(data: &ReportData<'_>) -> Markup {
    let mut rows: Vec<(&String, &crate::stats::observe::SourceCounts)> =
        data.observed.observed.sources.iter().collect();
    rows.sort_by(|a, b| {
        (a.0 == OTHER_SOURCES)
            .cmp(&(b.0 == OTHER_SOURCES))
            .then(b.1.docs.cmp(&a.1.docs))
            .then_with(|| a.0.cmp(b.0))
    });
    let hidden = rows.len().saturating_sub(SOURCE_ROWS);
    html! {
        section #sources {
            h2 { "Sources" }
            p.lead { "A source is the document's " code { "[clean] site_field" } " (" code { "source" } " by default), else the host of its " code { "url" } ", else its input file." }
            div.scroll { table {
                thead { tr { th { "Source" } th.n { "Documents" } th.n { "Kept" } th.n { "Removed" } th.n { "Repaired" } th { "Top reasons" } } }
                tbody { @for (name, s) in rows.iter().take(SOURCE_ROWS) {
                    @let removed = s.removed_total();
                    tr {
                        td { bdi { (name) } }
                        td.n { (num(s.docs)) }
                        td.n { (pct(s.docs.saturating_sub(removed), s.docs)) }
                        td.n { (pct(removed, s.docs)) }
                        td.n { (pct(s.repaired, s.docs)) }
                        td { (top_reasons(&s.removed)) }
                    }
                } }
            } }
            @if hidden > 0 { p.muted { (num(hidden as u64)) " smaller sources not shown (all are in " code { "stats.json" } ")." } }
        }
    }
}

fn top_reasons(removed: &std::collections::BTreeMap<String, u64>) -> Markup {
    let mut v: Vec<(&String, &u64)> = removed.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    html! { @for (i, (reason, n)) in v.iter().take(3).enumerate() {
        @if i > 0 { ", " } code { (reason) } " " (num(**n))
    } }
}

fn bin_labels(h: &Histogram, decimals: bool) -> Vec<String> {
    h.edges
        .iter()
        .enumerate()
        .map(|(i, lo)| match (h.edges.get(i + 1), decimals) {
            (_, true) => format!("{lo:.2}"),
            (Some(hi), false) if *hi - *lo <= 1.0 => short(*lo),
            (Some(hi), false) if *hi < 1000.0 => format!("{lo}–{}", hi - 1.0),
            (Some(hi), false) => format!("{}–{}", short(*lo), short(*hi)),
            (None, false) => format!("{}+", short(*lo)),
        })
        .collect()
}

/// 1200 → "1.2k", 20000 → "20k".
fn short(v: f64) -> String {
    if v >= 1000.0 {
        let k = v / 1000.0;
        if k.fract() == 0.0 {
            format!("{k}k")
        } else {
            format!("{k:.1}k")
        }
    } else {
        format!("{v}")
    }
}

fn lengths_section(data: &ReportData<'_>) -> Result<Markup, String> {
    let o = &data.observed.observed;
    let series = [
        Series {
            name: "as read",
            values: &o.words_read.counts,
            color: ORANGE,
        },
        Series {
            name: "kept",
            values: &o.words_kept.counts,
            color: TEAL,
        },
    ];
    let chart = charts::columns(
        &bin_labels(&o.words_read, false),
        &series,
        "words per document",
        "documents",
        None,
    )?;
    Ok(html! {
        section #lengths {
            h2 { "Lengths" }
            p.lead { "Words per document (runs between spaces) as read, and as written to " code { "kept/" } " after repairs and removals." }
            div.chart { (PreEscaped(chart)) }
        }
    })
}

fn language_section(data: &ReportData<'_>) -> Result<Markup, String> {
    let hist = data
        .stats
        .stages
        .0
        .iter()
        .find(|(name, _)| name == "filter.language")
        .and_then(|(_, st)| st.histograms.get("score"));
    let Some(hist) = hist else {
        return Ok(html! { section #language { h2 { "Language" } p.muted { "The language filter did not run." } } });
    };
    let threshold = data.config.map(|c| c.filter.language.min_score);
    let marker = threshold.map(|t| Marker {
        at: t * 20.0,
        label: format!("min_score {t}"),
    });
    let series = [Series {
        name: "documents",
        values: &hist.counts,
        color: TEAL,
    }];
    let chart = charts::columns(&bin_labels(hist, true), &series, "language score", "documents", marker)?;
    Ok(html! {
        section #language {
            h2 { "Language" }
            p.lead { "The score the language filter compared with its threshold (the wanted label's score), one per document it saw." }
            div.chart { (PreEscaped(chart)) }
        }
    })
}

fn duplicates_section(data: &ReportData<'_>) -> Result<Markup, String> {
    let o = &data.observed.observed;
    let threshold = data.config.map(|c| c.dedup.near.threshold);
    let exact = sized_chart(&o.exact_groups, "groups", "documents in the group", "exact groups")?;
    let near = sized_chart(
        &o.near_clusters,
        "clusters",
        "documents in the cluster",
        "near clusters",
    )?;
    let similarity = if o.near_similarity.total() == 0 {
        None
    } else {
        Some(charts::columns(
            &bin_labels(&o.near_similarity, true),
            &[Series {
                name: "duplicates",
                values: &o.near_similarity.counts,
                color: ORANGE,
            }],
            "similarity to the keeper",
            "near duplicates",
            threshold.map(|t| Marker {
                at: t * 20.0,
                label: format!("threshold {t}"),
            }),
        )?)
    };
    Ok(html! {
        section #duplicates {
            h2 { "Duplicates" }
            (figure("Exact duplicate groups by size", o.exact_groups.total(), "groups", exact))
            (figure("Near-duplicate clusters by size", o.near_clusters.total(), "clusters", near))
            (figure("Verified similarity of each near duplicate to its keeper", o.near_similarity.total(), "documents", similarity))
        }
    })
}

/// Stories (the `story` stage): their sizes, and the largest with their sources.
fn stories_section(data: &ReportData<'_>) -> Result<Markup, String> {
    let Some(st) = &data.stats.story else {
        return Ok(html! {});
    };
    let mut sizes = Histogram::sizes();
    for (size, n) in &st.sizes {
        sizes.add_n(f64::from(*size), *n);
    }
    let chart = sized_chart(&sizes, "stories", "documents in the story", "stories")?;
    Ok(html! {
        section #stories {
            h2 { "Stories" }
            p { (num(st.docs)) " kept documents in " (num(st.stories)) " stories; " (num(st.shared_stories))
                " told by two documents or more (" (num(st.docs_in_shared_stories)) " documents), "
                (num(st.multi_source_stories)) " by two sources or more. " (num(st.docs_with_related))
                " documents list related ones (another event of the same topic)." }
            (figure("Stories by size", st.stories, "stories", chart))
            @if !st.largest.is_empty() {
                div.scroll {
                    table.stories {
                        thead { tr { th { "story (its first document)" } th.n { "documents" } th { "sources" } } }
                        tbody {
                            @for (id, size, sources) in &st.largest {
                                tr { td { code { (id) } } td.n { (num(u64::from(*size))) } td { (sources.join(", ")) } }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// Columns of a size histogram, or nothing when it is empty.
fn sized_chart(h: &Histogram, name: &str, x: &str, y: &str) -> Result<Option<String>, String> {
    if h.total() == 0 {
        return Ok(None);
    }
    let series = [Series {
        name,
        values: &h.counts,
        color: TEAL,
    }];
    charts::columns(&bin_labels(h, false), &series, x, y, None).map(Some)
}

fn figure(caption: &str, n: u64, unit: &str, chart: Option<String>) -> Markup {
    html! {
        figure {
            figcaption { (caption) ": " (num(n)) " " (unit) }
            @match chart {
                Some(svg) => div.chart { (PreEscaped(svg)) },
                None => p.muted { "None in this run." },
            }
        }
    }
}

fn examples_section(data: &ReportData<'_>) -> Markup {
    let mut keys: Vec<(&String, u64)> = data
        .stats
        .totals
        .removed_by_reason
        .iter()
        .map(|(k, n)| (k, *n))
        .collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let repairs: Vec<(&String, u64)> = data.repairs.iter().map(|r| (&r.rule, r.docs)).collect();
    html! {
        section #examples {
            h2 { "Examples" }
            p.lead { "Up to five documents per reason and per repair rule, chosen by a hash of their id (the same ones at any thread count). Each names the command that shows it whole." }
            @for (i, (key, n)) in keys.iter().chain(repairs.iter()).enumerate() {
                @let list = data.examples.0.get(*key);
                // The first group is open, so that the page shows what an example looks like; the others
                // open with a click (or a link from the tables above).
                details.group id=(format!("ex-{}", anchor(key))) open[i == 0] {
                    summary { code { (key) } " " span.muted { (num(*n)) " document(s) · " (list.map_or(0, Vec::len)) " example(s)" } }
                    @match list {
                        None => p.muted { "No example was recorded." },
                        Some(list) => { @for ex in list { (example(&data.out, ex)) } }
                    }
                }
            }
        }
    }
}

fn example(out: &str, ex: &Example) -> Markup {
    let (excerpt, cut_short) = cut(&ex.excerpt, EXCERPT_CHARS);
    html! {
        article.example {
            div.meta {
                code.id { (ex.id) }
                span.muted { " · " bdi { (ex.source) } }
            }
            @if !ex.evidence.is_empty() || ex.duplicate_of.is_some() {
                dl.evidence {
                    @if let Some(keeper) = &ex.duplicate_of { dt { "duplicate of" } dd { code { (keeper) } } }
                    @if let Some(sim) = ex.similarity { dt { "similarity" } dd { (format!("{sim:.3}")) } }
                    @for (k, v) in &ex.evidence { dt { (k) } dd { (value_text(v)) } }
                }
            }
            @if !ex.cut.is_empty() {
                p.label { "cut:" }
                div.cut dir="rtl" lang="ar" { @for line in &ex.cut { del dir="auto" { (line) } } }
            }
            @if !excerpt.is_empty() {
                p.label { @if ex.cut.is_empty() { "text:" } @else { "text kept:" } }
                p.text dir="auto" lang="ar" { (excerpt) @if cut_short { "…" } }
            }
            pre.cmd { "ghirbal explain " (shell_quote(out)) " " (shell_quote(&ex.id)) }
        }
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The first `max` characters, and whether more followed.
fn cut(text: &str, max: usize) -> (&str, bool) {
    match text.char_indices().nth(max) {
        Some((at, _)) => (&text[..at], true),
        None => (text, false),
    }
}

/// A word as a shell reads it: bare when it is plain, else in single quotes.
fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || "-_./:=@%+,".contains(c)) {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A fragment id from a reason or rule code.
fn anchor(code: &str) -> String {
    code.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn num(n: u64) -> String {
    charts::thousands(n as f64)
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".into();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if p > 0.0 && p < 0.1 {
        "<0.1%".into()
    } else {
        format!("{p:.1}%")
    }
}

fn mb(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.1} kB", b / 1e3)
    }
}

fn secs(s: f64) -> String {
    if s >= 120.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{s:.2} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_quote("out/run1"), "out/run1");
        assert_eq!(shell_quote("saudinewsnet/2015-07-21/0"), "saudinewsnet/2015-07-21/0");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn excerpts_are_cut_on_characters() {
        assert_eq!(cut("مرحبا", 3), ("مرح", true));
        assert_eq!(cut("abc", 3), ("abc", false));
    }

    #[test]
    fn bins_read_as_ranges() {
        let labels = bin_labels(&Histogram::words(), false);
        assert_eq!(labels[0], "0–9");
        assert_eq!(labels[8], "2k–5k", "{labels:?}");
        assert_eq!(labels.last().expect("present"), "20k+");
        let sizes = bin_labels(&Histogram::sizes(), false);
        assert_eq!(&sizes[..4], ["2", "3", "4", "5–9"]);
    }
}
