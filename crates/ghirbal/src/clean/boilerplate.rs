//! Boilerplate lines: teasers ("اقرأ أيضا: …"), follow/share bars, copyright footers, related-news headers,
//! ads and cookie notices. The rules live in `boilerplate_ar.txt` (one group per comment) and can be extended
//! in config. They match the **key form of whole, short lines** — anchored, so a sentence that merely mentions
//! one of these words inside real reporting is kept.

use std::collections::HashMap;

use super::edits::Rule;
use super::marks::Marks;
use crate::normalize::key;

/// How a rule matches a line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    /// The line starts with the phrase and has at most 30 words.
    Prefix(String),
    /// The line is exactly the phrase.
    Exact(String),
    /// The line contains the phrase and has at most 15 words.
    Contains(String),
    /// The line's tail, from the phrase (after other words) to the end, at most 30 words, is cut off.
    Tail(String),
    /// The line's head, up to its first separator (`:`, `|`, `-`, `..`, …), is the phrase, and the line has
    /// at most 30 words: a teaser label followed by another story's headline («للمزيد: …»). Without the
    /// separator the words may start a sentence of the article («للمزيد من المعلومات …»).
    Label(String),
}

/// The shipped rules.
pub const RULES: &str = include_str!("boilerplate_ar.txt");

/// Compiled boilerplate rules.
#[derive(Clone, Debug)]
pub struct Boilerplate {
    rules: Vec<(Pattern, bool)>,
    /// The tail rules' phrases with a leading space, the form they have inside a line's key.
    tails: Vec<String>,
    index: RuleIndex,
}

/// The rules by what a line must hold to match them, each named by its place in the rule list: a line is
/// looked up, not tried against every rule (a hundred of them, for every short line of every document). The
/// first rule in the list that matches wins, as if they were tried in order.
#[derive(Clone, Debug, Default)]
struct RuleIndex {
    /// `=` rules by phrase (the first of any two with one phrase).
    exact: HashMap<String, usize>,
    /// `^` rules by the first word of their phrase (a line they match starts with that word), in order.
    prefix: HashMap<String, Vec<usize>>,
    /// `|` rules by phrase.
    label: HashMap<String, usize>,
    /// `~` rules, in order, each with its phrase's searcher built once.
    contains: Vec<(usize, memchr::memmem::Finder<'static>)>,
}

impl RuleIndex {
    fn of(rules: &[(Pattern, bool)]) -> RuleIndex {
        let mut index = RuleIndex::default();
        for (at, (rule, _)) in rules.iter().enumerate() {
            match rule {
                Pattern::Exact(p) => {
                    index.exact.entry(p.clone()).or_insert(at);
                }
                Pattern::Prefix(p) => index.prefix.entry(first_word(p).to_owned()).or_default().push(at),
                Pattern::Label(p) => {
                    index.label.entry(p.clone()).or_insert(at);
                }
                Pattern::Contains(p) => index
                    .contains
                    .push((at, memchr::memmem::Finder::new(p.as_bytes()).into_owned())),
                Pattern::Tail(_) => {}
            }
        }
        index
    }
}

/// A key's first word (keys separate words by single spaces).
fn first_word(key: &str) -> &str {
    key.split(' ').next().unwrap_or(key)
}

impl Boilerplate {
    /// Compiles the shipped rules plus `extra` lines in the same syntax (`^ phrase`, `= phrase`, `~ phrase`).
    pub fn new(extra: &[String]) -> Result<Boilerplate, String> {
        let mut rules = Vec::new();
        let mut teaser = false;
        for line in RULES.lines().map(str::to_owned).chain(extra.iter().cloned()) {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                teaser = comment.contains("[teaser]");
                continue;
            }
            let (kind, phrase) = line.split_at(line.find(' ').unwrap_or(line.len()));
            let phrase = key(phrase.trim());
            if phrase.is_empty() {
                return Err(format!("boilerplate rule {line:?} has no words"));
            }
            let rule = match kind {
                "^" => Pattern::Prefix(phrase),
                "=" => Pattern::Exact(phrase),
                "~" => Pattern::Contains(phrase),
                ">" => Pattern::Tail(phrase),
                "|" => Pattern::Label(phrase),
                _ => return Err(format!("boilerplate rule {line:?} must start with ^, =, ~, | or >")),
            };
            rules.push((rule, teaser));
        }
        let tails = rules
            .iter()
            .filter_map(|(rule, _)| match rule {
                Pattern::Tail(p) => Some(format!(" {p}")),
                _ => None,
            })
            .collect();
        Ok(Boilerplate {
            index: RuleIndex::of(&rules),
            rules,
            tails,
        })
    }

    /// Which rule a line matches (given its key): `Some(is_teaser)`, or `None`.
    #[cfg(test)]
    fn matches(&self, line: &str, line_key: &str) -> Option<bool> {
        self.hit(line, line_key).map(|(teaser, _)| teaser)
    }

    /// The rule a line matches: whether it is a teaser, and the phrase when the rule matches it anywhere in
    /// the line (`~`).
    fn hit(&self, line: &str, line_key: &str) -> Option<(bool, Option<&str>)> {
        if line_key.is_empty() {
            return None;
        }
        // No rule matches a line of more than 30 words; most body paragraphs are longer, so stop counting
        // (a key's words are split by single spaces: 30 spaces make 31 words).
        let words = memchr::memchr_iter(b' ', line_key.as_bytes()).take(30).count() + 1;
        if words > 30 {
            return None;
        }
        let index = &self.index;
        let mut first = index.exact.get(line_key).copied();
        let before = |first: Option<usize>, at: usize| first.is_none_or(|f| at < f);
        // A prefix the line starts with, followed by a space or the end: the line's first word is its first.
        let prefixes = index.prefix.get(first_word(line_key)).map_or(&[][..], Vec::as_slice);
        if let Some(&at) = prefixes.iter().take_while(|at| before(first, **at)).find(|at| {
            matches!(&self.rules[**at].0, Pattern::Prefix(p)
                if line_key.starts_with(p.as_str()) && line_key[p.len()..].chars().next().is_none_or(|c| c == ' '))
        }) {
            first = Some(at);
        }
        if words <= 15 && index.contains.first().is_some_and(|(at, _)| before(first, *at)) && !list_item(line) {
            if let Some((at, _)) = index
                .contains
                .iter()
                .take_while(|(at, _)| before(first, *at))
                .find(|(_, finder)| finder.find(line_key.as_bytes()).is_some())
            {
                first = Some(*at);
            }
        }
        if !index.label.is_empty() {
            if let Some(&at) = head_before_separator(line).and_then(|head| index.label.get(&key(head))) {
                if before(first, at) {
                    first = Some(at);
                }
            }
        }
        let (rule, teaser) = &self.rules[first?];
        Some((
            *teaser,
            if let Pattern::Contains(p) = rule {
                Some(p.as_str())
            } else {
                None
            },
        ))
    }

    /// Where a tail rule cuts `line` (a byte offset at a word start), given the line's key.
    pub(super) fn tail_cut(&self, line: &str, line_key: &str) -> Option<usize> {
        let phrase = self.tails.iter().find(|spaced| line_key.contains(spaced.as_str()))?;
        let phrase = &phrase[1..];
        // The rightmost word start whose key begins with the phrase, with at most 30 words after it.
        let starts = line
            .char_indices()
            .filter(|(i, c)| !c.is_whitespace() && (*i == 0 || line[..*i].ends_with(char::is_whitespace)))
            .map(|(i, _)| i);
        let cut = starts.filter(|&i| i > 0).rev().find(|&i| {
            let tail = key(&line[i..]);
            tail.starts_with(phrase) && tail[phrase.len()..].chars().next().is_none_or(|c| c == ' ')
        })?;
        // The tail starts a sentence of its own: what precedes it ends like one.
        let before = line[..cut].trim_end();
        let sentence_before = before.ends_with(['.', '!', '?', '؟', '»', '"', '”', ')']);
        (line[cut..].split_whitespace().count() <= 30 && sentence_before).then_some(cut)
    }

    /// Removes boilerplate lines and cuts link tails; returns whether a teaser or related-news marker was
    /// among them. A line with a copyright sign `©` (standing on its own, not the `Ã©` of mojibake) and at
    /// most 15 words is a copyright footer.
    pub(super) fn mark(&self, m: &mut Marks<'_>) -> bool {
        let mut teaser = false;
        for i in 0..m.lines.len() {
            if !m.keep[i] {
                continue;
            }
            let (line, key) = (m.lines[i], m.keys[i]);
            let hit = self
                .hit(line, key)
                .or_else(|| (copyright_sign(line) && key.split(' ').count() <= 15).then_some((false, None)));
            if let Some((is_teaser, phrase)) = hit {
                // A prompt or footer after a sentence of the text's own: only its clause goes.
                match phrase.and_then(|p| clause_cut(line, p)) {
                    Some(cut) => m.cut(i, cut, Rule::Boilerplate),
                    None => m.drop(i, Rule::Boilerplate),
                }
                teaser |= is_teaser;
            } else if let Some(cut) = self.tail_cut(line, key) {
                m.cut(i, cut, Rule::Boilerplate);
            }
        }
        teaser
    }
}

/// Where the clause holding `phrase` (a key) starts, when a sentence of at least four words of the text's
/// own precedes it, ended by `؛ ; . ! ? ؟` («وعنون الدكتور أول مقالاته بـ"إدارة المتعة"؛ للاطلاع على المقال
/// .. اضغط هنا»): the byte offset of the clause's first word.
fn clause_cut(line: &str, phrase: &str) -> Option<usize> {
    let ends = line.char_indices().filter(|&(i, c)| {
        matches!(c, '؛' | ';' | '!' | '?' | '؟')
            || (c == '.' && !line[i + 1..].starts_with('.') && !line[..i].ends_with('.'))
    });
    let cut = ends
        .map(|(i, c)| i + c.len_utf8())
        .rfind(|&at| key(&line[at..]).contains(phrase))?;
    let start = cut + (line[cut..].len() - line[cut..].trim_start().len());
    (key(&line[..cut]).split(' ').count() >= 4 && start < line.len()).then_some(start)
}

/// A `©` that is a copyright sign: not right after a letter, as in the mojibake `rÃ©fÃ©rence` (é read as
/// Latin-1) or `Â©` (© itself read as Latin-1, which the footer rules match by their words anyway).
fn copyright_sign(line: &str) -> bool {
    // memmem, not `match_indices('©')`: a char search looks for the last byte, A9, which is also the last
    // byte of every ة — in Arabic text it stops on most words.
    memchr::memmem::find_iter(line.as_bytes(), "©".as_bytes())
        .any(|i| !line[..i].chars().next_back().is_some_and(char::is_alphabetic))
}

/// A numbered or bulleted list item («١- افتح التطبيق واضغط هنا.»): a step of the text's own list, whatever
/// words it holds.
fn list_item(line: &str) -> bool {
    let line = line.trim_start();
    let digits = line.trim_start_matches(|c: char| c.is_numeric());
    (digits.len() < line.len() && digits.starts_with(['-', '.', ')', '–', '/']))
        || line.starts_with(['•', '-', '*', '–', '·'])
}

/// The head of a line up to its first separator (`:`, `|`, `-`, `–`, `—`, `..`, `…`, `»`, `«`, `؛`), when
/// some text precedes it: «للمزيد: عنوان», «قد يهمك.. عنوان», «قد يهمك | عنوان».
fn head_before_separator(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let at = line
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, ':' | '|' | '-' | '–' | '—' | '…' | '»' | '«' | '؛')
                || (c == '.' && line[i + 1..].starts_with('.'))
        })
        .map(|(i, _)| i)?;
    let head = line[..at].trim_end();
    (!head.is_empty()).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(line: &str) -> Option<bool> {
        Boilerplate::new(&[]).expect("rules").matches(line, &key(line))
    }

    #[test]
    fn teasers_footers_and_share_bars_match_in_any_spelling() {
        assert_eq!(
            hit("اقرأ أيضا : رسالة أمريكية للمعارضة السورية في الجنوب.. ماذا طلبت؟"),
            Some(true)
        );
        assert_eq!(hit("إقرأ ايضاً: عنوان آخر"), Some(true));
        assert_eq!(hit("أخبار ذات صلة"), Some(true));
        assert_eq!(hit("تابعونا على تويتر"), Some(false));
        assert_eq!(hit("جميع الحقوق محفوظة © 2015"), Some(false));
        assert_eq!(hit("شارك"), Some(false));
    }

    #[test]
    fn real_sentences_with_those_words_are_kept() {
        assert_eq!(
            hit("وقال الوزير إن على الجميع أن يقرأ أيضا تقرير اللجنة قبل التصويت."),
            None
        );
        assert_eq!(hit("شارك أكثر من ألف متسابق في السباق الذي أقيم أمس في جدة."), None);
        assert_eq!(hit("اقرأ أيضا"), Some(true));
        let long = format!("اقرأ أيضا {}", "كلمة ".repeat(40));
        assert_eq!(hit(&long), None, "a 40-word line is not a teaser");
        assert_eq!(hit("اقراءة في كتاب"), None);
        assert_eq!(hit("لمشاهدة الفيديو اضغط هنا"), Some(true));
        assert_eq!(hit("١- افتح المنبه في التطبيق ثم اضغط هنا."), None, "a step of a list");
        assert_eq!(hit("ثم اختر الملف واضغط هنا"), Some(true));
        let line = "وعنون الدكتور \"الحبيب\" أول مقالاته في \"سبق\" بـ\"إدارة المتعة\"؛ للاطلاع على المقال .. أضغط هنا";
        let cut = clause_cut(line, &key("اضغط هنا")).expect("a clause");
        assert_eq!(&line[cut..], "للاطلاع على المقال .. أضغط هنا");
        assert_eq!(
            clause_cut("لقراءة الحوار كاملا أنقر هنا", &key("انقر هنا")),
            None,
            "all of it is the prompt"
        );
    }

    #[test]
    fn a_link_line_glued_to_the_last_paragraph_is_cut_off() {
        let b = Boilerplate::new(&[]).expect("rules");
        let line = "وتبدأ الدراسة بعد الحج. رابط الخبر بصحيفة الوئام: «التعليم» ينفي تأجيل الدراسة";
        let cut = b.tail_cut(line, &key(line)).expect("cut");
        assert_eq!(line[..cut].trim_end(), "وتبدأ الدراسة بعد الحج.");
        assert_eq!(
            b.tail_cut("رابط الخبر: عنوان", &key("رابط الخبر: عنوان")),
            None,
            "a whole line is ^'s job"
        );
        let text = "قال إن رابط الخبر واضح";
        assert_eq!(b.tail_cut(text, &key(text)), None, "inside a sentence, it is reporting");
    }

    #[test]
    fn extra_rules_extend_and_bad_rules_are_refused() {
        let b = Boilerplate::new(&["= حمل تطبيقنا".to_owned()]).expect("rules");
        assert_eq!(b.matches("حمّل تطبيقنا", &key("حمّل تطبيقنا")), Some(false));
        assert!(Boilerplate::new(&["? x".to_owned()]).is_err());
        assert!(Boilerplate::new(&["= ...".to_owned()]).is_err());
    }

    /// The rules tried one by one in list order, as `hit` did before the index: the index must agree.
    fn hit_in_order<'b>(b: &'b Boilerplate, line: &str, line_key: &str) -> Option<(bool, Option<&'b str>)> {
        let words = line_key.split(' ').count();
        if line_key.is_empty() || words > 30 {
            return None;
        }
        b.rules.iter().find_map(|(rule, teaser)| {
            let hit = match rule {
                Pattern::Exact(p) => line_key == p,
                Pattern::Prefix(p) => {
                    line_key.starts_with(p.as_str()) && line_key[p.len()..].chars().next().is_none_or(|c| c == ' ')
                }
                Pattern::Contains(p) => {
                    let found = words <= 15 && !list_item(line) && line_key.contains(p.as_str());
                    return found.then_some((*teaser, Some(p.as_str())));
                }
                Pattern::Label(p) => head_before_separator(line).map(key).as_ref() == Some(p),
                Pattern::Tail(_) => false,
            };
            hit.then_some((*teaser, None))
        })
    }

    #[test]
    fn the_index_finds_the_rule_trying_every_rule_in_order_finds() {
        // Every shipped phrase alone, leading, trailing, inside, as a label, as a list item, and lines that
        // match two rules at once (the first in the list must win), plus rules added in config that repeat
        // a shipped phrase under another kind.
        let extra = ["~ تابعونا".to_owned(), "^ شارك".to_owned(), "= اقرا ايضا".to_owned()];
        let b = Boilerplate::new(&extra).expect("rules");
        let phrases: Vec<&str> = RULES
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once(' ').map(|(_, p)| p.trim()))
            .collect();
        let mut lines = Vec::new();
        for (k, p) in phrases.iter().enumerate() {
            let other = phrases[(k * 7 + 3) % phrases.len()];
            lines.extend([
                p.to_string(),
                format!("{p} عنوان خبر آخر"),
                format!("خبر {p}"),
                format!("قال الوزير {p} اليوم"),
                format!("{p}: عنوان خبر آخر"),
                format!("{p} | {other}"),
                format!("{other} {p}"),
                format!("١- {p}"),
                format!("{p} {}", "كلمة ".repeat(20)),
                format!("{p}{p}"),
            ]);
        }
        let mut hits = 0;
        for line in &lines {
            let k = key(line);
            let want = hit_in_order(&b, line, &k);
            assert_eq!(b.hit(line, &k), want, "{line}");
            hits += usize::from(want.is_some());
        }
        assert!(
            hits > lines.len() / 4,
            "the lines exercise the rules: {hits} of {}",
            lines.len()
        );
    }
}
