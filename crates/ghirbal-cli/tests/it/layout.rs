//! The output layout, on the seed articles and on the bundled example corpus.

use std::path::Path;

use serde_json::{json, Value};

use crate::util::{file_names, ids, outcome, output_profile, run_ok, seeds_dir};

/// Every file in `dir` is named `part-SSSSS-NNN.EXT`.
pub fn assert_part_names(dir: &Path, ext: &str) {
    for name in file_names(dir) {
        let ok = name
            .strip_prefix("part-")
            .and_then(|rest| rest.strip_suffix(&format!(".{ext}")))
            .is_some_and(|core| {
                let b = core.as_bytes();
                b.len() == 9
                    && b[5] == b'-'
                    && b[..5].iter().all(u8::is_ascii_digit)
                    && b[6..].iter().all(u8::is_ascii_digit)
            });
        assert!(ok, "{name} in {} is not part-SSSSS-NNN.{ext}", dir.display());
    }
}

/// The stats keys every run writes, stages in pipeline order.
fn assert_stats_shape(stats: &Value) {
    let stages: Vec<&str> = stats["stages"]
        .as_object()
        .expect("stats.stages is an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(stages, ["read", "normalize", "dedup.exact"]);
    let conservation: Vec<&str> = stats["conservation"]
        .as_object()
        .expect("stats.conservation is an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(conservation, ["input", "kept", "removed", "holds"]);
    assert!(stats["totals"]["removed_by_reason"].is_object(), "{}", stats["totals"]);
}

ghtest!(seeds_are_both_kept, |dir| {
    let seeds = seeds_dir();
    let out = dir.out();
    run_ok(engine_argv![seeds, "-o", out]);
    assert!(out.join("stats.json").is_file());
    assert_part_names(&out.join("kept"), "jsonl.zst");
    assert_part_names(&out.join("removed"), "jsonl.zst");
    let o = outcome(&out);
    assert_stats_shape(&o.stats);
    assert_eq!(ids(&o.kept), ["000_00c58df026898146", "004_c4e8c7e18ecd5dd9"]);
    assert!(o.removed.is_empty(), "{:?}", o.removed);
    assert_eq!(o.stats["conservation"]["input"], 2);
    // A .txt file is one document whose text is the file (this normalize stage only trims line ends).
    for record in &o.kept {
        let keys: Vec<&str> = record
            .as_object()
            .expect("a record is an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["id", "text", "meta"]);
        let id = record["id"].as_str().expect("id");
        let file = std::fs::read_to_string(seeds.join(format!("{id}.txt"))).expect("seed");
        assert_eq!(record["text"].as_str().expect("text"), output_profile(&file));
        assert_eq!(record["meta"], json!({}));
    }
});

ghtest!(bundled_example_collapses_the_exact_and_spelling_copies, |dir| {
    let out = dir.out();
    run_ok(engine_argv!["-o", out]);
    let o = outcome(&out);
    assert_stats_shape(&o.stats);
    assert_eq!(o.stats["conservation"]["input"], 23);
    // Byte copies, a whitespace copy, and two copies that differ only in hamza, ى/ي, ة/ه, harakat and
    // tatweel: all exact duplicates under the key profile.
    assert_eq!(o.kept.len(), 19);
    assert_eq!(
        ids(&o.removed),
        [
            "example/02-desalination-plant-ws",
            "example/04-dates-harvest-copy",
            "example/06-hospital-opening-spelling",
            "example/07-hospital-opening-harakat",
        ]
    );
    assert_eq!(o.stats["totals"]["removed_by_reason"], json!({"dedup.exact": 4}));
    for (copy, keeper, size) in [
        ("example/04-dates-harvest-copy", "example/03-dates-harvest", 2),
        ("example/02-desalination-plant-ws", "example/01-desalination-plant", 2),
        ("example/06-hospital-opening-spelling", "example/05-hospital-opening", 3),
        ("example/07-hospital-opening-harakat", "example/05-hospital-opening", 3),
    ] {
        let r = o.removed(copy);
        assert_eq!(r["reason"], "dedup.exact", "{r}");
        assert_eq!(r["stage"], "dedup.exact", "{r}");
        assert_eq!(r["duplicate_of"], keeper, "{r}");
        assert_eq!(r["detail"]["group_size"], size, "{r}");
        let k = o.kept(keeper);
        assert_eq!(k["meta"]["ghirbal"]["cluster_size"], size, "{k}");
        assert_eq!(k["meta"]["ghirbal"]["cluster_id"], keeper, "{k}");
        // Input fields are kept verbatim, in input order, before ghirbal's own.
        let meta_keys: Vec<&str> = k["meta"]
            .as_object()
            .expect("meta")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(meta_keys, ["source", "url", "date", "ghirbal"]);
    }
    // Documents outside any duplicate group carry no ghirbal annotation.
    let plain = o.kept("example/14-traffic-plan");
    assert!(plain["meta"].get("ghirbal").is_none(), "{plain}");
    assert_eq!(plain["meta"]["source"], "example:alwatan");
});

ghtest!(removed_records_have_the_documented_fields, |dir| {
    let input = dir.write(
        "in.jsonl",
        concat!(
            "{\"id\":\"a\",\"text\":\"نص واحد\",\"source\":\"s\"}\n",
            "{\"id\":\"b\",\"text\":\"نص  واحد \",\"source\":\"t\"}\n",
        ),
    );
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out]);
    let o = outcome(&out);
    let r = o.removed("b");
    let keys: Vec<&str> = r
        .as_object()
        .expect("removed record")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["id", "reason", "stage", "detail", "duplicate_of", "text", "meta"]
    );
    // The removed copy carries its normalised text and the count of edits normalize made to it.
    assert_eq!(r["text"], "نص واحد", "{r}");
    assert_eq!(
        r["meta"],
        json!({"source": "t", "ghirbal": {"normalize": {"whitespace": 2}}})
    );
    assert_eq!(
        o.kept("a")["meta"],
        json!({"source": "s", "ghirbal": {"cluster_id": "a", "cluster_size": 2}})
    );
});

ghtest!(bundled_example_with_the_default_stages, |dir| {
    let out = dir.out();
    // `--preset ghirbal` is the default; naming it stops the test helpers from choosing engine-only stages.
    run_ok(engine_argv!["-o", out, "--preset", "ghirbal"]);
    let o = outcome(&out);
    assert_eq!(o.stats["conservation"]["holds"], true);
    assert_eq!(
        o.stats["totals"]["removed_by_reason"],
        json!({
            "dedup.exact": 4,
            "dedup.near": 2,
            "filter.language": 2,
            "clean.empty": 1,
            "filter.gopher_quality.short_doc": 1,
            "filter.gopher_repetition.top_3_gram": 1,
            "filter.fineweb_quality.list_ratio": 2,
            "filter.aramix_punctuation": 1,
        })
    );
    assert_eq!(o.kept.len(), 9);
    // One event told by two outlets in their own words: kept both, one story of two sources.
    let (a, b) = (
        o.kept("example/05-hospital-opening"),
        o.kept("example/23-hospital-opening-alwatan"),
    );
    for doc in [&a, &b] {
        let g = &doc["meta"]["ghirbal"];
        assert_eq!(g["story_id"], "example/05-hospital-opening", "{doc}");
        assert_eq!((&g["story_size"], &g["story_sources"]), (&json!(2), &json!(2)), "{doc}");
    }
    assert_eq!(o.stats["story"]["multi_source_stories"], 1, "{}", o.stats["story"]);
    // The wire story's reprints — a dateline added, a paragraph cut — are near duplicates of it, each verified
    // against it at or above the threshold.
    for copy in ["example/09-heatwave-dateline", "example/10-heatwave-cut"] {
        let r = o.removed(copy);
        assert_eq!(r["reason"], "dedup.near", "{r}");
        assert_eq!(r["duplicate_of"], "example/08-wire-heatwave", "{r}");
        assert!(r["similarity"].as_f64() >= Some(0.8), "{r}");
        assert_eq!(r["detail"]["cluster_id"], "example/08-wire-heatwave", "{r}");
        assert_eq!(r["detail"]["cluster_size"], 3, "{r}");
    }
    let wire = o.kept("example/08-wire-heatwave");
    assert_eq!(wire["meta"]["ghirbal"]["cluster_size"], 3, "{wire}");
    let near = &o.stats["stages"]["dedup.near"];
    assert_eq!(near["docs_in"], o.stats["stages"]["dedup.exact"]["docs_kept"], "{near}");
    assert_eq!(near["docs_removed"], 2, "{near}");
    // Each filter says what it measured and the threshold it crossed.
    for (id, reason, threshold) in [
        ("example/18-short-line", "filter.gopher_quality.short_doc", 50.0),
        (
            "example/20-keyword-stuffing",
            "filter.gopher_repetition.top_3_gram",
            0.172,
        ),
        ("example/21-events-list", "filter.fineweb_quality.list_ratio", 0.189),
        ("example/22-news-ticker", "filter.aramix_punctuation", 0.05),
    ] {
        let r = o.removed(id);
        assert_eq!(r["reason"], reason, "{r}");
        assert_eq!(r["detail"]["threshold"], threshold, "{r}");
        let value = r["detail"]["value"].as_f64().expect("value");
        let crossed = if reason.ends_with("short_doc") || reason.contains("aramix") {
            value < threshold
        } else {
            value > threshold
        };
        assert!(crossed, "{r}");
    }
    for (id, label) in [
        ("example/15-persian-flower-show", "pes"),
        ("example/16-english-library", "eng"),
    ] {
        let r = o.removed(id);
        assert_eq!(r["reason"], "filter.language", "{r}");
        assert_eq!(r["detail"]["label"], label, "{r}");
        assert_eq!(r["detail"]["min_score"], 0.711, "{r}");
    }
    assert_eq!(o.removed("example/19-whitespace-only")["reason"], "clean.empty");
    let kept = o.kept("example/13-football-final-noisy");
    assert_eq!(kept["meta"]["ghirbal"]["language"]["label"], "ara", "{kept}");
    assert!(kept["meta"]["ghirbal"]["normalize"]["presentation_forms"].as_u64() > Some(0));
    assert!(!kept["text"].as_str().expect("text").contains('\u{0640}'));
    // The doubled body is repaired to one copy.
    let doubled = o.kept("example/11-book-fair-doubled");
    assert_eq!(doubled["meta"]["ghirbal"]["clean"]["repeated_lines"], 4, "{doubled}");
    let text = doubled["text"].as_str().expect("text");
    let paragraphs: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let unique: std::collections::BTreeSet<&str> = paragraphs.iter().copied().collect();
    assert_eq!(paragraphs.len(), unique.len(), "{text}");
    // Teasers and the trailing related headline are gone, the article stays.
    let teasers = o.kept("example/12-school-teasers");
    let text = teasers["text"].as_str().expect("text");
    assert!(!text.contains("اقرأ أيضا") && !text.contains("شاهد أيضا"), "{text}");
    assert!(!text.contains("افتتاح ملعب جديد"), "{text}");
    assert!(text.ends_with("عبر موقعها الإلكتروني."), "{text}");
    assert!(!text.contains("* * *") && !text.contains("رابط الخبر"), "{text}");
    // Two teaser lines, and the story link glued to the last paragraph, cut off at the sentence end.
    assert_eq!(teasers["meta"]["ghirbal"]["clean"]["boilerplate_lines"], 3);
    assert_eq!(teasers["meta"]["ghirbal"]["clean"]["trailing_lines"], 1);
    assert_eq!(teasers["meta"]["ghirbal"]["clean"]["symbol_lines"], 1);
});

ghtest!(seeds_are_repaired_not_dropped, |dir| {
    let seeds = seeds_dir();
    let out = dir.out();
    run_ok(engine_argv![&seeds, "-o", out, "--preset", "ghirbal"]);
    let o = outcome(&out);
    assert!(o.removed.is_empty(), "{:?}", o.removed);
    let read = |name: &str| std::fs::read_to_string(seeds.join(name)).expect("seed");
    // 004 carries its body twice: kept with exactly its first 11 lines.
    let seed4 = read("004_c4e8c7e18ecd5dd9.txt");
    let first11: Vec<&str> = seed4.lines().take(11).collect();
    assert_eq!(
        o.kept("004_c4e8c7e18ecd5dd9")["text"],
        output_profile(&first11.join("\n")).as_str()
    );
    // 000 loses its "اقرأ أيضا" line (8) and its trailing related headline (14), nothing else.
    let seed0 = read("000_00c58df026898146.txt");
    let lines: Vec<&str> = seed0.lines().collect();
    assert!(lines[7].starts_with("اقرأ أيضا") && lines.len() == 14);
    let expected: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 7 && *i != 13)
        .map(|(_, l)| *l)
        .collect();
    assert_eq!(
        o.kept("000_00c58df026898146")["text"],
        output_profile(&expected.join("\n")).as_str()
    );
});

ghtest!(the_fineweb2_preset_loses_the_doubled_seed_as_fineweb_2_does, |dir| {
    let seeds = seeds_dir();
    let out = dir.out();
    run_ok(engine_argv![&seeds, "-o", out, "--preset", "fineweb2"]);
    let o = outcome(&out);
    let r = o.removed("004_c4e8c7e18ecd5dd9");
    assert_eq!(r["reason"], "filter.gopher_repetition.dup_line_frac", "{r}");
    // datatrove's own value for this page: 10 of its 21 lines repeat.
    assert_eq!(r["detail"]["value"], 0.4762, "{r}");
    // No repairs: the kept seed is stored exactly as it came.
    let seed0 = std::fs::read_to_string(seeds.join("000_00c58df026898146.txt")).expect("seed");
    assert_eq!(o.kept("000_00c58df026898146")["text"], seed0.as_str());
});

ghtest!(without_repairs_the_doubled_seed_is_lost_to_gopher_repetition, |dir| {
    let seeds = seeds_dir();
    let out = dir.out();
    run_ok(engine_argv![
        &seeds,
        "-o",
        out,
        "--stages",
        "normalize,filter.gopher_repetition"
    ]);
    let o = outcome(&out);
    let r = o.removed("004_c4e8c7e18ecd5dd9");
    assert_eq!(r["reason"], "filter.gopher_repetition.dup_line_frac", "{r}");
    assert!(r["detail"]["value"].as_f64() > Some(0.304), "{r}");
    assert_eq!(o.kept.len(), 1);
    // With the repairs first, it is kept.
    let repaired = dir.join("repaired");
    run_ok(engine_argv![
        &seeds,
        "-o",
        repaired,
        "--stages",
        "normalize,clean,filter.gopher_repetition"
    ]);
    assert_eq!(outcome(&repaired).kept.len(), 2);
});

ghtest!(
    gopher_quality_removes_the_one_liner_but_not_what_fineweb2_counts_long,
    |dir| {
        let out = dir.out();
        let stages = "normalize,clean,filter.language,filter.gopher_quality,dedup.exact";
        run_ok(engine_argv!["-o", out, "--stages", stages]);
        let o = outcome(&out);
        assert_eq!(o.stats["conservation"]["holds"], true);
        let short = o.removed("example/18-short-line");
        assert_eq!(short["reason"], "filter.gopher_quality.short_doc", "{short}");
        assert_eq!(short["detail"]["threshold"], 50.0, "{short}");
        // The links page has under 50 words once its footers are repaired away, but FineWeb-2 counts 50 or
        // more in the page as read (its menu separators are words there): the ghirbal preset is never stricter
        // on length. The full pipeline removes it as a list (`bundled_example_with_the_default_stages`).
        let links = o.kept("example/17-links-page");
        let metrics = &o.stats["stages"]["filter.gopher_quality"]["metrics"];
        assert_eq!(metrics["short_docs_kept_by_fineweb2_count"]["sum"], 1.0, "{links}");
        // Real articles pass.
        for id in [
            "example/01-desalination-plant",
            "example/08-wire-heatwave",
            "example/12-school-teasers",
        ] {
            o.kept(id);
        }
    }
);
