//! The two site-wide rules, which use what `scan` and `lines-count` found across the corpus
//! ([`super::site_table::SiteLines`]):
//!
//! - **`clean.site_lines`**: a line its site repeats on at least `site_lines_min_docs` pages (contact
//!   footers, «...المزيد», widget text, fixed bylines and datelines). Only a *self-contained* line goes: a
//!   run of adjacent site lines is removed when its first line does not continue the line before it and
//!   its last line is not continued by the next (see [`super::shape`]). Hard-wrapped books and hadith
//!   collections repeat wrap fragments («وسلم», «قال:», a narrator chain) across a source; removing them
//!   would cut their sentences. A site line needs a letter (a poem number «[1]» is not one) and is never
//!   the document's own title or first paragraph. Lines are matched with their digits: table rows, price
//!   lists and a daily report's closing sentence («وارتفعت الفضة 0.3 بالمئة إلى 14.60 دولار للأوقية.»)
//!   differ by their figures from page to page, and must never look like one template.
//! - **`clean.related_stories`**: a page that ends with one to five titles or leads of *other* stories of
//!   its site, each too rare to be a site line. A line of the run has at least four words, is not the
//!   document's own opening, and is the opening (title or lead) of another
//!   document of the site. A line that merely recurs at the end of other documents is not enough: on
//!   SaudiNewsNet such lines were, every one in a sample, the shared last paragraphs of two versions of
//!   one story (even with different leads) or a daily report's closing sentence. The run is removed when it
//!   is at most five lines, the text is not verse, and at least two lines stay before it that are not
//!   wrapped text, the last of which is the document's own: its opening, or neither a site line nor another
//!   story's opening.

use super::edits::Rule;
use super::marks::Marks;
use super::shape::{key_words, Shape};
use super::site_table::SiteLines;

/// At most this many lines form a related-stories run.
const MAX_RELATED: usize = 5;
/// Words a related lead or headline has at least.
const MIN_RELATED_WORDS: usize = 4;

/// Removes self-contained site lines; `shape` is asked only when a candidate is found.
pub(super) fn mark_site_lines<'s>(m: &mut Marks<'_>, shape: impl Fn() -> &'s Shape, table: &SiteLines, site: u64) {
    let candidate = |m: &Marks<'_>, i: usize| {
        m.keep[i]
            && m.keys[i].contains(char::is_alphabetic)
            && table.contains(site, m.keys[i])
            && !shape().is_opening(i)
    };
    let mut i = 0;
    while i < m.lines.len() {
        if !candidate(m, i) {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < m.lines.len() && candidate(m, i + 1) {
            i += 1;
        }
        if !shape().continues_previous(start) && !shape().continued_by_next(i) {
            for j in start..=i {
                m.drop(j, Rule::SiteLines);
            }
        }
        i += 1;
    }
}

/// Removes a trailing run of other stories' leads; `shape` and `verse` are asked only when the last line
/// is another story's opening.
pub(super) fn mark_related<'s>(
    m: &mut Marks<'_>,
    shape: impl Fn() -> &'s Shape,
    table: &SiteLines,
    site: u64,
    verse: impl FnOnce() -> bool,
) {
    let last = (0..m.lines.len())
        .rev()
        .find(|&i| m.keep[i] && !m.lines[i].trim().is_empty());
    if !last.is_some_and(|i| table.opens_another(site, m.keys[i])) || verse() {
        return;
    }
    let shape = shape();
    let live = m.live();
    let elsewhere = |i: usize| table.opens_another(site, m.keys[i]);
    let related = |i: usize| key_words(m.keys[i]) >= MIN_RELATED_WORDS && !shape.is_opening(i) && elsewhere(i);
    let run = live
        .iter()
        .rev()
        .take(MAX_RELATED + 1)
        .take_while(|&&i| related(i))
        .count();
    if run == 0 || run > MAX_RELATED || live.len() < run + 2 {
        return;
    }
    // The body before the run is prose, and its last line is the document's own (its opening is, even
    // when a copy of the document shares it).
    let before = live[live.len() - run - 1];
    let own = shape.is_opening(before) || !(elsewhere(before) || table.contains(site, m.keys[before]));
    if shape.wrapped_before(before + 1) || !own {
        return;
    }
    for &i in &live[live.len() - run..] {
        m.drop(i, Rule::RelatedStories);
    }
}
