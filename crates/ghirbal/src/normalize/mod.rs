//! `normalize`: output-safe text normalisation of the stored text.
//!
//! This first version is the engine's placeholder: it trims trailing whitespace from every line and from the
//! end of the text, nothing else. The Arabic output profile (DESIGN §5) replaces it without touching the engine.

use crate::{Document, Outcome, Stage, StageCx};

/// The `normalize` stage.
#[derive(Debug, Default)]
pub struct Normalize;

impl Stage for Normalize {
    fn name(&self) -> &'static str {
        "normalize"
    }

    fn process(&self, doc: &mut Document, cx: &mut StageCx) -> Outcome {
        let trimmed = trim_trailing_whitespace(&doc.text);
        if trimmed.len() == doc.text.len() {
            return Outcome::Keep;
        }
        cx.metric(
            "chars_trimmed",
            (doc.text.chars().count() - trimmed.chars().count()) as f64,
        );
        doc.text = trimmed;
        Outcome::Modified
    }
}

/// Removes whitespace at the end of every line and at the end of the text; line breaks are kept.
pub fn trim_trailing_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line.trim_end());
    }
    let end = out.trim_end().len();
    out.truncate(end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::memory_origin;
    use crate::Ordinal;

    #[test]
    fn trims_line_ends_and_keeps_paragraphs() {
        assert_eq!(
            trim_trailing_whitespace("عنوان \t\n\nنص  \u{a0}\nآخر\n\n"),
            "عنوان\n\nنص\nآخر"
        );
        assert_eq!(trim_trailing_whitespace("  بداية"), "  بداية");
    }

    #[test]
    fn counts_edits() {
        let mut doc = Document::new("a", "نص \n", Ordinal(0), memory_origin(1));
        let mut cx = StageCx::default();
        assert!(matches!(
            Normalize.process(&mut doc, &mut cx),
            Outcome::Modified
        ));
        assert_eq!(doc.text, "نص");
        assert_eq!(cx.metrics["chars_trimmed"].sum, 2.0);
        assert!(matches!(
            Normalize.process(&mut doc, &mut cx),
            Outcome::Keep
        ));
    }
}
