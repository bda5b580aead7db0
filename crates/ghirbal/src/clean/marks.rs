//! The working set of `clean`: a document's lines and their keys, which of them stay, where a cut line now
//! ends, and every removal as an [`Edit`] — the rules mark, [`Marks::rebuild`] writes the repaired text.

use super::edits::{Edit, Rule};

/// A document's lines while the rules decide: their text and key, which stay, and what was removed.
pub(crate) struct Marks<'a> {
    pub(super) lines: &'a [&'a str],
    pub(super) keys: &'a [&'a str],
    pub(super) keep: Vec<bool>,
    /// Where each line's kept text ends (a cut tail shortens it).
    ends: Vec<usize>,
    /// Removed lines that leave a paragraph break (separators).
    breaks: Vec<bool>,
    pub(super) edits: Vec<Edit>,
}

impl<'a> Marks<'a> {
    pub(crate) fn new(lines: &'a [&'a str], keys: &'a [&'a str]) -> Marks<'a> {
        Marks {
            lines,
            keys,
            keep: vec![true; lines.len()],
            ends: lines.iter().map(|l| l.len()).collect(),
            breaks: vec![false; lines.len()],
            edits: Vec::new(),
        }
    }

    /// Replaces line `i` with a paragraph break, recording `rule`.
    pub(super) fn break_at(&mut self, i: usize, rule: Rule) {
        self.breaks[i] = true;
        self.drop(i, rule);
    }

    /// Removes line `i`, recording `rule`.
    pub(super) fn drop(&mut self, i: usize, rule: Rule) {
        if std::mem::replace(&mut self.keep[i], false) {
            self.edits.push(Edit { rule, line: i, from: 0 });
        }
    }

    /// Cuts line `i` from byte `from` (a char boundary) to its end, recording `rule`.
    pub(super) fn cut(&mut self, i: usize, from: usize, rule: Rule) {
        self.ends[i] = self.lines[i][..from].trim_end().len();
        self.edits.push(Edit { rule, line: i, from });
    }

    /// The kept text of line `i`.
    pub(super) fn text(&self, i: usize) -> &'a str {
        &self.lines[i][..self.ends[i]]
    }

    /// Indices of the kept non-blank lines.
    pub(super) fn live(&self) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| self.keep[i] && !self.lines[i].trim().is_empty())
            .collect()
    }

    /// Joins the kept lines, merging blank lines that have become adjacent and trimming blank ends.
    pub(super) fn rebuild(&self) -> String {
        let mut out = String::new();
        let mut blank_pending = false;
        for i in (0..self.lines.len()).filter(|i| self.keep[*i] || self.breaks[*i]) {
            let line = if self.keep[i] { self.text(i) } else { "" };
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
}
