//! Fault injection on the work layer: a run is stopped after each step (`--phase`), one file of every kind
//! that step wrote under `OUT/work/` is truncated, has a byte flipped, or is deleted, and the same one-shot
//! command is run again. Every case must either fail with a message naming the file — and then finish on a
//! rerun (the task that wrote the file is redone) — or finish at once; and what it finishes with must be the
//! bytes of an undisturbed run. Different output with exit 0 is the one outcome never allowed.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{dir_bytes, line, news_pages, read_stats, run, run_ok, shared_dir, Dir};

/// 600 real SaudiNewsNet articles in two files (two shards), each with its site's footer (site lines on),
/// with exact and near copies (both dedup steps have work), and the two real news pages (a web shard with
/// no site: scanned by `scan` alone).
fn corpus(dir: &Dir) -> Vec<PathBuf> {
    let path = shared_dir("data/saudinewsnet").join("saudinewsnet.jsonl.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut halves = [String::new(), String::new()];
    for (i, raw) in std::io::BufRead::lines(reader).take(600).enumerate() {
        let record: Value = serde_json::from_str(&raw.expect("a line")).expect("a JSON record");
        let source = record["source"].as_str().expect("a source").to_owned();
        let footer = format!("\nللتواصل مع الكاتب عبر موقع {source}");
        let text = format!("{}{footer}", record["text"].as_str().expect("a text"));
        let extra = [("source", Value::from(source.clone()))];
        let half = &mut halves[i % 2];
        half.push_str(&line(&format!("a{i}"), &text, &extra));
        if i % 7 == 0 {
            half.push_str(&line(&format!("copy{i}"), &text, &extra));
        }
        if i % 11 == 0 {
            let near = text.replacen(' ', " وقد ", 1);
            halves[1 - i % 2].push_str(&line(&format!("near{i}"), &near, &extra));
        }
    }
    vec![
        dir.write("in/a.jsonl", &halves[0]),
        dir.write("in/b.jsonl", &halves[1]),
        news_pages(dir),
    ]
}

const STAGES: &str = "normalize,clean,filter.language,filter.gopher_quality,filter.gopher_repetition,\
                      filter.fineweb_quality,filter.aramix_punctuation,dedup.exact,dedup.near,story";

/// The work files each step writes (one of each kind: shard or partition 0; shard 0's staged records).
fn written_by(step: &str) -> &'static [&'static str] {
    match step {
        "plan" => &["manifest.json"],
        "scan" => &["lines/00000.bin", "staged/00000.docs", "markers/scan/00001.done"],
        "lines-count" => &["lines/00000.tables", "markers/lines-count/00001.done"],
        "scan-sited" => &[
            "scan/00000.lines",
            "scan/00001.removed.lines",
            "keys/00000.bin",
            "near/00001.sketch",
            "near/00000.sketch.idx",
            "story/00001.terms",
            "stats/scan/00000.json",
            "markers/scan-sited/00001.done",
        ],
        "cluster" => &["dups/00000.bin", "dups/00001.bin"],
        "near" => &["near/edges/00000.bin", "near/edges/00001.bin", "stats/near/00001.json"],
        "near-clusters" => &["near/clusters.bin", "stats/near-clusters/00000.json"],
        "story" => &["story/00000.links", "stats/story/00000.json"],
        "write" => &["stats/write/00000.json", "stats/write/00002.json"],
        _ => &[],
    }
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Truncate,
    Flip,
    Delete,
}

fn inject(path: &Path, fault: Fault) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match fault {
        Fault::Truncate => std::fs::write(path, &bytes[..bytes.len() / 2]),
        Fault::Flip => {
            let mut bad = bytes;
            if bad.is_empty() {
                return;
            }
            let at = bad.len() / 2;
            bad[at] ^= 0x08;
            std::fs::write(path, bad)
        }
        Fault::Delete => std::fs::remove_file(path),
    }
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// `stats.json` without what a rerun measures anew (times, memory).
fn stable_stats(out: &Path) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["time", "peak_rss_bytes", "cpu_seconds"] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut stats = read_stats(out);
    strip(&mut stats);
    stats
}

type Snapshot = (Vec<(String, Vec<u8>)>, Vec<(String, Vec<u8>)>, Value);

fn snapshot(out: &Path) -> Snapshot {
    (
        dir_bytes(&out.join("kept")),
        dir_bytes(&out.join("removed")),
        stable_stats(out),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    let status = std::process::Command::new("cp")
        .args(["-a".as_ref(), from.as_os_str(), to.as_os_str()])
        .status()
        .expect("running cp");
    assert!(status.success());
}

ghtest!(
    damaged_work_files_fail_loudly_or_are_redone_never_different_output,
    |dir| {
        let inputs = corpus(&dir);
        let config = dir.write("c.toml", "[run]\npartitions = 2\n");
        let argv = |out: &Path| {
            let mut a = crate::util::args(["run"]);
            a.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
            a.extend(crate::util::args([
                "-c".as_ref(),
                config.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
            ]));
            a.extend(crate::util::args(["--preset", "ghirbal", "--threads", "2", "-q"]));
            // The default stages and `story`: its files are damaged too.
            a.extend(crate::util::args(["--stages", STAGES]));
            a
        };
        let reference = dir.join("reference");
        run_ok(argv(&reference));
        let expected = snapshot(&reference);
        let reasons = &expected.2["totals"]["removed_by_reason"];
        assert!(
            reasons["dedup.exact"].as_u64() > Some(0) && reasons["dedup.near"].as_u64() > Some(0),
            "{reasons}"
        );

        let staged = dir.join("staged");
        let (mut cases, mut loud) = (0, 0);
        // Every step but `finish`, whose file is `stats.json`.
        for (i, step) in crate::util::STEPS.iter().filter(|s| **s != "finish").enumerate() {
            let mut a = argv(&staged);
            a.extend(crate::util::args(["--phase", step]));
            run_ok(a);
            for rel in written_by(step) {
                let target = staged.join("work").join(rel);
                assert!(target.exists(), "after {step}: {rel} is missing (the layout changed?)");
                for fault in [Fault::Truncate, Fault::Flip, Fault::Delete] {
                    cases += 1;
                    let what = format!("{fault:?} {rel} after step {step}");
                    let out = dir.join(&format!("case-{i}-{cases}"));
                    copy_dir(&staged, &out);
                    inject(&out.join("work").join(rel), fault);
                    let name = Path::new(rel).file_name().and_then(|n| n.to_str()).expect("a name");
                    let mut finished = false;
                    for attempt in 0..4 {
                        let mut a = argv(&out);
                        // The manifest says what OUT is: when it is damaged, only --force starts over.
                        if *rel == "manifest.json" && attempt > 0 {
                            a.push("--force".into());
                        }
                        let (code, _, stderr) = run(&a);
                        if code == 0 {
                            finished = true;
                            break;
                        }
                        assert_eq!(code, 1, "{what}: {stderr}");
                        assert!(
                            stderr.contains(name),
                            "{what}: the error does not name the file:\n{stderr}"
                        );
                        loud += usize::from(attempt == 0);
                    }
                    assert!(finished, "{what}: no rerun finished");
                    assert!(
                        snapshot(&out) == expected,
                        "{what}: the output differs from an undisturbed run"
                    );
                    std::fs::remove_dir_all(&out).expect("cleanup");
                }
            }
        }
        // Deleted markers, the extraction cache and files whose readers already ran are redone or unused
        // without a word; every other damage is reported.
        eprintln!("{cases} cases, {loud} reported by the first rerun");
        assert!(cases >= 60 && loud >= cases / 2, "{cases} cases, only {loud} reported");
    }
);
