//! Leading menus: text taken from a web page often opens with the site's navigation, one item per line or
//! several on a line («الرئيسية», «أخبار», «رياضة», «فيديو»; «الرئيسية › أخبار › محليات»), before the
//! article's title. No extractor knows it from the page's own paragraphs once it is plain text (a WET
//! record, a scraped `.txt`). The mirror of [`super::trailing`].
//!
//! The rule, exactly: take the run of non-blank lines at the start of the document in which every line is
//! menu-shaped — split on menu separators (`|` `›` `»` `>` `/` `•` `·` ` - `), each item has at most four
//! words, the line has at most 12, and it does not end a sentence or clause (. ؟ ! … : ، ؛). An item is
//! *navigation* when every word of it is a navigation word (`menu_ar.txt`, compared in the key form, as it
//! stands or with a leading «و» and «ال» taken off); a line is navigation when more than half of its items are. The block
//! removed is the run up to its last navigation line — the lines after that, short as they may be, are the
//! article's title, date or byline and stay. It goes when
//! - it holds at least three navigation items, and at least two thirds of its lines are navigation lines
//!   (a date line or a label among the menu items goes with them);
//! - the text after it has at least two lines that end a sentence: an article follows;
//! - the document is not verse ([`crate::text::looks_like_verse`]).
//!
//! Above a menu at the top of the page, the lines with no Arabic letter (the site's name in Latin letters,
//! editions, a language switch) go too; an Arabic line there (a title above its menu or breadcrumb) stays.
//! A line ending in a colon is never a menu line, and a run right after one is the text's own list.
//! A title that happens to be one navigation word («رياضة») is never three items; a hadith's «كتاب
//! الطهارة» / «باب الوضوء» or a poem's title and poet are not navigation words. A document is never
//! emptied by this rule.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::edits::Rule;
use super::marks::Marks;
use super::shape::{end_of, End};
use crate::normalize::chars::is_arabic_letter;

const WORDS: &str = include_str!("menu_ar.txt");
const MAX_ITEM_WORDS: usize = 4;
const MAX_LINE_WORDS: usize = 12;
const MIN_ITEMS: usize = 3;
/// How far into a document a menu is looked for (in non-blank lines).
const MAX_HEAD: usize = 60;

/// The navigation words' key forms, each also without its «ال», and the phrases (entries of two words or
/// more) whole.
fn vocabulary() -> &'static (HashSet<String>, HashSet<String>) {
    static SET: OnceLock<(HashSet<String>, HashSet<String>)> = OnceLock::new();
    SET.get_or_init(|| {
        let entries: Vec<String> = WORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(crate::normalize::key)
            .collect();
        let words: Vec<String> = entries.iter().filter(|e| !e.contains(' ')).cloned().collect();
        let bare: Vec<String> = words
            .iter()
            .filter_map(|w| strip(w, "ال"))
            .map(str::to_string)
            .collect();
        let phrases = entries.into_iter().filter(|e| e.contains(' ')).collect();
        (words.into_iter().chain(bare).collect(), phrases)
    })
}

/// `word` without `prefix`, when two letters or more are left.
fn strip<'w>(word: &'w str, prefix: &str) -> Option<&'w str> {
    word.strip_prefix(prefix).filter(|rest| rest.chars().count() >= 2)
}

/// True for a navigation word, as it stands or with a leading «و», «ال» or both taken off.
fn known(word: &str) -> bool {
    let v = &vocabulary().0;
    let bare = |w: &str| v.contains(w) || strip(w, "ال").is_some_and(|r| v.contains(r));
    bare(word) || strip(word, "و").is_some_and(bare)
}

/// The items of a menu-shaped line, or `None` when the line is not one. A line of digits (a date's parts)
/// is one with no items; a single word may end in a full stop («U.S.»).
fn menu_items(line: &str) -> Option<Vec<&str>> {
    let line = line.trim();
    let words = |s: &str| s.split_whitespace().count();
    if !line.contains(char::is_alphabetic) {
        return line.contains(char::is_numeric).then(Vec::new);
    }
    let ends = end_of(line) == End::Sentence || line.ends_with(['،', '؛', ',', ';']);
    if (ends && line.split_whitespace().nth(1).is_some()) || announces(line) {
        return None;
    }
    let items: Vec<&str> = line
        .split(['|', '›', '»', '>', '/', '•', '·', '◄', '►', '▸', '‹'])
        .flat_map(|part| part.split(" - "))
        .map(str::trim)
        .filter(|item| item.contains(char::is_alphanumeric))
        .collect();
    let short = items.iter().all(|i| words(i) <= MAX_ITEM_WORDS);
    (short && items.iter().map(|i| words(i)).sum::<usize>() <= MAX_LINE_WORDS).then_some(items)
}

/// True when every word of the item (a lone «و» aside) is a navigation word.
fn navigation(item: &str) -> bool {
    let key = crate::normalize::key(item);
    if vocabulary().1.contains(&key) {
        return true;
    }
    let mut words = key.split(' ').filter(|w| *w != "و").peekable();
    words.peek().is_some() && words.all(known)
}

/// A line that announces what follows: it ends in a colon («التالي:», «كالتالي:-»).
fn announces(line: &str) -> bool {
    let line = line.trim_end().trim_end_matches(['-', 'ـ', ' ']);
    line.ends_with(':')
}

/// A line that ends a sentence of three words or more: the article has begun.
fn sentence(line: &str) -> bool {
    end_of(line) == End::Sentence && line.split_whitespace().nth(2).is_some()
}

/// Navigation items of each line, or `None` for a line that is not menu-shaped.
type Menu = Option<(usize, bool)>;

/// The menu block of a run of menu-shaped lines `run` (indices into the head): from its first navigation line
/// to its last, when that holds three navigation items and two thirds of its lines are navigation lines.
fn core(head: &[Menu], run: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    let nav_line = |i: &usize| head[*i].is_some_and(|(_, nav)| nav);
    let first = run.clone().find(nav_line)?;
    let last = run.clone().rev().find(nav_line)?;
    let lines = first..last + 1;
    let items: usize = lines.clone().filter_map(|i| head[i]).map(|(n, _)| n).sum();
    let nav_lines = lines.clone().filter(nav_line).count();
    (items >= MIN_ITEMS && nav_lines * 3 >= lines.len() * 2).then_some(lines)
}

/// Removes the menu blocks at the head of a document.
pub(super) fn mark(m: &mut Marks<'_>, verse: impl FnOnce() -> bool) {
    let live = m.live();
    let head_len = live
        .iter()
        .take(MAX_HEAD)
        .position(|&i| sentence(m.text(i)))
        .unwrap_or(live.len().min(MAX_HEAD));
    let head: Vec<Menu> = live[..head_len]
        .iter()
        .map(|&i| {
            menu_items(m.text(i)).map(|items| {
                let nav = items.iter().filter(|item| navigation(item)).count();
                (nav, nav * 2 > items.len())
            })
        })
        .collect();
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut start = 0;
    while start < head.len() {
        let end = (start..head.len()).find(|&i| head[i].is_none()).unwrap_or(head.len());
        // A list a line announces («… الأقسام التالية:») is the text's own.
        let announced = start > 0 && announces(m.text(live[start - 1]));
        if let Some(lines) = core(&head, start..end).filter(|_| !announced) {
            // Above a menu at the top of the page, the lines with no Arabic letter (the site's name in Latin
            // letters, its editions, a language switch) go with it; an Arabic line there may be the article's
            // title, and stays.
            let above = (start == 0)
                .then(|| (0..lines.start).filter(|&i| !m.text(live[i]).chars().any(is_arabic_letter)))
                .into_iter()
                .flatten();
            blocks.push(above.chain(lines).collect());
        }
        start = end + 1;
    }
    let Some(last) = blocks.last().and_then(|b| b.last()).map(|&i| i + 1) else {
        return;
    };
    let sentences = live[last..]
        .iter()
        .filter(|&&i| end_of(m.text(i)) == End::Sentence)
        .count();
    if sentences < 2 || verse() {
        return;
    }
    for i in blocks.into_iter().flatten() {
        m.drop(live[i], Rule::LeadingLines);
    }
}

#[cfg(test)]
mod tests {
    use super::super::marks::Marks;
    use super::*;

    fn run(text: &str) -> Vec<bool> {
        let lines: Vec<&str> = text.split('\n').collect();
        let owned: Vec<String> = lines.iter().map(|l| crate::normalize::key(l)).collect();
        let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
        let mut m = Marks::new(&lines, &keys);
        mark(&mut m, || false);
        m.keep
    }

    const BODY: &str = "قال الوزير إن المشروع بدأ العام الماضي.\nوأضاف أن العمل مستمر حتى نهاية العام.";

    #[test]
    fn a_menu_before_the_title_goes_and_the_title_stays() {
        let t = format!("الرئيسية\nأخبار\nرياضة\nفيديو\nالهلال بطلا\n{BODY}");
        assert_eq!(run(&t), [false, false, false, false, true, true, true]);
        // On one line, with separators; the site's name and a section compound go with the items.
        let t = format!("الرئيسية | عربي ودولي | اقتصاد\nافتتاح مستشفى جديد في الأحساء\n{BODY}");
        assert_eq!(run(&t), [false, true, true, true]);
        // A Latin site name above the menu goes with it; an Arabic line there may be a title, and stays.
        let t = format!("Watan\nالرئيسية\nالأخبار\nالرياضة\n\nعنوان الخبر هنا\n{BODY}");
        assert_eq!(run(&t), [false, false, false, false, true, true, true, true]);
        let t = format!("الهلال بطلا للدوري\nأخبار | رياضة | فيديو\n{BODY}");
        assert_eq!(run(&t), [true, false, true, true]);
        let t = format!("افتتاح مستشفى جديد بالأحساء\nالرئيسية › أخبار › محليات\n{BODY}");
        assert_eq!(run(&t), [true, false, true, true]);
        let t = format!("الرئيسية › أخبار › محليات\n{BODY}");
        assert_eq!(run(&t), [false, true, true]);
    }

    #[test]
    fn the_head_of_real_pages_as_plain_text() {
        // The top of CNN Arabic's page as a whole-page text dump gives it: the site's name and editions,
        // then its menu, then the title.
        let cnn = "CNN\nالطبعة: العربية\nU.S.\nINTERNATIONAL\nMÉXICO\n: التلفزيون\nUS\nCNNi\nCNN en Español\nHLN\nالصفحة الرئيسية\nفيديو\nالشرق الأوسط\nالعالم\nاقتصاد وأعمال\nمنوعات\nصحة وتكنولوجيا\nرياضة\nملفات وتقارير\nمعارضون يسيطرون على مخازن للصواريخ بريف دمشق\nالأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)";
        let keep = run(&format!("{cnn}\n{BODY}"));
        let kept: Vec<usize> = (0..19).filter(|&i| keep[i]).collect();
        assert_eq!(
            kept,
            [1],
            "the head up to the title goes but «الطبعة: العربية», Arabic above the menu"
        );
        assert!(keep[19..].iter().all(|k| *k));
        // Assabah's: the page title first, then furniture, then the sections; only the sections go.
        let assabah = "الناشط الحقوقي السوداني خالد عبد الكريم ماسا لـ«الصباح»: كل الشروط متوفرة لثورة سودانية - الصباح | Assabah\nتجاوز إلى المحتوى الرئيسي\nاستمارة البحث\nبحث\nالمؤسس : الحبيب شيخ روحه - الجمعة 8 فيفري 2019\nتابعونا على\nFeb.\n19\n2020\nالأولى\nالحياة الوطنية\nوطنية\nالاقتصادية\nجهات\nقضايا المجتمع\nفكر و فن\nصباح العالم\nرياضة\nالناشط الحقوقي السوداني خالد عبد الكريم ماسا لـ«الصباح»: كل الشروط متوفرة لثورة سودانية";
        let keep = run(&format!("{assabah}\n{BODY}"));
        let gone: Vec<usize> = (0..keep.len()).filter(|&i| !keep[i]).collect();
        assert_eq!(gone, (9..18).collect::<Vec<_>>());
    }

    #[test]
    fn titles_labels_and_headings_stay() {
        // One navigation word as a title, a section label: fewer than three items.
        assert_eq!(run(&format!("رياضة\n{BODY}")), [true; 3]);
        assert_eq!(run(&format!("محليات\nأخبار\nالهلال بطلا للدوري\n{BODY}")), [true; 5]);
        // A hadith's book and chapter, a poem's title and poet.
        assert_eq!(run(&format!("كتاب الطهارة\nباب الوضوء\nفضل الوضوء\n{BODY}")), [true; 5]);
        assert_eq!(
            run("قصيدة الأطلال\nإبراهيم ناجي\nيا فؤادي لا تسل أين الهوى\nكان صرحا من خيال فهوى"),
            [true; 4]
        );
        // A menu with no article after it is not cut: nothing says what the page is.
        assert_eq!(run("الرئيسية\nأخبار\nرياضة\nفيديو\nعنوان"), [true; 5]);
        // A list of sections the article itself names, announced by a sentence.
        let t = format!("تضم الصحيفة الأقسام التالية:\nأخبار\nرياضة\nفيديو\n{BODY}");
        assert_eq!(run(&t), [true; 6]);
        let t = format!("تضم الصحيفة أقساما هي كالتالي:-\nأخبار\nرياضة\nفيديو\n{BODY}");
        assert_eq!(run(&t), [true; 6]);
        assert_eq!(run(&format!("الأقسام:\nأخبار\nرياضة\nفيديو\n{BODY}")), [true; 6]);
        // Books of a hadith collection.
        assert_eq!(run(&format!("كتاب الأدب\nكتاب الطب\nكتاب العلم\n{BODY}")), [true; 5]);
    }

    #[test]
    fn navigation_words_are_matched_in_their_forms() {
        for item in [
            "الأخبار",
            "أخبار",
            "والأخبار",
            "اتصل بنا",
            "من نحن",
            "عربي ودولي",
            "English",
            "آخر الأخبار",
        ] {
            assert!(navigation(item), "{item}");
        }
        for item in [
            "الهلال",
            "كتاب الطهارة",
            "كتاب الأدب",
            "وزير الصحة",
            "باب",
            "من",
            "عن",
            "آخر",
        ] {
            assert!(!navigation(item), "{item}");
        }
        assert!(menu_items("قال الوزير كذا.").is_none());
        assert!(menu_items("أقسام الموقع:").is_none());
        assert_eq!(
            menu_items("الرئيسية » أخبار - محليات"),
            Some(vec!["الرئيسية", "أخبار", "محليات"])
        );
    }
}
