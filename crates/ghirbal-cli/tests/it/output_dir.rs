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
    let (code, _, stderr) = run(argv!["run", input, "-o", out]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&out.display().to_string()), "{stderr}");
    assert_eq!(file_names(&out), ["notes.txt"], "the folder was touched");
});

ghtest!(empty_existing_output_is_used, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    std::fs::create_dir(&out).expect("mkdir");
    run_ok(argv!["run", input, "-o", out]);
    assert_eq!(outcome(&out).kept.len(), 2);
});

ghtest!(rerunning_a_finished_run_does_nothing, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    run_ok(argv!["run", input, "-o", out]);
    let before = crate::util::dir_bytes(&out.join("kept"));
    let stats = std::fs::read(out.join("stats.json")).expect("stats");
    let stderr = run_ok(argv!["run", input, "-o", out]);
    assert!(stderr.contains("already complete"), "{stderr}");
    assert_eq!(crate::util::dir_bytes(&out.join("kept")), before);
    assert_eq!(std::fs::read(out.join("stats.json")).expect("stats"), stats);
});

ghtest!(another_config_needs_force, |dir| {
    let input = small_input(&dir);
    let out = dir.out();
    run_ok(argv!["run", input, "-o", out]);
    let (code, _, stderr) = run(argv!["run", input, "-o", out, "--compression", "gzip"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("compression"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert!(file_names(&out.join("kept")).iter().all(|n| n.ends_with(".jsonl.zst")));

    run_ok(argv!["run", input, "-o", out, "--compression", "gzip", "--force"]);
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
    run_ok(argv!["run", input, "-o", out]);
    std::fs::write(&input, line("a", "نص جديد أطول من قبل", &[])).expect("rewrite");
    let (code, _, stderr) = run(argv!["run", input, "-o", out]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&input.display().to_string()), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    run_ok(argv!["run", input, "-o", out, "--force"]);
    assert_eq!(outcome(&out).kept.len(), 1);
});
