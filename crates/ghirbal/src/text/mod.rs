//! The Arabic text layer shared by every stage: words and n-grams of the key form, lines, paragraphs and
//! sentences, language identification, the Arabic stop-word list, datatrove-style tokens for the parity
//! preset, and the per-document analysis cache the filters share.

mod analysis;
mod hashing;
mod lang;
mod stopwords;
mod tokens;
mod verse;
mod words;

pub use analysis::{Analysis, KeyWords, Words};
pub use hashing::{char_count, hash64, hash_set, Fast, HashMap64, HashSet64, Mixing, OrdinalMap, Prehashed};
pub use lang::{identify, LangId, DEFAULT_SAMPLE_BYTES};
pub use stopwords::{is_stop_hash, is_stop_word, stop_hashes, StopHashes, STOP_WORDS};
pub use tokens::{datatrove_tokens, is_datatrove_punctuation, is_letter, is_python_space, DATATROVE_TERMINAL};
pub use verse::{looks_like_verse, rhyme_letter};
pub(crate) use words::mix;
pub use words::{
    for_each_word, lines, ngram_hashes, ngram_hashes_of, ngrams, paragraphs, sentences, split_lines, word_hashes, words,
};
