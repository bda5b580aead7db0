//! In-document repetition (`clean.repeated_lines`): lines the document holds twice because a page carried
//! its body twice (seed `004_…`: lines 12–21 repeat lines 2–11), or a title again as the first line of the
//! body. The later copy goes, the first stays.
//!
//! A *copy* is a run of consecutive non-blank lines, each found exactly twice in the document, whose first
//! copies are consecutive too and in the same order. It is removed when it follows its original directly
//! (blank lines aside) or, outside verse, when it is three lines or longer — and when it is a paragraph's
//! worth of text (ten words or more) or repeats the document's title. Everything else that repeats is left
//! alone:
//! - a line found three times or more is a refrain: a sura repeats one verse 31 times, another a pair of
//!   verses 8 times; songs repeat their chorus;
//! - one or two lines repeated further down (a quoted verse, a line a speaker says twice) are the text's own,
//!   and so is a short line said twice in a row (a hemistich, a meter scheme «مستفعلن فاعلن»);
//! - lines are compared on the analysis form, with their digits, so table rows that differ by a number
//!   («1- ...» / «2- ...», per-city temperatures) are different lines.

use super::edits::Rule;
use super::marks::Marks;
use crate::text::{hash64, hash_set, HashMap64};

/// A copy must hold at least this many words, unless it repeats the title.
const MIN_WORDS: usize = 10;
/// A copy that does not follow its original directly is removed from this many lines on (not in verse).
const MIN_DETACHED: usize = 3;

/// Removes copies (see the module doc); `verse` says whether the document is a poem or song.
pub(super) fn mark(m: &mut Marks<'_>, verse: impl FnOnce() -> bool) {
    let live = m.live();
    let hashes: Vec<u64> = live.iter().map(|&i| hash64(m.keys[i])).collect();
    // Most documents hold no line twice.
    let mut distinct = hash_set(hashes.len());
    if hashes.iter().all(|h| distinct.insert(*h)) {
        return;
    }
    // Per line hash: occurrences and the first position (in `live`).
    let mut seen: HashMap64<(u32, usize)> = HashMap64::default();
    for (p, h) in hashes.iter().enumerate() {
        seen.entry(*h).or_insert((0, p)).0 += 1;
    }
    // For each position, the position of its first copy when it is the second of exactly two.
    let original: Vec<Option<usize>> = hashes
        .iter()
        .enumerate()
        .map(|(p, h)| {
            seen.get(h)
                .filter(|(n, first)| *n == 2 && *first < p)
                .map(|(_, first)| *first)
        })
        .collect();
    let mut verse = Some(verse);
    let mut is_verse = move || verse.take().is_some_and(|f| f());
    let mut p = 0;
    while p < live.len() {
        let Some(first) = original[p] else {
            p += 1;
            continue;
        };
        let mut end = p + 1;
        while end < live.len() && original[end] == Some(first + (end - p)) && first + (end - p) < p {
            end += 1;
        }
        let len = end - p;
        let words: usize = live[p..end].iter().map(|&i| super::shape::key_words(m.keys[i])).sum();
        let title = first == 0 && words >= 3;
        let adjacent = first + len == p;
        if (words >= MIN_WORDS || title) && (adjacent || (len >= MIN_DETACHED && !is_verse())) {
            for &i in &live[p..end] {
                m.drop(i, Rule::RepeatedLines);
            }
        }
        p = end;
    }
}

#[cfg(test)]
mod tests {
    use super::super::marks::Marks;
    use super::*;

    fn run(text: &str, verse: bool) -> Vec<bool> {
        let lines: Vec<&str> = text.split('\n').collect();
        let owned: Vec<String> = lines.iter().map(|l| crate::normalize::key(l)).collect();
        let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
        let mut m = Marks::new(&lines, &keys);
        mark(&mut m, || verse);
        m.keep
    }

    #[test]
    fn a_body_carried_twice_loses_its_second_copy() {
        let body = "قال الوزير إن المشروع بدأ.\nالرياض - واس\nوأضاف أن العمل مستمر في المدن.";
        let t = format!("عنوان الخبر\n\n{body}\n{body}");
        assert_eq!(run(&t, false), [true, true, true, true, true, false, false, false]);
        // The title again as the body's first line.
        assert_eq!(
            run(
                "وزير الصحة يفتتح مستشفى جديدا\n\nوزير الصحة يفتتح مستشفى جديدا.\nوقال كذا.",
                false
            ),
            [true, true, false, true]
        );
    }

    #[test]
    fn refrains_and_quoted_lines_stay() {
        // A refrain between verses, 4 times; a pair of verses repeated 3 times.
        let refrain = "فبأي آلاء ربكما تكذبان";
        let t =
            format!("آية أولى هنا\n{refrain}\nآية ثانية هنا\n{refrain}\nآية ثالثة\n{refrain}\nآية رابعة\n{refrain}");
        assert!(run(&t, true).iter().all(|k| *k));
        let pair = "إن في ذلك لآية وما كان أكثرهم مؤمنين\nوإن ربك لهو العزيز الرحيم";
        let t = format!("قصة أولى طويلة\n{pair}\nقصة ثانية طويلة\n{pair}\nقصة ثالثة طويلة\n{pair}");
        assert!(run(&t, false).iter().all(|k| *k));
        // A line said twice, further apart.
        let t = "ولا أنتم عابدون ما أعبد\nولا أنا عابد ما عبدتم\nولا أنتم عابدون ما أعبد\nلكم دينكم ولي دين";
        assert!(run(t, true).iter().all(|k| *k));
        // A three-line chorus sung twice stays in a song, goes in prose.
        let chorus = "يا ليل طول شوية\nيا قمر نور علينا\nخلي السهر للصبحية";
        let t = format!("{chorus}\nمقطع أول من الأغنية هنا\n{chorus}");
        assert!(run(&t, true).iter().all(|k| *k));
        assert_eq!(run(&t, false).iter().filter(|k| !**k).count(), 3);
    }

    #[test]
    fn rows_that_differ_by_a_number_are_different_lines() {
        let rows = "1- محمد صلاح 120 صوتا\n2- محمد صلاح 95 صوتا\n3- محمد صلاح 80 صوتا";
        let lines: Vec<&str> = rows.split('\n').collect();
        let mut analysis = String::new();
        crate::normalize::fold_lines_into(rows, &crate::normalize::KeyOptions::default(), &mut analysis);
        let keys: Vec<&str> = analysis.split('\n').collect();
        let mut m = Marks::new(&lines, &keys);
        mark(&mut m, || false);
        assert_eq!(m.keep, [true; 3]);
        // Short repeated lines alone are no copy.
        assert_eq!(run("نعم\nقال كذا وكذا.\nنعم", false), [true; 3]);
        // A meter scheme written as two hemistichs, the second with another hamza: the text's own.
        let scheme =
            "وبحر المواليا هو البسيط:\nمستفعلن فاعلن مستفعلن فعلن\nمستفعلن فأعلن مستفعلن فعلن\nومثاله قول الشاعر.";
        assert_eq!(run(scheme, false), [true; 4]);
    }
}
