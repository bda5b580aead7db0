//! Prints the datatrove-style (spaCy `ar`) tokens ghirbal's `fineweb2` preset counts: the tool for comparing
//! a parity disagreement with spaCy's own tokens.
//!
//! `cargo run -q -p ghirbal --example tokens < article.txt` prints one token per line;
//! `cargo run -q -p ghirbal --example tokens -- --jsonl < docs.jsonl` prints one line per document, its
//! tokens separated by U+001F (bench/parity_fineweb2.py `tokens` compares that with spaCy).

use std::io::{BufRead, Read, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if std::env::args().any(|a| a == "--jsonl") {
        for line in std::io::stdin().lock().lines() {
            let doc: serde_json::Value = serde_json::from_str(&line?)?;
            let text = doc["text"].as_str().ok_or("a record without text")?;
            writeln!(out, "{}", ghirbal::text::datatrove_tokens(text).join("\u{1F}"))?;
        }
    } else {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        for token in ghirbal::text::datatrove_tokens(&text) {
            writeln!(out, "{token}")?;
        }
    }
    Ok(())
}
