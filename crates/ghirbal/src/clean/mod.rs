//! `clean`: repairs that edit a document instead of dropping it, each counted.
//!
//! In order: lines of symbols only (`>`, `*`, `.`, `|` — no letter or digit) dropped; lines the document's
//! site repeats on many of its pages (found across the corpus by the `lines` phase) dropped; repeated
//! lines/paragraphs dropped after their first copy ([`repetition`]); boilerplate lines dropped
//! ([`boilerplate`]); a trailing block of related headlines dropped ([`trailing`]). Lines are compared
//! on their key form. Blank lines that end up next to each other are merged. A document with no text left is
//! removed with `clean.empty`. What was removed is counted in `meta.ghirbal.clean`.

pub mod boilerplate;
mod repetition;
mod trailing;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::normalize::{key_with, KeySpec};
use crate::pipeline::lines::SiteLines;
use crate::{Document, Outcome, Reason, Removal, Stage, StageCx};

/// Nothing left after cleaning (or nothing there to begin with).
pub const EMPTY: Reason = Reason::new("clean", "clean.empty");

/// `[clean]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CleanConfig {
    /// Drop lines with no letter or digit (separators such as `>`, `***`, `.`).
    pub symbol_lines: bool,
    /// Drop repeated lines and paragraphs after their first copy.
    pub repeated_lines: bool,
    /// Drop boilerplate lines.
    pub boilerplate: bool,
    /// Extra boilerplate rules, in the syntax of `boilerplate_ar.txt` (`^ phrase`, `= phrase`, `~ phrase`).
    pub extra_boilerplate: Vec<String>,
    /// Drop a trailing block of related headlines.
    pub trailing_headlines: bool,
    /// Drop lines that recur in at least this many documents of one site, across the corpus (0: off).
    pub site_lines_min_docs: u32,
    /// The meta field naming a document's site (absent: the host of `url`).
    pub site_field: String,
}

impl Default for CleanConfig {
    fn default() -> CleanConfig {
        CleanConfig {
            symbol_lines: true,
            repeated_lines: true,
            boilerplate: true,
            extra_boilerplate: Vec::new(),
            trailing_headlines: true,
            site_lines_min_docs: 10,
            site_field: "source".into(),
        }
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
    /// of lines sites repeat (the `lines` phase computes it), if any.
    pub fn from_config(cfg: &CleanConfig, key: KeySpec, site_lines: Option<Arc<SiteLines>>) -> Result<Clean, String> {
        Ok(Clean {
            cfg: cfg.clone(),
            boilerplate: boilerplate::Boilerplate::new(&cfg.extra_boilerplate)?,
            key,
            site_lines,
        })
    }

    /// Marks what to drop; returns (symbol-only, site, repeated, boilerplate, trailing) line counts.
    fn mark(&self, lines: &mut [&str], keys: &[&str], keep: &mut [bool], site: u64) -> [usize; 5] {
        let mut symbols = 0;
        if self.cfg.symbol_lines {
            for ((line, key), keep) in lines.iter().zip(keys).zip(keep.iter_mut()) {
                if key.is_empty() && !line.trim().is_empty() {
                    *keep = false;
                    symbols += 1;
                }
            }
        }
        let mut site_lines = 0;
        if let Some(table) = &self.site_lines {
            for (key, keep) in keys.iter().zip(keep.iter_mut()) {
                if *keep && table.contains(site, key) {
                    *keep = false;
                    site_lines += 1;
                }
            }
        }
        let repeated = if self.cfg.repeated_lines {
            let mut trial = keep.to_vec();
            let mut n = repetition::mark(keys, &mut trial, 3);
            // A poem or song repeats its refrain on purpose: there only long lines (paragraphs) count. Asked
            // only of the few documents with a repeated line.
            if n > 0 && crate::text::looks_like_verse(&lines.join("\n")) {
                trial.copy_from_slice(keep);
                n = repetition::mark(keys, &mut trial, 10);
            }
            keep.copy_from_slice(&trial);
            n
        } else {
            0
        };
        let (mut boiler, teaser) = if self.cfg.boilerplate {
            self.boilerplate.mark(lines, keys, keep)
        } else {
            (0, false)
        };
        if self.cfg.boilerplate {
            for i in (0..lines.len()).filter(|i| keep[*i]) {
                if let Some(cut) = self.boilerplate.tail_cut(lines[i], keys[i]) {
                    lines[i] = lines[i][..cut].trim_end();
                    boiler += 1;
                }
            }
        }
        let trailing = if self.cfg.trailing_headlines {
            trailing::mark(lines, keep, teaser)
        } else {
            0
        };
        [symbols, site_lines, repeated, boiler, trailing]
    }
}

/// Joins the kept lines, merging blank lines that have become adjacent and trimming blank ends.
fn rebuild(lines: &[&str], keep: &[bool]) -> String {
    let mut out = String::new();
    let mut blank_pending = false;
    for (line, _) in lines.iter().zip(keep).filter(|(_, k)| **k) {
        if line.trim().is_empty() {
            blank_pending = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_pending { "\n\n" } else { "\n" });
        }
        out.push_str(line);
        blank_pending = false;
    }
    out
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
        let mut lines: Vec<&str> = doc.text.split('\n').collect();
        let mut keep = vec![true; lines.len()];
        let site = match &self.site_lines {
            Some(_) => crate::pipeline::lines::site_of(doc, &self.cfg.site_field),
            None => 0,
        };
        let [symbols, site_lines, repeated, boiler, trailing] = if self.key.normalized {
            // The document's key keeps its lines, so line keys are slices of it, and the filters after
            // `clean` reuse it when nothing is dropped.
            let key = doc.analysis.key(&doc.text, self.key);
            let keys: Vec<&str> = key.split('\n').collect();
            self.mark(&mut lines, &keys, &mut keep, site)
        } else {
            let owned: Vec<String> = lines.iter().map(|l| key_with(l, &self.key.opts)).collect();
            let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
            self.mark(&mut lines, &keys, &mut keep, site)
        };
        if symbols + site_lines + repeated + boiler + trailing == 0 {
            return Outcome::Keep;
        }
        let text = rebuild(&lines, &keep);
        let removed_chars = doc.text.chars().count() - text.chars().count();
        if text.is_empty() {
            return Outcome::Remove(
                Removal::new(EMPTY)
                    .with("symbol_lines", symbols)
                    .with("site_lines", site_lines)
                    .with("repeated_lines", repeated)
                    .with("boilerplate_lines", boiler)
                    .with("trailing_lines", trailing),
            );
        }
        for (name, n) in [
            ("symbol_lines_removed", symbols),
            ("site_lines_removed", site_lines),
            ("repeated_lines_removed", repeated),
            ("boilerplate_lines_removed", boiler),
            ("trailing_lines_removed", trailing),
        ] {
            if n > 0 {
                cx.metric(name, n as f64);
            }
        }
        cx.metric("chars_removed", removed_chars as f64);
        let mut counts = serde_json::Map::new();
        for (name, n) in [
            ("symbol_lines", symbols),
            ("site_lines", site_lines),
            ("repeated_lines", repeated),
            ("boilerplate_lines", boiler),
            ("trailing_lines", trailing),
        ] {
            if n > 0 {
                counts.insert(name.into(), n.into());
            }
        }
        counts.insert("chars_removed".into(), removed_chars.into());
        doc.annotations.insert("clean".into(), counts.into());
        doc.text = text;
        Outcome::Modified
    }
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
        let (o, t) = clean("عنوان\n\nقال الوزير إن المشروع بدأ.\nاقرأ أيضا: خبر آخر\n>\n\nوأضاف أن العمل مستمر.\n* * *\nقال الوزير إن المشروع بدأ.");
        assert!(matches!(o, Outcome::Modified));
        assert_eq!(t, "عنوان\n\nقال الوزير إن المشروع بدأ.\n\nوأضاف أن العمل مستمر.");
    }

    #[test]
    fn empty_documents_are_removed() {
        assert!(matches!(clean("  \n\n ").0, Outcome::Remove(r) if r.reason == EMPTY));
        let (o, _) = clean("اقرأ أيضا: خبر\nتابعونا على تويتر");
        assert!(matches!(o, Outcome::Remove(r) if r.reason == EMPTY && r.detail["boilerplate_lines"] == 2));
        assert!(matches!(clean("نص عادي بلا شيء يزال.").0, Outcome::Keep));
    }
}
