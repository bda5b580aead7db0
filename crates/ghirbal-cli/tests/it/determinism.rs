//! The output depends on the input and the config only: never on the thread count or on batch timing.

use crate::util::{dir_bytes, gzip, line, outcome, read_stats, run_ok, words, Dir, Rng};

/// A new text, or (one time in ten) a copy of an earlier one, or (one in ten) an earlier one edited.
fn next_text(rng: &mut Rng, texts: &mut Vec<String>) -> String {
    let text = if !texts.is_empty() && rng.below(10) == 1 {
        // A near copy: one word of a long earlier text replaced.
        let base = texts[rng.below(texts.len())].clone();
        let mut parts: Vec<&str> = base.split(' ').collect();
        let new = words(rng, 1);
        let at = rng.below(parts.len());
        parts[at] = &new;
        parts.join(" ")
    } else if !texts.is_empty() && rng.below(10) == 0 {
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

ghtest!(
    thread_count_partitions_and_memory_budget_never_change_the_bytes,
    |dir| {
        let inputs = corpus(&dir);
        let base = "[input]\nshard_bytes = 65536\ntxt_files_per_shard = 16\n\n[output]\npart_bytes = 65536\n\n[run]\nbatch_bytes = 4096\n";
        // Partitions "auto" (one, for this small corpus), sixteen (the most "auto" gives), and two with a
        // budget far below the band records: the cluster phase sorts them on disk.
        let configs = [
            ("1", dir.write("cfg.toml", base), "unlimited"),
            ("4", dir.write("cfg.toml", base), "unlimited"),
            (
                "3",
                dir.write("sixteen.toml", format!("{base}partitions = 16\n")),
                "unlimited",
            ),
            ("2", dir.write("spill.toml", format!("{base}partitions = 2\n")), "1KiB"),
        ];
        let mut results = Vec::new();
        for (threads, config, budget) in &configs {
            let out = dir.join(&format!("out-{threads}"));
            let mut argv = argv!["run"];
            argv.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
            argv.extend(argv!["-c", config, "-o", out, "--threads", threads]);
            argv.extend(argv!["--stages", "normalize,dedup.exact,dedup.near"]);
            if *budget != "unlimited" {
                argv.extend(argv!["--memory-budget", budget]);
            }
            run_ok(&argv);
            let o = outcome(&out);
            assert_eq!(o.stats["conservation"]["input"], 3000 + 6 + 400 + 60);
            let removed = &o.stats["totals"]["removed_by_reason"];
            let dups = removed["dedup.exact"].as_u64().expect("some exact duplicates");
            assert!((150..600).contains(&dups), "{dups} duplicates");
            let near = removed["dedup.near"].as_u64().expect("some near duplicates");
            assert!((100..600).contains(&near), "{near} near duplicates");
            assert_eq!(removed["read.malformed_json"], 6);
            // "auto" sizes this corpus (under 4 MiB of text) to one partition; the stats tell the number run.
            let parts = match *threads {
                "3" => 16,
                "2" => 2,
                _ => 1,
            };
            assert_eq!(
                o.stats["config"]["run"]["partitions"], parts,
                "run with {threads} threads"
            );
            let runs = o.stats["stages"]["dedup.near"]["metrics"]["sort_runs"]["sum"].as_f64();
            assert_eq!(runs > Some(0.0), *budget != "unlimited", "sort runs: {runs:?}");
            results.push((dir_bytes(&out.join("kept")), dir_bytes(&out.join("removed"))));
        }
        let names = |parts: &[(String, Vec<u8>)]| -> Vec<String> { parts.iter().map(|(n, _)| n.clone()).collect() };
        let (kept1, removed1) = &results[0];
        assert!(names(kept1).len() > 8, "expected several shards: {:?}", names(kept1));
        for (i, (kept, removed)) in results.iter().enumerate().skip(1) {
            assert_eq!(names(kept1), names(kept));
            assert_eq!(names(removed1), names(removed));
            for ((name, a), (_, b)) in kept1.iter().zip(kept).chain(removed1.iter().zip(removed)) {
                assert!(a == b, "{name} differs between run 0 and run {i}");
            }
        }
    }
);

ghtest!(steps_run_as_a_job_array_give_the_bytes_of_one_run, |dir| {
    let inputs = corpus(&dir);
    let config = dir.write(
        "cfg.toml",
        "[input]\nshard_bytes = 65536\ntxt_files_per_shard = 16\n\n[output]\npart_bytes = 65536\n\n[run]\n\
             batch_bytes = 4096\npartitions = 3\n\n[clean]\nsite_lines_min_docs = 3\n",
    );
    let argv_for = |out: &std::path::Path| {
        let mut argv = argv!["run"];
        argv.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
        argv.extend(argv!["-c", config, "-o", out, "--threads", "1", "-q"]);
        argv.extend(argv!["--stages", "normalize,clean,dedup.exact,dedup.near"]);
        argv
    };
    let one = dir.join("one");
    run_ok(argv_for(&one));

    let stepped = dir.join("stepped");
    let step = |name: &str, shard: Option<&str>| {
        let mut argv = argv_for(&stepped);
        argv.extend(argv!["--phase", name]);
        if let Some(s) = shard {
            argv.extend(argv!["--shard", s]);
        }
        crate::util::run(argv)
    };
    let (code, _, err) = step("scan", Some("0/3"));
    assert_eq!(code, 1, "a step before the plan fails");
    assert!(err.contains("--phase plan"), "{err}");
    assert_eq!(step("plan", None).0, 0);
    let (code, _, err) = step("cluster", Some("1/3"));
    assert_eq!(code, 1, "cluster before the scan fails: {err}");
    assert!(err.contains("step lines") || err.contains("step scan"), "{err}");
    // Every step as three slices running at once in separate processes, as a job array runs them.
    // `story` has no task without the stage (its invocations would still count in `time`).
    for name in crate::util::STEPS.iter().filter(|s| !matches!(**s, "plan" | "story")) {
        let children: Vec<_> = (0..3)
            .rev()
            .map(|i| {
                let mut argv = argv_for(&stepped);
                argv.extend(argv!["--phase", name, "--shard", format!("{i}/3")]);
                (i, crate::util::spawn(argv))
            })
            .collect();
        for (i, mut child) in children {
            let status = child.wait().expect("waiting");
            assert!(status.success(), "{name} {i}/3 failed: {status}");
        }
    }
    assert_eq!(
        step("write", Some("0/3")).0,
        0,
        "a step run again does nothing and succeeds"
    );
    let o = outcome(&stepped);
    assert_eq!(o.stats["conservation"]["holds"], true);
    assert!(o.stats["totals"]["removed_by_reason"]["dedup.near"].as_u64() > Some(50));
    // Time is every invocation's: the plan, seven steps of three slices, and the one that finished (not the
    // two that failed before starting, nor the finish slices with nothing to do, nor the rerun after the end).
    let time = &o.stats["time"];
    assert_eq!(time["invocations"], 1 + 7 * 3 + 1, "{time}");
    assert_eq!(read_stats(&one)["time"]["invocations"], 1);
    let cpu = |k: &str| time["cpu_seconds"][k].as_f64().unwrap_or_else(|| panic!("{k}: {time}"));
    for phase in ["lines", "scan", "cluster", "write"] {
        assert!(cpu(phase) > 0.0, "{phase}: {time}");
    }
    let stages: f64 = o.stats["stages"]
        .as_object()
        .expect("stages")
        .values()
        .filter_map(|st| st["cpu_seconds"].as_f64())
        .sum();
    assert!(
        stages > 0.0 && stages <= cpu("scan") && cpu("scan") < cpu("total"),
        "{stages} {time}"
    );
    for sub in ["kept", "removed"] {
        let (a, b) = (dir_bytes(&one.join(sub)), dir_bytes(&stepped.join(sub)));
        assert!(a.len() > 3, "several parts");
        assert!(a == b, "{sub}/ differs between the one-shot run and the job array");
    }
});
