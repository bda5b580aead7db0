//! How well the two MinHash schemes estimate Jaccard similarity and find candidates, on SaudiNewsNet's
//! silver near-duplicate pairs: for each pair, the exact Jaccard of our word 5-gram shingle sets, each
//! scheme's estimate, and whether the pair shares an LSH band (14 × 8). The recall of the whole near-dup path
//! (after the filters, as users run it) is measured on a finished run by `bench/near_recall.sh`.
//!
//! `cargo run --release -p ghirbal --example minhash_pairs -- ../shared/data/saudinewsnet/saudinewsnet.jsonl.gz ../shared/data/saudinewsnet/near_dup_pairs.jsonl.gz`

use std::collections::HashMap;
use std::io::BufRead;

use ghirbal::dedup::minhash::{estimated_jaccard, exact_jaccard, MinHashConfig, MinHasher, Scheme};
use ghirbal::normalize::{output, KeySpec};
use ghirbal::text::Analysis;

type Lines = Box<dyn Iterator<Item = std::io::Result<String>>>;

fn gz_lines(path: &str) -> std::io::Result<Lines> {
    let file = std::fs::File::open(path)?;
    Ok(Box::new(
        std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file)).lines(),
    ))
}

struct Stats {
    name: &'static str,
    hasher: MinHasher,
    abs_error: f64,
    candidates_08: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (corpus, pairs) = (args.get(1).ok_or("corpus path")?, args.get(2).ok_or("pairs path")?);
    let spec = KeySpec {
        normalized: true,
        ..KeySpec::default()
    };
    let mut schemes: Vec<Stats> = [
        ("one permutation", Scheme::OnePermutation),
        ("k permutations", Scheme::KPermutations),
    ]
    .into_iter()
    .map(|(name, scheme)| Stats {
        name,
        hasher: MinHasher::new(&MinHashConfig {
            scheme,
            ..MinHashConfig::default()
        }),
        abs_error: 0.0,
        candidates_08: 0,
    })
    .collect();
    let mut shingles: HashMap<String, Vec<u64>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for line in gz_lines(corpus)? {
        let doc: serde_json::Value = serde_json::from_str(&line?)?;
        let (Some(id), Some(text)) = (doc["id"].as_str(), doc["text"].as_str()) else {
            continue;
        };
        let mut analysis = Analysis::default();
        let text = output(text);
        let kw = analysis.key_words(&text, spec);
        shingles.insert(id.to_owned(), schemes[0].hasher.shingles(&kw.key, &kw.words));
        order.push(id.to_owned());
    }
    let (mut n, mut n08, mut silver08_exact_below) = (0usize, 0usize, 0usize);
    for line in gz_lines(pairs)? {
        let pair: serde_json::Value = serde_json::from_str(&line?)?;
        let (Some(a), Some(b)) = (pair["id_a"].as_str(), pair["id_b"].as_str()) else {
            continue;
        };
        let (Some(sa), Some(sb)) = (shingles.get(a), shingles.get(b)) else {
            continue;
        };
        let (Some(silver), true) = (pair["jaccard_w5"].as_f64(), !sa.is_empty() && !sb.is_empty()) else {
            continue;
        };
        n += 1;
        let exact = exact_jaccard(sa, sb);
        if silver >= 0.8 {
            n08 += 1;
            silver08_exact_below += usize::from(exact < 0.8);
        }
        for s in &mut schemes {
            let (ga, gb) = (
                s.hasher.signature(sa).ok_or("sig")?,
                s.hasher.signature(sb).ok_or("sig")?,
            );
            s.abs_error += (estimated_jaccard(&ga, &gb) - exact).abs();
            let shared = s
                .hasher
                .bands(&ga)
                .iter()
                .zip(s.hasher.bands(&gb))
                .any(|(x, y)| *x == y);
            if silver >= 0.8 && shared {
                s.candidates_08 += 1;
            }
        }
    }
    println!("{n} silver pairs with both texts non-empty; {n08} with jaccard_w5 >= 0.8 ({silver08_exact_below} of them below 0.8 under our key form)");
    for s in &schemes {
        println!(
            "{:16} mean |estimate - exact| = {:.4}; LSH candidates among the >= 0.8 pairs: {} ({:.2}%)",
            s.name,
            s.abs_error / n.max(1) as f64,
            s.candidates_08,
            100.0 * s.candidates_08 as f64 / n08.max(1) as f64
        );
    }
    Ok(())
}
