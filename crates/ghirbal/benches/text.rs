//! The Arabic text layer per core: output profile, key profile, word 5-gram hashing, language ID, datatrove's
//! tokens, and MinHash signatures (from output-profile text: analysis form, words, shingles, 112 minima); and
//! the `story` stage's two halves on the same texts: each document's terms (the scan's part) and the linking
//! of all of them (the step: IDF vectors, candidates, cosines, stories), on one thread.
//!
//! Input: the text of the first 5,000 SaudiNewsNet articles when `../shared/data` is beside the repository
//! (the figures in BENCHMARKS.md), else generated Arabic-like text. Throughput is in bytes of input text.
//!
//! Run: `cargo bench -p ghirbal --bench text`

use std::io::BufRead;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ghirbal::dedup::minhash::{MinHashConfig, MinHasher};
use ghirbal::normalize::{
    fold_ignores_output, fold_into, fold_lines_into, fold_lines_unless_output_matters, key, output, KeyOptions, KeySpec,
};
use ghirbal::story::link::{link, DocFreq, LinkDocs};
use ghirbal::story::terms::of_key;
use ghirbal::story::StoryConfig;
use ghirbal::text::{datatrove_tokens, identify, ngram_hashes, words, Analysis};

fn texts() -> Vec<String> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/saudinewsnet/saudinewsnet.jsonl.gz");
    if let Ok(file) = std::fs::File::open(&shared) {
        let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
        return reader
            .lines()
            .take(5_000)
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(&l.ok()?).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_owned))
            .collect();
    }
    let words = [
        "قالَ",
        "الوزير",
        "إنّ",
        "المشروع",
        "الجديد،",
        "سيبدأ",
        "في",
        "العام",
        "المقبل",
        "بتكلفة",
        "٢٠١٥",
        "ريال.",
    ];
    (0..5_000)
        .map(|i| {
            (0..500)
                .map(|j| words[(i * 7 + j * 13) % words.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let texts = texts();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let outputs: Vec<String> = texts.iter().map(|t| output(t)).collect();
    let keys: Vec<String> = texts.iter().map(|t| key(t)).collect();
    let mut g = c.benchmark_group("text");
    g.sample_size(10).throughput(Throughput::Bytes(bytes));
    g.bench_function("output_profile", |b| {
        b.iter(|| texts.iter().map(|t| output(t).len()).sum::<usize>())
    });
    g.bench_function("key_profile_from_output", |b| {
        let mut buf = String::new();
        let opts = KeyOptions::default();
        b.iter(|| {
            outputs
                .iter()
                .map(|t| {
                    fold_into(t, &opts, &mut buf);
                    buf.len()
                })
                .sum::<usize>()
        })
    });
    // The check that lets the site-line records fold raw text without the output pass.
    g.bench_function("fold_ignores_output_check", |b| {
        b.iter(|| texts.iter().filter(|t| fold_ignores_output(t)).count())
    });
    // Raw text's line keys where the output pass cannot change them (dedup-only runs, site-line records):
    // the check, then the fold, against the fold that checks as it goes.
    g.bench_function("raw_lines_check_then_fold", |b| {
        let (mut buf, opts) = (String::new(), KeyOptions::default());
        b.iter(|| {
            texts
                .iter()
                .filter(|t| fold_ignores_output(t))
                .map(|t| {
                    fold_lines_into(t, &opts, &mut buf);
                    buf.len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("raw_lines_guarded_fold", |b| {
        let (mut buf, opts) = (String::new(), KeyOptions::default());
        b.iter(|| {
            let mut sum = 0;
            for t in &texts {
                if fold_lines_unless_output_matters(t, &opts, &mut buf) {
                    sum += buf.len();
                }
            }
            sum
        })
    });
    g.bench_function("key_profile_from_raw", |b| {
        b.iter(|| texts.iter().map(|t| key(t).len()).sum::<usize>())
    });
    g.bench_function("words_of_key", |b| {
        b.iter(|| keys.iter().map(|k| words(k).len()).sum::<usize>())
    });
    g.bench_function("word_5gram_hashes", |b| {
        b.iter(|| keys.iter().map(|k| ngram_hashes(&words(k), 5, 7).len()).sum::<usize>())
    });
    g.bench_function("language_id", |b| {
        b.iter(|| texts.iter().filter(|t| identify(t, 8192).label == "ara").count())
    });
    // datatrove's (spaCy `ar`) tokens of the stored text: every word of the `fineweb2` preset's filters.
    g.bench_function("datatrove_tokens", |b| {
        b.iter(|| texts.iter().map(|t| datatrove_tokens(t).len()).sum::<usize>())
    });
    let hasher = MinHasher::new(&MinHashConfig::default());
    let spec = KeySpec {
        normalized: true,
        ..KeySpec::default()
    };
    // What the pipeline does per document: analysis form and words (shared with the filters), then shingles.
    let shingles = |t: &str| {
        let mut analysis = Analysis::default();
        let kw = analysis.key_words(t, spec);
        hasher.shingles(&kw.key, &kw.words)
    };
    g.bench_function("minhash_shingles_only", |b| {
        b.iter(|| outputs.iter().map(|t| shingles(t).len()).sum::<usize>())
    });
    g.bench_function("minhash_signature", |b| {
        b.iter(|| outputs.iter().filter_map(|t| hasher.signature(&shingles(t))).count())
    });
    g.finish();
    story(c, &outputs, spec);
}

/// The `story` stage per core: terms of each document's key form (its words already there, as in the scan),
/// then linking the documents.
fn story(c: &mut Criterion, outputs: &[String], spec: KeySpec) {
    let cfg = StoryConfig::default();
    let mut analyses: Vec<Analysis> = outputs.iter().map(|_| Analysis::default()).collect();
    for (a, t) in analyses.iter_mut().zip(outputs) {
        a.key_words(t, spec);
    }
    let terms = |a: &mut Analysis, t: &str| {
        let kw = a.key_words(t, spec);
        of_key(&kw.key, &kw.words, cfg.head_weight as f32, cfg.number_weight as f32)
    };
    let mut g = c.benchmark_group("story");
    g.sample_size(10).throughput(Throughput::Elements(outputs.len() as u64));
    g.bench_function("terms", |b| {
        b.iter(|| {
            analyses
                .iter_mut()
                .zip(outputs)
                .map(|(a, t)| terms(a, t).len())
                .sum::<usize>()
        })
    });
    let all: Vec<_> = analyses.iter_mut().zip(outputs).map(|(a, t)| terms(a, t)).collect();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    g.bench_function("link", |b| {
        b.iter(|| {
            let mut df = DocFreq::default();
            for t in &all {
                df.add(t.iter().copied(), None);
            }
            df.finish();
            let docs = df.into_docs(cfg.top_terms, LinkDocs::default()).expect("in memory");
            one.install(|| link(&docs, &cfg)).expect("links").pairs_scored
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
