//! A run killed with SIGKILL at any point resumes where it stopped and writes exactly the bytes of an
//! uninterrupted run.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{dir_bytes, line, outcome, read_stats, run, spawn, words, zstd, Dir, Rng};

/// About 40 MB of plain JSONL (split into 1 MiB shards) and a zstd file; 10% exact duplicates, 10% near
/// copies (one word changed), a few unreadable lines.
fn corpus(dir: &Dir) -> Vec<std::path::PathBuf> {
    let mut rng = Rng::new(9);
    let mut plain = String::with_capacity(41 << 20);
    let mut previous = String::new();
    let mut i = 0;
    while plain.len() < 40_000_000 {
        let text = if i % 10 == 9 {
            previous.clone()
        } else if i % 10 == 4 && !previous.is_empty() {
            previous.replacen(' ', " و", 1)
        } else {
            let n = 20 + rng.below(280);
            words(&mut rng, n)
        };
        plain += &line(&format!("d{i}"), &text, &[("n", i.into())]);
        if i % 5000 == 17 {
            plain += "{\"id\": broken\n";
        }
        previous = text;
        i += 1;
    }
    let mut packed = String::new();
    for j in 0..5000 {
        let n = 20 + rng.below(280);
        packed += &line(&format!("z{j}"), &words(&mut rng, n), &[]);
    }
    vec![
        dir.write("big.jsonl", plain),
        dir.write("packed.jsonl.zst", zstd(packed.as_bytes())),
    ]
}

fn done(out: &Path, phase: &str) -> usize {
    std::fs::read_dir(out.join("work/markers").join(phase)).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".done"))
            .count()
    })
}

/// Starts the run and SIGKILLs it once `at` tasks of `phase` are marked done. True when it was killed (false:
/// it finished first).
fn kill_at(argv: &[std::ffi::OsString], out: &Path, phase: &str, at: usize) -> bool {
    let mut child = spawn(argv);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().expect("polling ghirbal") {
            assert!(status.success(), "ghirbal failed before the kill point: {status:?}");
            return false;
        }
        if done(out, phase) >= at {
            child.kill().expect("killing ghirbal");
            let status = child.wait().expect("reaping ghirbal");
            return status.signal() == Some(9);
        }
        assert!(Instant::now() < deadline, "ghirbal runs for too long");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs to completion (resuming) and checks the output against the reference.
fn finish_and_compare(argv: &[std::ffi::OsString], out: &Path, reference: &Path, what: &str) {
    let (code, stdout, stderr) = run(argv);
    assert_eq!(code, 0, "{what}: resume failed\n{stdout}\n{stderr}");
    assert!(
        !stderr.contains("already complete"),
        "{what}: the killed run had completed"
    );
    let o = outcome(out);
    assert_eq!(o.stats["conservation"], read_stats(reference)["conservation"], "{what}");
    // Time counts the killed processes' recorded steps too; the stages' CPU seconds (some from shards a
    // killed process scanned) stay within the scan's CPU, which the scan records before each shard's marker.
    let time = &o.stats["time"];
    assert!(time["invocations"].as_u64() >= Some(2), "{what}: {time}");
    let seconds = |v: &serde_json::Value| v.as_f64().unwrap_or_else(|| panic!("{what}: {time}"));
    let (stages, scan) = (
        seconds(&time["stage_cpu_seconds"]),
        seconds(&time["cpu_seconds"]["scan"]),
    );
    assert!(stages <= scan, "{what}: stages {stages} s > scan {scan} s: {time}");
    assert!(scan < seconds(&time["cpu_seconds"]["total"]), "{what}: {time}");
    for sub in ["kept", "removed"] {
        let (got, want) = (dir_bytes(&out.join(sub)), dir_bytes(&reference.join(sub)));
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&got), names(&want), "{what}: files in {sub}/");
        for ((name, a), (_, b)) in got.iter().zip(&want) {
            assert!(a == b, "{what}: {sub}/{name} differs from the uninterrupted run");
        }
    }
}

ghtest!(killed_runs_resume_to_identical_output, |dir| {
    let inputs = corpus(&dir);
    let config = dir.write("cfg.toml", "[input]\nshard_bytes = 1048576\n");
    let argv_for = |out: &Path| {
        let mut argv = argv!["run"];
        argv.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
        argv.extend(argv!["-c", config, "-o", out, "--threads", "2"]);
        // Every phase: site lines before the scan, exact and near dedup in the cluster phase.
        argv.extend(argv!["--stages", "normalize,clean,dedup.exact,dedup.near"]);
        argv
    };
    let reference = dir.join("reference");
    let (code, _, stderr) = run(argv_for(&reference));
    assert_eq!(code, 0, "{stderr}");
    let o = outcome(&reference);
    let dups = o.stats["totals"]["removed_by_reason"]["dedup.exact"]
        .as_u64()
        .expect("exact duplicates");
    assert!(dups > 1000, "{dups} duplicates");
    let near = o.stats["totals"]["removed_by_reason"]["dedup.near"]
        .as_u64()
        .expect("near duplicates");
    assert!(near > 1000, "{near} near duplicates");
    let shards = std::fs::read_to_string(reference.join("work/manifest.json"))
        .map(|m| serde_json::from_str::<serde_json::Value>(&m).expect("manifest"))
        .expect("manifest")["shards"]
        .as_array()
        .expect("shards")
        .len();
    assert!(shards >= 30, "{shards} shards");
    drop(o);

    // One kill per fresh output, at several points.
    for (phase, at) in [
        ("scan", 1),
        ("scan", shards / 2),
        ("scan-sited", shards / 2),
        ("near", 1),
        ("write", 1),
        ("write", shards / 2),
    ] {
        let out = dir.join(&format!("out-{phase}-{at}"));
        let argv = argv_for(&out);
        let what = format!("killed after {at} {phase} task(s)");
        assert!(kill_at(&argv, &out, phase, at), "{what}: the run ended first");
        assert!(!out.join("stats.json").exists(), "{what}: stats.json exists");
        finish_and_compare(&argv, &out, &reference, &what);
        std::fs::remove_dir_all(&out).expect("cleaning up");
    }

    // Several kills of one output, each resuming the last.
    let out = dir.join("out-chain");
    let argv = argv_for(&out);
    for (phase, at) in [
        ("scan", shards / 2),
        ("scan-sited", 2),
        ("scan-sited", shards * 3 / 4),
        ("near", 3),
        ("write", 2),
        ("write", shards - 3),
    ] {
        let what = format!("chained kill after {at} {phase} task(s)");
        assert!(kill_at(&argv, &out, phase, at), "{what}: the run ended first");
    }
    finish_and_compare(&argv, &out, &reference, "chained kills");
});
