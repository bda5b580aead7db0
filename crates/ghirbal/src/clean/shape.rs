//! The shape of a document's lines, which decides whether a line may be cut out at all: a rule that removes
//! a line whose sentence runs on into the next line (or comes from the one before) cuts that sentence in two.
//!
//! - **How a line ends**: with a sentence end (`. ! ? ؟ ۔ …`, closing quotes or brackets after it), with a
//!   mark that asks for more (`، , ؛ ; : - – —`), or bare (no punctuation).
//! - **Wrapped text**: books, hadith collections, PDF and OCR text break lines inside sentences, and verse is
//!   laid out one hemistich per line. A document is wrapped when more than half of its line breaks between two
//!   non-blank lines come after a line that does not end a sentence. There a bare line end is a wrap; in
//!   paragraph-per-line text (news, Wikipedia) it is a heading, a dateline or a byline.
//! - **Continuation**: a line continues the one before it when the two are adjacent (no blank line between)
//!   and the one before ends with a mark that asks for more, or ends bare in wrapped text.
//! - **The opening**: a document's first non-blank line (its title, or all of a short post) and its first
//!   paragraph after it (the first line of at least eight words, the lead). Site-wide rules never remove them: sites
//!   print other stories' titles and leads under an article, so an article's own opening recurs; and the
//!   `scan` records openings, so that `clean` can tell another story's lead when it sees one.

/// How a line ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// A sentence end: `. ! ? ؟ ۔ …`, possibly inside closing quotes or brackets.
    Sentence,
    /// A mark that announces or continues: `، , ؛ ; : - – —`.
    Continues,
    /// No punctuation (or other symbols).
    Bare,
}

/// How `line` ends.
pub(crate) fn end_of(line: &str) -> End {
    let trimmed = line
        .trim_end()
        .trim_end_matches(['"', '»', '”', '\'', ')', ']', '’', '}', '*', ' ']);
    match trimmed.chars().next_back() {
        Some('.' | '!' | '?' | '؟' | '۔' | '…') => End::Sentence,
        Some('،' | ',' | '؛' | ';' | ':' | '-' | '–' | '—' | '_') => End::Continues,
        _ => End::Bare,
    }
}

/// Words of a line's key (words are separated by one space there).
pub(crate) fn key_words(key: &str) -> usize {
    if key.is_empty() {
        0
    } else {
        key.split(' ').count()
    }
}

/// Minimum words of the first paragraph.
const OPENING_PARAGRAPH_WORDS: usize = 8;

/// A line's words as [`opening`] needs them: counted up to [`OPENING_PARAGRAPH_WORDS`] (it asks only whether
/// a line has a word and whether it has that many; a lead of a hundred words was counted to the end, twice a
/// document).
pub(crate) fn opening_words(key: &str) -> usize {
    if key.is_empty() {
        0
    } else {
        key.split(' ').take(OPENING_PARAGRAPH_WORDS).count()
    }
}

/// The opening lines of a document, given the word count of each of its lines (0 for a blank line): the
/// first non-blank line (a title, or all of a short post) and the first line after it of at least eight
/// words (the lead).
pub(crate) fn opening(words: impl Iterator<Item = usize>) -> [Option<usize>; 2] {
    let mut open = [None; 2];
    for (i, n) in words.enumerate() {
        if open[0].is_none() {
            if n > 0 {
                open[0] = Some(i);
            }
        } else if n >= OPENING_PARAGRAPH_WORDS {
            open[1] = Some(i);
            break;
        }
    }
    open
}

/// More than half of the breaks between two non-blank lines come after a line that does not end a sentence.
fn wrapped(ends: &[Option<End>]) -> bool {
    let (mut breaks, mut open) = (0usize, 0usize);
    for pair in ends.windows(2) {
        if let [Some(end), Some(_)] = pair {
            breaks += 1;
            open += usize::from(*end != End::Sentence);
        }
    }
    open * 2 > breaks
}

/// The shape of one document's lines (see the module doc).
#[derive(Debug)]
pub(crate) struct Shape {
    /// Each line's end, `None` for a blank line.
    ends: Vec<Option<End>>,
    /// At least half of the breaks between non-blank lines are inside a sentence.
    pub wrapped: bool,
    /// The opening lines (at most two).
    opening: [Option<usize>; 2],
}

impl Shape {
    /// The shape of `lines`, given their keys (for word counts).
    pub(crate) fn of<K: AsRef<str>>(lines: &[&str], keys: &[K]) -> Shape {
        // A line without a letter or digit (a separator) ends nothing: it counts as a break.
        let ends: Vec<Option<End>> = lines
            .iter()
            .map(|l| l.contains(char::is_alphanumeric).then(|| end_of(l)))
            .collect();
        Shape {
            wrapped: wrapped(&ends),
            ends,
            opening: opening(keys.iter().map(|k| opening_words(k.as_ref()))),
        }
    }

    /// True when the lines before line `end` alone are wrapped text (the body of a page whose tail is being
    /// judged, without that tail).
    pub(crate) fn wrapped_before(&self, end: usize) -> bool {
        wrapped(&self.ends[..end.min(self.ends.len())])
    }

    /// True when line `i` is the document's title or first paragraph.
    pub(crate) fn is_opening(&self, i: usize) -> bool {
        self.opening.contains(&Some(i))
    }

    /// True when a line ending `end` runs on into an adjacent next line.
    fn runs_on(&self, end: End) -> bool {
        match end {
            End::Sentence => false,
            End::Continues => true,
            End::Bare => self.wrapped,
        }
    }

    /// True when line `i` continues the sentence of the line before it.
    pub(crate) fn continues_previous(&self, i: usize) -> bool {
        i > 0 && self.ends[i].is_some() && self.ends[i - 1].is_some_and(|end| self.runs_on(end))
    }

    /// True when the next line continues the sentence of line `i`.
    pub(crate) fn continued_by_next(&self, i: usize) -> bool {
        self.ends.get(i + 1).is_some_and(Option::is_some) && self.ends[i].is_some_and(|end| self.runs_on(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| crate::normalize::key(l)).collect()
    }

    #[test]
    fn line_ends() {
        assert_eq!(end_of("قال الوزير كذا."), End::Sentence);
        assert_eq!(end_of("وقال: «انتهى الأمر.»"), End::Sentence);
        assert_eq!(end_of("قال:"), End::Continues);
        assert_eq!(end_of("حدثنا فلان، حدثنا فلان،"), End::Continues);
        assert_eq!(end_of("عين اليوم – متابعات"), End::Bare);
        assert_eq!(end_of("صلى الله عليه"), End::Bare);
    }

    #[test]
    fn wrapped_text_and_news_paragraphs() {
        let wrapped = [
            "حدثنا أبو بكر قال حدثنا",
            "وكيع عن سفيان عن",
            "النبي صلى الله عليه",
            "وسلم قال كذا.",
        ];
        let s = Shape::of(&wrapped, &keys(&wrapped));
        assert!(s.wrapped);
        assert!(s.continues_previous(3) && s.continued_by_next(2));
        let news = [
            "عنوان الخبر هنا",
            "",
            "الرياض - واس",
            "قال الوزير كذا.",
            "وأضاف كذا.",
            "وختم كذا.",
        ];
        let s = Shape::of(&news, &keys(&news));
        assert!(!s.wrapped);
        assert!(!s.continues_previous(2), "a blank line before");
        assert!(
            !s.continued_by_next(2),
            "a dateline in paragraph text is self-contained"
        );
        assert!(!s.continues_previous(0) && !s.continued_by_next(5));
        let separated = ["قال الوزير كذا.", "***", "وأضاف كذا.", "***", "وختم كذا."];
        assert!(
            !Shape::of(&separated, &keys(&separated)).wrapped,
            "separators are breaks"
        );
        let colon = ["وقال:", "إن الأمر انتهى."];
        assert!(Shape::of(&colon, &keys(&colon)).continued_by_next(0));
    }

    #[test]
    fn the_opening_is_the_title_and_the_first_paragraph() {
        let lines = [
            "حماس تتلقى رسالة تحد في غزة",
            "",
            "غزة - متابعات",
            "أفاق سكان حي الشيخ رضوان وسط مدينة غزة على انفجارات ضخمة.",
            "وقال شهود إن الانفجارات هزت المنطقة.",
        ];
        let s = Shape::of(&lines, &keys(&lines));
        assert!(s.is_opening(0) && s.is_opening(3));
        assert!(!s.is_opening(2) && !s.is_opening(4));
        let post = ["", "bravo"];
        assert!(
            Shape::of(&post, &keys(&post)).is_opening(1),
            "a one-line post is its own opening"
        );
        // The lead is the first line after the title of eight words or more, however long.
        let words = |n: usize| vec!["كلمة"; n].join(" ");
        for (n, lead) in [(7, false), (8, true), (9, true), (120, true)] {
            let body = words(n);
            let lines = ["عنوان", body.as_str(), "سطر آخر"];
            assert_eq!(Shape::of(&lines, &keys(&lines)).is_opening(1), lead, "{n} words");
            assert_eq!(opening_words(&body), key_words(&body).min(OPENING_PARAGRAPH_WORDS));
        }
        assert_eq!(opening_words(""), 0);
    }
}
