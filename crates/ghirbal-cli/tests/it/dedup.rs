//! Exact deduplication and its keep rules, chosen in a config file.

use serde_json::json;

use crate::util::{ids, line, outcome, run_ok, Dir};

/// Three copies of one text (equal once whitespace is folded) that differ in length, date and source, and
/// one unrelated document. Input order: k1, k2, k3, other.
///
/// - first    → k1 (first in input order)
/// - longest  → k3 (most characters: extra inner spaces survive normalisation)
/// - earliest → k2 (smallest `date`)
/// - source   → k3 (`b` is preferred to `a` although `a` comes first; `c` is not listed)
fn corpus(dir: &Dir) -> std::path::PathBuf {
    let mut body = String::new();
    body += &line(
        "k1",
        "عاد الصيادون إلى الميناء\nمع الفجر",
        &[("date", json!("2020-05-01")), ("source", json!("c"))],
    );
    body += &line(
        "k2",
        "عاد  الصيادون إلى الميناء \nمع الفجر  ",
        &[("date", json!("2019-01-01")), ("source", json!("a"))],
    );
    body += &line(
        "k3",
        "عاد   الصيادون   إلى الميناء\n\nمع   الفجر",
        &[("date", json!("2021-01-01")), ("source", json!("b"))],
    );
    body += &line(
        "other",
        "نص آخر لا يشبه غيره",
        &[("date", json!("2000-01-01")), ("source", json!("b"))],
    );
    dir.write("copies.jsonl", body)
}

fn check_keeper(toml: &str, keeper: &str) {
    let dir = Dir::new();
    let input = corpus(&dir);
    let config = dir.write("cfg.toml", toml);
    let out = dir.out();
    run_ok(engine_argv![input, "-c", config, "-o", out]);
    let o = outcome(&out);
    let mut expect_kept = vec![keeper, "other"];
    expect_kept.sort_by_key(|id| ["k1", "k2", "k3", "other"].iter().position(|k| k == id));
    assert_eq!(ids(&o.kept), expect_kept, "config:\n{toml}");
    let expect_removed: Vec<&str> = ["k1", "k2", "k3"].into_iter().filter(|id| *id != keeper).collect();
    assert_eq!(ids(&o.removed), expect_removed, "config:\n{toml}");
    for r in &o.removed {
        assert_eq!(r["reason"], "dedup.exact", "{r}");
        assert_eq!(r["stage"], "dedup.exact", "{r}");
        assert_eq!(r["duplicate_of"], keeper, "{r}");
        assert_eq!(r["detail"]["group_size"], 3, "{r}");
    }
    assert_eq!(o.kept(keeper)["meta"]["ghirbal"]["cluster_size"], json!(3));
    assert!(o.kept("other")["meta"].get("ghirbal").is_none());
    assert_eq!(o.stats["totals"]["removed_by_reason"], json!({"dedup.exact": 2}));
    let exact = &o.stats["stages"]["dedup.exact"];
    assert_eq!(
        (&exact["docs_in"], &exact["docs_kept"], &exact["docs_removed"]),
        (&json!(4), &json!(2), &json!(2)),
        "{exact}"
    );
}

#[test]
fn keep_first_is_the_default() {
    check_keeper("", "k1");
    check_keeper("[dedup]\nkeep = \"first\"\n", "k1");
}

#[test]
fn keep_longest() {
    check_keeper("[dedup]\nkeep = \"longest\"\n", "k3");
}

#[test]
fn keep_earliest_by_field() {
    check_keeper("[dedup]\nkeep = \"earliest\"\nkeep_field = \"date\"\n", "k2");
}

#[test]
fn keep_by_source_priority() {
    check_keeper("[dedup]\nkeep = \"source\"\nsource_priority = [\"b\", \"a\"]\n", "k3");
}

ghtest!(trailing_whitespace_is_normalised_in_kept_text, |dir| {
    let input = dir.write("in.jsonl", line("a", "سطر أول  \t\nسطر ثان \n\n", &[]));
    let out = dir.out();
    run_ok(engine_argv![input, "-o", out]);
    let o = outcome(&out);
    assert_eq!(o.kept("a")["text"], "سطر أول\nسطر ثان");
    assert_eq!(o.stats["stages"]["normalize"]["docs_modified"], 1);
});
