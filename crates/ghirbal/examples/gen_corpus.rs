//! Writes a synthetic corpus for memory and scale tests: DOCS documents of 20 random words each (Arabic letter
//! triples), spread over FILES `.jsonl.zst` files (one shard each); every 50th document is a near copy of the
//! one before it (its last word changed: word 5-gram Jaccard 15/17 = 0.88), so the run has real clusters.
//!
//! `cargo run --release -p ghirbal --example gen_corpus -- OUT_DIR DOCS FILES`

use std::io::Write;

const LETTERS: [char; 20] = [
    'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س', 'ش', 'ص', 'ض', 'ط', 'ع', 'غ', 'ف', 'ق', 'ك',
];

fn word(i: u64) -> String {
    [i / 400 % 20, i / 20 % 20, i % 20]
        .iter()
        .map(|&k| LETTERS[k as usize])
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).ok_or("OUT_DIR")?);
    let docs: u64 = args.get(2).ok_or("DOCS")?.parse()?;
    let files: u64 = args.get(3).ok_or("FILES")?.parse()?;
    std::fs::create_dir_all(&dir)?;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let per_file = docs.div_ceil(files);
    let mut words: Vec<String> = Vec::new();
    for f in 0..files {
        let file = std::fs::File::create(dir.join(format!("part-{f:03}.jsonl.zst")))?;
        let mut out = zstd::stream::write::Encoder::new(file, 1)?.auto_finish();
        for n in f * per_file..((f + 1) * per_file).min(docs) {
            if n % 50 == 49 && !words.is_empty() {
                words[19] = word(next() % 8000);
            } else {
                words = (0..20).map(|_| word(next() % 8000)).collect();
            }
            writeln!(out, "{{\"id\":\"d{n}\",\"text\":\"{}\"}}", words.join(" "))?;
        }
    }
    Ok(())
}
