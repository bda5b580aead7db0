//! `story`: links coverage of the same event (a **story**) and of the same ongoing topic (**related**)
//! across a corpus, without a model. Annotates kept documents, never removes one.
//!
//! How (calibrated on `bench/stories/labels.jsonl`, 420 SaudiNewsNet pairs read and labelled by hand):
//! - each survivor of the scan gets a term vector of its key form ([`terms`]): stop words out, sublinear
//!   term frequency, words of the title and lead and multi-digit numbers weighted up;
//! - the `story` step weighs the terms by a corpus-wide inverse document frequency over the kept documents,
//!   keeps each document's strongest terms, finds candidates through an inverted index over each one's few
//!   strongest terms, and scores them by cosine ([`link`]);
//! - a **story** joins documents whose cosine, decayed by the days between them (`exp(-days / decay_days)`;
//!   no date, no decay), is high on average over the story's members — average link, so one article that
//!   resembles two events does not chain them into one story;
//! - **related** is each document's top-k cosine neighbours outside its own story, across any time.
//!
//! Output, on every kept document: `meta.ghirbal.story_id` (the id of the story's first document),
//! `story_size` (documents), `story_sources` (distinct sources) and `related` (`[{id, similarity}]`).

pub mod link;
pub mod terms;

use serde::{Deserialize, Serialize};

/// The stage's name in `stages`.
pub const STAGE: &str = "story";

/// What the `story` step found, in `stats.json` (`story`) and the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StorySummary {
    /// Kept documents linked.
    pub docs: u64,
    /// Distinct terms over them.
    pub terms: u64,
    /// Candidate pairs scored.
    pub pairs_scored: u64,
    /// Stories (a document alone is a story of one).
    pub stories: u64,
    /// Stories of two documents or more.
    pub shared_stories: u64,
    /// Documents in those.
    pub docs_in_shared_stories: u64,
    /// Stories told by two sources or more.
    pub multi_source_stories: u64,
    /// Documents with at least one related document.
    pub docs_with_related: u64,
    /// Stories by size: (size, how many).
    pub sizes: Vec<(u32, u64)>,
    /// The largest stories: (first document's id, size, sources).
    pub largest: Vec<(String, u32, Vec<String>)>,
    /// How the step kept within `--memory-budget` (never changes the links).
    #[serde(default)]
    pub memory: StoryMemory,
}

/// How the `story` step used memory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoryMemory {
    /// The terms outgrew their share of the budget while counted, and were read a second time.
    pub terms_read_twice: bool,
    /// The vectors outgrew their share, and were kept in a scratch file, read a block at a time.
    pub vectors_on_disk: bool,
    /// The process's peak resident memory when the step ended.
    pub peak_rss_bytes: u64,
}

/// The date fields looked for when the config names none: SaudiNewsNet's, then the names news dumps,
/// feeds and scrapers commonly give a publication date.
pub const DATE_FIELDS: [&str; 10] = [
    "date_extracted",
    "date",
    "published",
    "published_at",
    "publish_date",
    "pub_date",
    "pubDate",
    "datePublished",
    "datetime",
    "timestamp",
];

/// A string or a list of strings, as a list.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(f) => vec![f],
        OneOrMany::Many(fs) => fs,
    })
}

/// `[story]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoryConfig {
    /// Metadata fields with the document's date (`YYYY-MM-DD…`, `Mon, 20 Jul 2015 …`, or a number of seconds
    /// since 1970), tried in order: the first that reads as a date is the document's. A string in the
    /// config is a list of one. A document without one is compared with every date undecayed.
    #[serde(deserialize_with = "one_or_many")]
    pub date_field: Vec<String>,
    /// A pair joins a story at this decayed cosine (average over the story's members).
    pub threshold: f64,
    /// Days over which the story score decays by a factor e.
    pub decay_days: f64,
    /// Related documents per document (0: none).
    pub related: usize,
    /// A related document has at least this cosine.
    pub related_min: f64,
    /// Weight of a term that is in the title or the lead (the first three non-blank lines).
    pub head_weight: f64,
    /// Weight of a number of two digits or more (a toll, a year, a score).
    pub number_weight: f64,
    /// Terms kept per document once weighted (the strongest).
    pub top_terms: usize,
    /// Strongest terms of each document that find its candidates.
    pub index_terms: usize,
    /// Documents a term may index before it is too common to find candidates with.
    pub max_posting: usize,
}

impl Default for StoryConfig {
    fn default() -> StoryConfig {
        StoryConfig {
            date_field: DATE_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
            threshold: 0.29,
            decay_days: 6.0,
            related: 10,
            related_min: 0.08,
            head_weight: 1.6,
            number_weight: 1.5,
            top_terms: 128,
            index_terms: 20,
            max_posting: 1000,
        }
    }
}

impl StoryConfig {
    /// The day (since 1970) of a document whose metadata field `name` is `get(name)` (raw JSON): the first
    /// of `date_field` that reads as a date, else the day its `url` names ([`terms::date_in_url`]).
    pub fn day<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> Option<i32> {
        self.first_date(
            |f| get(f).and_then(terms::day_of),
            || {
                let url: String = serde_json::from_str(get("url")?).ok()?;
                terms::date_in_url(&url).map(|(day, _)| day)
            },
        )
    }

    /// The date [`StoryConfig::day`] reads from a document's metadata, as written there (`explain`).
    pub fn date_shown(&self, meta: &serde_json::Value) -> String {
        self.first_date(
            |f| {
                let v = &meta[f];
                terms::day_of(&v.to_string())?;
                Some(v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            },
            || {
                let (_, text) = terms::date_in_url(meta["url"].as_str()?)?;
                Some(format!("{text} (from its url)"))
            },
        )
        .unwrap_or_else(|| "no date".to_owned())
    }

    /// Where a date is taken from, in order: the first of `date_field` that `read` reads one from, else
    /// the url.
    fn first_date<T>(&self, read: impl Fn(&str) -> Option<T>, url: impl FnOnce() -> Option<T>) -> Option<T> {
        self.date_field.iter().find_map(|f| read(f)).or_else(url)
    }

    /// Checks values serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        let checks = [
            ((0.0..=1.0).contains(&self.threshold), "story.threshold must be 0..=1"),
            (self.decay_days > 0.0, "story.decay_days must be above 0"),
            (
                (0.0..=1.0).contains(&self.related_min),
                "story.related_min must be 0..=1",
            ),
            (self.head_weight > 0.0, "story.head_weight must be above 0"),
            (self.number_weight > 0.0, "story.number_weight must be above 0"),
            ((1..=4096).contains(&self.top_terms), "story.top_terms must be 1..=4096"),
            (
                (1..=self.top_terms).contains(&self.index_terms),
                "story.index_terms must be 1..=top_terms",
            ),
            (self.max_posting >= 2, "story.max_posting must be at least 2"),
            (self.related <= 1000, "story.related must be at most 1000"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, msg)) => Err((*msg).into()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_field_is_one_name_or_a_list_and_the_first_date_wins() {
        let one: StoryConfig = toml::from_str("date_field = \"published\"").expect("a string");
        assert_eq!(one.date_field, ["published"]);
        let many: StoryConfig = toml::from_str("date_field = [\"a\", \"b\"]").expect("a list");
        assert_eq!(many.date_field, ["a", "b"]);
        assert_eq!(StoryConfig::default().date_field[..2], ["date_extracted", "date"]);
        // `a` is there but is no date; `b` is.
        let meta = |f: &str| match f {
            "a" => Some("\"yesterday\""),
            "b" => Some("\"2015-07-24\""),
            _ => None,
        };
        assert_eq!(many.day(meta), Some(16640));
        assert_eq!(one.day(meta), None);
        // No date field: the day the url names.
        let url = |f: &str| (f == "url").then_some("\"https://a.example/news/2015/07/24/x\"");
        assert_eq!(one.day(url), Some(16640));
        let meta = serde_json::json!({"a": "yesterday", "b": "2015-07-24", "url": "https://a.example/2015/07/23/x"});
        assert_eq!(many.date_shown(&meta), "2015-07-24");
        assert_eq!(one.date_shown(&meta), "2015/07/23 (from its url)");
        assert_eq!(one.date_shown(&serde_json::json!({})), "no date");
    }
}
