//! The Arabic text layer shared by every stage: words and n-grams of the key form, lines, paragraphs and
//! sentences, language identification, and the Arabic stop-word list.

mod lang;
mod stopwords;
mod words;

pub use lang::{identify, LangId, DEFAULT_SAMPLE_BYTES};
pub use stopwords::{is_stop_word, STOP_WORDS};
pub use words::{
    for_each_word, lines, ngram_hashes, ngram_hashes_of, ngrams, paragraphs, sentences, word_hashes, words,
};
