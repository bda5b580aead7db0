//! One read of the input with the site tables on (issue #17): `scan` holds back the documents that have a
//! site and stages them, `lines-count` counts the tables, `scan-sited` scans those shards — from the staged
//! records when every document of the shard has a site, from the input when the shard has both kinds.
//! The bytes out must be those of the release that counted the tables in a read of their own before the
//! scan (c6b3288): the digest below is that build's output on this very corpus.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{decompress, file_names, line, news_pages, read_stats, run, run_ok, shared_dir, swap_unseen, Dir};

/// kept/ and removed/ of c6b3288 on [`corpus`] with [`CONFIG`] (FNV-1a 64 of [`digest`]'s stream).
const GOLDEN: &str = "2083b5462ab5ce33";

/// Small batches, so that every shard has several, and three partitions; the default stages as they were
/// when the golden digest was stored (before `story` was on by default: its fields are new bytes in every
/// kept line, and this test pins the site-line design's output).
const CONFIG: &str = "stages = [\"normalize\", \"clean\", \"filter.language\", \"filter.gopher_quality\", \
                      \"filter.gopher_repetition\", \"filter.fineweb_quality\", \"filter.aramix_punctuation\", \
                      \"dedup.exact\", \"dedup.near\"]\n[run]\nbatch_bytes = 65536\npartitions = 3\n";

/// 500 real SaudiNewsNet articles, each ending with its site's contact line, in three shards: one where
/// every article names its site (with exact and near copies), one where every third does not, one where
/// none does; and the two real news pages (a web shard without a site).
fn corpus(dir: &Dir) -> Vec<PathBuf> {
    let path = shared_dir("data/saudinewsnet").join("saudinewsnet.jsonl.gz");
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut files = [String::new(), String::new(), String::new()];
    for (i, raw) in std::io::BufRead::lines(reader).take(500).enumerate() {
        let record: Value = serde_json::from_str(&raw.expect("a line")).expect("a JSON record");
        let source = record["source"].as_str().expect("a source").to_owned();
        let text = format!(
            "{}\nللتواصل مع الكاتب عبر موقع {source}",
            record["text"].as_str().expect("a text")
        );
        let (file, sited) = match i {
            0..200 => (0, true),
            200..400 => (1, i % 3 != 0),
            _ => (2, false),
        };
        let extra: Vec<(&str, Value)> = match sited {
            true => vec![("source", Value::from(source))],
            false => Vec::new(),
        };
        files[file].push_str(&line(&format!("a{i}"), &text, &extra));
        if i % 9 == 0 {
            files[file].push_str(&line(&format!("copy{i}"), &text, &extra));
        }
        if i % 13 == 0 {
            let near = text.replacen(' ', " وقد ", 1);
            files[file].push_str(&line(&format!("near{i}"), &near, &extra));
        }
    }
    vec![
        dir.write("in/all.jsonl", &files[0]),
        dir.write("in/mixed.jsonl", &files[1]),
        dir.write("in/none.jsonl", &files[2]),
        news_pages(dir),
    ]
}

/// FNV-1a 64 over every part of kept/ and removed/, decompressed, with its name, in name order.
fn digest(out: &Path) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for sub in ["kept", "removed"] {
        for name in file_names(&out.join(sub)) {
            eat(format!("{sub}/{name}\n").as_bytes());
            eat(&decompress(&out.join(sub).join(&name)));
        }
    }
    format!("{h:016x}")
}

fn argv_for(inputs: &[PathBuf], config: &Path, out: &Path) -> Vec<std::ffi::OsString> {
    let mut argv = argv!["run", "-o", out, "-q", "-c", config, "--threads", "2"];
    argv.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
    argv
}

ghtest!(
    documents_with_a_site_give_the_bytes_of_a_run_that_counted_the_tables_first,
    |dir| {
        let inputs = corpus(&dir);
        let config = dir.write("run.toml", CONFIG);
        let out = dir.out();
        run_ok(argv_for(&inputs, &config, &out));
        // The corpus exercises what it should: site lines cut, both kinds of duplicates found.
        let stats = read_stats(&out);
        let site_lines = &stats["stages"]["clean"]["repairs"]["clean.site_lines"]["docs"];
        assert!(site_lines.as_u64() > Some(150), "{site_lines}");
        let removed = &stats["totals"]["removed_by_reason"];
        assert!(
            removed["dedup.exact"].as_u64() > Some(40) && removed["dedup.near"].as_u64() > Some(20),
            "{removed}"
        );
        assert_eq!(
            digest(&out),
            GOLDEN,
            "kept/ and removed/ differ from the previous release's"
        );
        assert!(
            file_names(&out.join("work/staged")).is_empty(),
            "staged records left behind"
        );
    }
);

ghtest!(
    scan_sited_takes_the_staged_records_and_a_damaged_file_is_redone,
    |dir| {
        let inputs = corpus(&dir);
        let config = dir.write("run.toml", CONFIG);
        let one = dir.join("one");
        run_ok(argv_for(&inputs, &config, &one));
        let phase = |out: &Path, step: &str| {
            let mut argv = argv_for(&inputs, &config, out);
            argv.extend(argv!["--phase", step]);
            run(argv)
        };
        let stepped = dir.join("stepped");
        for step in ["plan", "scan", "lines-count"] {
            assert_eq!(phase(&stepped, step).0, 0, "{step}");
        }
        // Shard 0 (every document has a site) is staged; shard 1 (both kinds) is read again from the input;
        // shards 2 and 3 (no site) are scanned already.
        let staged: Vec<String> = file_names(&stepped.join("work/staged"));
        assert_eq!(staged, ["00000.docs"]);
        let done = |step: &str| file_names(&stepped.join("work/markers").join(step));
        assert_eq!(done("scan-sited"), ["00002.done", "00003.done"]);
        // `scan-sited` reads shard 0 from its staged records: the input may change under it.
        let original = swap_unseen(&inputs[0], b'\n');
        for step in ["scan-sited", "cluster", "near", "near-clusters", "write", "finish"] {
            assert_eq!(phase(&stepped, step).0, 0, "{step}");
        }
        std::fs::write(&inputs[0], &original).expect("restoring the input");
        assert_eq!(digest(&stepped), digest(&one));
        assert!(
            file_names(&stepped.join("work/staged")).is_empty(),
            "removed once scanned"
        );

        // A damaged staged file fails `scan-sited`, naming it; the next run reads the shard again and finishes
        // with the same bytes.
        let damaged = dir.join("damaged");
        for step in ["plan", "scan", "lines-count"] {
            assert_eq!(phase(&damaged, step).0, 0, "{step}");
        }
        let path = damaged.join("work/staged/00000.docs");
        let bytes = std::fs::read(&path).expect("the staged file");
        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("cutting it");
        let (code, _, stderr) = run(argv_for(&inputs, &config, &damaged));
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("00000.docs"), "{stderr}");
        run_ok(argv_for(&inputs, &config, &damaged));
        assert_eq!(digest(&damaged), digest(&one));
    }
);
