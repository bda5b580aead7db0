//! datatrove's words for Arabic, for the `fineweb2` parity preset: the tokens spaCy's blank `ar` tokenizer
//! makes of the *stored* text (not the key form), which is what FineWeb-2's filters count.
//!
//! spaCy splits on whitespace, then peels prefixes and suffixes off each chunk and splits it at infixes.
//! Punctuation becomes tokens of its own (so `،` is a "word", and one of FineWeb-2's Arabic stop words);
//! harakat and tatweel stay inside words; clitics are not split. This module re-implements those rules as
//! they apply to Arabic text (spaCy 3.x `lang/ar` suffixes, the default prefixes and infixes, the Arabic
//! abbreviation exceptions, its URL rule); emoticon exceptions and the URL rule's IP-address branch are left out. What
//! that costs in agreement is measured by `bench/parity_fineweb2.sh` (BENCHMARKS.md).

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// spaCy's punctuation (prefix and suffix) characters.
const PUNCT: &str = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪";
/// spaCy's quote characters.
const QUOTES: &str = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧";
/// Currency signs (single characters; `US$`, `C$`, `A$` are handled apart).
const CURRENCY: &str = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿";
/// Currency signs of more than one character.
const CURRENCY_MULTI: [&str; 3] = ["US$", "C$", "A$"];
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
/// spaCy's special cases that fit in one whitespace chunk (the Arabic abbreviations, and the emoticons and
/// marks of its base list): a chunk equal to one is one token, and so are adjacent tokens of one chunk that
/// together spell one (spaCy merges `)` `:` back into `):`).
const EXCEPTIONS: &[&str] = &[
    ".ت",
    ".م",
    ".هـ",
    "أ.",
    "أ.د",
    "أنا",
    "أيضـ",
    "إلخ",
    "الشـ",
    "الظـ",
    "اهـ",
    "ب.",
    "ت.",
    "ثنا",
    "ثنى",
    "د.",
    "ص.ب",
    "صلعم",
    "ق.م",
    "نا",
    "'",
    "''",
    "(*_*)",
    "(-8",
    "(-:",
    "(-;",
    "(-_-)",
    "(._.)",
    "(:",
    "(;",
    "(=",
    "(>_<)",
    "(^_^)",
    "(o:",
    "(¬_¬)",
    "(ಠ_ಠ)",
    "(╯°□°）╯︵┻━┻",
    ")-:",
    "):",
    "-_-",
    "-__-",
    "._.",
    "0.0",
    "0.o",
    "0_0",
    "0_o",
    "8)",
    "8-)",
    "8-D",
    "8D",
    ":'(",
    ":')",
    ":'-(",
    ":'-)",
    ":(",
    ":((",
    ":(((",
    ":()",
    ":)",
    ":))",
    ":)))",
    ":*",
    ":-(",
    ":-((",
    ":-(((",
    ":-)",
    ":-))",
    ":-)))",
    ":-*",
    ":-/",
    ":-0",
    ":-3",
    ":->",
    ":-D",
    ":-O",
    ":-P",
    ":-X",
    ":-]",
    ":-o",
    ":-p",
    ":-x",
    ":-|",
    ":-}",
    ":/",
    ":0",
    ":1",
    ":3",
    ":>",
    ":D",
    ":O",
    ":P",
    ":X",
    ":]",
    ":o",
    ":o)",
    ":p",
    ":x",
    ":|",
    ":}",
    ":’(",
    ":’)",
    ":’-(",
    ":’-)",
    ";)",
    ";-)",
    ";-D",
    ";D",
    ";_;",
    "<.<",
    "</3",
    "<3",
    "<33",
    "<333",
    "=(",
    "=)",
    "=/",
    "=3",
    "=D",
    "=[",
    "=]",
    "=|",
    ">.<",
    ">.>",
    ">:(",
    ">:o",
    "><(((*>",
    "@_@",
    "C++",
    "O.O",
    "O.o",
    "O_O",
    "O_o",
    "V.V",
    "V_V",
    "XD",
    "XDD",
    "[-:",
    "[:",
    "[=",
    "\\\")",
    "]=",
    "^_^",
    "^__^",
    "^___^",
    "a.",
    "b.",
    "c.",
    "d.",
    "e.",
    "f.",
    "g.",
    "h.",
    "i.",
    "j.",
    "k.",
    "l.",
    "m.",
    "n.",
    "o.",
    "o.0",
    "o.O",
    "o.o",
    "o_0",
    "o_O",
    "o_o",
    "p.",
    "q.",
    "r.",
    "s.",
    "t.",
    "u.",
    "v.",
    "v.v",
    "v_v",
    "w.",
    "x.",
    "xD",
    "xDD",
    "y.",
    "z.",
    "¯\\(ツ)/¯",
    "°C.",
    "°F.",
    "°K.",
    "°c.",
    "°f.",
    "°k.",
    "ä.",
    "ö.",
    "ü.",
    "ಠ_ಠ",
    "ಠ︵ಠ",
    "—",
    "’",
    "’’",
];

/// Python's `str.isalpha` for one character (a Letter category, so tatweel yes, harakat no); Arabic and
/// ASCII letters answer without the category table.
pub fn is_letter(c: char) -> bool {
    ('\u{0620}'..='\u{064A}').contains(&c) || c.is_ascii_alphabetic() || {
        !c.is_ascii() && c.general_category_group() == GeneralCategoryGroup::Letter
    }
}

/// True for characters no prefix, suffix or infix rule starts with (letters and digits): the common case,
/// answered without looking through the rule lists.
fn plain(c: char) -> bool {
    ('\u{0620}'..='\u{064A}').contains(&c) || c.is_ascii_alphanumeric()
}

/// Whether `s` is one of [`EXCEPTIONS`] (those of at most 32 bytes). Asked about every chunk, twice: a scan
/// of the whole list was a tenth of the run on tweets, where every document asks.
fn is_exception(s: &str) -> bool {
    static TABLE: std::sync::OnceLock<Exceptions> = std::sync::OnceLock::new();
    TABLE.get_or_init(Exceptions::new).contains(s)
}

/// [`EXCEPTIONS`] by length, each length's sorted; and per length, which bytes they start and end with: most
/// words are answered by two bit tests (an Arabic word of three letters is an exception only if it ends in
/// one of four letters), the rest by a binary search among the few of their length.
struct Exceptions {
    by_len: Vec<Vec<&'static str>>,
    first: Vec<[u64; 4]>,
    last: Vec<[u64; 4]>,
}

impl Exceptions {
    const MAX_LEN: usize = 32;

    fn new() -> Exceptions {
        let n = Self::MAX_LEN + 1;
        let mut t = Exceptions {
            by_len: vec![Vec::new(); n],
            first: vec![[0; 4]; n],
            last: vec![[0; 4]; n],
        };
        for e in EXCEPTIONS.iter().filter(|e| e.len() <= Self::MAX_LEN) {
            let b = e.as_bytes();
            t.by_len[b.len()].push(*e);
            if let (Some(f), Some(l)) = (b.first(), b.last()) {
                t.first[b.len()][usize::from(f >> 6)] |= 1 << (f & 63);
                t.last[b.len()][usize::from(l >> 6)] |= 1 << (l & 63);
            }
        }
        t.by_len.iter_mut().for_each(|b| b.sort_unstable());
        t
    }

    fn contains(&self, s: &str) -> bool {
        let b = s.as_bytes();
        let (Some(f), Some(l)) = (b.first(), b.last()) else {
            return false;
        };
        let has = |set: &[u64; 4], x: u8| set[usize::from(x >> 6)] & (1 << (x & 63)) != 0;
        b.len() <= Self::MAX_LEN
            && has(&self.first[b.len()], *f)
            && has(&self.last[b.len()], *l)
            && self.by_len[b.len()].binary_search(&s).is_ok()
    }
}

/// Merges adjacent tokens of `chunk` (those from `out[from..]`) that together spell a special case, longest
/// first, as spaCy's special-case matcher does.
fn merge_specials<'a>(chunk: &'a str, out: &mut Vec<&'a str>, from: usize) {
    if out.len() - from < 2 {
        return;
    }
    let base = chunk.as_ptr() as usize;
    let span = |a: &str, b: &str| {
        let start = a.as_ptr() as usize - base;
        &chunk[start..b.as_ptr() as usize - base + b.len()]
    };
    let tokens = out.split_off(from);
    let mut i = 0;
    while i < tokens.len() {
        // spaCy's matcher looks for each special case as the tokens it would otherwise be split into.
        let spells = |j: usize| {
            let candidate = span(tokens[i], tokens[j - 1]);
            is_exception(candidate) && {
                let mut plain = Vec::new();
                push_chunk(candidate, &mut plain, false);
                plain == tokens[i..j]
            }
        };
        let longest = (i + 2..=tokens.len()).rev().find(|&j| spells(j));
        match longest {
            Some(j) => {
                out.push(span(tokens[i], tokens[j - 1]));
                i = j;
            }
            None => {
                out.push(tokens[i]);
                i += 1;
            }
        }
    }
}

/// spaCy's "upper" class: uppercase Latin/Greek/Cyrillic, and every letter of an uncased script (Arabic).
fn is_upper(c: char) -> bool {
    is_letter(c) && !c.is_lowercase()
}

/// spaCy's "lower" class: lowercase letters and every letter of an uncased script.
fn is_lower(c: char) -> bool {
    is_letter(c) && !c.is_uppercase()
}

fn is_icon(c: char) -> bool {
    c.general_category() == GeneralCategory::OtherSymbol
}

/// Length in bytes of the prefix spaCy would split off `s`, or 0.
fn prefix_len(s: &str) -> usize {
    let Some(c) = s.chars().next() else { return 0 };
    if plain(c) {
        return 0;
    }
    if c == '.' {
        let dots = s.bytes().take_while(|b| *b == b'.').count();
        return if dots >= 2 { dots } else { 0 };
    }
    for multi in CURRENCY_MULTI {
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
    let has_digit = s.bytes().any(|b| b.is_ascii_digit());
    if plain(last) && !has_digit {
        return 0;
    }
    let body = &s[..s.len() - last.len_utf8()];
    let mut best = 0;
    let dots = s.bytes().rev().take_while(|b| *b == b'.').count();
    if dots >= 2 {
        best = dots;
    }
    let after_digit = |suffix: &str| s[..s.len() - suffix.len()].ends_with(|c: char| c.is_ascii_digit());
    if has_digit {
        // A unit or currency sign right after a number; the longest wins (`km` over `m`).
        let currency = CURRENCY.contains(last).then(|| &s[s.len() - last.len_utf8()..]);
        for unit in UNITS.iter().copied().chain(CURRENCY_MULTI).chain(currency) {
            if unit.len() > best && s.len() > unit.len() && s.ends_with(unit) && after_digit(unit) {
                best = unit.len();
            }
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

/// Length in bytes of an infix starting at byte `i` of `s` (after `prev`), or 0.
fn infix_len(s: &str, i: usize, prev: Option<char>) -> usize {
    let rest = &s[i..];
    let Some(c) = rest.chars().next() else { return 0 };
    if plain(c) {
        return 0;
    }
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
        ',' => is_letter(p) && after(1).is_some_and(is_letter),
        ':' | '<' | '>' | '=' | '/' => (is_letter(p) || p.is_ascii_digit()) && after(1).is_some_and(is_letter),
        _ => false,
    };
    if ok {
        return c.len_utf8();
    }
    if is_letter(p) {
        for h in ["-", "–", "—", "--", "---", "——", "~"] {
            if rest.starts_with(h) && after(h.len()).is_some_and(is_letter) {
                return h.len();
            }
        }
    }
    0
}

/// spaCy's URL rule, which keeps a chunk whole instead of splitting it at infixes: an optional scheme, then
/// dot-separated host labels ending in a top-level label of 2–63 lowercase (or uncased, so Arabic) letters,
/// an optional port and path. It also matches Arabic words joined by a full stop without a space
/// («العام.وقال»), which spaCy therefore keeps as one token. The IP-address branch is left out.
fn url_like(s: &str) -> bool {
    // The host needs a full stop before its top-level label: most chunks are answered here.
    if !s.contains('.') {
        return false;
    }
    let mut rest = s;
    if let Some(at) = rest.find("://") {
        let scheme = &rest[..at];
        if scheme.chars().count() >= 2 && scheme.chars().all(|c| c.is_alphanumeric() || "_+-.".contains(c)) {
            rest = &rest[at + 3..];
        }
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let mut host = &rest[..host_end];
    if let Some(at) = host.rfind('@') {
        host = &host[at + 1..];
    }
    if let Some((h, port)) = host.rsplit_once(':') {
        if !(2..=5).contains(&port.len()) || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        host = h;
    }
    let Some((labels, tld)) = host.rsplit_once('.') else {
        return false;
    };
    let tld_len = tld.chars().count();
    (2..=63).contains(&tld_len) && tld.chars().all(is_lower) && labels.split('.').all(host_label)
}

/// One host label of spaCy's URL rule.
fn host_label(label: &str) -> bool {
    let edge = |c: char| c.is_ascii_alphanumeric() || ('\u{A1}'..='\u{FFFF}').contains(&c);
    let n = label.chars().count();
    (1..=64).contains(&n)
        && label.starts_with(edge)
        && label.ends_with(edge)
        && label.chars().all(|c| edge(c) || c == '_' || c == '-')
}

/// Splits a chunk at its infixes, pushing pieces and infixes.
fn push_infixed<'a>(s: &'a str, out: &mut Vec<&'a str>, specials: bool) {
    if (specials && is_exception(s)) || url_like(s) {
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
fn push_chunk<'a>(chunk: &'a str, out: &mut Vec<&'a str>, specials: bool) {
    if one_token(chunk) {
        out.push(chunk);
    } else {
        push_by_rules(chunk, out, specials);
    }
}

/// [`push_chunk`] rule by rule.
fn push_by_rules<'a>(chunk: &'a str, out: &mut Vec<&'a str>, specials: bool) {
    let is_exception = |s: &str| specials && is_exception(s);
    let from = out.len();
    let mut s = chunk;
    let mut suffixes = Vec::new();
    while !s.is_empty() && !is_exception(s) {
        let pre = prefix_len(s);
        if pre > 0 && is_exception(&s[pre..]) {
            out.push(&s[..pre]);
            s = &s[pre..];
            break;
        }
        let suf = suffix_len(&s[pre..]);
        if suf > 0 && is_exception(&s[..s.len() - suf]) {
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
        push_infixed(s, out, specials);
    }
    out.extend(suffixes.into_iter().rev());
    if specials {
        merge_specials(chunk, out, from);
    }
}

/// True for a chunk of Arabic letters (tatweel included), harakat and ASCII letters only — most words of
/// Arabic text —, which no rule splits: no prefix, suffix or infix rule starts at such a character (a suffix
/// rule needs a digit or punctuation, the URL rule a full stop), and a chunk left whole is one token whether
/// or not it is a special case.
fn one_token(chunk: &str) -> bool {
    let b = chunk.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'a'..=b'z' | b'A'..=b'Z' => i += 1,
            // U+0620–U+063F.
            0xD8 if matches!(b.get(i + 1), Some(0xA0..=0xBF)) => i += 2,
            // U+0640–U+0652: tatweel, the letters after it, the harakat.
            0xD9 if matches!(b.get(i + 1), Some(0x80..=0x92)) => i += 2,
            _ => return false,
        }
    }
    true
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
        push_chunk(chunk, &mut out, true);
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
            (
                "إي.إل a.B كلمة.كلمة x.ب ب.X",
                &["إي.إل", "a", ".", "B", "كلمة.كلمة", "x", ".", "ب", "ب", ".", "X"],
            ),
            ("(www.spa.gov.sa).", &["(", "www.spa.gov.sa)."]),
        ];
        for (text, want) in cases {
            assert_eq!(&datatrove_tokens(text), want, "{text}");
        }
    }

    #[test]
    fn exceptions_are_found_as_the_whole_list_finds_them() {
        let listed = |s: &str| s.len() <= 32 && EXCEPTIONS.contains(&s);
        // Every entry, and every piece of one (most pieces are no exception; some are, like `:(` of `:((`).
        for e in EXCEPTIONS {
            for (i, _) in e.char_indices() {
                for (j, _) in e.char_indices().chain([(e.len(), ' ')]).filter(|(j, _)| *j > i) {
                    assert_eq!(is_exception(&e[i..j]), listed(&e[i..j]), "{:?}", &e[i..j]);
                }
            }
        }
        for s in ["", "في", "أنا", "صلعم", "صلعمx", ":)", ":-)", "(^_^)", "a", "..", "نا."] {
            assert_eq!(is_exception(s), listed(s), "{s:?}");
        }
        assert_eq!(
            datatrove_tokens("قال :) أنا (^_^) نا"),
            ["قال", ":)", "أنا", "(^_^)", "نا"]
        );
        // A chunk without a full stop is never a URL, whatever else it has.
        assert!(!url_like("http://localhost:8080/a") && url_like("http://x.com:8080/a"));
    }

    #[test]
    fn a_chunk_taken_whole_is_what_the_rules_leave_whole() {
        let fast: Vec<char> = ('a'..='z').chain('A'..='Z').chain('\u{0620}'..='\u{0652}').collect();
        let mut chunks: Vec<String> = fast.iter().map(|c| c.to_string()).collect();
        for a in &fast {
            for b in fast.iter().step_by(7) {
                chunks.push(format!("{a}{b}{a}"));
            }
        }
        chunks.extend(["قالَ", "الرئيسُ", "جـــميل", "أنا", "صلعم", "نا", "ثنى", "AT", "xyz"].map(String::from));
        for c in &chunks {
            assert!(one_token(c), "{c:?}");
            for specials in [true, false] {
                let mut by_rules = Vec::new();
                push_by_rules(c, &mut by_rules, specials);
                assert_eq!(by_rules, [c.as_str()], "{c:?}");
            }
        }
        for c in [
            "كلمة.",
            "5كم",
            "U.S.",
            "e-mail",
            "١٢",
            "كلمة،",
            "«بيان",
            "\u{0653}",
            "ab1",
        ] {
            assert!(!one_token(c), "{c:?}");
        }
    }

    #[test]
    fn punctuation_sets() {
        assert!(is_datatrove_punctuation('.') && is_datatrove_punctuation('«') && is_datatrove_punctuation('؟'));
        assert!(!is_datatrove_punctuation('،') && !is_datatrove_punctuation('؛') && !is_datatrove_punctuation('ب'));
        assert!(DATATROVE_TERMINAL.contains('؟') && !DATATROVE_TERMINAL.contains('"'));
    }
}
