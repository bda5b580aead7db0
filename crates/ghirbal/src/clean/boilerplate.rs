//! Boilerplate lines: teasers ("اقرأ أيضا: …"), follow/share bars, copyright footers, related-news headers,
//! ads and cookie notices. The rules live in `boilerplate_ar.txt` (one group per comment) and can be extended
//! in config. They match the **key form of whole, short lines** — anchored, so a sentence that merely mentions
//! one of these words inside real reporting is kept.

use crate::normalize::key;

/// How a rule matches a line's key.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Rule {
    /// The line starts with the phrase and has at most 30 words.
    Prefix(String),
    /// The line is exactly the phrase.
    Exact(String),
    /// The line contains the phrase and has at most 15 words.
    Contains(String),
    /// The line's tail, from the phrase (after other words) to the end, at most 30 words, is cut off.
    Tail(String),
}

/// The shipped rules.
pub const RULES: &str = include_str!("boilerplate_ar.txt");

/// Compiled boilerplate rules.
#[derive(Clone, Debug)]
pub struct Boilerplate {
    rules: Vec<(Rule, bool)>,
    /// The tail rules' phrases with a leading space, the form they have inside a line's key.
    tails: Vec<String>,
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
                "^" => Rule::Prefix(phrase),
                "=" => Rule::Exact(phrase),
                "~" => Rule::Contains(phrase),
                ">" => Rule::Tail(phrase),
                _ => return Err(format!("boilerplate rule {line:?} must start with ^, =, ~ or >")),
            };
            rules.push((rule, teaser));
        }
        let tails = rules
            .iter()
            .filter_map(|(rule, _)| match rule {
                Rule::Tail(p) => Some(format!(" {p}")),
                _ => None,
            })
            .collect();
        Ok(Boilerplate { rules, tails })
    }

    /// Which rule a line's key matches: `Some(is_teaser)`, or `None`.
    fn matches(&self, line_key: &str) -> Option<bool> {
        if line_key.is_empty() {
            return None;
        }
        // No rule matches a line of more than 30 words; most body paragraphs are longer, so stop counting.
        let words = line_key.split(' ').take(31).count();
        if words > 30 {
            return None;
        }
        self.rules.iter().find_map(|(rule, teaser)| {
            let hit = match rule {
                Rule::Exact(p) => line_key == p,
                Rule::Prefix(p) => {
                    words <= 30
                        && line_key.starts_with(p.as_str())
                        && line_key[p.len()..].chars().next().is_none_or(|c| c == ' ')
                }
                Rule::Contains(p) => words <= 15 && line_key.contains(p.as_str()),
                Rule::Tail(_) => false,
            };
            hit.then_some(*teaser)
        })
    }

    /// Marks boilerplate lines in `keep`; returns (lines dropped, whether a teaser/related marker was among
    /// them). A line with `©` and at most 15 words is a copyright footer.
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

    pub(super) fn mark(&self, lines: &[&str], keys: &[&str], keep: &mut [bool]) -> (usize, bool) {
        let (mut dropped, mut teaser) = (0, false);
        for (i, key) in keys.iter().enumerate() {
            if !keep[i] {
                continue;
            }
            let hit = self
                .matches(key)
                .or_else(|| (lines[i].contains('©') && key.split(' ').count() <= 15).then_some(false));
            if let Some(is_teaser) = hit {
                keep[i] = false;
                dropped += 1;
                teaser |= is_teaser;
            }
        }
        (dropped, teaser)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(line: &str) -> Option<bool> {
        Boilerplate::new(&[]).expect("rules").matches(&key(line))
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
        assert_eq!(b.matches(&key("حمّل تطبيقنا")), Some(false));
        assert!(Boilerplate::new(&["? x".to_owned()]).is_err());
        assert!(Boilerplate::new(&["= ...".to_owned()]).is_err());
    }
}
