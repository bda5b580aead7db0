//! What `clean` removed, line by line: the record written to `meta.ghirbal.clean` and read back by
//! `ghirbal explain`. A repair that changes what a text says is worse than a removal, so no line leaves a
//! document without a record naming the rule that took it.
//!
//! The record of a document (with `[clean] record = "lines"`, the default):
//! ```json
//! {"boilerplate_lines": 1, "trailing_lines": 1, "chars_removed": 112,
//!  "removed": [{"rule": "clean.boilerplate", "line": 8, "text": "اقرأ أيضا : …"},
//!              {"rule": "clean.trailing_lines", "line": 14, "text": "روسيا تسحب …"}]}
//! ```
//! `line` is 1-based, in the text `clean` received (after `normalize`); `text` is what was removed, as it
//! stood there. When only the end of a line was cut, `from` is the character offset where the cut began.
//! With `record = "counts"` only the counts are written.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The rules of `clean`, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// A line with no letter or digit (`>`, `* * *`, `|`).
    SymbolLines,
    /// A self-contained line its site repeats on many pages.
    SiteLines,
    /// A copy of lines the document already holds (its body twice, a doubled paragraph).
    RepeatedLines,
    /// A teaser, share bar, copyright footer or other boilerplate line (or the tail of one).
    Boilerplate,
    /// A leading block of a site's navigation (menu items, a breadcrumb).
    LeadingLines,
    /// A trailing block of related headlines.
    TrailingLines,
    /// A trailing run of leads of other stories of the same site.
    RelatedStories,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 7] = [
        Rule::SymbolLines,
        Rule::SiteLines,
        Rule::RepeatedLines,
        Rule::Boilerplate,
        Rule::LeadingLines,
        Rule::TrailingLines,
        Rule::RelatedStories,
    ];

    /// The rule's name in records: `clean.<rule>`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::SymbolLines => "clean.symbol_lines",
            Rule::SiteLines => "clean.site_lines",
            Rule::RepeatedLines => "clean.repeated_lines",
            Rule::Boilerplate => "clean.boilerplate",
            Rule::LeadingLines => "clean.leading_lines",
            Rule::TrailingLines => "clean.trailing_lines",
            Rule::RelatedStories => "clean.related_stories",
        }
    }

    /// The key counting its lines in `meta.ghirbal.clean` and in a `clean.empty` removal's detail.
    pub fn count_key(self) -> &'static str {
        match self {
            Rule::SymbolLines => "symbol_lines",
            Rule::SiteLines => "site_lines",
            Rule::RepeatedLines => "repeated_lines",
            Rule::Boilerplate => "boilerplate_lines",
            Rule::LeadingLines => "leading_lines",
            Rule::TrailingLines => "trailing_lines",
            Rule::RelatedStories => "related_stories_lines",
        }
    }

    /// The stage metric summing its lines.
    pub(super) fn metric(self) -> &'static str {
        match self {
            Rule::SymbolLines => "symbol_lines_removed",
            Rule::SiteLines => "site_lines_removed",
            Rule::RepeatedLines => "repeated_lines_removed",
            Rule::Boilerplate => "boilerplate_lines_removed",
            Rule::LeadingLines => "leading_lines_removed",
            Rule::TrailingLines => "trailing_lines_removed",
            Rule::RelatedStories => "related_stories_lines_removed",
        }
    }
}

/// How much of each repair `meta.ghirbal.clean` records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Record {
    /// Every removed line (or line end) with its rule and place, and the counts.
    #[default]
    Lines,
    /// The counts only.
    Counts,
}

/// One removal: from byte `from` of line `line` (0-based) to the end of that line; `from` 0 is the whole line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Edit {
    pub rule: Rule,
    pub line: usize,
    pub from: usize,
}

/// Lines removed per rule.
pub(super) fn counts(edits: &[Edit]) -> [usize; Rule::ALL.len()] {
    let mut n = [0; Rule::ALL.len()];
    for e in edits {
        n[Rule::ALL.iter().position(|r| *r == e.rule).unwrap_or(0)] += 1;
    }
    n
}

/// Characters removed per rule (a cut line's text; the line breaks and merged blank lines are not counted).
pub(super) fn chars_by_rule(edits: &[Edit], lines: &[&str]) -> [u64; Rule::ALL.len()] {
    let mut n = [0; Rule::ALL.len()];
    for e in edits {
        let text = lines.get(e.line).and_then(|l| l.get(e.from..)).unwrap_or_default();
        n[Rule::ALL.iter().position(|r| *r == e.rule).unwrap_or(0)] += text.chars().count() as u64;
    }
    n
}

/// The `meta.ghirbal.clean` object: non-zero counts, characters removed and, with [`Record::Lines`], each
/// removal in line order. `lines` are the document's lines as `clean` received them.
pub(super) fn to_json(edits: &[Edit], lines: &[&str], chars_removed: usize, record: Record) -> Value {
    let mut out = Map::new();
    for (rule, n) in Rule::ALL.iter().zip(counts(edits)) {
        if n > 0 {
            out.insert(rule.count_key().into(), n.into());
        }
    }
    out.insert("chars_removed".into(), chars_removed.into());
    if record == Record::Lines {
        let mut sorted = edits.to_vec();
        sorted.sort_by_key(|e| (e.line, e.from));
        let removed: Vec<Value> = sorted
            .iter()
            .map(|e| {
                let line = lines[e.line];
                let mut m = Map::new();
                m.insert("rule".into(), e.rule.name().into());
                m.insert("line".into(), (e.line + 1).into());
                if e.from > 0 {
                    m.insert("from".into(), line[..e.from].chars().count().into());
                }
                m.insert("text".into(), line[e.from..].into());
                Value::Object(m)
            })
            .collect();
        out.insert("removed".into(), removed.into());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_name_the_rule_the_line_and_the_text() {
        let lines = ["عنوان", "اقرأ أيضا: خبر", "نص. رابط الخبر: عنوان"];
        let edits = [
            Edit {
                rule: Rule::Boilerplate,
                line: 2,
                from: "نص. ".len(),
            },
            Edit {
                rule: Rule::Boilerplate,
                line: 1,
                from: 0,
            },
        ];
        let v = to_json(&edits, &lines, 30, Record::Lines);
        assert_eq!(v["boilerplate_lines"], 2);
        assert_eq!(v["chars_removed"], 30);
        assert_eq!(v["removed"][0]["line"], 2, "in line order, 1-based");
        assert_eq!(v["removed"][0]["text"], "اقرأ أيضا: خبر");
        assert_eq!(v["removed"][1]["rule"], "clean.boilerplate");
        assert_eq!(v["removed"][1]["from"], 4, "a character offset");
        assert_eq!(v["removed"][1]["text"], "رابط الخبر: عنوان");
        let counts = to_json(&edits, &lines, 30, Record::Counts);
        assert!(counts.get("removed").is_none());
        assert_eq!(counts["boilerplate_lines"], 2);
    }
}
