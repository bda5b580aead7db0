//! `ghirbal config` prints the default configuration, which `run -c` accepts.

use crate::util::{outcome, run, run_ok};

ghtest!(config_prints_the_default_toml, |dir| {
    let (code, stdout, stderr) = run(["config"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("[dedup]"), "{stdout}");
    assert!(stdout.contains("keep = \"first\""), "{stdout}");
    assert!(
        stdout.contains("stages = [\"normalize\", \"clean\", \"filter.language\", \"dedup.exact\"]"),
        "{stdout}"
    );
    let cfg = dir.write("default.toml", &stdout);
    let out = dir.out();
    // The printed default, with its own stages (language filter included).
    let stages = "normalize,clean,filter.language,dedup.exact";
    run_ok(argv!["run", "-c", cfg, "-o", out, "--stages", stages]);
    assert_eq!(outcome(&out).kept.len(), 12);
});
