//! Inputs most of whose records cannot be read (issue #16): a run that keeps nothing of a file because its
//! text field is named wrong, or its encoding or format is not what ghirbal read it as, warns — once per
//! input, naming the file, the most common reason and the fix — and lists it in `stats.json`
//! (`input_warnings`); `--strict` makes that exit 1 once everything is written. The rule: at least 90% of an
//! input's records, and at least one, removed by the readers.

use serde_json::json;

use crate::util::{ids, line, outcome, run};

/// `bad` records (ids `TAGp0`…) whose text is in `body`, not `text`, then `good` records (`TAGg0`…) with one;
/// every text its own (digits would not do: exact dedup folds them).
fn posts(tag: &str, bad: usize, good: usize) -> String {
    let bad = (0..bad).map(|i| {
        let record =
            json!({"id": format!("{tag}p{i}"), "title": "عنوان الخبر", "body": format!("نص الخبر {}", word(i))});
        format!("{record}\n")
    });
    let good = (0..good).map(|i| line(&format!("{tag}g{i}"), &format!("نص سليم {tag} {}", word(i)), &[]));
    bad.chain(good).collect()
}

/// A word of its own for each `i` below 400.
fn word(i: usize) -> String {
    const LETTERS: [char; 20] = [
        'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س', 'ش', 'ص', 'ض', 'ط', 'ع', 'غ', 'ف', 'ق', 'ك',
    ];
    [LETTERS[i / 20 % 20], LETTERS[i % 20]].iter().collect()
}

/// The warnings a run printed.
fn warnings(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("ghirbal: warning: ")).collect()
}

const FIELD_HINT: &str = "set `[input] text_field` (now \"text\") to the field that holds the text; the records \
                          have fields: id, title, body";

ghtest!(a_wrong_text_field_warns_with_the_fields_the_records_have, |dir| {
    let input = dir.write("posts.jsonl", posts("", 10, 0));
    let out = dir.out();
    let (code, _, stderr) = run(engine_argv![&input, "-o", &out]);
    assert_eq!(code, 0, "{stderr}");
    let file = input.display().to_string();
    assert_eq!(
        warnings(&stderr),
        [format!(
            "ghirbal: warning: {file}: 10 of 10 records could not be read (read.missing_text most often): {FIELD_HINT}"
        )],
        "{stderr}"
    );
    let o = outcome(&out);
    assert_eq!(
        o.stats["input_warnings"],
        json!([{"file": file, "records": 10, "failed": 10, "top_reason": "read.missing_text", "hint": FIELD_HINT}])
    );
    // The fix the hint names works.
    let config = dir.write("body.toml", "[input]\ntext_field = \"body\"\n");
    let fixed = dir.join("fixed");
    let (code, _, stderr) = run(engine_argv![&input, "-o", &fixed, "-c", &config, "--strict"]);
    assert_eq!((code, warnings(&stderr).len()), (0, 0), "{stderr}");
    assert_eq!(outcome(&fixed).kept.len(), 10);
});

ghtest!(strict_exits_1_once_everything_is_written, |dir| {
    dir.write("in/a.jsonl", posts("a", 0, 5));
    // 9 of 10: exactly 90%.
    let posts_file = dir.write("in/b.jsonl", posts("b", 9, 1));
    let (input, out) = (dir.join("in"), dir.out());
    let (code, stdout, stderr) = run(engine_argv![&input, "-o", &out, "--strict"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    let file = posts_file.display().to_string();
    let error = format!(
        "ghirbal: error: --strict: 1 input(s) could not be read for the most part: {file} (read.missing_text); the \
         run is complete, see stats.json \"input_warnings\""
    );
    assert!(stderr.lines().any(|l| l == error), "{stderr}");
    assert_eq!(warnings(&stderr).len(), 1, "{stderr}");
    // Everything is written and accounted for.
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["ag0", "ag1", "ag2", "ag3", "ag4", "bg0"]);
    assert_eq!(o.removed.len(), 9);
    assert_eq!(o.stats["input_warnings"][0]["failed"], 9);
    assert_eq!(o.stats["input_warnings"][0]["records"], 10);
    // A finished run asked again says so, and fails again under --strict only.
    let (code, _, stderr) = run(engine_argv![&input, "-o", &out, "--strict"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("already complete"), "{stderr}");
    let (code, _, stderr) = run(engine_argv![&input, "-o", &out]);
    assert_eq!((code, warnings(&stderr).len()), (0, 1), "{stderr}");
});

ghtest!(inputs_under_ninety_percent_do_not_warn, |dir| {
    // 8 of 10 records without text; one .txt file of two that is not UTF-8; an empty file.
    dir.write("in/a.jsonl", posts("a", 8, 2));
    dir.write("in/docs/b.txt", b"\xd3\xe1\xc7\xe3 \xda\xe1\xed\xdf\xe3");
    dir.write("in/docs/c.txt", "نص سليم");
    dir.write("in/empty.jsonl", "");
    let out = dir.out();
    let (code, _, stderr) = run(engine_argv![dir.join("in"), "-o", &out, "--strict"]);
    assert_eq!((code, warnings(&stderr).len()), (0, 0), "{stderr}");
    let o = outcome(&out);
    assert_eq!(o.stats["input_warnings"], json!([]));
    assert_eq!(o.removed.len(), 9);
});

ghtest!(a_folder_of_txt_files_in_another_encoding_warns_once, |dir| {
    // Three windows-1256 files read as UTF-8: one warning for their folder, with the knob to set.
    for name in ["a", "b", "c"] {
        dir.write(&format!("cp1256/{name}.txt"), b"\xd3\xe1\xc7\xe3 \xda\xe1\xed\xdf\xe3");
    }
    let (input, out) = (dir.join("cp1256"), dir.out());
    let (code, _, stderr) = run(engine_argv![&input, "-o", &out]);
    assert_eq!(code, 0, "{stderr}");
    let w = warnings(&stderr);
    assert_eq!(w.len(), 1, "{stderr}");
    assert!(
        w[0].starts_with(&format!(
            "ghirbal: warning: {}: 3 of 3 records could not be read (read.invalid_utf8 most often): the records \
             are not UTF-8: set `[input] encoding`",
            input.display()
        )),
        "{stderr}"
    );
    assert_eq!(
        outcome(&out).stats["input_warnings"][0]["file"],
        input.display().to_string()
    );
});

ghtest!(
    a_json_file_of_one_object_warns_that_it_is_neither_jsonl_nor_an_array,
    |dir| {
        let object = json!({"id": "x", "text": "نص", "source": "موقع"});
        let input = dir.write("one.json", serde_json::to_string_pretty(&object).expect("json"));
        let out = dir.out();
        let (code, _, stderr) = run(engine_argv![&input, "-o", &out]);
        assert_eq!(code, 0, "{stderr}");
        let w = warnings(&stderr);
        assert_eq!(w.len(), 1, "{stderr}");
        assert!(
            w[0].contains(
                "5 of 5 records could not be read (read.malformed_json most often): a `.json` file is read as \
                       JSONL (one object per line) unless its first character is `[`"
            ),
            "{stderr}"
        );
        // Each line is still a removal naming file and line.
        let o = outcome(&out);
        let lines: Vec<_> = o.removed.iter().map(|r| r["detail"]["line"].as_u64()).collect();
        assert_eq!(lines, [Some(1), Some(2), Some(3), Some(4), Some(5)]);
    }
);

ghtest!(strict_fails_the_finish_step_of_a_job_array, |dir| {
    let input = dir.write("posts.jsonl", posts("", 4, 0));
    let out = dir.out();
    for step in crate::util::STEPS.iter().filter(|s| **s != "finish") {
        let (code, _, stderr) = run(engine_argv![&input, "-o", &out, "--phase", step, "--strict"]);
        assert_eq!((code, warnings(&stderr).len()), (0, 0), "{step}: {stderr}");
    }
    let (code, _, stderr) = run(engine_argv![&input, "-o", &out, "--phase", "finish", "--strict"]);
    assert_eq!((code, warnings(&stderr).len()), (1, 1), "{stderr}");
    assert!(stderr.contains("--strict: 1 input(s)"), "{stderr}");
    assert_eq!(outcome(&out).removed.len(), 4);
});
