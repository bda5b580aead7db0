//! The **key profile**: the form used for hashing, MinHash, boilerplate matching and stop words, never stored.
//!
//! It is the output profile, then: Arabic combining marks removed; أ إ آ ٱ → ا, ى → ي, ة → ه, and by default
//! ؤ → و, ئ → ي; every number (ASCII, Arabic-Indic or Persian digits, with `.` `,` `٫` `٬` `،` between digits)
//! → `0`; punctuation and symbols (، ؛ ؟ ٪ « » … included) → a word break; lowercase; one space between
//! words, lines kept. Two spellings of one word (الأميركية / الامريكيه) get one key.

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::chars::{is_arabic_mark, TATWEEL, ZWNJ};
use super::output::output;

/// Optional folds of the key profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeyOptions {
    /// ؤ → و.
    pub fold_waw_hamza: bool,
    /// ئ → ي.
    pub fold_yeh_hamza: bool,
}

impl Default for KeyOptions {
    fn default() -> KeyOptions {
        KeyOptions {
            fold_waw_hamza: true,
            fold_yeh_hamza: true,
        }
    }
}

/// How a stage obtains the key form of a document: the optional folds, and whether the text is already in
/// the output profile (the `normalize` stage ran before it) or must be put into it first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeySpec {
    /// The optional folds.
    pub opts: KeyOptions,
    /// The text is already in the output profile.
    pub normalized: bool,
}

/// The key form of `text` (output profile first), with the default options.
///
/// ```
/// use ghirbal::normalize::key;
/// assert_eq!(key("الأميركيّة، في «٢٠١٥»!"), "الاميركيه في 0");
/// assert_eq!(key("إلى"), key("الى"));
/// ```
pub fn key(text: &str) -> String {
    key_with(text, &KeyOptions::default())
}

/// The key form of `text` with the given options.
pub fn key_with(text: &str, opts: &KeyOptions) -> String {
    let mut out = String::new();
    fold_into(&output(text), opts, &mut out);
    out
}

fn digit(c: char) -> bool {
    // No decimal digits lie below U+0660 but ASCII's, nor between the Arabic-Indic and Persian ones.
    matches!(c, '0'..='9' | '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}')
        || (c > '\u{06F9}' && c.general_category() == GeneralCategory::DecimalNumber)
}

/// Folds text that is already in the output profile into `out` (cleared first).
pub fn fold_into(text: &str, opts: &KeyOptions, out: &mut String) {
    fold::<false>(text, opts, out, false);
}

/// The analysis form the filters and exact dedup share: [`fold_into`], except that every line of `text`
/// gives exactly one line of `out` (blank lines stay, empty), so that `out.split('\n')` lines up with
/// `text.split('\n')`, and numbers keep their digits (as ASCII, decimal marks as `.`), so that «2013» and
/// «2014» are different words to the repetition rules. [`crate::dedup::exact::hash_key`] folds the numbers
/// back to `0` when it hashes.
///
/// ```
/// use ghirbal::normalize::{fold_lines_into, KeyOptions};
/// let mut out = String::new();
/// fold_lines_into("أ، ب ١٢٫٥\n\n  «ج»  \n", &KeyOptions::default(), &mut out);
/// assert_eq!(out, "ا ب 12.5\n\nج\n");
/// ```
pub fn fold_lines_into(text: &str, opts: &KeyOptions, out: &mut String) {
    fold::<false>(text, opts, out, true);
}

/// [`fold_lines_into`] of raw `text`, when [`fold_ignores_output`] holds for it — checked character by
/// character as it folds, so the text is read once — and false otherwise (then `out` holds a partial fold
/// and the caller folds the output form instead). For callers that need only the non-blank lines.
///
/// ```
/// use ghirbal::normalize::{fold_lines_unless_output_matters, KeyOptions};
/// let mut out = String::new();
/// assert!(fold_lines_unless_output_matters("قالـــت «الوزارة»", &KeyOptions::default(), &mut out));
/// assert_eq!(out, "قالت الوزاره");
/// assert!(!fold_lines_unless_output_matters("ﺍﻟﺴﻼﻡ", &KeyOptions::default(), &mut out));
/// ```
pub fn fold_lines_unless_output_matters(text: &str, opts: &KeyOptions, out: &mut String) -> bool {
    fold::<true>(text, opts, out, true)
}

/// [`fold_ignores_output`]'s test, one character at a time (the same rules, on code points rather than
/// UTF-8 units: distinct characters are distinct units either way).
#[derive(Default)]
struct OutputGuard {
    last: u32,
    run: u32,
}

impl OutputGuard {
    /// False once the output pass could change what folding `c` and what came before gives.
    #[inline]
    fn see(&mut self, c: char) -> bool {
        let cp = c as u32;
        if cp < 0x80 {
            self.last = cp;
            return !matches!(c, '\t' | '\r' | '\u{0B}' | '\u{0C}');
        }
        let dropped = match cp {
            0x0653..=0x0655 => return false,
            0x0600..=0x06FF => cp == 0x0640 || cp == 0x061C,
            0xA0..=0xFF => cp == 0xAD,
            0x2028 | 0x2029 => return false,
            0x2000..=0x206F => matches!(cp, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060 | 0x2066..=0x2069),
            _ => return false,
        };
        if dropped {
            return !matches!(self.last, 0x2E | 0x2C | 0x066B | 0x066C | 0x060C);
        }
        self.letter(cp)
    }

    /// A character the output profile neither drops nor changes (a letter, in the fold's inner loop): only
    /// a flood of one character matters.
    #[inline]
    fn letter(&mut self, cp: u32) -> bool {
        self.run = if cp == self.last { self.run + 1 } else { 1 };
        self.last = cp;
        self.run <= 3
    }
}

/// True when folding `text` itself gives the non-blank lines that folding its output form gives, so that a
/// caller that only needs those lines (site-line records) may skip the output pass. Checked on the bytes:
/// ASCII but tab, CR, VT and FF (which the output profile makes spaces or breaks and the fold drops);
/// Latin-1 above U+009F; the Arabic block but the combining madda and hamzas (U+0653–0655, which NFC
/// composes); general punctuation, spaces and controls up to U+206F but the line and paragraph separators;
/// and no run of four copies of one character once what the output profile drops is skipped (it caps
/// letter floods), nor any of those dropped characters right after a decimal mark (`12.\u{200F}5` is one
/// number once the mark is gone). Presentation forms and everything else answer false.
pub fn fold_ignores_output(text: &str) -> bool {
    let bytes = text.as_bytes();
    // `last` and `run` compare characters by their UTF-8 bytes (as a number), which is all a run needs.
    let (mut i, mut last, mut run) = (0, 0u32, 0u32);
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if matches!(b, b'\t' | b'\r' | 0x0B | 0x0C) {
                return false;
            }
            (i, last) = (i + 1, u32::from(b));
            continue;
        }
        let (unit, dropped) = if (0xD8..=0xDB).contains(&b) {
            // The Arabic block, nearly every non-ASCII character of Arabic text.
            let unit = u32::from(b) << 8 | u32::from(bytes.get(i + 1).copied().unwrap_or(0));
            if (0xD993..=0xD995).contains(&unit) {
                return false;
            }
            i += 2;
            (unit, unit == 0xD980 || unit == 0xD89C)
        } else {
            let Some((cp, len)) = other_safe_code_point(bytes, i) else {
                return false;
            };
            i += len;
            (
                cp,
                // ZWSP and ZWJ are not always dropped (ZWJ stays in emoji), but counting them as dropped only
                // makes the check refuse more.
                matches!(cp, 0xAD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060 | 0x2066..=0x2069),
            )
        };
        if dropped {
            // Dropped by the output profile; right after a decimal mark it would join two numbers there.
            if matches!(last, 0x2E | 0x2C | 0xD9AB | 0xD9AC | 0xD88C) {
                return false;
            }
            continue;
        }
        run = if unit == last { run + 1 } else { 1 };
        if run > 3 {
            return false;
        }
        last = unit;
    }
    true
}

/// The code point and length of the character at `i` if it is one [`fold_ignores_output`] accepts outside
/// ASCII and the Arabic block: Latin-1 above U+009F, U+2000–206F but the line and paragraph separators.
fn other_safe_code_point(bytes: &[u8], i: usize) -> Option<(u32, usize)> {
    let cont = |k: usize| u32::from(bytes.get(i + k).copied().unwrap_or(0) & 0x3F);
    match bytes[i] {
        b @ 0xC2..=0xC3 => {
            let cp = (u32::from(b & 0x1F) << 6) | cont(1);
            (cp >= 0xA0).then_some((cp, 2))
        }
        0xE2 => {
            let cp = (0x2 << 12) | (cont(1) << 6) | cont(2);
            ((0x2000..=0x206F).contains(&cp) && cp != 0x2028 && cp != 0x2029).then_some((cp, 3))
        }
        _ => None,
    }
}

/// The ASCII digit a decimal digit stands for (`0` for digits of scripts other than Latin, Arabic, Persian).
fn ascii_digit(c: char) -> char {
    let base = match c {
        '0'..='9' => return c,
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        _ => return '0',
    };
    char::from(b'0' + (c as u32 - base) as u8)
}

/// What folding one character does, whatever came before it (the state the fold keeps — a pending space or
/// line break, whether a number is open — is applied by [`Fold::apply`]). One function decides it for every
/// character, so the tables of the common characters ([`Tables`]) and the rest cannot disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// A letter, after its folds: it ends a number and joins the current word.
    Letter(char),
    /// A word break: spaces, punctuation, symbols.
    Break,
    /// Gone without a trace: marks, tatweel, joiners, format controls.
    Drop,
    /// A decimal digit, as its ASCII digit.
    Digit(char),
    /// `.` `,` `٫` `٬` `،`: a decimal mark between two digits, a word break elsewhere.
    DecimalMark,
    /// A line break.
    Newline,
    /// An honorific ligature or an upper-case letter outside ASCII (the per-character path).
    Slow,
}

fn classify(c: char, opts: &KeyOptions) -> Class {
    match c {
        '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' => Class::Letter(match c {
            'أ' | 'إ' | 'آ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            'ؤ' if opts.fold_waw_hamza => 'و',
            'ئ' if opts.fold_yeh_hamza => 'ي',
            _ => c,
        }),
        'ٱ' => Class::Letter('ا'),
        'a'..='z' => Class::Letter(c),
        '\n' => Class::Newline,
        ' ' => Class::Break,
        _ if digit(c) => Class::Digit(ascii_digit(c)),
        '.' | ',' | '٫' | '٬' | '،' => Class::DecimalMark,
        // The usual punctuation, without a look-up of its general category.
        _ if c.is_ascii_punctuation() || matches!(c, '،' | '؛' | '؟' | '«' | '»' | '٪' | '–' | '“' | '”') => {
            Class::Break
        }
        'A'..='Z' => Class::Letter(c.to_ascii_lowercase()),
        // Tatweel never reaches here from the output profile; dropping it lets raw text fold alike.
        _ if is_arabic_mark(c) || c == ZWNJ || c == '\u{200D}' || c == TATWEEL => Class::Drop,
        _ if ligature_phrase(c).is_some() => Class::Slow,
        _ => match c.general_category_group() {
            GeneralCategoryGroup::Punctuation | GeneralCategoryGroup::Symbol | GeneralCategoryGroup::Separator => {
                Class::Break
            }
            GeneralCategoryGroup::Other => Class::Drop,
            _ if c.is_uppercase() => Class::Slow,
            _ => Class::Letter(c),
        },
    }
}

/// [`classify`] of ASCII (`[0..128]`) and of the Arabic block U+0600–06FF (`[128..384]`, the two-byte
/// characters with lead bytes D8–DB): nearly every character of Arabic text, found by one index.
/// `same` marks the letters that fold to themselves.
struct Tables {
    class: [Class; 384],
    same: [bool; 384],
}

impl Tables {
    fn build(opts: &KeyOptions) -> Tables {
        let mut t = Tables {
            class: [Class::Drop; 384],
            same: [false; 384],
        };
        for i in 0..384 {
            let cp = if i < 128 { i as u32 } else { 0x0600 + (i as u32 - 128) };
            if let Some(c) = char::from_u32(cp) {
                t.class[i] = classify(c, opts);
                t.same[i] = t.class[i] == Class::Letter(c);
            }
        }
        t
    }

    /// The tables of `opts` (one set per combination of the optional folds, built once).
    fn get(opts: &KeyOptions) -> &'static Tables {
        static TABLES: std::sync::OnceLock<[Tables; 4]> = std::sync::OnceLock::new();
        let all = TABLES.get_or_init(|| {
            [0, 1, 2, 3].map(|k| {
                Tables::build(&KeyOptions {
                    fold_waw_hamza: k & 1 != 0,
                    fold_yeh_hamza: k & 2 != 0,
                })
            })
        });
        &all[usize::from(opts.fold_waw_hamza) | usize::from(opts.fold_yeh_hamza) << 1]
    }
}

/// The character at byte `i` of `text`, its length and its class: ASCII and the Arabic block from the
/// tables, anything else by [`classify`].
#[inline]
fn next_char(text: &str, i: usize, tables: &Tables, opts: &KeyOptions) -> Option<(char, usize, Class)> {
    let bytes = text.as_bytes();
    let b = *bytes.get(i)?;
    if b < 0x80 {
        return Some((char::from(b), 1, tables.class[usize::from(b)]));
    }
    if (0xD8..=0xDB).contains(&b) {
        if let Some(&b2) = bytes.get(i + 1) {
            let index = usize::from(b - 0xD8) << 6 | usize::from(b2 & 0x3F);
            // Always a character (U+0600–06FF); were it not, the general path below would decode it.
            if let Some(c) = char::from_u32(0x0600 + index as u32) {
                return Some((c, 2, tables.class[128 + index]));
            }
        }
    }
    let c = text.get(i..)?.chars().next()?;
    Some((c, c.len_utf8(), classify(c, opts)))
}

/// `analysis`: keep lines and number digits (see [`fold_lines_into`]); otherwise collapse both. `GUARDED`:
/// stop and answer false as soon as [`OutputGuard`] refuses a character (else always true).
fn fold<const GUARDED: bool>(text: &str, opts: &KeyOptions, out: &mut String, analysis: bool) -> bool {
    fold_with::<GUARDED, true>(text, opts, out, analysis)
}

/// [`fold`]; `RUNS`: letters go through [`letter_run`] (false only in tests, where the character-by-character
/// fold is the reference the runs must give byte for byte).
fn fold_with<const GUARDED: bool, const RUNS: bool>(
    text: &str,
    opts: &KeyOptions,
    out: &mut String,
    analysis: bool,
) -> bool {
    out.clear();
    out.reserve(text.len());
    let tables = Tables::get(opts);
    let mut state = Fold {
        space: false,
        newline: false,
        in_number: false,
        analysis,
    };
    let mut guard = OutputGuard::default();
    let mut i = 0;
    while let Some((c, len, class)) = next_char(text, i, tables, opts) {
        if GUARDED && !guard.see(c) {
            return false;
        }
        if let (true, Class::Letter(folded)) = (RUNS, class) {
            // A letter starts a run of letters (and the marks and single spaces between them), written at once.
            state.in_number = false;
            push_break(out, &mut state.space, &mut state.newline);
            let from = if folded == c {
                i
            } else {
                out.push(folded);
                i + len
            };
            let Some(end) = letter_run::<GUARDED>(text, (from, i + len), tables, &mut guard, out) else {
                return false;
            };
            i = end;
            continue;
        }
        i += len;
        match class {
            Class::Slow => state.slow(c, opts, out),
            Class::DecimalMark => {
                let next_digit = text.get(i..).and_then(|rest| rest.chars().next()).is_some_and(digit);
                state.decimal_mark(next_digit, out);
            }
            _ => state.apply(class, out),
        }
    }
    true
}

/// The inner loop of the fold: most of an Arabic text is runs of letters (ASCII or the Arabic block) one
/// space apart. From byte `i` on (after a letter already folded, whose bytes from `from` on are still to
/// write), writes to `out` what [`Fold::apply`] character by character would: letters that fold to themselves
/// and single spaces between letters are copied as they stand, a stretch at a time; letters that fold to
/// another letter are written folded; marks and other characters the fold drops are left out (none of them
/// changes the fold's state). Answers where the run ends — before anything else, or before a space not
/// followed by a letter — having written everything before it; the guard sees each character as
/// [`OutputGuard::see`] would (`None` once it refuses one).
#[inline]
fn letter_run<const GUARDED: bool>(
    text: &str,
    (mut from, mut i): (usize, usize),
    tables: &Tables,
    guard: &mut OutputGuard,
    out: &mut String,
) -> Option<usize> {
    let bytes = text.as_bytes();
    // Where a space was let into the run: the run ends there unless a letter follows it.
    let mut space = None;
    while let Some(&b) = bytes.get(i) {
        let (index, len) = if b < 0x80 {
            (usize::from(b), 1)
        } else if b & 0xFC == 0xD8 {
            let Some(&b2) = bytes.get(i + 1) else { break };
            (128 + (usize::from(b - 0xD8) << 6 | usize::from(b2 & 0x3F)), 2)
        } else {
            break;
        };
        if tables.same[index] {
            if GUARDED {
                let kept = if len == 1 {
                    guard.last = u32::from(b);
                    true
                } else {
                    guard.letter(0x0600 + (index - 128) as u32)
                };
                if !kept {
                    return None;
                }
            }
            (i, space) = (i + len, None);
            continue;
        }
        if b == b' ' && space.is_none() {
            if GUARDED {
                guard.last = u32::from(b);
            }
            (space, i) = (Some(i), i + 1);
            continue;
        }
        let folded = match tables.class[index] {
            Class::Letter(folded) => Some(folded),
            Class::Drop if space.is_none() => None,
            _ => break,
        };
        if GUARDED {
            // The tables' characters are ASCII and U+0600–06FF: the decoding cannot fail.
            let c = char::from_u32(if len == 1 {
                index as u32
            } else {
                0x0600 + (index - 128) as u32
            });
            if !c.is_some_and(|c| guard.see(c)) {
                return None;
            }
        }
        out.push_str(&text[from..i]);
        if let Some(folded) = folded {
            out.push(folded);
        }
        (i, from, space) = (i + len, i + len, None);
    }
    let end = space.unwrap_or(i);
    out.push_str(&text[from..end]);
    Some(end)
}

/// The fold's state between characters.
struct Fold {
    space: bool,
    newline: bool,
    in_number: bool,
    analysis: bool,
}

impl Fold {
    #[inline]
    fn apply(&mut self, class: Class, out: &mut String) {
        match class {
            Class::Letter(c) => {
                self.in_number = false;
                push_break(out, &mut self.space, &mut self.newline);
                out.push(c);
            }
            Class::Break => {
                self.space = true;
                self.in_number = false;
            }
            Class::Drop | Class::Slow | Class::DecimalMark => {}
            Class::Newline if self.analysis => {
                out.push('\n');
                (self.space, self.in_number) = (false, false);
            }
            Class::Newline => {
                self.newline = true;
                self.in_number = false;
            }
            Class::Digit(d) => {
                if !self.in_number {
                    push_break(out, &mut self.space, &mut self.newline);
                    self.in_number = true;
                    if !self.analysis {
                        out.push('0');
                    }
                }
                if self.analysis {
                    out.push(d);
                }
            }
        }
    }

    /// A decimal mark: part of the number when a digit follows one, else a word break.
    fn decimal_mark(&mut self, next_digit: bool, out: &mut String) {
        if self.in_number && next_digit {
            if self.analysis {
                out.push('.');
            }
        } else {
            self.apply(Class::Break, out);
        }
    }

    /// Honorific ligatures and upper-case letters outside ASCII.
    fn slow(&mut self, c: char, opts: &KeyOptions, out: &mut String) {
        if let Some(phrase) = ligature_phrase(c) {
            // Honorific ligatures are kept in stored text; their key is the phrase they stand for, so that a
            // text spelling the phrase out has the same key.
            self.space = true;
            let mut sub = String::new();
            fold::<false>(phrase, opts, &mut sub, self.analysis);
            push_break(out, &mut self.space, &mut self.newline);
            out.push_str(&sub);
            self.space = true;
        } else {
            push_break(out, &mut self.space, &mut self.newline);
            out.extend(c.to_lowercase());
        }
        self.in_number = false;
    }
}

fn ligature_phrase(c: char) -> Option<&'static str> {
    match c {
        '\u{FDFA}' => Some("صلى الله عليه وسلم"),
        '\u{FDFB}' => Some("جل جلاله"),
        '\u{FDFD}' => Some("بسم الله الرحمن الرحيم"),
        _ => None,
    }
}

#[inline]
fn push_break(out: &mut String, space: &mut bool, newline: &mut bool) {
    // Inside a word neither flag is set: the common case returns at once.
    if !(*space || *newline) {
        return;
    }
    if !out.is_empty() && !out.ends_with('\n') {
        if *newline {
            out.push('\n');
        } else if *space {
            out.push(' ');
        }
    }
    *space = false;
    *newline = false;
}

#[cfg(test)]
mod table_tests {
    use super::*;

    /// The tables and the decoding around them give, for every character, what [`classify`] gives.
    #[test]
    fn tables_agree_with_classify_on_every_character() {
        for opts in [0, 1, 2, 3].map(|k| KeyOptions {
            fold_waw_hamza: k & 1 != 0,
            fold_yeh_hamza: k & 2 != 0,
        }) {
            let tables = Tables::get(&opts);
            for c in (0..=0x2FFFFu32).filter_map(char::from_u32) {
                let text = format!("{c}x");
                assert_eq!(
                    next_char(&text, 0, tables, &opts),
                    Some((c, c.len_utf8(), classify(c, &opts))),
                    "U+{:04X} under {opts:?}",
                    c as u32
                );
            }
            for (i, same) in tables.same.iter().enumerate() {
                let c = char::from_u32(if i < 128 { i as u32 } else { 0x0600 + i as u32 - 128 }).expect("char");
                assert_eq!(*same, classify(c, &opts) == Class::Letter(c), "U+{:04X}", c as u32);
                if *same {
                    // The inner loop's guard step is the guard's own for these.
                    let (mut a, mut b) = (OutputGuard::default(), OutputGuard::default());
                    for _ in 0..5 {
                        assert_eq!(a.see(c), c.is_ascii() || b.letter(c as u32), "U+{:04X}", c as u32);
                    }
                }
            }
            assert_eq!(next_char("", 0, tables, &opts), None);
        }
    }

    /// Every way of folding `text` with runs against the character-by-character fold (the reference): the
    /// same bytes and the same answer, under every option, in both forms, with and without the guard.
    fn assert_runs_fold_alike(text: &str) {
        let (mut fast, mut slow) = (String::new(), String::new());
        for k in 0..4 {
            let opts = KeyOptions {
                fold_waw_hamza: k & 1 != 0,
                fold_yeh_hamza: k & 2 != 0,
            };
            for analysis in [false, true] {
                let a = fold_with::<false, true>(text, &opts, &mut fast, analysis);
                let b = fold_with::<false, false>(text, &opts, &mut slow, analysis);
                assert!(a && b);
                assert_eq!(fast, slow, "{text:?} under {opts:?}, analysis {analysis}");
                let a = fold_with::<true, true>(text, &opts, &mut fast, analysis);
                let b = fold_with::<true, false>(text, &opts, &mut slow, analysis);
                assert_eq!(a, b, "guard's answer on {text:?}");
                if a {
                    assert_eq!(fast, slow, "guarded {text:?} under {opts:?}, analysis {analysis}");
                }
            }
        }
    }

    /// Texts made of the pieces where a run must stop, fold, skip or go on: letters that fold to themselves
    /// and to others, marks (the three the guard refuses included), tatweel, single and double spaces, line
    /// breaks, tabs, digits and decimal marks, punctuation, upper case, floods of one letter, characters
    /// outside the tables.
    #[test]
    fn runs_fold_as_the_characters_do() {
        const PIECES: [&str; 40] = [
            "ب", "ت", "ال", "أ", "إ", "آ", "ى", "ة", "ؤ", "ئ", "ٱ", "\u{064E}", "\u{0651}", "\u{0653}", "\u{0654}",
            "ـ", "\u{061C}", " ", "  ", "\n", "\t", "\r", "1", "٢", ".", ",", "٫", "،", "«", "!", "A", "Zx", "é",
            "\u{200C}", "\u{200D}", "ﷺ", "ﺍ", "中", "هههه", "\u{00AD}",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 12) as usize;
            let text: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            assert_runs_fold_alike(&text);
        }
    }

    /// The same on real text of several languages and scripts, line by line and whole.
    #[test]
    fn runs_fold_real_text_as_the_characters_do() {
        let texts = [
            include_str!("../../tests/data/lid/ar.txt"),
            include_str!("../../tests/data/lid/arz.txt"),
            include_str!("../../tests/data/lid/fa.txt"),
            include_str!("../../tests/data/lid/ur.txt"),
            include_str!("../../tests/data/lid/mixed.txt"),
            include_str!("../../tests/data/lid/en.txt"),
            include_str!("../../tests/data/web/assabah.gold.txt"),
            include_str!("../../tests/data/web/cnn_arabic.gold.txt"),
        ];
        let mut lines = 0;
        for text in texts {
            assert_runs_fold_alike(text);
            for line in text.lines().filter(|l| !l.is_empty()) {
                assert_runs_fold_alike(line);
                lines += 1;
            }
        }
        assert!(lines > 100, "only {lines} lines of text");
    }
}
