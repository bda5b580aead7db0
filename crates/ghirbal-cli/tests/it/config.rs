//! `ghirbal config` prints the default configuration, which `run -c` accepts.

use crate::util::{outcome, run, run_ok};

ghtest!(config_prints_the_default_toml, |dir| {
    let (code, stdout, stderr) = run(["config"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("[dedup]"), "{stdout}");
    assert!(stdout.contains("keep = \"first\""), "{stdout}");
    assert!(stdout.contains("preset = \"ghirbal\""), "{stdout}");
    assert!(
        stdout.contains("stages = [\"normalize\", \"clean\", \"filter.language\", \"filter.gopher_quality\""),
        "{stdout}"
    );
    let cfg = dir.write("default.toml", &stdout);
    let out = dir.out();
    // The printed default, with its own stages (the filters included).
    run_ok(engine_argv!["-c", cfg, "-o", out, "--preset", "ghirbal"]);
    assert_eq!(outcome(&out).kept.len(), 9);
});

ghtest!(config_prints_what_the_fineweb2_preset_changes, |dir| {
    let (code, stdout, stderr) = run(["config", "--preset", "fineweb2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("preset = \"fineweb2\""), "{stdout}");
    assert!(stdout.contains("words = \"datatrove\""), "{stdout}");
    // A file that names the preset and changes one knob: the preset fills in the rest.
    let cfg = dir.write(
        "fw.toml",
        "preset = \"fineweb2\"\n[filter.gopher_quality]\nmin_doc_words = 5\n",
    );
    let out = dir.out();
    run_ok(engine_argv!["-c", cfg, "-o", out, "--preset", "fineweb2"]);
    let stats = outcome(&out).stats;
    let stages: Vec<&String> = stats["stages"].as_object().expect("stages").keys().collect();
    assert!(!stages.iter().any(|s| *s == "clean" || *s == "normalize"), "{stages:?}");
    // The one-line item (6 words) now passes gopher_quality's lowered minimum.
    assert!(
        stats["totals"]["removed_by_reason"]
            .get("filter.gopher_quality.short_doc")
            .is_none(),
        "{stats}"
    );
});
