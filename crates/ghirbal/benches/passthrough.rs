//! The pass-through floor: what reading JSONL.gz and writing JSONL.zst costs per core, piece by piece.
//!
//! Input: the first 5,000 SaudiNewsNet articles when `../shared/data` is beside the repository (the figures
//! in BENCHMARKS.md), else a generated Arabic-like corpus of the same shape. Throughput is in bytes of
//! *text* (the `text` fields), the unit every ghirbal figure uses.
//!
//! Run: `cargo bench -p ghirbal --bench passthrough`

use std::io::{BufRead, Read, Write};
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ghirbal::doc::{memory_origin, parse_record};
use ghirbal::{Document, Ordinal};

const DOCS: usize = 5_000;

/// Gzip-compressed JSONL of `DOCS` records, and the total text bytes in it.
fn corpus() -> (Vec<u8>, u64) {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/saudinewsnet/saudinewsnet.jsonl.gz");
    let mut lines = Vec::new();
    if let Ok(file) = std::fs::File::open(&shared) {
        let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
        for line in reader.lines().take(DOCS) {
            lines.push(line.expect("read corpus"));
        }
    } else {
        let words = [
            "قال",
            "الوزير",
            "إن",
            "المشروع",
            "الجديد",
            "سيبدأ",
            "في",
            "العام",
            "المقبل",
            "بتكلفة",
            "مليون",
            "ريال",
        ];
        for i in 0..DOCS {
            let text: Vec<&str> = (0..500).map(|j| words[(i * 7 + j * 13) % words.len()]).collect();
            lines
                .push(serde_json::json!({"id": format!("g/{i}"), "text": text.join(" "), "source": "gen"}).to_string());
        }
    }
    let text_bytes: u64 = lines
        .iter()
        .map(|l| parse_record(l, "id", "text", String::new).map_or(0, |p| p.1.len() as u64))
        .sum();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for l in &lines {
        enc.write_all(l.as_bytes()).expect("gzip");
        enc.write_all(b"\n").expect("gzip");
    }
    (enc.finish().expect("gzip"), text_bytes)
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(gz)
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

fn parse_all(jsonl: &[u8]) -> Vec<Document> {
    jsonl
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| simdutf8::basic::from_utf8(l).ok())
        .filter_map(|l| parse_record(l, "id", "text", String::new).ok())
        .map(|(id, text, meta, annotations)| Document {
            id,
            text,
            meta,
            annotations,
            ordinal: Ordinal(0),
            origin: memory_origin(0),
            analysis: Default::default(),
            as_read: None,
        })
        .collect()
}

fn serialize_all(docs: &[Document]) -> Vec<u8> {
    let mut out = Vec::new();
    for d in docs {
        d.write_json_line(&mut out);
    }
    out
}

fn bench(c: &mut Criterion) {
    let (gz, text_bytes) = corpus();
    let jsonl = gunzip(&gz);
    let docs = parse_all(&jsonl);
    let out = serialize_all(&docs);
    let mut g = c.benchmark_group("passthrough");
    g.sample_size(10).throughput(Throughput::Bytes(text_bytes));
    g.bench_function("gzip_decode", |b| b.iter(|| gunzip(&gz)));
    g.bench_function("json_parse", |b| b.iter(|| parse_all(&jsonl)));
    g.bench_function("json_serialize", |b| b.iter(|| serialize_all(&docs)));
    g.bench_function("zstd3_encode", |b| {
        b.iter(|| zstd::bulk::compress(&out, 3).expect("zstd"))
    });
    g.bench_function("exact_key", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| ghirbal::dedup::exact::exact_hash(&d.text, false, &Default::default()))
                .fold(0u128, |a, h| a ^ h)
        })
    });
    g.bench_function("read_gz_write_zst", |b| {
        b.iter(|| {
            let docs = parse_all(&gunzip(&gz));
            let mut frames = Vec::new();
            for chunk in docs.chunks(300) {
                frames.extend(zstd::bulk::compress(&serialize_all(chunk), 3).expect("zstd"));
            }
            frames
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
