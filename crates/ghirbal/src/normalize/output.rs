//! The **output profile**: what ghirbal does to the text it stores (DESIGN §5). It repairs encoding noise and
//! never changes what a reader sees or means: no letter folding, no harakat stripped, no digit or punctuation
//! conversion.
//!
//! In order: NFC; presentation forms (U+FB50–FDFF, U+FE70–FEFE) mapped range by range to base letters (not
//! whole-text NFKC, which expands ﷺ into a phrase and puts spaces before isolated harakat); bidi and
//! invisible controls removed; tatweel removed, but for one that separates a proclitic from a digit, a Latin
//! letter or a quotation mark («الـ24», «بـ"ذا فويس"», «الـUN»: without it the clitic would be glued to
//! what follows); ZWNJ, ZWSP and ZWJ between two letters of the Arabic alphabet removed (they join or break
//! nothing there, and split the word for every tokenizer), and ZWSP at a word's edge;
//! Arabic-script letters repeated more than three times capped at three; whitespace normalised (one space
//! between words, no spaces at line ends, CRLF → LF, at most one blank line between paragraphs).

use unicode_normalization::char::decompose_compatible;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::chars::*;

/// How many edits of each kind the output profile made to one text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Edits {
    /// The text was not in NFC.
    pub nfc: u32,
    /// Presentation-form characters mapped to base letters.
    pub presentation_forms: u32,
    /// Invisible or bidi controls removed.
    pub invisible: u32,
    /// Tatweel characters removed.
    pub tatweel: u32,
    /// ZWNJ removed between Arabic letters.
    pub zwnj: u32,
    /// ZWSP or ZWJ removed between Arabic letters (ZWSP also at a word's edge).
    pub zero_width: u32,
    /// Repeated letters removed (beyond three).
    pub repeats: u32,
    /// Whitespace characters removed or replaced.
    pub whitespace: u32,
}

impl Edits {
    /// Total edits.
    pub fn total(&self) -> u32 {
        self.nfc
            + self.presentation_forms
            + self.invisible
            + self.tatweel
            + self.zwnj
            + self.zero_width
            + self.repeats
            + self.whitespace
    }

    /// The non-zero counts as (name, count), for `meta.ghirbal.normalize`.
    pub fn nonzero(&self) -> Vec<(&'static str, u32)> {
        let all = [
            ("nfc", self.nfc),
            ("presentation_forms", self.presentation_forms),
            ("invisible", self.invisible),
            ("tatweel", self.tatweel),
            ("zwnj", self.zwnj),
            ("zero_width", self.zero_width),
            ("repeats", self.repeats),
            ("whitespace", self.whitespace),
        ];
        all.into_iter().filter(|(_, n)| *n > 0).collect()
    }
}

/// Applies the output profile to `text`.
///
/// ```
/// use ghirbal::normalize::output;
/// assert_eq!(output("ﺍﻟﺴﻼﻡ  عليـــكم\u{200F}"), "السلام عليكم");
/// assert_eq!(output("صَلَّى اللهُ ﷺ"), "صَلَّى اللهُ ﷺ");
/// ```
pub fn output(text: &str) -> String {
    output_with_edits(text).0
}

/// Applies the output profile and counts what it changed.
pub fn output_with_edits(text: &str) -> (String, Edits) {
    let (mut out, mut edits, status, mut risk) = pass(text, Edits::default());
    // The pass also checked, on the way, whether the input was NFC. Rarely it was not: then normalise the
    // input and run the pass again.
    let nfc = match status {
        Nfc::Yes => None,
        Nfc::ReorderMarks => Some(reorder_marks(text)),
        Nfc::Maybe if is_nfc_quick(text.chars()) == IsNormalized::Yes => None,
        Nfc::Maybe => Some(text.nfc().collect::<String>()),
    };
    if let Some(nfc) = nfc.filter(|n| n != text) {
        (out, edits, _, risk) = pass(
            &nfc,
            Edits {
                nfc: 1,
                ..Edits::default()
            },
        );
    }
    // Removing a tatweel or a control between a letter and a combining mark, or mapping a presentation form
    // before one, can leave a composable pair; nothing else the pass does can.
    if risk && maybe_not_nfc(&out) {
        let composed: String = out.nfc().collect();
        if composed != out {
            edits.nfc = 1;
            out = composed;
        }
    }
    (out, edits)
}

/// One pass of the profile over `text`; also says whether `text` was NFC, and whether the output may not be
/// (a combining mark now follows a character it did not follow in the input).
fn pass(text: &str, edits: Edits) -> (String, Edits, Nfc, bool) {
    pass_with(text, edits, true)
}

/// [`pass`], with or without the byte loop over runs of plain characters (`runs`; tests compare the two).
fn pass_with(text: &str, edits: Edits, runs: bool) -> (String, Edits, Nfc, bool) {
    let mut w = Writer {
        out: String::with_capacity(text.len()),
        edits,
        ..Writer::default()
    };
    let mut nfc = NfcTracker::default();
    let mut i = 0;
    while i < text.len() {
        // Most of a text is letters, digits, punctuation and single spaces that need no edit: taken a byte at
        // a time, and copied at once.
        let end = if runs { w.plain_run(text.as_bytes(), i) } else { i };
        if end > i {
            w.out.push_str(&text[i..end]);
            nfc.previous = 0;
            i = end;
        }
        let Some(c) = text[i..].chars().next() else { break };
        nfc.see(c);
        i += c.len_utf8();
        if w.plain(c) {
            w.out.push(c);
            w.note_plain(c);
        } else if c == '\r' && text.as_bytes().get(i) == Some(&b'\n') {
            w.edits.whitespace += 1;
        } else {
            w.push(c);
        }
    }
    w.finish();
    (w.out, w.edits, nfc.status, w.compose_risk)
}

/// How a character of the Arabic block (U+0600–06FF) takes the byte loop of [`Writer::plain_run`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    /// Not at all: tatweel, controls, marks (their combining class and base letter are tracked one by one).
    Stop,
    /// Always plain: digits, punctuation, signs (never a flood, never out of NFC).
    Plain,
    /// A letter: plain unless it would be the fourth copy in a row.
    Letter,
}

fn block_runs() -> &'static [Run; 256] {
    static TABLE: std::sync::OnceLock<[Run; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|low| {
            let c = char::from_u32(0x0600 + low as u32).unwrap_or(TATWEEL);
            if special(c) || is_arabic_mark(c) || nfc_class(c as u32) != Some(0) {
                Run::Stop
            } else if is_arabic_letter(c) {
                Run::Letter
            } else {
                Run::Plain
            }
        })
    })
}

/// Decides, one character at a time, what NFC would have to do to the text (see [`Nfc`]).
struct NfcTracker {
    status: Nfc,
    previous: u32,
}

impl Default for NfcTracker {
    fn default() -> NfcTracker {
        NfcTracker {
            status: Nfc::Yes,
            previous: 0,
        }
    }
}

impl NfcTracker {
    #[inline]
    fn see(&mut self, c: char) {
        let ccc = match c {
            '\u{0000}'..='\u{02FF}' | '\u{0620}'..='\u{064A}' => 0,
            _ => match nfc_class(c as u32) {
                Some(ccc) => ccc,
                None => {
                    self.status = Nfc::Maybe;
                    0
                }
            },
        };
        if ccc != 0 && ccc < self.previous && self.status == Nfc::Yes {
            self.status = Nfc::ReorderMarks;
        }
        self.previous = ccc;
    }
}

/// The combining class of a code point that never composes or decomposes canonically (0 for starters, the
/// class for harakat), or `None` when the full algorithm must decide.
fn nfc_class(cp: u32) -> Option<u32> {
    match cp {
        0x064B..=0x0652 => Some(cp - 0x064B + 27),
        0x0670 => Some(35),
        0..=0x02FF
        | 0x0600..=0x060F
        | 0x061B..=0x064A
        | 0x0660..=0x066F
        | 0x0671..=0x06D5
        | 0x06EE..=0x06FF
        | 0x2002..=0x206F
        | 0xFB50..=0xFDFF
        | 0xFE70..=0xFEFF => Some(0),
        _ => None,
    }
}

/// False when `text` is certainly NFC (see [`nfc_check`]).
fn maybe_not_nfc(text: &str) -> bool {
    nfc_check(text) != Nfc::Yes && is_nfc_quick(text.chars()) != IsNormalized::Yes
}

/// What NFC needs to do to a text, decided cheaply on its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Nfc {
    /// Nothing: every character is one that never composes or decomposes canonically (below U+0300, Arabic
    /// letters, digits and punctuation, general punctuation, presentation forms) and harakat are in order.
    Yes,
    /// Only put runs of harakat (U+064B–0652, U+0670) in canonical order: typists write shadda before the
    /// vowel, NFC puts the vowel first. Nothing in such a text composes.
    ReorderMarks,
    /// Ask the full algorithm.
    Maybe,
}

fn nfc_check(text: &str) -> Nfc {
    let mut tracker = NfcTracker::default();
    text.chars().for_each(|c| tracker.see(c));
    tracker.status
}

fn haraka_ccc(c: char) -> Option<u32> {
    match c {
        '\u{064B}'..='\u{0652}' => Some(c as u32 - 0x064B + 27),
        '\u{0670}' => Some(35),
        _ => None,
    }
}

/// Canonical ordering of harakat runs (a stable sort by combining class), which is all NFC does to a text
/// that [`nfc_check`] found to need only that.
fn reorder_marks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run: Vec<char> = Vec::new();
    for c in text.chars() {
        if haraka_ccc(c).is_some() {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            run.sort_by_key(|m| haraka_ccc(*m));
            out.extend(run.drain(..));
        }
        out.push(c);
    }
    run.sort_by_key(|m| haraka_ccc(*m));
    out.extend(run);
    out
}

/// What was last written, for whitespace decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Tail {
    /// Nothing yet.
    #[default]
    Start,
    /// A visible character.
    Visible,
    /// A space.
    Space,
    /// This many line breaks.
    Breaks(u8),
}

/// The single pass over characters. Whitespace is written as it comes (one space between words, at most
/// one blank line) and trailing spaces are taken back at line ends.
#[derive(Default)]
struct Writer {
    out: String,
    edits: Edits,
    tail: Tail,
    /// ZWNJs, ZWSPs and ZWJs held until we know whether the next character is an Arabic letter.
    held: Vec<char>,
    /// Tatweels held until we know whether they separate a proclitic from what follows.
    tatweels: u32,
    /// The last visible character written (None after whitespace).
    last: Option<char>,
    /// The last character written that is not a combining mark (marks do not separate letters).
    last_base: Option<char>,
    repeat: u32,
    /// Something was dropped or mapped since the last character written.
    dropped: bool,
    /// A combining mark was written right after something was dropped or mapped.
    compose_risk: bool,
}

fn special(c: char) -> bool {
    is_space(c)
        || is_line_break(c)
        || c == TATWEEL
        || is_invisible(c)
        || is_zero_width(c)
        || (is_presentation_form(c) && !is_kept_ligature(c))
}

/// The zero-width characters held until the next character: ZWNJ, ZWSP, ZWJ.
fn is_zero_width(c: char) -> bool {
    matches!(c, ZWNJ | ZWSP | ZWJ)
}

/// Proclitics a tatweel may separate from a digit, a Latin word or a quotation (DESIGN §5), and their
/// combinations with و and ف.
const PROCLITICS: [&str; 23] = [
    "ال", "بال", "وال", "فال", "كال", "لل", "ب", "ل", "ك", "و", "ف", "وب", "ول", "وك", "فب", "فل", "فك", "ولل", "فلل",
    "وبال", "فبال", "وكال", "فكال",
];

/// True when `out` ends with a proclitic standing as a word of its own (harakat on it allowed).
fn ends_with_proclitic(out: &str) -> bool {
    let mut word = ['\0'; 4];
    let mut n = 0;
    // The longest proclitic has four letters.
    for c in out.chars().rev() {
        if is_arabic_mark(c) {
            continue;
        }
        if !is_arabic_letter(c) {
            break;
        }
        if n == 4 {
            return false;
        }
        word[n] = c;
        n += 1;
    }
    word[..n].reverse();
    let word: String = word[..n].iter().collect();
    PROCLITICS.contains(&word.as_str())
}

/// What a separating tatweel may come before: a digit, a Latin letter, a quotation mark or bracket.
fn separated(c: char) -> bool {
    matches!(c, '0'..='9' | '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}')
        || (c.is_alphabetic() && (c as u32) < 0x0250)
        || matches!(
            c,
            '"' | '\'' | '«' | '»' | '“' | '”' | '„' | '‘' | '’' | '‹' | '›' | '(' | '['
        )
}

impl Writer {
    /// True when `c` is written unchanged with nothing before it: the fast path.
    fn plain(&self, c: char) -> bool {
        if !self.held.is_empty() || self.tatweels > 0 {
            return false;
        }
        match c {
            ' ' => self.tail == Tail::Visible,
            '!'..='~' => true,
            '\u{0621}'..='\u{063F}' | '\u{0641}'..='\u{064A}' => !(self.repeat >= 3 && Some(c) == self.last),
            _ => !(special(c) || self.flood(c)),
        }
    }

    /// True when `c` would be a fourth (or later) copy of the same Arabic-script letter in a row.
    fn flood(&self, c: char) -> bool {
        self.repeat >= 3 && Some(c) == self.last && is_arabic_letter(c)
    }

    /// Updates the state for a character taken by the fast path.
    fn note_plain(&mut self, c: char) {
        if self.dropped {
            self.dropped = false;
            self.compose_risk |= c >= '\u{0300}' && nfc_class(c as u32) != Some(0);
        }
        if c == ' ' {
            self.tail = Tail::Space;
            self.last = None;
            self.last_base = None;
            return;
        }
        self.repeat = if Some(c) == self.last { self.repeat + 1 } else { 1 };
        self.last = Some(c);
        if !is_arabic_mark(c) {
            self.last_base = Some(c);
        }
        self.tail = Tail::Visible;
    }

    /// The end of the run of characters from byte `start` that [`Writer::plain`] would take one by one
    /// and [`Writer::note_plain`] would note — printable ASCII, a space after a visible character, the
    /// Arabic block's letters (no fourth copy), digits and punctuation — with the state they leave. Their
    /// combining class is 0, so NFC has nothing to say about them.
    fn plain_run(&mut self, bytes: &[u8], start: usize) -> usize {
        if !self.held.is_empty() || self.tatweels > 0 {
            return start;
        }
        let runs = block_runs();
        let (mut i, mut last, mut repeat) = (start, self.last.map_or(0, u32::from), self.repeat);
        let mut visible = self.tail == Tail::Visible;
        while let Some(&b) = bytes.get(i) {
            let (cp, letter, len) = match b {
                b'!'..=b'~' => (u32::from(b), false, 1),
                b' ' if visible => {
                    (i, visible, last) = (i + 1, false, 0);
                    continue;
                }
                0xD8..=0xDB => {
                    let Some(&next) = bytes.get(i + 1) else { break };
                    let low = (usize::from(b & 0x03) << 6) | usize::from(next & 0x3F);
                    match runs[low] {
                        Run::Stop => break,
                        run => (0x0600 + low as u32, run == Run::Letter, 2),
                    }
                }
                _ => break,
            };
            if cp == last {
                if letter && repeat >= 3 {
                    break;
                }
                repeat += 1;
            } else {
                repeat = 1;
            }
            (i, last, visible) = (i + len, cp, true);
        }
        if i > start {
            // 0 stands for "none": no character of a run is U+0000.
            self.last = char::from_u32(last).filter(|_| last != 0);
            self.last_base = self.last;
            self.repeat = repeat;
            self.tail = if visible { Tail::Visible } else { Tail::Space };
            self.dropped = false;
        }
        i
    }

    fn push(&mut self, c: char) {
        if is_line_break(c) {
            self.line_break(c);
        } else if is_space(c) {
            self.drop_tatweels();
            self.release_held(true);
            if self.tail == Tail::Visible {
                self.out.push(' ');
                self.note_plain(' ');
                if c != ' ' {
                    self.edits.whitespace += 1;
                }
            } else {
                self.edits.whitespace += 1;
            }
        } else if c == TATWEEL {
            self.tatweels += 1;
        } else if is_invisible(c) {
            self.edits.invisible += 1;
            self.dropped = true;
        } else if is_zero_width(c) {
            self.held.push(c);
            self.dropped = true;
        } else if is_presentation_form(c) && !is_kept_ligature(c) {
            self.presentation(c);
            self.dropped = true;
        } else {
            self.visible(c);
        }
    }

    /// Removes spaces at the end of what is written.
    fn trim_spaces(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
            self.edits.whitespace += 1;
        }
    }

    fn line_break(&mut self, c: char) {
        self.drop_tatweels();
        self.release_held(true);
        self.trim_spaces();
        let breaks = match self.tail {
            Tail::Start => 2,
            Tail::Breaks(n) => n,
            Tail::Visible | Tail::Space => 0,
        };
        if breaks >= 2 {
            self.edits.whitespace += 1;
            return;
        }
        self.out.push('\n');
        if c != '\n' {
            self.edits.whitespace += 1;
        }
        self.tail = Tail::Breaks(breaks + 1);
        self.last = None;
        self.last_base = None;
    }

    fn presentation(&mut self, c: char) {
        self.drop_tatweels();
        self.edits.presentation_forms += 1;
        let mut base = String::new();
        decompose_compatible(c, |d| base.push(d));
        // Isolated and medial haraka forms decompose to SPACE or TATWEEL + marks: keep only the marks, on the
        // letter before them; with no letter before, they mark nothing and are dropped.
        let marks_only = base.trim_start_matches([' ', TATWEEL]);
        if marks_only.len() != base.len() {
            if self.held.is_empty() && self.last.is_some_and(|l| is_arabic_letter(l) || is_arabic_mark(l)) {
                for m in marks_only.chars() {
                    self.out.push(m);
                    self.last = Some(m);
                }
                // Marks appended to marks may be out of canonical order.
                self.compose_risk = true;
            }
            return;
        }
        for d in base.nfc() {
            self.visible(d);
        }
    }

    /// Drops held tatweels: what follows is not something they separate.
    fn drop_tatweels(&mut self) {
        if self.tatweels > 0 {
            self.edits.tatweel += self.tatweels;
            self.tatweels = 0;
            self.dropped = true;
        }
    }

    /// Decides about held tatweels, given the next character: one stays between a proclitic and a digit, a
    /// Latin letter or a quotation mark; the others go.
    fn resolve_tatweels(&mut self, next: char) {
        if self.tatweels == 0 {
            return;
        }
        if separated(next) && self.held.is_empty() && ends_with_proclitic(&self.out) {
            self.edits.tatweel += self.tatweels - 1;
            self.tatweels = 0;
            self.out.push(TATWEEL);
            self.last = Some(TATWEEL);
            self.last_base = Some(TATWEEL);
            self.repeat = 1;
            self.tail = Tail::Visible;
        } else {
            self.drop_tatweels();
        }
    }

    /// Writes held zero-width characters, which were not between two Arabic letters; at a word's edge
    /// (`edge`, or nothing written before them on the line) a ZWSP is dropped: it breaks nothing there.
    fn release_held(&mut self, edge: bool) {
        let edge = edge || self.last_base.is_none();
        for c in std::mem::take(&mut self.held) {
            if c == ZWSP && edge {
                self.edits.zero_width += 1;
                continue;
            }
            self.out.push(c);
            self.last = Some(c);
            self.last_base = Some(c);
            self.tail = Tail::Visible;
        }
    }

    fn visible(&mut self, c: char) {
        self.resolve_tatweels(c);
        if !self.held.is_empty() {
            let between_letters = self.last_base.is_some_and(is_arabic_alphabet) && is_arabic_alphabet(c);
            if between_letters {
                for h in std::mem::take(&mut self.held) {
                    if h == ZWNJ {
                        self.edits.zwnj += 1;
                    } else {
                        self.edits.zero_width += 1;
                    }
                }
            } else {
                self.release_held(false);
            }
        }
        if self.flood(c) {
            self.edits.repeats += 1;
            return;
        }
        self.out.push(c);
        self.note_plain(c);
    }

    fn finish(&mut self) {
        self.drop_tatweels();
        self.release_held(true);
        while self.out.ends_with([' ', '\n']) {
            self.out.pop();
            self.edits.whitespace += 1;
        }
    }
}

/// For tests: `Some(true)` if the cheap check says NFC, `Some(false)` if it says "reorder marks only".
#[cfg(test)]
pub(super) fn nfc_check_for_tests(text: &str) -> Option<bool> {
    match nfc_check(text) {
        Nfc::Yes => Some(true),
        Nfc::ReorderMarks => Some(false),
        Nfc::Maybe => None,
    }
}

/// For tests: [`reorder_marks`].
#[cfg(test)]
pub(super) fn reorder_marks_for_tests(text: &str) -> String {
    reorder_marks(text)
}

/// For tests: one [`pass`], with or without the byte loop over plain runs, and everything it returns.
#[cfg(test)]
pub(super) fn pass_for_tests(text: &str, runs: bool) -> (String, Edits, Option<bool>, bool) {
    let (out, edits, nfc, risk) = pass_with(text, Edits::default(), runs);
    let nfc = match nfc {
        Nfc::Yes => Some(true),
        Nfc::ReorderMarks => Some(false),
        Nfc::Maybe => None,
    };
    (out, edits, nfc, risk)
}
