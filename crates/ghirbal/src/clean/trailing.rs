//! Trailing headlines: news pages often end with the headline of another article after a teaser or a
//! related-news header (seed `000_…`: «اقرأ أيضا: …» in the body, then the last line «روسيا تسحب سلاح
//! مليشيات موالية لنظام الأسد بدير الزور»).
//!
//! The rule, exactly: take the run of non-blank lines at the end of the document in which every line has at
//! most 15 words and does not end a sentence or clause (. ۔ … : ؛ ، ,; a headline may end in ؟ ! or a
//! quote). Remove that run
//! when it has at most 5 lines, the body before it has at least two lines that end in terminal punctuation
//! (it is a real article) and its last line does too, and the document had a teaser or related-news line
//! (removed by the boilerplate rule): the page says that other stories follow. Without that marker a block
//! of short unpunctuated lines under an article is, as often as not, the article's own: the signature of a
//! letter or a telegram, an author's name and title, photo captions (judged on SaudiNewsNet: 20 of 40 such
//! removals were wrong). Headlines of other stories of the same site are found without a marker by
//! `clean.related_stories`, which knows them as those stories' titles.
//!
//! Each line of the block must read as another story's headline: at least four words, not a bullet or a
//! signature line («- الرياض», «- ماجدة بنت عبدالله»), no credit or credential joined by a dash («ماجستير
//! تربية خاصة - مدرب معتمد»), and less than a third of its words (of three letters or more) used in the
//! article before it — a photo caption or a list of the article's own points repeats the article's words,
//! a headline of another story does not. (A caption in other words than the article's still passes: on
//! SaudiNewsNet pages given a teaser and other sources' headlines, 1 of 1,200 removals was one.)
//!
//! The block is the document's own content, and stays, when
//! - the line before it ends with «:» — it announces the block (a vet's three tips, the last results,
//!   ticket prices, a fund's sales);
//! - it looks like a list or a table: two lines or more, most of them holding a number, or all starting
//!   with the same word;
//! - it is verse: the document is a poem or song ([`crate::text::looks_like_verse`]), or two lines of the
//!   block end on the same rhyme letter and are of a length (within 25%), as hemistichs are.
//!
//! A document is never emptied by this rule.

use super::edits::Rule;
use super::marks::Marks;

const MAX_WORDS: usize = 15;
const MAX_LINES: usize = 5;

fn ends_with_terminal(line: &str) -> bool {
    line.trim_end().ends_with([
        '.', '!', '?', '؟', '۔', '…', ':', '؛', '،', '"', '»', '”', '\'', ')', ']',
    ])
}

/// At most 15 words, and no sentence end: a headline may end in a question or exclamation mark or a quote
/// («مفاتيح القوة بيد من؟!», «… يتعهد بـ«طرد طالبان»»), not in a full stop, a colon or a comma.
fn headline_like(line: &str) -> bool {
    let end = line.trim_end();
    line.split_whitespace().count() <= MAX_WORDS && !end.ends_with(['.', '۔', '…', ':', '؛', '،', ','])
}

/// Words of at least this many letters count in the overlap with the article.
const CONTENT_WORD: usize = 3;

/// True when a line reads as another story's headline (see the module doc).
fn other_story(line: &str, key: &str, body: &std::collections::HashSet<&str>) -> bool {
    let words: Vec<&str> = key.split(' ').filter(|w| w.chars().count() >= CONTENT_WORD).collect();
    let shared = words.iter().filter(|w| body.contains(*w)).count();
    let bullet = line.trim_start().starts_with(['-', '–', '—', '*', '•', '.']);
    let credit = [" - ", " – ", " — "].iter().any(|dash| line.contains(dash));
    key.split(' ').count() >= 4 && !bullet && !credit && shared * 3 < words.len()
}

/// True when the block reads as the document's own list, table or verse (see the module doc).
fn own_content(lines: &[&str], verse: impl FnOnce() -> bool) -> bool {
    let numbered = lines.iter().filter(|l| l.contains(|c: char| c.is_numeric())).count();
    let first = |l: &str| l.split_whitespace().next().unwrap_or("").to_owned();
    let same_start = lines.len() >= 2 && lines.iter().all(|l| first(l) == first(lines[0]));
    // Hemistichs rhyme and are of a length; two headlines that happen to end on one letter rarely are.
    let chars = |l: &str| l.chars().count() as f64;
    let rhymes = lines.iter().enumerate().any(|(i, a)| {
        let end = crate::text::rhyme_letter(a);
        end.is_some()
            && lines[i + 1..]
                .iter()
                .any(|b| crate::text::rhyme_letter(b) == end && (chars(a) / chars(b)).max(chars(b) / chars(a)) <= 1.25)
    });
    (lines.len() >= 2 && numbered * 2 > lines.len()) || same_start || rhymes || verse()
}

/// Removes a trailing headline block.
pub(super) fn mark(m: &mut Marks<'_>, teaser_seen: bool, verse: impl FnOnce() -> bool) {
    // Without a teaser or related-news marker nothing goes: most documents stop here.
    if !teaser_seen {
        return;
    }
    let live = m.live();
    let block = live.iter().rev().take_while(|&&i| headline_like(m.text(i))).count();
    if block == 0 || block == live.len() || block > MAX_LINES {
        return;
    }
    let body = &live[..live.len() - block];
    let real = body.iter().filter(|&&i| ends_with_terminal(m.text(i))).count();
    let last = body.last().map(|&i| m.text(i).trim_end());
    let clean_break = last.is_some_and(ends_with_terminal);
    let announced = last.is_some_and(|l| l.ends_with(':'));
    let tail: Vec<&str> = live[live.len() - block..].iter().map(|&i| m.text(i)).collect();
    if real < 2 || !clean_break || announced || own_content(&tail, verse) {
        return;
    }
    let body_words: std::collections::HashSet<&str> = body.iter().flat_map(|&i| m.keys[i].split(' ')).collect();
    let headlines = live[live.len() - block..]
        .iter()
        .all(|&i| other_story(m.text(i), m.keys[i], &body_words));
    if !headlines {
        return;
    }
    for &i in &live[live.len() - block..] {
        m.drop(i, Rule::TrailingLines);
    }
}

#[cfg(test)]
mod tests {
    use super::super::marks::Marks;
    use super::*;

    fn run_verse(text: &str, teaser: bool, verse: bool) -> Vec<bool> {
        let lines: Vec<&str> = text.split('\n').collect();
        let owned: Vec<String> = lines.iter().map(|l| crate::normalize::key(l)).collect();
        let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
        let mut m = Marks::new(&lines, &keys);
        mark(&mut m, teaser, || verse);
        m.keep
    }

    fn run(text: &str, teaser: bool) -> Vec<bool> {
        run_verse(text, teaser, false)
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
    fn a_headline_list_goes_after_a_teaser_and_a_signature_stays_without() {
        let t = "قال الوزير كذا.\nوأضاف كذا.\n\nوزير الصحة يفتتح مستشفى جديدا\nارتفاع أسعار النفط في الأسواق";
        assert_eq!(run(t, true), [true, true, true, false, false]);
        assert_eq!(run(t, false), [true; 5], "no marker: it may be the page's own lines");
        let letter = "آمل التكرم بنشر هذا الإيضاح.\nوالسلام عليكم ورحمة الله وبركاته.\nمع تحيات إدارة العلاقات العامة والإعلام\nبوزارة الشؤون البلدية والقروية";
        assert_eq!(run(letter, false), [true; 4]);
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
    fn content_a_lead_announces_stays() {
        // A vet's three tips, announced with a colon.
        let tips = "قدم الطبيب البيطري نصائح لأصحاب القطط في الصيف.\nوقال إن الحر يؤذي الحيوانات الأليفة.\nوأوصى بما يلي:\nتوفير الماء البارد طوال اليوم\nإبعاد القطة عن أشعة الشمس المباشرة\nمراجعة الطبيب عند ظهور أي أعراض";
        assert_eq!(run(tips, true), [true; 6]);
        // Match results, not announced: a table of numbers.
        let results = "انتهت الجولة الخامسة من الدوري أمس.\nوشهدت مفاجآت عدة في الملاعب.\nالهلال 2 النصر 1 في الرياض\nالأهلي 0 الاتحاد 0 في جدة\nالشباب 3 الفتح 1 في الرياض";
        assert_eq!(run(results, true), [true; 5]);
        // The last verses of a poem quoted at the end of an article: they rhyme.
        let poem = "ألقى الشاعر قصيدة في الحفل.\nوتفاعل معها الحضور كثيرا.\nيا دار عبلة بالجواء تكلمي\nوعمي صباحا دار عبلة واسلمي";
        assert_eq!(run(poem, true), [true; 4]);
        let poem_doc = "بيت أول هنا.\nبيت ثان هنا.\nوقفت على الأطلال أبكي وأسأل\nفما رد الجواب سوى الصدى";
        assert_eq!(run_verse(poem_doc, true, true), [true; 4]);
    }

    #[test]
    fn captions_signatures_and_the_articles_own_points_stay_after_a_teaser() {
        let body = "اقرأ أيضا: عنوان آخر هنا\nسقطت قذائف صاروخية على الحي صباح اليوم وتصاعد الدخان.\nوقال السكان إن القذائف الصاروخية أصابت المنازل.\n";
        assert_eq!(
            run(&format!("{body}الدخان يتصاعد جراء القذائف الصاروخية"), true),
            [true; 4]
        );
        assert_eq!(run(&format!("{body}- ماجدة بنت عبدالله الحصين"), true), [true; 4]);
        assert_eq!(run(&format!("{body}- الرياض"), true), [true; 4]);
        assert_eq!(run(&format!("{body}ماجستير تربية خاصة - مدرب معتمد"), true), [true; 4]);
        assert_eq!(
            run(&format!("{body}وزير الصحة يفتتح مستشفى جديدا في الأحساء"), true),
            [true, true, true, false]
        );
    }

    #[test]
    fn short_documents_and_unpunctuated_bodies_are_left_alone() {
        assert_eq!(run("سطر أول\nسطر ثان بلا نقطة\nسطر ثالث هنا أيضا", true), [true; 3]);
        assert_eq!(run("جملة واحدة.\nعنوان آخر هنا الآن", true), [true, true]);
    }
}
