//! The input layer tried as a hostile user would (issue #15): every file of a folder is read or reported,
//! whatever the case of its extension, its compression or the bytes of its name; a file that is not what
//! its name says fails at the right byte.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BinaryArray, DictionaryArray, Int32Array, Int64Array, LargeBinaryArray, LargeStringArray, RecordBatch,
    StringArray, UInt64Array,
};
use base64::Engine;
use parquet::arrow::ArrowWriter;
use serde_json::{json, Value};

use crate::util::{bzip2, gzip, ids, line, outcome, output_profile, run, xz, zstd, Dir};

/// One JSONL record whose text is unique to `id`.
fn record(id: &str) -> String {
    line(id, &format!("نص الوثيقة {id}"), &[])
}

/// Runs `ghirbal run INPUT -o OUT`, expecting exit 0; returns stderr.
fn run_ok_stderr(input: &std::path::Path, out: &std::path::Path) -> String {
    let (code, stdout, stderr) = run(engine_argv![input, "-o", out]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    stderr
}

ghtest!(every_file_of_a_folder_is_read_or_reported, |dir| {
    dir.write("in/a.TXT", "نص ملف أ");
    dir.write("in/b.JSONL", record("b"));
    dir.write("in/c.jsonl.GZ", gzip(record("c").as_bytes()));
    dir.write("in/d.jsonl.bz2", bzip2(record("d").as_bytes()));
    dir.write("in/e.txt.xz", xz("نص ملف هـ".as_bytes()));
    dir.write("in/f.Jsonl.Zst", zstd(record("f").as_bytes()));
    // A name in windows-1256, not UTF-8: read all the same, its id written with `\xNN`.
    std::fs::write(dir.join("in").join(OsStr::from_bytes(b"g\xc7.txt")), "نص ملف ز").expect("writing");
    dir.write("in/h.txt", "نص ملف ح");
    dir.write("in/notes.md", "# notes");
    dir.write("in/README", "read me");
    let (input, out) = (dir.join("in"), dir.out());
    let stderr = run_ok_stderr(&input, &out);
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["a", "b", "c", "d", "e", "f", "g\\xC7", "h"]);
    assert_eq!(o.kept("e")["text"], output_profile("نص ملف هـ"));
    assert_eq!(o.kept("d")["text"], output_profile("نص الوثيقة d"));
    assert_eq!(o.stats["skipped_file_count"], 2, "{}", o.stats);
    let skipped =
        |name: &str| json!({"path": input.join(name).display().to_string(), "reason": "unsupported_extension"});
    assert_eq!(
        o.stats["skipped_files"],
        json!([skipped("README"), skipped("notes.md")])
    );
    assert!(stderr.contains("2 file(s) not read"), "{stderr}");
    assert!(stderr.contains("notes.md (unsupported extension)"), "{stderr}");
});

ghtest!(a_glob_reports_the_files_it_matches_but_does_not_read, |dir| {
    dir.write("in/a.jsonl", record("a"));
    dir.write("in/b.csv", "id,text\n");
    let out = dir.out();
    run_ok_stderr(&dir.join("in/*"), &out);
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["a"]);
    let path = dir.join("in/b.csv").display().to_string();
    assert_eq!(
        o.stats["skipped_files"],
        json!([{"path": path, "reason": "unsupported_extension"}])
    );
});

ghtest!(a_file_named_on_the_command_line_must_be_readable, |dir| {
    // Guards what already held: only files found in folders are skipped; a named one stops the run.
    let input = dir.write("notes.md", "# notes");
    let (code, _, stderr) = run(engine_argv![&input, "-o", dir.out()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("unsupported input format"), "{stderr}");
    assert!(stderr.contains(&input.display().to_string()), "{stderr}");
});

/// A WET archive of one conversion record (text) at `uri`.
fn wet(uri: &str, text: &str) -> Vec<u8> {
    let record = warc::RecordBuilder::default()
        .warc_type(warc::RecordType::Conversion)
        .header(warc::WarcHeader::TargetURI, uri)
        .body(text.as_bytes().to_vec())
        .build()
        .expect("a WARC record");
    let mut raw = Vec::new();
    warc::WarcWriter::new(&mut raw)
        .write(&record)
        .expect("writing a record");
    raw
}

ghtest!(bzip2_and_xz_archives_are_read, |dir| {
    dir.write(
        "in/a.warc.xz",
        xz(&wet("https://a.example/1", "فقرة أولى من الأرشيف الأول.")),
    );
    dir.write(
        "in/b.WARC.BZ2",
        bzip2(&wet("https://a.example/2", "فقرة ثانية من الأرشيف الثاني.")),
    );
    let out = dir.out();
    let (code, _, stderr) = run(engine_argv![dir.join("in"), "-o", &out, "--stages", "normalize"]);
    assert_eq!(code, 0, "{stderr}");
    let o = outcome(&out);
    let urls: Vec<&Value> = o.kept.iter().map(|r| &r["meta"]["url"]).collect();
    assert_eq!(urls, [&json!("https://a.example/1"), &json!("https://a.example/2")]);
    assert_eq!(o.stats["skipped_file_count"], 0);
});

/// A plain JSONL file of more than a read buffer (1 MiB) under a compressed name fails at its first byte.
fn check_not_compressed(dir: &Dir, name: &str) {
    let body: String = (0..30_000).map(|i| record(&format!("r{i:05}"))).collect();
    assert!(body.len() > 1 << 20);
    let input = dir.write(name, body);
    let out = dir.out();
    let (code, stdout, stderr) = run(engine_argv![&input, "-o", &out]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("at byte 0 of the compressed file"), "{stderr}");
    let o = outcome(&out);
    assert_eq!(o.stats["conservation"]["input"], 0);
    let problem = &o.stats["input_problems"][0];
    assert_eq!(problem["file"], input.display().to_string());
    let message = problem["message"].as_str().expect("a message");
    assert!(message.contains("at byte 0 of the compressed file"), "{message}");
}

ghtest!(a_plain_file_named_gz_fails_at_byte_zero, |dir| {
    check_not_compressed(&dir, "plain.jsonl.gz");
});

ghtest!(a_plain_file_named_zst_fails_at_byte_zero, |dir| {
    check_not_compressed(&dir, "plain.jsonl.zst");
});

ghtest!(a_plain_warc_named_gz_fails_at_byte_zero, |dir| {
    let input = dir.write("crawl.warc.gz", wet("https://a.example/1", "نص غير مضغوط"));
    let out = dir.out();
    let (code, _, stderr) = run(engine_argv![&input, "-o", &out, "--stages", "normalize"]);
    assert_eq!(code, 1, "{stderr}");
    let expected = "decoding failed at byte 0 of the file: not a gzip file";
    assert!(stderr.contains(expected), "no {expected:?} in:\n{stderr}");
    assert_eq!(outcome(&out).stats["conservation"]["input"], 0);
});

ghtest!(a_txt_file_that_does_not_decode_is_reported_and_the_others_read, |dir| {
    dir.write("in/a.txt", "نص ملف أ");
    dir.write("in/b.txt.gz", "نص غير مضغوط");
    dir.write("in/c.txt", "نص ملف ج");
    let out = dir.out();
    let (code, _, stderr) = run(engine_argv![dir.join("in"), "-o", &out]);
    assert_eq!(code, 1, "{stderr}");
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["a", "c"]);
    let problem = &o.stats["input_problems"][0];
    let message = problem["message"].as_str().expect("a message");
    assert!(message.contains("b.txt.gz"), "{message}");
    assert!(message.contains("at byte 0 of the compressed file"), "{message}");
});

ghtest!(a_gzip_with_a_bad_second_member_fails_at_that_member, |dir| {
    let first = gzip(record("a").as_bytes());
    let mut data = first.clone();
    data.extend_from_slice(&[0x1f, 0x8b, 0x63]);
    data.extend_from_slice(&vec![b'x'; 2 << 20]);
    let input = dir.write("two.jsonl.gz", &data);
    let out = dir.out();
    let (code, _, stderr) = run(engine_argv![&input, "-o", &out]);
    assert_eq!(code, 1, "{stderr}");
    let at = format!(
        "at byte {} of the compressed file (1 records read before it)",
        first.len()
    );
    assert!(stderr.contains(&at), "no {at:?} in:\n{stderr}");
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["a"]);
});

/// Writes a Parquet file of columns `id` and `text`.
fn parquet(path: &std::path::Path, id: ArrayRef, text: ArrayRef) {
    let batch = RecordBatch::try_from_iter([("id", id), ("text", text)]).expect("a record batch");
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("creating the folder");
    let file = std::fs::File::create(path).expect("creating a parquet input");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).expect("a parquet writer");
    writer.write(&batch).expect("writing parquet");
    writer.close().expect("closing parquet");
}

ghtest!(
    parquet_text_and_id_columns_of_every_string_and_integer_type_are_read,
    |dir| {
        let dict: DictionaryArray<Int32Type> = ["نص من قاموس", "نص آخر من قاموس", "نص من قاموس"].into_iter().collect();
        parquet(
            &dir.join("in/dict.parquet"),
            Arc::new(StringArray::from(vec!["d1", "d2", "d3"])),
            Arc::new(dict),
        );
        parquet(
            &dir.join("in/large.parquet"),
            Arc::new(LargeStringArray::from(vec!["l1"])),
            Arc::new(LargeStringArray::from(vec!["نص في عمود كبير"])),
        );
        let bad: &[u8] = b"caf\xe9 \xff";
        parquet(
            &dir.join("in/binary.parquet"),
            Arc::new(Int64Array::from(vec![101, 102])),
            Arc::new(BinaryArray::from_vec(vec!["نص في عمود ثنائي".as_bytes(), bad])),
        );
        parquet(
            &dir.join("in/large_binary.parquet"),
            Arc::new(UInt64Array::from(vec![u64::MAX])),
            Arc::new(LargeBinaryArray::from_vec(vec!["نص ثنائي كبير".as_bytes()])),
        );
        parquet(
            &dir.join("in/int32.parquet"),
            Arc::new(Int32Array::from(vec![-7])),
            Arc::new(StringArray::from(vec!["نص برقم سالب"])),
        );
        let out = dir.out();
        run_ok_stderr(&dir.join("in"), &out);
        let o = outcome(&out);
        let max = u64::MAX.to_string();
        assert_eq!(ids(&o.kept), ["101", "d1", "d2", "-7", "l1", &max]);
        for (id, text) in [
            ("101", "نص في عمود ثنائي"),
            ("d1", "نص من قاموس"),
            ("d2", "نص آخر من قاموس"),
            ("-7", "نص برقم سالب"),
            ("l1", "نص في عمود كبير"),
            (&max, "نص ثنائي كبير"),
        ] {
            assert_eq!(o.kept(id)["text"], output_profile(text), "{id}");
        }
        assert_eq!(o.removed("d3")["reason"], "dedup.exact");
        let r = o.removed("102");
        assert_eq!(r["reason"], "read.invalid_utf8", "{r}");
        assert_eq!(
            r["detail"]["file"],
            dir.join("in/binary.parquet").display().to_string(),
            "{r}"
        );
        assert_eq!(r["detail"]["line"], 2, "{r}");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(r["raw_base64"].as_str().expect("raw bytes kept"))
            .expect("base64");
        assert_eq!(raw, bad);
        assert_eq!(o.stats["conservation"]["input"], 8);
    }
);

ghtest!(an_unpaired_surrogate_escape_is_removed_naming_it, |dir| {
    let lines = concat!(
        "{\"id\":\"a\",\"text\":\"\\udfff\"}\n",
        "{\"id\":\"\\ud800\",\"text\":\"نص بمعرف مكسور\"}\n",
        "{\"id\":\"c\",\"text\":\"نص سليم \\ud83d\\ude00\"}\n",
    );
    let input = dir.write("in.jsonl", lines);
    let out = dir.out();
    run_ok_stderr(&input, &out);
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["c"]);
    let fallback = format!("{}:2", input.display());
    assert_eq!(ids(&o.removed), ["a", fallback.as_str()]);
    for (r, (line, field, escape)) in o.removed.iter().zip([(1, "text", "\\udfff"), (2, "id", "\\ud800")]) {
        assert_eq!(r["reason"], "read.malformed_json", "{r}");
        assert_eq!(r["detail"]["file"], input.display().to_string(), "{r}");
        assert_eq!(r["detail"]["line"], line, "{r}");
        let error = r["detail"]["error"].as_str().expect("an error");
        let expected = format!("field \"{field}\" holds an unpaired surrogate escape {escape}");
        assert!(error.contains(&expected), "{error}");
        // Nothing is lost: the line as read is the removed record's text.
        assert_eq!(r["text"], lines.lines().nth(line - 1).expect("the line"), "{r}");
    }
});
