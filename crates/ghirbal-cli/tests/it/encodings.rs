//! Inputs in Arabic legacy encodings and with byte order marks (issue #14): a windows-1256 `.txt` folder read
//! with `encoding = "auto"` gives the same kept text as its UTF-8 copy; read as UTF-8 it is removed with a
//! detail that names the encoding and the knob; a BOM'd JSONL loses no record.

use encoding_rs::{Encoding, ISO_8859_6, WINDOWS_1256};
use serde_json::{json, Value};

use crate::util::*;

/// Real Arabic articles: the two seeds and the example corpus, as (id, text).
fn articles() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(seeds_dir()).expect("listing the seeds") {
        let path = entry.expect("a seed").path();
        if path.extension().is_some_and(|e| e == "txt") {
            let id = path.file_stem().expect("a name").to_string_lossy().into_owned();
            out.push((id, std::fs::read_to_string(&path).expect("a seed is UTF-8")));
        }
    }
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus/news.jsonl");
    for line in std::fs::read_to_string(example).expect("the example corpus").lines() {
        let v: Value = serde_json::from_str(line).expect("an example record");
        let id = v["id"].as_str().expect("id").replace('/', "_");
        out.push((id, v["text"].as_str().expect("text").to_owned()));
    }
    out.sort();
    out
}

/// The articles `encoding` can represent, encoded: (id, UTF-8 text, encoded bytes); at least `min` of them.
fn encodable(encoding: &'static Encoding, min: usize) -> Vec<(String, String, Vec<u8>)> {
    let all = articles();
    let n = all.len();
    let out: Vec<_> = all
        .into_iter()
        .filter_map(|(id, text)| {
            let (bytes, _, unmappable) = encoding.encode(&text);
            (!unmappable).then(|| (id, text.clone(), bytes.into_owned()))
        })
        .collect();
    // Persian letters, emoji and (for ISO-8859-6) «» quotes do not fit the Arabic code pages.
    assert!(
        out.len() >= min,
        "only {} of {n} articles encodable in {}",
        out.len(),
        encoding.name()
    );
    out
}

fn kept_texts(out: &std::path::Path) -> Vec<(String, String)> {
    let mut kept: Vec<_> = read_jsonl_dir(&out.join("kept"))
        .iter()
        .map(|r| {
            (
                r["id"].as_str().expect("id").to_owned(),
                r["text"].as_str().expect("text").to_owned(),
            )
        })
        .collect();
    kept.sort();
    kept
}

ghtest!(
    a_windows_1256_folder_read_with_auto_keeps_what_its_utf8_copy_keeps,
    |dir| {
        let docs = encodable(WINDOWS_1256, 18);
        for (id, text, bytes) in &docs {
            dir.write(&format!("utf8/{id}.txt"), text);
            dir.write(&format!("cp1256/{id}.txt"), bytes);
        }
        let config = dir.write("auto.toml", "[input]\nencoding = \"auto\"\n");
        let (a, b) = (dir.join("a"), dir.join("b"));
        run_ok(engine_argv![dir.join("utf8"), "-o", &a]);
        run_ok(engine_argv![dir.join("cp1256"), "-o", &b, "-c", &config]);
        let (utf8, legacy) = (kept_texts(&a), kept_texts(&b));
        assert!(utf8.len() >= 5, "too few kept to compare: {}", utf8.len());
        assert_eq!(utf8, legacy);
        let stats = read_stats(&b);
        assert_eq!(stats["conservation"]["input"], docs.len() as u64);
        // How each was decoded is on the record (an all-ASCII text is valid UTF-8: nothing to note).
        for record in read_jsonl_dir(&b.join("kept")) {
            if record["text"].as_str().is_some_and(str::is_ascii) {
                continue;
            }
            assert_eq!(
                record["meta"]["ghirbal"]["charset"],
                json!({"encoding": "windows-1256", "found": "detected"}),
                "{}",
                record["id"]
            );
        }
    }
);

ghtest!(a_legacy_file_read_as_utf8_names_its_encoding_and_the_knob, |dir| {
    let docs = encodable(WINDOWS_1256, 18);
    for (id, _, bytes) in &docs {
        dir.write(&format!("in/{id}.txt"), bytes);
    }
    let out = dir.out();
    run_ok(engine_argv![dir.join("in"), "-o", &out, "--stages", "normalize"]);
    let removed = read_jsonl_dir(&out.join("removed"));
    assert_eq!(
        removed.len(),
        docs.iter().filter(|(_, text, _)| !text.is_ascii()).count()
    );
    for r in &removed {
        let removal = r;
        assert_eq!(removal["reason"], "read.invalid_utf8", "{r}");
        let error = removal["detail"]["error"].as_str().expect("an error");
        assert!(
            error.contains("windows-1256") && error.contains("[input] encoding = \"auto\""),
            "{error}"
        );
        assert!(
            removal["detail"]["file"].as_str().is_some_and(|f| f.ends_with(".txt")),
            "{r}"
        );
    }
});

ghtest!(a_named_encoding_and_legacy_jsonl_decode, |dir| {
    // ISO-8859-6 named in the config, for .txt; windows-1256 JSONL detected line by line under "auto".
    let docs = encodable(ISO_8859_6, 12);
    for (id, _, bytes) in &docs {
        dir.write(&format!("iso/{id}.txt"), bytes);
    }
    let config = dir.write("iso.toml", "[input]\nencoding = \"iso-8859-6\"\n");
    let out = dir.join("iso-out");
    run_ok(engine_argv![
        dir.join("iso"),
        "-o",
        &out,
        "-c",
        &config,
        "--stages",
        "normalize"
    ]);
    let kept = kept_texts(&out);
    assert_eq!(kept.len(), docs.len());
    for ((id, text), (_, want, _)) in kept.iter().zip(&docs) {
        assert_eq!(text, &output_profile(want), "{id}");
    }

    let mut jsonl = Vec::new();
    for (id, text, _) in encodable(WINDOWS_1256, 18) {
        let line = json!({"id": id, "text": text}).to_string() + "\n";
        jsonl.extend(WINDOWS_1256.encode(&line).0.into_owned());
    }
    let input = dir.write("legacy.jsonl", &jsonl);
    let auto = dir.write("auto.toml", "[input]\nencoding = \"auto\"\n");
    let out = dir.join("jsonl-out");
    run_ok(engine_argv![&input, "-o", &out, "-c", &auto, "--stages", "normalize"]);
    let stats = read_stats(&out);
    assert_eq!(stats["conservation"]["removed"], 0, "{stats}");
    let kept = read_jsonl_dir(&out.join("kept"));
    let legacy = kept
        .iter()
        .filter(|r| r["meta"]["ghirbal"]["charset"]["encoding"] == "windows-1256");
    assert_eq!(
        legacy.count(),
        kept.iter()
            .filter(|r| !r["text"].as_str().is_some_and(str::is_ascii))
            .count()
    );
    assert!(kept.iter().any(|r| r["text"]
        .as_str()
        .is_some_and(|t| t.contains("الرياض") || t.contains("سوريا"))));
});

ghtest!(a_bom_before_a_jsonl_file_or_line_loses_no_record, |dir| {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    for i in 0..3 {
        if i == 2 {
            // A second file joined with `cat` brings its own mark.
            body.extend_from_slice(b"\xEF\xBB\xBF");
        }
        body.extend(
            json!({"id": format!("d{i}"), "text": format!("نص الوثيقة رقم {i} كاملا")})
                .to_string()
                .bytes(),
        );
        body.push(b'\n');
    }
    let input = dir.write("bom.jsonl", &body);
    let out = dir.out();
    run_ok(engine_argv![&input, "-o", &out, "--stages", "normalize"]);
    let o = outcome(&out);
    for i in 0..3 {
        let k = o.kept(&format!("d{i}"));
        assert!(k["text"].as_str().is_some_and(|t| !t.starts_with('\u{FEFF}')), "{k}");
    }
    assert_eq!(read_stats(&out)["conservation"]["removed"], 0);
});

ghtest!(an_unknown_encoding_is_a_config_error, |dir| {
    let input = dir.write("a.jsonl", "{\"id\":\"a\",\"text\":\"نص\"}\n");
    let config = dir.write("bad.toml", "[input]\nencoding = \"klingon\"\n");
    let (code, _, stderr) = run(engine_argv![&input, "-o", dir.out(), "-c", &config]);
    assert_eq!(code, 2, "a usage error: {stderr}");
    assert!(
        stderr.contains("input.encoding") && stderr.contains("klingon"),
        "{stderr}"
    );
});
