//! What ghirbal prints from the data cannot drive the terminal: control characters in ids, texts and file names
//! are shown escaped (`\u{1b}`), while Arabic, newlines and tabs stay as they are.

use crate::util::{gzip, line, outcome, run, run_ok, run_stdout};

/// Clears the screen, turns the text red, retitles the window, rings the bell.
const ESC_ID: &str = "evil\u{1b}[2J\u{1b}[31m";
/// An OSC title sequence ended by BEL, and a C1 CSI.
const OSC_ID: &str = "copy\u{1b}]0;pwned\u{7}\u{9b}1m";
/// A carriage return that would hide the start of the line.
const CR_ID: &str = "exact\rPASSWORD";

/// Control characters in `text` other than newline and tab.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
        .collect()
}

/// Word `i` of a vocabulary of distinct Arabic letter pairs.
fn word(i: usize) -> String {
    const LETTERS: [char; 20] = [
        'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س', 'ش', 'ص', 'ض', 'ط', 'ع', 'غ', 'ف', 'ق', 'ك',
    ];
    [i / 400, (i / 20) % 20, i % 20].iter().map(|&k| LETTERS[k]).collect()
}

/// 200 words, ten to a line, with `extra` as one more line.
fn body(extra: &str) -> String {
    let words: Vec<String> = (0..200).map(word).collect();
    let mut lines: Vec<String> = words.chunks(10).map(|c| c.join(" ")).collect();
    lines.push(extra.to_owned());
    lines.join("\n")
}

ghtest!(explain_escapes_control_characters_from_the_data, |dir| {
    // A keeper, its near duplicate (one line differs, with escapes in it) and an exact copy.
    let keeper = body("خاتمة");
    let near = body("سطر\t\u{1b}[5m\u{1b}]8;;http://x\u{7}رابط\u{9b}0m");
    let input = dir.write(
        "in.jsonl",
        line(ESC_ID, &keeper, &[]) + &line(OSC_ID, &near, &[]) + &line(CR_ID, &keeper, &[]),
    );
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out, "--stages", "dedup.exact,dedup.near"]);
    let o = outcome(&out);
    assert_eq!(o.removed(OSC_ID)["reason"], "dedup.near");
    assert_eq!(o.removed(CR_ID)["reason"], "dedup.exact");

    for id in [ESC_ID, OSC_ID, CR_ID] {
        let text = run_stdout(argv!["explain", out, id]);
        assert_eq!(raw_controls(&text), [], "raw control characters in:\n{text:?}");
        assert!(text.lines().count() > 1 && text.contains('\n'), "{text:?}");
    }
    let near_report = run_stdout(argv!["explain", out, OSC_ID]);
    assert!(
        near_report.starts_with("copy\\u{1b}]0;pwned\\u{7}\\u{9b}1m: removed by dedup.near"),
        "{near_report}"
    );
    assert!(
        near_report.contains("a near duplicate of evil\\u{1b}[2J\\u{1b}[31m"),
        "{near_report}"
    );
    // The differing line of the diff: Arabic and the tab intact, the escapes shown.
    assert!(
        near_report.contains("سطر\t\\u{1b}[5m\\u{1b}]8;;http://x\\u{7}رابط\\u{9b}0m"),
        "{near_report}"
    );
    let exact_report = run_stdout(argv!["explain", out, CR_ID]);
    assert!(
        exact_report.starts_with("exact\\u{d}PASSWORD: removed by dedup.exact"),
        "{exact_report}"
    );
    let kept_report = run_stdout(argv!["explain", out, ESC_ID]);
    assert!(kept_report.contains("copy\\u{1b}]0;pwned"), "{kept_report}");
});

ghtest!(run_errors_escape_control_characters_in_file_names, |dir| {
    // A truncated input found in a folder, under a name that clears the screen.
    let records: String = (0..2000).map(|i| line(&format!("r{i}"), "نص عربي قصير", &[])).collect();
    let full = gzip(records.as_bytes());
    dir.write("in/bad\u{1b}[2J.jsonl.gz", &full[..full.len() / 2]);
    let (code, _, stderr) = run(engine_argv![dir.join("in"), "-o", dir.out()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("bad\\u{1b}[2J.jsonl.gz"), "{stderr}");
    assert_eq!(raw_controls(&stderr), [], "raw control characters in:\n{stderr:?}");
});
