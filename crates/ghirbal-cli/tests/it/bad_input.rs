//! Records that cannot become documents are removed with a `read.*` reason naming file and line; the run
//! still succeeds and keeps the good records.

use base64::Engine;
use serde_json::{json, Value};

use crate::util::{ids, outcome, run, Dir, Outcome};

/// Runs one input, expects exit 0, returns the outcome.
fn run_one(dir: &Dir, input: &std::path::Path) -> Outcome {
    let out = dir.out();
    let (code, stdout, stderr) = run(engine_argv![input, "-o", out]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    outcome(&out)
}

fn check_removed(r: &Value, reason: &str, file: &std::path::Path, line: Option<u64>) {
    assert_eq!(r["reason"], reason, "{r}");
    assert_eq!(r["stage"], "read", "{r}");
    assert_eq!(r["detail"]["file"], file.display().to_string(), "{r}");
    match line {
        Some(n) => assert_eq!(r["detail"]["line"], n, "{r}"),
        None => assert!(r["detail"].get("line").is_none(), "{r}"),
    }
    assert!(r["detail"]["error"].is_string(), "{r}");
}

fn raw(r: &Value) -> Vec<u8> {
    let b64 = r["raw_base64"].as_str().unwrap_or_else(|| panic!("no raw_base64: {r}"));
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("raw_base64 is base64")
}

ghtest!(invalid_utf8_line_keeps_its_raw_bytes, |dir| {
    let bad: &[u8] = b"{\"id\":\"b\",\"text\":\"caf\xe9 \xff\xfe\"}";
    let mut body = b"{\"id\":\"a\",\"text\":\"good one\"}\n\n".to_vec();
    body.extend_from_slice(bad);
    body.extend_from_slice(b"\n{\"id\":\"c\",\"text\":\"good two\"}\n");
    let input = dir.write("bad.jsonl", body);
    let o = run_one(&dir, &input);
    assert_eq!(ids(&o.kept), ["a", "c"]);
    assert_eq!(o.removed.len(), 1, "{:?}", o.removed);
    let r = &o.removed[0];
    // The blank line 2 is not a record, but it counts as a line.
    check_removed(r, "read.invalid_utf8", &input, Some(3));
    assert_eq!(raw(r), bad);
    assert_eq!(r["text"], String::from_utf8_lossy(bad).as_ref());
    assert_eq!(o.stats["conservation"]["input"], 3);
    assert_eq!(o.stats["totals"]["removed_by_reason"], json!({"read.invalid_utf8": 1}));
});

ghtest!(malformed_json_line_is_removed_with_its_text, |dir| {
    let input = dir.write(
        "in.jsonl",
        "{\"id\":\"a\",\"text\":\"نص\"}\n{\"id\":\"b\",\"text\":\n[1,2]\n{\"id\":\"c\",\"text\":\"آخر\"}\n",
    );
    let o = run_one(&dir, &input);
    assert_eq!(ids(&o.kept), ["a", "c"]);
    assert_eq!(o.removed.len(), 2, "{:?}", o.removed);
    check_removed(&o.removed[0], "read.malformed_json", &input, Some(2));
    assert_eq!(o.removed[0]["text"], "{\"id\":\"b\",\"text\":");
    check_removed(&o.removed[1], "read.malformed_json", &input, Some(3));
    assert_eq!(o.removed[1]["text"], "[1,2]");
    // Nothing was decoded, so the id is the place.
    assert_eq!(o.removed[0]["id"], format!("{}:2", input.display()));
    assert!(o.removed[0].get("raw_base64").is_none());
});

ghtest!(missing_or_non_string_text_is_removed, |dir| {
    let input = dir.write(
        "in.jsonl",
        concat!(
            "{\"id\":\"d\",\"body\":\"no text field\"}\n",
            "{\"id\":\"e\",\"text\":5}\n",
            "{\"id\":\"f\",\"text\":null}\n",
            "{\"id\":\"g\",\"text\":\"kept\"}\n",
        ),
    );
    let o = run_one(&dir, &input);
    assert_eq!(ids(&o.kept), ["g"]);
    assert_eq!(ids(&o.removed), ["d", "e", "f"]);
    for (r, line) in o.removed.iter().zip(1..) {
        check_removed(r, "read.missing_text", &input, Some(line));
    }
    assert_eq!(o.removed[0]["meta"], json!({}));
    assert_eq!(o.stats["totals"]["removed_by_reason"], json!({"read.missing_text": 3}));
});

ghtest!(meta_numbers_keep_their_spelling, |dir| {
    let input = dir.write("in.jsonl", "{\"id\":\"g\",\"text\":\"t\",\"n\":1.50e3}\n");
    let out = dir.out();
    let (code, _, stderr) = run(engine_argv![input, "-o", out, "--compression", "none"]);
    assert_eq!(code, 0, "{stderr}");
    let kept = std::fs::read_to_string(out.join("kept/part-00000-000.jsonl")).expect("part");
    assert_eq!(kept, "{\"id\":\"g\",\"text\":\"t\",\"meta\":{\"n\":1.50e3}}\n");
});

ghtest!(nul_in_text_is_removed, |dir| {
    let input = dir.write(
        "in.jsonl",
        "{\"id\":\"a\",\"text\":\"x\\u0000y\"}\n{\"id\":\"b\",\"text\":\"fine\"}\n",
    );
    let o = run_one(&dir, &input);
    assert_eq!(ids(&o.kept), ["b"]);
    assert_eq!(ids(&o.removed), ["a"]);
    check_removed(&o.removed[0], "read.nul_byte", &input, Some(1));
});

ghtest!(blank_lines_are_not_records, |dir| {
    let input = dir.write(
        "in.jsonl",
        "\n{\"id\":\"a\",\"text\":\"one\"}\n   \n\t\r\n{\"id\":\"b\",\"text\":\"two\"}\n\n",
    );
    let o = run_one(&dir, &input);
    assert_eq!(ids(&o.kept), ["a", "b"]);
    assert!(o.removed.is_empty(), "{:?}", o.removed);
    assert_eq!(o.stats["conservation"]["input"], 2);
});

ghtest!(a_last_line_without_newline_is_read, |dir| {
    let input = dir.write(
        "in.jsonl",
        "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}",
    );
    let o = run_one(&dir, &input);
    assert_eq!(ids(&o.kept), ["a", "b"]);
});

ghtest!(invalid_utf8_txt_file_in_a_folder, |dir| {
    let bad: &[u8] = b"\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 \xff broken";
    dir.write("docs/a.txt", "السلام عليكم");
    let bad_path = dir.write("docs/sub/bad.txt", bad);
    dir.write("docs/z.txt", "نص أخير");
    let o = run_one(&dir, &dir.join("docs"));
    assert_eq!(ids(&o.kept), ["a", "z"]);
    assert_eq!(ids(&o.removed), ["sub/bad"]);
    let r = &o.removed[0];
    check_removed(r, "read.invalid_utf8", &bad_path, None);
    assert_eq!(raw(r), bad);
});

ghtest!(nul_in_a_txt_file_is_removed, |dir| {
    dir.write("docs/a.txt", "good");
    let bad_path = dir.write("docs/b.txt", "bin\0ary");
    let o = run_one(&dir, &dir.join("docs"));
    assert_eq!(ids(&o.kept), ["a"]);
    check_removed(o.removed("b"), "read.nul_byte", &bad_path, None);
});
