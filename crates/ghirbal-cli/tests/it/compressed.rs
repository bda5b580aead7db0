//! Compressed inputs (gzip, zstd, bzip2, xz): complete multi-member/multi-frame/multi-stream files, and truncated ones (the records before the cut
//! are accounted for, the run exits 1 naming the file and the byte offset).

use crate::util::{bzip2, gzip, ids, line, outcome, run, run_ok, words, xz, zstd, Dir, Rng};

/// `n` records `r0…`, as JSONL.
fn records(n: usize) -> String {
    let mut rng = Rng::new(7);
    (0..n)
        .map(|i| {
            let len = 5 + rng.below(40);
            line(&format!("r{i}"), &words(&mut rng, len), &[])
        })
        .collect()
}

fn expected_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("r{i}")).collect()
}

/// A compressor of test data.
type Compress = fn(&[u8]) -> Vec<u8>;

fn check_truncated(dir: &Dir, name: &str, compress: Compress) {
    let full = compress(records(2000).as_bytes());
    let cut = &full[..full.len() * 6 / 10];
    let input = dir.write(name, cut);
    let out = dir.out();
    let (code, stdout, stderr) = run(engine_argv![input, "-o", out]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stderr.contains(&input.display().to_string()),
        "stderr does not name {}:\n{stderr}",
        input.display()
    );
    assert!(stderr.contains("byte"), "no byte offset in:\n{stderr}");
    let o = outcome(&out);
    let read = o.stats["conservation"]["input"].as_u64().expect("input");
    assert!(read > 0, "nothing was read before the cut");
    assert!(read < 2000, "{read} records read from a truncated file");
    assert_eq!(o.stats["input_problems"][0]["file"], input.display().to_string());
    // What was read is a prefix of the input; at most the last, cut line is unreadable.
    let kept = ids(&o.kept);
    assert_eq!(kept, expected_ids(kept.len()), "kept records are not a prefix");
    assert!(o.removed.len() <= 1, "{:?}", o.removed);
    for r in &o.removed {
        assert_eq!(r["reason"], "read.malformed_json", "{r}");
        assert_eq!(r["id"], format!("{}:{}", input.display(), kept.len() + 1));
    }
}

ghtest!(truncated_gzip_fails_after_accounting_what_was_read, |dir| {
    check_truncated(&dir, "cut.jsonl.gz", gzip);
});

ghtest!(truncated_zstd_fails_after_accounting_what_was_read, |dir| {
    check_truncated(&dir, "cut.jsonl.zst", zstd);
});

ghtest!(truncated_xz_fails_after_accounting_what_was_read, |dir| {
    check_truncated(&dir, "cut.jsonl.xz", xz);
});

ghtest!(bzip2_and_xz_of_several_streams_are_read_completely, |dir| {
    let all = records(300);
    let (first, second) = all.split_at(all.match_indices('\n').nth(119).expect("120 lines").0 + 1);
    for (name, compress) in [("two.jsonl.bz2", bzip2 as Compress), ("two.jsonl.xz", xz)] {
        let mut data = compress(first.as_bytes());
        data.extend(compress(second.as_bytes()));
        let input = dir.write(name, data);
        let out = dir.join(&format!("out-{name}"));
        run_ok(engine_argv![input, "-o", out]);
        let o = outcome(&out);
        assert_eq!(ids(&o.kept), expected_ids(300), "{name}");
    }
});

ghtest!(gzip_cut_before_the_first_record_fails_naming_the_byte, |dir| {
    let full = gzip(records(100).as_bytes());
    let input = dir.write("cut-early.jsonl.gz", &full[..15]);
    let out = dir.out();
    let (code, stdout, stderr) = run(engine_argv![input, "-o", out]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains(&input.display().to_string()), "{stderr}");
    assert!(stderr.contains("byte"), "{stderr}");
    let o = outcome(&out);
    assert_eq!(o.stats["conservation"]["input"], 0);
    assert_eq!(o.stats["input_problems"][0]["file"], input.display().to_string());
});

ghtest!(multi_member_gzip_is_read_completely, |dir| {
    let all = records(300);
    let (first, second) = all.split_at(all.match_indices('\n').nth(119).expect("120 lines").0 + 1);
    let mut data = gzip(first.as_bytes());
    data.extend(gzip(second.as_bytes()));
    let input = dir.write("two-members.jsonl.gz", data);
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out]);
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), expected_ids(300));
});

ghtest!(multi_frame_zstd_is_read_completely, |dir| {
    let all = records(300);
    let (first, second) = all.split_at(all.len() / 2);
    let mut data = zstd(first.as_bytes());
    data.extend(zstd(second.as_bytes()));
    let input = dir.write("two-frames.jsonl.zst", data);
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out]);
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), expected_ids(300));
});

ghtest!(plain_gzip_and_zstd_inputs_agree, |dir| {
    let body = records(500);
    let plain = dir.write("a/in.jsonl", &body);
    let gz = dir.write("b/in.jsonl.gz", gzip(body.as_bytes()));
    let zst = dir.write("c/in.jsonl.zst", zstd(body.as_bytes()));
    let mut texts = Vec::new();
    for (i, input) in [plain, gz, zst].iter().enumerate() {
        let out = dir.join(&format!("out{i}"));
        run_ok(engine_argv![input, "-o", out]);
        let o = outcome(&out);
        assert_eq!(ids(&o.kept), expected_ids(500));
        texts.push(o.kept);
    }
    assert_eq!(texts[0], texts[1]);
    assert_eq!(texts[0], texts[2]);
});
