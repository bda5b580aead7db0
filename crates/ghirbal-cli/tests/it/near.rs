//! Near-duplicate removal: verified against the keeper, never through a chain; `ghirbal explain`; annotate mode.

use serde_json::{json, Value};

use crate::util::{ids, line, outcome, run, run_ok, run_stdout, Dir};

const NEAR_STAGES: &str = "normalize,dedup.exact,dedup.near";

/// Word `i` of a vocabulary of distinct Arabic letter triples (no letters that the key form folds together).
fn word(i: usize) -> String {
    const LETTERS: [char; 20] = [
        'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س', 'ش', 'ص', 'ض', 'ط', 'ع', 'غ', 'ف', 'ق', 'ك',
    ];
    [i / 400, (i / 20) % 20, i % 20].iter().map(|&k| LETTERS[k]).collect()
}

/// Words `from..from + 200`, ten to a line.
fn window(from: usize) -> String {
    let words: Vec<String> = (from..from + 200).map(word).collect();
    words.chunks(10).map(|c| c.join(" ")).collect::<Vec<_>>().join("\n")
}

/// A ≈ B and B ≈ C (each pair shares 185 of 200 words: word 5-gram Jaccard 0.86), A ≉ C (170 words: 0.73).
fn chain(dir: &Dir) -> std::path::PathBuf {
    let body = [("A", 0), ("B", 15), ("C", 30), ("other", 1000)]
        .iter()
        .map(|(id, from)| line(id, &window(*from), &[]))
        .collect::<String>();
    dir.write("chain.jsonl", body)
}

ghtest!(a_chain_removes_only_what_is_similar_to_the_keeper, |dir| {
    let input = chain(&dir);
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out, "--stages", NEAR_STAGES]);
    let o = outcome(&out);
    assert_eq!(ids(&o.kept), ["A", "C", "other"]);
    let b = o.removed("B");
    assert_eq!(b["reason"], "dedup.near", "{b}");
    assert_eq!(b["duplicate_of"], "A", "{b}");
    let sim = b["similarity"].as_f64().expect("similarity");
    assert!((0.8..0.9).contains(&sim), "{b}");
    assert_eq!(b["detail"]["threshold"], 0.8, "{b}");
    // C is similar to B, which is removed, but not to the keeper A: it stays. The chain still groups the three
    // in one cluster (for analysis and up-sampling), with two keepers.
    let c = o.kept("C");
    assert_eq!(
        c["meta"]["ghirbal"],
        json!({"cluster_id": "A", "cluster_size": 3}),
        "{c}"
    );
    assert_eq!(
        o.kept("A")["meta"]["ghirbal"],
        json!({"cluster_id": "A", "cluster_size": 3})
    );
    assert!(o.kept("other")["meta"].get("ghirbal").is_none());
    let near = &o.stats["stages"]["dedup.near"];
    // A–B and B–C verified; A–C (0.73) is rejected whenever LSH makes it a candidate at all.
    assert_eq!(near["metrics"]["verified_pairs"]["sum"], 2.0, "{near}");
    let candidates = near["metrics"]["candidates_verified"]["sum"].as_f64().expect("count");
    let rejected = near["metrics"]["candidates_rejected"]["sum"].as_f64().expect("count");
    assert_eq!(candidates - rejected, 2.0, "{near}");

    // The explanation of the duplicate names its keeper, the shared bands and the similarity it was removed at.
    let text = run_stdout(argv!["explain", out, "B"]);
    assert!(text.contains("B: removed by dedup.near"), "{text}");
    assert!(text.contains("a near duplicate of A: similarity"), "{text}");
    assert!(text.contains(&format!("exact Jaccard {sim:.4}")), "{text}");
    assert!(text.contains("LSH bands shared:"), "{text}");
    assert!(text.contains("- ") && text.contains("+ "), "a line diff: {text}");
    // The keeper's lists its duplicate; the kept end of the chain says why it stayed.
    let text = run_stdout(argv!["explain", out, "A"]);
    assert!(text.contains("A: kept, a keeper of cluster A (3 documents)"), "{text}");
    assert!(text.contains("dedup.near B: duplicate of A, similarity"), "{text}");
    assert!(
        text.contains("other keepers in the cluster") && text.contains(": C"),
        "{text}"
    );
    let text = run_stdout(argv!["explain", out, "other"]);
    assert!(
        text.contains("other: kept; it has no exact or near duplicate"),
        "{text}"
    );
});

ghtest!(the_keep_rule_picks_the_near_keeper, |dir| {
    let input = chain(&dir);
    let config = dir.write("cfg.toml", "[dedup]\nkeep = \"longest\"\n");
    let out = dir.out();
    // All three have 200 words of three letters; make C the longest with harakat on its last word (only C has it).
    let text = std::fs::read_to_string(&input).expect("input");
    let input = dir.write(
        "chain2.jsonl",
        text.replace(&word(229), &format!("{}\u{064E}\u{064E}", word(229))),
    );
    run_ok(engine_argv![input, "-c", config, "-o", out, "--stages", NEAR_STAGES]);
    let o = outcome(&out);
    // C is kept first and takes B; A is not similar to C, so it stays as a second keeper.
    assert_eq!(ids(&o.kept), ["A", "C", "other"]);
    assert_eq!(o.removed("B")["duplicate_of"], "C");
    assert_eq!(o.kept("A")["meta"]["ghirbal"]["cluster_id"], "C");
});

ghtest!(explain_a_filtered_document_and_an_unknown_id, |dir| {
    let out = dir.out();
    run_ok(engine_argv!["-o", out, "--preset", "ghirbal"]);
    let text = run_stdout(argv!["explain", out, "example/21-events-list"]);
    assert!(text.contains("removed by filter.fineweb_quality.list_ratio"), "{text}");
    assert!(text.contains("threshold: 0.189") && text.contains("value: "), "{text}");
    let text = run_stdout(argv!["explain", out, "example/10-heatwave-cut"]);
    assert!(text.contains("a near duplicate of example/08-wire-heatwave"), "{text}");
    let text = run_stdout(argv!["explain", out, "example/04-dates-harvest-copy"]);
    assert!(text.contains("an exact copy of example/03-dates-harvest"), "{text}");
    let (code, _, stderr) = run(argv!["explain", out, "no-such-id"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no document with id \"no-such-id\""), "{stderr}");
});

ghtest!(explain_needs_no_work_folder_once_the_run_is_complete, |dir| {
    let out = dir.out();
    run_ok(engine_argv!["-o", out, "--preset", "ghirbal"]);
    let before = run_stdout(argv!["explain", out, "example/10-heatwave-cut"]);
    std::fs::remove_dir_all(out.join("work")).expect("rm work/");
    // The same evidence, from kept/, removed/ and stats.json alone (the config is in stats.json).
    assert_eq!(run_stdout(argv!["explain", out, "example/10-heatwave-cut"]), before);
    assert!(
        before.contains("a near duplicate of example/08-wire-heatwave"),
        "{before}"
    );
});

ghtest!(annotate_mode_keeps_every_duplicate_with_its_cluster, |dir| {
    let input = chain(&dir);
    let config = dir.write("cfg.toml", "[dedup]\nmode = \"annotate\"\n");
    let copy = dir.write("copy.jsonl", line("A2", &window(0), &[]));
    let out = dir.out();
    run_ok(engine_argv![
        input,
        copy,
        "-c",
        config,
        "-o",
        out,
        "--stages",
        NEAR_STAGES
    ]);
    let o = outcome(&out);
    assert!(o.removed.is_empty(), "{:?}", o.removed);
    assert_eq!(ids(&o.kept), ["A", "B", "C", "other", "A2"]);
    let b = &o.kept("B")["meta"]["ghirbal"];
    assert_eq!(b["duplicate_of"], "A", "{b}");
    assert_eq!(b["cluster_id"], "A", "{b}");
    assert_eq!(b["cluster_size"], 4, "A's exact copy counts: {b}");
    assert!(b["similarity"].as_f64() >= Some(0.8), "{b}");
    let a2 = &o.kept("A2")["meta"]["ghirbal"];
    assert_eq!(a2["duplicate_of"], "A", "{a2}");
    assert_eq!(a2["cluster_id"], "A", "{a2}");
    let near = &o.stats["stages"]["dedup.near"];
    assert_eq!(near["docs_removed"], 0, "{near}");
    assert_eq!(near["metrics"]["annotated"]["sum"], 1.0, "{near}");
});

ghtest!(lines_a_site_repeats_are_removed_from_all_its_documents, |dir| {
    // Site s1 ends 12 articles with the same contact footer; site s2 has it on 3 (below the default 10). The
    // articles are paragraphs (sentences end their lines), so the footer stands on its own.
    let footer = "للتواصل مع الكاتب ارسل رسالة SMS";
    let window = |from: usize| window(from).replace('\n', ".\n") + ".";
    let mut body = String::new();
    for i in 0..12 {
        let text = format!("{}\n{footer}", window(300 * i));
        body += &line(&format!("s1-{i}"), &text, &[("source", json!("s1"))]);
    }
    for i in 0..3 {
        let text = format!("{}\n{footer}", window(5000 + 300 * i));
        body += &line(&format!("s2-{i}"), &text, &[("source", json!("s2"))]);
    }
    // A page of s1 with nothing but the footer (in another spelling) keeps it: a line is never removed from
    // the document it opens (it may be that document's own title or lead).
    body += &line(
        "s1-only",
        "للتواصل مع الكاتب أرسل رسالة sms",
        &[("source", json!("s1"))],
    );
    let input = dir.write("site.jsonl", body);
    let run_with = |config: &str, out: &std::path::Path| {
        let config = dir.write("site.toml", config);
        let stages = "normalize,clean,dedup.exact";
        run_ok(engine_argv![input, "-c", config, "-o", out, "--stages", stages]);
        outcome(out)
    };
    let o = run_with("", &dir.out());
    assert_eq!(o.kept.len(), 16);
    for i in 0..12 {
        let k = o.kept(&format!("s1-{i}"));
        assert!(!k["text"].as_str().expect("text").contains("للتواصل"), "{k}");
        assert_eq!(k["meta"]["ghirbal"]["clean"]["site_lines"], 1, "{k}");
    }
    for i in 0..3 {
        let k = o.kept(&format!("s2-{i}"));
        assert!(k["text"].as_str().expect("text").ends_with(footer), "{k}");
    }
    let k = o.kept("s1-only");
    assert_eq!(k["text"], "للتواصل مع الكاتب أرسل رسالة sms", "{k}");
    assert_eq!(o.stats["stages"]["clean"]["metrics"]["site_lines_removed"]["sum"], 12.0);
    // Off (with the related-stories rule, the other user of the lines phase): nothing is removed, and no
    // lines phase runs.
    let o = run_with(
        "[clean]\nsite_lines_min_docs = 0\nrelated_stories = false\n",
        &dir.join("out-off"),
    );
    assert_eq!(o.kept.len(), 16);
    assert_eq!(o.stats["time"]["wall_seconds"]["lines"], 0.0);
    assert_eq!(o.stats["time"]["cpu_seconds"]["lines"], 0.0);
});

ghtest!(explain_reads_parquet_outputs, |dir| {
    let input = chain(&dir);
    let out = dir.out();
    run_ok(engine_argv![
        input,
        "-o",
        out,
        "--stages",
        NEAR_STAGES,
        "--format",
        "parquet"
    ]);
    let text = run_stdout(argv!["explain", out, "B"]);
    assert!(text.contains("a near duplicate of A: similarity"), "{text}");
    assert!(text.contains("LSH bands shared:"), "{text}");
    let text = run_stdout(argv!["explain", out, "A"]);
    assert!(text.contains("dedup.near B: duplicate of A"), "{text}");
});

ghtest!(the_near_clusters_step_stays_within_the_memory_budget, |dir| {
    // Ten templates of 200 words, each written 800 times with a word or two changed: about 680,000 verified
    // pairs, which held in memory as before take several times the budget.
    let mut rng = crate::util::Rng::new(15);
    let letters: Vec<char> = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي".chars().collect();
    let vocab: Vec<String> = (0..5000)
        .map(|_| {
            (0..3 + rng.below(5))
                .map(|_| letters[rng.below(letters.len())])
                .collect()
        })
        .collect();
    let mut body = String::new();
    for t in 0..10 {
        let base: Vec<&str> = (0..200).map(|_| vocab[rng.below(vocab.len())].as_str()).collect();
        for v in 0..800 {
            let mut words = base.clone();
            if v % 6 != 5 {
                for _ in 0..1 + v % 2 {
                    words[rng.below(200)] = vocab[rng.below(vocab.len())].as_str();
                }
            }
            body += &crate::util::line(&format!("t{t}-{v}"), &words.join(" "), &[]);
        }
    }
    let input = dir.write("templates.jsonl", body);
    let out = dir.out();
    let step = |name: &str| {
        crate::util::run_ok(engine_argv![
            input,
            "-o",
            out,
            "--stages",
            "normalize,dedup.exact,dedup.near",
            "--threads",
            "1",
            "--memory-budget",
            "32MiB",
            "--phase",
            name
        ])
    };
    for name in ["plan", "scan", "cluster", "near", "near-clusters"] {
        step(name);
    }
    let stats: Value = serde_json::from_slice(
        &std::fs::read(out.join("work/stats/near-clusters/00000.json")).expect("the task's stats"),
    )
    .expect("JSON");
    let (edges, peak) = (
        stats["edges"].as_u64().expect("edges"),
        stats["peak_rss_bytes"].as_u64().expect("peak"),
    );
    assert!(edges > 500_000, "{edges} pairs: the test lost its load");
    assert!(
        peak > 0 && peak < 32 << 20,
        "near-clusters peaked at {} MiB under a 32 MiB budget",
        peak >> 20
    );
    step("write");
    step("finish");
    let o = outcome(&out);
    assert!(o.stats["totals"]["removed_by_reason"]["dedup.near"].as_u64() > Some(6000));
});
