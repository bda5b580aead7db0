//! The input layer tried as a hostile user would (issue #15): a file that is not what its name says fails at
//! the right byte.

use crate::util::{gzip, ids, line, outcome, run, Dir};

/// One JSONL record whose text is unique to `id`.
fn record(id: &str) -> String {
    line(id, &format!("نص الوثيقة {id}"), &[])
}

/// A plain JSONL file of more than a read buffer (1 MiB) under a compressed name fails at its first byte.
fn check_not_compressed(dir: &Dir, name: &str) {
    let body: String = (0..30_000).map(|i| record(&format!("r{i:05}"))).collect();
    assert!(body.len() > 1 << 20);
    let input = dir.write(name, body);
    let out = dir.out();
    let (code, stdout, stderr) = run(argv!["run", &input, "-o", &out]);
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

ghtest!(a_gzip_with_a_bad_second_member_fails_at_that_member, |dir| {
    let first = gzip(record("a").as_bytes());
    let mut data = first.clone();
    data.extend_from_slice(&[0x1f, 0x8b, 0x63]);
    data.extend_from_slice(&vec![b'x'; 2 << 20]);
    let input = dir.write("two.jsonl.gz", &data);
    let out = dir.out();
    let (code, _, stderr) = run(argv!["run", &input, "-o", &out]);
    assert_eq!(code, 1, "{stderr}");
    let at = format!(
        "at byte {} of the compressed file (1 records read before it)",
        first.len()
    );
    assert!(stderr.contains(&at), "no {at:?} in:\n{stderr}");
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["a"]);
});
