//! datatrove's words for Arabic, for the `fineweb2` parity preset: the tokens spaCy's blank `ar` tokenizer
//! makes of the *stored* text (not the key form), which is what FineWeb-2's filters count.
//!
//! spaCy splits on whitespace, then peels prefixes and suffixes off each chunk and splits it at infixes.
//! Punctuation becomes tokens of its own (so `،` is a "word", and one of FineWeb-2's Arabic stop words);
//! harakat and tatweel stay inside words; clitics are not split. This module re-implements those rules as
//! they apply to Arabic text (spaCy 3.x `lang/ar` suffixes, the default prefixes and infixes, the Arabic
//! abbreviation exceptions); emoticon exceptions and URL detection beyond `://`/`www.` are left out. What
//! that costs in agreement is measured by `bench/parity_fineweb2.sh` (BENCHMARKS.md).

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// spaCy's punctuation (prefix and suffix) characters.
const PUNCT: &str = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪";
/// spaCy's quote characters.
const QUOTES: &str = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧";
/// Currency signs (single characters; `US$`, `C$`, `A$` are handled apart).
const CURRENCY: &str = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿";
/// Units split off a number they follow (`5كم` → `5`, `كم`), longest first.
const UNITS: &[&str] = &[
    "km²",
    "km³",
    "km/h",
    "kmh",
    "km",
    "m/s",
    "mph",
    "mbar",
    "hPa",
    "ha",
    "Pa",
    "dm²",
    "dm³",
    "dm",
    "cm²",
    "cm³",
    "cm",
    "mm²",
    "mm³",
    "mm",
    "µm",
    "nm",
    "yd",
    "in",
    "ft",
    "kg",
    "mg",
    "µg",
    "lb",
    "oz",
    "mb",
    "MB",
    "kb",
    "KB",
    "gb",
    "GB",
    "tb",
    "TB",
    "m²",
    "m³",
    "m",
    "g",
    "t",
    "T",
    "G",
    "M",
    "K",
    "%",
    "كم²",
    "كم³",
    "كم",
    "م²",
    "م³",
    "م",
    "سم²",
    "سم³",
    "سم",
    "مم²",
    "مم³",
    "مم",
    "غرام",
    "جرام",
    "جم",
    "كغ",
    "ملغ",
    "كوب",
    "اكواب",
];
/// spaCy's Arabic abbreviation exceptions that fit in one whitespace chunk: kept whole.
const EXCEPTIONS: &[&str] = &[
    ".ت", ".م", ".هـ", "أ.", "أ.د", "أنا", "أيضـ", "إلخ", "الشـ", "الظـ", "اهـ", "ب.", "ت.", "ثنا", "ثنى", "د.", "ص.ب",
    "صلعم", "ق.م", "نا", "'", "''",
];

fn is_alpha(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Letter
}

/// spaCy's "upper" class: uppercase Latin/Greek/Cyrillic, and every letter of an uncased script (Arabic).
fn is_upper(c: char) -> bool {
    is_alpha(c) && !c.is_lowercase()
}

/// spaCy's "lower" class: lowercase letters and every letter of an uncased script.
fn is_lower(c: char) -> bool {
    is_alpha(c) && !c.is_uppercase()
}

fn is_icon(c: char) -> bool {
    c.general_category() == GeneralCategory::OtherSymbol
}

/// Length in bytes of the prefix spaCy would split off `s`, or 0.
fn prefix_len(s: &str) -> usize {
    let Some(c) = s.chars().next() else { return 0 };
    if c == '.' {
        let dots = s.bytes().take_while(|b| *b == b'.').count();
        return if dots >= 2 { dots } else { 0 };
    }
    for multi in ["US$", "C$", "A$"] {
        if s.starts_with(multi) {
            return multi.len();
        }
    }
    let next_is_digit = s[c.len_utf8()..].starts_with(|n: char| n.is_ascii_digit());
    let single = "§%=—–".contains(c)
        || PUNCT.contains(c)
        || QUOTES.contains(c)
        || CURRENCY.contains(c)
        || is_icon(c)
        || (c == '+' && !next_is_digit);
    if single {
        c.len_utf8()
    } else {
        0
    }
}

/// Length in bytes of the suffix spaCy would split off `s` (its leftmost-starting suffix rule), or 0.
fn suffix_len(s: &str) -> usize {
    let Some(last) = s.chars().next_back() else { return 0 };
    let body = &s[..s.len() - last.len_utf8()];
    let mut best = 0;
    let dots = s.bytes().rev().take_while(|b| *b == b'.').count();
    if dots >= 2 {
        best = dots;
    }
    let after_digit = |suffix: &str| s[..s.len() - suffix.len()].ends_with(|c: char| c.is_ascii_digit());
    for unit in UNITS.iter().copied().chain(CURRENCY_SUFFIXES.iter().copied()) {
        if unit.len() > best && s.len() > unit.len() && s.ends_with(unit) && after_digit(unit) {
            best = unit.len();
        }
    }
    let mut before = body.chars().rev();
    let two_upper = before.next().is_some_and(is_upper) && before.next().is_some_and(is_upper);
    let single = PUNCT.contains(last)
        || QUOTES.contains(last)
        || (last == '+' && after_digit("+"))
        || (last == '.' && two_upper);
    if single {
        best = best.max(last.len_utf8());
    }
    best
}

/// Currency signs after a number, as suffix strings.
const CURRENCY_SUFFIXES: &[&str] = &[
    "US$", "C$", "A$", "$", "£", "€", "¥", "฿", "₽", "﷼", "₴", "₠", "₡", "₢", "₣", "₤", "₥", "₦", "₧", "₨", "₩", "₪",
    "₫", "₭", "₮", "₯", "₰", "₱", "₲", "₳", "₵", "₶", "₷", "₸", "₹", "₺", "₻", "₼", "₾", "₿",
];

/// Length in bytes of an infix starting at byte `i` of `s` (after `prev`), or 0.
fn infix_len(s: &str, i: usize, prev: Option<char>) -> usize {
    let rest = &s[i..];
    let Some(c) = rest.chars().next() else { return 0 };
    let after = |len: usize| rest[len..].chars().next();
    if c == '.' {
        let dots = rest.bytes().take_while(|b| *b == b'.').count();
        if dots >= 2 {
            return dots;
        }
    }
    if c == '…' || is_icon(c) {
        return c.len_utf8();
    }
    let Some(p) = prev else { return 0 };
    let quote = |x: char| QUOTES.contains(x);
    let ok = match c {
        '+' | '-' | '*' | '^' if p.is_ascii_digit() && after(1).is_some_and(|n| n.is_ascii_digit() || n == '-') => true,
        '.' => (is_lower(p) || quote(p)) && after(1).is_some_and(|n| is_upper(n) || quote(n)),
        ',' => is_alpha(p) && after(1).is_some_and(is_alpha),
        ':' | '<' | '>' | '=' | '/' => (is_alpha(p) || p.is_ascii_digit()) && after(1).is_some_and(is_alpha),
        _ => false,
    };
    if ok {
        return c.len_utf8();
    }
    if is_alpha(p) {
        for h in ["-", "–", "—", "--", "---", "——", "~"] {
            if rest.starts_with(h) && after(h.len()).is_some_and(is_alpha) {
                return h.len();
            }
        }
    }
    0
}

fn looks_like_url(s: &str) -> bool {
    s.contains("://") || s.starts_with("www.")
}

/// Splits a chunk at its infixes, pushing pieces and infixes.
fn push_infixed<'a>(s: &'a str, out: &mut Vec<&'a str>) {
    if EXCEPTIONS.contains(&s) || looks_like_url(s) {
        out.push(s);
        return;
    }
    let (mut start, mut i, mut prev) = (0, 0, None);
    while i < s.len() {
        let len = infix_len(s, i, prev);
        if len > 0 {
            if i > start {
                out.push(&s[start..i]);
            }
            out.push(&s[i..i + len]);
            i += len;
            start = i;
            prev = s[..i].chars().next_back();
            continue;
        }
        let c = s[i..].chars().next().map_or('\0', |c| c);
        prev = Some(c);
        i += c.len_utf8().max(1);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
}

/// Tokenises one whitespace-free chunk the way spaCy does: prefixes and suffixes first (stopping at an
/// exception), then infixes of what is left.
fn push_chunk<'a>(mut s: &'a str, out: &mut Vec<&'a str>) {
    let mut suffixes = Vec::new();
    while !s.is_empty() && !EXCEPTIONS.contains(&s) && !looks_like_url(s) {
        let pre = prefix_len(s);
        if pre > 0 && EXCEPTIONS.contains(&&s[pre..]) {
            out.push(&s[..pre]);
            s = &s[pre..];
            break;
        }
        let suf = suffix_len(&s[pre..]);
        if suf > 0 && EXCEPTIONS.contains(&&s[..s.len() - suf]) {
            suffixes.push(&s[s.len() - suf..]);
            s = &s[..s.len() - suf];
            break;
        }
        if pre == 0 && suf == 0 {
            break;
        }
        if pre > 0 {
            out.push(&s[..pre]);
        }
        if suf > 0 && pre + suf <= s.len() {
            suffixes.push(&s[s.len() - suf..]);
            s = &s[pre..s.len() - suf];
        } else {
            s = &s[pre..];
        }
    }
    if !s.is_empty() {
        push_infixed(s, out);
    }
    out.extend(suffixes.into_iter().rev());
}

/// datatrove's words (spaCy `ar` tokens) of `text`, as slices of it; whitespace is never a token.
///
/// ```
/// use ghirbal::text::datatrove_tokens;
/// assert_eq!(datatrove_tokens("قالَ الرئيسُ، في «بيان» 12%"), ["قالَ", "الرئيسُ", "،", "في", "«", "بيان", "»", "12", "%"]);
/// ```
pub fn datatrove_tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(text.len() / 5);
    for chunk in text.split(is_python_space).filter(|c| !c.is_empty()) {
        push_chunk(chunk, &mut out);
    }
    out
}

/// Python's `str.isspace`: Unicode whitespace plus the ASCII separators U+001C–U+001F.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1C}'..='\u{1F}').contains(&c)
}

/// datatrove's `PUNCTUATION_SET` (ASCII and common punctuation, its terminal marks, C0/C1 controls) — note
/// that it lacks the Arabic comma, semicolon and percent sign, so `،` counts as a word there.
pub fn is_datatrove_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation() || matches!(c, '\0'..='\u{8}' | '\u{B}'..='\u{1F}' | '\u{7F}');
    }
    if ('\u{0620}'..='\u{064A}').contains(&c) {
        return false; // Arabic letters: the common case, answered without scanning the lists below.
    }
    matches!(c, '\u{80}'..='\u{9F}')
        || (c.is_ascii_punctuation())
        || "«´»–—’“”„…∶━►、〈〉《》「」【】％（），１：；～".contains(c)
        || DATATROVE_TERMINAL.contains(c)
}

/// datatrove's `TERMINAL_PUNCTUATION` in the Basic Multilingual Plane (the supplementary-plane marks of
/// historic scripts are left out).
pub const DATATROVE_TERMINAL: &str = concat!(
    "!.?։؝؞؟۔܀܁܂߹࠷࠹࠽࠾।॥၊။።፧፨᙮᜵᜶។៕៖៙៚᠃᠉᥄᥅᪨᪩᪪᪫᭚᭛᭞᭟᭽᭾᰻᰼᱾᱿",
    "\u{203c}\u{203d}\u{2047}\u{2048}\u{2049}\u{2e2e}\u{2e3c}\u{2e53}\u{2e54}\u{3002}\u{a4ff}\u{a60e}\u{a60f}",
    "\u{a6f3}\u{a6f7}\u{a876}\u{a877}\u{a8ce}\u{a8cf}\u{a92f}\u{a9c8}\u{a9c9}\u{aa5d}\u{aa5e}\u{aa5f}\u{aaf0}",
    "\u{aaf1}\u{abeb}\u{fe52}\u{fe56}\u{fe57}\u{ff01}\u{ff0e}\u{ff1f}\u{ff61}",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_news_tokens() {
        // Cases checked against spaCy 3.x `spacy.blank("ar")` (datatrove 0.10.1's tokenizer for arb_Arab).
        let cases: &[(&str, &[&str])] = &[
            (
                "قالَ الرئيسُ، في بيانٍ: «اقرأ أيضاً» جـــميل",
                &[
                    "قالَ",
                    "الرئيسُ",
                    "،",
                    "في",
                    "بيانٍ",
                    ":",
                    "«",
                    "اقرأ",
                    "أيضاً",
                    "»",
                    "جـــميل",
                ],
            ),
            (
                "١٢٫٥٪ 12.5% وال\u{200c}كتاب؟",
                &["١٢٫٥", "٪", "12.5", "%", "وال\u{200c}كتاب", "؟"],
            ),
            ("U.S. e-mail (2015)", &["U.S.", "e", "-", "mail", "(", "2015", ")"]),
            ("أ.د. محمد\n\nسطر", &["أ", ".", "د.", "محمد", "سطر"]),
            ("العام. 2015. 5كم", &["العام", ".", "2015.", "5", "كم"]),
            (
                "كلمة...كلمة http://x.com/a-b",
                &["كلمة", "...", "كلمة", "http://x.com/a-b"],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(&datatrove_tokens(text), want, "{text}");
        }
    }

    #[test]
    fn punctuation_sets() {
        assert!(is_datatrove_punctuation('.') && is_datatrove_punctuation('«') && is_datatrove_punctuation('؟'));
        assert!(!is_datatrove_punctuation('،') && !is_datatrove_punctuation('؛') && !is_datatrove_punctuation('ب'));
        assert!(DATATROVE_TERMINAL.contains('؟') && !DATATROVE_TERMINAL.contains('"'));
    }
}
