//! Progress in a log (issue #16): when stderr is not a terminal (Slurm, Ray, `nohup`), a run prints one plain
//! `progress:` line per interval (`GHIRBAL_PROGRESS_INTERVAL` seconds, 15 by default) on stderr, never on
//! stdout; none with `--quiet`, none for a run shorter than the interval, none after the run's summary.

use crate::util::{line, run, run_env, words, Dir, Rng};

/// A corpus the debug build takes a good part of a second to scan.
fn corpus(dir: &Dir) -> std::path::PathBuf {
    let mut rng = Rng::new(11);
    let body: String = (0..30_000)
        .map(|i| line(&format!("d{i}"), &words(&mut rng, 60), &[]))
        .collect();
    dir.write("in.jsonl", body)
}

ghtest!(a_log_gets_a_progress_line_per_interval, |dir| {
    let input = corpus(&dir);
    let fast = [("GHIRBAL_PROGRESS_INTERVAL", "0.02")];
    let (code, stdout, stderr) = run_env(engine_argv![&input, "-o", dir.join("out")], &fast);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("progress: ")).collect();
    assert!(lines.len() >= 2, "{stderr}");
    let scan = lines
        .iter()
        .find(|l| l.starts_with("progress: scan "))
        .unwrap_or_else(|| panic!("no line during the scan:\n{stderr}"));
    for part in ["% ", " of ", " MiB, ", " docs, ", " MB/s, ETA "] {
        assert!(scan.contains(part), "{scan}");
    }
    // The summary is the run's last word.
    let summary = stderr.find("ghirbal: ").expect("a summary");
    assert!(!stderr[summary..].contains("progress: "), "{stderr}");

    let (code, _, stderr) = run_env(engine_argv![&input, "-o", dir.join("quiet"), "-q"], &fast);
    assert_eq!((code, stderr.as_str()), (0, ""));
    // The default interval is longer than this run.
    let (code, _, stderr) = run(engine_argv![&input, "-o", dir.join("default")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("progress:"), "{stderr}");
});
