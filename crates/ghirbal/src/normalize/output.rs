//! The **output profile**: what ghirbal does to the text it stores (DESIGN §5). It repairs encoding noise and
//! never changes what a reader sees or means: no letter folding, no harakat stripped, no digit or punctuation
//! conversion.
//!
//! In order: NFC; presentation forms (U+FB50–FDFF, U+FE70–FEFE) mapped range by range to base letters (not
//! whole-text NFKC, which expands ﷺ into a phrase and puts spaces before isolated harakat); bidi and
//! invisible controls removed; tatweel removed; ZWNJ between two letters of the Arabic alphabet removed;
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
    /// Repeated letters removed (beyond three).
    pub repeats: u32,
    /// Whitespace runs rewritten.
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
    let mut edits = Edits::default();
    let nfc;
    let text = if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        nfc = text.nfc().collect::<String>();
        if nfc != text {
            edits.nfc = 1;
        }
        &nfc
    };
    let mut w = Writer {
        out: String::with_capacity(text.len()),
        edits,
        ..Writer::default()
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            w.edits.whitespace += 1;
            continue;
        }
        w.push(c);
    }
    w.finish();
    // Removing a tatweel or a control between a letter and a combining hamza can leave a composable pair.
    if is_nfc_quick(w.out.chars()) != IsNormalized::Yes {
        let composed: String = w.out.nfc().collect();
        if composed != w.out {
            w.edits.nfc = 1;
            w.out = composed;
        }
    }
    (w.out, w.edits)
}

/// The single pass over characters; whitespace is held back until the next visible character.
#[derive(Default)]
struct Writer {
    out: String,
    edits: Edits,
    /// The pending whitespace run: spaces and line breaks seen, and whether it is exactly what we will write.
    spaces: u32,
    breaks: u32,
    run_verbatim: bool,
    run_len: u32,
    /// ZWNJs held until we know whether the next character is an Arabic letter.
    zwnj: u32,
    last: Option<char>,
    /// The last character written that is not a combining mark (marks do not separate letters).
    last_base: Option<char>,
    repeat: u32,
}

impl Writer {
    fn push(&mut self, c: char) {
        if is_space(c) || is_line_break(c) {
            self.whitespace(c);
        } else if c == TATWEEL {
            self.edits.tatweel += 1;
        } else if is_invisible(c) {
            self.edits.invisible += 1;
        } else if c == ZWNJ {
            self.zwnj += 1;
        } else if is_presentation_form(c) && !is_kept_ligature(c) {
            self.presentation(c);
        } else {
            self.visible(c);
        }
    }

    fn whitespace(&mut self, c: char) {
        self.release_zwnj();
        if self.run_len == 0 {
            self.run_verbatim = true;
        }
        self.run_len += 1;
        if is_line_break(c) {
            self.breaks += 1;
            self.run_verbatim &= c == '\n';
        } else {
            self.spaces += 1;
            self.run_verbatim &= c == ' ';
        }
    }

    /// Writes the pending whitespace run as the profile wants it, before a visible character.
    fn flush_whitespace(&mut self) {
        if self.run_len == 0 {
            return;
        }
        let written: &str = match (self.out.is_empty(), self.breaks) {
            (true, _) => "",
            (false, 0) => " ",
            (false, 1) => "\n",
            (false, _) => "\n\n",
        };
        let verbatim = self.run_verbatim && written.len() == self.run_len as usize;
        if !verbatim {
            self.edits.whitespace += 1;
        }
        self.out.push_str(written);
        if !written.is_empty() {
            self.last = None;
            self.last_base = None;
        }
        (self.spaces, self.breaks, self.run_len) = (0, 0, 0);
    }

    fn presentation(&mut self, c: char) {
        self.edits.presentation_forms += 1;
        let mut base = String::new();
        decompose_compatible(c, |d| base.push(d));
        // Isolated and medial haraka forms decompose to SPACE or TATWEEL + marks: keep only the marks, on the
        // letter before them; with no letter before, they mark nothing and are dropped.
        let marks_only = base.trim_start_matches([' ', TATWEEL]);
        if marks_only.len() != base.len() {
            if self
                .last
                .is_some_and(|l| is_arabic_letter(l) || is_arabic_mark(l))
                && self.run_len == 0
            {
                for m in marks_only.chars() {
                    self.out.push(m);
                    self.last = Some(m);
                }
            }
            return;
        }
        for d in base.nfc() {
            self.visible(d);
        }
    }

    /// Writes held ZWNJs: they were not between two Arabic letters.
    fn release_zwnj(&mut self) {
        if self.zwnj > 0 {
            self.flush_whitespace();
            for _ in 0..self.zwnj {
                self.out.push(ZWNJ);
            }
            self.last = Some(ZWNJ);
            self.last_base = Some(ZWNJ);
            self.zwnj = 0;
        }
    }

    fn visible(&mut self, c: char) {
        if self.zwnj > 0 {
            let between_letters = self.run_len == 0
                && self.last_base.is_some_and(is_arabic_alphabet)
                && is_arabic_alphabet(c);
            if between_letters {
                self.edits.zwnj += self.zwnj;
                self.zwnj = 0;
            } else {
                self.release_zwnj();
            }
        }
        self.flush_whitespace();
        if Some(c) == self.last && is_arabic_letter(c) {
            self.repeat += 1;
            if self.repeat > 3 {
                self.edits.repeats += 1;
                return;
            }
        } else {
            self.repeat = 1;
        }
        self.out.push(c);
        self.last = Some(c);
        if !is_arabic_mark(c) {
            self.last_base = Some(c);
        }
    }

    fn finish(&mut self) {
        self.release_zwnj();
        if self.run_len > 0 {
            self.edits.whitespace += 1;
        }
    }
}
