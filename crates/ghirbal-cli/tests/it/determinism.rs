//! The output depends on the input and the config only: never on the thread count or on batch timing.

use crate::util::{dir_bytes, gzip, line, outcome, run_ok, words, Dir, Rng};

/// A new text, or (one time in ten) a copy of an earlier one.
fn next_text(rng: &mut Rng, texts: &mut Vec<String>) -> String {
    let text = if !texts.is_empty() && rng.below(10) == 0 {
        let copy = texts[rng.below(texts.len())].clone();
        // Some copies differ in whitespace only.
        if rng.below(2) == 0 {
            copy.replace(' ', "  ") + " \n"
        } else {
            copy
        }
    } else {
        let n = 5 + rng.below(60);
        words(rng, n)
    };
    texts.push(text.clone());
    text
}

/// A mixed corpus: a plain JSONL file big enough to be split into several shards, a gzip JSONL file, and a
/// folder of `.txt` files; about 10% exact duplicates (some across files) and a few unreadable records.
fn corpus(dir: &Dir) -> Vec<std::path::PathBuf> {
    let mut rng = Rng::new(42);
    let mut texts: Vec<String> = Vec::new();
    let mut plain = String::new();
    for i in 0..3000 {
        let text = next_text(&mut rng, &mut texts);
        let date = format!("2015-07-{:02}", 1 + rng.below(28));
        plain += &line(&format!("p{i}"), &text, &[("date", date.into())]);
        if i % 500 == 250 {
            plain += "{\"id\":\"broken\n";
        }
    }
    let mut gz = String::new();
    for i in 0..400 {
        let text = next_text(&mut rng, &mut texts);
        gz += &line(&format!("g{i}"), &text, &[]);
    }
    for i in 0..60 {
        let text = next_text(&mut rng, &mut texts);
        dir.write(&format!("txt/{:02}/{i:03}.txt", i % 3), text);
    }
    let plain = dir.write("plain.jsonl", plain);
    assert!(std::fs::metadata(&plain).expect("plain").len() > 4 * 65536);
    vec![plain, dir.write("more.jsonl.gz", gzip(gz.as_bytes())), dir.join("txt")]
}

ghtest!(one_thread_and_four_threads_write_identical_bytes, |dir| {
    let inputs = corpus(&dir);
    let config = dir.write(
        "cfg.toml",
        "[input]\nshard_bytes = 65536\ntxt_files_per_shard = 16\n\n[output]\npart_bytes = 65536\n\n[run]\nbatch_bytes = 4096\n",
    );
    let mut results = Vec::new();
    for threads in ["1", "4"] {
        let out = dir.join(&format!("out-{threads}"));
        let mut argv = argv!["run"];
        argv.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
        argv.extend(argv!["-c", config, "-o", out, "--threads", threads]);
        run_ok(&argv);
        let o = outcome(&out);
        assert_eq!(o.stats["conservation"]["input"], 3000 + 6 + 400 + 60);
        let dups = o.stats["totals"]["removed_by_reason"]["dedup.exact"]
            .as_u64()
            .expect("some exact duplicates");
        assert!((200..600).contains(&dups), "{dups} duplicates");
        assert_eq!(o.stats["totals"]["removed_by_reason"]["read.malformed_json"], 6);
        results.push((dir_bytes(&out.join("kept")), dir_bytes(&out.join("removed"))));
    }
    let names = |parts: &[(String, Vec<u8>)]| -> Vec<String> { parts.iter().map(|(n, _)| n.clone()).collect() };
    let (kept1, removed1) = &results[0];
    let (kept4, removed4) = &results[1];
    assert!(names(kept1).len() > 8, "expected several shards: {:?}", names(kept1));
    assert_eq!(names(kept1), names(kept4));
    assert_eq!(names(removed1), names(removed4));
    for ((name, a), (_, b)) in kept1.iter().zip(kept4).chain(removed1.iter().zip(removed4)) {
        assert!(a == b, "{name} differs between --threads 1 and --threads 4");
    }
});
