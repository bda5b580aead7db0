//! `[run] work_compression`: the work copies of the documents stored as they are (the default) or as zstd
//! give the same output bytes, and a run whose scan wrote one codec finishes under the other.

use crate::util::{dir_bytes, line, run_ok, words, Dir, Rng};

/// 2,000 documents with exact and near copies, a few unreadable lines, with sites (so every step runs).
fn corpus(dir: &Dir) -> std::path::PathBuf {
    let mut rng = Rng::new(17);
    let mut body = String::new();
    let mut texts: Vec<String> = Vec::new();
    for i in 0..2000 {
        let text = match i % 10 {
            3 if !texts.is_empty() => texts[rng.below(texts.len())].clone(),
            7 if !texts.is_empty() => texts[rng.below(texts.len())].replacen(' ', " و", 1),
            _ => {
                let n = 40 + rng.below(200);
                words(&mut rng, n)
            }
        };
        let site = format!("site{}", i % 3);
        body += &line(&format!("d{i}"), &text, &[("source", site.into())]);
        if i % 500 == 11 {
            body += "{\"id\": not json\n";
        }
        texts.push(text);
    }
    dir.write("in.jsonl", body)
}

fn config(dir: &Dir, codec: &str) -> std::path::PathBuf {
    dir.write(
        &format!("{codec}.toml"),
        format!("[run]\nwork_compression = \"{codec}\"\n"),
    )
}

fn output(out: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files = dir_bytes(&out.join("kept"));
    files.extend(dir_bytes(&out.join("removed")));
    files
}

fn scan_bytes(out: &std::path::Path) -> u64 {
    std::fs::read_dir(out.join("work/scan"))
        .expect("work/scan")
        .map(|e| e.expect("entry").metadata().expect("metadata").len())
        .sum()
}

ghtest!(either_codec_gives_the_same_output_and_zstd_is_smaller, |dir| {
    let input = corpus(&dir);
    let (plain, packed) = (dir.join("plain"), dir.join("packed"));
    run_ok(argv!["run", &input, "-o", &plain, "-q", "--threads", "2"]);
    run_ok(argv![
        "run",
        &input,
        "-o",
        &packed,
        "-q",
        "--threads",
        "2",
        "-c",
        config(&dir, "zstd")
    ]);
    let reference = output(&plain);
    assert!(reference.len() >= 2, "kept and removed parts: {reference:?}");
    assert_eq!(reference, output(&packed), "zstd work files changed the output");
    let (a, b) = (scan_bytes(&plain), scan_bytes(&packed));
    assert!(b * 2 < a, "zstd work copies {b} bytes, plain {a}: not less than half");
});

ghtest!(a_run_resumes_under_the_other_codec, |dir| {
    let input = corpus(&dir);
    let (whole, mixed) = (dir.join("whole"), dir.join("mixed"));
    run_ok(argv!["run", &input, "-o", &whole, "-q"]);
    let zstd = config(&dir, "zstd");
    for step in ["plan", "scan", "lines-count", "scan-sited"] {
        run_ok(argv!["run", &input, "-o", &mixed, "-q", "-c", &zstd, "--phase", step]);
    }
    // The rest reads the zstd frames with the default (plain) setting.
    run_ok(argv!["run", &input, "-o", &mixed, "-q"]);
    assert_eq!(output(&whole), output(&mixed));
});
