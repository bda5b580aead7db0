//! `ghirbal config` prints the default configuration, which `run -c` accepts.

use crate::util::{outcome, run, run_ok};

ghtest!(config_prints_the_default_toml, |dir| {
    let (code, stdout, stderr) = run(["config"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("[dedup]"), "{stdout}");
    assert!(stdout.contains("keep = \"first\""), "{stdout}");
    let cfg = dir.write("default.toml", &stdout);
    let out = dir.out();
    run_ok(argv!["run", "-c", cfg, "-o", out]);
    assert_eq!(outcome(&out).kept.len(), 15);
});
