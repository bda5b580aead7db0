//! Language-ID accuracy on the labelled paragraphs in `tests/data/lid/` (composed for this project), and on
//! SaudiNewsNet paragraphs when `../shared/data` is beside the repository. Prints the table that
//! BENCHMARKS.md quotes; fails below the bars (Arabic ≥ 99%, Persian and Urdu ≥ 95%).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use ghirbal::text::identify;

const THRESHOLD: f64 = 0.711;

fn data(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lid").join(name))
        .expect("lid sample")
}

/// (expected label, paragraph) for every labelled line.
fn labelled() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (file, label) in [
        ("ar.txt", "ara"),
        ("arz.txt", "ara"),
        ("fa.txt", "pes"),
        ("ur.txt", "urd"),
        ("ps.txt", "pus"),
        ("ckb.txt", "ckb"),
        ("en.txt", "eng"),
        ("fr.txt", "fra"),
    ] {
        for line in data(file).lines().filter(|l| !l.trim().is_empty()) {
            out.push((label.to_owned(), line.to_owned()));
        }
    }
    for line in data("mixed.txt").lines().filter(|l| !l.trim().is_empty()) {
        let (tag, text) = line.split_once('\t').expect("mixed.txt lines are TAG<tab>TEXT");
        out.push((if tag == "ar" { "ara" } else { "eng" }.to_owned(), text.to_owned()));
    }
    out
}

/// Correct = right label, and for Arabic an Arabic score above the FineWeb-2 threshold.
fn correct(label: &str, text: &str) -> bool {
    let id = identify(text, 8192);
    if label == "ara" {
        id.label == "ara" && id.arabic_score >= THRESHOLD
    } else {
        id.label == label && id.arabic_score < THRESHOLD
    }
}

fn saudinewsnet_paragraphs(limit: usize) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/saudinewsnet/saudinewsnet.jsonl.gz");
    // The data must be there: a test that passes without its data proves nothing.
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (clone the project beside ../shared, as CI does)",
            path.display()
        )
    });
    let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
    let mut out = Vec::new();
    for line in reader.lines().map_while(Result::ok) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let text = v["text"].as_str().unwrap_or_default();
        out.extend(
            text.split('\n')
                .map(str::trim)
                .filter(|p| p.split_whitespace().count() >= 15)
                .map(str::to_owned),
        );
        if out.len() >= limit {
            break;
        }
    }
    out.truncate(limit);
    out
}

#[test]
fn accuracy_per_language() {
    let mut table: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for (label, text) in labelled() {
        let entry = table.entry(label.clone()).or_default();
        entry.1 += 1;
        if correct(&label, &text) {
            entry.0 += 1;
        } else {
            misses.push(format!(
                "{label}: {:?} ← {}",
                identify(&text, 8192),
                text.chars().take(60).collect::<String>()
            ));
        }
    }
    let news = saudinewsnet_paragraphs(3000);
    assert!(news.len() >= 1000, "only {} SaudiNewsNet paragraphs", news.len());
    {
        let ok = news.iter().filter(|p| correct("ara", p)).count();
        table.insert("ara (SaudiNewsNet paragraphs)".into(), (ok, news.len()));
        for p in news.iter().filter(|p| !correct("ara", p)).take(5) {
            misses.push(format!(
                "SaudiNewsNet: {:?} ← {}",
                identify(p, 8192),
                p.chars().take(60).collect::<String>()
            ));
        }
    }
    println!("| language | correct | total | accuracy |\n|---|---|---|---|");
    for (label, (ok, n)) in &table {
        println!("| {label} | {ok} | {n} | {:.1}% |", 100.0 * *ok as f64 / *n as f64);
    }
    for m in &misses {
        println!("miss: {m}");
    }
    let acc = |label: &str| table.get(label).map_or(1.0, |(ok, n)| *ok as f64 / *n as f64);
    assert!(acc("ara") >= 0.99, "Arabic {:.3}", acc("ara"));
    assert!(
        acc("ara (SaudiNewsNet paragraphs)") >= 0.99,
        "SaudiNewsNet {:.3}",
        acc("ara (SaudiNewsNet paragraphs)")
    );
    assert!(acc("pes") >= 0.95, "Persian {:.3}", acc("pes"));
    assert!(acc("urd") >= 0.95, "Urdu {:.3}", acc("urd"));
    assert!(
        acc("pus") >= 0.9 && acc("ckb") >= 0.9,
        "Pashto {:.3}, Kurdish {:.3}",
        acc("pus"),
        acc("ckb")
    );
    assert!(acc("eng") >= 0.95, "English {:.3}", acc("eng"));
}
