//! `clean`: repairs that edit a document instead of dropping it, each recorded.
//!
//! A document of one line (a post, a tweet, a headline) is its own content: `clean` leaves it to the
//! filters. Otherwise, in order: separator lines (`>`, `***`, `.`, `|`: punctuation and symbols only, no
//! letter, digit or emoji) become paragraph breaks, but in verse and wrapped text, where they mark stanzas
//! or a lost hemistich, they stay; self-contained lines
//! the document's site repeats on many of its pages (found across the corpus by `scan` and `lines-count`) dropped
//! ([`site`]); boilerplate lines dropped and link tails cut ([`boilerplate`]); copies of lines the
//! document already holds dropped ([`repetition`]); a leading block of a site's menu dropped ([`leading`]);
//! a trailing block of related headlines dropped
//! ([`trailing`]); a trailing run of other stories' leads dropped ([`site`]). Lines are compared on their
//! key form. Whether a line may go at all depends on the document's [`shape`]: wrapped text, the opening.
//! Blank lines that end up next to each other are merged. A document with no text left is removed with
//! `clean.empty`. Every removed line is recorded with its rule in `meta.ghirbal.clean` ([`edits`]).

pub mod boilerplate;
pub mod edits;
mod leading;
mod marks;
mod repetition;
pub(crate) mod shape;
mod site;
pub mod site_table;
mod trailing;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use edits::Edit;
pub use edits::{Record, Rule};
use marks::Marks;

use crate::normalize::{fold_lines_into, output, KeySpec};
use crate::{Document, Outcome, Reason, Removal, Stage, StageCx};
use site_table::SiteLines;

/// Nothing left after cleaning (or nothing there to begin with).
pub const EMPTY: Reason = Reason::new("clean", "clean.empty");

/// `[clean]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CleanConfig {
    /// Drop lines with no letter or digit (separators such as `>`, `***`, `.`).
    pub symbol_lines: bool,
    /// Drop copies of lines the document already holds (its body twice, a doubled title or paragraph).
    pub repeated_lines: bool,
    /// Drop boilerplate lines.
    pub boilerplate: bool,
    /// Extra boilerplate rules, in the syntax of `boilerplate_ar.txt` (`^ phrase`, `= phrase`, `~ phrase`,
    /// `| phrase`, `> phrase`).
    pub extra_boilerplate: Vec<String>,
    /// Drop a leading block of a site's navigation (menu items, a breadcrumb) before an article.
    pub leading_menu: bool,
    /// Drop a trailing block of related headlines.
    pub trailing_headlines: bool,
    /// Drop self-contained lines that recur in at least this many documents of one site, across the corpus
    /// (0: off).
    pub site_lines_min_docs: u32,
    /// Drop a trailing run of other stories' leads found in other documents of the same site.
    pub related_stories: bool,
    /// The meta field naming a document's site (absent: the host of `url`; neither: no site, and the
    /// site-wide rules do not apply).
    pub site_field: String,
    /// What `meta.ghirbal.clean` records: every removed line with its rule (`lines`) or the counts only.
    pub record: Record,
}

impl Default for CleanConfig {
    fn default() -> CleanConfig {
        CleanConfig {
            symbol_lines: true,
            repeated_lines: true,
            boilerplate: true,
            extra_boilerplate: Vec::new(),
            leading_menu: true,
            trailing_headlines: true,
            site_lines_min_docs: 10,
            related_stories: true,
            site_field: "source".into(),
            record: Record::Lines,
        }
    }
}

impl CleanConfig {
    /// True when a rule needs the site tables (`lines-count`).
    pub fn needs_site_tables(&self) -> bool {
        self.site_lines_min_docs > 0 || self.related_stories
    }
}

/// The stage.
#[derive(Debug)]
pub struct Clean {
    cfg: CleanConfig,
    boilerplate: boilerplate::Boilerplate,
    key: KeySpec,
    site_lines: Option<Arc<SiteLines>>,
}

impl Clean {
    /// Builds the stage; fails on a malformed extra boilerplate rule. `site_lines` is the corpus-wide table
    /// of lines sites repeat (`scan` and `lines-count` build it), if any.
    pub fn from_config(cfg: &CleanConfig, key: KeySpec, site_lines: Option<Arc<SiteLines>>) -> Result<Clean, String> {
        Ok(Clean {
            cfg: cfg.clone(),
            boilerplate: boilerplate::Boilerplate::new(&cfg.extra_boilerplate)?,
            key,
            site_lines,
        })
    }

    /// Runs the rules over one document's lines.
    fn mark(&self, m: &mut Marks<'_>, site: Option<u64>) {
        // The shape and the verse test are asked only by rules that find a candidate line.
        let (lines, keys) = (m.lines, m.keys);
        let shape_cache = std::cell::OnceCell::new();
        let shape = || shape_cache.get_or_init(|| shape::Shape::of(lines, keys));
        let verse_cache = std::cell::OnceCell::new();
        let verse = || *verse_cache.get_or_init(|| crate::text::looks_like_verse(&lines.join("\n")));
        if (0..lines.len())
            .filter(|&i| !lines[i].trim().is_empty())
            .nth(1)
            .is_none()
        {
            return;
        }
        // A lone «.» under a line that does not end its sentence is that sentence's end, split off.
        let sentence_end = |i: usize| {
            matches!(lines[i].trim(), "." | "؟" | "?" | "!" | "…")
                && i > 0
                && !lines[i - 1].trim().is_empty()
                && shape::end_of(lines[i - 1]) != shape::End::Sentence
        };
        let symbol_line = |i: usize| keys[i].is_empty() && separator(lines[i]) && !sentence_end(i);
        // In verse and wrapped text a line of symbols is layout: a stanza break, a lacuna mark for a lost
        // hemistich.
        if self.cfg.symbol_lines && (0..lines.len()).any(symbol_line) && !shape().wrapped && !verse() {
            for i in (0..lines.len()).filter(|&i| symbol_line(i)) {
                m.break_at(i, Rule::SymbolLines);
            }
        }
        let tables = self.site_lines.as_deref().zip(site);
        if let Some((table, site)) = tables.filter(|_| self.cfg.site_lines_min_docs > 0) {
            site::mark_site_lines(m, shape, table, site);
        }
        let mut teaser = false;
        if self.cfg.boilerplate {
            teaser = self.boilerplate.mark(m);
        }
        if self.cfg.repeated_lines {
            repetition::mark(m, verse);
        }
        if self.cfg.leading_menu {
            leading::mark(m, verse);
        }
        if self.cfg.trailing_headlines {
            trailing::mark(m, teaser, verse);
        }
        if let Some((table, site)) = tables.filter(|_| self.cfg.related_stories) {
            site::mark_related(m, shape, table, site, verse);
        }
    }

    /// The document's site, when the site-wide rules are on and it has one.
    fn site(&self, doc: &Document) -> Option<u64> {
        self.site_lines
            .as_ref()
            .and_then(|_| site_table::site_of(doc, &self.cfg.site_field))
    }
}

impl Stage for Clean {
    fn name(&self) -> &'static str {
        "clean"
    }

    fn reasons(&self) -> &'static [Reason] {
        &[EMPTY]
    }

    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome {
        if doc.text.trim().is_empty() {
            return Outcome::Remove(Removal::new(EMPTY).with("chars_before", doc.text.chars().count()));
        }
        let site = self.site(doc);
        let lines: Vec<&str> = crate::text::split_lines(&doc.text).collect();
        let (edits, text) = if self.key.normalized {
            // The document's analysis form keeps its lines, so line keys are slices of it, and the filters
            // after `clean` reuse it when nothing is dropped.
            let key = doc.analysis.key(&doc.text, self.key);
            let keys: Vec<&str> = crate::text::split_lines(key).collect();
            self.repair(&lines, &keys, site)
        } else {
            let owned: Vec<String> = lines.iter().map(|l| line_key(l, self.key)).collect();
            let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
            self.repair(&lines, &keys, site)
        };
        if edits.is_empty() {
            return Outcome::Keep;
        }
        let removed_chars = doc.text.chars().count() - text.chars().count();
        doc.annotations.insert(
            "clean".into(),
            edits::to_json(&edits, &lines, removed_chars, self.cfg.record),
        );
        let counts = edits::counts(&edits);
        if text.is_empty() {
            let mut removal = Removal::new(EMPTY);
            for (rule, n) in Rule::ALL.iter().zip(counts) {
                removal = removal.with(rule.count_key(), n);
            }
            return Outcome::Remove(removal);
        }
        let chars = edits::chars_by_rule(&edits, &lines);
        for ((rule, n), c) in Rule::ALL.iter().zip(counts).zip(chars) {
            if n > 0 {
                cx.metric(rule.metric(), n as f64);
                cx.repair(rule.name(), Some(n as u64), c);
            }
        }
        cx.metric("chars_removed", removed_chars as f64);
        doc.replace_text(text);
        Outcome::Modified
    }
}

impl Clean {
    /// The edits and the repaired text of one document.
    fn repair(&self, lines: &[&str], keys: &[&str], site: Option<u64>) -> (Vec<Edit>, String) {
        let mut m = Marks::new(lines, keys);
        self.mark(&mut m, site);
        let text = if m.edits.is_empty() { String::new() } else { m.rebuild() };
        (m.edits, text)
    }
}

/// A separator line: something visible, and nothing but punctuation and math or modifier symbols (`***`,
/// `>`, `|`, `--`, `.`). An emoji or a currency sign is not a separator: a line of emoji is a chat message.
fn separator(line: &str) -> bool {
    use unicode_properties::{GeneralCategory as G, GeneralCategoryGroup, UnicodeGeneralCategory};
    !line.trim().is_empty()
        && line.chars().all(|c| {
            c.is_whitespace()
                || c.general_category_group() == GeneralCategoryGroup::Punctuation
                || matches!(c.general_category(), G::MathSymbol | G::ModifierSymbol | G::Format)
        })
}

/// The analysis form of one line of text not yet in the output profile (its digits kept, as in
/// [`fold_lines_into`]).
fn line_key(line: &str, spec: KeySpec) -> String {
    let mut key = String::new();
    fold_lines_into(&output(line), &spec.opts, &mut key);
    key.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::memory_origin;
    use crate::Ordinal;

    fn clean(text: &str) -> (Outcome, String) {
        let stage = Clean::from_config(&CleanConfig::default(), KeySpec::default(), None).expect("stage");
        let mut doc = Document::new("d", text, Ordinal(0), memory_origin(1));
        let outcome = stage.process(&mut doc, &mut StageCx::default());
        (outcome, doc.text)
    }

    #[test]
    fn repairs_and_keeps_paragraph_breaks() {
        let p = "وأضاف أن العمل مستمر في المدن الثلاث حتى نهاية العام المقبل.";
        let (o, t) = clean(&format!(
            "عنوان\n\nقال الوزير إن المشروع بدأ.\nاقرأ أيضا: خبر آخر\n>\n\n{p}\n* * *\n{p}"
        ));
        assert!(matches!(o, Outcome::Modified));
        assert_eq!(t, format!("عنوان\n\nقال الوزير إن المشروع بدأ.\n\n{p}"));
        // A separator between paragraphs becomes a paragraph break; a line of emoji is a message.
        let (_, t) = clean("قال الوزير كذا.\n* * *\nوأضاف كذا.\n😂😂😂");
        assert_eq!(t, "قال الوزير كذا.\n\nوأضاف كذا.\n😂😂😂");
        // A full stop split off its sentence is the sentence's end, not a separator.
        assert!(matches!(
            clean("قال الوزير كذا.\nوأضاف أن صيته ذاع في أوروبا\n.").0,
            Outcome::Keep
        ));
    }

    #[test]
    fn empty_documents_are_removed() {
        assert!(matches!(clean("  \n\n ").0, Outcome::Remove(r) if r.reason == EMPTY));
        let (o, _) = clean("اقرأ أيضا: خبر\nتابعونا على تويتر");
        assert!(matches!(o, Outcome::Remove(r) if r.reason == EMPTY && r.detail["boilerplate_lines"] == 2));
        assert!(matches!(clean("نص عادي بلا شيء يزال.").0, Outcome::Keep));
        // A document of one line is its own content, whatever it says.
        assert!(matches!(
            clean("تابعونا على صدى البلد برنامج شباب البلد حالا").0,
            Outcome::Keep
        ));
        assert!(matches!(clean("\n🖐 🖐 😝\n").0, Outcome::Keep));
    }
}
