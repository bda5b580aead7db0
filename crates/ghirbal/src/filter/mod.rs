//! Document-level decisions: each filter keeps a document or removes it with `filter.<name>.<rule>` and the
//! measured value in `detail`.

pub mod aramix_punctuation;
pub mod fineweb_quality;
pub mod gopher_quality;
pub mod gopher_repetition;
pub mod language;
