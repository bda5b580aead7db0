//! A `.json` file holding one JSON array of records (issue #16): each element is read as a JSONL line would be
//! — same fields, same removals, its position in the array as its line — streamed, whatever the array's size;
//! an array whose grammar breaks fails the run naming the file and line, keeping what was read.

use serde_json::{json, Value};

use crate::util::{dir_bytes, gzip, ids, line, outcome, run, Outcome};

/// The records of the tests, as JSON values: Arabic text, strings holding `]`, `}` and escaped quotes, nested
/// arrays, a record without a text field, a number, a record without an id.
fn records() -> Vec<Value> {
    vec![
        json!({"id": "a", "text": "السلام عليكم ورحمة الله وبركاته"}),
        json!({"id": "b", "text": "قال \"المدير\": النص ] انتهى } هنا \\ فقط", "tags": [["x", "]"], {"k": "}{"}]}),
        json!({"id": "bad", "body": "لا يوجد حقل نص"}),
        json!(5),
        json!({"text": "نص بلا معرف [ في وسطه"}),
        json!({"id": "c", "text": "مرحبا\nبالعالم", "meta": {"source": "[test]"}}),
    ]
}

/// `records` as a pretty-printed array (elements over several lines, as exporters write them).
fn pretty_array(records: &[Value]) -> String {
    serde_json::to_string_pretty(&Value::Array(records.to_vec())).expect("an array")
}

/// `records` as JSONL.
fn jsonl(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

/// Runs `input` into `out` on the engine stages with `threads` threads, expecting `code`.
fn run_into(input: &std::path::Path, out: &std::path::Path, threads: &str, code: i32) -> String {
    let (got, stdout, stderr) = run(engine_argv![input, "-o", out, "--threads", threads]);
    assert_eq!(got, code, "stdout:\n{stdout}\nstderr:\n{stderr}");
    stderr
}

/// kept/ and removed/ with the input's file name replaced by `FILE`, to compare two inputs.
fn as_read(o: &Outcome, input: &std::path::Path) -> (String, String) {
    let name = input.display().to_string();
    let text = |records: &[Value]| serde_json::to_string(records).expect("json").replace(&name, "FILE");
    (text(&o.kept), text(&o.removed))
}

ghtest!(an_array_is_read_as_its_jsonl_would_be, |dir| {
    let records = records();
    let lines = dir.write("in/x.jsonl", jsonl(&records));
    let expected = {
        run_into(&lines, &dir.join("out-jsonl"), "2", 0);
        as_read(&outcome(&dir.join("out-jsonl")), &lines)
    };
    let array = dir.write("in/x.json", pretty_array(&records));
    let compressed = dir.write(
        "in/y.json.gz",
        gzip(format!("\u{feff}{}", pretty_array(&records)).as_bytes()),
    );
    for input in [&array, &compressed] {
        let out = dir.join(&format!("out-{}", input.file_name().expect("a name").to_string_lossy()));
        run_into(input, &out, "2", 0);
        let o = outcome(&out);
        assert_eq!(as_read(&o, input), expected, "{}", input.display());
        assert_eq!(ids(&o.kept), ["a", "b", &format!("{}:5", input.display()), "c"]);
        assert_eq!(o.kept("b")["meta"]["tags"], json!([["x", "]"], {"k": "}{"}]));
        // The line of an element is its position in the array.
        let bad = o.removed("bad");
        assert_eq!(
            (&bad["reason"], &bad["detail"]["line"]),
            (&json!("read.missing_text"), &json!(3))
        );
        let number = o.removed(&format!("{}:4", input.display()));
        assert_eq!(
            (&number["reason"], &number["text"]),
            (&json!("read.malformed_json"), &json!("5"))
        );
        assert_eq!(o.stats["input_problems"], json!([]));
    }
    // The same bytes at any thread count.
    run_into(&array, &dir.join("out-1"), "1", 0);
    run_into(&array, &dir.join("out-3"), "3", 0);
    for part in ["kept", "removed"] {
        assert_eq!(
            dir_bytes(&dir.join("out-1").join(part)),
            dir_bytes(&dir.join("out-3").join(part)),
            "{part}"
        );
    }
});

ghtest!(a_large_minified_array_is_streamed, |dir| {
    // About 100 MB on one line: read whole, it would take more memory than its size.
    let filler = "نص عربي ] طويل \"مقتبس\" في مصفوفة كبيرة ".repeat(20);
    let mut body = String::from("[");
    let mut n = 0;
    while body.len() < 100_000_000 {
        if n > 0 {
            body.push(',');
        }
        body.push_str(
            line(
                &format!("r{n}"),
                &format!("{filler}{n}"),
                &[("n", json!([n, {"x": "]"}]))],
            )
            .trim_end(),
        );
        n += 1;
    }
    body.push(']');
    let size = body.len() as u64;
    let input = dir.write("big.json", body);
    let out = dir.out();
    let (code, _, stderr) = run(argv![
        "run",
        &input,
        "-o",
        &out,
        "--stages",
        "normalize",
        "--threads",
        "2"
    ]);
    assert_eq!(code, 0, "{stderr}");
    let o = outcome(&out);
    assert_eq!(o.kept.len(), n, "every element is a document");
    assert_eq!(o.kept[n - 1]["id"], format!("r{}", n - 1));
    let rss = o.stats["peak_rss_bytes"].as_u64().expect("peak_rss_bytes");
    assert!(rss > 0, "peak_rss_bytes is not measured");
    assert!(rss < size, "peak RSS {} MB for a {} MB array", rss >> 20, size >> 20);
});

ghtest!(a_truncated_array_keeps_what_was_read_and_fails, |dir| {
    let whole = pretty_array(&records());
    // Cut inside the last element: its bytes are removed as malformed, the run exits 1 naming the file.
    let cut = &whole[..whole.find("مرحبا").expect("the last text")];
    let input = dir.write("cut.json", cut);
    let out = dir.out();
    let stderr = run_into(&input, &out, "2", 1);
    let lines = cut.lines().count();
    let message = format!(
        "{}: not a well-formed JSON array at line {lines}, byte {}",
        input.display(),
        cut.len()
    );
    assert!(stderr.contains(&message), "{stderr}");
    // The element cut short is not counted as read.
    assert!(
        stderr.contains("(5 element(s) read before it): the text ends before the array's closing `]`"),
        "{stderr}"
    );
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["a", "b", &format!("{}:5", input.display())]);
    let last = o.removed(&format!("{}:6", input.display()));
    assert_eq!(last["reason"], "read.malformed_json");
    // Its bytes, less the whitespace outside its strings.
    assert_eq!(last["text"], "{\"id\":\"c\",\"text\":\"");
    assert_eq!(o.stats["input_problems"][0]["file"], input.display().to_string());
});

ghtest!(an_array_broken_between_elements_stops_there, |dir| {
    let missing_comma =
        "[{\"id\":\"a\",\"text\":\"أ\"},\n{\"id\":\"b\",\"text\":\"ب\"}\n{\"id\":\"c\",\"text\":\"ج\"}]";
    let at = missing_comma.rfind('{').expect("the third element");
    let cases = [
        (
            missing_comma,
            format!(
                "at line 3, byte {at} of its JSON text (2 element(s) read before it): expected `,` or `]` after \
                 element 2, found `{{`"
            ),
            vec!["a", "b"],
        ),
        (
            "[{\"id\":\"a\",\"text\":\"أ\"},{\"id\":\"b\",\"text\":[\"ب\"}]",
            "(1 element(s) read before it): `}` closes nothing open in element 2".to_owned(),
            vec!["a"],
        ),
        (
            "[{\"id\":\"a\",\"text\":\"أ\"}]\n[{\"id\":\"b\",\"text\":\"ب\"}]\n",
            "only whitespace may follow the array's closing `]`, found `[`".to_owned(),
            vec!["a"],
        ),
    ];
    for (i, (body, message, kept)) in cases.into_iter().enumerate() {
        let input = dir.write(&format!("broken{i}.json"), body);
        let out = dir.join(&format!("out{i}"));
        let stderr = run_into(&input, &out, "2", 1);
        assert!(stderr.contains(&message), "{body}:\n{stderr}");
        let o = outcome(&out);
        assert_eq!(ids(&o.kept), kept, "{body}");
    }
});
