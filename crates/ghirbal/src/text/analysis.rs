//! The per-document analysis the filters share: the key form, its words, their lengths and hashes — and, for
//! the `fineweb2` parity preset, datatrove-style tokens of the stored text. Each is computed at most once per
//! version of the text, however many filters ask: recomputing them in every filter made a run with all
//! filters three times slower than one with none.
//!
//! The cache remembers which text it describes (length and xxh3-64), so a stage that edits `doc.text` cannot
//! make a later stage read stale words: the next access sees the difference and recomputes.

use std::ops::Range;

use crate::normalize::{fold_lines_into, output, KeySpec};

use super::tokens::datatrove_tokens;
use super::words::for_each_word;

/// Words of one source string: where each is, its length in characters and its xxh3-64 hash (seed 0).
#[derive(Clone, Default)]
pub struct Words {
    spans: Vec<Range<u32>>,
    /// Characters (code points) of each word: counted with the hashes when the caller said it would ask
    /// (the filters), else when first asked (near dedup and `story` never ask).
    chars: std::cell::OnceCell<Vec<u32>>,
    /// xxh3-64 (seed 0) of each word's bytes.
    pub hashes: Vec<u64>,
}

impl Words {
    /// The words `each` finds in `source`, their hashes and — with `count` — their lengths.
    fn build<'a>(source: &'a str, count: bool, each: impl FnOnce(&'a str, &mut dyn FnMut(&'a str))) -> Words {
        let guess = source.len() / 8;
        let mut w = Words {
            spans: Vec::with_capacity(guess),
            chars: std::cell::OnceCell::new(),
            hashes: Vec::with_capacity(guess),
        };
        let base = source.as_ptr() as usize;
        // The lengths are counted here, while each word's bytes are in cache for its hash: a second walk over
        // the words for them cost the filters more than the count (gopher_quality 0.214 -> 0.200 CPU-s on the
        // slice); near dedup alone, which never asks, would pay 5% of its run for them.
        let mut chars = Vec::with_capacity(if count { guess } else { 0 });
        each(source, &mut |word: &str| {
            let start = word.as_ptr() as usize - base;
            let span = start as u32..(start + word.len()) as u32;
            w.hashes.push(xxhash_rust::xxh3::xxh3_64(word.as_bytes()));
            if count {
                chars.push(length(source, &span));
            }
            w.spans.push(span);
        });
        if count {
            w.chars = std::cell::OnceCell::from(chars);
        }
        w
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Each word's byte range in the string the words were taken from.
    pub fn spans(&self) -> &[Range<u32>] {
        &self.spans
    }

    /// Word `i`, as a slice of the string the words were taken from.
    pub fn get<'a>(&self, source: &'a str, i: usize) -> &'a str {
        let r = &self.spans[i];
        &source[r.start as usize..r.end as usize]
    }

    /// Characters (code points) of each word; `source` is the string the words were taken from.
    pub fn chars(&self, source: &str) -> &[u32] {
        self.chars
            .get_or_init(|| self.spans.iter().map(|r| length(source, r)).collect())
    }

    /// Every word, as slices of `source`.
    pub fn iter<'a, 's>(&'s self, source: &'a str) -> impl Iterator<Item = &'a str> + 's
    where
        'a: 's,
    {
        self.spans
            .iter()
            .map(move |r| &source[r.start as usize..r.end as usize])
    }
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Words({})", self.spans.len())
    }
}

/// Characters (code points) of the word at `span` of `source`.
fn length(source: &str, span: &Range<u32>) -> u32 {
    super::hashing::char_count_in(source.as_bytes(), span.start as usize..span.end as usize) as u32
}

/// The key form of a text and its words.
#[derive(Clone, Debug, Default)]
pub struct KeyWords {
    /// The key form (see [`crate::normalize::key`]), one line per line of the text when the text was already
    /// in the output profile (see [`crate::normalize::fold_lines_into`]).
    pub key: String,
    /// Its words (see [`crate::text::words`]), as spans of `key`.
    pub words: Words,
}

/// Lazily computed views of one document's text; lives in [`crate::Document`].
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// (length, xxh3-64) of the text the views below describe.
    of: Option<(usize, u64)>,
    /// The key form under a spec, and whether its words have been found yet (exact dedup and `clean` need
    /// only the form; the filters and near dedup need the words).
    key: Option<(KeySpec, KeyWords, bool)>,
    tokens: Option<Words>,
}

impl Analysis {
    /// Drops every view unless they describe `text`.
    fn refresh(&mut self, text: &str) {
        let id = (text.len(), xxhash_rust::xxh3::xxh3_64(text.as_bytes()));
        if self.of != Some(id) {
            *self = Analysis {
                of: Some(id),
                ..Analysis::default()
            };
        }
    }

    /// Keeps `key` as the key form of `text` under `spec`, for a caller that computed it another way (the raw
    /// fold, when the output pass cannot change it: [`crate::normalize::fold_lines_unless_output_matters`]).
    pub(crate) fn set_key(&mut self, text: &str, spec: KeySpec, key: String) {
        self.refresh(text);
        self.key = Some((
            spec,
            KeyWords {
                key,
                words: Words::default(),
            },
            false,
        ));
    }

    /// The key form of `text` (its words are not looked for).
    pub fn key(&mut self, text: &str, spec: KeySpec) -> &str {
        &self.key_form(text, spec).1.key
    }

    /// The key form of `text` and its words.
    pub fn key_words(&mut self, text: &str, spec: KeySpec) -> &KeyWords {
        self.key_words_with(text, spec, false)
    }

    /// [`Analysis::key_words`], for a caller that will ask for the words' lengths: found with the words
    /// (unless the words were found before), not in a second walk over them.
    pub fn key_words_counted(&mut self, text: &str, spec: KeySpec) -> &KeyWords {
        self.key_words_with(text, spec, true)
    }

    fn key_words_with(&mut self, text: &str, spec: KeySpec, count: bool) -> &KeyWords {
        let (_, kw, has_words) = self.key_form(text, spec);
        if !*has_words {
            kw.words = Words::build(&kw.key, count, |k, f| for_each_word(k, f));
            *has_words = true;
        }
        kw
    }

    fn key_form(&mut self, text: &str, spec: KeySpec) -> &mut (KeySpec, KeyWords, bool) {
        self.refresh(text);
        if self.key.as_ref().is_some_and(|(s, _, _)| *s != spec) {
            self.key = None;
        }
        self.key.get_or_insert_with(|| {
            let mut key = String::new();
            if spec.normalized {
                fold_lines_into(text, &spec.opts, &mut key);
            } else {
                fold_lines_into(&output(text), &spec.opts, &mut key);
            }
            (
                spec,
                KeyWords {
                    key,
                    words: Words::default(),
                },
                false,
            )
        })
    }

    /// datatrove's tokens of `text` itself (see [`crate::text::datatrove_tokens`]).
    pub fn tokens(&mut self, text: &str) -> &Words {
        self.refresh(text);
        self.tokens
            .get_or_insert_with(|| Words::build(text, true, |t, f| datatrove_tokens(t).into_iter().for_each(f)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_follow_the_text() {
        let mut a = Analysis::default();
        let opts = KeySpec::default();
        let kw = a.key_words("قالَ الرئيسُ، في بيان", opts);
        let words: Vec<&str> = kw.words.iter(&kw.key).collect();
        assert_eq!(words, ["قال", "الرييس", "في", "بيان"]);
        assert_eq!(kw.words.chars(&kw.key), [3, 6, 2, 4]);
        // Counted with the words or when first asked: the same lengths.
        let mut counted = Analysis::default();
        let kw = counted.key_words_counted("قالَ الرئيسُ، في بيان", opts);
        assert_eq!(kw.words.chars.get().map(Vec::len), Some(4), "counted with the words");
        assert_eq!(kw.words.chars(&kw.key), [3, 6, 2, 4]);
        let kw = a.key_words("قالَ الرئيسُ، في بيان", opts);
        assert!(kw.words.chars.get().is_some(), "asked once, kept");
        assert_eq!(a.tokens("قالَ الرئيسُ، في").len(), 4, "the comma is a token");
        // A changed text is analysed again, never served stale.
        let kw = a.key_words("نص آخر", opts);
        assert_eq!(kw.words.len(), 2);
        let mut other = opts;
        other.opts.fold_yeh_hamza = false;
        let kw = a.key_words("سائل", other);
        assert_eq!(kw.key, "سائل");
        let normalized = KeySpec {
            normalized: true,
            ..opts
        };
        assert_eq!(a.key_words("سطر\n\nآخر", normalized).key, "سطر\n\nاخر", "lines kept");
        // The form alone first, the words when asked.
        assert_eq!(a.key("قال الرئيس", opts), "قال الرييس");
        assert_eq!(a.key_words("قال الرئيس", opts).words.len(), 2);
    }
}
