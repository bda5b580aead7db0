//! Text from the data on its way to a terminal. Ids, file names and lines of crawled pages are whatever their
//! authors wrote, escape sequences included: sent raw, `ESC [2J` clears the screen of the person reading
//! `ghirbal explain`, `ESC ] 0;…` retitles the window, and a carriage return overwrites the line that names
//! the culprit. So every control character (C0, DEL, C1) is shown as Rust writes it, `\u{1b}`, except the
//! newline and the tab that lay out the report. Arabic and every other printable character pass unchanged, as
//! do the bidi marks (U+200E/F, U+061C) that Arabic text legitimately carries.

use std::borrow::Cow;

/// `text` with its control characters, but `\n` and `\t`, escaped as `\u{..}`.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Control characters (Unicode `Cc`: U+0000–U+001F, U+007F–U+009F) other than the layout's newline and tab.
fn is_escaped(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_layout_and_arabic_kept() {
        assert_eq!(escape_controls("id\u{1b}[31m"), "id\\u{1b}[31m");
        assert_eq!(escape_controls("a\rb\u{7}\u{0}\u{7f}"), "a\\u{d}b\\u{7}\\u{0}\\u{7f}");
        assert_eq!(escape_controls("c1 \u{9b}2J \u{85}"), "c1 \\u{9b}2J \\u{85}");
        let report = "نص عربي\u{200f}\n\tسطر ثان ﷺ\n";
        assert!(matches!(escape_controls(report), Cow::Borrowed(_)));
        assert_eq!(escape_controls(report), report);
    }
}
