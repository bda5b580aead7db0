//! Who may write into OUT: a fresh or empty folder, or a ghirbal output of the same run (resumed or already
//! complete); another run's output only with --force.

use crate::util::{file_names, line, outcome, run, run_ok, Dir};

fn small_input(dir: &Dir) -> std::path::PathBuf {
    dir.write(
        "in.jsonl",
        line("a", "نص أول", &[]) + &line("b", "نص أول", &[]) + &line("c", "نص ثان", &[]),
    )
}

ghtest!(foreign_non_empty_output_is_refused, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    dir.write("out/notes.txt", "mine");
    let (code, _, stderr) = run(engine_argv![input, "-o", out]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&out.display().to_string()), "{stderr}");
    assert_eq!(file_names(&out), ["notes.txt"], "the folder was touched");
});

ghtest!(empty_existing_output_is_used, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    std::fs::create_dir(&out).expect("mkdir");
    run_ok(engine_argv![input, "-o", out]);
    assert_eq!(outcome(&out).kept.len(), 2);
});

ghtest!(rerunning_a_finished_run_does_nothing, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out]);
    let before = crate::util::dir_bytes(&out.join("kept"));
    let stats = std::fs::read(out.join("stats.json")).expect("stats");
    let stderr = run_ok(engine_argv![input, "-o", out]);
    assert!(stderr.contains("already complete"), "{stderr}");
    assert_eq!(crate::util::dir_bytes(&out.join("kept")), before);
    assert_eq!(std::fs::read(out.join("stats.json")).expect("stats"), stats);
});

ghtest!(another_config_needs_force, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out]);
    let (code, _, stderr) = run(engine_argv![input, "-o", out, "--compression", "gzip"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("compression"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert!(file_names(&out.join("kept")).iter().all(|n| n.ends_with(".jsonl.zst")));

    run_ok(engine_argv![input, "-o", out, "--compression", "gzip", "--force"]);
    for sub in ["kept", "removed"] {
        let names = file_names(&out.join(sub));
        assert!(!names.is_empty(), "{sub}/ is empty");
        assert!(names.iter().all(|n| n.ends_with(".jsonl.gz")), "{sub}/: {names:?}");
    }
    let o = outcome(&out);
    assert_eq!((o.kept.len(), o.removed.len()), (2, 1));
});

ghtest!(modified_input_needs_force, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out]);
    std::fs::write(&input, line("a", "نص جديد أطول من قبل", &[])).expect("rewrite");
    let (code, _, stderr) = run(engine_argv![input, "-o", out]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&input.display().to_string()), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    run_ok(engine_argv![input, "-o", out, "--force"]);
    assert_eq!(outcome(&out).kept.len(), 1);
});

/// `n` short documents, distinct, in one JSONL file: enough for a run that lasts a moment.
fn corpus(dir: &Dir, n: usize) -> std::path::PathBuf {
    let mut rng = crate::util::Rng::new(7);
    let body: String = (0..n)
        .map(|i| line(&format!("d{i}"), &crate::util::words(&mut rng, 60), &[]))
        .collect();
    dir.write("in/corpus.jsonl", body)
}

/// Sends `signal` (`STOP`, `CONT`, `KILL`) to a process.
fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -{signal} {pid}");
}

/// Waits until the lock file of `out` names process `pid` (it has taken the lock).
fn wait_for_lock(out: &std::path::Path, pid: u32) {
    let path = out.join("ghirbal.lock");
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&path).is_ok_and(|s| s.contains(&format!("pid {pid} "))) {
        assert!(started.elapsed().as_secs() < 60, "ghirbal never took the lock");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

ghtest!(a_second_run_on_a_busy_output_is_refused_and_names_the_first, |dir| {
    let input = corpus(&dir, 3000);
    let out = dir.out();
    let mut first = crate::util::spawn(engine_argv![input, "-o", out, "--threads", "1"]);
    wait_for_lock(&out, first.id());
    // Stopped while it holds the lock: the second run meets it whatever the timing.
    signal(first.id(), "STOP");
    let (code, _, stderr) = run(engine_argv![input, "-o", out, "--threads", "1"]);
    signal(first.id(), "CONT");
    assert_eq!(code, 3, "the second run went ahead, or failed otherwise: {stderr}");
    assert!(stderr.contains("in use"), "{stderr}");
    assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");
    let (_, _, force_err) = run(engine_argv![input, "-o", out, "--force"]);
    assert!(
        force_err.contains("in use"),
        "--force does not break the lock: {force_err}"
    );
    assert!(first.wait().expect("waiting").success());
    let o = outcome(&out);
    assert_eq!(o.kept.len() + o.removed.len(), 3000);
    // The lock went with the process: a rerun is free to say the run is complete.
    assert!(run_ok(engine_argv![input, "-o", out, "--threads", "1"]).contains("already complete"));
});

ghtest!(a_run_killed_while_planning_resumes_without_force, |dir| {
    // Many small files: the plan (listing, the manifest) takes a moment, and the kills land inside it.
    for i in 0..400 {
        dir.write(&format!("in/{i:04}.txt"), format!("نص الوثيقة رقم {i} في المجموعة"));
    }
    let input = dir.join("in");
    let reference = dir.join("reference");
    run_ok(engine_argv![input, "-o", reference]);
    let expected = (
        crate::util::dir_bytes(&reference.join("kept")),
        crate::util::dir_bytes(&reference.join("removed")),
    );
    for delay_ms in [0u64, 1, 2, 4, 8, 15, 30] {
        let out = dir.join(&format!("out-{delay_ms}"));
        let mut child = crate::util::spawn(engine_argv![input, "-o", out]);
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Same command, no --force: it resumes or plans again, and ends with the reference bytes.
        run_ok(engine_argv![input, "-o", out]);
        let got = (
            crate::util::dir_bytes(&out.join("kept")),
            crate::util::dir_bytes(&out.join("removed")),
        );
        assert!(got == expected, "killed after {delay_ms} ms: output differs");
        outcome(&out);
    }
});

ghtest!(an_output_left_without_a_plan_is_planned_again, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    // What a kill between the folders and the manifest left behind in earlier versions, plus our lock file.
    for sub in ["kept", "removed", "work/markers/scan", "work/scan"] {
        std::fs::create_dir_all(out.join(sub)).expect("mkdir");
    }
    dir.write("out/ghirbal.lock", "");
    dir.write("out/work/scan/00000.lines", "torn");
    run_ok(engine_argv![input, "-o", out]);
    assert_eq!(outcome(&out).kept.len(), 2);
});

ghtest!(an_unreadable_manifest_is_named_and_force_clears_it, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out]);
    std::fs::remove_file(out.join("stats.json")).expect("rm");
    std::fs::write(out.join("work/manifest.json"), "{\"format\": 3, \"trunc").expect("corrupt");
    let (code, _, stderr) = run(engine_argv![input, "-o", out]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("manifest.json") && stderr.contains("--force"),
        "{stderr}"
    );
    run_ok(engine_argv![input, "-o", out, "--force"]);
    assert_eq!(outcome(&out).kept.len(), 2);
});

ghtest!(an_output_inside_an_input_folder_is_not_read_as_input, |dir| {
    small_input(&dir);
    let input = dir.join(".");
    let out = dir.join("out");
    run_ok(engine_argv![input, "-o", out]);
    let first = outcome(&out);
    assert_eq!(first.kept.len() + first.removed.len(), 3);
    // The rerun sees the same inputs (its own output is not one of them) and finds the run complete.
    let stderr = run_ok(engine_argv![input, "-o", out]);
    assert!(stderr.contains("already complete"), "{stderr}");
    assert_eq!(outcome(&out).kept.len(), 2);
});

ghtest!(
    an_empty_input_folder_is_an_empty_run_with_the_default_stages_too,
    |dir| {
        std::fs::create_dir_all(dir.join("empty")).expect("mkdir");
        // The default preset (site lines on) once failed here on a missing work folder.
        let (code, _, stderr) = run(engine_argv![dir.join("empty"), "-o", dir.out(), "--preset", "ghirbal"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("no file ghirbal reads"), "{stderr}");
        assert_eq!(outcome(&dir.out()).stats["conservation"]["input"], 0);
    }
);

#[cfg(unix)]
ghtest!(an_output_folder_with_a_non_utf8_name_runs_and_resumes, |dir| {
    use std::os::unix::ffi::OsStrExt;
    let input = small_input(&dir);
    let out = dir.join("").join(std::ffi::OsStr::from_bytes(b"out-\xff\xfe"));
    run_ok(engine_argv![input, "-o", out]);
    assert_eq!(outcome(&out).kept.len(), 2);
    assert!(run_ok(engine_argv![input, "-o", out]).contains("already complete"));
});

ghtest!(another_runs_output_inside_an_input_folder_is_reported_not_read, |dir| {
    small_input(&dir);
    let input = dir.join(".");
    // A first run writes its output inside the folder; a second run over the folder, into another OUT.
    run_ok(engine_argv![dir.join("in.jsonl"), "-o", dir.join("first")]);
    let out = dir.join("elsewhere").join("second");
    std::fs::create_dir_all(dir.join("elsewhere")).expect("mkdir");
    // `elsewhere/` is inside the folder too, but holds no lock file until the run starts: only `first/`
    // and the second run's own `second/` are outputs.
    run_ok(engine_argv![input, "-o", out]);
    let o = outcome(&out);
    assert_eq!(o.kept.len() + o.removed.len(), 3, "first/ was read as input");
    let skipped = o.stats["skipped_files"].as_array().expect("skipped_files");
    // Reported once, as a folder, and not walked.
    assert!(
        skipped
            .iter()
            .any(|s| s["path"].as_str().is_some_and(|p| p.ends_with("/first")) && s["reason"] == "ghirbal_output"),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .all(|s| !s["path"].as_str().unwrap_or("").contains("first/")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .all(|s| !s["path"].as_str().unwrap_or("").contains("second/")),
        "the run's own files are not news: {skipped:?}"
    );
});

#[cfg(unix)]
ghtest!(an_input_folder_with_a_non_utf8_name_runs_and_resumes, |dir| {
    use std::os::unix::ffi::OsStrExt;
    let folder = dir.join("").join(std::ffi::OsStr::from_bytes(b"in-\xff"));
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(folder.join("a.txt"), "نص أول").expect("write");
    std::fs::write(folder.join("b.txt"), "نص ثان").expect("write");
    let out = dir.out();
    run_ok(engine_argv![folder, "-o", out]);
    assert_eq!(outcome(&out).kept.len(), 2);
    assert!(run_ok(engine_argv![folder, "-o", out]).contains("already complete"));
});
