//! The site table the `clean` stage consults: the (site, line) pairs that recur on many of a site's
//! documents, and the openings of documents that stand in another document of the site too. The `lines`
//! and `lines-count` steps build it across the corpus ([`crate::pipeline::lines`]); here is what it holds and
//! how a document's site and lines are keyed.

use crate::text::HashSet64;
use crate::Document;

/// The (site, line) pairs that recur on many of a site's documents, and the openings of documents that
/// stand in another document of the site too.
#[derive(Debug, Default)]
pub struct SiteLines {
    pub(crate) repeated: HashSet64,
    pub(crate) openings: HashSet64,
}

impl SiteLines {
    /// True when `line_key` (a line of the key or analysis form) is one of `site`'s repeated lines.
    pub fn contains(&self, site: u64, line_key: &str) -> bool {
        !line_key.is_empty() && self.repeated.contains(&pair_key(site, line_hash(line_key)))
    }

    /// True when `line_key` is the opening (title or first paragraph) of a document of `site` and stands in
    /// another document of the site too: in any other document of it, another story's title or lead.
    pub fn opens_another(&self, site: u64, line_key: &str) -> bool {
        !line_key.is_empty() && self.openings.contains(&pair_key(site, line_hash(line_key)))
    }

    /// A table of the given repeated lines and shared openings, as (site, line key) pairs.
    #[cfg(test)]
    pub(crate) fn from_pairs<'a>(
        repeated: impl IntoIterator<Item = (u64, &'a str)>,
        openings: impl IntoIterator<Item = (u64, &'a str)>,
    ) -> SiteLines {
        let set =
            |pairs: &mut dyn Iterator<Item = (u64, &'a str)>| pairs.map(|(s, l)| pair_key(s, line_hash(l))).collect();
        SiteLines {
            repeated: set(&mut repeated.into_iter()),
            openings: set(&mut openings.into_iter()),
        }
    }
}

/// A document's site: the value of `field`, else the host of its `url`; `None` when it has neither.
pub fn site_of(doc: &Document, field: &str) -> Option<u64> {
    site_name(doc, field).map(|site| xxhash_rust::xxh3::xxh3_64(site.as_bytes()))
}

/// The document's site by name: its `field` (a string), else the host of its `url`.
pub fn site_name(doc: &Document, field: &str) -> Option<String> {
    doc.meta
        .get_str(field)
        .or_else(|| doc.meta.get_str("url").map(|u| host(&u).to_owned()))
        .filter(|s| !s.is_empty())
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or_default()
}

/// A line's identity: its analysis form, digits and all. A template with figures that change from page to
/// page («18:08 ت م», a dated dateline) stays in the text; a vote table, a price list or a daily report's
/// closing sentence, whose rows differ from day to day only by their figures, is never taken for one.
pub(crate) fn line_hash(line_key: &str) -> u64 {
    crate::text::hash64(line_key)
}

pub(crate) fn pair_key(site: u64, line: u64) -> u64 {
    crate::text::mix(&[site, line], 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_lines() {
        assert_eq!(host("https://www.alwatan.com/news/1?x=2"), "www.alwatan.com");
        assert_eq!(host("alwatan.com"), "alwatan.com");
        let t = SiteLines::from_pairs([(1, "للتواصل مع الكاتب")], [(1, "قال الوزير كذا في خبر اخر")]);
        assert!(t.opens_another(1, "قال الوزير كذا في خبر اخر") && !t.contains(1, "قال الوزير كذا في خبر اخر"));
        assert!(!t.opens_another(1, "للتواصل مع الكاتب"));
        assert!(t.contains(1, "للتواصل مع الكاتب"));
        assert!(!t.contains(2, "للتواصل مع الكاتب"), "another site");
        assert!(!t.contains(1, ""), "blank lines are never site lines");
    }
}
