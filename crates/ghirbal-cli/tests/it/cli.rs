//! Exit codes and messages of failed runs: 1 when the run fails (the message names the file), 2 for usage.

use crate::util::{ids, line, outcome, run, run_within};

ghtest!(missing_input_path_is_named, |dir| {
    let missing = dir.join("nope.jsonl");
    let (code, _, stderr) = run(engine_argv![missing, "-o", dir.out()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
});

ghtest!(unsupported_extension_is_named, |dir| {
    let csv = dir.write("x.csv", "id,text\n1,hello\n");
    let (code, _, stderr) = run(engine_argv![csv, "-o", dir.out()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&csv.display().to_string()), "{stderr}");
});

ghtest!(bad_flag_is_a_usage_error, |dir| {
    let (code, _, stderr) = run(engine_argv!["--no-such-flag", "-o", dir.out()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
    let (code, _, stderr) = run(engine_argv!["--compression", "lz4", "-o", dir.out()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!dir.out().exists(), "a usage error created the output");
});

ghtest!(invalid_config_is_a_usage_error_that_names_it, |dir| {
    let cfg = dir.write("cfg.toml", "[dedup]\nkeep = \"shortest\"\n");
    let (code, _, stderr) = run(engine_argv!["-c", cfg, "-o", dir.out()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&cfg.display().to_string()), "{stderr}");
    assert!(stderr.contains("shortest"), "{stderr}");
});

/// Runs `ghirbal run IN -o OUT EXTRA...` and checks it is refused as a usage error (exit 2) naming `named`,
/// before OUT is made.
fn assert_usage_error(dir: &crate::util::Dir, extra: Vec<std::ffi::OsString>, named: &str) {
    let input = dir.write("in.jsonl", line("a", "نص", &[]));
    let mut argv = engine_argv![input, "-o", dir.out()];
    argv.extend(extra);
    let (code, _, stderr) = run(&argv);
    assert_eq!(code, 2, "{argv:?}: {stderr}");
    assert!(stderr.contains(named), "{argv:?}: {named:?} not in\n{stderr}");
    assert!(!dir.out().exists(), "{argv:?}: a usage error created the output");
}

ghtest!(bad_flag_values_are_usage_errors, |dir| {
    assert_usage_error(&dir, argv!["--memory-budget", "abc"], "memory_budget");
    assert_usage_error(&dir, argv!["--stages", "bogus"], "\"bogus\"");
    assert_usage_error(
        &dir,
        argv!["--stages", "normalize,dedup.exact,filter.nope"],
        "filter.nope",
    );
    assert_usage_error(&dir, argv!["--phase", "scan", "--shard", "3/2"], "3/2");
    assert_usage_error(&dir, argv!["--shard", "0/2"], "--phase");
    assert_usage_error(&dir, argv!["--threads", "many"], "many");
});

ghtest!(bad_config_files_are_usage_errors, |dir| {
    let missing = dir.join("missing.toml");
    assert_usage_error(&dir, argv!["-c", missing], "missing.toml");
    let syntax = dir.write("syntax.toml", "[dedup\nkeep = \"first\"\n");
    assert_usage_error(&dir, argv!["-c", syntax], "syntax.toml");
    let unknown_key = dir.write("unknown.toml", "[dedup]\nkeep_it = \"first\"\n");
    assert_usage_error(&dir, argv!["-c", unknown_key], "keep_it");
    let bad_stage = dir.write("stages.toml", "stages = [\"normalize\", \"dedup.fuzzy\"]\n");
    assert_usage_error(&dir, argv!["-c", bad_stage], "dedup.fuzzy");
    let bad_budget = dir.write("budget.toml", "[run]\nmemory_budget = \"lots\"\n");
    assert_usage_error(&dir, argv!["-c", bad_budget], "budget.toml");
});

ghtest!(absurd_thread_counts_are_capped_with_a_warning, |dir| {
    let input = dir.write("in.jsonl", line("a", "نص أول", &[]) + &line("b", "نص ثان", &[]));
    let out = dir.out();
    // Uncapped, 100,000 threads took minutes on two documents: a minute is far more than a capped run needs.
    let (code, _, stderr) = run_within(
        engine_argv![input, "-o", out, "--threads", "100000"],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("--threads 100000") && stderr.contains("per core"),
        "no warning about the cap:\n{stderr}"
    );
    assert_eq!(ids(&outcome(&out).kept), ["a", "b"]);
});

ghtest!(empty_input_is_an_empty_run, |dir| {
    let input = dir.write("empty.jsonl", "");
    let out = dir.out();
    let (code, stdout, stderr) = run(engine_argv![input, "-o", out]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let o = outcome(&out);
    assert_eq!(o.stats["conservation"]["input"], 0);
    assert!(o.kept.is_empty() && o.removed.is_empty());
});

ghtest!(blank_only_input_is_an_empty_run, |dir| {
    let input = dir.write("blank.jsonl", "\n  \n\n");
    let out = dir.out();
    let (code, stdout, stderr) = run(engine_argv![input, "-o", out]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let o = outcome(&out);
    assert_eq!(o.stats["conservation"]["input"], 0);
});

ghtest!(empty_file_among_other_inputs_is_skipped, |dir| {
    let a = dir.write("a.jsonl", line("a", "one", &[]));
    let empty = dir.write("empty.jsonl", "");
    let empty_gz = dir.write("empty.jsonl.gz", crate::util::gzip(b""));
    let b = dir.write("b.jsonl", line("b", "two", &[]));
    let out = dir.out();
    let (code, stdout, stderr) = run(engine_argv![a, empty, empty_gz, b, "-o", out]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["a", "b"]);
});

ghtest!(empty_folder_is_an_empty_run, |dir| {
    let input = dir.join("nothing");
    std::fs::create_dir(&input).expect("mkdir");
    let out = dir.out();
    let (code, _, stderr) = run(engine_argv![input, "-o", out]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outcome(&out).stats["conservation"]["input"], 0);
});

ghtest!(duplicate_ids_across_files_name_both_places, |dir| {
    let a = dir.write(
        "a.jsonl",
        line("x", "one", &[]) + &line("y", "two", &[]) + &line("z", "three", &[]),
    );
    let b = dir.write("b.jsonl", line("w", "four", &[]) + &line("y", "five", &[]));
    let (code, _, stderr) = run(engine_argv![a, b, "-o", dir.out()]);
    assert_eq!(code, 1, "{stderr}");
    for place in [format!("{}:2", a.display()), format!("{}:2", b.display())] {
        assert!(stderr.contains(&place), "{place} not in:\n{stderr}");
    }
    assert!(stderr.contains("\"y\""), "{stderr}");
});

ghtest!(inputs_are_read_in_the_order_given, |dir| {
    let a = dir.write("a.jsonl", line("a1", "same text", &[]));
    let b = dir.write("b.jsonl", line("b1", "same text", &[]));
    let out = dir.out();
    let (code, _, stderr) = run(engine_argv![b, a, "-o", out]);
    assert_eq!(code, 0, "{stderr}");
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["b1"]);
    assert_eq!(o.removed("a1")["duplicate_of"], "b1");
});

fn normalize_stdin(profile: &str, input: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ghirbal"))
        .args(["normalize", "--profile", profile])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting ghirbal normalize");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("writing stdin");
    let out = child.wait_with_output().expect("waiting");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

ghtest!(normalize_reads_stdin_line_by_line, |_dir| {
    let input = "الـــعـــربـــيـــة  ﷺ\nﺍﻟﺴﻼﻡ ﻋﻠﻴﻜﻢ، في ٢٠١٥\n\nإلى\n".as_bytes();
    let (code, stdout, stderr) = normalize_stdin("output", input);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "العربية ﷺ\nالسلام عليكم، في ٢٠١٥\n\nإلى\n");
    let (code, stdout, _) = normalize_stdin("key", input);
    assert_eq!(code, 0);
    assert_eq!(stdout, "العربيه صلي الله عليه وسلم\nالسلام عليكم في 0\n\nالي\n");
    let (code, _, stderr) = normalize_stdin("output", b"ok\nbad \xff\n");
    assert_eq!(code, 1);
    assert!(stderr.contains("line 2"), "{stderr}");
});
