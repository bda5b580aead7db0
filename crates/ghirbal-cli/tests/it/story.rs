//! The `story` stage (issue #19): stories and related documents on real articles — the seeds (a thread told
//! by two outlets a year apart) and SaudiNewsNet (many events told by several outlets).

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

use serde_json::Value;

use crate::util::{dir_bytes, ids, read_jsonl_dir, run, run_ok, run_stdout, seeds_dir, shared_dir, Dir};

const WITH_STORY: &str = "normalize,clean,filter.language,dedup.exact,dedup.near,story";
const WITHOUT_STORY: &str = "normalize,clean,filter.language,dedup.exact,dedup.near";

/// The first `n` SaudiNewsNet articles with their source and date.
fn articles(dir: &Dir, n: usize) -> std::path::PathBuf {
    let path = shared_dir("data/saudinewsnet").join("saudinewsnet.jsonl.gz");
    let file = std::fs::File::open(&path).expect("SaudiNewsNet");
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut out = String::new();
    for line in reader.lines().take(n) {
        let d: Value = serde_json::from_str(&line.expect("a line")).expect("json");
        let keep = serde_json::json!({"id": d["id"], "text": d["text"], "source": d["source"],
            "date_extracted": d["date_extracted"]});
        out.push_str(&keep.to_string());
        out.push('\n');
    }
    dir.write("snn.jsonl", out)
}

fn ghirbal_meta(doc: &Value) -> &Value {
    &doc["meta"]["ghirbal"]
}

ghtest!(the_seeds_are_two_stories_each_related_to_the_other, |dir| {
    let out = dir.out();
    run_ok(argv!["run", seeds_dir(), "-o", &out, "-q", "--stages", WITH_STORY]);
    let kept = read_jsonl_dir(&out.join("kept"));
    assert_eq!(kept.len(), 2, "both seeds are kept");
    let (a, b) = (&kept[0], &kept[1]);
    let (ga, gb) = (ghirbal_meta(a), ghirbal_meta(b));
    assert_ne!(
        ga["story_id"], gb["story_id"],
        "a year apart, another event: two stories"
    );
    assert_eq!(ga["story_size"], 1);
    for (g, other) in [(ga, b), (gb, a)] {
        let related = g["related"].as_array().expect("a related list");
        assert_eq!(related.len(), 1, "{g}");
        assert_eq!(related[0]["id"], other["id"], "each is the other's related document");
        let sim = related[0]["similarity"].as_f64().expect("a similarity");
        assert!(sim > 0.08 && sim < 0.28, "related, not the same story: {sim}");
    }
    let explained = run_stdout(argv!["explain", &out, a["id"].as_str().expect("id")]);
    assert!(explained.contains("story "), "{explained}");
    assert!(
        explained.contains(&format!("{} (related, similarity", b["id"].as_str().expect("id"))),
        "{explained}"
    );
    assert!(
        explained.contains("سوريا"),
        "explain names the words they share: {explained}"
    );
});

ghtest!(stories_annotate_and_never_remove, |dir| {
    let input = articles(&dir, 1500);
    let (with, without) = (dir.join("with"), dir.join("without"));
    run_ok(argv!["run", &input, "-o", &with, "-q", "--stages", WITH_STORY]);
    run_ok(argv!["run", &input, "-o", &without, "-q", "--stages", WITHOUT_STORY]);
    let kept = read_jsonl_dir(&with.join("kept"));
    let plain = read_jsonl_dir(&without.join("kept"));
    assert_eq!(ids(&kept), ids(&plain), "the same documents kept");
    assert_eq!(
        ids(&read_jsonl_dir(&with.join("removed"))),
        ids(&read_jsonl_dir(&without.join("removed"))),
        "the same documents removed"
    );
    for (k, p) in kept.iter().zip(&plain) {
        assert_eq!(k["text"], p["text"], "the text is never touched");
    }
    // Sizes are the members counted; sources at most the size; related lists point at kept documents of
    // other stories, strongest first.
    let by_id: HashMap<&str, &Value> = kept.iter().map(|d| (d["id"].as_str().expect("id"), d)).collect();
    let mut members: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for d in &kept {
        members
            .entry(ghirbal_meta(d)["story_id"].as_str().expect("story_id"))
            .or_default()
            .push(d);
    }
    let mut multi_source = 0;
    for (story, docs) in &members {
        assert!(by_id.contains_key(story), "a story is named by one of its documents");
        let sources: std::collections::BTreeSet<&str> = docs
            .iter()
            .map(|d| d["meta"]["source"].as_str().unwrap_or(""))
            .collect();
        for d in docs {
            let g = ghirbal_meta(d);
            assert_eq!(g["story_size"].as_u64(), Some(docs.len() as u64), "{story}");
            assert_eq!(g["story_sources"].as_u64(), Some(sources.len() as u64), "{story}");
        }
        multi_source += usize::from(sources.len() > 1);
    }
    assert!(
        multi_source >= 20,
        "SaudiNewsNet tells many events through several outlets: {multi_source}"
    );
    assert!(
        members.len() > 400 && members.len() < kept.len(),
        "{} stories",
        members.len()
    );
    let mut with_related = 0;
    for d in &kept {
        let g = ghirbal_meta(d);
        let related = g["related"].as_array().expect("related");
        with_related += usize::from(!related.is_empty());
        assert!(related.len() <= 10);
        let sims: Vec<f64> = related.iter().map(|r| r["similarity"].as_f64().expect("sim")).collect();
        assert!(sims.windows(2).all(|w| w[0] >= w[1]), "strongest first: {sims:?}");
        for r in related {
            let other = by_id[r["id"].as_str().expect("id")];
            assert_ne!(
                ghirbal_meta(other)["story_id"],
                g["story_id"],
                "related is outside the story"
            );
        }
    }
    assert!(
        with_related * 2 > kept.len(),
        "most articles have related ones: {with_related}"
    );
});

ghtest!(stories_are_the_same_at_any_thread_count_and_as_a_job_array, |dir| {
    let input = articles(&dir, 1200);
    let config = dir.write("small.toml", "[run]\npartitions = 3\n[input]\nshard_bytes = 262144\n");
    let argv_for = |out: &std::path::Path, threads: &str| {
        argv![
            "run",
            &input,
            "-o",
            out,
            "-q",
            "-c",
            &config,
            "--threads",
            threads,
            "--stages",
            WITH_STORY
        ]
    };
    let (one, two, stepped) = (dir.join("one"), dir.join("two"), dir.join("stepped"));
    run_ok(argv_for(&one, "1"));
    run_ok(argv_for(&two, "2"));
    assert_eq!(dir_bytes(&one.join("kept")), dir_bytes(&two.join("kept")));
    // A budget far below the terms and the vectors: the terms are read twice, the vectors kept on disk and
    // read a few documents at a time; the same links.
    let small = dir.join("small");
    let mut argv = argv_for(&small, "2");
    argv.extend(argv!["--memory-budget", "64KiB"]);
    run_ok(argv);
    assert_eq!(dir_bytes(&one.join("kept")), dir_bytes(&small.join("kept")));
    let stats = |out: &std::path::Path| crate::util::read_stats(out)["story"].clone();
    let (roomy, tight) = (stats(&one), stats(&small));
    assert!(roomy["shared_stories"].as_u64() > Some(50), "{roomy}");
    for spilled in ["terms_read_twice", "vectors_on_disk"] {
        assert_eq!(roomy["memory"][spilled], false, "{spilled}");
        assert_eq!(tight["memory"][spilled], true, "{spilled}");
    }
    for step in crate::util::STEPS {
        for i in 0..2 {
            let mut argv = argv_for(&stepped, "1");
            argv.extend(argv!["--phase", step, "--shard", format!("{i}/2")]);
            let (code, _, err) = run(argv);
            assert_eq!(code, 0, "{step} {i}/2: {err}");
        }
    }
    assert_eq!(dir_bytes(&one.join("kept")), dir_bytes(&stepped.join("kept")));
    assert_eq!(dir_bytes(&one.join("removed")), dir_bytes(&stepped.join("removed")));
});

ghtest!(a_damaged_links_file_is_redone, |dir| {
    let input = articles(&dir, 300);
    let out = dir.out();
    let argv = argv!["run", &input, "-o", &out, "-q", "--stages", WITH_STORY];
    run_ok(argv.clone());
    let good = dir_bytes(&out.join("kept"));
    // Back to before the write step, with one byte of a links file flipped.
    std::fs::remove_file(out.join("stats.json")).expect("stats");
    for entry in std::fs::read_dir(out.join("work/markers/write")).expect("markers") {
        std::fs::remove_file(entry.expect("entry").path()).expect("marker");
    }
    let links = out.join("work/story/00000.links");
    let mut bytes = std::fs::read(&links).expect("links");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    std::fs::write(&links, bytes).expect("damage");
    let (code, _, err) = run(argv.clone());
    assert_ne!(code, 0);
    assert!(err.contains("00000.links") && err.contains("story"), "{err}");
    run_ok(argv);
    assert_eq!(dir_bytes(&out.join("kept")), good, "redone, the same bytes");
});

ghtest!(story_must_be_the_last_stage, |dir| {
    let seeds = seeds_dir();
    let (code, _, err) = run(argv![
        "run",
        &seeds,
        "-o",
        dir.out(),
        "--stages",
        "normalize,story,dedup.exact"
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("story must be the last stage"), "{err}");
});
