//! Trailing headlines: news pages often end with the headline of another article (seed `000_…` ends with
//! «روسيا تسحب سلاح مليشيات موالية لنظام الأسد بدير الزور»).
//!
//! The heuristic, exactly: take the run of non-blank lines at the end of the document in which every line
//! has at most 15 words and does not end in terminal punctuation (. ! ? ؟ ۔ … : ؛ ، " » ” ' ) ]). Remove that
//! run when it has at most 5 lines, the body before it has at least two lines that end in terminal
//! punctuation (it is a real article) and its last line does too, and either
//! (a) the document had a teaser or related-news line (removed by the boilerplate rule), or
//! (b) the run looks like a headline or caption list: 2–5 lines of 4–12 words, none starting with a
//!     connective (و ف كما ثم أو لكن بل) or a number — which keeps verse, numbered lists and run-on sentences
//!     (seen on SaudiNewsNet: a 26-line poem, a 2-line verse, a "3- …" list item), and bylines (shorter).
//! A document is never emptied by this rule.

const MAX_WORDS: usize = 15;
const MAX_LINES: usize = 5;

/// Words that start a continuation, not a headline.
const CONNECTIVES: &[&str] = &[
    "و",
    "ف",
    "كما",
    "ثم",
    "أو",
    "او",
    "لكن",
    "ولكن",
    "بل",
    "ولم",
    "ولا",
    "وقد",
    "فقد",
    "وفي",
    "ومن",
    "وهو",
    "وهي",
    "وكان",
    "وقال",
    "وأضاف",
    "وإن",
    "وأن",
    "فإن",
    "وما",
    "فما",
    "ولو",
    "وكم",
    "وهذا",
    "وذلك",
];

/// A line that starts like a continuation (a connective, or a list number), not like a headline.
fn continues(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    CONNECTIVES.contains(&first) || first.starts_with(|c: char| c.is_numeric() || matches!(c, '-' | '*' | '•'))
}

fn ends_with_terminal(line: &str) -> bool {
    line.trim_end().ends_with([
        '.', '!', '?', '؟', '۔', '…', ':', '؛', '،', '"', '»', '”', '\'', ')', ']',
    ])
}

fn headline_like(line: &str) -> bool {
    line.split_whitespace().count() <= MAX_WORDS && !ends_with_terminal(line)
}

/// Marks a trailing headline block in `keep`; returns how many lines it dropped.
pub(super) fn mark(lines: &[&str], keep: &mut [bool], teaser_seen: bool) -> usize {
    let live: Vec<usize> = (0..lines.len())
        .filter(|&i| keep[i] && !lines[i].trim().is_empty())
        .collect();
    let block = live.iter().rev().take_while(|&&i| headline_like(lines[i])).count();
    if block == 0 || block == live.len() || block > MAX_LINES {
        return 0;
    }
    let body = &live[..live.len() - block];
    let real = body.iter().filter(|&&i| ends_with_terminal(lines[i])).count();
    let clean_break = body.last().is_some_and(|&i| ends_with_terminal(lines[i]));
    let tail = &live[live.len() - block..];
    let list = tail.len() >= 2
        && tail
            .iter()
            .all(|&i| (4..=12).contains(&lines[i].split_whitespace().count()) && !continues(lines[i]));
    if real < 2 || !clean_break || !(teaser_seen || list) {
        return 0;
    }
    for &i in tail {
        keep[i] = false;
    }
    tail.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, teaser: bool) -> Vec<bool> {
        let lines: Vec<&str> = text.split('\n').collect();
        let mut keep = vec![true; lines.len()];
        mark(&lines, &mut keep, teaser);
        keep
    }

    #[test]
    fn a_headline_after_a_teaser_goes() {
        let t = "عنوان المقال\nقال الوزير كذا.\nوأضاف كذا.\nروسيا تسحب سلاح مليشيات موالية لنظام الأسد";
        assert_eq!(run(t, true), [true, true, true, false]);
        assert_eq!(
            run(t, false),
            [true, true, true, true],
            "one unpunctuated line alone is kept"
        );
    }

    #[test]
    fn a_headline_list_goes_but_a_byline_stays() {
        let t = "قال الوزير كذا.\nوأضاف كذا.\n\nوزير الصحة يفتتح مستشفى جديدا\nارتفاع أسعار النفط في الأسواق";
        assert_eq!(run(t, false), [true, true, true, false, false]);
        let byline = "قال الوزير كذا.\nوأضاف كذا.\nمحمد العتيبي\nالرياض";
        assert_eq!(run(byline, false), [true; 4]);
    }

    #[test]
    fn verse_lists_and_long_blocks_stay() {
        let body = "قال الشاعر في القصيدة كذا.\nوأضاف كذا.\n";
        let verse = format!("{body}ولم أر في عيوب الناس عيبا\nكنقص القادرين على التمام");
        assert_eq!(run(&verse, false), [true; 4]);
        let list = format!("{body}3-الأستاذ عبدالرحمن عبدالعزيز محمد\nكما تم تعيين ممثلين للشركة لدى الهيئة");
        assert_eq!(run(&list, false), [true; 4]);
        let poem = format!("{body}{}", ["سطر من قصيدة طويلة هنا"; 8].join("\n"));
        assert_eq!(run(&poem, true), [true; 10]);
    }

    #[test]
    fn short_documents_and_unpunctuated_bodies_are_left_alone() {
        assert_eq!(run("سطر أول\nسطر ثان بلا نقطة\nسطر ثالث هنا أيضا", true), [true; 3]);
        assert_eq!(run("جملة واحدة.\nعنوان آخر هنا الآن", true), [true, true]);
    }
}
