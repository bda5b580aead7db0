//! Web input (issue #14): WARC archives built here with the `warc` crate around pages in UTF-8 and
//! windows-1256, `.html` folders, the two real Arabic news pages of `../shared` scored against the gold
//! text shipped in `crates/ghirbal/tests/data/web/`, and bad pages.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1256};
use serde_json::{json, Value};
use warc::{RecordBuilder, RecordType, WarcHeader, WarcWriter};

use crate::util::*;

/// One record to write: type, target URI, block.
struct Rec {
    kind: RecordType,
    uri: &'static str,
    block: Vec<u8>,
}

/// A `.warc.gz` as Common Crawl writes it: one gzip member per record.
fn warc_gz(records: &[Rec]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        let record = RecordBuilder::default()
            .warc_type(r.kind.clone())
            .header(WarcHeader::TargetURI, r.uri)
            .body(r.block.clone())
            .build()
            .expect("a WARC record");
        let mut raw = Vec::new();
        WarcWriter::new(&mut raw).write(&record).expect("writing a record");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).expect("gzip");
        out.extend(gz.finish().expect("gzip"));
    }
    out
}

/// An HTTP response carrying `body`.
fn http(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A news page around `text`'s paragraphs: a menu, the article, a footer; encoded in `encoding`.
fn news_page(title: &str, text: &str, encoding: &'static Encoding, meta_charset: bool) -> Vec<u8> {
    let paragraphs: String = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{l}</p>\n"))
        .collect();
    let meta = if meta_charset {
        format!("<meta charset=\"{}\">", encoding.name())
    } else {
        String::new()
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"ar\" dir=\"rtl\"><head>{meta}<title>{title}</title></head><body>\
         <nav><ul><li><a href=\"/\">الرئيسية</a></li><li><a href=\"/news\">أخبار</a></li>\
         <li><a href=\"/sport\">رياضة</a></li><li><a href=\"/video\">فيديو</a></li></ul></nav>\
         <main><article><h1>{title}</h1>\n{paragraphs}</article></main>\
         <aside><h3>الأكثر قراءة</h3><ul><li><a href=\"/1\">خبر أول</a></li><li><a href=\"/2\">خبر ثان</a></li></ul></aside>\
         <footer><p>جميع الحقوق محفوظة © 2024</p><a href=\"/privacy\">سياسة الخصوصية</a></footer></body></html>"
    );
    let (bytes, _, unmappable) = encoding.encode(&html);
    assert!(!unmappable, "the page does not fit {}", encoding.name());
    bytes.into_owned()
}

fn seed(prefix: &str) -> String {
    let dir = seeds_dir();
    let path = std::fs::read_dir(&dir)
        .expect("listing the seeds")
        .map(|e| e.expect("a seed").path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)))
        .unwrap_or_else(|| panic!("no seed {prefix}_ in {}", dir.display()));
    std::fs::read_to_string(path).expect("a seed")
}

fn kept_by_url(out: &Path) -> HashMap<String, Value> {
    read_jsonl_dir(&out.join("kept"))
        .into_iter()
        .map(|r| (r["meta"]["url"].as_str().unwrap_or("").to_owned(), r))
        .collect()
}

ghtest!(a_crawl_runs_end_to_end_and_every_record_is_accounted_for, |dir| {
    let (s000, s004) = (seed("000"), seed("004"));
    let records = [
        Rec {
            kind: RecordType::WarcInfo,
            uri: "",
            block: b"software: test\r\n".to_vec(),
        },
        Rec {
            kind: RecordType::Request,
            uri: "https://news.example.com/a",
            block: b"GET /a HTTP/1.1\r\n\r\n".to_vec(),
        },
        Rec {
            kind: RecordType::Response,
            uri: "https://news.example.com/a",
            block: http(
                "200 OK",
                "text/html; charset=utf-8",
                &news_page("هايلي تحض روسيا", &s000, UTF_8, true),
            ),
        },
        Rec {
            kind: RecordType::Metadata,
            uri: "https://news.example.com/a",
            block: b"fetchTimeMs: 12\r\n".to_vec(),
        },
        // windows-1256, declared only in the HTTP header, as older Arabic sites do.
        Rec {
            kind: RecordType::Response,
            uri: "https://old.example.sa/b",
            block: http(
                "200 OK",
                "text/html; charset=windows-1256",
                &news_page("جنوب سوريا", &s004, WINDOWS_1256, false),
            ),
        },
        Rec {
            kind: RecordType::Response,
            uri: "https://news.example.com/logo.png",
            block: http("200 OK", "image/png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        },
        Rec {
            kind: RecordType::Response,
            uri: "https://news.example.com/gone",
            block: http("404 Not Found", "text/html", b"<html><body>not here</body></html>"),
        },
        Rec {
            kind: RecordType::Revisit,
            uri: "https://news.example.com/a",
            block: Vec::new(),
        },
    ];
    let input = dir.write("crawl.warc.gz", warc_gz(&records));
    let out = dir.out();
    run_ok(engine_argv![&input, "-o", &out, "--preset", "ghirbal"]);
    let stats = read_stats(&out);
    assert_eq!(
        stats["conservation"],
        json!({"input": 4, "kept": 2, "removed": 2, "holds": true}),
        "responses = kept + removed: {stats}"
    );
    assert_eq!(
        stats["other_records"],
        json!({"metadata": 1, "request": 1, "revisit": 1, "warcinfo": 1})
    );
    let removed: Vec<_> = read_jsonl_dir(&out.join("removed"))
        .iter()
        .map(|r| r["reason"].clone())
        .collect();
    assert_eq!(removed, [json!("read.not_html"), json!("read.http_status")]);

    let kept = kept_by_url(&out);
    let a = &kept["https://news.example.com/a"];
    let b = &kept["https://old.example.sa/b"];
    assert_eq!(
        (b["meta"]["charset"].as_str(), b["meta"]["charset_found"].as_str()),
        (Some("windows-1256"), Some("http-header"))
    );
    assert_eq!(a["meta"]["title"], "هايلي تحض روسيا");
    assert!(a["id"].as_str().is_some_and(|id| id.starts_with("urn:uuid:")), "{a}");
    for (doc, seed_text) in [(a, &s000), (b, &s004)] {
        let text = doc["text"].as_str().expect("text");
        for furniture in ["الرئيسية", "الأكثر قراءة", "جميع الحقوق"] {
            assert!(!text.contains(furniture), "{furniture:?} kept: {text}");
        }
        // The article's first paragraph opens the text, word for word (after the output profile).
        let first = output_profile(seed_text.lines().next().expect("a first line"));
        assert!(text.starts_with(&first), "{text}");
    }
    // Seed 000's repairs run on the extracted text: the teaser and the trailing headline go, on the record.
    let rules: Vec<&str> = a["meta"]["ghirbal"]["clean"]["removed"]
        .as_array()
        .map(|r| r.iter().filter_map(|e| e["rule"].as_str()).collect())
        .unwrap_or_default();
    assert!(rules.contains(&"clean.boilerplate"), "{a}");
    assert!(!a["text"].as_str().unwrap_or("").contains("اقرأ أيضا"));
});

/// Word-level precision, recall and F1 of `got` against `gold` (bags of words, punctuation stripped).
fn word_f1(gold: &str, got: &str) -> (f64, f64, f64) {
    let bag = |t: &str| {
        let mut m: HashMap<String, i64> = HashMap::new();
        for w in t.split_whitespace() {
            let w: String = w.chars().filter(|c| c.is_alphanumeric()).collect();
            if !w.is_empty() {
                *m.entry(w).or_default() += 1;
            }
        }
        m
    };
    let (g, e) = (bag(gold), bag(got));
    let common: i64 = g.iter().map(|(w, n)| (*n).min(*e.get(w).unwrap_or(&0))).sum();
    let (p, r) = (
        common as f64 / e.values().sum::<i64>().max(1) as f64,
        common as f64 / g.values().sum::<i64>().max(1) as f64,
    );
    (p, r, if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 })
}

ghtest!(the_two_arabic_news_pages_extract_close_to_the_gold, |dir| {
    let gold_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ghirbal/tests/data/web");
    let pages = [
        ("goose3-test_cnn_arabic", "cnn_arabic", 0.91),
        ("trafilatura-assabah.com.tn.article", "assabah", 0.98),
    ];
    for (file, _, _) in &pages {
        let bytes = std::fs::read(shared_dir("data/diverse/web").join(format!("{file}.html"))).expect("a page");
        dir.write(&format!("pages/{file}.html"), bytes);
    }
    let out = dir.out();
    run_ok(engine_argv![dir.join("pages"), "-o", &out, "--stages", "normalize"]);
    let o = outcome(&out);
    for (file, gold, floor) in pages {
        let k = o.kept(file);
        let gold_text = std::fs::read_to_string(gold_dir.join(format!("{gold}.gold.txt"))).expect("the gold");
        let title = std::fs::read_to_string(gold_dir.join(format!("{gold}.title.txt"))).expect("the title");
        let (p, r, f) = word_f1(&output_profile(&gold_text), k["text"].as_str().expect("text"));
        assert!(f >= floor, "{file}: P {p:.3} R {r:.3} F1 {f:.3} < {floor}");
        assert_eq!(k["meta"]["title"].as_str().map(str::trim), Some(title.trim()), "{file}");
    }
});

ghtest!(
    bad_pages_are_removed_with_their_bound_and_a_cut_archive_is_reported,
    |dir| {
        let ok = news_page("خبر", &seed("004"), UTF_8, true);
        // 100,000 nested elements break the element bound; 5,000 the depth bound.
        let nested = |n: usize| {
            format!(
                "<html><body>{}نص{}</body></html>",
                "<div>".repeat(n),
                "</div>".repeat(n)
            )
        };
        let (deep, deeper) = (nested(5_000), nested(100_000));
        let huge = format!("<html><body><p>{}</p></body></html>", "كلمة ".repeat(2_000_000));
        let records = [
            Rec {
                kind: RecordType::Response,
                uri: "https://a.example/deep",
                block: http("200 OK", "text/html", deep.as_bytes()),
            },
            Rec {
                kind: RecordType::Response,
                uri: "https://a.example/deeper",
                block: http("200 OK", "text/html", deeper.as_bytes()),
            },
            Rec {
                kind: RecordType::Response,
                uri: "https://a.example/huge",
                block: http("200 OK", "text/html", huge.as_bytes()),
            },
            Rec {
                kind: RecordType::Response,
                uri: "https://a.example/bad",
                block: b"\x00\x01garbage\r\n\r\n<html>".to_vec(),
            },
            Rec {
                kind: RecordType::Response,
                uri: "https://a.example/ok",
                block: http("200 OK", "text/html", &ok),
            },
        ];
        let bytes = warc_gz(&records);
        let input = dir.write("bad.warc.gz", &bytes);
        let out = dir.out();
        run_ok(engine_argv![&input, "-o", &out, "--stages", "normalize"]);
        let removed = read_jsonl_dir(&out.join("removed"));
        let reasons: Vec<_> = removed
            .iter()
            .map(|r| r["reason"].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(
            reasons,
            [
                "extract.too_large",
                "extract.too_large",
                "extract.too_large",
                "read.bad_http"
            ],
            "{removed:?}"
        );
        let error = |i: usize| removed[i]["detail"]["error"].as_str().unwrap_or("").to_owned();
        assert!(error(0).contains("nested"), "{removed:?}");
        assert!(
            error(1).contains("elements") && error(2).contains("byte"),
            "{removed:?}"
        );
        assert_eq!(read_stats(&out)["conservation"]["kept"], 1);

        // The same archive cut inside its last record: the run fails naming the file, what was read is kept.
        let cut = dir.write("cut.warc.gz", &bytes[..bytes.len() - 2_000]);
        let out = dir.join("cut-out");
        let (code, _, stderr) = run(engine_argv![&cut, "-o", &out, "--stages", "normalize"]);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("cut.warc.gz") && stderr.contains("ends inside the record"),
            "{stderr}"
        );
        let stats = read_stats(&out);
        assert_eq!(stats["conservation"]["input"], 5, "{stats}");
        assert_eq!(stats["totals"]["removed_by_reason"]["read.truncated"], 1, "{stats}");
    }
);

ghtest!(
    a_large_archive_is_split_at_record_boundaries_with_the_same_result,
    |dir| {
        let text = seed("004");
        let records: Vec<Rec> = (0..40)
            .map(|i| {
                let page = news_page(
                    &format!("خبر رقم {i}"),
                    &format!("{text}\nفقرة خاصة بالخبر رقم {i} تختلف عن غيرها."),
                    UTF_8,
                    true,
                );
                Rec {
                    kind: RecordType::Response,
                    uri: ["https://a.example/1", "https://a.example/2"][i % 2],
                    block: http("200 OK", "text/html", &page),
                }
            })
            .collect();
        let input = dir.write("crawl.warc.gz", warc_gz(&records));
        let small = dir.write("small.toml", "[input]\nshard_bytes = 20000\n");
        let (one, many) = (dir.join("one"), dir.join("many"));
        run_ok(engine_argv![&input, "-o", &one, "--stages", "normalize,clean"]);
        run_ok(engine_argv![
            &input,
            "-o",
            &many,
            "--stages",
            "normalize,clean",
            "-c",
            &small
        ]);
        let texts = |out: &Path| -> Vec<(String, String)> {
            read_jsonl_dir(&out.join("kept"))
                .iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap_or("").to_owned(),
                        r["text"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        };
        assert_eq!(texts(&one).len(), 40);
        assert_eq!(texts(&one), texts(&many));
        let parts = file_names(&many.join("kept")).len();
        assert!(parts > 1, "the archive was not split: {parts} part file(s)");
    }
);

ghtest!(a_zstd_archive_and_a_wet_file_read_like_the_rest, |dir| {
    // One zstd frame per record; then a WET file, whose conversion records are text with paragraphs.
    let page = news_page("خبر", &seed("004"), UTF_8, true);
    let mut zst = Vec::new();
    for uri in ["https://a.example/1", "https://a.example/2"] {
        let record = RecordBuilder::default()
            .warc_type(RecordType::Response)
            .header(WarcHeader::TargetURI, uri)
            .body(http("200 OK", "text/html", &page))
            .build()
            .expect("a record");
        let mut raw = Vec::new();
        WarcWriter::new(&mut raw).write(&record).expect("writing");
        zst.extend(zstd::encode_all(&raw[..], 3).expect("zstd"));
    }
    let input = dir.write("crawl.warc.zst", &zst);
    let out = dir.out();
    run_ok(engine_argv![&input, "-o", &out, "--stages", "normalize"]);
    assert_eq!(read_stats(&out)["conservation"]["kept"], 2);

    let text = "فقرة أولى من النص المستخرج.\n\nفقرة ثانية من النص نفسه.";
    let wet = [Rec {
        kind: RecordType::Conversion,
        uri: "https://a.example/3",
        block: text.as_bytes().to_vec(),
    }];
    let input = dir.write("crawl.warc.wet.gz", warc_gz(&wet));
    let out = dir.join("wet-out");
    run_ok(engine_argv![&input, "-o", &out, "--stages", "normalize"]);
    let kept = read_jsonl_dir(&out.join("kept"));
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["text"], "فقرة أولى من النص المستخرج.\nفقرة ثانية من النص نفسه.");
    assert_eq!(kept[0]["meta"]["url"], "https://a.example/3");
});

ghtest!(a_zstd_archive_with_its_dictionary_reads_raw_or_compressed, |dir| {
    // The `.warc.zst` convention: a skippable frame first, holding the dictionary every record's frame was
    // compressed with, the dictionary itself plain or zstd-compressed.
    let pages: Vec<Vec<u8>> = (0..40)
        .map(|i| {
            let text = format!("{}\nوهذا هو الخبر رقم {i} من الأخبار.", seed("004"));
            let record = RecordBuilder::default()
                .warc_type(RecordType::Response)
                .header(WarcHeader::TargetURI, format!("https://a.example/{i}"))
                .body(http("200 OK", "text/html", &news_page("خبر", &text, UTF_8, true)))
                .build()
                .expect("a record");
            let mut raw = Vec::new();
            WarcWriter::new(&mut raw).write(&record).expect("writing");
            raw
        })
        .collect();
    let dict = zstd::dict::from_samples(&pages, 16 * 1024).expect("a dictionary");
    let mut compressor = zstd::bulk::Compressor::with_dictionary(3, &dict).expect("a compressor");
    let frames: Vec<u8> = pages
        .iter()
        .flat_map(|p| compressor.compress(p).expect("compressing"))
        .collect();
    for (name, stored) in [
        ("raw", dict.clone()),
        ("packed", zstd::encode_all(&dict[..], 3).expect("zstd")),
    ] {
        let mut file = 0x184D_2A5Du32.to_le_bytes().to_vec();
        file.extend((stored.len() as u32).to_le_bytes());
        file.extend(&stored);
        file.extend(&frames);
        let input = dir.write(&format!("{name}.warc.zst"), &file);
        let out = dir.join(&format!("{name}-out"));
        run_ok(engine_argv![&input, "-o", &out, "--stages", "normalize"]);
        let kept = kept_by_url(&out);
        assert_eq!(kept.len(), 40, "{name}");
        assert!(
            kept["https://a.example/39"]["text"]
                .as_str()
                .unwrap_or("")
                .contains("رقم 39"),
            "{name}"
        );
    }
});

ghtest!(pages_without_an_article_are_removed_with_the_extractors_reason, |dir| {
    let menu_only = "<html><head><title>الرئيسية</title></head><body><nav><a href=\"/\">الرئيسية</a> \
                     <a href=\"/news\">أخبار</a></nav></body></html>";
    let records = [
        Rec {
            kind: RecordType::Response,
            uri: "https://a.example/menu",
            block: http("200 OK", "text/html", menu_only.as_bytes()),
        },
        Rec {
            kind: RecordType::Response,
            uri: "https://a.example/script",
            block: http(
                "200 OK",
                "text/html",
                b"<html><head><script>var a = 1;</script></head><body><script>go(a)</script></body></html>",
            ),
        },
        Rec {
            kind: RecordType::Response,
            uri: "https://a.example/blank",
            block: http("200 OK", "text/html", b"<html><body>\n</body></html>"),
        },
        Rec {
            kind: RecordType::Response,
            uri: "https://a.example/ok",
            block: http("200 OK", "text/html", &news_page("خبر", &seed("004"), UTF_8, true)),
        },
    ];
    let input = dir.write("empty.warc.gz", warc_gz(&records));
    let out = dir.out();
    run_ok(engine_argv![&input, "-o", &out, "--stages", "normalize"]);
    let removed = read_jsonl_dir(&out.join("removed"));
    let reasons: Vec<(&str, &str)> = removed
        .iter()
        .map(|r| {
            (
                r["detail"]["url"].as_str().unwrap_or(""),
                r["reason"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("https://a.example/script", "extract.failed"),
            ("https://a.example/blank", "extract.failed")
        ],
        "{removed:?}"
    );
    assert!(
        removed
            .iter()
            .all(|r| r["detail"]["error"] == "failed to grab the article"),
        "{removed:?}"
    );
    // A page of two menu words is what the extractor found: kept here, for the filters to judge.
    let kept = kept_by_url(&out);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(
        kept["https://a.example/menu"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("أخبار"),
        "{kept:?}"
    );
});

ghtest!(pages_are_extracted_once_scan_sited_takes_them_staged, |dir| {
    // With site tables on, `scan` extracts every page (they all have a site: the host of their URL) and
    // stages what it found for `scan-sited`, which takes it from there: the archive is not read again, and
    // the output is the one-command run's; the staged file is gone once `scan-sited` is done.
    let records: Vec<Rec> = (0..12)
        .map(|i| Rec {
            kind: RecordType::Response,
            uri: ["https://a.example/1", "https://a.example/2", "https://b.example/3"][i % 3],
            block: http(
                "200 OK",
                "text/html",
                &news_page("خبر", &format!("{}\nالخبر رقم {i}.", seed("004")), UTF_8, true),
            ),
        })
        .collect();
    let archive = warc_gz(&records);
    let input = dir.write("site.warc.gz", &archive);
    let config = dir.write("site.toml", "[clean]\nsite_lines_min_docs = 2\n");
    let argv_for = |out: &Path| engine_argv![&input, "-c", &config, "-o", out, "-q", "--stages", "normalize,clean"];
    let one = dir.join("one");
    run_ok(argv_for(&one));
    assert!(!one.join("work/staged/00000.docs").exists(), "removed after the scan");
    let texts = |out: &Path| -> Vec<String> {
        read_jsonl_dir(&out.join("kept"))
            .iter()
            .map(|r| r["text"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let a = texts(&one);
    assert_eq!(a.len(), 12);

    let stepped = dir.join("stepped");
    let phase = |out: &Path, name: &str| {
        let mut argv = argv_for(out);
        argv.extend(argv!["--phase", name]);
        run(argv)
    };
    for name in ["plan", "scan", "lines-count"] {
        assert_eq!(phase(&stepped, name).0, 0, "{name}");
    }
    let staged = stepped.join("work/staged/00000.docs");
    assert!(staged.exists(), "the pages are staged");
    // The archive is zeros now: `scan-sited` does not read it.
    swap_unseen(&input, 0);
    for name in ["scan-sited", "cluster", "near", "near-clusters", "write", "finish"] {
        assert_eq!(phase(&stepped, name).0, 0, "{name}");
    }
    std::fs::write(&input, &archive).expect("restoring the archive");
    assert!(!staged.exists(), "removed after the scan");
    assert_eq!(texts(&stepped), a);
});

ghtest!(every_real_warc_file_runs_and_the_clipped_one_is_reported, |dir| {
    // The real archives of ../shared/data/diverse/web: a multilingual crawl, ClueWeb's quirks, chunked
    // transfer, revisits, a POST, resource records, and one archive clipped inside a record.
    let web = shared_dir("data/diverse/web");
    let mut files: Vec<_> = std::fs::read_dir(&web)
        .expect("listing the web folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.to_string_lossy().contains(".warc"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the real WARC files are missing: {files:?}");
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let out = dir.join(&format!("out-{name}"));
        let (code, _, stderr) = run(engine_argv![&file, "-o", &out, "-q"]);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let stats = read_stats(&out);
        assert_eq!(stats["conservation"]["holds"], true, "{name}: {stats}");
        if name.contains("clipped") {
            assert_eq!(code, 1, "{name}: {stderr}");
            assert!(
                stderr.contains(&name) && stderr.contains("ends inside the record"),
                "{stderr}"
            );
            assert_eq!(stats["totals"]["removed_by_reason"]["read.truncated"], 1, "{stats}");
        } else {
            assert_eq!(code, 0, "{name}: {stderr}");
        }
    }
});
