//! `report.html`, `examples.json` and the report's part of `stats.json` (issue #16): written by every run,
//! drawn again by `ghirbal report OUT` from those files alone, the same at any thread count, and honest about
//! what the run did (the seeds' repairs with the lines they cut, duplicate groups by size, counts per source).

use serde_json::Value;

use crate::util::*;

fn read_json(path: &std::path::Path) -> Value {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_slice(&data).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn report_html(out: &std::path::Path) -> String {
    std::fs::read_to_string(out.join("report.html")).expect("report.html is written")
}

ghtest!(the_seeds_report_shows_their_repairs_with_the_lines_cut, |dir| {
    let out = dir.out();
    run_ok(argv!["run", seeds_dir(), "-o", &out]);
    let html = report_html(&out);
    for section in [
        "id=\"run\"",
        "id=\"funnel\"",
        "id=\"removals\"",
        "id=\"repairs\"",
        "id=\"sources\"",
        "id=\"lengths\"",
        "id=\"language\"",
        "id=\"duplicates\"",
        "id=\"examples\"",
    ] {
        assert!(html.contains(section), "report.html has no {section}");
    }
    assert!(html.contains("<svg"), "charts are inline SVG");
    for fetch in ["<script", "<link", "src=\"http", "url(http"] {
        assert!(!html.contains(fetch), "nothing is fetched: the page holds {fetch}");
    }
    // The Arabi21 seed's teaser and trailing headline are shown as cut lines of their rules.
    let examples = read_json(&out.join("examples.json"));
    let boilerplate = examples["clean.boilerplate"]
        .as_array()
        .expect("clean.boilerplate examples");
    let cut: Vec<&str> = boilerplate[0]["cut"]
        .as_array()
        .expect("cut lines")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(cut.iter().any(|l| l.contains("اقرأ أيضا")), "{cut:?}");
    assert!(examples["clean.trailing_lines"].is_array(), "{examples}");
    assert!(
        examples["clean.repeated_lines"].is_array(),
        "the seed with its body twice"
    );
    let id = boilerplate[0]["id"].as_str().expect("id");
    assert!(html.contains("اقرأ أيضا"), "the cut line is on the page");
    assert!(
        html.contains(&format!("ghirbal explain {} {id}", out.display())),
        "the explain command"
    );
    // Repairs by rule: documents, lines and characters.
    let stats = read_stats(&out);
    let repairs = &stats["stages"]["clean"]["repairs"]["clean.boilerplate"];
    assert_eq!(repairs["docs"], 1, "{repairs}");
    assert!(repairs["lines"].as_u64().expect("lines") >= 1);
    assert!(repairs["chars"].as_u64().expect("chars") > 10);
});

ghtest!(
    report_command_draws_the_same_page_from_stats_and_examples_alone,
    |dir| {
        let input = dir.write(
            "in.jsonl",
            [
                line("a", "نص أول عن الاقتصاد والأسواق في المنطقة", &[]),
                line("b", "نص أول عن الاقتصاد والأسواق في المنطقة", &[]),
                line("c", "نص ثان مختلف تماما عن الرياضة", &[]),
            ]
            .concat(),
        );
        let out = dir.out();
        run_ok(engine_argv![&input, "-o", &out]);
        let first = report_html(&out);
        std::fs::remove_file(out.join("report.html")).expect("removing report.html");
        std::fs::remove_dir_all(out.join("work")).expect("removing work/");
        std::fs::remove_dir_all(out.join("kept")).expect("removing kept/");
        let (code, _, stderr) = run(argv!["report", &out]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            report_html(&out),
            first,
            "the same page, from stats.json and examples.json only"
        );
    }
);

ghtest!(report_of_a_folder_that_is_no_run_names_the_missing_file, |dir| {
    let empty = dir.join("nothing");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let (code, _, stderr) = run(argv!["report", &empty]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("stats.json"), "{stderr}");
    assert!(!empty.join("report.html").exists());
});

/// Three copies of one text, two of another, one alone; two sources.
fn duplicates_corpus(dir: &Dir) -> std::path::PathBuf {
    let a = "خبر عن افتتاح معرض الكتاب في المدينة بمشاركة دور نشر عربية كثيرة";
    let b = "تقرير عن أسعار النفط في الأسواق العالمية خلال الأسبوع الماضي";
    let c = "مقال رأي عن التعليم والجامعات ومستقبل البحث العلمي في المنطقة";
    let src = |s: &str| vec![("source", Value::from(s))];
    dir.write(
        "in.jsonl",
        [
            line("a1", a, &src("one")),
            line("b1", b, &src("two")),
            line("a2", a, &src("one")),
            line("c1", c, &src("two")),
            line("b2", b, &src("one")),
            line("a3", a, &src("two")),
        ]
        .concat(),
    )
}

ghtest!(distributions_and_sources_add_up, |dir| {
    let input = duplicates_corpus(&dir);
    let out = dir.out();
    run_ok(engine_argv![&input, "-o", &out]);
    let stats = read_stats(&out);
    let report = &stats["report"];
    let total = |h: &Value| -> u64 {
        h["counts"]
            .as_array()
            .expect("counts")
            .iter()
            .filter_map(Value::as_u64)
            .sum()
    };
    assert_eq!(total(&report["words_read"]), 6, "every document read");
    assert_eq!(total(&report["words_kept"]), 3, "every document kept");
    let groups = report["exact_groups"]["counts"].as_array().expect("groups");
    assert_eq!(groups[0], 1, "one group of two (b): {report}");
    assert_eq!(groups[1], 1, "one group of three (a)");
    assert_eq!(report["inputs"]["files"], 1);
    let sources = &report["sources"];
    assert_eq!(sources["one"]["docs"], 3);
    assert_eq!(sources["two"]["docs"], 3);
    assert_eq!(sources["one"]["removed"]["dedup.exact"], 2, "a2 and b2: {sources}");
    assert_eq!(sources["two"]["removed"]["dedup.exact"], 1, "a3");
    let examples = read_json(&out.join("examples.json"));
    let exact = examples["dedup.exact"].as_array().expect("dedup.exact examples");
    assert_eq!(exact.len(), 3);
    for ex in exact {
        let keeper = ex["duplicate_of"].as_str().expect("the keeper");
        assert!(keeper == "a1" || keeper == "b1", "{ex}");
    }
});

ghtest!(report_is_the_same_at_any_thread_count, |dir| {
    let mut rng = Rng::new(16);
    let mut data = String::new();
    for i in 0..400 {
        let text = words(&mut rng, 30 + i % 50);
        data.push_str(&line(&format!("d{i}"), &text, &[]));
        if i % 7 == 0 {
            data.push_str(&line(&format!("d{i}-copy"), &text, &[]));
        }
    }
    let input = dir.write("in.jsonl", data);
    // Small shards and batches: many tasks whose observations add up.
    let config = dir.write(
        "small.toml",
        "[input]\nshard_bytes = 8192\n\n[run]\nbatch_bytes = 2048\n",
    );
    let (one, four) = (dir.join("one"), dir.join("four"));
    run_ok(engine_argv![&input, "-o", &one, "-c", &config, "--threads", "1"]);
    run_ok(engine_argv![&input, "-o", &four, "-c", &config, "--threads", "4"]);
    assert_eq!(
        std::fs::read(one.join("examples.json")).expect("examples"),
        std::fs::read(four.join("examples.json")).expect("examples"),
        "the same examples"
    );
    assert_eq!(read_stats(&one)["report"], read_stats(&four)["report"]);
});

ghtest!(ids_and_text_from_the_data_are_escaped, |dir| {
    let input = dir.write(
        "in.jsonl",
        [
            line("<script>alert(1)</script>", "نص قصير <img src=x onerror=alert(2)>", &[]),
            line(
                "<script>alert(1)</script>-2",
                "نص قصير <img src=x onerror=alert(2)>",
                &[],
            ),
        ]
        .concat(),
    );
    let out = dir.out();
    run_ok(engine_argv![&input, "-o", &out]);
    let html = report_html(&out);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the id is shown, escaped"
    );
    assert!(!html.contains("<script>alert"), "never as markup");
    assert!(!html.contains("<img src=x"), "never as markup");
});
