//! News archives (`run --archive`): batches added one by one decide exactly what one run over all of them
//! decides; an add killed at any point and rerun leaves the bytes of an add that never stopped; one add at a
//! time; a batch is never added twice; the ledger's clusters are the keepers' stars.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{dir_bytes, read_jsonl_dir, run, run_ok, run_stdout, shared_dir, Dir};

/// The first `n` SaudiNewsNet articles (id, text, date), and copies across batches: every 37th article again
/// 700 articles later (an exact copy), every 41st with one word changed 500 later (a near copy), and an exact
/// copy of every near copy 300 later (a copy of a document that was itself removed).
fn articles(n: usize) -> Vec<Value> {
    let path = shared_dir("data/saudinewsnet").join("saudinewsnet.jsonl.gz");
    let file = std::fs::File::open(&path).expect("SaudiNewsNet");
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut docs: Vec<Value> = Vec::new();
    for line in reader.lines().take(n) {
        let d: Value = serde_json::from_str(&line.expect("a line")).expect("json");
        docs.push(serde_json::json!({"id": d["id"], "text": d["text"], "date_extracted": d["date_extracted"]}));
    }
    let mut out: Vec<Value> = Vec::new();
    let mut later: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        out.push(d.clone());
        if i % 37 == 5 {
            let mut c = d.clone();
            c["id"] = format!("{}#copy", d["id"].as_str().unwrap_or("")).into();
            later.entry(i + 700).or_default().push(c);
        }
        if i % 41 == 7 {
            let text = d["text"].as_str().unwrap_or("");
            let mut c = d.clone();
            c["id"] = format!("{}#near", d["id"].as_str().unwrap_or("")).into();
            c["text"] = text.replacen(' ', " كذلك ", 1).into();
            let mut again = c.clone();
            again["id"] = format!("{}#near-copy", d["id"].as_str().unwrap_or("")).into();
            later.entry(i + 500).or_default().push(c);
            later.entry(i + 800).or_default().push(again);
        }
        if let Some(extra) = later.remove(&i) {
            out.extend(extra);
        }
    }
    out.extend(later.into_values().flatten());
    out
}

fn write_batches(dir: &Dir, docs: &[Value], batches: usize) -> Vec<PathBuf> {
    let per = docs.len().div_ceil(batches);
    docs.chunks(per)
        .enumerate()
        .map(|(i, chunk)| {
            let body: String = chunk.iter().map(|d| format!("{d}\n")).collect();
            dir.write(&format!("batches/day-{i:02}.jsonl"), body)
        })
        .collect()
}

/// (kept ids, id → (reason, duplicate_of) of every duplicate, ids removed otherwise) over some outputs.
type Decisions = (BTreeSet<String>, BTreeMap<String, (String, String)>, BTreeSet<String>);

fn decisions(outs: &[PathBuf]) -> Decisions {
    let (mut kept, mut dups, mut other) = (BTreeSet::new(), BTreeMap::new(), BTreeSet::new());
    for out in outs {
        for d in read_jsonl_dir(&out.join("kept")) {
            kept.insert(d["id"].as_str().expect("id").to_owned());
        }
        for r in read_jsonl_dir(&out.join("removed")) {
            let id = r["id"].as_str().expect("id").to_owned();
            match r["duplicate_of"].as_str() {
                Some(k) => {
                    dups.insert(id, (r["reason"].as_str().unwrap_or("").to_owned(), k.to_owned()));
                }
                None => {
                    other.insert(id);
                }
            }
        }
    }
    (kept, dups, other)
}

fn add_batches(dir: &Dir, batches: &[PathBuf], archive: &Path, extra: &[&str]) -> Vec<PathBuf> {
    batches
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let name = archive
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let out = dir.join(&format!("out-{name}-{i:02}"));
            let mut argv = vec![
                "run".into(),
                b.display().to_string(),
                "-o".into(),
                out.display().to_string(),
                "-q".into(),
            ];
            argv.extend(["--archive".into(), archive.display().to_string()]);
            argv.extend(extra.iter().map(|s| (*s).to_owned()));
            run_ok(argv);
            out
        })
        .collect()
}

fn one_run(dir: &Dir, batches: &[PathBuf], extra: &[&str]) -> PathBuf {
    let mut all = String::new();
    for b in batches {
        all += &std::fs::read_to_string(b).expect("batch");
    }
    let input = dir.write("all.jsonl", all);
    let out = dir.join("out-all");
    let mut argv = vec![
        "run".to_owned(),
        input.display().to_string(),
        "-o".into(),
        out.display().to_string(),
        "-q".into(),
    ];
    argv.extend(extra.iter().map(|s| (*s).to_owned()));
    run_ok(argv);
    out
}

#[test]
fn ten_batches_one_by_one_decide_what_one_run_decides() {
    let dir = Dir::new();
    let docs = articles(1500);
    let batches = write_batches(&dir, &docs, 10);
    let archive = dir.join("archive");
    let outs = add_batches(&dir, &batches, &archive, &[]);
    let single = one_run(&dir, &batches, &[]);
    let (one, many) = (decisions(&[single]), decisions(&outs));
    assert_eq!(one.0, many.0, "kept ids");
    assert_eq!(one.1, many.1, "duplicate_of pairs");
    assert_eq!(one.2, many.2, "removed by the stages");
    // The corpus has what the test is about: copies across batches, exact and near, and copies of copies.
    let reasons = |r: &str| many.1.values().filter(|(reason, _)| reason == r).count();
    assert!(
        reasons("dedup.exact") >= 30 && reasons("dedup.near") >= 20,
        "{:?}",
        (reasons("dedup.exact"), reasons("dedup.near"))
    );
    let archived: Vec<Value> = outs
        .iter()
        .flat_map(|o| read_jsonl_dir(&o.join("removed")))
        .filter(|r| r["detail"]["archived"] == Value::Bool(true))
        .collect();
    assert!(
        archived.len() >= 40,
        "{} removed as copies of archived documents",
        archived.len()
    );
    let near_copy = archived
        .iter()
        .find(|r| r["id"].as_str().is_some_and(|id| id.ends_with("#near-copy")))
        .expect("an exact copy of an archived near duplicate");
    assert!(
        near_copy["duplicate_of"].as_str().is_some_and(|k| k.ends_with("#near")),
        "{near_copy}"
    );

    // The ledger's clusters are the keepers' stars of the one run: each document → its keeper, through copies.
    let stats = run_stdout(["archive", "stats", "--json", &archive.display().to_string()]);
    let stats: Value = serde_json::from_str(&stats).expect("stats json");
    assert_eq!(stats["batches"], 10);
    assert_eq!(stats["kept"].as_u64(), Some(one.0.len() as u64));
    let rows = run_stdout(["archive", "clusters", &archive.display().to_string()]);
    let rows: Vec<Value> = rows.lines().map(|l| serde_json::from_str(l).expect("row")).collect();
    assert_eq!(
        rows.len(),
        one.0.len() + one.1.len(),
        "every deduplicated document has a row"
    );
    let root = |id: &str| {
        let mut id = id.to_owned();
        while let Some((_, k)) = one.1.get(&id) {
            id.clone_from(k);
        }
        id
    };
    let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
    for id in one.0.iter().chain(one.1.keys()) {
        *sizes.entry(root(id)).or_default() += 1;
    }
    for r in &rows {
        let id = r["id"].as_str().expect("id");
        assert_eq!(r["cluster_id"].as_str(), Some(root(id).as_str()), "{r}");
        assert_eq!(r["cluster_size"].as_u64(), sizes.get(&root(id)).copied(), "{r}");
    }
    assert!(sizes.values().any(|s| *s >= 3), "a cluster grew across batches");
}

#[test]
fn earliest_is_equivalent_when_batches_come_in_date_order() {
    let dir = Dir::new();
    let mut docs = articles(1200);
    // Copies carry the date of their original: in date order they follow it, as a daily archive sees them.
    docs.sort_by(|a, b| a["date_extracted"].as_str().cmp(&b["date_extracted"].as_str()));
    let batches = write_batches(&dir, &docs, 10);
    let cfg = dir.write(
        "earliest.toml",
        "[dedup]\nkeep = \"earliest\"\nkeep_field = \"date_extracted\"\n",
    );
    let flags = ["--config", cfg.to_str().expect("utf-8 path")];
    let outs = add_batches(&dir, &batches, &dir.join("archive"), &flags);
    let single = one_run(&dir, &batches, &flags);
    let (one, many) = (decisions(&[single]), decisions(&outs));
    assert_eq!(one.0, many.0, "kept ids");
    assert_eq!(one.1, many.1, "duplicate_of pairs");
    assert!(one.1.len() >= 30, "{} duplicates", one.1.len());
}

/// The archive's bytes, without the lock file (which names the process that held it).
fn archive_bytes(archive: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    let mut stack = vec![archive.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("archive dir").flatten() {
            if e.file_type().expect("type").is_dir() {
                stack.push(e.path());
            } else if e.file_name() != "ghirbal.lock" {
                let rel = e.path().strip_prefix(archive).expect("inside").display().to_string();
                all.push((rel, std::fs::read(e.path()).expect("read")));
            }
        }
    }
    all.sort();
    all
}

#[test]
fn an_add_killed_at_any_point_and_rerun_leaves_the_bytes_of_one_that_never_stopped() {
    let dir = Dir::new();
    let docs = articles(600);
    let batches = write_batches(&dir, &docs, 3);
    // Reference: the three batches added without a stop.
    let reference = dir.join("reference");
    let ref_outs = add_batches(&dir, &batches, &reference, &["--config", &partitions(&dir)]);
    let expected = archive_bytes(&reference);
    let expected_out = dir_bytes(&ref_outs[2].join("kept"));
    // The first two batches once, then the third killed at every point of its add in turn.
    let base = dir.join("base");
    add_batches(&dir, &batches[..2], &base, &["--config", &partitions(&dir)]);
    let base_clusters = run_stdout(["archive", "clusters", base.to_str().expect("p")]);
    let reference_clusters = run_stdout(["archive", "clusters", reference.to_str().expect("p")]);
    assert_ne!(base_clusters, reference_clusters);
    let mut killed = 0;
    for at in 1.. {
        let archive = dir.join(&format!("archive-{at}"));
        copy_dir(&base, &archive);
        let out = dir.join(&format!("killed-{at}"));
        let argv = [
            "run",
            batches[2].to_str().expect("path"),
            "-o",
            out.to_str().expect("path"),
            "-q",
            "--config",
            &partitions(&dir),
            "--archive",
            archive.to_str().expect("path"),
        ];
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_ghirbal"))
            .args(argv)
            .env("GHIRBAL_TEST_KILL_ARCHIVE_ADD", at.to_string())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("starting ghirbal");
        if status.success() {
            // Past the last point: every point has been tried.
            break;
        }
        killed += 1;
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "point {at}: {status:?}"
        );
        assert!(
            !out.join("stats.json").exists(),
            "point {at}: stats.json before the add finished"
        );
        // Killed, the archive is the one before the batch or the one after it, never one in between.
        let stats = run_stdout(["archive", "stats", "--json", archive.to_str().expect("p")]);
        let stats: Value = serde_json::from_str(&stats).expect("stats");
        let clusters = run_stdout(["archive", "clusters", archive.to_str().expect("p")]);
        match stats["batches"].as_u64() {
            Some(2) => assert_eq!(clusters, base_clusters, "point {at}"),
            Some(3) => assert_eq!(clusters, reference_clusters, "point {at}"),
            other => panic!("point {at}: {other:?} batches"),
        }
        let (code, _, err) = run(argv);
        assert_eq!(code, 0, "point {at}: the rerun failed: {err}");
        assert_eq!(archive_bytes(&archive), expected, "point {at}: the archive differs");
        assert_eq!(dir_bytes(&out.join("kept")), expected_out, "point {at}: kept/ differs");
        let stats = crate::util::read_stats(&out);
        assert_eq!(stats["archive"]["batch"], 2, "point {at}");
    }
    assert!(killed >= 8, "only {killed} kill points");
}

/// Two partitions: fewer files, so that the kill test covers every point in little time.
fn partitions(dir: &Dir) -> String {
    dir.write("two.toml", "[run]\npartitions = 2\n").display().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[test]
fn one_add_at_a_time_a_batch_once_and_settings_that_match() {
    let dir = Dir::new();
    let docs = articles(200);
    let batches = write_batches(&dir, &docs, 2);
    let archive = dir.join("archive");
    add_batches(&dir, &batches[..1], &archive, &[]);
    // Each of these runs is refused: the stderr says why.
    let refused = |batch: &Path, out: &str, archive: &Path, extra: &[&str]| -> String {
        let mut argv = vec!["run", batch.to_str().expect("p"), "-o"];
        let out = dir.join(out);
        argv.push(out.to_str().expect("p"));
        argv.push("-q");
        argv.extend_from_slice(extra);
        argv.extend(["--archive", archive.to_str().expect("p")]);
        let (code, _, err) = run(argv);
        assert_ne!(code, 0, "{err}");
        err
    };
    // The same batch again, into a new output: refused, naming the batch it was.
    let err = refused(&batches[0], "again", &archive, &[]);
    assert!(err.contains("already added") && err.contains("batch 0"), "{err}");
    // A memory budget never changes the output: with another one it is still the same batch.
    let err = refused(&batches[0], "again-budget", &archive, &["--memory-budget", "1GiB"]);
    assert!(err.contains("already added"), "{err}");
    // Other dedup settings: refused, naming the difference.
    let cfg = dir.write("other.toml", "[dedup.near]\nthreshold = 0.7\n");
    let err = refused(&batches[1], "other", &archive, &["--config", cfg.to_str().expect("p")]);
    assert!(err.contains("threshold"), "{err}");
    // Partitions "auto" (the default) made a new archive sixteen, whatever the first batch's size: another
    // number is refused by name; an archive of two takes batches with "auto" as two.
    let settings = |archive: &Path| -> serde_json::Value {
        let text = std::fs::read_to_string(archive.join("archive.json")).expect("archive.json");
        serde_json::from_str::<serde_json::Value>(&text).expect("json")["settings"].clone()
    };
    assert_eq!(settings(&archive)["partitions"], 16);
    let err = refused(&batches[1], "two", &archive, &["--config", &partitions(&dir)]);
    assert!(err.contains("partitions"), "{err}");
    let two = dir.join("two");
    let mut outs = add_batches(&dir, &batches[..1], &two, &["--config", &partitions(&dir)]);
    let auto = dir.join("two-auto");
    run_ok(argv!["run", &batches[1], "-o", &auto, "-q", "--archive", &two]);
    outs.push(auto);
    assert_eq!(settings(&two)["partitions"], 2);
    for out in &outs {
        let stats = std::fs::read_to_string(out.join("stats.json")).expect("stats");
        let stats: serde_json::Value = serde_json::from_str(&stats).expect("json");
        assert_eq!(stats["config"]["run"]["partitions"], 2, "{}", out.display());
    }
    // While one process holds the archive, another run is told so.
    let _held = ghirbal::archive::add::ArchiveLock::acquire(&archive).expect("lock");
    let err = refused(&batches[1], "second", &archive, &[]);
    assert!(err.contains("another run is adding to the archive"), "{err}");
    // A folder that is not an archive is not made into one.
    let foreign = dir.write("foreign/notes.txt", "mine");
    let err = refused(&batches[1], "f", foreign.parent().expect("dir"), &[]);
    assert!(err.contains("not a ghirbal archive"), "{err}");
}

/// Articles of one site, each with its own title, lead and body (a city each: numbers alone would make
/// them exact copies), as (id, text).
fn site_articles(n: usize) -> Vec<(String, String)> {
    const CITIES: [&str; 14] = [
        "الرياض",
        "جدة",
        "مكة",
        "الدمام",
        "تبوك",
        "أبها",
        "حائل",
        "جازان",
        "نجران",
        "الطائف",
        "بريدة",
        "الخبر",
        "ينبع",
        "القطيف",
    ];
    (0..n)
        .map(|i| {
            let city = CITIES[i % CITIES.len()];
            let text = format!(
                "عنوان الخبر عن قضية محلية في {city}\n\n\
                 أعلنت الجهة المختصة اليوم عن نتائج مشروع {city} الكبير الذي بدأ العام الماضي.\n\
                 وقال المتحدث إن العمل في {city} يسير وفق الخطة المعتمدة دون أي تأخير يذكر حتى الآن.\n\
                 وأضاف أن مرحلة {city} الثانية ستبدأ بعد شهر من الآن بمشاركة شركات محلية ودولية عديدة."
            );
            (format!("s-{i}"), text)
        })
        .collect()
}

#[test]
fn a_site_line_and_a_related_headline_are_learned_across_batches() {
    let dir = Dir::new();
    // A line the site prints under articles 1-11 (eleven documents; the rule's minimum is ten): five of them
    // in the first batch, six in the second, so neither batch alone has enough. Article 13 (second batch)
    // ends with the title of article 12 (first batch): a related headline, whose story only the archive knows.
    let mut articles = site_articles(14);
    let lead = "وتأتي هذه الخطوة ضمن برنامج التنمية الشاملة الذي تنفذه الجهات الحكومية في مختلف المناطق.".to_owned();
    let title = articles[12].1.lines().next().expect("a title").to_owned();
    for (_, t) in articles.iter_mut().take(12).skip(1) {
        t.push_str(&format!("\n\n{lead}"));
    }
    articles[13].1.push_str(&format!("\n{title}"));
    let order = [0usize, 1, 2, 3, 4, 5, 12, 6, 7, 8, 9, 10, 11, 13];
    let line = |i: usize| crate::util::line(&articles[i].0, &articles[i].1, &[("source", Value::from("site"))]);
    let first: String = order[..7].iter().map(|i| line(*i)).collect();
    let second: String = order[7..].iter().map(|i| line(*i)).collect();
    let batches = [dir.write("day1.jsonl", first), dir.write("day2.jsonl", second)];
    let stages = ["--stages", "normalize,clean,dedup.exact"];
    let outs = add_batches(&dir, &batches, &dir.join("archive"), &stages);
    let kept = |out: &Path, id: &str| -> Value {
        crate::util::find(&read_jsonl_dir(&out.join("kept")), id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} kept"))
    };
    let text = |d: &Value| d["text"].as_str().unwrap_or_default().to_owned();
    for i in 1..6 {
        assert!(
            text(&kept(&outs[0], &format!("s-{i}"))).contains(&lead),
            "day 1 alone has five copies of the line"
        );
    }
    for i in 6..12 {
        let d = kept(&outs[1], &format!("s-{i}"));
        assert!(!text(&d).contains(&lead), "day 2 counts day 1's five: {d}");
        assert_eq!(
            d["meta"]["ghirbal"]["clean"]["removed"][0]["rule"], "clean.site_lines",
            "{d}"
        );
    }
    let d = kept(&outs[1], "s-13");
    assert!(!text(&d).contains(&title), "the related headline goes: {d}");
    // Without the archive, day 2 alone keeps both.
    let alone = dir.join("alone");
    run_ok([
        "run",
        batches[1].to_str().expect("p"),
        "-o",
        alone.to_str().expect("p"),
        "-q",
        stages[0],
        stages[1],
    ]);
    assert!(text(&kept(&alone, "s-6")).contains(&lead));
    assert!(text(&kept(&alone, "s-13")).contains(&title));
}

#[test]
fn a_damaged_archive_file_is_named_and_the_batch_goes_on_once_it_is_restored() {
    let dir = Dir::new();
    let docs = articles(300);
    let batches = write_batches(&dir, &docs, 2);
    let archive = dir.join("archive");
    add_batches(&dir, &batches[..1], &archive, &[]);
    let mut damaged = Vec::new();
    for entry in std::fs::read_dir(archive.join("index/00000")).expect("index").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("bands-") || name.starts_with("exact-") {
            let bytes = std::fs::read(entry.path()).expect("read");
            let mut flipped = bytes.clone();
            flipped[20] ^= 0x40;
            std::fs::write(entry.path(), &flipped).expect("write");
            damaged.push((entry.path(), bytes));
        }
    }
    assert_eq!(damaged.len(), 2, "an exact run and a band run");
    let out = dir.join("day2");
    let argv = [
        "run",
        batches[1].to_str().expect("p"),
        "-o",
        out.to_str().expect("p"),
        "-q",
        "--archive",
        archive.to_str().expect("p"),
    ];
    let (code, _, err) = run(argv);
    assert_eq!(code, 1, "{err}");
    assert!(
        damaged.iter().any(|(p, _)| err.contains(&p.display().to_string())),
        "the file is named: {err}"
    );
    assert!(
        err.contains("damaged archive file") && err.contains("checksum") && err.contains("restore the archive"),
        "{err}"
    );
    for (path, bytes) in &damaged {
        std::fs::write(path, bytes).expect("restore");
    }
    let (code, _, err) = run(argv);
    assert_eq!(code, 0, "{err}");
    assert_eq!(crate::util::read_stats(&out)["archive"]["batch"], 1);
}

#[test]
fn an_id_the_archive_has_seen_is_accepted_and_reported() {
    let dir = Dir::new();
    let docs = articles(120);
    let mut batches = write_batches(&dir, &docs[..100], 1);
    // The second day scrapes the first article's page again, rewritten: another text under the same id.
    let again = serde_json::json!({"id": docs[0]["id"], "text": docs[100]["text"]});
    let second: String = std::iter::once(&again)
        .chain(&docs[101..])
        .map(|d| format!("{d}\n"))
        .collect();
    batches.push(dir.write("batches/day-99.jsonl", second));
    let archive = dir.join("archive");
    add_batches(&dir, &batches[..1], &archive, &[]);
    let out = dir.join("day2");
    let argv = [
        "run",
        batches[1].to_str().expect("p"),
        "-o",
        out.to_str().expect("p"),
        "--archive",
        archive.to_str().expect("p"),
    ];
    let (code, _, err) = run(argv);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("have an id the archive has seen"), "{err}");
    let stats = crate::util::read_stats(&out);
    assert_eq!(stats["archive"]["ids_seen_before"], 1, "{}", stats["archive"]);
    let example = &stats["archive"]["ids_seen_before_examples"][0];
    assert_eq!(
        (&example["id"], &example["batch"]),
        (&docs[0]["id"], &Value::from(0)),
        "{example}"
    );
    assert!(
        example["at"].as_str().is_some_and(|at| at.ends_with("day-99.jsonl:1")),
        "{example}"
    );
}

#[test]
fn a_templated_bucket_compares_the_pairs_one_run_compares() {
    // Seeds 2 and 5 compared a pair one run does not before near duplicates kept their band records.
    for seed in 1..=6 {
        templated_corpus_in_two_batches(seed);
    }
}

fn templated_corpus_in_two_batches(seed: u64) {
    // A template of 400 words under every document, each with 60 words of its own, each written twice with
    // one word changed: every document shares most bands with every other, so the buckets are far larger than
    // `bucket_head` (2 here), and which documents head them decides which pairs are compared. The first
    // batch's near duplicate must keep its place in those heads, as in one run.
    let dir = Dir::new();
    let mut rng = crate::util::Rng::new(seed);
    let letters: Vec<char> = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي".chars().collect();
    let mut word = || -> String {
        (0..3 + rng.below(5))
            .map(|_| letters[rng.below(letters.len())])
            .collect()
    };
    let template: Vec<String> = (0..400).map(|_| word()).collect();
    let mut body = [String::new(), String::new()];
    for i in 0..401 {
        let (day, prefix) = if i == 0 { (0, ["A", "B"]) } else { (1, ["C", "D"]) };
        let mut text: Vec<String> = template.iter().cloned().chain((0..60).map(|_| word())).collect();
        body[day] += &crate::util::line(&format!("{}{i}", prefix[0]), &text.join(" "), &[]);
        let middle = text.len() / 2;
        text[middle] = "كذلك".to_owned();
        body[day] += &crate::util::line(&format!("{}{i}", prefix[1]), &text.join(" "), &[]);
    }
    let [first, second] = body;
    let batches = [dir.write("day0.jsonl", first), dir.write("day1.jsonl", second)];
    let cfg = dir.write("head.toml", "[dedup.near]\nbucket_head = 2\n");
    let flags = [
        "--stages",
        "normalize,dedup.exact,dedup.near",
        "--config",
        cfg.to_str().expect("p"),
    ];
    let outs = add_batches(&dir, &batches, &dir.join("archive"), &flags);
    let single = one_run(&dir, &batches, &flags);
    let (one, many) = (decisions(&[single]), decisions(&outs));
    assert!(one.1.len() > 100, "{} duplicates", one.1.len());
    assert_eq!(one.0, many.0, "kept ids");
    assert_eq!(one.1, many.1, "duplicate_of pairs");
}
