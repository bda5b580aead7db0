//! Ctrl-C and `kill` during a run: ghirbal says where it stopped and how to go on, exits 130 (SIGINT) or 143
//! (SIGTERM), and the same command then finishes the run with the books balanced.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{line, outcome, run_ok, words, Dir, Rng, GHIRBAL};

/// Documents in the corpus: enough for a scan of seconds in a test build.
const DOCS: usize = 120_000;
/// Distinct texts among them; the rest are exact copies, so the corpus compresses to little on disk.
const TEXTS: usize = 50;

/// A `.jsonl.zst` of [`DOCS`] documents, one shard (a zstd file is not split), ≈ 200 MB once decompressed.
fn corpus(dir: &Dir) -> PathBuf {
    let mut rng = Rng::new(11);
    let texts: Vec<String> = (0..TEXTS).map(|_| words(&mut rng, 200)).collect();
    let path = dir.join("big.jsonl.zst");
    let file = std::fs::File::create(&path).expect("creating the corpus");
    let mut enc = zstd::stream::write::Encoder::new(file, 1).expect("zstd encoder");
    for i in 0..DOCS {
        enc.write_all(line(&format!("d{i}"), &texts[i % TEXTS], &[]).as_bytes())
            .expect("writing the corpus");
    }
    enc.finish().expect("finishing the corpus");
    path
}

/// Starts `ghirbal run INPUT -o OUT` with stderr captured, and waits until it has planned the run (so it is
/// past start-up, its handler installed, and into the work).
fn start_run(input: &Path, out: &Path) -> Child {
    let mut child = Command::new(GHIRBAL)
        .args(engine_argv![input, "-o", out])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting ghirbal");
    let manifest = out.join("work/manifest.json");
    let started = Instant::now();
    while !manifest.exists() {
        if let Some(status) = child.try_wait().expect("polling ghirbal") {
            panic!("ghirbal ended ({status}) before it planned the run");
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no plan after a minute");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Into the scan, which takes seconds on this corpus.
    std::thread::sleep(Duration::from_millis(200));
    child
}

/// Sends `signal` (`INT`, `TERM`) with kill(1); returns the exit code and stderr.
fn stop(child: Child, signal: &str) -> (Option<i32>, String) {
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args(["-s", signal, &pid])
        .status()
        .expect("running kill");
    assert!(sent.success(), "kill -s {signal} {pid} failed");
    let output = child.wait_with_output().expect("waiting for ghirbal");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

ghtest!(sigterm_says_where_the_run_stopped_and_the_rerun_finishes_it, |dir| {
    let input = corpus(&dir);
    let out = dir.out();
    let (code, stderr) = stop(start_run(&input, &out), "TERM");
    assert_eq!(code, Some(143), "not ended by the handler:\n{stderr}");
    assert!(
        stderr.contains("ghirbal: stopped by SIGTERM during the scan, "),
        "{stderr}"
    );
    assert!(stderr.contains("of input read, "), "{stderr}");
    assert!(
        stderr.contains("rerun the same command to continue; finished tasks are kept"),
        "{stderr}"
    );
    assert!(
        !out.join("stats.json").exists(),
        "the run had finished before the signal"
    );

    run_ok(engine_argv![input, "-o", out]);
    let o = outcome(&out);
    assert_eq!(o.stats["conservation"]["input"], DOCS);
    assert_eq!(o.kept.len(), TEXTS);
});

ghtest!(sigint_exits_130_with_the_same_message, |dir| {
    let input = corpus(&dir);
    let out = dir.out();
    let (code, stderr) = stop(start_run(&input, &out), "INT");
    assert_eq!(code, Some(130), "not ended by the handler:\n{stderr}");
    assert!(
        stderr.contains("ghirbal: stopped by SIGINT during the scan, "),
        "{stderr}"
    );
    assert!(stderr.contains("rerun the same command"), "{stderr}");
});
